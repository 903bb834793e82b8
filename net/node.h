/* node.h: a libp2p node, and the stream API protocols are written on.
 *
 * A node holds connections to peers.  Each connection is a byte transport the
 * platform provides (TCP: hosted/p2p.c on the epoll loop; a fake in the tests),
 * upgraded as libp2p does: multistream-select /noise, Noise XX (the remote's peer id
 * checked against the dialled one), multistream-select /yamux/1.0.0, then yamux.  Every
 * yamux stream starts with multistream-select for its protocol; inbound streams go to
 * the handler registered for the protocol they ask for (others get "na").  The node
 * itself serves /ipfs/id/1.0.0 (identify: our key, listen addresses and protocols; it
 * asks every new peer too) and /ipfs/ping/1.0.0.
 *
 * I/O-free and single-threaded: the platform calls net_node_transport_* with the
 * bytes and events of its connections, and the node calls the platform's functions
 * to dial, send, close and set timers.  Every wait has a timeout (NET_TIMEOUT_MS).
 * Callbacks run from inside those calls; a callback may call any function here.
 *
 * Streams (for bitswap, kad and the like):
 *   - net_node_handle(n, "/ipfs/bitswap/1.2.0", &ops, ud): inbound streams of that
 *     protocol call ops.opened, then ops.received per message, and so on;
 *   - net_stream_open(n, peer, "/ipfs/kad/1.0.0", &ops, ud): dials the peer when not
 *     connected (addresses from net_node_add_addr), opens a stream and agrees on the
 *     protocol; then ops.opened, or ops.closed with the reason;
 *   - net_stream_write: one message (with its varint length prefix added), or raw
 *     bytes when ops.max_message is 0;
 *   - net_stream_close: we write no more (yamux FIN); ops.closed comes once both
 *     sides are done; net_stream_reset: abort it (no more callbacks).
 * The node owns every stream: a net_stream pointer is valid from `opened` until
 * `closed` returns (or until net_stream_reset returns).
 */
#ifndef WASMOS_NET_NODE_H
#define WASMOS_NET_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peerid.h"

/* Limits (one place, docs/network.md). */
#define NET_TIMEOUT_MS 10000          /* dial, handshakes, stream negotiation, ping */
#define NET_MAX_CONNS 64              /* connections of a node */
#define NET_MAX_STREAMS 256           /* open streams per connection, both directions */
#define NET_STREAM_MAX_QUEUE (8u << 20) /* bytes a stream may hold unsent (net_stream_write) */
#define NET_PROTOCOL_MAX 128          /* bytes of a protocol name */
#define NET_MAX_HANDLERS 16           /* protocols registered with net_node_handle */
#define NET_MAX_ADDRS 8               /* addresses kept per peer, and our listen addresses */

/* Errors: 0 or one of these; net_error_text gives the fixed text. */
enum {
	NET_OK = 0,
	NET_ENOMEM = -1,    /* out of memory */
	NET_EINVAL = -2,    /* bad argument (an address, a protocol name) */
	NET_ETIMEDOUT = -3, /* a wait passed NET_TIMEOUT_MS */
	NET_ECLOSED = -4,   /* the connection closed (or was never made) */
	NET_ERESET = -5,    /* the remote reset the stream */
	NET_ENOTSUP = -6,   /* the remote does not speak the protocol ("na") */
	NET_EPROTO = -7,    /* the remote broke a protocol (bad frame, bad message) */
	NET_ENOADDR = -8,   /* no address known for the peer */
	NET_EFULL = -9,     /* more than NET_STREAM_MAX_QUEUE bytes would wait */
	NET_ETOOBIG = -10,  /* a message longer than allowed */
	NET_EPEERID = -11,  /* the remote is not the peer we dialled */
	NET_ELIMIT = -12,   /* too many connections, streams or handlers */
	NET_EDIAL = -13,    /* the transport could not connect */
	NET_ECRYPTO = -14,  /* a handshake or decryption failed */
};
const char *net_error_text(int code);

typedef struct net_node net_node;
typedef struct net_stream net_stream;

/* ---- the platform (the node's only way out) ----------------------------------------- */

typedef void (*net_timer_fn)(void *ud, uint64_t id);

typedef struct net_platform {
	void *ud;
	/* Monotonic milliseconds. */
	uint64_t (*now_ms)(void *ud);
	/* Begins a connection to a binary multiaddr (/ip4|/ip6|/dns4 .../tcp/PORT, any
	 * /p2p/ part stripped).  Returns a handle (> 0) that the platform then reports
	 * with net_node_transport_up or _down, or a negative NET_E* when it cannot even
	 * start.  Must not call back into the node before it returns. */
	int64_t (*dial)(void *ud, const uint8_t *maddr, size_t len);
	/* Sends bytes on a connection; the platform buffers what the socket does not take
	 * at once.  Returns 0, or a NET_E* (the platform then reports _down later). */
	int (*send)(void *ud, uint64_t handle, const uint8_t *p, size_t len);
	/* Closes a connection (after sending what is buffered, as far as it can).  No
	 * _down is reported for it. */
	void (*close)(void *ud, uint64_t handle);
	/* Calls fn(arg, id) once, at or after the monotonic time deadline_ms.  Returns the
	 * timer's id (> 0), or 0 when out of memory. */
	uint64_t (*timer)(void *ud, uint64_t deadline_ms, net_timer_fn fn, void *arg);
	void (*cancel)(void *ud, uint64_t id);
} net_platform;

/* ---- the node ------------------------------------------------------------------------- */

/* A node with the identity made from seed (32 bytes); the platform is copied.  NULL
 * when out of memory.  agent: the agentVersion told by identify (copied). */
net_node *net_node_new(const net_platform *plat, const uint8_t seed[32], const char *agent);
/* Closes every connection (no callbacks but the streams' closed, with NET_ECLOSED),
 * frees everything. */
void net_node_free(net_node *n);
const net_peerid *net_node_peerid(const net_node *n);
/* Adds an address to tell in identify (binary multiaddr, no /p2p/ part); 0 or NET_E*. */
int net_node_add_listen_addr(net_node *n, const uint8_t *maddr, size_t len);
/* Listen addresses told in identify: the i-th (binary) or NULL past the last. */
const uint8_t *net_node_listen_addr(const net_node *n, size_t i, size_t *len);

/* Timers for protocols: fn(arg, id) once, delay_ms from now (the platform's timer). */
uint64_t net_node_timer(net_node *n, uint64_t delay_ms, net_timer_fn fn, void *arg);
void net_node_cancel(net_node *n, uint64_t id);
uint64_t net_node_now_ms(const net_node *n);

/* ---- peers ---------------------------------------------------------------------------- */

/* Remembers an address of a peer (binary multiaddr, without /p2p/), used to dial it;
 * at most NET_MAX_ADDRS per peer (the oldest is dropped).  0 or NET_E*. */
int net_node_add_addr(net_node *n, const net_peerid *peer, const uint8_t *maddr, size_t len);
/* A peer's i-th known address (binary), or NULL past the last. */
const uint8_t *net_node_peer_addr(const net_node *n, const net_peerid *peer, size_t i, size_t *len);
/* Connects to a peer (dialing one of its addresses) unless connected; the peer event
 * NET_PEER_CONNECTED (or NET_PEER_FAILED) follows.  0 or NET_E* (NET_ENOADDR). */
int net_node_connect(net_node *n, const net_peerid *peer);
bool net_node_is_connected(const net_node *n, const net_peerid *peer);
/* After identify: whether the peer said it speaks protocol. */
bool net_node_peer_speaks(const net_node *n, const net_peerid *peer, const char *protocol);
/* After identify: the i-th protocol the peer told, or NULL past the last. */
const char *net_node_peer_protocol(const net_node *n, const net_peerid *peer, size_t i);

enum net_peer_event {
	NET_PEER_CONNECTED,    /* a connection is up (secure and multiplexed) */
	NET_PEER_IDENTIFIED,   /* its identify answer arrived (protocols, addresses known) */
	NET_PEER_DISCONNECTED, /* its last connection closed */
	NET_PEER_FAILED,       /* a dial failed (err in the callback) */
};
typedef void (*net_peer_fn)(void *ud, const net_peerid *peer, enum net_peer_event ev, int err);
/* Adds a watcher of peer events (at most NET_MAX_HANDLERS).  0 or NET_ELIMIT. */
int net_node_watch_peers(net_node *n, net_peer_fn fn, void *ud);

/* ---- streams --------------------------------------------------------------------------- */

typedef struct net_stream_ops {
	/* The stream is ready: our protocol was agreed (outbound), or a remote opened one
	 * for a registered protocol (inbound).  Required. */
	void (*opened)(void *ud, net_stream *s);
	/* One whole message (max_message > 0; without its length prefix), or the bytes
	 * as they came (max_message 0).  The bytes are valid during the call.  Required. */
	void (*received)(void *ud, net_stream *s, const uint8_t *p, size_t len);
	/* The remote will write no more (it may still read).  Optional. */
	void (*remote_closed)(void *ud, net_stream *s);
	/* The stream is gone: err 0 when both sides closed it, else why (NET_ERESET,
	 * NET_ECLOSED, NET_ETIMEDOUT, NET_ENOTSUP, NET_ETOOBIG, ...).  For an outbound
	 * stream that never opened, this is the only call.  s is freed after it returns.
	 * Required. */
	void (*closed)(void *ud, net_stream *s, int err);
	/* > 0: the stream carries varint-length-prefixed messages of at most this many
	 * bytes (a longer one resets the stream, NET_ETOOBIG); 0: raw bytes. */
	size_t max_message;
} net_stream_ops;

/* Registers a handler for inbound streams of protocol (copied; at most
 * NET_MAX_HANDLERS, names up to NET_PROTOCOL_MAX bytes).  Its ud is each new stream's
 * until net_stream_set_ud.  Told to peers by identify (pushed to those already
 * connected).  0 or NET_E*. */
int net_node_handle(net_node *n, const char *protocol, const net_stream_ops *ops, void *ud);
/* Opens a stream to peer for protocol (dialing it first if needed).  The outcome
 * comes through ops (opened, or closed with the reason), usually later; *out (may be
 * NULL) is set before anything can happen, since closed may even run before this
 * returns.  Returns 0, or a NET_E* at once (no callback then). */
int net_stream_open(net_node *n, const net_peerid *peer, const char *protocol,
	const net_stream_ops *ops, void *ud, net_stream **out);
/* Queues one message (message mode: the length prefix is added) or raw bytes.  0,
 * NET_ECLOSED (we closed it, or it is gone), NET_ETOOBIG (> max_message) or NET_EFULL
 * (NET_STREAM_MAX_QUEUE bytes would be waiting: retry after some are sent). */
int net_stream_write(net_stream *s, const uint8_t *p, size_t len);
/* Bytes written but not yet handed to the connection (the peer's window is full). */
size_t net_stream_queued(const net_stream *s);
/* We write no more (yamux FIN after the queued bytes). */
void net_stream_close(net_stream *s);
/* Aborts the stream (yamux RST); no callback follows, s is invalid on return. */
void net_stream_reset(net_stream *s);
const net_peerid *net_stream_peer(const net_stream *s);
const char *net_stream_protocol(const net_stream *s);
bool net_stream_inbound(const net_stream *s);
void net_stream_set_ud(net_stream *s, void *ud);
void *net_stream_ud(const net_stream *s);

/* ---- ping ------------------------------------------------------------------------------ */

/* err 0 and the round trip in milliseconds, or why it failed. */
typedef void (*net_ping_fn)(void *ud, const net_peerid *peer, int err, uint64_t rtt_ms);
/* Pings a peer (/ipfs/ping/1.0.0, dialing it if needed): 32 random bytes, echoed.
 * fn is called once, within NET_TIMEOUT_MS.  0 or NET_E* at once (no callback). */
int net_node_ping(net_node *n, const net_peerid *peer, net_ping_fn fn, void *ud);

/* ---- the platform's side: what happens on its connections ------------------------------ */

/* A connection is up: a dial (handle from plat.dial) completed, or an inbound one was
 * accepted (a new handle the platform chose, unique among its connections).  remote:
 * the peer's binary multiaddr (for identify's observedAddr), may be NULL.  Returns 0,
 * or a NET_E* when the node refuses it (then the platform closes it). */
int net_node_transport_up(net_node *n, uint64_t handle, bool inbound, const uint8_t *remote, size_t len);
/* Bytes arrived on a connection. */
void net_node_transport_data(net_node *n, uint64_t handle, const uint8_t *p, size_t len);
/* A connection failed (dial) or closed (err: NET_EDIAL, NET_ECLOSED, ...). */
void net_node_transport_down(net_node *n, uint64_t handle, int err);

#endif
