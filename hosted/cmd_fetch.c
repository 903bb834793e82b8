/* cmd_fetch.c: `wasmos fetch [OPTIONS] CID...`: blocks from the network into the local
 * store (fetch.h), and the network options that `run` and `boot` share with it.
 */
#define _GNU_SOURCE
#include "hosted.h"
#include "fetch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cid.h"
#include "dag.h"
#include "p2p.h"
#include "store.h"
#include "swap.h"
#include "dht.h"

/* The text of the shared options, for the --help of each command. */
const char hosted_fetch_options_help[] =
	"  --gateway URL      an HTTP trustless gateway to fetch CIDs from that are not in\n"
	"                     the local store, http://HOST[:PORT][/PATH] (repeatable, asked\n"
	"                     in order; https is not supported); default $WASMOS_GATEWAY\n"
	"  --offline          the local store only: ask no network source\n"
	"  --fetch-timeout S  give up on a source after S seconds without progress (30)\n";

int hosted_fetch_option(const char *cmd, int argc, char **argv, int *i, hosted_fetch_config *c)
{
	const char *a = argv[*i];
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (!strcmp(a, "--offline")) {
		c->offline = true;
		return 1;
	}
	if (!strcmp(a, "--gateway") && v) {
		if (c->ngateways == HOSTED_FETCH_MAX_SOURCES) {
			fprintf(stderr, "wasmos %s: at most %u --gateway\n", cmd, HOSTED_FETCH_MAX_SOURCES);
			return -1;
		}
		c->gateways[c->ngateways++] = v;
		(*i)++;
		return 1;
	}
	if ((!strcmp(a, "--fetch-timeout") || (!strcmp(cmd, "fetch") && !strcmp(a, "--timeout"))) && v) {
		char *end;
		errno = 0;
		double s = strtod(v, &end);
		if (errno || *end || end == v || !(s > 0) || s > 86400) {
			fprintf(stderr, "wasmos %s: %s wants seconds, more than 0 and at most 86400; got '%s'\n", cmd, a, v);
			return -1;
		}
		c->timeout_ns = (uint64_t)(s * 1e9);
		if (!c->timeout_ns) c->timeout_ns = 1;
		(*i)++;
		return 1;
	}
	return 0;
}

int hosted_fetch_net_start(hosted_fetch_net *n, hosted_loop *loop, const hosted_p2p_opts *o, hosted_fetch_config *c,
			   const char *cmd)
{
	memset(n, 0, sizeof *n);
	if (c->offline || (!o->npeers && !o->nlistens)) return 0;
	if (!(n->p2p = hosted_p2p_start(loop, o, cmd))) return -1;
	net_node *node = hosted_p2p_node(n->p2p);
	if (!(n->swap = hosted_swap_new(node, NULL, 0)) || !(n->dht = hosted_dht_new(node))) {
		fprintf(stderr, "wasmos %s: out of memory\n", cmd);
		hosted_fetch_net_stop(n);
		return -1;
	}
	c->swap = n->swap;
	c->dht = n->dht;
	for (size_t l = 0; hosted_p2p_peer(n->p2p, l); l++) net_node_connect(node, hosted_p2p_peer(n->p2p, l));
	return 0;
}

void hosted_fetch_net_stop(hosted_fetch_net *n)
{
	/* swap and dht let go of the node, whose freeing still reports peer events to
	 * them, and only then are freed */
	hosted_dht_detach(n->dht);
	hosted_swap_detach(n->swap);
	hosted_p2p_free(n->p2p);
	hosted_dht_free(n->dht);
	hosted_swap_free(n->swap);
	memset(n, 0, sizeof *n);
}

void hosted_fetch_defaults(hosted_fetch_config *c)
{
	const char *env = getenv("WASMOS_GATEWAY");
	if (!c->ngateways && !c->offline && env && *env) c->gateways[c->ngateways++] = env;
}

static void usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos fetch [OPTIONS] CID...\n");
	if (!full) {
		fprintf(f, "(wasmos fetch --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Fetches the file each CID names into the local store (a raw block, or every\n"
		"block under a dag-pb root), unless it is there already, and prints its CID once\n"
		"it is stored.  Every block is checked against its CID before anything is\n"
		"stored: a source that sends other bytes is refused, named, and the next one is\n"
		"asked.  On a terminal, progress goes to stderr.\n"
		"`wasmos run CID` fetches the same way when the store lacks the program.\n"
		"\n"
		"%s"
		"  --timeout S        the same as --fetch-timeout\n"
		"%s"
		"\n"
		"Sources: the --peer peers over bitswap 1.2.0 first (a dag-pb root's blocks are\n"
		"wanted as its links become known), then each HTTP trustless gateway (GET\n"
		"/ipfs/CID?format=raw for a raw block, ?format=car for a dag-pb root).  The\n"
		"store is $WASMOS_HOME/blocks (see wasmos add).\n"
		"\n"
		"Exit status: 0 all stored, 1 a CID could not be fetched (the others still are),\n"
		"64 bad usage or a malformed CID.\n",
		hosted_fetch_options_help, hosted_p2p_flags_help);
}

typedef struct fetch_run {
	const char *cid;
	bool done;
	int rc;
} fetch_run;

static void on_fetched(void *ud, int rc, const char *why)
{
	fetch_run *r = ud;
	r->done = true;
	r->rc = rc;
	if (rc == HOSTED_FETCH_OK)
		printf("%s\n", r->cid);
	else
		fprintf(stderr, "wasmos fetch: %s\n", why);
	fflush(stdout);
}

static bool all_done(void *ud)
{
	fetch_run **runs = ud;
	for (size_t i = 0; runs[i]; i++)
		if (!runs[i]->done) return false;
	return true;
}

int hosted_cmd_fetch(int argc, char **argv)
{
	hosted_fetch_config c;
	hosted_p2p_opts p2o;
	memset(&c, 0, sizeof c);
	memset(&p2o, 0, sizeof p2o);
	c.progress = -1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, true);
			return HOSTED_EXIT_OK;
		}
		int o = hosted_fetch_option("fetch", argc, argv, &i, &c);
		if (o == 0 && strcmp(a, "--offline") != 0) o = hosted_p2p_flag(&p2o, "fetch", argc, argv, &i);
		if (o < 0) return HOSTED_EXIT_USAGE;
		if (o == 0) {
			fprintf(stderr, "wasmos fetch: unknown option '%s'%s\n", a,
				i + 1 < argc ? "" : " (or its value is missing)");
			usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (i == argc) {
		fprintf(stderr, "wasmos fetch: no CID given\n");
		usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	for (int j = i; j < argc; j++) {
		uint8_t digest[WOS_SHA256_SIZE];
		uint64_t codec;
		int code = wos_cid_parse_file(argv[j], strlen(argv[j]), &codec, digest);
		if (code != WOS_CID_OK) {
			fprintf(stderr, "wasmos fetch: '%s' is not a CID: %s\n", argv[j], wos_cid_error_text(code));
			return HOSTED_EXIT_USAGE;
		}
	}
	hosted_fetch_defaults(&c);

	int status = HOSTED_EXIT_ERROR;
	char why[1200];
	hosted_store st;
	hosted_store_error err;
	hosted_loop *loop = hosted_loop_new();
	hosted_fetch *f = NULL;
	hosted_fetch_net net = { 0 };
	fetch_run *runs = calloc((size_t)(argc - i), sizeof *runs);
	fetch_run **list = calloc((size_t)(argc - i) + 1, sizeof *list);
	if (!loop || !runs || !list) {
		fprintf(stderr, "wasmos fetch: out of memory\n");
		goto out_free;
	}
	if (hosted_store_open(&st, NULL, &err) != 0) {
		fprintf(stderr, "wasmos fetch: %s\n", err.msg);
		goto out_free;
	}
	/* --peer: a node on the loop, its peers asked over bitswap before any gateway */
	if (hosted_fetch_net_start(&net, loop, &p2o, &c, "fetch") != 0) goto out_close;
	if (!(f = hosted_fetch_new(loop, &c, why, sizeof why))) {
		fprintf(stderr, "wasmos fetch: %s\n", why);
		status = HOSTED_EXIT_USAGE;
		goto out_close;
	}
	size_t n = 0;
	for (int j = i; j < argc; j++) {
		fetch_run *r = &runs[j - i];
		r->cid = argv[j];
		uint8_t *bytes;
		size_t len;
		/* already here, and whole: nothing to fetch (a corrupt copy is fetched again) */
		if (hosted_dag_read(&st, argv[j], strlen(argv[j]), &bytes, &len, &err) == 0) {
			free(bytes);
			r->done = true;
			printf("%s\n", r->cid);
			continue;
		}
		if (hosted_fetch_start(f, argv[j], strlen(argv[j]), on_fetched, r, why, sizeof why) != 0) {
			fprintf(stderr, "wasmos fetch: %s\n", why);
			r->done = true;
			r->rc = -1;
			continue;
		}
		list[n++] = r;
	}
	fflush(stdout);
	if (n) hosted_loop_run(loop, NULL, all_done, list);
	status = HOSTED_EXIT_OK;
	for (int j = 0; j < argc - i; j++) {
		if (!runs[j].done) {
			fprintf(stderr, "wasmos fetch: %s: interrupted\n", runs[j].cid);
			status = HOSTED_EXIT_ERROR;
		} else if (runs[j].rc) {
			status = HOSTED_EXIT_ERROR;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "wasmos fetch: cannot write the output: %s\n", strerror(errno));
		status = HOSTED_EXIT_ERROR;
	}
out_close:
	hosted_fetch_free(f); /* first: its wants hold the swap, the swap the node */
	hosted_fetch_net_stop(&net);
	hosted_store_close(&st);
out_free:
	free(list);
	free(runs);
	hosted_loop_free(loop);
	return status;
}
