/* swap.h: bitswap (net/bitswap.h) on the hosted libp2p node (p2p.h): the fetcher's
 * peer source, and the server behind `wasmos provide`.
 *
 * Messages travel on /ipfs/bitswap/1.2.0 streams: we write ours on one outbound
 * stream per peer (opened at the first message, reopened when it goes) and read
 * every inbound stream a peer opens, which is where Helia sends its answers.  Every
 * connected peer is asked in turn (the client's rules: one peer at a time, DontHave
 * or silence moves on, a peer sending bytes nobody asked for is dropped).  Included by
 * hosted/fetch.c and the commands.
 */
#ifndef WASMOS_HOSTED_SWAP_H
#define WASMOS_HOSTED_SWAP_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "store.h"

typedef struct hosted_swap hosted_swap;

/* A want ended: err 0 and the block (checked against its CID, valid during the call),
 * or a NET_BITSWAP_ERR_* and why (one line: the CID and what each peer did). */
typedef void (*hosted_swap_fn)(void *ud, int err, const uint8_t *data, size_t len, const char *why);

/* Bitswap on node n (borrowed): a client, and, when store is not NULL (borrowed too),
 * a server of its blocks.  timeout_ms: how long one peer may stay silent about a want
 * (0: the default).  NULL when out of memory or when the protocol cannot be
 * registered. */
hosted_swap *hosted_swap_new(net_node *n, hosted_store *store, uint64_t timeout_ms);
/* Lets go of the node, which is about to be freed: its streams are reset, and the
 * node's last peer events are ignored.  Call it, then net_node_free (hosted_p2p_free),
 * then hosted_swap_free. */
void hosted_swap_detach(hosted_swap *sw);
/* Frees it (detaching first if that was not done, the node still alive then); wants
 * still open end without their callback. */
void hosted_swap_free(hosted_swap *sw);

/* Wants the block named by the binary cid.  0, then done exactly once, never from
 * inside this call; or a NET_BITSWAP_ERR_* at once. */
int hosted_swap_want(hosted_swap *sw, const uint8_t *cid, size_t cid_len, hosted_swap_fn done, void *ud);
/* Holds new wants back until the release, which sends them together (swap.c says why). */
void hosted_swap_hold(hosted_swap *sw, bool hold);
/* Forgets the want whose ud this is (no callback). */
void hosted_swap_cancel(hosted_swap *sw, void *ud);
/* What the peers did so far about the want whose ud this is (net_bitswap_client_notes),
 * or NULL. */
const char *hosted_swap_notes(const hosted_swap *sw, void *ud);
/* The node it runs on. */
net_node *hosted_swap_node(hosted_swap *sw);
/* Peers connected that bitswap may ask (not those dropped for lying). */
size_t hosted_swap_peers(const hosted_swap *sw);

/* Blocks served and their bytes so far (for `provide`'s report). */
void hosted_swap_stats(const hosted_swap *sw, uint64_t *blocks, uint64_t *bytes);

#endif
