/* kad.c: Kademlia messages, routing table and lookups (see kad.h).
 *
 * The table is 256 buckets, one per length of the common prefix of a peer's point
 * and ours, each an array of at most NET_KAD_K entries in the order they were last
 * heard from.  A lookup keeps its candidates sorted by distance to the target, each
 * new, asked, answered or failed; it asks the closest new ones, NET_KAD_ALPHA at a
 * time, and is done when the NET_KAD_K closest have all been heard from (or failed).
 */
#include "kad.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "sha256.h"
#include "varint.h"

const char *net_kad_error_text(int code)
{
	switch (code) {
	case NET_KAD_OK: return "ok";
	case NET_KAD_ERR_MALFORMED: return "malformed kad message";
	case NET_KAD_ERR_TOO_BIG: return "too large";
	case NET_KAD_ERR_NOMEM: return "out of memory";
	default: return "unknown kad error";
	}
}

/* ---- messages ---------------------------------------------------------------------- */

static int fail(char *why, size_t cap, int code, const char *fmt, ...)
{
	if (cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Whether p is one multihash a peer id can be: identity (an inlined key) or sha2-256. */
static bool is_peer_id(const uint8_t *p, size_t len)
{
	uint64_t code, n;
	size_t a = wos_varint_get(p, len, &code);
	if (!a || len > NET_KAD_MAX_ID) return false;
	size_t b = wos_varint_get(p + a, len - a, &n);
	if (!b || a + b + n != len) return false;
	return (code == 0x00 && n > 0) || (code == 0x12 && n == 32);
}

static int read_peer(const uint8_t *p, size_t len, net_kad_peer *out, char *why, size_t cap)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	memset(out, 0, sizeof *out);
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num == 1) {
			if (f.wire != WOS_PB_BYTES || !is_peer_id(f.bytes, f.len))
				return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer's id is not a peer id");
			out->id = f.bytes;
			out->id_len = f.len;
		} else if (f.num == 2) {
			if (f.wire != WOS_PB_BYTES || f.len == 0 || f.len > NET_KAD_MAX_ADDR)
				return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer's address is empty, too long or not bytes");
			if (out->naddrs < NET_KAD_MAX_ADDRS) {
				out->addrs[out->naddrs] = f.bytes;
				out->addr_lens[out->naddrs++] = f.len;
			}
		} else if (f.num == 3) {
			if (f.wire != WOS_PB_VARINT || f.value > 3)
				return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer's connection type is not 0 to 3");
			out->connection = (int)f.value;
		}
	}
	if (rc < 0) return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer: %s", wos_pb_error_text(rc));
	if (!out->id) return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer without an id");
	return 0;
}

int net_kad_decode(const uint8_t *p, size_t len, net_kad_message *m, char *why, size_t cap)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	bool typed = false;
	memset(m, 0, sizeof *m);
	if (len > NET_KAD_MAX_MESSAGE)
		return fail(why, cap, NET_KAD_ERR_TOO_BIG, "a message of %zu bytes (at most %u)", len, NET_KAD_MAX_MESSAGE);
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		switch (f.num) {
		case 1:
			if (f.wire != WOS_PB_VARINT || f.value > NET_KAD_PING)
				return fail(why, cap, NET_KAD_ERR_MALFORMED, "the message type is not 0 to 5");
			m->type = (int)f.value;
			typed = true;
			break;
		case 2:
			if (f.wire != WOS_PB_BYTES || f.len > NET_KAD_MAX_KEY)
				return fail(why, cap, NET_KAD_ERR_MALFORMED, "the key is not bytes of at most %u", NET_KAD_MAX_KEY);
			m->key = f.bytes;
			m->key_len = f.len;
			break;
		case 3:
			if (f.wire != WOS_PB_BYTES) return fail(why, cap, NET_KAD_ERR_MALFORMED, "the record is not a message");
			break; /* records (PUT_VALUE, GET_VALUE) are not used */
		case 8:
		case 9: {
			if (f.wire != WOS_PB_BYTES) return fail(why, cap, NET_KAD_ERR_MALFORMED, "a peer is not a message");
			net_kad_peer *list = f.num == 8 ? m->closer : m->providers;
			size_t *n = f.num == 8 ? &m->ncloser : &m->nproviders;
			if (*n == NET_KAD_MAX_PEERS)
				return fail(why, cap, NET_KAD_ERR_TOO_BIG, "more than %u peers in a list", NET_KAD_MAX_PEERS);
			if ((rc = read_peer(f.bytes, f.len, &list[*n], why, cap)) != 0) return rc;
			(*n)++;
			break;
		}
		case 10:
			if (f.wire != WOS_PB_VARINT) return fail(why, cap, NET_KAD_ERR_MALFORMED, "clusterLevelRaw is not a varint");
			m->cluster_level = (int32_t)(uint32_t)f.value;
			break;
		default:
			break;
		}
	}
	if (rc < 0) return fail(why, cap, NET_KAD_ERR_MALFORMED, "the message: %s at byte %zu", wos_pb_error_text(rc), r.pos);
	if (!typed && !m->key && !m->ncloser && !m->nproviders)
		return fail(why, cap, NET_KAD_ERR_MALFORMED, "an empty message");
	return 0;
}

#define ENCODE_SLACK 16 /* open embedded messages reserve length bytes (lib/pb.h) */

static void put_peers(wos_pb_writer *w, uint32_t num, const net_kad_peer *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t m = wos_pb_begin(w, num);
		wos_pb_put_bytes(w, 1, list[i].id, list[i].id_len);
		for (size_t a = 0; a < list[i].naddrs; a++) wos_pb_put_bytes(w, 2, list[i].addrs[a], list[i].addr_lens[a]);
		if (list[i].connection) wos_pb_put_varint(w, 3, (uint64_t)list[i].connection);
		wos_pb_end(w, m);
	}
}

size_t net_kad_encode(uint8_t *buf, size_t cap, const net_kad_message *m)
{
	wos_pb_writer w;
	wos_pb_writer_init(&w, buf, cap);
	wos_pb_put_varint(&w, 1, (uint64_t)m->type);
	if (m->key) wos_pb_put_bytes(&w, 2, m->key, m->key_len);
	put_peers(&w, 8, m->closer, m->ncloser);
	put_peers(&w, 9, m->providers, m->nproviders);
	if (m->cluster_level) wos_pb_put_varint(&w, 10, (uint64_t)(uint32_t)m->cluster_level);
	return wos_pb_writer_finish(&w) < 0 ? w.len + ENCODE_SLACK : w.len;
}

size_t net_kad_provider_key(const uint8_t *cid, size_t cid_len, uint8_t out[NET_KAD_MAX_KEY])
{
	uint64_t v;
	size_t at = 0;
	if (cid_len >= 2 && cid[0] == 0x12 && cid[1] == 0x20) {
		at = 0; /* a CIDv0 is its multihash */
	} else {
		size_t a = wos_varint_get(cid, cid_len, &v);
		if (!a || v != 1) return 0;
		size_t b = wos_varint_get(cid + a, cid_len - a, &v);
		if (!b) return 0;
		at = a + b;
	}
	size_t n = cid_len - at;
	uint64_t code, dl;
	size_t c = wos_varint_get(cid + at, n, &code);
	size_t d = c ? wos_varint_get(cid + at + c, n - c, &dl) : 0;
	if (!c || !d || c + d + dl != n || n > NET_KAD_MAX_KEY) return 0;
	memcpy(out, cid + at, n);
	return n;
}

/* ---- distance -------------------------------------------------------------------------- */

void net_kad_point(const uint8_t *key, size_t len, uint8_t out[32])
{
	wos_sha256(key, len, out);
}

int net_kad_closer(const uint8_t target[32], const uint8_t a[32], const uint8_t b[32])
{
	for (int i = 0; i < 32; i++) {
		uint8_t da = a[i] ^ target[i], db = b[i] ^ target[i];
		if (da != db) return da < db ? -1 : 1;
	}
	return 0;
}

/* The bucket of a point: the length of its common prefix with ours (255 at most). */
static int bucket_of(const uint8_t self[32], const uint8_t p[32])
{
	for (int i = 0; i < 32; i++) {
		uint8_t x = self[i] ^ p[i];
		if (x) {
			int n = i * 8;
			while (!(x & 0x80)) {
				x <<= 1;
				n++;
			}
			return n;
		}
	}
	return 255;
}

/* ---- the routing table ------------------------------------------------------------------ */

typedef struct bucket {
	net_kad_entry *e[NET_KAD_K];
	size_t n;
} bucket;

struct net_kad_table {
	uint8_t self[NET_KAD_MAX_ID];
	size_t self_len;
	uint8_t point[32];
	bucket b[256];
};

net_kad_table *net_kad_table_new(const uint8_t *self, size_t self_len)
{
	if (self_len > NET_KAD_MAX_ID) return NULL;
	net_kad_table *t = calloc(1, sizeof *t);
	if (!t) return NULL;
	memcpy(t->self, self, self_len);
	t->self_len = self_len;
	net_kad_point(self, self_len, t->point);
	return t;
}

void net_kad_table_free(net_kad_table *t)
{
	if (!t) return;
	for (int i = 0; i < 256; i++)
		for (size_t j = 0; j < t->b[i].n; j++) free(t->b[i].e[j]);
	free(t);
}

static void fill_entry(net_kad_entry *e, const net_kad_peer *p)
{
	if (!p->naddrs) return;
	e->naddrs = 0;
	for (size_t a = 0; a < p->naddrs && a < NET_KAD_MAX_ADDRS; a++) {
		if (p->addr_lens[a] > NET_KAD_MAX_ADDR) continue;
		memcpy(e->addrs[e->naddrs], p->addrs[a], p->addr_lens[a]);
		e->addr_lens[e->naddrs++] = p->addr_lens[a];
	}
}

int net_kad_table_seen(net_kad_table *t, const net_kad_peer *p, uint64_t now_ms)
{
	if (!is_peer_id(p->id, p->id_len)) return NET_KAD_ERR_MALFORMED;
	if (p->id_len == t->self_len && !memcmp(p->id, t->self, p->id_len)) return 0;
	uint8_t point[32];
	net_kad_point(p->id, p->id_len, point);
	bucket *b = &t->b[bucket_of(t->point, point)];
	for (size_t i = 0; i < b->n; i++) {
		net_kad_entry *e = b->e[i];
		if (e->id_len != p->id_len || memcmp(e->id, p->id, p->id_len)) continue;
		memmove(&b->e[i], &b->e[i + 1], (b->n - i - 1) * sizeof b->e[0]);
		b->e[b->n - 1] = e;
		fill_entry(e, p);
		e->seen_ms = now_ms;
		return 1;
	}
	if (b->n == NET_KAD_K) return 0;
	net_kad_entry *e = calloc(1, sizeof *e);
	if (!e) return NET_KAD_ERR_NOMEM;
	memcpy(e->id, p->id, p->id_len);
	e->id_len = p->id_len;
	memcpy(e->point, point, 32);
	fill_entry(e, p);
	e->seen_ms = now_ms;
	b->e[b->n++] = e;
	return 1;
}

void net_kad_table_remove(net_kad_table *t, const uint8_t *id, size_t id_len)
{
	uint8_t point[32];
	net_kad_point(id, id_len, point);
	bucket *b = &t->b[bucket_of(t->point, point)];
	for (size_t i = 0; i < b->n; i++) {
		if (b->e[i]->id_len != id_len || memcmp(b->e[i]->id, id, id_len)) continue;
		free(b->e[i]);
		memmove(&b->e[i], &b->e[i + 1], (b->n - i - 1) * sizeof b->e[0]);
		b->n--;
		return;
	}
}

size_t net_kad_table_size(const net_kad_table *t)
{
	size_t n = 0;
	for (int i = 0; i < 256; i++) n += t->b[i].n;
	return n;
}

size_t net_kad_table_closest(const net_kad_table *t, const uint8_t *key, size_t key_len, const net_kad_entry **out,
			     size_t n)
{
	uint8_t target[32];
	size_t got = 0;
	net_kad_point(key, key_len, target);
	/* insertion into a sorted array of the n best: tables are small */
	for (int i = 0; i < 256; i++) {
		for (size_t j = 0; j < t->b[i].n; j++) {
			const net_kad_entry *e = t->b[i].e[j];
			size_t at = got;
			while (at > 0 && net_kad_closer(target, e->point, out[at - 1]->point) < 0) at--;
			if (at >= n) continue;
			size_t move = (got < n ? got : n - 1) - at;
			memmove(&out[at + 1], &out[at], move * sizeof out[0]);
			out[at] = e;
			if (got < n) got++;
		}
	}
	return got;
}

/* ---- lookups ------------------------------------------------------------------------------ */

enum { C_NEW, C_ASKED, C_ANSWERED, C_FAILED };

typedef struct candidate {
	net_kad_entry e;
	int state;
} candidate;

struct net_kad_lookup {
	uint8_t target[32];
	candidate *c[NET_KAD_LOOKUP_MAX]; /* sorted by distance, closest first */
	size_t n;
	size_t inflight, answers;
};

static int add_candidate(net_kad_lookup *l, const uint8_t *id, size_t id_len, const net_kad_peer *p,
			 const net_kad_entry *from)
{
	if (!is_peer_id(id, id_len)) return NET_KAD_ERR_MALFORMED;
	for (size_t i = 0; i < l->n; i++)
		if (l->c[i]->e.id_len == id_len && !memcmp(l->c[i]->e.id, id, id_len)) return 0;
	uint8_t point[32];
	net_kad_point(id, id_len, point);
	size_t at = l->n;
	while (at > 0 && net_kad_closer(l->target, point, l->c[at - 1]->e.point) < 0) at--;
	if (at >= NET_KAD_LOOKUP_MAX) return 0; /* farther than every one kept */
	candidate *c = calloc(1, sizeof *c);
	if (!c) return NET_KAD_ERR_NOMEM;
	if (from) c->e = *from;
	memcpy(c->e.id, id, id_len);
	c->e.id_len = id_len;
	memcpy(c->e.point, point, 32);
	if (p) fill_entry(&c->e, p);
	if (l->n == NET_KAD_LOOKUP_MAX) {
		candidate *last = l->c[--l->n];
		if (last->state == C_ASKED && l->inflight) l->inflight--;
		if (last->state == C_ANSWERED && l->answers) l->answers--;
		free(last);
	}
	memmove(&l->c[at + 1], &l->c[at], (l->n - at) * sizeof l->c[0]);
	l->c[at] = c;
	l->n++;
	return 0;
}

net_kad_lookup *net_kad_lookup_new(const uint8_t *key, size_t key_len, const net_kad_table *t)
{
	net_kad_lookup *l = calloc(1, sizeof *l);
	if (!l) return NULL;
	net_kad_point(key, key_len, l->target);
	if (t) {
		const net_kad_entry *seed[NET_KAD_K];
		size_t n = net_kad_table_closest(t, key, key_len, seed, NET_KAD_K);
		for (size_t i = 0; i < n; i++) {
			if (add_candidate(l, seed[i]->id, seed[i]->id_len, NULL, seed[i]) != 0) {
				net_kad_lookup_free(l);
				return NULL;
			}
		}
	}
	return l;
}

void net_kad_lookup_free(net_kad_lookup *l)
{
	if (!l) return;
	for (size_t i = 0; i < l->n; i++) free(l->c[i]);
	free(l);
}

int net_kad_lookup_add(net_kad_lookup *l, const net_kad_peer *p)
{
	return add_candidate(l, p->id, p->id_len, p, NULL);
}

const net_kad_entry *net_kad_lookup_next(net_kad_lookup *l)
{
	if (l->inflight >= NET_KAD_ALPHA) return NULL;
	/* among the K closest that have not failed */
	size_t live = 0;
	for (size_t i = 0; i < l->n && live < NET_KAD_K; i++) {
		if (l->c[i]->state == C_FAILED) continue;
		live++;
		if (l->c[i]->state != C_NEW) continue;
		l->c[i]->state = C_ASKED;
		l->inflight++;
		return &l->c[i]->e;
	}
	return NULL;
}

static candidate *find(net_kad_lookup *l, const uint8_t *id, size_t id_len)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->c[i]->e.id_len == id_len && !memcmp(l->c[i]->e.id, id, id_len)) return l->c[i];
	return NULL;
}

void net_kad_lookup_answered(net_kad_lookup *l, const uint8_t *id, size_t id_len, const net_kad_peer *closer, size_t n)
{
	candidate *c = find(l, id, id_len);
	if (c && c->state == C_ASKED) {
		c->state = C_ANSWERED;
		l->inflight--;
		l->answers++;
	}
	for (size_t i = 0; i < n; i++) (void)add_candidate(l, closer[i].id, closer[i].id_len, &closer[i], NULL);
}

void net_kad_lookup_failed(net_kad_lookup *l, const uint8_t *id, size_t id_len)
{
	candidate *c = find(l, id, id_len);
	if (c && c->state == C_ASKED) {
		c->state = C_FAILED;
		l->inflight--;
	}
}

bool net_kad_lookup_done(const net_kad_lookup *l)
{
	if (l->inflight) return false;
	size_t live = 0;
	for (size_t i = 0; i < l->n && live < NET_KAD_K; i++) {
		if (l->c[i]->state == C_FAILED) continue;
		live++;
		if (l->c[i]->state != C_ANSWERED) return false;
	}
	return true;
}

size_t net_kad_lookup_inflight(const net_kad_lookup *l)
{
	return l->inflight;
}

size_t net_kad_lookup_answers(const net_kad_lookup *l)
{
	return l->answers;
}

const net_kad_entry *net_kad_lookup_result(const net_kad_lookup *l, size_t i)
{
	for (size_t j = 0; j < l->n; j++) {
		if (l->c[j]->state != C_ANSWERED) continue;
		if (i-- == 0) return &l->c[j]->e;
	}
	return NULL;
}
