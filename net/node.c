/* node.c: a libp2p node: peers, protocol handlers, and connections from the first
 * byte to an open yamux session (see node.h; streams are in stream.c, identify and
 * ping in identify.c).
 *
 * A connection climbs C_DIALING -> C_MSS_NOISE -> C_NOISE -> C_MSS_YAMUX -> C_OPEN;
 * until C_OPEN it has a deadline (NET_TIMEOUT_MS), and any failure on the way, or a
 * protocol error later, ends it: its streams are closed with the reason, the platform
 * closes the socket, and the peer's watchers hear of it.  A dial that fails tries the
 * peer's next known address before giving up.
 */
#include "node_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_NOISE "/noise"
#define PROTO_YAMUX "/yamux/1.0.0"

const char *net_error_text(int code)
{
	switch (code) {
	case NET_OK: return "ok";
	case NET_ENOMEM: return "out of memory";
	case NET_EINVAL: return "bad argument";
	case NET_ETIMEDOUT: return "timed out";
	case NET_ECLOSED: return "connection closed";
	case NET_ERESET: return "stream reset by the peer";
	case NET_ENOTSUP: return "protocol not supported by the peer";
	case NET_EPROTO: return "protocol error";
	case NET_ENOADDR: return "no address known for the peer";
	case NET_EFULL: return "too many bytes waiting to be sent";
	case NET_ETOOBIG: return "message too long";
	case NET_EPEERID: return "the remote is not the peer dialled";
	case NET_ELIMIT: return "too many connections, streams or handlers";
	case NET_EDIAL: return "cannot connect";
	case NET_ECRYPTO: return "secure handshake or decryption failed";
	default: return "unknown error";
	}
}

/* ---- entry and the graveyard ------------------------------------------------------------ */

void node_enter(net_node *n) { n->depth++; }

static void conn_free(conn *c)
{
	if (c->yamux_up) net_yamux_free(&c->y);
	if (c->noise) {
		net_noise_wipe(c->noise);
		free(c->noise);
	}
	free(c);
}

void node_leave(net_node *n)
{
	if (--n->depth > 0) return;
	while (n->dead_streams) {
		net_stream *s = n->dead_streams;
		n->dead_streams = s->next;
		stream_free(s);
	}
	while (n->dead_conns) {
		conn *c = n->dead_conns;
		n->dead_conns = c->next;
		conn_free(c);
	}
}

/* ---- the node ------------------------------------------------------------------------------ */

net_node *net_node_new(const net_platform *plat, const uint8_t seed[32], const char *agent)
{
	net_node *n = calloc(1, sizeof *n);
	if (!n) return NULL;
	n->plat = *plat;
	net_identity_from_seed(&n->idn, seed);
	snprintf(n->agent, sizeof n->agent, "%s", agent ? agent : "wasmos");
	if (identify_register(n) != 0) {
		free(n);
		return NULL;
	}
	return n;
}

void net_node_free(net_node *n)
{
	if (!n) return;
	node_enter(n);
	while (n->conns) node_conn_fail(n->conns, NET_ECLOSED);
	node_leave(n);
	while (n->peers) {
		peer *p = n->peers;
		n->peers = p->next;
		free(p->protocols);
		free(p);
	}
	sodium_memzero(&n->idn, sizeof n->idn);
	free(n);
}

const net_peerid *net_node_peerid(const net_node *n) { return &n->idn.id; }

int net_node_add_listen_addr(net_node *n, const uint8_t *maddr, size_t len)
{
	if (!net_maddr_valid(maddr, len)) return NET_EINVAL;
	if (n->nlisten == NET_MAX_ADDRS) return NET_ELIMIT;
	memcpy(n->listen[n->nlisten], maddr, len);
	n->listen_len[n->nlisten++] = len;
	return 0;
}

const uint8_t *net_node_listen_addr(const net_node *n, size_t i, size_t *len)
{
	if (i >= n->nlisten) return NULL;
	*len = n->listen_len[i];
	return n->listen[i];
}

uint64_t net_node_timer(net_node *n, uint64_t delay_ms, net_timer_fn fn, void *arg)
{
	return n->plat.timer(n->plat.ud, n->plat.now_ms(n->plat.ud) + delay_ms, fn, arg);
}

void net_node_cancel(net_node *n, uint64_t id)
{
	if (id) n->plat.cancel(n->plat.ud, id);
}

uint64_t net_node_now_ms(const net_node *n) { return n->plat.now_ms(n->plat.ud); }

int net_node_handle(net_node *n, const char *protocol, const net_stream_ops *ops, void *ud)
{
	size_t len = strlen(protocol);
	if (!len || len > NET_PROTOCOL_MAX || !ops->opened || !ops->received || !ops->closed) return NET_EINVAL;
	for (size_t i = 0; i < n->nhandlers; i++) {
		if (strcmp(n->handlers[i].proto, protocol)) continue;
		n->handlers[i].ops = *ops;
		n->handlers[i].ud = ud;
		return 0;
	}
	if (n->nhandlers == NET_MAX_HANDLERS) return NET_ELIMIT;
	handler *h = &n->handlers[n->nhandlers++];
	memcpy(h->proto, protocol, len + 1);
	h->ops = *ops;
	h->ud = ud;
	/* peers already connected learn of it (identify push) */
	node_enter(n);
	identify_push_all(n);
	node_leave(n);
	return 0;
}

const handler *node_handler(net_node *n, const char *proto)
{
	for (size_t i = 0; i < n->nhandlers; i++)
		if (!strcmp(n->handlers[i].proto, proto)) return &n->handlers[i];
	return NULL;
}

int net_node_watch_peers(net_node *n, net_peer_fn fn, void *ud)
{
	if (n->nwatchers == NET_MAX_HANDLERS) return NET_ELIMIT;
	n->watchers[n->nwatchers].fn = fn;
	n->watchers[n->nwatchers++].ud = ud;
	return 0;
}

void node_peer_event(net_node *n, const net_peerid *id, enum net_peer_event ev, int err)
{
	net_peerid copy = *id; /* the connection holding id may die in a watcher */
	for (size_t i = 0; i < n->nwatchers; i++) n->watchers[i].fn(n->watchers[i].ud, &copy, ev, err);
}

/* ---- peers --------------------------------------------------------------------------------- */

peer *node_peer(net_node *n, const net_peerid *id, bool create)
{
	for (peer *p = n->peers; p; p = p->next)
		if (net_peerid_equal(&p->id, id)) return p;
	if (!create || n->npeers >= NET_MAX_PEERS) return NULL;
	peer *p = calloc(1, sizeof *p);
	if (!p) return NULL;
	p->id = *id;
	p->next = n->peers;
	n->peers = p;
	n->npeers++;
	return p;
}

int net_node_add_addr(net_node *n, const net_peerid *id, const uint8_t *maddr, size_t len)
{
	net_peerid in;
	size_t prefix;
	int has = net_maddr_split_peer(maddr, len, &in, &prefix);
	if (has < 0) return NET_EINVAL;
	if (has == 1) {
		if (!net_peerid_equal(&in, id)) return NET_EINVAL;
		len = prefix;
	}
	if (len == 0) return NET_EINVAL;
	peer *p = node_peer(n, id, true);
	if (!p) return p == NULL && n->npeers >= NET_MAX_PEERS ? NET_ELIMIT : NET_ENOMEM;
	for (size_t i = 0; i < p->naddrs; i++)
		if (p->addr_len[i] == len && !memcmp(p->addr[i], maddr, len)) return 0;
	if (p->naddrs == NET_MAX_ADDRS) {
		/* drop the oldest */
		memmove(p->addr[0], p->addr[1], sizeof p->addr[0] * (NET_MAX_ADDRS - 1));
		memmove(p->addr_len, p->addr_len + 1, sizeof p->addr_len[0] * (NET_MAX_ADDRS - 1));
		p->naddrs--;
	}
	memcpy(p->addr[p->naddrs], maddr, len);
	p->addr_len[p->naddrs++] = len;
	return 0;
}

const uint8_t *net_node_peer_addr(const net_node *n, const net_peerid *id, size_t i, size_t *len)
{
	peer *p = node_peer((net_node *)n, id, false);
	if (!p || i >= p->naddrs) return NULL;
	*len = p->addr_len[i];
	return p->addr[i];
}

bool net_node_peer_speaks(const net_node *n, const net_peerid *id, const char *protocol)
{
	peer *p = node_peer((net_node *)n, id, false);
	if (!p || !p->protocols) return false;
	for (size_t off = 0; off < p->protocols_len; off += strlen(p->protocols + off) + 1)
		if (!strcmp(p->protocols + off, protocol)) return true;
	return false;
}

const char *net_node_peer_protocol(const net_node *n, const net_peerid *id, size_t i)
{
	peer *p = node_peer((net_node *)n, id, false);
	if (!p || !p->protocols) return NULL;
	for (size_t off = 0; off < p->protocols_len; off += strlen(p->protocols + off) + 1)
		if (i-- == 0) return p->protocols + off;
	return NULL;
}

/* ---- connections --------------------------------------------------------------------------- */

conn *node_conn_of_peer(net_node *n, const net_peerid *id, bool open_only)
{
	conn *best = NULL;
	for (conn *c = n->conns; c; c = c->next) {
		if (c->state == C_DEAD || !c->have_peer || !net_peerid_equal(&c->peer, id)) continue;
		if (c->state == C_OPEN) return c;
		if (!open_only && !best) best = c;
	}
	return best;
}

bool net_node_is_connected(const net_node *n, const net_peerid *id)
{
	return node_conn_of_peer((net_node *)n, id, true) != NULL;
}

static conn *conn_by_handle(net_node *n, uint64_t handle)
{
	for (conn *c = n->conns; c; c = c->next)
		if (c->handle == handle && c->state != C_DEAD) return c;
	return NULL;
}

static void handshake_timeout(void *arg, uint64_t id)
{
	(void)id;
	conn *c = arg;
	net_node *n = c->n;
	node_enter(n);
	c->timer = 0;
	node_conn_fail(c, NET_ETIMEDOUT);
	node_leave(n);
}

static conn *conn_new(net_node *n, bool inbound)
{
	if (n->nconns >= NET_MAX_CONNS) return NULL;
	conn *c = calloc(1, sizeof *c);
	if (!c) return NULL;
	c->n = n;
	c->inbound = inbound;
	c->timer = net_node_timer(n, NET_TIMEOUT_MS, handshake_timeout, c);
	if (!c->timer) {
		free(c);
		return NULL;
	}
	c->next = n->conns;
	n->conns = c;
	n->nconns++;
	return c;
}

static void conn_unlink(conn *c)
{
	net_node *n = c->n;
	for (conn **pp = &n->conns; *pp; pp = &(*pp)->next) {
		if (*pp != c) continue;
		*pp = c->next;
		n->nconns--;
		break;
	}
	c->next = n->dead_conns;
	n->dead_conns = c;
}

/* Dials the peer's addresses from c->next_addr on; 0, or NET_E* when none starts. */
static int conn_dial_next(conn *c)
{
	net_node *n = c->n;
	peer *p = node_peer(n, &c->peer, false);
	int err = NET_ENOADDR;
	while (p && c->next_addr < p->naddrs) {
		size_t i = c->next_addr++;
		int64_t h = n->plat.dial(n->plat.ud, p->addr[i], p->addr_len[i]);
		if (h > 0) {
			c->handle = (uint64_t)h;
			memcpy(c->remote, p->addr[i], p->addr_len[i]);
			c->remote_len = p->addr_len[i];
			return 0;
		}
		err = (int)h;
	}
	return err;
}

/* Starts a connection to a peer (C_DIALING); NULL with *err when it cannot. */
static conn *conn_dial(net_node *n, const net_peerid *id, int *err)
{
	conn *c = conn_new(n, false);
	if (!c) {
		*err = n->nconns >= NET_MAX_CONNS ? NET_ELIMIT : NET_ENOMEM;
		return NULL;
	}
	c->have_peer = true;
	c->peer = *id;
	c->state = C_DIALING;
	*err = conn_dial_next(c);
	if (*err) {
		net_node_cancel(n, c->timer);
		c->timer = 0;
		c->state = C_DEAD;
		conn_unlink(c);
		return NULL;
	}
	return c;
}

int net_node_connect(net_node *n, const net_peerid *id)
{
	if (net_peerid_equal(id, &n->idn.id)) return NET_EINVAL;
	if (node_conn_of_peer(n, id, false)) return 0;
	int err;
	node_enter(n);
	conn_dial(n, id, &err);
	node_leave(n);
	return err;
}

/* The connection is down (or failed to come up): everything on it ends. */
static void conn_down(conn *c, int err, bool close_transport)
{
	net_node *n = c->n;
	if (c->state == C_DEAD) return;
	bool was_open = c->state == C_OPEN;
	c->state = C_DEAD;
	net_node_cancel(n, c->timer);
	c->timer = 0;
	if (close_transport && c->handle) n->plat.close(n->plat.ud, c->handle);
	while (c->streams) stream_end(c->streams, err, false);
	conn_unlink(c);
	if (!c->have_peer) return;
	if (was_open && !node_conn_of_peer(n, &c->peer, true))
		node_peer_event(n, &c->peer, NET_PEER_DISCONNECTED, err);
	else if (!was_open && !c->inbound)
		node_peer_event(n, &c->peer, NET_PEER_FAILED, err);
}

void node_conn_fail(conn *c, int err)
{
	if (c->state == C_OPEN && c->yamux_up) net_yamux_go_away(&c->y, err == NET_EPROTO ? 1 : 0);
	conn_down(c, err, true);
}

/* ---- sending ------------------------------------------------------------------------------- */

static int send_raw(conn *c, const uint8_t *p, size_t len)
{
	if (!len) return 0;
	if (c->state == C_DEAD) return NET_ECLOSED;
	int rc = c->n->plat.send(c->n->plat.ud, c->handle, p, len);
	if (rc) conn_down(c, NET_ECLOSED, true); /* no Go Away: it could not be sent either */
	return rc;
}

int node_conn_send(conn *c, const uint8_t *p, size_t len)
{
	net_node *n = c->n;
	if (c->state == C_DEAD) return NET_ECLOSED;
	while (len) {
		size_t chunk = len < NET_NOISE_PLAIN_MAX ? len : NET_NOISE_PLAIN_MAX;
		size_t w = net_noise_seal(c->noise, p, chunk, n->sealed);
		int rc = send_raw(c, n->sealed, w);
		if (rc) return NET_ECLOSED;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* yamux's frames leave through Noise, one frame per Noise message. */
static int yamux_output(void *ud, const uint8_t *hdr, const uint8_t *payload, size_t plen)
{
	conn *c = ud;
	net_node *n = c->n;
	memcpy(n->plain, hdr, 12);
	if (plen) memcpy(n->plain + 12, payload, plen);
	return node_conn_send(c, n->plain, 12 + plen) ? -1 : 0;
}

static bool y_incoming(void *ud, uint32_t id) { return stream_incoming(ud, id); }
static void y_data(void *ud, uint32_t id, const uint8_t *p, size_t len) { stream_data(ud, id, p, len); }
static void y_fin(void *ud, uint32_t id) { stream_fin(ud, id); }
static void y_reset(void *ud, uint32_t id) { stream_reset_by_remote(ud, id); }
static void y_writable(void *ud, uint32_t id) { stream_writable(ud, id); }
static void y_go_away(void *ud, uint32_t code)
{
	(void)ud;
	(void)code; /* the remote opens no more streams; ours end as they end */
}

static const net_yamux_ops YAMUX_OPS = { y_incoming, y_data, y_fin, y_reset, y_writable, NULL, y_go_away,
	yamux_output };

/* ---- the upgrade ---------------------------------------------------------------------------- */

static void conn_open(conn *c)
{
	net_node *n = c->n;
	if (net_yamux_init(&c->y, !c->inbound, NET_MAX_STREAMS, &YAMUX_OPS, c) != 0) {
		node_conn_fail(c, NET_ENOMEM);
		return;
	}
	c->yamux_up = true;
	net_node_cancel(n, c->timer);
	c->timer = 0;
	c->state = C_OPEN;
	/* the first open connection to this peer tells the watchers */
	bool first = true;
	for (conn *o = n->conns; o; o = o->next)
		if (o != c && o->state == C_OPEN && net_peerid_equal(&o->peer, &c->peer)) first = false;
	for (net_stream *s = c->streams, *next; s; s = next) {
		next = s->next;
		if (s->state == ST_PENDING) stream_start(s);
	}
	if (c->state != C_OPEN) return;
	if (first) node_peer_event(n, &c->peer, NET_PEER_CONNECTED, 0);
	if (c->state == C_OPEN) identify_ask(c);
}

static void noise_done(conn *c)
{
	uint8_t out[NET_MSS_OUT_MAX];
	c->peer = c->noise->remote;
	c->have_peer = true;
	if (net_peerid_equal(&c->peer, &c->n->idn.id)) {
		node_conn_fail(c, NET_EPEERID); /* ourselves */
		return;
	}
	c->state = C_MSS_YAMUX;
	size_t k = c->inbound ? net_mss_listener(&c->mss, out) : net_mss_dialer(&c->mss, PROTO_YAMUX, out);
	node_conn_send(c, out, k);
}

/* Plaintext from the secure channel. */
static void conn_plain(conn *c, const uint8_t *p, size_t len)
{
	uint8_t out[NET_MSS_OUT_MAX];
	if (c->state == C_MSS_YAMUX) {
		size_t used = 0;
		int r;
		while ((r = net_mss_input(&c->mss, p, len, &used)) == NET_MSS_PROPOSAL) {
			p += used;
			len -= used;
			bool ok = !strcmp(c->mss.proto, PROTO_YAMUX);
			size_t k = ok ? net_mss_accept(&c->mss, out) : net_mss_refuse(&c->mss, out);
			if (node_conn_send(c, out, k)) return;
			if (ok) {
				r = NET_MSS_AGREED;
				used = 0;
				break;
			}
		}
		if (r == NET_MSS_MORE) return;
		if (r != NET_MSS_AGREED) {
			node_conn_fail(c, r == NET_MSS_REFUSED ? NET_ENOTSUP : NET_EPROTO);
			return;
		}
		p += used;
		len -= used;
		conn_open(c);
		if (c->state != C_OPEN || !len) return;
	}
	if (c->state != C_OPEN) return;
	int rc = net_yamux_input(&c->y, p, len);
	if (rc && c->state == C_OPEN) node_conn_fail(c, rc == NET_YAMUX_EPROTO ? NET_EPROTO : NET_ECLOSED);
}

static void conn_input(conn *c, const uint8_t *p, size_t len)
{
	net_node *n = c->n;
	uint8_t out[NET_NOISE_HS_OUT_MAX];
	while (len > 0 && c->state != C_DEAD) {
		size_t used = 0, olen = 0;
		if (c->state == C_MSS_NOISE) {
			int r = net_mss_input(&c->mss, p, len, &used);
			p += used;
			len -= used;
			if (r == NET_MSS_MORE) continue;
			if (r == NET_MSS_PROPOSAL) {
				bool ok = !strcmp(c->mss.proto, PROTO_NOISE);
				size_t k = ok ? net_mss_accept(&c->mss, out) : net_mss_refuse(&c->mss, out);
				if (send_raw(c, out, k)) return;
				if (!ok) continue;
			} else if (r != NET_MSS_AGREED) {
				node_conn_fail(c, r == NET_MSS_REFUSED ? NET_ENOTSUP : NET_EPROTO);
				return;
			}
			c->noise = malloc(sizeof *c->noise);
			if (!c->noise) {
				node_conn_fail(c, NET_ENOMEM);
				return;
			}
			net_noise_init(c->noise, &n->idn, !c->inbound, c->inbound ? NULL : &c->peer);
			c->state = C_NOISE;
			if (!c->inbound && send_raw(c, out, net_noise_start(c->noise, out))) return;
		} else if (c->state == C_NOISE) {
			int r = net_noise_handshake(c->noise, p, len, &used, out, &olen);
			p += used;
			len -= used;
			if (olen && send_raw(c, out, olen)) return;
			if (r == NET_NOISE_DONE) {
				noise_done(c);
			} else if (r < 0) {
				node_conn_fail(c, r == NET_NOISE_EPEER ? NET_EPEERID : NET_ECRYPTO);
				return;
			}
		} else if (c->state == C_MSS_YAMUX || c->state == C_OPEN) {
			size_t plen;
			int r = net_noise_open(c->noise, p, len, &used, n->opened, &plen);
			p += used;
			len -= used;
			if (r == NET_NOISE_FRAME) {
				conn_plain(c, n->opened, plen);
			} else if (r < 0) {
				node_conn_fail(c, NET_ECRYPTO);
				return;
			}
		} else {
			return; /* dialing: no bytes can come yet */
		}
	}
}

/* ---- the platform's side -------------------------------------------------------------------- */

int net_node_transport_up(net_node *n, uint64_t handle, bool inbound, const uint8_t *remote, size_t len)
{
	uint8_t out[NET_MSS_OUT_MAX];
	int rc = 0;
	node_enter(n);
	conn *c = inbound ? NULL : conn_by_handle(n, handle);
	if (inbound) {
		c = conn_new(n, true);
		if (!c) {
			rc = n->nconns >= NET_MAX_CONNS ? NET_ELIMIT : NET_ENOMEM;
			goto out;
		}
		c->handle = handle;
		if (remote && len <= NET_MADDR_MAX && net_maddr_valid(remote, len)) {
			memcpy(c->remote, remote, len);
			c->remote_len = len;
		}
	} else if (!c || c->state != C_DIALING) {
		rc = NET_EINVAL;
		goto out;
	}
	c->state = C_MSS_NOISE;
	size_t k = inbound ? net_mss_listener(&c->mss, out) : net_mss_dialer(&c->mss, PROTO_NOISE, out);
	send_raw(c, out, k);
out:
	node_leave(n);
	return rc;
}

void net_node_transport_data(net_node *n, uint64_t handle, const uint8_t *p, size_t len)
{
	node_enter(n);
	conn *c = conn_by_handle(n, handle);
	if (c) conn_input(c, p, len);
	node_leave(n);
}

void net_node_transport_down(net_node *n, uint64_t handle, int err)
{
	node_enter(n);
	conn *c = conn_by_handle(n, handle);
	if (c && c->state == C_DIALING && conn_dial_next(c) == 0) {
		/* another address of the peer is being tried */
	} else if (c) {
		conn_down(c, err ? err : NET_ECLOSED, false);
	}
	node_leave(n);
}
