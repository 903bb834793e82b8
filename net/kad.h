/* kad.h: the Kademlia DHT of IPFS, /ipfs/kad/1.0.0 (libp2p/specs kad-dht; ipfs/specs
 * src/routing/kad-dht.md; docs/network.md): its messages, a routing table and the
 * state of an iterative lookup.
 *
 *   Message { 1: MessageType type (PUT_VALUE 0, GET_VALUE 1, ADD_PROVIDER 2,
 *               GET_PROVIDERS 3, FIND_NODE 4, PING 5), 10: int32 clusterLevelRaw,
 *             2: bytes key, 3: Record record, 8: repeated Peer closerPeers,
 *             9: repeated Peer providerPeers }
 *   Peer { 1: bytes id (peer-id multihash), 2: repeated bytes addrs (binary
 *          multiaddrs), 3: ConnectionType connection }
 *
 * Keys: GET_PROVIDERS and ADD_PROVIDER carry the multihash of a CID (not the CID),
 * FIND_NODE a peer id.  Distance is XOR of the SHA-256 of two keys.
 *
 * I/O-free: the glue (hosted/) moves messages over streams and asks the peers a
 * lookup names.  Included by hosted/ and tests.
 */
#ifndef WASMOS_NET_KAD_H
#define WASMOS_NET_KAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_KAD_PROTOCOL "/ipfs/kad/1.0.0"
#define NET_KAD_K 20                 /* bucket size, and the closest peers a lookup wants */
#define NET_KAD_ALPHA 3              /* queries a lookup keeps in flight */
#define NET_KAD_MAX_MESSAGE (64u << 10) /* a message (the spec's implementations cap it so) */
#define NET_KAD_MAX_PEERS 64         /* closer or provider peers in one message */
#define NET_KAD_MAX_ADDRS 8          /* addresses kept per peer */
#define NET_KAD_MAX_ID 64            /* bytes of a peer id */
#define NET_KAD_MAX_KEY 128          /* bytes of a key */
#define NET_KAD_MAX_ADDR 128         /* bytes of one binary multiaddr */
#define NET_KAD_LOOKUP_MAX 100       /* peers a lookup keeps as candidates */

enum {
	NET_KAD_PUT_VALUE = 0,
	NET_KAD_GET_VALUE = 1,
	NET_KAD_ADD_PROVIDER = 2,
	NET_KAD_GET_PROVIDERS = 3,
	NET_KAD_FIND_NODE = 4,
	NET_KAD_PING = 5,
};

enum {
	NET_KAD_OK = 0,
	NET_KAD_ERR_MALFORMED = -1, /* not a kad message (why says where) */
	NET_KAD_ERR_TOO_BIG = -2,   /* past a cap */
	NET_KAD_ERR_NOMEM = -3,
};
const char *net_kad_error_text(int code);

/* ---- messages ---------------------------------------------------------------------- */

/* A peer as a message carries it; the bytes are views into the message. */
typedef struct net_kad_peer {
	const uint8_t *id;
	size_t id_len;
	const uint8_t *addrs[NET_KAD_MAX_ADDRS];
	size_t addr_lens[NET_KAD_MAX_ADDRS];
	size_t naddrs;               /* addresses past NET_KAD_MAX_ADDRS are skipped */
	int connection;
} net_kad_peer;

typedef struct net_kad_message {
	int type;
	const uint8_t *key;
	size_t key_len;
	int32_t cluster_level;
	net_kad_peer closer[NET_KAD_MAX_PEERS];
	size_t ncloser;
	net_kad_peer providers[NET_KAD_MAX_PEERS];
	size_t nproviders;
} net_kad_message;

/* Reads a message into *m (views into p, which must outlive them).  Checks every
 * field: a known type, a key of at most NET_KAD_MAX_KEY bytes, peer ids that are
 * multihashes, at most NET_KAD_MAX_PEERS peers per list.  Returns 0, or a
 * NET_KAD_ERR_* with why filled (cap bytes). */
int net_kad_decode(const uint8_t *p, size_t len, net_kad_message *m, char *why, size_t cap);
/* Writes m; returns its length, or, when cap is too small, a cap that is enough. */
size_t net_kad_encode(uint8_t *buf, size_t cap, const net_kad_message *m);

/* The lookup key of a CID's providers: its multihash (binary CID: the bytes after
 * version and codec; a CIDv0 is one already).  Returns its length, 0 for a bad CID. */
size_t net_kad_provider_key(const uint8_t *cid, size_t cid_len, uint8_t out[NET_KAD_MAX_KEY]);

/* ---- distance -------------------------------------------------------------------------- */

/* The 32-byte point of a key or peer id in the XOR space: its SHA-256. */
void net_kad_point(const uint8_t *key, size_t len, uint8_t out[32]);
/* Compares the distances of a and b to target: <0 a is closer, 0 equal, >0 b is closer. */
int net_kad_closer(const uint8_t target[32], const uint8_t a[32], const uint8_t b[32]);

/* ---- the routing table ------------------------------------------------------------------ */

typedef struct net_kad_entry {
	uint8_t id[NET_KAD_MAX_ID];
	size_t id_len;
	uint8_t point[32];
	uint8_t addrs[NET_KAD_MAX_ADDRS][NET_KAD_MAX_ADDR];
	size_t addr_lens[NET_KAD_MAX_ADDRS];
	size_t naddrs;
	uint64_t seen_ms;
} net_kad_entry;

typedef struct net_kad_table net_kad_table;

/* A table for the node whose peer id is self (copied).  NULL when out of memory. */
net_kad_table *net_kad_table_new(const uint8_t *self, size_t self_len);
void net_kad_table_free(net_kad_table *t);
/* A peer was heard from (with its addresses, which replace the ones known when
 * given): added to its bucket, or moved to its end; a full bucket keeps its old
 * peers (Kademlia's preference) and the new one is not added.  Returns 1 added or
 * updated, 0 not added (full, or ourselves), NET_KAD_ERR_* for a bad id. */
int net_kad_table_seen(net_kad_table *t, const net_kad_peer *p, uint64_t now_ms);
/* A peer failed to answer: it leaves the table. */
void net_kad_table_remove(net_kad_table *t, const uint8_t *id, size_t id_len);
size_t net_kad_table_size(const net_kad_table *t);
/* Up to n entries closest to key (its point is taken here), closest first, into out;
 * returns how many. */
size_t net_kad_table_closest(const net_kad_table *t, const uint8_t *key, size_t key_len, const net_kad_entry **out,
			     size_t n);

/* ---- an iterative lookup ------------------------------------------------------------------ */

typedef struct net_kad_lookup net_kad_lookup;

/* A lookup of key (copied): the closest peers to it, and for GET_PROVIDERS what the
 * peers say.  Seeded with the table's closest.  NULL when out of memory. */
net_kad_lookup *net_kad_lookup_new(const uint8_t *key, size_t key_len, const net_kad_table *t);
void net_kad_lookup_free(net_kad_lookup *l);
/* Adds a candidate (one a caller knows apart from the table); 0 or NET_KAD_ERR_*. */
int net_kad_lookup_add(net_kad_lookup *l, const net_kad_peer *p);
/* The next peer to ask, among the NET_KAD_K closest not yet asked, while fewer than
 * NET_KAD_ALPHA are in flight; NULL when there is none now.  The entry is valid
 * until the lookup changes. */
const net_kad_entry *net_kad_lookup_next(net_kad_lookup *l);
/* A peer asked answered with its closer peers (merged as candidates). */
void net_kad_lookup_answered(net_kad_lookup *l, const uint8_t *id, size_t id_len, const net_kad_peer *closer,
			     size_t n);
/* A peer asked did not answer. */
void net_kad_lookup_failed(net_kad_lookup *l, const uint8_t *id, size_t id_len);
/* Done: the NET_KAD_K closest candidates have all answered or failed, and none is in
 * flight. */
bool net_kad_lookup_done(const net_kad_lookup *l);
/* Queries in flight, and peers that answered. */
size_t net_kad_lookup_inflight(const net_kad_lookup *l);
size_t net_kad_lookup_answers(const net_kad_lookup *l);
/* The i-th closest candidate that answered (NULL past the last). */
const net_kad_entry *net_kad_lookup_result(const net_kad_lookup *l, size_t i);

#endif
