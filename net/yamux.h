/* yamux.h: the yamux stream multiplexer (libp2p/specs yamux), both roles, without I/O.
 *
 * Frames: a 12-byte big-endian header, version 0 | type | flags | stream id | length,
 * then `length` bytes for Data.  Types: Data, Window Update, Ping, Go Away; flags SYN,
 * ACK, FIN (half close), RST.  The dialer of the connection (client) opens odd
 * stream ids, the listener even ones; id 0 is the session (ping, go away).
 *
 * Flow control: each direction of each stream starts with a 256 KiB window; only
 * Data bytes count.  We give the window back (a Window Update) once half of it has
 * been delivered, so a 1 MiB message flows; the remote's window limits how much
 * net_yamux_send takes.  A remote that sends past its window breaks the protocol.
 *
 * Input goes through net_yamux_input in any pieces; Data payloads reach ops.data as
 * they arrive (never buffered here).  Output leaves through ops.output, one frame per
 * call (header and payload as two pieces).  Hostile input (bad version or type, a SYN
 * for a stream that exists or of the wrong parity, data past the window, a window
 * past 2^32) is a protocol error: input returns NET_YAMUX_EPROTO, a Go Away is sent
 * and the session is dead.  More than max_streams streams: the new one is reset.
 * Included by net/.
 */
#ifndef WASMOS_NET_YAMUX_H
#define WASMOS_NET_YAMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_YAMUX_WINDOW (256u * 1024)  /* initial window of each stream direction */
#define NET_YAMUX_CHUNK 65507u          /* the most Data bytes in one frame we send (fits one Noise frame) */

enum { NET_YAMUX_DATA = 0, NET_YAMUX_WINDOW_UPDATE = 1, NET_YAMUX_PING = 2, NET_YAMUX_GO_AWAY = 3 };
enum { NET_YAMUX_SYN = 1, NET_YAMUX_ACK = 2, NET_YAMUX_FIN = 4, NET_YAMUX_RST = 8 };

enum {
	NET_YAMUX_OK = 0,
	NET_YAMUX_EPROTO = -1,   /* the remote broke the protocol (y->why says how) */
	NET_YAMUX_ENOMEM = -2,
	NET_YAMUX_ELIMIT = -3,   /* too many streams */
	NET_YAMUX_ECLOSED = -4,  /* the session went away, or the stream is unknown or closed */
};

typedef struct net_yamux_ops {
	/* A remote opened stream id (SYN).  Return true to accept it (an ACK follows at
	 * once), false to refuse it (RST). */
	bool (*incoming)(void *ud, uint32_t id);
	/* Payload bytes of a stream, as they arrive. */
	void (*data)(void *ud, uint32_t id, const uint8_t *p, size_t len);
	/* The remote closed its side (FIN). */
	void (*fin)(void *ud, uint32_t id);
	/* The remote reset the stream (RST); it is forgotten after this call. */
	void (*reset)(void *ud, uint32_t id);
	/* The remote's window for the stream grew: more can be sent. */
	void (*writable)(void *ud, uint32_t id);
	/* The remote acknowledged a ping we sent (value as sent). Optional. */
	void (*pong)(void *ud, uint32_t value);
	/* The remote is going away (code 0 normal, 1 protocol error, 2 internal). */
	void (*go_away)(void *ud, uint32_t code);
	/* Sends a frame: hdr (12 bytes), then payload (plen bytes, may be 0).  Returns 0,
	 * or nonzero when the connection can take no more (the session then stops). */
	int (*output)(void *ud, const uint8_t *hdr, const uint8_t *payload, size_t plen);
} net_yamux_ops;

typedef struct net_yamux_stream {
	uint32_t id;
	uint32_t send_window;   /* bytes the remote still accepts */
	uint32_t recv_window;   /* bytes we still accept */
	uint32_t recv_unacked;  /* delivered bytes not yet given back by a Window Update */
	bool local_fin, remote_fin;
} net_yamux_stream;

typedef struct net_yamux {
	bool client;
	bool dead;              /* protocol error, go away sent or received, or output failed */
	bool remote_going_away;
	net_yamux_ops ops;
	void *ud;
	uint32_t next_id;
	uint32_t max_streams;
	net_yamux_stream *streams;  /* max_streams entries; id 0 = free */
	uint32_t nstreams;
	/* input: the header being read, and the Data bytes still to come for it */
	uint8_t hdr[12];
	uint8_t hlen;
	uint32_t data_left;
	uint32_t data_id;       /* the stream those bytes are for (0: discard them) */
	bool data_fin;          /* the frame had FIN: apply it after its payload */
	const char *why;
} net_yamux;

/* A session: client true for the side that dialled the connection.  Returns 0, or
 * NET_YAMUX_ENOMEM.  ops is copied. */
int net_yamux_init(net_yamux *y, bool client, uint32_t max_streams, const net_yamux_ops *ops, void *ud);
void net_yamux_free(net_yamux *y);
/* Takes len bytes of input.  0, or NET_YAMUX_EPROTO (session dead; close the
 * connection after sending what output produced) or NET_YAMUX_ECLOSED. */
int net_yamux_input(net_yamux *y, const uint8_t *p, size_t len);
/* Opens a stream (Window Update with SYN); its id in *id.  0 or NET_YAMUX_E*. */
int net_yamux_open(net_yamux *y, uint32_t *id);
/* Sends as much of p as the remote's window allows, in frames of at most
 * NET_YAMUX_CHUNK; returns the byte count taken (0 when the window is shut), or a
 * negative NET_YAMUX_E* (unknown stream, closed by us, dead session). */
long net_yamux_send(net_yamux *y, uint32_t id, const uint8_t *p, size_t len);
/* Half close (FIN); the stream is forgotten once both sides closed. */
int net_yamux_close(net_yamux *y, uint32_t id);
/* Resets and forgets a stream (RST). */
void net_yamux_reset(net_yamux *y, uint32_t id);
/* Sends a ping with value; ops.pong reports the answer. */
int net_yamux_ping(net_yamux *y, uint32_t value);
/* Sends Go Away (code 0 normal) and stops the session. */
void net_yamux_go_away(net_yamux *y, uint32_t code);
/* The stream's state, or NULL when it is unknown (never opened or forgotten). */
net_yamux_stream *net_yamux_stream_get(net_yamux *y, uint32_t id);

#endif
