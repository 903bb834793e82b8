/* net_targets.c: what the network fuzz targets do with one input (net_targets.h). */
#include "net_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitswap.h"
#include "http.h"
#include "kad.h"

#define HTTP_MAX_BODY 4096 /* small, so inputs reach the cap */

/* ---- http -------------------------------------------------------------------------- */

static int http_response(const uint8_t *data, size_t len, unsigned step)
{
	net_http_response r;
	int rc = NET_HTTP_MORE, bad = 0;
	size_t at = 0;
	net_http_response_init(&r, HTTP_MAX_BODY, step == 7);
	while (at < len && rc == NET_HTTP_MORE) {
		size_t n = len - at < step ? len - at : step, used = 0;
		rc = net_http_response_feed(&r, data + at, n, &used);
		if (used > n || (rc == NET_HTTP_MORE && used != n)) {
			fprintf(stderr, "http: feed used %zu of %zu bytes with result %d\n", used, n, rc);
			bad = 1;
		}
		at += n;
	}
	if (rc == NET_HTTP_MORE) rc = net_http_response_eof(&r);
	if (rc != NET_HTTP_DONE && rc >= 0) {
		fprintf(stderr, "http: result %d is neither done nor an error\n", rc);
		bad = 1;
	}
	if (rc < 0 && !r.why[0]) {
		fprintf(stderr, "http: error %d (%s) without a reason\n", rc, net_http_error_text(rc));
		bad = 1;
	}
	if (r.body_len > HTTP_MAX_BODY || (rc == NET_HTTP_DONE && (r.status < 200 || r.status > 999))) {
		fprintf(stderr, "http: body of %zu bytes, status %d\n", r.body_len, r.status);
		bad = 1;
	}
	net_http_response_free(&r);
	return bad;
}

static int http_url(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1), why[160], req[4096];
	net_http_url u;
	int bad = 0;
	if (!s) return 0;
	memcpy(s, data, len);
	s[len] = 0;
	why[0] = 0;
	int rc = net_http_url_parse(s, &u, why, sizeof why);
	if (rc == 0) {
		size_t n = net_http_request(req, sizeof req, "GET", &u, "/ipfs/x", "a/b");
		if (n >= sizeof req || strlen(u.host) == 0 || strchr(u.path, ' ') || strstr(req, "\r\n\r\n") != req + n - 4) {
			fprintf(stderr, "http: URL '%s' gave host '%s' path '%s'\n", s, u.host, u.path);
			bad = 1;
		}
	} else if ((rc != NET_HTTP_ERR_URL && rc != NET_HTTP_ERR_SCHEME) || !why[0]) {
		fprintf(stderr, "http: URL error %d without a reason\n", rc);
		bad = 1;
	}
	free(s);
	return bad;
}

int fuzz_http_one(const uint8_t *data, size_t len)
{
	/* the first byte picks the piece size, so splits are explored too */
	unsigned step = len ? (data[0] % 16) + 1 : 1;
	int bad = http_response(data, len, step);
	bad |= http_response(data, len, (unsigned)len + 1);
	bad |= http_url(data, len > 2048 ? 2048 : len);
	return bad;
}

/* ---- bitswap ------------------------------------------------------------------------- */

static const uint8_t BLOCK_A[] = "wasmos";
static uint8_t block_b[2000];

static int store_get(void *ud, const uint8_t *cid, size_t len, const uint8_t **data, size_t *dlen)
{
	(void)ud;
	uint8_t want[WOS_CID_BIN_MAX];
	size_t wl = wos_cid_make(WOS_CODEC_RAW, BLOCK_A, sizeof BLOCK_A, want);
	if (wl == len && !memcmp(cid, want, len)) {
		*data = BLOCK_A;
		*dlen = sizeof BLOCK_A;
		return 1;
	}
	wl = wos_cid_make(WOS_CODEC_RAW, block_b, sizeof block_b, want);
	if (wl == len && !memcmp(cid, want, len)) {
		*data = block_b;
		*dlen = sizeof block_b;
		return 1;
	}
	return 0;
}

typedef struct bs_state {
	int bad, done;
} bs_state;

static int reply_check(void *ud, void *peer, const uint8_t *msg, size_t len)
{
	bs_state *st = ud;
	char why[160];
	(void)peer;
	/* what the server writes must read back */
	if (len > NET_BITSWAP_MAX_MESSAGE || net_bitswap_decode(msg, len, &(net_bitswap_visitor){ 0 }, NULL, why, sizeof why)) {
		fprintf(stderr, "bitswap: the server wrote a message it cannot read (%zu bytes): %s\n", len, why);
		st->bad = 1;
	}
	return 0;
}

static int client_send(void *ud, void *peer, const uint8_t *msg, size_t len)
{
	return reply_check(ud, peer, msg, len);
}

static void client_done(void *ud, void *want_ud, int err, const uint8_t *data, size_t len, const char *why)
{
	bs_state *st = ud;
	(void)want_ud, (void)data, (void)len;
	st->done++;
	if (err && (!why || !why[0])) {
		fprintf(stderr, "bitswap: a want failed (%d) without a reason\n", err);
		st->bad = 1;
	}
}

int fuzz_bitswap_one(const uint8_t *data, size_t len)
{
	bs_state st = { 0, 0 };
	char why[160];
	int peer = 0;
	for (size_t i = 0; i < sizeof block_b; i++) block_b[i] = (uint8_t)i;
	/* the server */
	net_bitswap_server_ops sops = { store_get, NULL, reply_check };
	why[0] = 0;
	int rc = net_bitswap_serve(&sops, &st, &peer, data, len, why, sizeof why);
	if (rc > 0 || (rc < 0 && !why[0])) {
		fprintf(stderr, "bitswap: serve returned %d with reason '%s'\n", rc, why);
		st.bad = 1;
	}
	/* a client that wants block A from this peer, then hears the input from it */
	net_bitswap_client_ops cops = { client_send, client_done, NULL, NULL };
	net_bitswap_client *c = net_bitswap_client_new(&cops, &st);
	if (!c) return st.bad;
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cl = wos_cid_make(WOS_CODEC_RAW, BLOCK_A, sizeof BLOCK_A, cid);
	net_bitswap_client_add_peer(c, &peer);
	net_bitswap_client_want(c, cid, cl, &st, 0);
	net_bitswap_client_received(c, &peer, data, len, 1);
	net_bitswap_client_tick(c, 1000000);
	/* once at most: a peer dropped for garbage leaves the want waiting for another */
	if (st.done > 1) {
		fprintf(stderr, "bitswap: the want ended %d times\n", st.done);
		st.bad = 1;
	}
	net_bitswap_client_free(c);
	return st.bad;
}

/* ---- kad ------------------------------------------------------------------------------- */

int fuzz_kad_one(const uint8_t *data, size_t len)
{
	static const uint8_t self[] = { 0x00, 0x04, 's', 'e', 'l', 'f' };
	net_kad_message *m = malloc(sizeof *m), *again = malloc(sizeof *again);
	char why[160] = "";
	int bad = 0;
	if (!m || !again) goto out;
	int rc = net_kad_decode(data, len, m, why, sizeof why);
	if (rc < 0) {
		if (!why[0]) {
			fprintf(stderr, "kad: error %d without a reason\n", rc);
			bad = 1;
		}
		goto out;
	}
	/* what decodes re-encodes to a message that decodes to the same parts */
	size_t n = net_kad_encode(NULL, 0, m);
	uint8_t *buf = malloc(n);
	if (!buf) goto out;
	n = net_kad_encode(buf, n, m);
	if (net_kad_decode(buf, n, again, why, sizeof why) != 0 || again->type != m->type ||
	    again->ncloser != m->ncloser || again->nproviders != m->nproviders || again->key_len != m->key_len) {
		fprintf(stderr, "kad: a decoded message does not survive encoding (%s)\n", why);
		bad = 1;
	}
	free(buf);
	net_kad_table *t = net_kad_table_new(self, sizeof self);
	net_kad_lookup *l = t ? net_kad_lookup_new(self, sizeof self, NULL) : NULL;
	if (t && l) {
		for (size_t i = 0; i < m->ncloser; i++) {
			if (net_kad_table_seen(t, &m->closer[i], i) < 0) bad = 1;
			net_kad_lookup_add(l, &m->closer[i]);
		}
		const net_kad_entry *e = net_kad_lookup_next(l);
		if (e) net_kad_lookup_answered(l, e->id, e->id_len, m->providers, m->nproviders);
		const net_kad_entry *best[NET_KAD_K];
		if (net_kad_table_closest(t, m->key ? m->key : self, m->key ? m->key_len : sizeof self, best, NET_KAD_K) >
		    m->ncloser)
			bad = 1;
		if (bad) fprintf(stderr, "kad: the table took a peer the decoder let through wrongly\n");
	}
	net_kad_lookup_free(l);
	net_kad_table_free(t);
out:
	free(m);
	free(again);
	return bad;
}

const fuzz_net_target fuzz_net_targets[] = {
	{ "http", fuzz_http_one },
	{ "bitswap", fuzz_bitswap_one },
	{ "kad", fuzz_kad_one },
	{ "libp2p", fuzz_libp2p_one },
};
const size_t fuzz_net_ntargets = sizeof fuzz_net_targets / sizeof fuzz_net_targets[0];
