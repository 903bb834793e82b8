/* identify.c: the two protocols every node serves: identify (/ipfs/id/1.0.0, and
 * /ipfs/id/push/1.0.0 received) and ping (/ipfs/ping/1.0.0); and our side of both.
 *
 * Identify {5 protocolVersion, 6 agentVersion, 1 publicKey, 2 listenAddrs,
 * 4 observedAddr, 3 protocols}: whoever opens the stream asks, the other writes one
 * message and closes.  We ask every peer as its connection opens; an answer whose
 * key is not the peer's (the one Noise authenticated) is ignored.  When a protocol
 * handler is added while connections are open, we push the new list to them.  Ping echoes 32-byte
 * chunks; net_node_ping measures one round trip.
 */
#include "node_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"

#define PROTOCOL_VERSION "ipfs/0.1.0"
#define PING_SIZE 32

/* ---- identify ----------------------------------------------------------------------------- */

static size_t write_identify(net_node *n, conn *c, uint8_t *out, size_t cap)
{
	uint8_t pk[NET_PUBKEY_PB_LEN];
	wos_pb_writer w;
	wos_pb_writer_init(&w, out, cap);
	wos_pb_put_string(&w, 5, PROTOCOL_VERSION);
	wos_pb_put_string(&w, 6, n->agent);
	net_pubkey_encode(n->idn.pk, pk);
	wos_pb_put_bytes(&w, 1, pk, sizeof pk);
	for (size_t i = 0; i < n->nlisten; i++) wos_pb_put_bytes(&w, 2, n->listen[i], n->listen_len[i]);
	if (c && c->remote_len) wos_pb_put_bytes(&w, 4, c->remote, c->remote_len);
	for (size_t i = 0; i < n->nhandlers; i++) wos_pb_put_string(&w, 3, n->handlers[i].proto);
	long len = wos_pb_writer_finish(&w);
	return len < 0 ? (size_t)w.len : (size_t)len;
}

/* An identify message from the peer of s: its addresses and protocols. */
static void read_identify(net_stream *s, const uint8_t *p, size_t len)
{
	net_node *n = s->n;
	wos_pb_reader r;
	wos_pb_field f;
	int rc;
	/* first pass: the key must be the peer's, and the message well formed */
	bool key_ok = false;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		uint8_t pk[32];
		net_peerid id;
		if (f.num == 1 && f.wire == WOS_PB_BYTES && net_pubkey_decode(f.bytes, f.len, pk) == 0) {
			net_peerid_from_pubkey(&id, pk);
			key_ok = net_peerid_equal(&id, &s->peer);
		}
	}
	if (rc < 0 || !key_ok) return;
	peer *pr = node_peer(n, &s->peer, true);
	if (!pr) return;
	char *list = malloc(len + 1);
	size_t used = 0, count = 0;
	if (!list) return;
	wos_pb_reader_init(&r, p, len);
	while (wos_pb_next(&r, &f) == 1) {
		if (f.num == 2 && f.wire == WOS_PB_BYTES && net_maddr_valid(f.bytes, f.len))
			net_node_add_addr(n, &s->peer, f.bytes, f.len);
		if (f.num == 3 && f.wire == WOS_PB_BYTES && f.len && f.len <= NET_PROTOCOL_MAX &&
			!memchr(f.bytes, 0, f.len) && count < NET_MAX_PROTOCOLS) {
			memcpy(list + used, f.bytes, f.len);
			used += f.len;
			list[used++] = 0;
			count++;
		}
	}
	free(pr->protocols);
	pr->protocols = list;
	pr->protocols_len = used;
	pr->identified = true;
	node_peer_event(n, &s->peer, NET_PEER_IDENTIFIED, 0);
}

static void serve_opened(void *ud, net_stream *s)
{
	net_node *n = ud;
	size_t need = write_identify(n, s->c, NULL, 0);
	uint8_t *msg = malloc(need);
	if (!msg) {
		net_stream_reset(s);
		return;
	}
	write_identify(n, s->c, msg, need);
	if (net_stream_write(s, msg, need) == 0) net_stream_close(s);
	free(msg);
}

static void ignore(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	(void)ud;
	(void)s;
	(void)p;
	(void)len;
}

static void nothing(void *ud, net_stream *s, int err)
{
	(void)ud;
	(void)s;
	(void)err;
}

static void push_opened(void *ud, net_stream *s)
{
	(void)ud;
	net_stream_close(s); /* we only listen */
}

static void got_identify(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	(void)ud;
	read_identify(s, p, len);
}

static const net_stream_ops SERVE_OPS = { serve_opened, ignore, NULL, nothing, NET_IDENTIFY_MAX };
static const net_stream_ops PUSH_OPS = { push_opened, got_identify, NULL, nothing, NET_IDENTIFY_MAX };
/* asking: we write nothing, so close our side at once, and read the answer */
static const net_stream_ops ASK_OPS = { push_opened, got_identify, NULL, nothing, NET_IDENTIFY_MAX };

void identify_ask(conn *c)
{
	stream_open_on(c, PROTO_ID, &ASK_OPS, c->n, NULL);
}

void identify_push_all(net_node *n)
{
	/* the same message as an answer, on a stream we open; a peer without push says
	 * "na" and that stream just ends */
	for (conn *c = n->conns; c; c = c->next)
		if (c->state == C_OPEN) stream_open_on(c, PROTO_ID_PUSH, &SERVE_OPS, n, NULL);
}

/* ---- ping: serving ----------------------------------------------------------------------- */

static void echo(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	(void)ud;
	if (net_stream_write(s, p, len) != 0) net_stream_reset(s);
}

static void echo_done(void *ud, net_stream *s)
{
	(void)ud;
	net_stream_close(s);
}

static void echo_opened(void *ud, net_stream *s)
{
	(void)ud;
	(void)s;
}

static const net_stream_ops ECHO_OPS = { echo_opened, echo, echo_done, nothing, 0 };

int identify_register(net_node *n)
{
	if (net_node_handle(n, PROTO_ID, &SERVE_OPS, n) || net_node_handle(n, PROTO_ID_PUSH, &PUSH_OPS, n) ||
		net_node_handle(n, PROTO_PING, &ECHO_OPS, n))
		return -1;
	return 0;
}

/* ---- ping: asking ------------------------------------------------------------------------- */

typedef struct pinger {
	net_node *n;
	net_peerid peer;
	net_ping_fn fn;
	void *ud;
	net_stream *s;
	uint64_t timer, start;
	uint8_t sent[PING_SIZE], got[PING_SIZE];
	size_t glen;
} pinger;

static void ping_done(pinger *pg, int err)
{
	net_node_cancel(pg->n, pg->timer);
	if (pg->s) net_stream_reset(pg->s);
	uint64_t rtt = net_node_now_ms(pg->n) - pg->start;
	pg->fn(pg->ud, &pg->peer, err, err ? 0 : rtt);
	free(pg);
}

static void ping_timeout(void *arg, uint64_t id)
{
	(void)id;
	pinger *pg = arg;
	net_node *n = pg->n;
	node_enter(n);
	pg->timer = 0;
	ping_done(pg, NET_ETIMEDOUT);
	node_leave(n);
}

static void ping_opened(void *ud, net_stream *s)
{
	pinger *pg = ud;
	pg->start = net_node_now_ms(pg->n);
	if (net_stream_write(s, pg->sent, PING_SIZE) != 0) ping_done(pg, NET_ECLOSED);
}

static void ping_received(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	(void)s;
	pinger *pg = ud;
	if (len > PING_SIZE - pg->glen) {
		ping_done(pg, NET_EPROTO);
		return;
	}
	memcpy(pg->got + pg->glen, p, len);
	pg->glen += len;
	if (pg->glen == PING_SIZE) ping_done(pg, memcmp(pg->got, pg->sent, PING_SIZE) ? NET_EPROTO : 0);
}

static void ping_closed(void *ud, net_stream *s, int err)
{
	(void)s;
	pinger *pg = ud;
	pg->s = NULL; /* it is going away by itself */
	ping_done(pg, err ? err : NET_ECLOSED);
}

static const net_stream_ops PING_OPS = { ping_opened, ping_received, NULL, ping_closed, 0 };

int net_node_ping(net_node *n, const net_peerid *peer, net_ping_fn fn, void *ud)
{
	pinger *pg = calloc(1, sizeof *pg);
	if (!pg) return NET_ENOMEM;
	pg->n = n;
	pg->peer = *peer;
	pg->fn = fn;
	pg->ud = ud;
	randombytes_buf(pg->sent, PING_SIZE);
	pg->start = net_node_now_ms(n);
	pg->timer = net_node_timer(n, NET_TIMEOUT_MS, ping_timeout, pg);
	if (!pg->timer) {
		free(pg);
		return NET_ENOMEM;
	}
	int rc = net_stream_open(n, peer, PROTO_PING, &PING_OPS, pg, &pg->s);
	if (rc) {
		net_node_cancel(n, pg->timer);
		free(pg);
	}
	return rc;
}
