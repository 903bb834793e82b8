/* dht.c: the DHT on the hosted node (see dht.h).
 *
 * Every stream we touch has a record (chan) on one list, so hosted_dht_free can reset
 * them all (a reset stream calls nothing back).  A lookup asks peers through chans of
 * kind QUERY; each has a timer, and its answer, failure or silence moves the lookup
 * on (pump).  Provider records are a plain list, the newest first.
 */
#define _GNU_SOURCE
#include "dht.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cid.h"

enum { C_SERVE, C_QUERY, C_ANNOUNCE };

typedef struct lookup lookup;

typedef struct chan {
	struct hosted_dht *d;
	int kind;
	net_stream *s;            /* once open */
	lookup *l;                /* QUERY: its lookup */
	net_peerid peer;
	uint64_t timer;
	uint8_t *req;             /* QUERY, ANNOUNCE: the message to write once open */
	size_t req_len;
	bool answered;
	struct chan *next;
} chan;

typedef struct record {
	uint8_t key[NET_KAD_MAX_KEY];
	size_t key_len;
	net_peerid id;
	uint8_t addrs[NET_KAD_MAX_ADDRS][NET_KAD_MAX_ADDR];
	size_t addr_lens[NET_KAD_MAX_ADDRS];
	size_t naddrs;
	uint64_t at_ms;
	struct record *next;
} record;

struct lookup {
	struct hosted_dht *d;
	net_kad_lookup *k;
	uint8_t key[NET_KAD_MAX_KEY];
	size_t key_len;
	hosted_dht_provider_fn fn;
	void *ud;
	size_t found;
	uint64_t timer;           /* the end, told from the loop */
	bool ending;
	struct lookup *next;
};

struct hosted_dht {
	net_node *n;
	net_kad_table *t;
	chan *chans;
	record *records;
	size_t nrecords;
	lookup *lookups;
	bool detached;            /* hosted_dht_detach: the node is going */
};

/* ---- chans -------------------------------------------------------------------------------- */

static chan *chan_new(hosted_dht *d, int kind)
{
	chan *c = calloc(1, sizeof *c);
	if (!c) return NULL;
	c->d = d;
	c->kind = kind;
	c->next = d->chans;
	d->chans = c;
	return c;
}

static void chan_free(chan *c)
{
	hosted_dht *d = c->d;
	for (chan **pp = &d->chans; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->timer) net_node_cancel(d->n, c->timer);
	free(c->req);
	free(c);
}

/* A message of the table's entry e as a kad peer (views into e). */
static net_kad_peer entry_peer(const net_kad_entry *e)
{
	net_kad_peer p;
	memset(&p, 0, sizeof p);
	p.id = e->id;
	p.id_len = e->id_len;
	for (size_t a = 0; a < e->naddrs; a++) {
		p.addrs[a] = e->addrs[a];
		p.addr_lens[a] = e->addr_lens[a];
	}
	p.naddrs = e->naddrs;
	return p;
}

/* The table learns a peer, with the addresses the node knows for it. */
static void learn(hosted_dht *d, const net_peerid *id)
{
	net_kad_peer p;
	memset(&p, 0, sizeof p);
	p.id = id->b;
	p.id_len = id->len;
	for (size_t i = 0; i < NET_KAD_MAX_ADDRS; i++) {
		size_t len;
		const uint8_t *a = net_node_peer_addr(d->n, id, i, &len);
		if (!a) break;
		p.addrs[p.naddrs] = a;
		p.addr_lens[p.naddrs++] = len;
	}
	if (p.naddrs) net_kad_table_seen(d->t, &p, net_node_now_ms(d->n));
}

/* ---- the server -------------------------------------------------------------------------- */

static void answer(chan *c, const net_kad_message *m)
{
	size_t n = net_kad_encode(NULL, 0, m);
	uint8_t *buf = malloc(n);
	if (!buf) return;
	n = net_kad_encode(buf, n, m);
	net_stream_write(c->s, buf, n);
	free(buf);
}

static void closest_into(hosted_dht *d, const uint8_t *key, size_t key_len, net_kad_message *r)
{
	const net_kad_entry *best[NET_KAD_K];
	size_t n = net_kad_table_closest(d->t, key, key_len, best, NET_KAD_K);
	for (size_t i = 0; i < n; i++) r->closer[r->ncloser++] = entry_peer(best[i]);
}

static void add_record(hosted_dht *d, const uint8_t *key, size_t key_len, const net_kad_peer *p)
{
	uint64_t now = net_node_now_ms(d->n);
	record *r = NULL;
	for (record *x = d->records; x; x = x->next)
		if (x->key_len == key_len && !memcmp(x->key, key, key_len) && x->id.len == p->id_len &&
		    !memcmp(x->id.b, p->id, p->id_len))
			r = x;
	if (!r) {
		if (d->nrecords == HOSTED_DHT_MAX_PROVIDERS) { /* the oldest goes */
			record **pp = &d->records;
			while ((*pp)->next) pp = &(*pp)->next;
			free(*pp);
			*pp = NULL;
			d->nrecords--;
		}
		if (!(r = calloc(1, sizeof *r))) return;
		r->next = d->records;
		d->records = r;
		d->nrecords++;
	}
	memcpy(r->key, key, key_len);
	r->key_len = key_len;
	r->id.len = (uint8_t)p->id_len;
	memcpy(r->id.b, p->id, p->id_len);
	r->naddrs = 0;
	for (size_t a = 0; a < p->naddrs; a++) {
		memcpy(r->addrs[a], p->addrs[a], p->addr_lens[a]);
		r->addr_lens[r->naddrs++] = p->addr_lens[a];
	}
	r->at_ms = now;
}

static void serve(chan *c, const net_kad_message *m)
{
	hosted_dht *d = c->d;
	const net_peerid *from = net_stream_peer(c->s);
	net_kad_message *r = calloc(1, sizeof *r);
	if (!r) return;
	r->type = m->type;
	r->key = m->key;
	r->key_len = m->key_len;
	learn(d, from);
	switch (m->type) {
	case NET_KAD_FIND_NODE:
		closest_into(d, m->key ? m->key : (const uint8_t *)"", m->key_len, r);
		answer(c, r);
		break;
	case NET_KAD_GET_PROVIDERS: {
		uint64_t now = net_node_now_ms(d->n);
		for (record *x = d->records; x && r->nproviders < NET_KAD_MAX_PEERS; x = x->next) {
			if (x->key_len != m->key_len || memcmp(x->key, m->key, m->key_len) ||
			    now - x->at_ms > HOSTED_DHT_PROVIDER_TTL_MS)
				continue;
			net_kad_peer *p = &r->providers[r->nproviders++];
			p->id = x->id.b;
			p->id_len = x->id.len;
			for (size_t a = 0; a < x->naddrs; a++) {
				p->addrs[a] = x->addrs[a];
				p->addr_lens[a] = x->addr_lens[a];
			}
			p->naddrs = x->naddrs;
		}
		closest_into(d, m->key ? m->key : (const uint8_t *)"", m->key_len, r);
		answer(c, r);
		break;
	}
	case NET_KAD_ADD_PROVIDER:
		/* only a peer's own record, with an address to reach it (the spec) */
		for (size_t i = 0; i < m->nproviders; i++)
			if (m->key && m->providers[i].naddrs && m->providers[i].id_len == from->len &&
			    !memcmp(m->providers[i].id, from->b, from->len))
				add_record(d, m->key, m->key_len, &m->providers[i]);
		break;
	case NET_KAD_PING:
		answer(c, r);
		break;
	default:
		break; /* records (PUT_VALUE, GET_VALUE) are not kept */
	}
	free(r);
}

static void in_opened(void *ud, net_stream *s)
{
	if (((hosted_dht *)ud)->detached) {
		net_stream_reset(s);
		return;
	}
	chan *c = chan_new(ud, C_SERVE);
	if (!c) {
		net_stream_reset(s);
		return;
	}
	c->s = s;
	net_stream_set_ud(s, c);
}

static void in_received(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	chan *c = ud;
	net_kad_message *m = malloc(sizeof *m);
	char why[160];
	if (m && net_kad_decode(p, len, m, why, sizeof why) == 0) {
		serve(c, m);
	} else {
		net_stream_reset(s); /* garbage: this stream ends, the connection stays */
		chan_free(c);
	}
	free(m);
}

static void in_remote_closed(void *ud, net_stream *s)
{
	(void)ud;
	net_stream_close(s);
}

static void chan_closed(void *ud, net_stream *s, int err);

static const net_stream_ops in_ops = { in_opened, in_received, in_remote_closed, chan_closed, NET_KAD_MAX_MESSAGE };

/* ---- lookups -------------------------------------------------------------------------------- */

static void pump(lookup *l);

static void lookup_end(void *ud, uint64_t id)
{
	(void)id;
	lookup *l = ud;
	hosted_dht *d = l->d;
	l->timer = 0;
	for (lookup **pp = &d->lookups; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	/* its queries still out: forgotten */
	for (chan *c = d->chans, *next; c; c = next) {
		next = c->next;
		if (c->l != l) continue;
		if (c->s) net_stream_reset(c->s);
		chan_free(c);
	}
	hosted_dht_provider_fn fn = l->fn;
	void *ud2 = l->ud;
	net_kad_lookup_free(l->k);
	free(l);
	if (fn) fn(ud2, NULL, NULL, NULL, 0); /* NULL: cancelled */
}

/* Ends l from the loop, not from inside a caller. */
static void finish(lookup *l)
{
	if (l->ending) return;
	l->ending = true;
	l->timer = net_node_timer(l->d->n, 0, lookup_end, l);
}

static void query_failed(chan *c)
{
	lookup *l = c->l;
	net_kad_lookup_failed(l->k, c->peer.b, c->peer.len);
	if (c->s) net_stream_reset(c->s);
	chan_free(c);
	pump(l);
}

static void query_timeout(void *ud, uint64_t id)
{
	(void)id;
	chan *c = ud;
	c->timer = 0;
	query_failed(c);
}

static void out_opened(void *ud, net_stream *s)
{
	chan *c = ud;
	if (c->d->detached) {
		net_stream_reset(s);
		return;
	}
	c->s = s;
	if (c->req && net_stream_write(s, c->req, c->req_len) != 0) {
		if (c->kind == C_QUERY) {
			query_failed(c);
		} else {
			net_stream_reset(s);
			chan_free(c);
		}
		return;
	}
	if (c->kind == C_ANNOUNCE) net_stream_close(s); /* ADD_PROVIDER has no answer */
}

static void out_received(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	chan *c = ud;
	if (c->kind != C_QUERY || c->answered) return;
	lookup *l = c->l;
	hosted_dht *d = c->d;
	net_kad_message *m = malloc(sizeof *m);
	char why[160];
	if (!m || net_kad_decode(p, len, m, why, sizeof why) != 0) {
		free(m);
		query_failed(c);
		return;
	}
	c->answered = true;
	learn(d, &c->peer);
	net_kad_lookup_answered(l->k, c->peer.b, c->peer.len, m->closer, m->ncloser);
	for (size_t i = 0; i < m->nproviders && !l->ending; i++) {
		net_peerid pid;
		if (net_peerid_from_bytes(&pid, m->providers[i].id, m->providers[i].id_len) != 0 ||
		    net_peerid_equal(&pid, net_node_peerid(d->n)))
			continue;
		l->found++;
		l->fn(l->ud, &pid, m->providers[i].addrs, m->providers[i].addr_lens, m->providers[i].naddrs);
	}
	free(m);
	net_stream_close(s);
	if (c->timer) net_node_cancel(d->n, c->timer);
	c->timer = 0;
	if (l->found) finish(l); /* providers known: no need to go on */
	else pump(l);
}

static void chan_closed(void *ud, net_stream *s, int err)
{
	(void)s, (void)err;
	chan *c = ud;
	if (c->d->detached) {
		c->s = NULL;
		return; /* freed by hosted_dht_free */
	}
	if (c->kind == C_QUERY && !c->answered) {
		c->s = NULL;
		query_failed(c);
		return;
	}
	chan_free(c);
}

static const net_stream_ops out_ops = { out_opened, out_received, in_remote_closed, chan_closed, NET_KAD_MAX_MESSAGE };

/* Opens a stream to the peer of entry e (its addresses told to the node first) that
 * writes req when open.  NULL when it cannot. */
static chan *open_to(hosted_dht *d, int kind, const net_kad_entry *e, const uint8_t *req, size_t req_len)
{
	net_peerid pid;
	if (net_peerid_from_bytes(&pid, e->id, e->id_len) != 0) return NULL;
	for (size_t a = 0; a < e->naddrs; a++) net_node_add_addr(d->n, &pid, e->addrs[a], e->addr_lens[a]);
	chan *c = chan_new(d, kind);
	if (!c || !(c->req = malloc(req_len))) {
		if (c) chan_free(c);
		return NULL;
	}
	memcpy(c->req, req, req_len);
	c->req_len = req_len;
	c->peer = pid;
	if (net_stream_open(d->n, &pid, NET_KAD_PROTOCOL, &out_ops, c, NULL) != 0) {
		chan_free(c);
		return NULL;
	}
	return c;
}

static void pump(lookup *l)
{
	hosted_dht *d = l->d;
	if (l->ending) return;
	net_kad_message *m = calloc(1, sizeof *m);
	if (!m) {
		finish(l);
		return;
	}
	m->type = NET_KAD_GET_PROVIDERS;
	m->key = l->key;
	m->key_len = l->key_len;
	uint8_t buf[NET_KAD_MAX_KEY + 32];
	size_t n = net_kad_encode(buf, sizeof buf, m);
	free(m);
	const net_kad_entry *e;
	while ((e = net_kad_lookup_next(l->k))) {
		net_peerid pid;
		if (net_peerid_from_bytes(&pid, e->id, e->id_len) == 0 && net_peerid_equal(&pid, net_node_peerid(d->n))) {
			net_kad_lookup_failed(l->k, e->id, e->id_len); /* ourselves */
			continue;
		}
		chan *c = open_to(d, C_QUERY, e, buf, n);
		if (!c) {
			net_kad_lookup_failed(l->k, e->id, e->id_len);
			continue;
		}
		c->l = l;
		c->timer = net_node_timer(d->n, HOSTED_DHT_QUERY_MS, query_timeout, c);
	}
	if (net_kad_lookup_done(l->k)) finish(l);
}

/* ---- the dht --------------------------------------------------------------------------------- */

static void on_peer(void *ud, const net_peerid *id, enum net_peer_event ev, int err)
{
	(void)err;
	hosted_dht *d = ud;
	if (d->detached) return;
	if (ev == NET_PEER_IDENTIFIED && net_node_peer_speaks(d->n, id, NET_KAD_PROTOCOL)) learn(d, id);
}

hosted_dht *hosted_dht_new(net_node *n)
{
	hosted_dht *d = calloc(1, sizeof *d);
	if (!d) return NULL;
	d->n = n;
	const net_peerid *self = net_node_peerid(n);
	if (!(d->t = net_kad_table_new(self->b, self->len)) || net_node_watch_peers(n, on_peer, d) != 0 ||
	    net_node_handle(n, NET_KAD_PROTOCOL, &in_ops, d) != 0) {
		net_kad_table_free(d->t);
		free(d);
		return NULL;
	}
	return d;
}

void hosted_dht_detach(hosted_dht *d)
{
	if (!d || d->detached) return;
	d->detached = true;
	/* open streams are reset (no callback follows); one still opening calls back once
	 * more, and finds the record, freed only by hosted_dht_free */
	for (chan *c = d->chans; c; c = c->next) {
		if (c->s) net_stream_reset(c->s);
		c->s = NULL;
		if (c->timer) net_node_cancel(d->n, c->timer);
		c->timer = 0;
	}
	for (lookup *l = d->lookups; l; l = l->next) {
		if (l->timer) net_node_cancel(d->n, l->timer);
		l->timer = 0;
	}
}

void hosted_dht_free(hosted_dht *d)
{
	if (!d) return;
	hosted_dht_detach(d);
	while (d->lookups) {
		lookup *l = d->lookups;
		d->lookups = l->next;
		net_kad_lookup_free(l->k);
		free(l);
	}
	while (d->chans) chan_free(d->chans);
	while (d->records) {
		record *r = d->records;
		d->records = r->next;
		free(r);
	}
	net_kad_table_free(d->t);
	free(d);
}

size_t hosted_dht_provide(hosted_dht *d, const uint8_t *cid, size_t cid_len)
{
	uint8_t key[NET_KAD_MAX_KEY];
	size_t kl = net_kad_provider_key(cid, cid_len, key);
	if (!kl) return 0;
	net_kad_message *m = calloc(1, sizeof *m);
	if (!m) return 0;
	m->type = NET_KAD_ADD_PROVIDER;
	m->key = key;
	m->key_len = kl;
	const net_peerid *self = net_node_peerid(d->n);
	net_kad_peer *me = &m->providers[m->nproviders++];
	me->id = self->b;
	me->id_len = self->len;
	for (size_t i = 0; i < NET_KAD_MAX_ADDRS; i++) {
		size_t len;
		const uint8_t *a = net_node_listen_addr(d->n, i, &len);
		if (!a) break;
		me->addrs[me->naddrs] = a;
		me->addr_lens[me->naddrs++] = len;
	}
	size_t told = 0;
	uint8_t buf[1024];
	size_t n = net_kad_encode(buf, sizeof buf, m);
	free(m);
	if (n > sizeof buf) return 0;
	const net_kad_entry *best[NET_KAD_K];
	size_t nb = net_kad_table_closest(d->t, key, kl, best, NET_KAD_K);
	for (size_t i = 0; i < nb; i++) told += open_to(d, C_ANNOUNCE, best[i], buf, n) != NULL;
	return told;
}

int hosted_dht_find_providers(hosted_dht *d, const uint8_t *cid, size_t cid_len, hosted_dht_provider_fn fn, void *ud)
{
	lookup *l = calloc(1, sizeof *l);
	if (!l) return NET_KAD_ERR_NOMEM;
	l->key_len = net_kad_provider_key(cid, cid_len, l->key);
	if (!l->key_len) {
		free(l);
		return NET_KAD_ERR_MALFORMED;
	}
	if (!(l->k = net_kad_lookup_new(l->key, l->key_len, d->t))) {
		free(l);
		return NET_KAD_ERR_NOMEM;
	}
	l->d = d;
	l->fn = fn;
	l->ud = ud;
	l->next = d->lookups;
	d->lookups = l;
	pump(l);
	return 0;
}

void hosted_dht_cancel(hosted_dht *d, void *ud)
{
	for (lookup *l = d->lookups; l; l = l->next) {
		if (l->ud != ud) continue;
		l->fn = NULL;
		if (!l->ending) finish(l);
		return;
	}
}

size_t hosted_dht_table_size(const hosted_dht *d)
{
	return net_kad_table_size(d->t);
}
