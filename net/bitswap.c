/* bitswap.c: bitswap 1.2.0 messages, client and server (see bitswap.h).
 *
 * Decoding is two passes over one message: the first checks every field and every
 * CID and prefix without calling anyone, the second hashes the blocks and hands the
 * parts out, so a visitor never sees half of a bad message.
 *
 * The client keeps one record per want: the peer slots already asked (a bit each),
 * the slot asked now, when, and a line per peer saying what it did.  Each want is
 * asked of one peer at a time with want-block and send-dont-have; DontHave, silence
 * past the timeout or the peer's going move it to the next peer.  A block is taken
 * for the wants whose CID equals the CID its bytes have; a block that matches no want
 * (and no recently finished one, which a slow peer may still send) means the peer
 * sent bytes we never asked for, and the peer is dropped for good.
 */
#include "bitswap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base32.h"
#include "pb.h"
#include "sha256.h"
#include "varint.h"

const char *net_bitswap_error_text(int code)
{
	switch (code) {
	case NET_BITSWAP_OK: return "ok";
	case NET_BITSWAP_ERR_MALFORMED: return "malformed bitswap message";
	case NET_BITSWAP_ERR_TOO_BIG: return "too large";
	case NET_BITSWAP_ERR_UNSUPPORTED: return "unsupported hash function";
	case NET_BITSWAP_ERR_NOMEM: return "out of memory";
	case NET_BITSWAP_ERR_NOTFOUND: return "not found";
	case NET_BITSWAP_ERR_NOPEERS: return "no peer to ask";
	default: return "unknown bitswap error";
	}
}

/* ---- prefixes and CIDs ------------------------------------------------------------- */

typedef struct prefix {
	uint64_t version, codec, hash, digest_len;
} prefix;

static int read_prefix(const uint8_t *p, size_t len, prefix *out)
{
	uint64_t v[4];
	size_t at = 0;
	for (int i = 0; i < 4; i++) {
		size_t n = wos_varint_get(p + at, len - at, &v[i]);
		if (!n) return NET_BITSWAP_ERR_MALFORMED;
		at += n;
	}
	if (at != len) return NET_BITSWAP_ERR_MALFORMED;
	out->version = v[0];
	out->codec = v[1];
	out->hash = v[2];
	out->digest_len = v[3];
	if (v[0] > 1 || (v[0] == 0 && (v[1] != WOS_CODEC_DAG_PB || v[2] != WOS_MH_SHA2_256)))
		return NET_BITSWAP_ERR_MALFORMED;
	if (v[2] == WOS_MH_SHA2_256 && v[3] == WOS_SHA256_SIZE) return 0;
	if (v[2] == WOS_MH_IDENTITY && v[3] <= WOS_CID_DIGEST_MAX) return 0;
	return NET_BITSWAP_ERR_UNSUPPORTED;
}

/* The CID of data under prefix pf (checked by read_prefix) into out; its length, or 0
 * when an identity prefix does not fit the data. */
static size_t block_cid(const prefix *pf, const uint8_t *data, size_t len, uint8_t out[WOS_CID_BIN_MAX])
{
	uint8_t digest[WOS_SHA256_SIZE];
	const uint8_t *d = digest;
	if (pf->hash == WOS_MH_IDENTITY) {
		if (pf->digest_len != len) return 0;
		d = data;
	} else {
		wos_sha256(data, len, digest);
	}
	size_t at = 0;
	if (pf->version == 1) {
		at += wos_varint_put(out + at, 1);
		at += wos_varint_put(out + at, pf->codec);
	}
	at += wos_varint_put(out + at, pf->hash);
	at += wos_varint_put(out + at, pf->digest_len);
	memcpy(out + at, d, (size_t)pf->digest_len);
	return at + (size_t)pf->digest_len;
}

size_t net_bitswap_prefix(const uint8_t *cid, size_t cid_len, uint8_t out[40])
{
	wos_cid_info c;
	if (wos_cid_read(cid, cid_len, &c) != 0 || c.len != cid_len) return 0;
	size_t at = 0;
	at += wos_varint_put(out + at, c.version);
	at += wos_varint_put(out + at, c.codec);
	at += wos_varint_put(out + at, c.hash);
	at += wos_varint_put(out + at, c.digest_len);
	return at;
}

/* A binary CID as text for messages: 'b' + base32 of its bytes (CIDv1), else hex. */
static void cid_text(const uint8_t *cid, size_t len, char *out, size_t cap)
{
	if (len && cid[0] == 1 && cap > 1) {
		out[0] = 'b';
		if (wos_base32_encode(cid, len, out + 1, cap - 1) >= 0) return;
	}
	size_t at = 0;
	for (size_t i = 0; i < len && at + 3 <= cap; i++) at += (size_t)snprintf(out + at, cap - at, "%02x", cid[i]);
	if (cap) out[at < cap ? at : cap - 1] = 0;
}

/* ---- decoding ----------------------------------------------------------------------- */

typedef struct walk {
	const net_bitswap_visitor *v;
	void *ud;
	bool call;                /* the second pass: hand the parts out */
	size_t parts;
	char *why;
	size_t cap;
} walk;

static int bad(walk *w, int code, const char *fmt, ...)
{
	if (w->cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->why, w->cap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A field of a message that must be a CID, whole. */
static bool is_cid(const uint8_t *p, size_t len)
{
	wos_cid_info c;
	return wos_cid_read(p, len, &c) == 0 && c.len == len;
}

static int count_part(walk *w)
{
	if (++w->parts > NET_BITSWAP_MAX_ENTRIES)
		return bad(w, NET_BITSWAP_ERR_TOO_BIG, "more than %u entries, blocks and presences", NET_BITSWAP_MAX_ENTRIES);
	return 0;
}

static int walk_entry(walk *w, const uint8_t *p, size_t len)
{
	net_bitswap_entry e = { 0 };
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		bool varint = f.wire == WOS_PB_VARINT;
		switch (f.num) {
		case 1:
			if (f.wire != WOS_PB_BYTES || !is_cid(f.bytes, f.len))
				return bad(w, NET_BITSWAP_ERR_MALFORMED, "a wantlist entry's block is not a CID");
			e.cid = f.bytes;
			e.cid_len = f.len;
			break;
		case 2:
			if (!varint) return bad(w, NET_BITSWAP_ERR_MALFORMED, "an entry's priority is not a varint");
			e.priority = (int32_t)(uint32_t)f.value;
			break;
		case 3:
		case 5:
			if (!varint || f.value > 1) return bad(w, NET_BITSWAP_ERR_MALFORMED, "an entry's flag is not a bool");
			if (f.num == 3) e.cancel = f.value;
			else e.send_dont_have = f.value;
			break;
		case 4:
			if (!varint || f.value > 1) return bad(w, NET_BITSWAP_ERR_MALFORMED, "an entry's want type is not 0 or 1");
			e.want_type = (int)f.value;
			break;
		default:
			break; /* fields of later versions */
		}
	}
	if (rc < 0) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a wantlist entry: %s", wos_pb_error_text(rc));
	if (!e.cid) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a wantlist entry without a CID");
	if ((rc = count_part(w)) != 0) return rc;
	if (w->call && w->v->entry) w->v->entry(w->ud, &e);
	return 0;
}

static int walk_wantlist(walk *w, const uint8_t *p, size_t len)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num == 1) {
			if (f.wire != WOS_PB_BYTES) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a wantlist entry is not a message");
			if ((rc = walk_entry(w, f.bytes, f.len)) != 0) return rc;
		} else if (f.num == 2) {
			if (f.wire != WOS_PB_VARINT || f.value > 1)
				return bad(w, NET_BITSWAP_ERR_MALFORMED, "wantlist.full is not a bool");
			if (w->call && w->v->full) *w->v->full = f.value;
		}
	}
	if (rc < 0) return bad(w, NET_BITSWAP_ERR_MALFORMED, "the wantlist: %s", wos_pb_error_text(rc));
	return 0;
}

static int walk_block(walk *w, const uint8_t *p, size_t len)
{
	const uint8_t *pre = NULL, *data = NULL;
	size_t pre_len = 0, data_len = 0;
	bool has_data = false;
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num != 1 && f.num != 2) continue;
		if (f.wire != WOS_PB_BYTES) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block's prefix or data is not bytes");
		if (f.num == 1) {
			pre = f.bytes;
			pre_len = f.len;
		} else {
			data = f.bytes;
			data_len = f.len;
			has_data = true;
		}
	}
	if (rc < 0) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block: %s", wos_pb_error_text(rc));
	prefix pf;
	if (!pre || (rc = read_prefix(pre, pre_len, &pf)) != 0)
		return bad(w, pre ? rc : NET_BITSWAP_ERR_MALFORMED, "a block's prefix is %s",
			   !pre ? "missing" : rc == NET_BITSWAP_ERR_UNSUPPORTED ? "of a hash function we cannot check" : "malformed");
	if (data_len > NET_BITSWAP_MAX_BLOCK)
		return bad(w, NET_BITSWAP_ERR_TOO_BIG, "a block of %zu bytes (at most %u)", data_len, NET_BITSWAP_MAX_BLOCK);
	if (pf.hash == WOS_MH_IDENTITY && pf.digest_len != data_len)
		return bad(w, NET_BITSWAP_ERR_MALFORMED, "an identity block whose length is not its prefix's");
	(void)has_data;
	if ((rc = count_part(w)) != 0) return rc;
	if (w->call && w->v->block) {
		net_bitswap_block b;
		b.cid_len = block_cid(&pf, data ? data : (const uint8_t *)"", data_len, b.cid);
		b.data = data ? data : (const uint8_t *)"";
		b.len = data_len;
		w->v->block(w->ud, &b);
	}
	return 0;
}

static int walk_presence(walk *w, const uint8_t *p, size_t len)
{
	net_bitswap_presence pr = { 0 };
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num == 1) {
			if (f.wire != WOS_PB_BYTES || !is_cid(f.bytes, f.len))
				return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block presence's CID is not a CID");
			pr.cid = f.bytes;
			pr.cid_len = f.len;
		} else if (f.num == 2) {
			if (f.wire != WOS_PB_VARINT || f.value > 1)
				return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block presence's type is not Have or DontHave");
			pr.type = (int)f.value;
		}
	}
	if (rc < 0) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block presence: %s", wos_pb_error_text(rc));
	if (!pr.cid) return bad(w, NET_BITSWAP_ERR_MALFORMED, "a block presence without a CID");
	if ((rc = count_part(w)) != 0) return rc;
	if (w->call && w->v->presence) w->v->presence(w->ud, &pr);
	return 0;
}

static int walk_message(walk *w, const uint8_t *p, size_t len)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	if (len > NET_BITSWAP_MAX_MESSAGE)
		return bad(w, NET_BITSWAP_ERR_TOO_BIG, "a message of %zu bytes (at most %u)", len, NET_BITSWAP_MAX_MESSAGE);
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num >= 1 && f.num <= 4 && f.wire != WOS_PB_BYTES)
			return bad(w, NET_BITSWAP_ERR_MALFORMED, "field %u is not bytes", f.num);
		if (f.num == 5 && f.wire != WOS_PB_VARINT)
			return bad(w, NET_BITSWAP_ERR_MALFORMED, "pendingBytes is not a varint");
		if (f.num == 1) rc = walk_wantlist(w, f.bytes, f.len);
		else if (f.num == 3) rc = walk_block(w, f.bytes, f.len);
		else if (f.num == 4) rc = walk_presence(w, f.bytes, f.len);
		else rc = 0; /* 2: bitswap 1.0.0 blocks, which 1.2.0 peers do not send; 5 and unknown */
		if (rc) return rc;
	}
	if (rc < 0) return bad(w, NET_BITSWAP_ERR_MALFORMED, "the message: %s at byte %zu", wos_pb_error_text(rc), r.pos);
	return 0;
}

int net_bitswap_decode(const uint8_t *p, size_t len, const net_bitswap_visitor *v, void *ud, char *why, size_t cap)
{
	walk w = { v, ud, false, 0, why, cap };
	int rc = walk_message(&w, p, len);
	if (rc) return rc;
	w.call = true;
	w.parts = 0;
	return walk_message(&w, p, len);
}

/* ---- encoding ---------------------------------------------------------------------- */

#define ENCODE_SLACK 16 /* two open embedded messages' reserved length bytes, and more */

size_t net_bitswap_encode(uint8_t *buf, size_t cap, const net_bitswap_entry *e, size_t ne,
			  const net_bitswap_block *b, size_t nb, const net_bitswap_presence *pr, size_t np)
{
	wos_pb_writer w;
	wos_pb_writer_init(&w, buf, cap);
	if (ne) {
		size_t wl = wos_pb_begin(&w, 1);
		for (size_t i = 0; i < ne; i++) {
			size_t m = wos_pb_begin(&w, 1);
			wos_pb_put_bytes(&w, 1, e[i].cid, e[i].cid_len);
			if (e[i].priority) wos_pb_put_varint(&w, 2, (uint64_t)(int64_t)e[i].priority);
			if (e[i].cancel) wos_pb_put_varint(&w, 3, 1);
			if (e[i].want_type) wos_pb_put_varint(&w, 4, (uint64_t)e[i].want_type);
			if (e[i].send_dont_have) wos_pb_put_varint(&w, 5, 1);
			wos_pb_end(&w, m);
		}
		wos_pb_end(&w, wl);
	}
	for (size_t i = 0; i < nb; i++) {
		uint8_t pre[40];
		size_t pl = net_bitswap_prefix(b[i].cid, b[i].cid_len, pre);
		size_t m = wos_pb_begin(&w, 3);
		wos_pb_put_bytes(&w, 1, pre, pl);
		wos_pb_put_bytes(&w, 2, b[i].data, b[i].len);
		wos_pb_end(&w, m);
	}
	for (size_t i = 0; i < np; i++) {
		size_t m = wos_pb_begin(&w, 4);
		wos_pb_put_bytes(&w, 1, pr[i].cid, pr[i].cid_len);
		if (pr[i].type) wos_pb_put_varint(&w, 2, (uint64_t)pr[i].type);
		wos_pb_end(&w, m);
	}
	/* begin reserves room for a length that end then shrinks: a buffer of exactly the
	 * final length overflows while an embedded message is open, so ask for the slack */
	return wos_pb_writer_finish(&w) < 0 ? w.len + ENCODE_SLACK : w.len;
}

/* ---- the client --------------------------------------------------------------------- */

#define RECENT 64 /* finished CIDs remembered, so a late copy of a block is no offence */

typedef struct want {
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cid_len;
	void *ud;
	uint64_t tried;           /* bit per peer slot asked (or gone) */
	int asking;               /* the slot asked now, or -1 */
	uint64_t asked_ms;
	bool fresh;               /* asked in this round: to go in the next message */
	char why[512];            /* what each peer did */
	struct want *next;
} want;

typedef struct slot {
	void *peer;               /* NULL: free */
	bool dropped;             /* never asked again */
} slot;

struct net_bitswap_client {
	net_bitswap_client_ops ops;
	void *ud;
	slot slots[NET_BITSWAP_MAX_PEERS];
	want *wants;
	size_t inflight;
	uint64_t timeout_ms;
	uint8_t recent[RECENT][WOS_CID_BIN_MAX];
	size_t recent_len[RECENT];
	size_t recent_at;
	bool held;                /* net_bitswap_client_hold: wants wait for the release */
};

net_bitswap_client *net_bitswap_client_new(const net_bitswap_client_ops *ops, void *ud)
{
	net_bitswap_client *c = calloc(1, sizeof *c);
	if (!c) return NULL;
	c->ops = *ops;
	c->ud = ud;
	c->timeout_ms = NET_BITSWAP_WANT_TIMEOUT_MS;
	return c;
}

void net_bitswap_client_free(net_bitswap_client *c)
{
	if (!c) return;
	while (c->wants) {
		want *w = c->wants;
		c->wants = w->next;
		free(w);
	}
	free(c);
}

void net_bitswap_client_set_timeout(net_bitswap_client *c, uint64_t timeout_ms)
{
	c->timeout_ms = timeout_ms ? timeout_ms : NET_BITSWAP_WANT_TIMEOUT_MS;
}

const char *net_bitswap_client_notes(const net_bitswap_client *c, const void *want_ud)
{
	for (const want *w = c->wants; w; w = w->next)
		if (w->ud == want_ud) return w->why[0] ? w->why : NULL;
	return NULL;
}

size_t net_bitswap_client_pending(const net_bitswap_client *c)
{
	size_t n = 0;
	for (const want *w = c->wants; w; w = w->next) n++;
	return n;
}

static int slot_of(const net_bitswap_client *c, const void *peer)
{
	for (int i = 0; i < (int)NET_BITSWAP_MAX_PEERS; i++)
		if (c->slots[i].peer == peer && peer) return i;
	return -1;
}

static void peer_name(const net_bitswap_client *c, int s, char *out, size_t cap)
{
	const char *n = c->ops.peer_name && s >= 0 ? c->ops.peer_name(c->ud, c->slots[s].peer) : NULL;
	if (n) snprintf(out, cap, "%s", n);
	else snprintf(out, cap, "peer %d", s);
}

static void note(want *w, const char *fmt, ...)
{
	size_t at = strlen(w->why);
	if (at && at + 3 < sizeof w->why) {
		memcpy(w->why + at, "; ", 3);
		at += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->why + at, sizeof w->why - at, fmt, ap);
	va_end(ap);
}

static void unlink_want(net_bitswap_client *c, want *w)
{
	for (want **pp = &c->wants; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->asking >= 0 && c->inflight) c->inflight--;
	w->asking = -1;
}

/* Ends w: told to its owner, then freed. */
static void finish(net_bitswap_client *c, want *w, int err, const uint8_t *data, size_t len)
{
	unlink_want(c, w);
	char why[1024] = "";
	if (err) {
		char t[2 * WOS_CID_BIN_MAX + 2];
		cid_text(w->cid, w->cid_len, t, sizeof t);
		snprintf(why, sizeof why, "%s: %s%s%s", t, net_bitswap_error_text(err), w->why[0] ? ": " : "", w->why);
	}
	void *ud = w->ud;
	free(w);
	c->ops.done(c->ud, ud, err, data, len, err ? why : NULL);
}

static void send_cancel(net_bitswap_client *c, int s, const uint8_t *cid, size_t cid_len)
{
	uint8_t buf[WOS_CID_BIN_MAX + 32];
	net_bitswap_entry e = { .cid = cid, .cid_len = cid_len, .cancel = true };
	size_t n = net_bitswap_encode(buf, sizeof buf, &e, 1, NULL, 0, NULL, 0);
	if (n <= sizeof buf && c->slots[s].peer) c->ops.send(c->ud, c->slots[s].peer, buf, n);
}

static void schedule(net_bitswap_client *c, uint64_t now_ms);

/* Slot s is out: gone (remove: the slot is freed), or dropped; its wants move on. */
static void lose_slot(net_bitswap_client *c, int s, const char *what, bool remove, uint64_t now_ms)
{
	char name[128];
	peer_name(c, s, name, sizeof name);
	for (want *w = c->wants; w; w = w->next) {
		if (w->asking != s) continue;
		note(w, "%s: %s", name, what);
		w->tried |= 1ull << s;
		w->asking = -1;
		if (c->inflight) c->inflight--;
	}
	if (remove) c->slots[s].peer = NULL;
	schedule(c, now_ms);
}

int net_bitswap_client_add_peer(net_bitswap_client *c, void *peer)
{
	if (slot_of(c, peer) >= 0) return 0;
	for (int i = 0; i < (int)NET_BITSWAP_MAX_PEERS; i++) {
		if (c->slots[i].peer) continue;
		c->slots[i].peer = peer;
		c->slots[i].dropped = false;
		for (want *w = c->wants; w; w = w->next) w->tried &= ~(1ull << i); /* a new peer in an old slot */
		schedule(c, 0);
		return 0;
	}
	return NET_BITSWAP_ERR_TOO_BIG;
}

void net_bitswap_client_remove_peer(net_bitswap_client *c, void *peer, uint64_t now_ms)
{
	int s = slot_of(c, peer);
	if (s < 0 || c->slots[s].dropped) return; /* a dropped peer keeps its slot: never again */
	lose_slot(c, s, "disconnected", true, now_ms);
}

/* Drops slot s for good, saying why. */
static void drop(net_bitswap_client *c, int s, const char *why, uint64_t now_ms)
{
	if (c->slots[s].dropped) return;
	c->slots[s].dropped = true;
	if (c->ops.dropped) c->ops.dropped(c->ud, c->slots[s].peer, why);
	lose_slot(c, s, why, false, now_ms);
}

/* Asks each want without a peer of the next peer it has not asked, up to the cap of
 * wants in flight; one message per peer.  A want no peer is left for fails. */
static void schedule(net_bitswap_client *c, uint64_t now_ms)
{
	if (c->held) return;
	bool any_live = false;
	for (int s = 0; s < (int)NET_BITSWAP_MAX_PEERS; s++)
		if (c->slots[s].peer && !c->slots[s].dropped) any_live = true;
restart:
	for (want *w = c->wants; w; w = w->next) {
		if (w->asking >= 0 || c->inflight >= NET_BITSWAP_MAX_INFLIGHT) continue;
		int pick = -1;
		for (int s = 0; s < (int)NET_BITSWAP_MAX_PEERS && pick < 0; s++)
			if (c->slots[s].peer && !c->slots[s].dropped && !(w->tried & (1ull << s))) pick = s;
		if (pick < 0) {
			if (!any_live) continue; /* no peer yet: it waits for one */
			finish(c, w, NET_BITSWAP_ERR_NOTFOUND, NULL, 0);
			goto restart; /* the list changed under us */
		}
		w->asking = pick;
		w->asked_ms = now_ms;
		w->fresh = true;
		c->inflight++;
	}
	/* every want asked and not yet sent, also those of an outer call that a drop cut short */
	for (int s = 0; s < (int)NET_BITSWAP_MAX_PEERS; s++) {
		bool any = false;
		for (want *w = c->wants; w && !any; w = w->next) any = w->fresh && w->asking == s;
		if (!any) continue;
		net_bitswap_entry e[NET_BITSWAP_MAX_INFLIGHT];
		size_t n = 0;
		for (want *w = c->wants; w && n < NET_BITSWAP_MAX_INFLIGHT; w = w->next) {
			if (!w->fresh || w->asking != s) continue;
			w->fresh = false;
			e[n++] = (net_bitswap_entry){ .cid = w->cid, .cid_len = w->cid_len, .priority = 1,
						      .want_type = NET_BITSWAP_WANT_BLOCK, .send_dont_have = true };
		}
		uint8_t buf[NET_BITSWAP_MAX_INFLIGHT * (WOS_CID_BIN_MAX + 16) + 16];
		size_t len = net_bitswap_encode(buf, sizeof buf, e, n, NULL, 0, NULL, 0);
		if (len > sizeof buf - ENCODE_SLACK || c->ops.send(c->ud, c->slots[s].peer, buf, len) != 0) {
			drop(c, s, "cannot be sent to", now_ms);
			return; /* drop scheduled again */
		}
	}
}

int net_bitswap_client_want(net_bitswap_client *c, const uint8_t *cid, size_t cid_len, void *want_ud,
			    uint64_t now_ms)
{
	wos_cid_info info;
	if (wos_cid_read(cid, cid_len, &info) != 0 || info.len != cid_len || cid_len > WOS_CID_BIN_MAX ||
	    (info.hash != WOS_MH_SHA2_256 && info.hash != WOS_MH_IDENTITY))
		return NET_BITSWAP_ERR_MALFORMED;
	want *w = calloc(1, sizeof *w);
	if (!w) return NET_BITSWAP_ERR_NOMEM;
	memcpy(w->cid, cid, cid_len);
	w->cid_len = cid_len;
	w->ud = want_ud;
	w->asking = -1;
	want **pp = &c->wants;
	while (*pp) pp = &(*pp)->next;
	*pp = w; /* in order: first wanted, first asked */
	schedule(c, now_ms);
	return 0;
}

void net_bitswap_client_hold(net_bitswap_client *c, bool hold, uint64_t now_ms)
{
	c->held = hold;
	if (!hold) schedule(c, now_ms);
}

void net_bitswap_client_cancel(net_bitswap_client *c, void *want_ud)
{
	for (want *w = c->wants; w; w = w->next) {
		if (w->ud != want_ud) continue;
		int s = w->asking;
		unlink_want(c, w);
		if (s >= 0) send_cancel(c, s, w->cid, w->cid_len);
		free(w);
		schedule(c, 0);
		return;
	}
}

static bool recently_done(const net_bitswap_client *c, const uint8_t *cid, size_t len)
{
	for (size_t i = 0; i < RECENT; i++)
		if (c->recent_len[i] == len && !memcmp(c->recent[i], cid, len)) return true;
	return false;
}

/* A message being taken in: what arrived, kept until the visitor is done. */
typedef struct intake {
	net_bitswap_client *c;
	int slot;
	uint64_t now_ms;
	bool offended;
	char offence[320];
} intake;

static void on_block(void *ud, const net_bitswap_block *b)
{
	intake *in = ud;
	net_bitswap_client *c = in->c;
	bool matched = false;
	for (want *w = c->wants, *next; w; w = next) {
		next = w->next;
		if (w->cid_len != b->cid_len || memcmp(w->cid, b->cid, b->cid_len)) continue;
		if (!matched) {
			memcpy(c->recent[c->recent_at], b->cid, b->cid_len);
			c->recent_len[c->recent_at] = b->cid_len;
			c->recent_at = (c->recent_at + 1) % RECENT;
		}
		matched = true;
		if (w->asking >= 0 && w->asking != in->slot) send_cancel(c, w->asking, w->cid, w->cid_len);
		finish(c, w, 0, b->data, b->len);
		next = c->wants; /* the callback may have changed the list */
	}
	if (!matched && !recently_done(c, b->cid, b->cid_len) && !in->offended) {
		char t[2 * WOS_CID_BIN_MAX + 2];
		cid_text(b->cid, b->cid_len, t, sizeof t);
		in->offended = true;
		snprintf(in->offence, sizeof in->offence,
			 "sent a block that does not match any CID asked for (%zu bytes, CID %s): dropped", b->len, t);
	}
}

static void on_presence(void *ud, const net_bitswap_presence *p)
{
	intake *in = ud;
	net_bitswap_client *c = in->c;
	if (p->type != NET_BITSWAP_DONT_HAVE || in->slot < 0) return;
	char name[128];
	peer_name(c, in->slot, name, sizeof name);
	for (want *w = c->wants; w; w = w->next) {
		if (w->asking != in->slot || w->cid_len != p->cid_len || memcmp(w->cid, p->cid, p->cid_len)) continue;
		note(w, "%s: DontHave", name);
		w->tried |= 1ull << in->slot;
		w->asking = -1;
		if (c->inflight) c->inflight--;
	}
}

int net_bitswap_client_received(net_bitswap_client *c, void *peer, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	intake in = { c, slot_of(c, peer), now_ms, false, "" };
	net_bitswap_visitor v = { NULL, on_block, on_presence, NULL };
	char why[160];
	int rc = net_bitswap_decode(msg, len, &v, &in, why, sizeof why);
	if (rc && in.slot >= 0) {
		char what[200];
		snprintf(what, sizeof what, "sent a bad message (%s)", why);
		drop(c, in.slot, what, now_ms);
		return rc;
	}
	if (in.offended && in.slot >= 0)
		drop(c, in.slot, in.offence, now_ms);
	else
		schedule(c, now_ms);
	return rc;
}

void net_bitswap_client_tick(net_bitswap_client *c, uint64_t now_ms)
{
	for (want *w = c->wants; w; w = w->next) {
		if (w->asking < 0 || now_ms - w->asked_ms < c->timeout_ms) continue;
		char name[128];
		int s = w->asking;
		peer_name(c, s, name, sizeof name);
		note(w, "%s: no answer in %llu ms", name, (unsigned long long)c->timeout_ms);
		send_cancel(c, s, w->cid, w->cid_len);
		w->tried |= 1ull << s;
		w->asking = -1;
		if (c->inflight) c->inflight--;
	}
	schedule(c, now_ms);
}

/* ---- the server --------------------------------------------------------------------- */

#define SMALL_BLOCK 1024 /* a want-have of a block this small gets the block (as Helia) */

typedef struct answer {
	const net_bitswap_server_ops *ops;
	void *ud, *peer;
	net_bitswap_block blocks[64];
	size_t nb, block_bytes;
	net_bitswap_presence pres[256];
	uint8_t pres_cid[256][WOS_CID_BIN_MAX];
	size_t np;
	int err;
} answer;

static void flush(answer *a)
{
	if (!a->nb && !a->np) return;
	size_t n = net_bitswap_encode(NULL, 0, NULL, 0, a->blocks, a->nb, a->pres, a->np);
	uint8_t *buf = malloc(n ? n : 1);
	if (buf) {
		n = net_bitswap_encode(buf, n, NULL, 0, a->blocks, a->nb, a->pres, a->np);
		if (a->ops->reply(a->ud, a->peer, buf, n) != 0) a->err = 1;
		free(buf);
	} else {
		a->err = 1;
	}
	for (size_t i = 0; i < a->nb; i++)
		if (a->ops->release) a->ops->release(a->ud, a->blocks[i].data, a->blocks[i].len);
	a->nb = a->np = 0;
	a->block_bytes = 0;
}

static void on_want(void *ud, const net_bitswap_entry *e)
{
	answer *a = ud;
	if (e->cancel || a->err || e->cid_len > WOS_CID_BIN_MAX) return;
	const uint8_t *data = NULL;
	size_t len = 0;
	int have = a->ops->get(a->ud, e->cid, e->cid_len, &data, &len) == 1;
	if (have && (e->want_type == NET_BITSWAP_WANT_BLOCK || len <= SMALL_BLOCK)) {
		/* room for it and the message's own bytes, or send what waits first */
		if (a->nb == 64 || a->block_bytes + len + 1024 > NET_BITSWAP_MAX_MESSAGE) flush(a);
		net_bitswap_block *b = &a->blocks[a->nb++];
		memcpy(b->cid, e->cid, e->cid_len);
		b->cid_len = e->cid_len;
		b->data = data;
		b->len = len;
		a->block_bytes += len;
		return;
	}
	if (have && a->ops->release) a->ops->release(a->ud, data, len);
	if (!have && !e->send_dont_have) return;
	if (a->np == 256) flush(a);
	memcpy(a->pres_cid[a->np], e->cid, e->cid_len);
	a->pres[a->np] = (net_bitswap_presence){ a->pres_cid[a->np], e->cid_len,
						 have ? NET_BITSWAP_HAVE : NET_BITSWAP_DONT_HAVE };
	a->np++;
}

int net_bitswap_serve(const net_bitswap_server_ops *ops, void *ud, void *peer, const uint8_t *msg, size_t len,
		      char *why, size_t cap)
{
	answer *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(why, cap, "out of memory");
		return NET_BITSWAP_ERR_NOMEM;
	}
	a->ops = ops;
	a->ud = ud;
	a->peer = peer;
	net_bitswap_visitor v = { on_want, NULL, NULL, NULL };
	int rc = net_bitswap_decode(msg, len, &v, a, why, cap);
	if (rc == 0) flush(a);
	free(a);
	return rc;
}
