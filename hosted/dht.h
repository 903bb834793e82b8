/* dht.h: the Kademlia DHT (net/kad.h) on the hosted libp2p node (p2p.h): a server of
 * FIND_NODE, GET_PROVIDERS, ADD_PROVIDER and PING on /ipfs/kad/1.0.0, announcing the
 * CIDs we hold, and finding who provides a CID.
 *
 * The routing table learns every peer that connects (with the addresses the node
 * knows for it) and every peer a lookup hears of.  Provider records are kept in
 * memory for HOSTED_DHT_PROVIDER_TTL_MS.  Included by hosted/fetch.c and the commands.
 */
#ifndef WASMOS_HOSTED_DHT_H
#define WASMOS_HOSTED_DHT_H

#include <stddef.h>
#include <stdint.h>

#include "kad.h"
#include "node.h"

#define HOSTED_DHT_PROVIDER_TTL_MS (48ull * 3600 * 1000) /* the spec's record lifetime */
#define HOSTED_DHT_MAX_PROVIDERS 4096                    /* records kept (oldest go) */
#define HOSTED_DHT_QUERY_MS 10000                        /* one query's answer */

typedef struct hosted_dht hosted_dht;

/* A provider found: its peer id and addresses (binary multiaddrs), valid during the
 * call; then, once, peer NULL when the lookup is over (err 0 or why none). */
typedef void (*hosted_dht_provider_fn)(void *ud, const net_peerid *peer, const uint8_t *const *addrs,
				       const size_t *addr_lens, size_t naddrs);

/* The DHT on node n (borrowed).  NULL when out of memory or the protocol cannot be
 * registered. */
hosted_dht *hosted_dht_new(net_node *n);
/* As hosted_swap_detach: before the node is freed; then hosted_dht_free after. */
void hosted_dht_detach(hosted_dht *d);
void hosted_dht_free(hosted_dht *d);

/* Tells every peer in the routing table (the closest to the key first, at most
 * NET_KAD_K) that we provide the binary cid (ADD_PROVIDER: no answer).  Returns the
 * number of peers told. */
size_t hosted_dht_provide(hosted_dht *d, const uint8_t *cid, size_t cid_len);
/* Looks for providers of cid: an iterative GET_PROVIDERS from the routing table's
 * closest; fn for each provider heard of (not ourselves), then fn(peer NULL) once at
 * the end (never from inside this call).  0, or NET_KAD_ERR_* at once. */
int hosted_dht_find_providers(hosted_dht *d, const uint8_t *cid, size_t cid_len, hosted_dht_provider_fn fn, void *ud);
/* Forgets a lookup (fn is not called again). */
void hosted_dht_cancel(hosted_dht *d, void *ud);
/* Peers in the routing table. */
size_t hosted_dht_table_size(const hosted_dht *d);

#endif
