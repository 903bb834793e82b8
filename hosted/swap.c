/* swap.c: bitswap on the hosted node (see swap.h).
 *
 * One record per peer we heard of: its outbound stream (or the messages waiting for
 * it to open).  Inbound streams are kept on a list only so that hosted_swap_free can
 * reset them: a reset stream calls nothing back, so after the free no callback of
 * the node reaches the freed swap (peer events come only from the loop, and the node
 * is freed in the same turn).
 */
#define _GNU_SOURCE
#include "swap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitswap.h"
#include "cid.h"

#define TICK_MS 500 /* how often silent peers are looked for */

typedef struct msg {
	uint8_t *p;
	size_t len;
	struct msg *next;
} msg;

typedef struct swap_peer {
	struct hosted_swap *sw;
	net_peerid id;
	char name[NET_PEERID_TEXT_MAX];
	net_stream *out;          /* our stream to it, once open */
	bool opening;
	msg *queue, *queue_tail;  /* messages waiting for the stream */
	bool in_client;           /* added to the client */
	bool dropped;             /* it lied or sent garbage: never asked, heard or served again */
	struct swap_peer *next;
} swap_peer;

typedef struct swap_in {
	net_stream *s;
	struct swap_in *next;
} swap_in;

typedef struct swant {
	hosted_swap_fn done;
	void *ud;
	struct swant *next;
} swant;

struct hosted_swap {
	net_node *n;
	hosted_store *store;
	net_bitswap_client *client;
	swap_peer *peers;
	swap_in *ins;
	swant *wants;
	uint64_t tick;
	uint64_t blocks, bytes;
	bool detached;            /* hosted_swap_detach: the node is going; touch it no more */
};

/* ---- peers and their streams --------------------------------------------------------- */

static swap_peer *peer_of(hosted_swap *sw, const net_peerid *id, bool make)
{
	for (swap_peer *p = sw->peers; p; p = p->next)
		if (net_peerid_equal(&p->id, id)) return p;
	if (!make) return NULL;
	swap_peer *p = calloc(1, sizeof *p);
	if (!p) return NULL;
	p->sw = sw;
	p->id = *id;
	net_peerid_format(id, p->name);
	p->next = sw->peers;
	sw->peers = p;
	return p;
}

static void drop_queue(swap_peer *p)
{
	while (p->queue) {
		msg *m = p->queue;
		p->queue = m->next;
		free(m->p);
		free(m);
	}
	p->queue_tail = NULL;
}

/* p cannot take wants now: the client asks the next peer. */
static void leave_client(swap_peer *p)
{
	if (!p->in_client) return;
	p->in_client = false;
	net_bitswap_client_remove_peer(p->sw->client, p, net_node_now_ms(p->sw->n));
}

static void out_opened(void *ud, net_stream *s)
{
	swap_peer *p = ud;
	if (p->sw->detached) {
		net_stream_reset(s);
		return;
	}
	p->out = s;
	p->opening = false;
	bool failed = false;
	while (p->queue) {
		msg *m = p->queue;
		p->queue = m->next;
		if (!failed && net_stream_write(s, m->p, m->len) != 0) failed = true;
		free(m->p);
		free(m);
	}
	p->queue_tail = NULL;
	if (failed) leave_client(p);
}

static void on_message(hosted_swap *sw, swap_peer *p, const uint8_t *m, size_t len);

static void out_received(void *ud, net_stream *s, const uint8_t *m, size_t len)
{
	(void)s;
	swap_peer *p = ud;
	on_message(p->sw, p, m, len);
}

static void out_closed(void *ud, net_stream *s, int err)
{
	(void)s;
	swap_peer *p = ud;
	if (p->sw->detached) return;
	bool never_opened = p->opening;
	p->out = NULL;
	p->opening = false;
	drop_queue(p);
	if (never_opened || err) leave_client(p);
}

static const net_stream_ops out_ops = { out_opened, out_received, NULL, out_closed, NET_BITSWAP_MAX_MESSAGE };

/* Sends one message to p on our stream, opening it first when needed. */
static int send_to(hosted_swap *sw, swap_peer *p, const uint8_t *m, size_t len)
{
	if (sw->detached) return -1;
	if (p->out) return net_stream_write(p->out, m, len) == 0 ? 0 : -1;
	msg *q = calloc(1, sizeof *q);
	if (!q || !(q->p = malloc(len ? len : 1))) {
		free(q);
		return -1;
	}
	memcpy(q->p, m, len);
	q->len = len;
	if (p->queue_tail) p->queue_tail->next = q;
	else p->queue = q;
	p->queue_tail = q;
	if (p->opening) return 0;
	p->opening = true;
	if (net_stream_open(sw->n, &p->id, NET_BITSWAP_PROTOCOL, &out_ops, p, NULL) != 0) {
		p->opening = false;
		drop_queue(p);
		return -1;
	}
	return 0;
}

/* ---- the client's and the server's ways out ------------------------------------------ */

static int client_send(void *ud, void *peer, const uint8_t *m, size_t len)
{
	return send_to(ud, peer, m, len);
}

static void client_done(void *ud, void *want_ud, int err, const uint8_t *data, size_t len, const char *why)
{
	hosted_swap *sw = ud;
	swant *w = want_ud;
	for (swant **pp = &sw->wants; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	w->done(w->ud, err, data, len, why);
	free(w);
}

static void client_dropped(void *ud, void *peer, const char *why)
{
	(void)ud, (void)why;
	swap_peer *p = peer;
	p->dropped = true;
	p->in_client = false; /* the client keeps its slot, marked: nothing to remove */
}

static const char *client_peer_name(void *ud, void *peer)
{
	(void)ud;
	return ((swap_peer *)peer)->name;
}

static int server_get(void *ud, const uint8_t *cid, size_t len, const uint8_t **data, size_t *dlen)
{
	hosted_swap *sw = ud;
	char name[WOS_CID_TEXT_MAX];
	hosted_store_error err;
	uint8_t *bytes;
	size_t n;
	long tl = wos_cid_text(cid, len, name, sizeof name);
	if (tl < 0 || hosted_store_get(sw->store, name, (size_t)tl, &bytes, &n, &err) != 0) return 0;
	*data = bytes;
	*dlen = n;
	sw->blocks++;
	sw->bytes += n;
	return 1;
}

static void server_release(void *ud, const uint8_t *data, size_t len)
{
	(void)ud, (void)len;
	free((void *)data);
}

static int server_reply(void *ud, void *peer, const uint8_t *m, size_t len)
{
	return send_to(ud, peer, m, len);
}

static const net_bitswap_server_ops server_ops = { server_get, server_release, server_reply };

static void on_message(hosted_swap *sw, swap_peer *p, const uint8_t *m, size_t len)
{
	char why[160];
	uint64_t now = net_node_now_ms(sw->n);
	if (p->dropped) return;
	if (net_bitswap_client_received(sw->client, p, m, len, now) != 0) return; /* garbage: dropped */
	if (sw->store && !p->dropped) net_bitswap_serve(&server_ops, sw, p, m, len, why, sizeof why);
}

/* ---- inbound streams ------------------------------------------------------------------- */

static void in_opened(void *ud, net_stream *s)
{
	hosted_swap *sw = ud;
	swap_in *i = calloc(1, sizeof *i);
	if (!i) {
		net_stream_reset(s);
		return;
	}
	i->s = s;
	i->next = sw->ins;
	sw->ins = i;
}

static void in_received(void *ud, net_stream *s, const uint8_t *m, size_t len)
{
	hosted_swap *sw = ud;
	swap_peer *p = peer_of(sw, net_stream_peer(s), true);
	if (p) on_message(sw, p, m, len);
}

static void in_remote_closed(void *ud, net_stream *s)
{
	(void)ud;
	net_stream_close(s); /* the peer is done writing; we never write on its streams */
}

static void in_closed(void *ud, net_stream *s, int err)
{
	(void)err;
	hosted_swap *sw = ud;
	for (swap_in **pp = &sw->ins; *pp; pp = &(*pp)->next) {
		if ((*pp)->s == s) {
			swap_in *i = *pp;
			*pp = i->next;
			free(i);
			return;
		}
	}
}

static const net_stream_ops in_ops = { in_opened, in_received, in_remote_closed, in_closed, NET_BITSWAP_MAX_MESSAGE };

/* ---- peer events and the tick ---------------------------------------------------------- */

static void on_peer(void *ud, const net_peerid *id, enum net_peer_event ev, int err)
{
	(void)err;
	hosted_swap *sw = ud;
	if (sw->detached) return; /* the node is being freed */
	swap_peer *p = peer_of(sw, id, ev == NET_PEER_CONNECTED);
	if (!p) return;
	if (ev == NET_PEER_CONNECTED && !p->in_client && !p->dropped)
		p->in_client = net_bitswap_client_add_peer(sw->client, p) == 0;
	else if (ev == NET_PEER_DISCONNECTED)
		leave_client(p);
}

static void on_tick(void *ud, uint64_t id)
{
	(void)id;
	hosted_swap *sw = ud;
	sw->tick = 0;
	net_bitswap_client_tick(sw->client, net_node_now_ms(sw->n));
	if (sw->wants) sw->tick = net_node_timer(sw->n, TICK_MS, on_tick, sw);
}

/* ---- the swap ---------------------------------------------------------------------------- */

hosted_swap *hosted_swap_new(net_node *n, hosted_store *store, uint64_t timeout_ms)
{
	hosted_swap *sw = calloc(1, sizeof *sw);
	if (!sw) return NULL;
	sw->n = n;
	sw->store = store;
	net_bitswap_client_ops ops = { client_send, client_done, client_dropped, client_peer_name };
	if (!(sw->client = net_bitswap_client_new(&ops, sw)) || net_node_watch_peers(n, on_peer, sw) != 0 ||
	    net_node_handle(n, NET_BITSWAP_PROTOCOL, &in_ops, sw) != 0) {
		net_bitswap_client_free(sw->client);
		free(sw);
		return NULL;
	}
	net_bitswap_client_set_timeout(sw->client, timeout_ms);
	return sw;
}

void hosted_swap_detach(hosted_swap *sw)
{
	if (!sw || sw->detached) return;
	sw->detached = true;
	if (sw->tick) net_node_cancel(sw->n, sw->tick);
	sw->tick = 0;
	while (sw->ins) {
		swap_in *i = sw->ins;
		sw->ins = i->next;
		net_stream_reset(i->s);
		free(i);
	}
	for (swap_peer *p = sw->peers; p; p = p->next) {
		if (p->out) net_stream_reset(p->out);
		p->out = NULL;
		p->opening = false; /* (a stream being opened still calls back: out_closed copes) */
		drop_queue(p);
	}
}

void hosted_swap_free(hosted_swap *sw)
{
	if (!sw) return;
	hosted_swap_detach(sw);
	while (sw->peers) {
		swap_peer *p = sw->peers;
		sw->peers = p->next;
		drop_queue(p);
		free(p);
	}
	while (sw->wants) {
		swant *w = sw->wants;
		sw->wants = w->next;
		free(w);
	}
	net_bitswap_client_free(sw->client);
	free(sw);
}

int hosted_swap_want(hosted_swap *sw, const uint8_t *cid, size_t cid_len, hosted_swap_fn done, void *ud)
{
	swant *w = calloc(1, sizeof *w);
	if (!w) return NET_BITSWAP_ERR_NOMEM;
	w->done = done;
	w->ud = ud;
	w->next = sw->wants;
	sw->wants = w;
	int rc = net_bitswap_client_want(sw->client, cid, cid_len, w, net_node_now_ms(sw->n));
	if (rc) {
		sw->wants = w->next;
		free(w);
		return rc;
	}
	if (!sw->tick) sw->tick = net_node_timer(sw->n, TICK_MS, on_tick, sw);
	return 0;
}

void hosted_swap_cancel(hosted_swap *sw, void *ud)
{
	for (swant **pp = &sw->wants; *pp; pp = &(*pp)->next) {
		swant *w = *pp;
		if (w->ud != ud) continue;
		*pp = w->next;
		net_bitswap_client_cancel(sw->client, w);
		free(w);
		return;
	}
}

const char *hosted_swap_notes(const hosted_swap *sw, void *ud)
{
	for (const swant *w = sw->wants; w; w = w->next)
		if (w->ud == ud) return net_bitswap_client_notes(sw->client, w);
	return NULL;
}

void hosted_swap_hold(hosted_swap *sw, bool hold)
{
	net_bitswap_client_hold(sw->client, hold, net_node_now_ms(sw->n));
}

size_t hosted_swap_peers(const hosted_swap *sw)
{
	size_t n = 0;
	for (const swap_peer *p = sw->peers; p; p = p->next) n += p->in_client;
	return n;
}

void hosted_swap_stats(const hosted_swap *sw, uint64_t *blocks, uint64_t *bytes)
{
	*blocks = sw->blocks;
	*bytes = sw->bytes;
}

net_node *hosted_swap_node(hosted_swap *sw)
{
	return sw->n;
}
