/* p2p.h: the network node of the hosted kernel: net/node.h on the epoll loop.
 *
 * hosted/p2p.c is the node's platform: non-blocking TCP sockets (dial, listen,
 * accept), their bytes and the loop's timers.  The node's identity is the Ed25519
 * seed in $WASMOS_HOME/identity (made on first use).  The flags every networked
 * command shares (--peer, --listen, --offline) are parsed here too.  Included by
 * hosted/cmd_p2p.c and the commands that run a node.
 */
#ifndef WASMOS_HOSTED_P2P_H
#define WASMOS_HOSTED_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "node.h"

#define HOSTED_P2P_MAX_FLAGS 16     /* --peer and --listen values, each */
#define HOSTED_P2P_MAX_SOCKETS 256  /* TCP connections and listeners */
#define HOSTED_P2P_MAX_QUEUE (64u << 20) /* bytes a connection may hold unsent */

/* The network flags of a command. */
typedef struct hosted_p2p_opts {
	const char *peers[HOSTED_P2P_MAX_FLAGS];   /* --peer MULTIADDR (with /p2p/ID) */
	size_t npeers;
	const char *listens[HOSTED_P2P_MAX_FLAGS]; /* --listen MULTIADDR (/ip4|ip6/ADDR/tcp/PORT) */
	size_t nlistens;
	bool offline;                              /* --offline: no node at all */
} hosted_p2p_opts;

/* If argv[*i] is one of the network flags (with its value at argv[*i + 1]), takes it
 * into o, advances *i past the value and returns 1; returns 0 for another argument,
 * -1 (after a message on stderr naming cmd) for a bad value or too many. */
int hosted_p2p_flag(hosted_p2p_opts *o, const char *cmd, int argc, char **argv, int *i);
/* Checks a value of --peer (peer: a multiaddr ending in /p2p/PEERID) or --listen:
 * NULL when it is good, else why not (static text).  For values from elsewhere (a
 * system file's peer and p2p-listen lines). */
const char *hosted_p2p_check(bool peer, const char *v);
/* The lines of --help for those flags. */
extern const char hosted_p2p_flags_help[];

typedef struct hosted_p2p hosted_p2p;

/* Loads (or makes) the identity, makes the node, binds every --listen and adds every
 * --peer to the peer store.  NULL after a message on stderr naming cmd. */
hosted_p2p *hosted_p2p_start(hosted_loop *loop, const hosted_p2p_opts *o, const char *cmd);
/* Closes every socket and frees the node. */
void hosted_p2p_free(hosted_p2p *p);
net_node *hosted_p2p_node(hosted_p2p *p);
/* The peer ids of the --peer flags, in order (the i-th, or NULL past the last). */
const net_peerid *hosted_p2p_peer(const hosted_p2p *p, size_t i);
/* The i-th bound listen address as text, with /p2p/OURID (NULL past the last). */
const char *hosted_p2p_listen_text(const hosted_p2p *p, size_t i);

/* The identity file: $WASMOS_HOME/identity, WASMOS_HOME defaulting to
 * $HOME/.local/share/wasmos.  0, or -1 with a reason in why. */
int hosted_p2p_identity_path(char *out, size_t cap, char *why, size_t why_len);

#endif
