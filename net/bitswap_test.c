/* bitswap_test.c: tests for bitswap.c: the message bytes (against the request the
 * IPFS notes captured going to Helia), hostile messages, the client's want manager
 * over fake peers, and the server over a fake store. */
#define _GNU_SOURCE
#include "bitswap.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------ */

typedef struct blk {
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cid_len;
	uint8_t *data;
	size_t len;
} blk;

static blk make_block(size_t len, uint8_t seed)
{
	blk b;
	b.data = malloc(len ? len : 1);
	for (size_t i = 0; i < len; i++) b.data[i] = (uint8_t)(seed + i * 7);
	b.len = len;
	b.cid_len = wos_cid_make(WOS_CODEC_RAW, b.data, len, b.cid);
	return b;
}

/* What a decode saw. */
typedef struct seen {
	net_bitswap_entry e[16];
	size_t ne;
	net_bitswap_block b[4];
	size_t nb;
	net_bitswap_presence p[16];
	size_t np;
	bool full;
} seen;

static void see_entry(void *ud, const net_bitswap_entry *e)
{
	seen *s = ud;
	if (s->ne < 16) s->e[s->ne] = *e;
	s->ne++;
}
static void see_block(void *ud, const net_bitswap_block *b)
{
	seen *s = ud;
	if (s->nb < 4) s->b[s->nb] = *b;
	s->nb++;
}
static void see_presence(void *ud, const net_bitswap_presence *p)
{
	seen *s = ud;
	if (s->np < 16) s->p[s->np] = *p;
	s->np++;
}

static int decode(const uint8_t *m, size_t len, seen *s, char *why)
{
	memset(s, 0, sizeof *s);
	net_bitswap_visitor v = { see_entry, see_block, see_presence, &s->full };
	why[0] = 0;
	return net_bitswap_decode(m, len, &v, s, why, 160);
}

/* ---- messages ---------------------------------------------------------------------------- */

static int test_bitswap_want_bytes_are_the_ones_helia_answers(void)
{
	blk b = make_block(21, 1);
	net_bitswap_entry e = { .cid = b.cid, .cid_len = b.cid_len, .priority = 1, .send_dont_have = true };
	uint8_t m[128];
	size_t n = net_bitswap_encode(m, sizeof m, &e, 1, NULL, 0, NULL, 0);
	/* ipfs-notes 4.7: 0a 2e 0a 2c 0a 24 CID 10 01 20 00 28 01, without the optional 20 00 */
	CHECK_EQ(n, 46);
	static const uint8_t head[] = { 0x0a, 0x2c, 0x0a, 0x2a, 0x0a, 0x24, 0x01, 0x55, 0x12, 0x20 };
	CHECK(!memcmp(m, head, sizeof head));
	CHECK(!memcmp(m + 6, b.cid, 36));
	static const uint8_t tail[] = { 0x10, 0x01, 0x28, 0x01 };
	CHECK(!memcmp(m + 42, tail, 4));
	/* the notes' form with wantType written decodes to the same entry */
	uint8_t notes[48] = { 0x0a, 0x2e, 0x0a, 0x2c, 0x0a, 0x24 };
	memcpy(notes + 6, b.cid, 36);
	static const uint8_t notes_tail[] = { 0x10, 0x01, 0x20, 0x00, 0x28, 0x01 };
	memcpy(notes + 42, notes_tail, 6);
	seen s;
	char why[160];
	CHECK_EQ(decode(notes, 48, &s, why), 0);
	CHECK_EQ(s.ne, 1);
	CHECK(s.e[0].cid_len == 36 && !memcmp(s.e[0].cid, b.cid, 36));
	CHECK(s.e[0].priority == 1 && !s.e[0].cancel && s.e[0].want_type == NET_BITSWAP_WANT_BLOCK && s.e[0].send_dont_have);
	free(b.data);
	return 0;
}

static int test_bitswap_blocks_and_presences_round_trip(void)
{
	blk a = make_block(1000, 3), z = make_block(0, 0);
	net_bitswap_block bl[2] = { { .cid_len = a.cid_len, .data = a.data, .len = a.len },
				    { .cid_len = z.cid_len, .data = z.data, .len = 0 } };
	memcpy(bl[0].cid, a.cid, a.cid_len);
	memcpy(bl[1].cid, z.cid, z.cid_len);
	net_bitswap_presence pr[2] = { { a.cid, a.cid_len, NET_BITSWAP_HAVE }, { z.cid, z.cid_len, NET_BITSWAP_DONT_HAVE } };
	size_t n = net_bitswap_encode(NULL, 0, NULL, 0, bl, 2, pr, 2);
	uint8_t *m = malloc(n);
	n = net_bitswap_encode(m, n, NULL, 0, bl, 2, pr, 2);
	seen s;
	char why[160];
	CHECK_EQ(decode(m, n, &s, why), 0);
	CHECK(s.nb == 2 && s.np == 2 && s.ne == 0);
	/* the CID is rebuilt from the prefix and the hash of the data */
	CHECK(s.b[0].cid_len == a.cid_len && !memcmp(s.b[0].cid, a.cid, a.cid_len) && s.b[0].len == 1000);
	CHECK(!memcmp(s.b[1].cid, z.cid, z.cid_len) && s.b[1].len == 0);
	CHECK(s.p[0].type == NET_BITSWAP_HAVE && s.p[1].type == NET_BITSWAP_DONT_HAVE);
	CHECK(!memcmp(s.p[1].cid, z.cid, z.cid_len));
	/* changed bytes: the block is taken for another CID */
	uint8_t *data = (uint8_t *)memmem(m, n, a.data, a.len);
	CHECK(data);
	data[10] ^= 1;
	CHECK_EQ(decode(m, n, &s, why), 0);
	CHECK(memcmp(s.b[0].cid, a.cid, a.cid_len) != 0);
	free(m);
	free(a.data);
	free(z.data);
	return 0;
}

static int test_bitswap_hostile_messages_are_refused_whole(void)
{
	blk b = make_block(5, 9);
	uint8_t cid[36];
	memcpy(cid, b.cid, 36);
	struct {
		const char *name;
		uint8_t m[96];
		size_t len;
		int code;
	} cases[] = {
		{ "truncated", { 0x0a, 0x05, 0x0a }, 3, NET_BITSWAP_ERR_MALFORMED },
		{ "wantlist as varint", { 0x08, 0x01 }, 2, NET_BITSWAP_ERR_MALFORMED },
		{ "entry without cid", { 0x0a, 0x04, 0x0a, 0x02, 0x10, 0x01 }, 6, NET_BITSWAP_ERR_MALFORMED },
		{ "entry cid garbage", { 0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0x01, 0x55 }, 8, NET_BITSWAP_ERR_MALFORMED },
		{ "want type 2", { 0x0a, 0x00 }, 0, NET_BITSWAP_ERR_MALFORMED },
		{ "presence type 5", { 0x00 }, 0, NET_BITSWAP_ERR_MALFORMED },
		{ "block prefix sha512", { 0x1a, 0x09, 0x0a, 0x04, 0x01, 0x55, 0x13, 0x40, 0x12, 0x01, 0x61 }, 11,
		  NET_BITSWAP_ERR_UNSUPPORTED },
		{ "block prefix v0 raw", { 0x1a, 0x09, 0x0a, 0x04, 0x00, 0x55, 0x12, 0x20, 0x12, 0x01, 0x61 }, 11,
		  NET_BITSWAP_ERR_MALFORMED },
		{ "block without prefix", { 0x1a, 0x03, 0x12, 0x01, 0x61 }, 5, NET_BITSWAP_ERR_MALFORMED },
		{ "identity length lies", { 0x1a, 0x09, 0x0a, 0x04, 0x01, 0x55, 0x00, 0x05, 0x12, 0x01, 0x61 }, 11,
		  NET_BITSWAP_ERR_MALFORMED },
		{ "prefix trailing byte", { 0x1a, 0x0a, 0x0a, 0x05, 0x01, 0x55, 0x12, 0x20, 0x00, 0x12, 0x01, 0x61 }, 12,
		  NET_BITSWAP_ERR_MALFORMED },
		{ "pendingBytes as bytes", { 0x2a, 0x00 }, 2, NET_BITSWAP_ERR_MALFORMED },
		{ "group wire type", { 0x0b }, 1, NET_BITSWAP_ERR_MALFORMED },
	};
	/* want type 2: an entry with the CID and 20 02 */
	uint8_t *m = cases[4].m;
	m[0] = 0x0a, m[1] = 42, m[2] = 0x0a, m[3] = 40, m[4] = 0x0a, m[5] = 36;
	memcpy(m + 6, cid, 36);
	m[42] = 0x20, m[43] = 0x02;
	cases[4].len = 44;
	/* presence with type 5 */
	m = cases[5].m;
	m[0] = 0x22, m[1] = 40, m[2] = 0x0a, m[3] = 36;
	memcpy(m + 4, cid, 36);
	m[40] = 0x10, m[41] = 0x05;
	cases[5].len = 42;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		seen s;
		char why[160];
		int rc = decode(cases[i].m, cases[i].len, &s, why);
		if (rc != cases[i].code || s.ne || s.nb || s.np || !why[0]) {
			fprintf(stderr, "  %s: rc %d (%s), want %d; %zu parts seen\n", cases[i].name, rc, why, cases[i].code,
				s.ne + s.nb + s.np);
			return 1;
		}
	}
	free(b.data);
	return 0;
}

static int test_bitswap_too_many_entries_and_huge_blocks_are_refused(void)
{
	blk b = make_block(3, 1);
	size_t n = NET_BITSWAP_MAX_ENTRIES + 1;
	net_bitswap_entry *e = calloc(n, sizeof *e);
	for (size_t i = 0; i < n; i++) e[i] = (net_bitswap_entry){ .cid = b.cid, .cid_len = b.cid_len };
	size_t len = net_bitswap_encode(NULL, 0, e, n, NULL, 0, NULL, 0);
	uint8_t *m = malloc(len);
	len = net_bitswap_encode(m, len, e, n, NULL, 0, NULL, 0);
	seen s;
	char why[160];
	CHECK_EQ(decode(m, len, &s, why), NET_BITSWAP_ERR_TOO_BIG);
	CHECK_EQ(s.ne, 0);
	free(m);
	free(e);
	blk big = make_block(NET_BITSWAP_MAX_BLOCK + 1, 2);
	net_bitswap_block bl = { .cid_len = big.cid_len, .data = big.data, .len = big.len };
	memcpy(bl.cid, big.cid, big.cid_len);
	len = net_bitswap_encode(NULL, 0, NULL, 0, &bl, 1, NULL, 0);
	m = malloc(len);
	len = net_bitswap_encode(m, len, NULL, 0, &bl, 1, NULL, 0);
	CHECK_EQ(decode(m, len, &s, why), NET_BITSWAP_ERR_TOO_BIG);
	free(m);
	free(big.data);
	free(b.data);
	return 0;
}

static int test_bitswap_mutated_messages_never_crash(void)
{
	blk a = make_block(40, 5);
	net_bitswap_entry e[2] = { { .cid = a.cid, .cid_len = a.cid_len, .priority = 7, .want_type = 1, .send_dont_have = true },
				   { .cid = a.cid, .cid_len = a.cid_len, .cancel = true } };
	net_bitswap_block bl = { .cid_len = a.cid_len, .data = a.data, .len = a.len };
	memcpy(bl.cid, a.cid, a.cid_len);
	net_bitswap_presence pr = { a.cid, a.cid_len, NET_BITSWAP_DONT_HAVE };
	uint8_t m[512], mut[512];
	size_t n = net_bitswap_encode(m, sizeof m, e, 2, &bl, 1, &pr, 1);
	CHECK(n < sizeof m);
	int ok = 0;
	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 256; v += 17) {
			memcpy(mut, m, n);
			mut[i] = (uint8_t)v;
			seen s;
			char why[160];
			int rc = decode(mut, n, &s, why);
			CHECK(rc == 0 || (rc < 0 && why[0] && !s.ne && !s.nb && !s.np));
			ok += rc == 0;
		}
		seen s;
		char why[160];
		(void)decode(m, i, &s, why); /* every prefix of it */
	}
	CHECK(ok > 0);
	free(a.data);
	return 0;
}

/* ---- the client --------------------------------------------------------------------- */

#define PEERS 3

typedef struct sent {
	int peer;
	uint8_t msg[4096];        /* a copy: the views in s point into it */
	seen s;
} sent;

typedef struct fake {
	int peers[PEERS];         /* the peer pointers are &peers[i] */
	sent out[64];
	size_t nout;
	int refuse_send;          /* -1, or the peer whose send fails */
	int done, err, dropped, dropped_peer;
	size_t got_len;
	char why[1024];
} fake;

static int peer_index(fake *f, void *peer)
{
	return (int)((int *)peer - f->peers);
}

static int fake_send(void *ud, void *peer, const uint8_t *msg, size_t len)
{
	fake *f = ud;
	int p = peer_index(f, peer);
	if (p == f->refuse_send) return -1;
	if (f->nout < 64) {
		char why[160];
		sent *o = &f->out[f->nout];
		o->peer = p;
		if (len > sizeof o->msg) return -1;
		memcpy(o->msg, msg, len);
		if (decode(o->msg, len, &o->s, why) != 0) return -1;
		f->nout++;
	}
	return 0;
}

static void fake_done(void *ud, void *want_ud, int err, const uint8_t *data, size_t len, const char *why)
{
	fake *f = ud;
	(void)want_ud, (void)data;
	f->done++;
	f->err = err;
	f->got_len = len;
	snprintf(f->why, sizeof f->why, "%s", why ? why : "");
}

static void fake_dropped(void *ud, void *peer, const char *why)
{
	fake *f = ud;
	(void)why;
	f->dropped++;
	f->dropped_peer = peer_index(f, peer);
}

static const char *fake_name(void *ud, void *peer)
{
	static char names[PEERS][8];
	int i = peer_index(ud, peer);
	snprintf(names[i], sizeof names[i], "P%d", i);
	return names[i];
}

static net_bitswap_client *new_client(fake *f, int npeers)
{
	memset(f, 0, sizeof *f);
	f->refuse_send = -1;
	f->dropped_peer = -1;
	net_bitswap_client_ops ops = { fake_send, fake_done, fake_dropped, fake_name };
	net_bitswap_client *c = net_bitswap_client_new(&ops, f);
	for (int i = 0; i < npeers; i++) net_bitswap_client_add_peer(c, &f->peers[i]);
	return c;
}

/* A message from peer p to the client: blocks and presences. */
static int reply(net_bitswap_client *c, fake *f, int p, const blk *b, int presence_type, uint64_t now)
{
	uint8_t *m;
	size_t n;
	if (presence_type >= 0) {
		net_bitswap_presence pr = { b->cid, b->cid_len, presence_type };
		n = net_bitswap_encode(NULL, 0, NULL, 0, NULL, 0, &pr, 1);
		m = malloc(n);
		n = net_bitswap_encode(m, n, NULL, 0, NULL, 0, &pr, 1);
	} else {
		net_bitswap_block bl = { .cid_len = b->cid_len, .data = b->data, .len = b->len };
		memcpy(bl.cid, b->cid, b->cid_len);
		n = net_bitswap_encode(NULL, 0, NULL, 0, &bl, 1, NULL, 0);
		m = malloc(n);
		n = net_bitswap_encode(m, n, NULL, 0, &bl, 1, NULL, 0);
	}
	int rc = net_bitswap_client_received(c, &f->peers[p], m, n, now);
	free(m);
	return rc;
}

static bool asked(const fake *f, size_t i, int peer, const blk *b, bool cancel)
{
	if (i >= f->nout || f->out[i].peer != peer || f->out[i].s.ne != 1) return false;
	const net_bitswap_entry *e = &f->out[i].s.e[0];
	return e->cid_len == b->cid_len && !memcmp(e->cid, b->cid, b->cid_len) && e->cancel == cancel &&
	       (cancel || (e->want_type == NET_BITSWAP_WANT_BLOCK && e->send_dont_have));
}

static int test_bitswap_client_asks_one_peer_then_the_next_on_donthave(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 2);
	blk b = make_block(100, 1);
	CHECK_EQ(net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0), 0);
	CHECK_EQ(f.nout, 1);
	CHECK(asked(&f, 0, 0, &b, false));
	CHECK_EQ(reply(c, &f, 0, &b, NET_BITSWAP_DONT_HAVE, 1), 0);
	CHECK_EQ(f.nout, 2);
	CHECK(asked(&f, 1, 1, &b, false));
	CHECK_EQ(reply(c, &f, 1, &b, -1, 2), 0);
	CHECK(f.done == 1 && f.err == 0 && f.got_len == 100);
	CHECK_EQ(net_bitswap_client_pending(c), 0);
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

static int test_bitswap_client_fails_when_every_peer_says_donthave(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 2);
	blk b = make_block(10, 2);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0);
	reply(c, &f, 0, &b, NET_BITSWAP_DONT_HAVE, 1);
	CHECK_EQ(f.done, 0);
	reply(c, &f, 1, &b, NET_BITSWAP_DONT_HAVE, 2);
	CHECK(f.done == 1 && f.err == NET_BITSWAP_ERR_NOTFOUND);
	CHECK(strstr(f.why, "bafkrei") && strstr(f.why, "P0: DontHave") && strstr(f.why, "P1: DontHave"));
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

static int test_bitswap_client_drops_a_peer_that_sends_changed_bytes(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 2);
	blk b = make_block(64, 3), bad = make_block(64, 3);
	bad.data[5] ^= 0x80; /* its CID field stays b's: the bytes are what count */
	memcpy(bad.cid, b.cid, b.cid_len);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0);
	CHECK(asked(&f, 0, 0, &b, false));
	/* P0 sends the changed block: its bytes have another CID; P0 is dropped */
	net_bitswap_block bl = { .cid_len = b.cid_len, .data = bad.data, .len = bad.len };
	memcpy(bl.cid, b.cid, b.cid_len);
	uint8_t m[256];
	size_t n = net_bitswap_encode(m, sizeof m, NULL, 0, &bl, 1, NULL, 0);
	CHECK_EQ(net_bitswap_client_received(c, &f.peers[0], m, n, 1), 0);
	CHECK(f.dropped == 1 && f.dropped_peer == 0 && f.done == 0);
	CHECK(asked(&f, 1, 1, &b, false)); /* the next peer is asked */
	/* a new want goes to P1 only: P0 is never asked again, not even re-added */
	net_bitswap_client_add_peer(c, &f.peers[0]);
	blk b2 = make_block(8, 4);
	net_bitswap_client_want(c, b2.cid, b2.cid_len, &f, 2);
	CHECK(asked(&f, 2, 1, &b2, false));
	reply(c, &f, 1, &b2, NET_BITSWAP_DONT_HAVE, 3);
	CHECK(f.done == 1 && f.err == NET_BITSWAP_ERR_NOTFOUND); /* b2: P0 not asked */
	CHECK(strstr(f.why, "P1: DontHave") && !strstr(f.why, "P0"));
	CHECK_EQ(f.nout, 3);
	reply(c, &f, 1, &b, -1, 4);
	CHECK(f.done == 2 && f.err == 0);
	net_bitswap_client_free(c);
	free(b.data);
	free(b2.data);
	free(bad.data);
	return 0;
}

static int test_bitswap_client_timeout_moves_on_and_cancels(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 2);
	net_bitswap_client_set_timeout(c, 1000);
	blk b = make_block(10, 5);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0);
	net_bitswap_client_tick(c, 999);
	CHECK_EQ(f.nout, 1);
	net_bitswap_client_tick(c, 1000);
	CHECK_EQ(f.nout, 3);
	CHECK(asked(&f, 1, 0, &b, true));  /* a cancel to the silent one */
	CHECK(asked(&f, 2, 1, &b, false)); /* the want to the next */
	/* the silent one answers late: taken, and no offence */
	CHECK_EQ(reply(c, &f, 0, &b, -1, 1100), 0);
	CHECK(f.done == 1 && f.err == 0 && f.dropped == 0);
	CHECK(asked(&f, 3, 1, &b, true)); /* and the other one is told to stop */
	/* a second late copy from P1: a block recently finished is no offence either */
	CHECK_EQ(reply(c, &f, 1, &b, -1, 1200), 0);
	CHECK_EQ(f.dropped, 0);
	net_bitswap_client_tick(c, 5000);
	CHECK_EQ(f.done, 1);
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

static int test_bitswap_client_cancel_sends_cancel_and_no_done(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 1);
	blk b = make_block(10, 6);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f.done, 0);
	net_bitswap_client_cancel(c, &f.done);
	CHECK(asked(&f, 1, 0, &b, true));
	CHECK_EQ(net_bitswap_client_pending(c), 0);
	CHECK_EQ(f.done, 0);
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

static int test_bitswap_client_caps_wants_in_flight(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 1);
	enum { N = NET_BITSWAP_MAX_INFLIGHT + 8 };
	blk b[N];
	size_t entries = 0;
	for (int i = 0; i < N; i++) {
		b[i] = make_block(20, (uint8_t)(i + 10));
		net_bitswap_client_want(c, b[i].cid, b[i].cid_len, &f, 0);
	}
	for (size_t i = 0; i < f.nout; i++) entries += f.out[i].s.ne;
	CHECK_EQ(entries, NET_BITSWAP_MAX_INFLIGHT);
	/* each answer lets one more go out */
	for (int i = 0; i < N; i++) reply(c, &f, 0, &b[i], -1, 1);
	CHECK_EQ(f.done, N);
	entries = 0;
	for (size_t i = 0; i < f.nout; i++) entries += f.out[i].s.ne;
	CHECK_EQ(entries, N);
	for (int i = 0; i < N; i++) free(b[i].data);
	net_bitswap_client_free(c);
	return 0;
}

static int test_bitswap_client_waits_for_a_peer_and_survives_departures(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 0);
	blk b = make_block(10, 7);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0);
	CHECK(f.nout == 0 && f.done == 0); /* no peer yet: it waits */
	net_bitswap_client_add_peer(c, &f.peers[0]);
	net_bitswap_client_add_peer(c, &f.peers[1]);
	CHECK(asked(&f, 0, 0, &b, false));
	net_bitswap_client_remove_peer(c, &f.peers[0], 5);
	CHECK(asked(&f, 1, 1, &b, false));
	/* with no peer left it waits again (the caller's own timeout ends it) */
	net_bitswap_client_remove_peer(c, &f.peers[1], 6);
	CHECK(f.done == 0 && net_bitswap_client_pending(c) == 1);
	/* a peer whose send fails is dropped */
	f.refuse_send = 2;
	net_bitswap_client_add_peer(c, &f.peers[2]);
	CHECK(f.dropped == 1 && f.dropped_peer == 2 && f.done == 0);
	net_bitswap_client_cancel(c, &f);
	CHECK_EQ(net_bitswap_client_pending(c), 0);
	/* what each peer did is in the error: one gone, one without the block */
	f.refuse_send = -1;
	net_bitswap_client_add_peer(c, &f.peers[0]);
	net_bitswap_client_add_peer(c, &f.peers[1]);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 7);
	net_bitswap_client_remove_peer(c, &f.peers[0], 8);
	reply(c, &f, 1, &b, NET_BITSWAP_DONT_HAVE, 9);
	CHECK(f.done == 1 && f.err == NET_BITSWAP_ERR_NOTFOUND);
	CHECK(strstr(f.why, "P0: disconnected") && strstr(f.why, "P1: DontHave"));
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

static int test_bitswap_client_hold_sends_wants_together(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 1);
	blk b[3];
	net_bitswap_client_hold(c, true, 0);
	for (int i = 0; i < 3; i++) {
		b[i] = make_block(10, (uint8_t)(40 + i));
		net_bitswap_client_want(c, b[i].cid, b[i].cid_len, &f, 0);
	}
	CHECK_EQ(f.nout, 0);
	net_bitswap_client_hold(c, false, 1);
	CHECK_EQ(f.nout, 1);
	CHECK_EQ(f.out[0].s.ne, 3); /* one message: some peers answer each with all they owe */
	for (int i = 0; i < 3; i++) {
		reply(c, &f, 0, &b[i], -1, 2);
		free(b[i].data);
	}
	CHECK_EQ(f.done, 3);
	net_bitswap_client_free(c);
	return 0;
}

static int test_bitswap_client_drops_a_peer_sending_garbage(void)
{
	fake f;
	net_bitswap_client *c = new_client(&f, 2);
	blk b = make_block(10, 8);
	net_bitswap_client_want(c, b.cid, b.cid_len, &f, 0);
	static const uint8_t junk[] = { 0x0a, 0x05, 0xff };
	CHECK(net_bitswap_client_received(c, &f.peers[0], junk, sizeof junk, 1) < 0);
	CHECK(f.dropped == 1 && f.dropped_peer == 0);
	CHECK(asked(&f, 1, 1, &b, false));
	net_bitswap_client_free(c);
	free(b.data);
	return 0;
}

/* ---- the server ---------------------------------------------------------------------- */

typedef struct store {
	blk b[6];
	size_t n;
	int gets, releases;
	uint8_t *msgs[8];         /* copies of the replies: the views in replies point into them */
	seen replies[8];
	size_t reply_len[8];
	size_t nreplies;
} store;

static int store_get(void *ud, const uint8_t *cid, size_t len, const uint8_t **data, size_t *dlen)
{
	store *s = ud;
	s->gets++;
	for (size_t i = 0; i < s->n; i++) {
		if (s->b[i].cid_len == len && !memcmp(s->b[i].cid, cid, len)) {
			*data = s->b[i].data;
			*dlen = s->b[i].len;
			return 1;
		}
	}
	return 0;
}

static void store_release(void *ud, const uint8_t *data, size_t len)
{
	(void)data, (void)len;
	((store *)ud)->releases++;
}

static int store_reply(void *ud, void *peer, const uint8_t *msg, size_t len)
{
	store *s = ud;
	char why[160];
	(void)peer;
	if (s->nreplies == 8 || len > NET_BITSWAP_MAX_MESSAGE) return -1;
	s->reply_len[s->nreplies] = len;
	s->msgs[s->nreplies] = malloc(len);
	memcpy(s->msgs[s->nreplies], msg, len);
	size_t i = s->nreplies++;
	return decode(s->msgs[i], len, &s->replies[i], why);
}

static int test_bitswap_server_answers_block_have_and_donthave(void)
{
	store st = { .n = 2 };
	st.b[0] = make_block(100, 1);  /* small: want-have gets the block */
	st.b[1] = make_block(5000, 2); /* big: want-have gets Have */
	blk missing = make_block(7, 3);
	net_bitswap_entry e[5] = {
		{ .cid = st.b[0].cid, .cid_len = st.b[0].cid_len, .want_type = NET_BITSWAP_WANT_BLOCK },
		{ .cid = st.b[1].cid, .cid_len = st.b[1].cid_len, .want_type = NET_BITSWAP_WANT_HAVE },
		{ .cid = missing.cid, .cid_len = missing.cid_len, .send_dont_have = true },
		{ .cid = missing.cid, .cid_len = missing.cid_len }, /* no sendDontHave: silence */
		{ .cid = st.b[1].cid, .cid_len = st.b[1].cid_len, .cancel = true },
	};
	uint8_t m[512];
	size_t n = net_bitswap_encode(m, sizeof m, e, 5, NULL, 0, NULL, 0);
	net_bitswap_server_ops ops = { store_get, store_release, store_reply };
	char why[160];
	CHECK_EQ(net_bitswap_serve(&ops, &st, NULL, m, n, why, sizeof why), 0);
	CHECK_EQ(st.nreplies, 1);
	seen *r = &st.replies[0];
	CHECK(r->nb == 1 && r->b[0].len == 100 && !memcmp(r->b[0].cid, st.b[0].cid, st.b[0].cid_len));
	CHECK_EQ(r->np, 2);
	CHECK(r->p[0].type == NET_BITSWAP_HAVE && !memcmp(r->p[0].cid, st.b[1].cid, st.b[1].cid_len));
	CHECK(r->p[1].type == NET_BITSWAP_DONT_HAVE && !memcmp(r->p[1].cid, missing.cid, missing.cid_len));
	CHECK(st.gets == 4 && st.releases == 2); /* every block found was released, and only those */
	/* garbage: nothing answered */
	CHECK(net_bitswap_serve(&ops, &st, NULL, m, n - 1, why, sizeof why) < 0 && why[0]);
	CHECK_EQ(st.nreplies, 1);
	for (size_t i = 0; i < st.n; i++) free(st.b[i].data);
	for (size_t i = 0; i < st.nreplies; i++) free(st.msgs[i]);
	free(missing.data);
	return 0;
}

static int test_bitswap_server_splits_answers_under_the_message_cap(void)
{
	store st = { .n = 6 };
	net_bitswap_entry e[6];
	for (int i = 0; i < 6; i++) {
		st.b[i] = make_block(1u << 20, (uint8_t)i);
		e[i] = (net_bitswap_entry){ .cid = st.b[i].cid, .cid_len = st.b[i].cid_len };
	}
	uint8_t m[1024];
	size_t n = net_bitswap_encode(m, sizeof m, e, 6, NULL, 0, NULL, 0);
	net_bitswap_server_ops ops = { store_get, store_release, store_reply };
	char why[160];
	CHECK_EQ(net_bitswap_serve(&ops, &st, NULL, m, n, why, sizeof why), 0);
	CHECK_EQ(st.nreplies, 2);
	size_t blocks = 0;
	for (size_t i = 0; i < st.nreplies; i++) {
		CHECK(st.reply_len[i] <= NET_BITSWAP_MAX_MESSAGE);
		blocks += st.replies[i].nb;
	}
	CHECK_EQ(blocks, 6);
	CHECK_EQ(st.releases, 6);
	for (size_t i = 0; i < st.n; i++) free(st.b[i].data);
	for (size_t i = 0; i < st.nreplies; i++) free(st.msgs[i]);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_bitswap_want_bytes_are_the_ones_helia_answers),
		TEST(test_bitswap_blocks_and_presences_round_trip),
		TEST(test_bitswap_hostile_messages_are_refused_whole),
		TEST(test_bitswap_too_many_entries_and_huge_blocks_are_refused),
		TEST(test_bitswap_mutated_messages_never_crash),
		TEST(test_bitswap_client_asks_one_peer_then_the_next_on_donthave),
		TEST(test_bitswap_client_fails_when_every_peer_says_donthave),
		TEST(test_bitswap_client_drops_a_peer_that_sends_changed_bytes),
		TEST(test_bitswap_client_timeout_moves_on_and_cancels),
		TEST(test_bitswap_client_cancel_sends_cancel_and_no_done),
		TEST(test_bitswap_client_caps_wants_in_flight),
		TEST(test_bitswap_client_waits_for_a_peer_and_survives_departures),
		TEST(test_bitswap_client_hold_sends_wants_together),
		TEST(test_bitswap_client_drops_a_peer_sending_garbage),
		TEST(test_bitswap_server_answers_block_have_and_donthave),
		TEST(test_bitswap_server_splits_answers_under_the_message_cap),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
