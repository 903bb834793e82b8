/* node_int.h: the node's insides, shared by node.c (node, peers, connections),
 * stream.c (streams) and identify.c (identify and ping).  Not for other files: the
 * API is node.h.
 *
 * Lifetime: a callback may reset a stream or make a connection fail, so nothing is
 * freed while the node is inside one of its entry points.  Each entry point is
 * wrapped in node_enter/node_leave; dead streams and connections wait in the node's
 * graveyard and are freed by the outermost node_leave.
 */
#ifndef WASMOS_NET_NODE_INT_H
#define WASMOS_NET_NODE_INT_H

#include "node.h"
#include "mss.h"
#include "multiaddr.h"
#include "noise.h"
#include "yamux.h"

#define NET_MAX_PEERS 1024            /* peers in the peer store */
#define NET_IDENTIFY_MAX (64u << 10)  /* bytes of an identify message */
#define NET_MAX_PROTOCOLS 64          /* protocols kept per peer from identify */

#define PROTO_ID "/ipfs/id/1.0.0"
#define PROTO_ID_PUSH "/ipfs/id/push/1.0.0"
#define PROTO_PING "/ipfs/ping/1.0.0"

typedef struct peer {
	net_peerid id;
	uint8_t addr[NET_MAX_ADDRS][NET_MADDR_MAX];
	size_t addr_len[NET_MAX_ADDRS];
	size_t naddrs;
	char *protocols;      /* identify's list: NUL-separated, malloc'd (NULL before) */
	size_t protocols_len;
	bool identified;
	struct peer *next;
} peer;

enum { C_DIALING, C_MSS_NOISE, C_NOISE, C_MSS_YAMUX, C_OPEN, C_DEAD };

typedef struct conn {
	net_node *n;
	uint64_t handle;
	bool inbound;
	int state;
	bool have_peer;       /* dialled a known peer, or Noise authenticated it */
	net_peerid peer;
	size_t next_addr;     /* dialing: the peer's next address to try */
	net_mss mss;
	net_noise *noise;
	bool yamux_up;
	net_yamux y;
	uint64_t timer;       /* handshake deadline (0: none) */
	uint8_t remote[NET_MADDR_MAX];
	size_t remote_len;
	struct net_stream *streams;
	struct conn *next;
} conn;

enum { ST_PENDING, ST_NEGOTIATING, ST_OPEN, ST_DEAD };

struct net_stream {
	net_node *n;
	conn *c;
	uint32_t id;          /* yamux id; 0 while pending */
	bool inbound;
	int state;
	net_peerid peer;
	net_mss mss;
	char proto[NET_PROTOCOL_MAX + 1];
	net_stream_ops ops;
	void *ud;
	uint64_t timer;       /* negotiation deadline (0: none) */
	uint8_t *rbuf;        /* message mode: the message being received */
	size_t rlen, rcap;
	uint8_t rhdr[10];     /* its varint length prefix, while incomplete */
	size_t rhlen;
	size_t rmsg;          /* its length once the prefix is whole; SIZE_MAX before */
	uint8_t *sbuf;        /* bytes waiting for the remote's window */
	size_t soff, slen, scap;
	bool local_closed;    /* net_stream_close called */
	bool fin_sent, remote_closed;
	struct net_stream *next;
};

typedef struct handler {
	char proto[NET_PROTOCOL_MAX + 1];
	net_stream_ops ops;
	void *ud;
} handler;

typedef struct watcher {
	net_peer_fn fn;
	void *ud;
} watcher;

struct net_node {
	net_platform plat;
	net_identity idn;
	char agent[96];
	uint8_t listen[NET_MAX_ADDRS][NET_MADDR_MAX];
	size_t listen_len[NET_MAX_ADDRS];
	size_t nlisten;
	handler handlers[NET_MAX_HANDLERS];
	size_t nhandlers;
	watcher watchers[NET_MAX_HANDLERS];
	size_t nwatchers;
	peer *peers;
	size_t npeers;
	conn *conns;
	size_t nconns;
	int depth;                         /* entry points on the stack */
	conn *dead_conns;
	struct net_stream *dead_streams;
	/* scratch: a frame to seal and its sealed bytes; a frame opened from input (the
	 * platform never feeds input from inside a send, so one of each is enough) */
	uint8_t plain[NET_NOISE_PLAIN_MAX];
	uint8_t sealed[2 + NET_NOISE_FRAME_MAX];
	uint8_t opened[NET_NOISE_PLAIN_MAX];
};

/* node.c */
void node_enter(net_node *n);
void node_leave(net_node *n);
peer *node_peer(net_node *n, const net_peerid *id, bool create);
void node_peer_event(net_node *n, const net_peerid *id, enum net_peer_event ev, int err);
const handler *node_handler(net_node *n, const char *proto);
/* Sends plaintext on an open channel (sealed by Noise); 0 or NET_E*. */
int node_conn_send(conn *c, const uint8_t *p, size_t len);
void node_conn_fail(conn *c, int err);
conn *node_conn_of_peer(net_node *n, const net_peerid *id, bool open_only);

/* stream.c */
net_stream *stream_new(net_node *n, conn *c, const net_peerid *peer, bool inbound);
/* Starts a pending outbound stream on an open connection. */
void stream_start(net_stream *s);
/* yamux events of a connection, routed to its streams. */
bool stream_incoming(conn *c, uint32_t id);
void stream_data(conn *c, uint32_t id, const uint8_t *p, size_t len);
void stream_fin(conn *c, uint32_t id);
void stream_reset_by_remote(conn *c, uint32_t id);
void stream_writable(conn *c, uint32_t id);
/* Ends a stream: closed(err) is called (unless quiet), it leaves its connection. */
void stream_end(net_stream *s, int err, bool quiet);
void stream_free(net_stream *s);
/* Opens a stream on a given connection (identify asks on the connection it is for). */
/* *out (may be NULL) is set before the stream starts. */
net_stream *stream_open_on(conn *c, const char *proto, const net_stream_ops *ops, void *ud, net_stream **out);

/* identify.c */
int identify_register(net_node *n);
/* A connection is open: ask the peer who it is. */
void identify_ask(conn *c);
/* Our protocols changed: tell every open connection (/ipfs/id/push/1.0.0). */
void identify_push_all(net_node *n);

#endif
