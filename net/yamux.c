/* yamux.c: the yamux multiplexer (see yamux.h). */
#include "yamux.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int frame(net_yamux *y, uint8_t type, uint16_t flags, uint32_t id, uint32_t length,
	const uint8_t *payload, size_t plen)
{
	if (y->dead && type != NET_YAMUX_GO_AWAY) return NET_YAMUX_ECLOSED;
	uint8_t h[12];
	h[0] = 0;
	h[1] = type;
	h[2] = (uint8_t)(flags >> 8);
	h[3] = (uint8_t)flags;
	put32(h + 4, id);
	put32(h + 8, length);
	if (y->ops.output(y->ud, h, payload, plen) != 0) {
		y->dead = true;
		return NET_YAMUX_ECLOSED;
	}
	return 0;
}

int net_yamux_init(net_yamux *y, bool client, uint32_t max_streams, const net_yamux_ops *ops, void *ud)
{
	memset(y, 0, sizeof *y);
	y->streams = calloc(max_streams, sizeof *y->streams);
	if (!y->streams) return NET_YAMUX_ENOMEM;
	y->client = client;
	y->ops = *ops;
	y->ud = ud;
	y->max_streams = max_streams;
	y->next_id = client ? 1 : 2;
	return 0;
}

void net_yamux_free(net_yamux *y)
{
	free(y->streams);
	y->streams = NULL;
}

net_yamux_stream *net_yamux_stream_get(net_yamux *y, uint32_t id)
{
	if (id == 0) return NULL;
	for (uint32_t i = 0; i < y->max_streams; i++)
		if (y->streams[i].id == id) return &y->streams[i];
	return NULL;
}

static net_yamux_stream *add_stream(net_yamux *y, uint32_t id)
{
	for (uint32_t i = 0; i < y->max_streams; i++) {
		net_yamux_stream *s = &y->streams[i];
		if (s->id) continue;
		s->id = id;
		s->send_window = NET_YAMUX_WINDOW;
		s->recv_window = NET_YAMUX_WINDOW;
		s->recv_unacked = 0;
		s->local_fin = s->remote_fin = false;
		y->nstreams++;
		return s;
	}
	return NULL;
}

static void forget(net_yamux *y, net_yamux_stream *s)
{
	s->id = 0;
	y->nstreams--;
}

static int protocol_error(net_yamux *y, const char *why)
{
	if (!y->dead) {
		y->why = why;
		frame(y, NET_YAMUX_GO_AWAY, 0, 0, 1, NULL, 0);
		y->dead = true;
	}
	return NET_YAMUX_EPROTO;
}

int net_yamux_open(net_yamux *y, uint32_t *id)
{
	if (y->dead || y->remote_going_away) return NET_YAMUX_ECLOSED;
	if (y->nstreams >= y->max_streams) return NET_YAMUX_ELIMIT;
	if (y->next_id > UINT32_MAX - 2) return NET_YAMUX_ELIMIT; /* ids are not reused */
	net_yamux_stream *s = add_stream(y, y->next_id);
	y->next_id += 2;
	*id = s->id;
	return frame(y, NET_YAMUX_WINDOW_UPDATE, NET_YAMUX_SYN, s->id, 0, NULL, 0);
}

long net_yamux_send(net_yamux *y, uint32_t id, const uint8_t *p, size_t len)
{
	net_yamux_stream *s = net_yamux_stream_get(y, id);
	if (!s || s->local_fin || y->dead) return NET_YAMUX_ECLOSED;
	size_t sent = 0;
	while (sent < len && s->send_window > 0) {
		size_t n = len - sent;
		if (n > s->send_window) n = s->send_window;
		if (n > NET_YAMUX_CHUNK) n = NET_YAMUX_CHUNK;
		int rc = frame(y, NET_YAMUX_DATA, 0, id, (uint32_t)n, p + sent, n);
		if (rc) return rc;
		s->send_window -= (uint32_t)n;
		sent += n;
	}
	return (long)sent;
}

static void maybe_forget(net_yamux *y, net_yamux_stream *s)
{
	if (s->local_fin && s->remote_fin) forget(y, s);
}

int net_yamux_close(net_yamux *y, uint32_t id)
{
	net_yamux_stream *s = net_yamux_stream_get(y, id);
	if (!s || s->local_fin) return NET_YAMUX_ECLOSED;
	s->local_fin = true;
	int rc = frame(y, NET_YAMUX_WINDOW_UPDATE, NET_YAMUX_FIN, id, 0, NULL, 0);
	maybe_forget(y, s);
	return rc;
}

void net_yamux_reset(net_yamux *y, uint32_t id)
{
	net_yamux_stream *s = net_yamux_stream_get(y, id);
	if (!s) return;
	forget(y, s);
	frame(y, NET_YAMUX_WINDOW_UPDATE, NET_YAMUX_RST, id, 0, NULL, 0);
}

int net_yamux_ping(net_yamux *y, uint32_t value)
{
	return frame(y, NET_YAMUX_PING, NET_YAMUX_SYN, 0, value, NULL, 0);
}

void net_yamux_go_away(net_yamux *y, uint32_t code)
{
	if (y->dead) return;
	frame(y, NET_YAMUX_GO_AWAY, 0, 0, code, NULL, 0);
	y->dead = true;
}

/* The remote's flags on a stream frame: SYN opens, ACK accepts, FIN, RST.  Returns 0,
 * 1 when the stream is gone (reset or refused), or a negative error. */
static int stream_flags(net_yamux *y, uint16_t flags, uint32_t id, net_yamux_stream **sp)
{
	net_yamux_stream *s = net_yamux_stream_get(y, id);
	if (flags & NET_YAMUX_SYN) {
		if (s) return protocol_error(y, "yamux: SYN for a stream that is open");
		if ((id & 1) == (y->client ? 1u : 0u)) return protocol_error(y, "yamux: SYN with our parity of ids");
		if (y->nstreams >= y->max_streams || y->remote_going_away) {
			frame(y, NET_YAMUX_WINDOW_UPDATE, NET_YAMUX_RST, id, 0, NULL, 0);
			*sp = NULL;
			return 1;
		}
		/* acknowledged first, so anything the callback sends on it comes after */
		s = add_stream(y, id);
		frame(y, NET_YAMUX_WINDOW_UPDATE, NET_YAMUX_ACK, id, 0, NULL, 0);
		if (!y->ops.incoming(y->ud, id)) {
			net_yamux_reset(y, id);
			*sp = NULL;
			return 1;
		}
		/* the callback may have reset it already */
		s = net_yamux_stream_get(y, id);
	}
	if (!s) {
		/* a frame for a stream we forgot (reset, or closed both ways): a race the
		 * spec allows; drop it */
		*sp = NULL;
		return 1;
	}
	if (flags & NET_YAMUX_RST) {
		forget(y, s);
		y->ops.reset(y->ud, id);
		*sp = NULL;
		return 1;
	}
	*sp = s;
	return 0;
}

static void remote_fin(net_yamux *y, net_yamux_stream *s)
{
	if (s->remote_fin) return;
	uint32_t id = s->id;
	s->remote_fin = true;
	maybe_forget(y, s);
	y->ops.fin(y->ud, id);
}

/* A whole header arrived. */
static int header(net_yamux *y)
{
	const uint8_t *h = y->hdr;
	uint8_t type = h[1];
	uint16_t flags = (uint16_t)(h[2] << 8 | h[3]);
	uint32_t id = get32(h + 4), length = get32(h + 8);
	if (h[0] != 0) return protocol_error(y, "yamux: unknown version");
	if (type > NET_YAMUX_GO_AWAY) return protocol_error(y, "yamux: unknown frame type");
	if (type == NET_YAMUX_PING || type == NET_YAMUX_GO_AWAY) {
		if (id != 0) return protocol_error(y, "yamux: session frame on a stream");
		if (type == NET_YAMUX_GO_AWAY) {
			y->remote_going_away = true;
			if (y->ops.go_away) y->ops.go_away(y->ud, length);
			return 0;
		}
		if (flags & NET_YAMUX_SYN) return frame(y, NET_YAMUX_PING, NET_YAMUX_ACK, 0, length, NULL, 0);
		if ((flags & NET_YAMUX_ACK) && y->ops.pong) y->ops.pong(y->ud, length);
		return 0;
	}
	if (id == 0) return protocol_error(y, "yamux: stream frame on the session id");
	net_yamux_stream *s;
	int rc = stream_flags(y, flags, id, &s);
	if (rc < 0) return rc;
	if (type == NET_YAMUX_WINDOW_UPDATE) {
		if (!s) return 0;
		if (length > UINT32_MAX - s->send_window) return protocol_error(y, "yamux: window past 2^32");
		s->send_window += length;
		bool fin = flags & NET_YAMUX_FIN;
		if (length && !s->local_fin) y->ops.writable(y->ud, id);
		s = net_yamux_stream_get(y, id); /* the callback may have reset it */
		if (fin && s) remote_fin(y, s);
		return 0;
	}
	/* Data: the payload follows */
	if (s) {
		if (s->remote_fin && length) return protocol_error(y, "yamux: data after FIN");
		if (length > s->recv_window) return protocol_error(y, "yamux: data past the window");
		s->recv_window -= length;
	}
	y->data_left = length;
	y->data_id = s ? id : 0;
	y->data_fin = s && (flags & NET_YAMUX_FIN);
	return 0;
}

/* Payload of the current Data frame is complete: window update, FIN. */
static int data_done(net_yamux *y)
{
	net_yamux_stream *s = net_yamux_stream_get(y, y->data_id);
	y->data_id = 0;
	if (!s) return 0;
	/* give the window back once half of it was delivered */
	if (s->recv_unacked >= NET_YAMUX_WINDOW / 2 && !s->remote_fin) {
		uint32_t delta = s->recv_unacked;
		s->recv_unacked = 0;
		s->recv_window += delta;
		int rc = frame(y, NET_YAMUX_WINDOW_UPDATE, 0, s->id, delta, NULL, 0);
		if (rc) return rc;
	}
	if (y->data_fin) remote_fin(y, s);
	return 0;
}

int net_yamux_input(net_yamux *y, const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		if (y->dead) return y->why ? NET_YAMUX_EPROTO : NET_YAMUX_ECLOSED;
		if (y->data_left > 0) {
			size_t n = len - off < y->data_left ? len - off : y->data_left;
			y->data_left -= (uint32_t)n;
			net_yamux_stream *s = net_yamux_stream_get(y, y->data_id);
			if (s) {
				s->recv_unacked += (uint32_t)n;
				y->ops.data(y->ud, y->data_id, p + off, n);
			}
			off += n;
			if (y->data_left == 0) {
				int rc = data_done(y);
				if (rc) return rc;
			}
			continue;
		}
		size_t n = 12 - y->hlen;
		if (n > len - off) n = len - off;
		memcpy(y->hdr + y->hlen, p + off, n);
		y->hlen += (uint8_t)n;
		off += n;
		if (y->hlen < 12) break;
		y->hlen = 0;
		int rc = header(y);
		if (rc) return rc;
		if (y->data_left == 0 && y->hdr[1] == NET_YAMUX_DATA) {
			rc = data_done(y);
			if (rc) return rc;
		}
	}
	return y->dead && y->why ? NET_YAMUX_EPROTO : 0;
}
