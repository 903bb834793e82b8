/* cmd_provide.c: `wasmos provide`: the local store served to IPFS peers over bitswap
 * (swap.h) from a libp2p node (p2p.h), until SIGINT or SIGTERM.
 */
#include "hosted.h"
#include "p2p.h"
#include "swap.h"
#include "dht.h"
#include "cid.h"
#include "store.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

static hosted_loop *stop_loop;

typedef struct announcer {
	hosted_store *st;
	hosted_dht *dht;
	net_node *n;
	size_t cids;
} announcer;

static int announce_one(void *ud, const char *cid, uint64_t size)
{
	(void)size;
	announcer *a = ud;
	uint8_t bin[WOS_CID_BIN_MAX];
	size_t n;
	if (wos_cid_decode_text(cid, strlen(cid), bin, &n) == 0 && hosted_dht_provide(a->dht, bin, n)) a->cids++;
	return 0;
}

/* A peer that speaks the DHT identified itself: every CID of the store is announced
 * (ADD_PROVIDER) to the peers of the routing table. */
static void on_peer(void *ud, const net_peerid *peer, enum net_peer_event ev, int err)
{
	(void)err;
	announcer *a = ud;
	if (ev != NET_PEER_IDENTIFIED || !net_node_peer_speaks(a->n, peer, NET_KAD_PROTOCOL)) return;
	hosted_store_error e;
	a->cids = 0;
	hosted_store_list(a->st, announce_one, a, &e);
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(peer, id);
	fprintf(stderr, "wasmos provide: announced %zu CID%s to the DHT (peer %s joined)\n", a->cids,
		a->cids == 1 ? "" : "s", id);
}

static void on_signal(int sig)
{
	(void)sig;
	if (stop_loop) hosted_loop_stop(stop_loop);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wasmos provide [--listen MULTIADDR]... [--peer MULTIADDR]...\n"
		"\n"
		"Serves the blocks of the local store ($WASMOS_HOME/blocks, see wasmos add) to\n"
		"IPFS peers over bitswap 1.2.0, from a libp2p node that listens on each --listen\n"
		"and connects to each --peer, until SIGINT or SIGTERM.  Prints 'peer id ID',\n"
		"then 'listening on ADDRESS' for each --listen; at the end, on stderr, the\n"
		"blocks and bytes it served.  Every block is checked against its CID as it is\n"
		"read, so a block changed on disk is never served.  It serves the DHT\n"
		"(/ipfs/kad/1.0.0) too, and announces every CID of the store (ADD_PROVIDER) to\n"
		"the DHT peers it meets, so that nodes told only of those peers find it.\n"
		"\n%s",
		hosted_p2p_flags_help);
}

int hosted_cmd_provide(int argc, char **argv)
{
	hosted_p2p_opts o;
	memset(&o, 0, sizeof o);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return HOSTED_EXIT_OK;
		}
		int r = hosted_p2p_flag(&o, "provide", argc, argv, &i);
		if (r < 0) return HOSTED_EXIT_USAGE;
		if (r == 0 || o.offline) {
			fprintf(stderr, "wasmos provide: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (!o.nlistens && !o.npeers) {
		fprintf(stderr, "wasmos provide: nobody could reach it: give --listen or --peer\n");
		return HOSTED_EXIT_USAGE;
	}
	hosted_store st;
	hosted_store_error err;
	if (hosted_store_open(&st, NULL, &err) != 0) {
		fprintf(stderr, "wasmos provide: %s\n", err.msg);
		return HOSTED_EXIT_ERROR;
	}
	int status = HOSTED_EXIT_ERROR;
	hosted_loop *loop = hosted_loop_new();
	hosted_p2p *p = loop ? hosted_p2p_start(loop, &o, "provide") : NULL;
	hosted_swap *sw = p ? hosted_swap_new(hosted_p2p_node(p), &st, 0) : NULL;
	hosted_dht *dht = sw ? hosted_dht_new(hosted_p2p_node(p)) : NULL;
	announcer an = { &st, dht, p ? hosted_p2p_node(p) : NULL, 0 };
	if (!dht || net_node_watch_peers(an.n, on_peer, &an) != 0) {
		if (p) fprintf(stderr, "wasmos provide: out of memory\n");
		goto out;
	}
	net_node *n = hosted_p2p_node(p);
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(net_node_peerid(n), id);
	printf("peer id %s\n", id);
	for (size_t i = 0; hosted_p2p_listen_text(p, i); i++) printf("listening on %s\n", hosted_p2p_listen_text(p, i));
	fflush(stdout);
	for (size_t i = 0; hosted_p2p_peer(p, i); i++) net_node_connect(n, hosted_p2p_peer(p, i));
	stop_loop = loop;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = hosted_loop_run(loop, NULL, NULL, NULL);
	stop_loop = NULL;
	uint64_t blocks, bytes;
	hosted_swap_stats(sw, &blocks, &bytes);
	fprintf(stderr, "wasmos provide: served %" PRIu64 " block%s, %" PRIu64 " bytes\n", blocks, blocks == 1 ? "" : "s",
		bytes);
	status = rc == 0 ? HOSTED_EXIT_OK : HOSTED_EXIT_ERROR;
out:
	hosted_dht_detach(dht);
	hosted_swap_detach(sw);
	hosted_p2p_free(p); /* its last events reach the detached swap and dht */
	hosted_dht_free(dht);
	hosted_swap_free(sw);
	hosted_loop_free(loop);
	hosted_store_close(&st);
	return status;
}
