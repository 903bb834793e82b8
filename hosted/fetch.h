/* fetch.h: programs from the network into the local store (docs/network.md).
 *
 * A fetcher runs on the hosted event loop.  hosted_fetch_start asks its sources in
 * turn (today: HTTP trustless gateways) for a program: the block a raw CID names
 * (`GET /ipfs/CID?format=raw`), or every block of the file a dag-pb root names
 * (`?format=car`, read through lib/unixfs.h).  Every block is checked against its
 * CID before anything is written to the store (store.h); a source that sends other
 * bytes is refused and named, and nothing of it is stored.  Every wait has a timeout.  While a fetch is in flight it holds
 * the loop (loop.h), so `wasmos run CID` waits for it with no process alive.
 *
 * Used by the native loader (loader.c: a CID not in the store) and `wasmos fetch`
 * (cmd_fetch.c).  Included by hosted/ only.
 */
#ifndef WASMOS_HOSTED_FETCH_H
#define WASMOS_HOSTED_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"

#define HOSTED_FETCH_MAX_SOURCES 16u
/* The largest block a gateway may send (a bigger body is refused as it arrives). */
#define HOSTED_FETCH_MAX_BLOCK (64u << 20)
/* The largest file fetched by its dag-pb root, and the CAR that brings it (its
 * blocks' CIDs and framing on top: a few bytes per 1 MiB block). */
#define HOSTED_FETCH_MAX_FILE (256ull << 20)
#define HOSTED_FETCH_MAX_CAR (HOSTED_FETCH_MAX_FILE + (4u << 20))
/* Default idle timeout of each wait (connect, send, answer). */
#define HOSTED_FETCH_TIMEOUT_NS (30ull * 1000000000ull)

enum {
	HOSTED_FETCH_OK = 0,
	HOSTED_FETCH_ERR_NOTFOUND = -1, /* every source said it has no such block */
	HOSTED_FETCH_ERR_TIMEOUT = -2,  /* a source did not answer in time (none had it) */
	HOSTED_FETCH_ERR_BADBYTES = -3, /* a source sent bytes of another CID (refused) */
	HOSTED_FETCH_ERR_NOSOURCE = -4, /* offline, or no gateway or peer configured */
	HOSTED_FETCH_ERR_SOURCE = -5,   /* a source failed otherwise (refused, bad answer) */
	HOSTED_FETCH_ERR_STORE = -6,    /* the store could not be opened or written */
	HOSTED_FETCH_ERR_CID = -7,      /* not a CID */
	HOSTED_FETCH_ERR_NOMEM = -8,
};

/* The fixed text of a HOSTED_FETCH_* code. */
const char *hosted_fetch_error_text(int code);

/* Where to look.  Strings are copied by hosted_fetch_new. */
typedef struct hosted_fetch_config {
	const char *gateways[HOSTED_FETCH_MAX_SOURCES]; /* http://HOST[:PORT][/PATH] */
	uint32_t ngateways;
	bool offline;             /* the store only: no source is asked */
	uint64_t timeout_ns;      /* idle timeout of each wait; 0: HOSTED_FETCH_TIMEOUT_NS */
	int progress;             /* progress lines on stderr: 1 on, 0 off, -1 when a terminal */
	const char *store_home;   /* the store's home (NULL: $WASMOS_HOME as store.h says) */
	struct hosted_swap *swap; /* bitswap on a node (swap.h), asked before the gateways;
				   * borrowed: it must outlive the fetcher */
	struct hosted_dht *dht;   /* the DHT on the same node (dht.h): when the peers lack a
				   * CID, its providers are looked for and asked; borrowed */
} hosted_fetch_config;

typedef struct hosted_fetch hosted_fetch;

/* How a fetch ended: rc 0 when the block is in the store (checked), else a
 * HOSTED_FETCH_ERR_* code and why, one line naming the CID, each source asked and
 * what it did.  why is valid during the call only. */
typedef void (*hosted_fetch_fn)(void *ud, int rc, const char *why);

/* Checks the configuration (each gateway URL parses) and makes a fetcher; NULL with
 * why filled (cap bytes) when it does not.  loop is borrowed and must outlive it. */
hosted_fetch *hosted_fetch_new(hosted_loop *loop, const hosted_fetch_config *c, char *why, size_t cap);
/* Ends every fetch in flight without calling their callbacks, and frees f. */
void hosted_fetch_free(hosted_fetch *f);
/* Whether f has anywhere to look (not offline, at least one source). */
bool hosted_fetch_has_sources(const hosted_fetch *f);

/* Fetches the block named by cid (cid_len characters) into the store.  Returns 0 and
 * calls done exactly once later, from the loop; or returns a negative code with why
 * filled (cap bytes) and calls nothing (not a CID, no source, out of memory).  Two
 * fetches of one CID share the work. */
int hosted_fetch_start(hosted_fetch *f, const char *cid, size_t cid_len, hosted_fetch_fn done, void *ud, char *why,
		       size_t cap);

/* ---- the command line (cmd_fetch.c) ---- */

/* The --help lines of the options below. */
extern const char hosted_fetch_options_help[];
/* Reads one of --gateway URL, --offline, --fetch-timeout S (and, for cmd "fetch",
 * --timeout S) at argv[*i] into c, moving *i past a value.  Returns 1 when it was
 * one, 0 when it was not, -1 after printing why a value is bad. */
int hosted_fetch_option(const char *cmd, int argc, char **argv, int *i, hosted_fetch_config *c);
/* Fills in what the options left unset: $WASMOS_GATEWAY when no --gateway. */
void hosted_fetch_defaults(hosted_fetch_config *c);

/* The network sources of a command: a libp2p node on its loop (p2p.h), bitswap and
 * the DHT on it. */
struct hosted_p2p;
struct hosted_p2p_opts;
typedef struct hosted_fetch_net {
	struct hosted_p2p *p2p;
	struct hosted_swap *swap;
	struct hosted_dht *dht;
} hosted_fetch_net;
/* Starts them when o has --peer or --listen and c is not offline: the node listens and
 * dials its peers, and c->swap and c->dht point at them.  0 (also when nothing was to
 * start), or -1 after a message naming cmd. */
int hosted_fetch_net_start(hosted_fetch_net *n, hosted_loop *loop, const struct hosted_p2p_opts *o,
			   hosted_fetch_config *c, const char *cmd);
/* Stops them: call it once the fetcher that used them is freed (or no longer uses
 * them), before the loop is freed. */
void hosted_fetch_net_stop(hosted_fetch_net *n);

#endif
