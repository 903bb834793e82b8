/* stream.c: streams on yamux (see node.h): multistream-select per stream, messages
 * with varint length prefixes, bytes queued until the remote's window opens, half
 * close and reset.
 *
 * A stream is ST_PENDING while its connection comes up, ST_NEGOTIATING until its
 * protocol is agreed (both bounded by one NET_TIMEOUT_MS deadline), ST_OPEN after,
 * and ST_DEAD once it ended (then it waits in the node's graveyard).  Bytes to send
 * go through one queue in order: our multistream messages first, then the caller's,
 * so a caller may write as soon as `opened` runs.
 */
#include "node_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varint.h"

static void negotiation_timeout(void *arg, uint64_t id)
{
	(void)id;
	net_stream *s = arg;
	net_node *n = s->n;
	node_enter(n);
	s->timer = 0;
	stream_end(s, NET_ETIMEDOUT, false);
	node_leave(n);
}

net_stream *stream_new(net_node *n, conn *c, const net_peerid *peer, bool inbound)
{
	net_stream *s = calloc(1, sizeof *s);
	if (!s) return NULL;
	s->n = n;
	s->c = c;
	s->peer = *peer;
	s->inbound = inbound;
	s->rmsg = SIZE_MAX;
	s->timer = net_node_timer(n, NET_TIMEOUT_MS, negotiation_timeout, s);
	if (!s->timer) {
		free(s);
		return NULL;
	}
	s->next = c->streams;
	c->streams = s;
	return s;
}

void stream_free(net_stream *s)
{
	free(s->rbuf);
	free(s->sbuf);
	free(s);
}

void stream_end(net_stream *s, int err, bool quiet)
{
	if (s->state == ST_DEAD) return;
	bool announced = s->state == ST_OPEN || !s->inbound;
	s->state = ST_DEAD;
	net_node_cancel(s->n, s->timer);
	s->timer = 0;
	conn *c = s->c;
	if (c) {
		if (s->id && c->yamux_up && net_yamux_stream_get(&c->y, s->id)) net_yamux_reset(&c->y, s->id);
		for (net_stream **pp = &c->streams; *pp; pp = &(*pp)->next) {
			if (*pp != s) continue;
			*pp = s->next;
			break;
		}
	}
	s->next = s->n->dead_streams;
	s->n->dead_streams = s;
	if (!quiet && announced && s->ops.closed) s->ops.closed(s->ud, s, err);
}

static net_stream *find(conn *c, uint32_t id)
{
	for (net_stream *s = c->streams; s; s = s->next)
		if (s->id == id && s->state != ST_DEAD) return s;
	return NULL;
}

/* Appends to the send queue; 0 or NET_EFULL / NET_ENOMEM. */
static int queue(net_stream *s, const uint8_t *p, size_t len)
{
	size_t waiting = s->slen - s->soff;
	if (waiting + len > NET_STREAM_MAX_QUEUE) return NET_EFULL;
	if (s->soff && s->slen + len > s->scap) {
		memmove(s->sbuf, s->sbuf + s->soff, waiting);
		s->slen = waiting;
		s->soff = 0;
	}
	if (s->slen + len > s->scap) {
		size_t cap = s->scap ? s->scap : 256;
		while (cap < s->slen + len) cap *= 2;
		uint8_t *b = realloc(s->sbuf, cap);
		if (!b) return NET_ENOMEM;
		s->sbuf = b;
		s->scap = cap;
	}
	memcpy(s->sbuf + s->slen, p, len);
	s->slen += len;
	return 0;
}

static void maybe_finish(net_stream *s)
{
	if (s->state != ST_DEAD && s->fin_sent && s->remote_closed) stream_end(s, 0, false);
}

/* Sends what the window allows; the FIN once the queue is empty and we closed. */
static void flush(net_stream *s)
{
	conn *c = s->c;
	if (s->state == ST_DEAD || !s->id || !c || c->state != C_OPEN) return;
	while (s->soff < s->slen) {
		long n = net_yamux_send(&c->y, s->id, s->sbuf + s->soff, s->slen - s->soff);
		if (n < 0) {
			stream_end(s, NET_ECLOSED, false);
			return;
		}
		if (n == 0) return; /* the window is shut: stream_writable resumes */
		s->soff += (size_t)n;
	}
	s->soff = s->slen = 0;
	if (s->local_closed && !s->fin_sent && s->state == ST_OPEN) {
		s->fin_sent = true;
		net_yamux_close(&c->y, s->id);
		maybe_finish(s);
	}
}

void stream_start(net_stream *s)
{
	conn *c = s->c;
	uint8_t out[NET_MSS_OUT_MAX];
	if (net_yamux_open(&c->y, &s->id) != 0) {
		s->id = 0;
		stream_end(s, NET_ELIMIT, false);
		return;
	}
	s->state = ST_NEGOTIATING;
	size_t k = net_mss_dialer(&s->mss, s->proto, out);
	/* our proposal goes before anything the caller queued */
	size_t waiting = s->slen - s->soff;
	if (queue(s, out, k) != 0) {
		stream_end(s, NET_ENOMEM, false);
		return;
	}
	if (waiting) {
		uint8_t *b = s->sbuf + s->soff;
		memmove(b + k, b, waiting);
		memcpy(b, out, k);
	}
	flush(s);
}

net_stream *stream_open_on(conn *c, const char *proto, const net_stream_ops *ops, void *ud, net_stream **out)
{
	net_stream *s = stream_new(c->n, c, &c->peer, false);
	if (!s) return NULL;
	snprintf(s->proto, sizeof s->proto, "%s", proto);
	s->ops = *ops;
	s->ud = ud;
	s->state = ST_PENDING;
	/* told before it starts: starting may already end it (its closed runs then) */
	if (out) *out = s;
	if (c->state == C_OPEN) stream_start(s);
	return s;
}

int net_stream_open(net_node *n, const net_peerid *peer, const char *protocol,
	const net_stream_ops *ops, void *ud, net_stream **out)
{
	size_t len = strlen(protocol);
	if (out) *out = NULL;
	if (!len || len > NET_PROTOCOL_MAX || memchr(protocol, '\n', len) || !ops->opened || !ops->received ||
		!ops->closed || net_peerid_equal(peer, &n->idn.id))
		return NET_EINVAL;
	node_enter(n);
	int err = 0;
	conn *c = node_conn_of_peer(n, peer, false);
	if (!c) {
		/* conn_dial is in node.c; connect makes one and we find it */
		err = net_node_connect(n, peer);
		c = err ? NULL : node_conn_of_peer(n, peer, false);
		if (!c && !err) err = NET_ECLOSED;
	}
	net_stream *s = c ? stream_open_on(c, protocol, ops, ud, out) : NULL;
	if (c && !s) err = NET_ENOMEM;
	node_leave(n);
	return err;
}

/* Bytes of an open stream: raw, or cut into messages. */
static void deliver(net_stream *s, const uint8_t *p, size_t len)
{
	if (s->ops.max_message == 0) {
		if (len) s->ops.received(s->ud, s, p, len);
		return;
	}
	while (len && s->state == ST_OPEN) {
		if (s->rmsg == SIZE_MAX) {
			/* the length prefix, a byte at a time (at most 10) */
			s->rhdr[s->rhlen++] = *p++;
			len--;
			uint64_t v;
			size_t k = wos_varint_get(s->rhdr, s->rhlen, &v);
			if (!k) {
				if (s->rhlen == sizeof s->rhdr || s->rhlen >= WOS_VARINT_MF_MAX) stream_end(s, NET_EPROTO, false);
				continue;
			}
			s->rhlen = 0;
			if (v > s->ops.max_message) {
				stream_end(s, NET_ETOOBIG, false);
				return;
			}
			s->rmsg = (size_t)v;
			s->rlen = 0;
		}
		size_t take = s->rmsg - s->rlen < len ? s->rmsg - s->rlen : len;
		/* the buffer grows with the bytes that came, not with the length announced:
		 * a remote that announces 4 MiB and sends 10 bytes costs 10 bytes */
		if (s->rlen + take > s->rcap) {
			size_t cap = s->rcap ? s->rcap : 1024;
			while (cap < s->rlen + take) cap *= 2;
			if (cap > s->rmsg) cap = s->rmsg;
			uint8_t *b = realloc(s->rbuf, cap);
			if (!b) {
				stream_end(s, NET_ENOMEM, false);
				return;
			}
			s->rbuf = b;
			s->rcap = cap;
		}
		if (take) memcpy(s->rbuf + s->rlen, p, take);
		s->rlen += take;
		p += take;
		len -= take;
		if (s->rlen == s->rmsg) {
			size_t m = s->rmsg;
			s->rmsg = SIZE_MAX;
			s->rlen = 0;
			s->ops.received(s->ud, s, s->rbuf ? s->rbuf : (const uint8_t *)"", m);
		}
	}
}

static void agreed(net_stream *s, const uint8_t *rest, size_t len)
{
	net_node_cancel(s->n, s->timer);
	s->timer = 0;
	s->state = ST_OPEN;
	s->ops.opened(s->ud, s);
	if (s->state == ST_OPEN) deliver(s, rest, len);
	if (s->state == ST_OPEN) flush(s);
	if (s->state == ST_OPEN && s->remote_closed) {
		/* the FIN came with the negotiation */
		if (s->ops.remote_closed) s->ops.remote_closed(s->ud, s);
		maybe_finish(s);
	}
}

void stream_data(conn *c, uint32_t id, const uint8_t *p, size_t len)
{
	net_stream *s = find(c, id);
	if (!s) return;
	if (s->state == ST_OPEN) {
		deliver(s, p, len);
		return;
	}
	uint8_t out[NET_MSS_OUT_MAX];
	while (s->state == ST_NEGOTIATING) {
		size_t used;
		int r = net_mss_input(&s->mss, p, len, &used);
		p += used;
		len -= used;
		if (r == NET_MSS_MORE) return;
		if (r == NET_MSS_PROPOSAL) {
			const handler *h = node_handler(s->n, s->mss.proto);
			if (!h) {
				if (queue(s, out, net_mss_refuse(&s->mss, out)) == 0) flush(s);
				continue;
			}
			memcpy(s->proto, s->mss.proto, sizeof s->proto);
			s->ops = h->ops;
			s->ud = h->ud;
			if (queue(s, out, net_mss_accept(&s->mss, out)) != 0) {
				stream_end(s, NET_ENOMEM, false);
				return;
			}
			flush(s);
			if (s->state != ST_NEGOTIATING) return;
			agreed(s, p, len);
			return;
		}
		if (r == NET_MSS_AGREED) {
			agreed(s, p, len);
			return;
		}
		stream_end(s, r == NET_MSS_REFUSED ? NET_ENOTSUP : NET_EPROTO, false);
	}
}

void stream_fin(conn *c, uint32_t id)
{
	net_stream *s = find(c, id);
	if (!s) return;
	s->remote_closed = true;
	if (s->state != ST_OPEN) {
		if (s->state == ST_NEGOTIATING) stream_end(s, NET_ECLOSED, false);
		return;
	}
	if (s->ops.remote_closed) s->ops.remote_closed(s->ud, s);
	maybe_finish(s);
}

void stream_reset_by_remote(conn *c, uint32_t id)
{
	net_stream *s = find(c, id);
	if (s) {
		s->id = 0; /* yamux forgot it already */
		stream_end(s, NET_ERESET, false);
	}
}

void stream_writable(conn *c, uint32_t id)
{
	net_stream *s = find(c, id);
	if (s) flush(s);
}

bool stream_incoming(conn *c, uint32_t id)
{
	uint8_t out[NET_MSS_OUT_MAX];
	net_stream *s = stream_new(c->n, c, &c->peer, true);
	if (!s) return false;
	s->id = id;
	s->state = ST_NEGOTIATING;
	if (queue(s, out, net_mss_listener(&s->mss, out)) != 0) {
		s->id = 0;
		stream_end(s, NET_ENOMEM, true);
		return false;
	}
	flush(s);
	return s->state != ST_DEAD;
}

/* ---- the API ---------------------------------------------------------------------------------- */

int net_stream_write(net_stream *s, const uint8_t *p, size_t len)
{
	if (s->state == ST_DEAD || s->local_closed) return NET_ECLOSED;
	size_t max = s->ops.max_message;
	if (max && len > max) return NET_ETOOBIG;
	uint8_t prefix[WOS_VARINT_MAX];
	size_t k = max ? wos_varint_put(prefix, len) : 0;
	if (s->slen - s->soff + k + len > NET_STREAM_MAX_QUEUE) return NET_EFULL;
	node_enter(s->n);
	int rc = queue(s, prefix, k);
	if (!rc && len) rc = queue(s, p, len);
	if (rc && k) stream_end(s, rc, false); /* half a message queued: the stream is lost */
	else if (!rc) flush(s);
	node_leave(s->n);
	return rc;
}

size_t net_stream_queued(const net_stream *s) { return s->slen - s->soff; }

void net_stream_close(net_stream *s)
{
	if (s->state == ST_DEAD || s->local_closed) return;
	node_enter(s->n);
	s->local_closed = true;
	if (s->state == ST_OPEN) flush(s);
	node_leave(s->n);
}

void net_stream_reset(net_stream *s)
{
	if (s->state == ST_DEAD) return;
	node_enter(s->n);
	stream_end(s, NET_ERESET, true);
	node_leave(s->n);
}

const net_peerid *net_stream_peer(const net_stream *s) { return &s->peer; }
const char *net_stream_protocol(const net_stream *s) { return s->proto; }
bool net_stream_inbound(const net_stream *s) { return s->inbound; }
void net_stream_set_ud(net_stream *s, void *ud) { s->ud = ud; }
void *net_stream_ud(const net_stream *s) { return s->ud; }
