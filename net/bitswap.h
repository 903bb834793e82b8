/* bitswap.h: bitswap 1.2.0 (ipfs/specs src/bitswap-protocol.md; docs/network.md):
 * the message format, a client that wants blocks from several peers, and a server
 * that answers wants from a block store.
 *
 * I/O-free: the glue (hosted/) moves messages between these and libp2p streams
 * (/ipfs/bitswap/1.2.0, one varint-prefixed message each, answers on a stream the
 * answering side opens, as Helia does), and calls net_bitswap_client_tick with the
 * time.  Peers are the glue's own pointers, compared by address.
 *
 *   Message { 1: Wantlist { 1: repeated Entry { 1: bytes block (binary CID),
 *               2: int32 priority, 3: bool cancel, 4: WantType (Block 0, Have 1),
 *               5: bool sendDontHave }, 2: bool full },
 *             3: repeated Block { 1: bytes prefix, 2: bytes data },
 *             4: repeated BlockPresence { 1: bytes cid, 2: Type (Have 0, DontHave 1) },
 *             5: int32 pendingBytes }
 *
 * A block's CID is rebuilt from its prefix (version, codec, hash function, digest
 * length) and the hash of its data, so a block is only ever taken for the CID its
 * bytes have: a peer that sends bytes we did not ask for (a changed block) is
 * dropped by the client and never asked again.  Included by hosted/ and tests.
 */
#ifndef WASMOS_NET_BITSWAP_H
#define WASMOS_NET_BITSWAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cid.h"

#define NET_BITSWAP_PROTOCOL "/ipfs/bitswap/1.2.0"
#define NET_BITSWAP_MAX_MESSAGE (4u << 20)  /* a message, as every implementation caps it */
#define NET_BITSWAP_MAX_BLOCK (2u << 20)    /* a block we take (Helia's are 1 MiB) */
#define NET_BITSWAP_MAX_ENTRIES 8192u       /* wantlist entries, blocks, presences per message */
#define NET_BITSWAP_MAX_PEERS 64u           /* peers a client asks */
#define NET_BITSWAP_MAX_INFLIGHT 32u        /* wants asked and not answered, per client */
#define NET_BITSWAP_WANT_TIMEOUT_MS 15000u  /* a peer silent this long about a want: next peer */

enum { NET_BITSWAP_WANT_BLOCK = 0, NET_BITSWAP_WANT_HAVE = 1 };
enum { NET_BITSWAP_HAVE = 0, NET_BITSWAP_DONT_HAVE = 1 };

enum {
	NET_BITSWAP_OK = 0,
	NET_BITSWAP_ERR_MALFORMED = -1,  /* not a bitswap message (why says where) */
	NET_BITSWAP_ERR_TOO_BIG = -2,    /* past a cap */
	NET_BITSWAP_ERR_UNSUPPORTED = -3, /* a hash function we cannot check */
	NET_BITSWAP_ERR_NOMEM = -4,
	NET_BITSWAP_ERR_NOTFOUND = -5,   /* every peer said DontHave, timed out or was dropped */
	NET_BITSWAP_ERR_NOPEERS = -6,    /* no peer to ask */
};
const char *net_bitswap_error_text(int code);

/* ---- messages ---------------------------------------------------------------------- */

/* Views into a message being read or written: the bytes are borrowed. */
typedef struct net_bitswap_entry {
	const uint8_t *cid;
	size_t cid_len;
	int32_t priority;
	bool cancel;
	int want_type;            /* NET_BITSWAP_WANT_* */
	bool send_dont_have;
} net_bitswap_entry;

typedef struct net_bitswap_block {
	uint8_t cid[WOS_CID_BIN_MAX]; /* read: rebuilt from prefix and data; write: the block's CID */
	size_t cid_len;
	const uint8_t *data;
	size_t len;
} net_bitswap_block;

typedef struct net_bitswap_presence {
	const uint8_t *cid;
	size_t cid_len;
	int type;                 /* NET_BITSWAP_HAVE or _DONT_HAVE */
} net_bitswap_presence;

/* What a reader is told, part by part, after the whole message was checked. */
typedef struct net_bitswap_visitor {
	void (*entry)(void *ud, const net_bitswap_entry *e);
	void (*block)(void *ud, const net_bitswap_block *b);
	void (*presence)(void *ud, const net_bitswap_presence *p);
	bool *full;               /* may be NULL: gets Wantlist.full */
} net_bitswap_visitor;

/* Checks a message (every field, every CID, every block's prefix and hash function),
 * then calls v's functions (any may be NULL) for each part in order.  Returns 0, or a
 * NET_BITSWAP_ERR_* with why filled (cap bytes) and nothing called. */
int net_bitswap_decode(const uint8_t *p, size_t len, const net_bitswap_visitor *v, void *ud, char *why,
		       size_t cap);

/* Writes a message of wantlist entries, blocks and presences (any count may be 0).
 * Returns its length, or, when cap is too small, a cap that is enough (a little more
 * than the length: writing needs some slack).  So: n = encode(NULL, 0, ...), a buffer
 * of n, len = encode(buf, n, ...) <= n. */
size_t net_bitswap_encode(uint8_t *buf, size_t cap, const net_bitswap_entry *e, size_t ne,
			  const net_bitswap_block *b, size_t nb, const net_bitswap_presence *pr, size_t np);

/* The prefix of a binary CID (version, codec, hash function, digest length as
 * varints) into out (room for 4 varints); returns its length, 0 for a bad CID. */
size_t net_bitswap_prefix(const uint8_t *cid, size_t cid_len, uint8_t out[40]);

/* ---- the client ------------------------------------------------------------------- */

typedef struct net_bitswap_client net_bitswap_client;

typedef struct net_bitswap_client_ops {
	/* Sends one message to peer; 0, or nonzero when it cannot (the peer is then
	 * dropped: the glue removes it).  Required. */
	int (*send)(void *ud, void *peer, const uint8_t *msg, size_t len);
	/* A want ended: err 0 with the block (checked against its CID; valid during the
	 * call), or a NET_BITSWAP_ERR_* and why (one line naming what each peer did).
	 * The want is gone after it returns.  Required. */
	void (*done)(void *ud, void *want_ud, int err, const uint8_t *data, size_t len, const char *why);
	/* A peer sent a block whose bytes we never asked for (a changed block): it is
	 * dropped and never asked again.  Optional. */
	void (*dropped)(void *ud, void *peer, const char *why);
	/* Texts for messages: a peer's name.  Optional (then "peer N"). */
	const char *(*peer_name)(void *ud, void *peer);
} net_bitswap_client_ops;

/* A client; ops is copied.  NULL when out of memory. */
net_bitswap_client *net_bitswap_client_new(const net_bitswap_client_ops *ops, void *ud);
/* Frees the client; wants still open end without their done. */
void net_bitswap_client_free(net_bitswap_client *c);

/* A peer to ask (not again after it was dropped).  0, or NET_BITSWAP_ERR_TOO_BIG past
 * NET_BITSWAP_MAX_PEERS. */
int net_bitswap_client_add_peer(net_bitswap_client *c, void *peer);
/* The peer is gone: its wants go to the next peer. */
void net_bitswap_client_remove_peer(net_bitswap_client *c, void *peer, uint64_t now_ms);

/* Wants the block cid (binary, copied); done comes later with want_ud.  Returns 0,
 * or NET_BITSWAP_ERR_MALFORMED (not a CID we can check) / _NOMEM at once.  Wanting a
 * CID already wanted shares its answer. */
int net_bitswap_client_want(net_bitswap_client *c, const uint8_t *cid, size_t cid_len, void *want_ud,
			    uint64_t now_ms);
/* While held, new wants are only noted; the release sends them, one message per
 * peer.  Some peers (Helia) answer every message with every block still wanted, so
 * many wants at once (the links of a node) go out together. */
void net_bitswap_client_hold(net_bitswap_client *c, bool hold, uint64_t now_ms);
/* Forgets a want (done is not called); the peer asked is sent a cancel. */
void net_bitswap_client_cancel(net_bitswap_client *c, void *want_ud);
/* A message from peer (decoded and checked here).  Returns 0, or the decode error
 * (the peer sent garbage: the caller should drop it). */
int net_bitswap_client_received(net_bitswap_client *c, void *peer, const uint8_t *msg, size_t len,
				uint64_t now_ms);
/* Moves wants whose peer has been silent for NET_BITSWAP_WANT_TIMEOUT_MS (or
 * timeout_ms, when set) to the next peer; call it now and then. */
void net_bitswap_client_tick(net_bitswap_client *c, uint64_t now_ms);
void net_bitswap_client_set_timeout(net_bitswap_client *c, uint64_t timeout_ms);
/* What the peers did so far about a want not yet done (one line, as done's why
 * gives it), or NULL when nothing yet: for a caller that gives up on it. */
const char *net_bitswap_client_notes(const net_bitswap_client *c, const void *want_ud);
/* Wants not yet done. */
size_t net_bitswap_client_pending(const net_bitswap_client *c);

/* ---- the server --------------------------------------------------------------------- */

/* Where the server finds blocks: 1 and the bytes (borrowed until release), 0 when it
 * has none, < 0 on error (treated as none). */
typedef int (*net_bitswap_get_fn)(void *ud, const uint8_t *cid, size_t cid_len, const uint8_t **data,
				  size_t *len);
typedef void (*net_bitswap_release_fn)(void *ud, const uint8_t *data, size_t len);
/* Sends one answer message to peer (the glue opens a stream for it). */
typedef int (*net_bitswap_reply_fn)(void *ud, void *peer, const uint8_t *msg, size_t len);

typedef struct net_bitswap_server_ops {
	net_bitswap_get_fn get;
	net_bitswap_release_fn release; /* may be NULL */
	net_bitswap_reply_fn reply;
} net_bitswap_server_ops;

/* Answers the wantlist in msg from peer: want-block with the block, want-have with
 * Have (or the block itself when it is at most 1 KiB, as Helia does), and, when
 * asked, DontHave for what the store lacks; answers go out in messages of at most
 * NET_BITSWAP_MAX_MESSAGE bytes.  Cancels need nothing: every want is answered at
 * once and not remembered.  Returns 0 or the decode error (nothing answered). */
int net_bitswap_serve(const net_bitswap_server_ops *ops, void *ud, void *peer, const uint8_t *msg, size_t len,
		      char *why, size_t cap);

#endif
