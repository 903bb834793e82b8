/* cmd_p2p.c: the network commands: `wasmos id` (our peer id and listen addresses),
 * `wasmos node` (a node that serves identify and ping until interrupted) and
 * `wasmos ping MULTIADDR` (connect, ping, report what the peer told identify).
 * They run the node of hosted/p2p.c on the hosted loop without a kernel.
 */
#define _GNU_SOURCE
#include "hosted.h"
#include "p2p.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multiaddr.h"

static hosted_loop *stop_loop;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_loop) hosted_loop_stop(stop_loop);
}

/* Parses the network flags and -v; the first other argument's index in *rest.
 * Returns -1 (usage) or 0. */
static int parse(const char *cmd, int argc, char **argv, hosted_p2p_opts *o, bool *verbose, int *rest,
	void (*usage)(FILE *))
{
	memset(o, 0, sizeof *o);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(HOSTED_EXIT_OK);
		}
		if (verbose && (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))) {
			*verbose = true;
			continue;
		}
		int r = hosted_p2p_flag(o, cmd, argc, argv, &i);
		if (r < 0) return -1;
		if (r == 0) {
			fprintf(stderr, "wasmos %s: unknown option '%s'\n", cmd, argv[i]);
			usage(stderr);
			return -1;
		}
	}
	*rest = i;
	if (o->offline) {
		fprintf(stderr, "wasmos %s: --offline: this command is the network\n", cmd);
		return -1;
	}
	return 0;
}

/* ---- wasmos id ------------------------------------------------------------------------------- */

static void id_usage(FILE *f)
{
	fprintf(f,
		"usage: wasmos id [--listen MULTIADDR]...\n"
		"\n"
		"Prints this machine's peer id (its Ed25519 identity, kept in $WASMOS_HOME/identity\n"
		"and made on first use), then, for each --listen, the address it binds, with\n"
		"/p2p/PEERID: what other peers dial.\n");
}

int hosted_cmd_id(int argc, char **argv)
{
	hosted_p2p_opts o;
	int rest;
	if (parse("id", argc, argv, &o, NULL, &rest, id_usage) != 0) return HOSTED_EXIT_USAGE;
	if (rest < argc) {
		fprintf(stderr, "wasmos id: unexpected argument '%s'\n", argv[rest]);
		return HOSTED_EXIT_USAGE;
	}
	hosted_loop *loop = hosted_loop_new();
	hosted_p2p *p = loop ? hosted_p2p_start(loop, &o, "id") : NULL;
	if (!p) {
		hosted_loop_free(loop);
		return HOSTED_EXIT_ERROR;
	}
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(net_node_peerid(hosted_p2p_node(p)), id);
	printf("%s\n", id);
	for (size_t i = 0; hosted_p2p_listen_text(p, i); i++) printf("%s\n", hosted_p2p_listen_text(p, i));
	hosted_p2p_free(p);
	hosted_loop_free(loop);
	return HOSTED_EXIT_OK;
}

/* ---- wasmos node ------------------------------------------------------------------------------ */

static void node_usage(FILE *f)
{
	fprintf(f,
		"usage: wasmos node [-v] [--echo] [--listen MULTIADDR]... [--peer MULTIADDR]...\n"
		"\n"
		"Runs a libp2p node (TCP, Noise, yamux) that serves identify and ping, until\n"
		"SIGINT or SIGTERM.  Prints 'peer id ID', then 'listening on ADDRESS' for each\n"
		"--listen, and connects to each --peer.  -v reports peers that connect, identify\n"
		"or leave, on stderr.  --echo also serves /wasmos/echo/1.0.0, which sends back\n"
		"every byte it gets (a test of flow control with other implementations).\n"
		"\n%s",
		hosted_p2p_flags_help);
}

static void report_peer(void *ud, const net_peerid *peer, enum net_peer_event ev, int err)
{
	net_node *n = ud;
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(peer, id);
	switch (ev) {
	case NET_PEER_CONNECTED: fprintf(stderr, "wasmos node: connected %s\n", id); break;
	case NET_PEER_DISCONNECTED: fprintf(stderr, "wasmos node: disconnected %s\n", id); break;
	case NET_PEER_FAILED: fprintf(stderr, "wasmos node: cannot connect %s: %s\n", id, net_error_text(err)); break;
	case NET_PEER_IDENTIFIED:
		fprintf(stderr, "wasmos node: identified %s:", id);
		for (size_t i = 0; net_node_peer_protocol(n, peer, i); i++)
			fprintf(stderr, " %s", net_node_peer_protocol(n, peer, i));
		fprintf(stderr, "\n");
		break;
	}
}

/* /wasmos/echo/1.0.0: every byte back, then our FIN after the remote's. */
static void echo_opened(void *ud, net_stream *s)
{
	(void)ud;
	(void)s;
}

static void echo_bytes(void *ud, net_stream *s, const uint8_t *p, size_t len)
{
	(void)ud;
	/* the queue's cap bounds what a remote that never reads can make us hold */
	if (net_stream_write(s, p, len) != 0) net_stream_reset(s);
}

static void echo_fin(void *ud, net_stream *s)
{
	(void)ud;
	net_stream_close(s);
}

static void echo_closed(void *ud, net_stream *s, int err)
{
	(void)ud;
	(void)s;
	(void)err;
}

static const net_stream_ops ECHO_OPS = { echo_opened, echo_bytes, echo_fin, echo_closed, 0 };

int hosted_cmd_node(int argc, char **argv)
{
	hosted_p2p_opts o;
	bool verbose = false, echo = false;
	int rest;
	/* --echo is this command's own: take it out before the shared flags */
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--echo")) continue;
		echo = true;
		memmove(argv + k, argv + k + 1, (size_t)(argc - k) * sizeof *argv);
		argc--;
		break;
	}
	if (parse("node", argc, argv, &o, &verbose, &rest, node_usage) != 0) return HOSTED_EXIT_USAGE;
	if (rest < argc) {
		fprintf(stderr, "wasmos node: unexpected argument '%s'\n", argv[rest]);
		return HOSTED_EXIT_USAGE;
	}
	if (!o.nlistens && !o.npeers) {
		/* nobody could ever reach it, nor it anybody */
		fprintf(stderr, "wasmos node: give --listen MULTIADDR or --peer MULTIADDR\n");
		node_usage(stderr);
		return HOSTED_EXIT_USAGE;
	}
	hosted_loop *loop = hosted_loop_new();
	hosted_p2p *p = loop ? hosted_p2p_start(loop, &o, "node") : NULL;
	if (!p) {
		hosted_loop_free(loop);
		return HOSTED_EXIT_ERROR;
	}
	net_node *n = hosted_p2p_node(p);
	if (verbose) net_node_watch_peers(n, report_peer, n);
	if (echo) net_node_handle(n, "/wasmos/echo/1.0.0", &ECHO_OPS, NULL);
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(net_node_peerid(n), id);
	printf("peer id %s\n", id);
	for (size_t i = 0; hosted_p2p_listen_text(p, i); i++) printf("listening on %s\n", hosted_p2p_listen_text(p, i));
	fflush(stdout);
	for (size_t i = 0; hosted_p2p_peer(p, i); i++) net_node_connect(n, hosted_p2p_peer(p, i));
	stop_loop = loop;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	hosted_loop_hold(loop); /* no process: the node is the work, until a signal */
	int rc = hosted_loop_run(loop, NULL, NULL, NULL);
	stop_loop = NULL;
	hosted_p2p_free(p);
	hosted_loop_free(loop);
	return rc == 0 ? HOSTED_EXIT_OK : HOSTED_EXIT_ERROR;
}

/* ---- wasmos ping ------------------------------------------------------------------------------ */

static void ping_usage(FILE *f)
{
	fprintf(f,
		"usage: wasmos ping [-c COUNT] MULTIADDR\n"
		"\n"
		"Connects to the peer at MULTIADDR (/ip4/ADDR/tcp/PORT/p2p/PEERID: the peer must\n"
		"prove it is PEERID), pings it COUNT times (default 1) over /ipfs/ping/1.0.0 and\n"
		"prints each round trip, then what the peer told identify.  Exits 0 when every\n"
		"ping came back, 1 otherwise.\n");
}

typedef struct pinging {
	net_node *n;
	net_peerid peer;
	int left, failed;
	bool identified, identify_late;
	bool done;
} pinging;

static void pinged(void *ud, const net_peerid *peer, int err, uint64_t rtt);

static void ping_next(pinging *g)
{
	if (g->left-- <= 0) {
		g->done = true;
		return;
	}
	int rc = net_node_ping(g->n, &g->peer, pinged, g);
	if (rc) {
		fprintf(stderr, "wasmos ping: %s\n", net_error_text(rc));
		g->failed++;
		g->done = true;
	}
}

static void pinged(void *ud, const net_peerid *peer, int err, uint64_t rtt)
{
	pinging *g = ud;
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(peer, id);
	if (err) {
		fprintf(stderr, "wasmos ping: %s: %s\n", id, net_error_text(err));
		g->failed++;
		g->done = true;
		return;
	}
	printf("pong from %s in %llu ms\n", id, (unsigned long long)rtt);
	fflush(stdout);
	ping_next(g);
}

static void ping_peer_event(void *ud, const net_peerid *peer, enum net_peer_event ev, int err)
{
	pinging *g = ud;
	(void)err;
	if (ev == NET_PEER_IDENTIFIED && net_peerid_equal(peer, &g->peer)) g->identified = true;
}

static bool ping_finished(void *ud)
{
	pinging *g = ud;
	/* identify is asked as the connection opens; wait for it too, unless it failed */
	return g->done && (g->identified || g->failed || !net_node_is_connected(g->n, &g->peer));
}

static void identify_deadline(void *ud, uint64_t id)
{
	(void)id;
	pinging *g = ud;
	g->identified = true; /* stop waiting: reported as not identified below */
	g->identify_late = true;
}

int hosted_cmd_ping(int argc, char **argv)
{
	hosted_p2p_opts o;
	memset(&o, 0, sizeof o);
	long count = 1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ping_usage(stdout);
			return HOSTED_EXIT_OK;
		}
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			char *end;
			count = strtol(argv[++i], &end, 10);
			if (*end || count < 1 || count > 1000) {
				fprintf(stderr, "wasmos ping: -c wants a number from 1 to 1000\n");
				return HOSTED_EXIT_USAGE;
			}
			continue;
		}
		fprintf(stderr, "wasmos ping: unknown option '%s'\n", argv[i]);
		ping_usage(stderr);
		return HOSTED_EXIT_USAGE;
	}
	if (i + 1 != argc) {
		ping_usage(stderr);
		return HOSTED_EXIT_USAGE;
	}
	char *peer_argv[] = { "ping", "--peer", argv[i], NULL };
	int k = 1;
	if (hosted_p2p_flag(&o, "ping", 3, peer_argv, &k) != 1) return HOSTED_EXIT_USAGE;
	hosted_loop *loop = hosted_loop_new();
	hosted_p2p *p = loop ? hosted_p2p_start(loop, &o, "ping") : NULL;
	if (!p) {
		hosted_loop_free(loop);
		return HOSTED_EXIT_ERROR;
	}
	pinging g = { .n = hosted_p2p_node(p), .peer = *hosted_p2p_peer(p, 0), .left = (int)count };
	net_node_watch_peers(g.n, ping_peer_event, &g);
	ping_next(&g);
	/* identify may trail the last pong by a round trip; bound that wait too */
	hosted_loop_timer(loop, hosted_now_ns() + (uint64_t)(NET_TIMEOUT_MS + 1000) * 1000000u * (uint64_t)count,
		identify_deadline, &g);
	stop_loop = loop;
	signal(SIGINT, on_signal);
	hosted_loop_hold(loop); /* no process: the pings are the work */
	hosted_loop_run(loop, NULL, ping_finished, &g);
	stop_loop = NULL;
	int status = g.failed || !g.done ? HOSTED_EXIT_ERROR : HOSTED_EXIT_OK;
	if (!g.failed && g.identified && !g.identify_late) {
		printf("identified");
		for (size_t j = 0; net_node_peer_protocol(g.n, &g.peer, j); j++)
			printf(" %s", net_node_peer_protocol(g.n, &g.peer, j));
		printf("\n");
	}
	hosted_p2p_free(p);
	hosted_loop_free(loop);
	return status;
}
