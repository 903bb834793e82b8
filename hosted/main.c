/* main.c: the `wasmos` command on Linux: the hosted kernel (`run` one program, `boot`
 * a system of them), the local content store (`add`, `ls`, `cat`, and `fetch` from
 * the network) and `interfaces`. */
#include "hosted.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wasmos COMMAND [ARGS...]\n"
		"\n"
		"wasmos is an operating system in which every program is WebAssembly and\n"
		"programs talk only by messages to interfaces.  This is its hosted form on Linux.\n"
		"\n"
		"Commands:\n"
		"  run [OPTIONS] FILE.wasm|CID [ARGS...]\n"
		"        run one program (WASI or wasmos) in a hosted kernel\n"
		"  run --invoke NAME FILE.wasm|CID [ARGS...]\n"
		"        load a module without imports, run its start function, call its\n"
		"        export NAME with ARGS and print the results\n"
		"  boot SYSTEM-FILE   start the programs of a system file (docs/system.md)\n"
		"  pack SYSTEM-FILE -o BUNDLE.car\n"
		"        a system and its programs, named by CID, in one CAR (the metal\n"
		"        kernel's boot bundle)\n"
		"  interfaces         list the interfaces, their ids and messages\n"
		"  add FILE.wasm...   store modules in the local store, print their CIDs\n"
		"  ls                 list the CIDs in the local store, with sizes\n"
		"  cat CID            write a stored block to stdout, checked against its CID\n"
		"  fetch CID...       fetch blocks from the network into the store, checked\n"
		"  provide            serve the store to IPFS peers over bitswap\n"
		"  id                 print this machine's IPFS peer id (and listen addresses)\n"
		"  node               run an IPFS (libp2p) node that serves identify and ping\n"
		"  ping MULTIADDR     connect to an IPFS peer and ping it\n"
		"\n"
		"`wasmos COMMAND --help` tells more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HOSTED_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return HOSTED_EXIT_OK;
	}
	if (strcmp(argv[1], "run") == 0)
		return hosted_run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return hosted_cmd_store_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "ls") == 0)
		return hosted_cmd_store_ls(argc - 1, argv + 1);
	if (strcmp(argv[1], "cat") == 0)
		return hosted_cmd_store_cat(argc - 1, argv + 1);
	if (strcmp(argv[1], "fetch") == 0)
		return hosted_cmd_fetch(argc - 1, argv + 1);
	if (strcmp(argv[1], "boot") == 0)
		return hosted_cmd_boot(argc - 1, argv + 1);
	if (strcmp(argv[1], "pack") == 0)
		return hosted_cmd_pack(argc - 1, argv + 1);
	if (strcmp(argv[1], "id") == 0)
		return hosted_cmd_id(argc - 1, argv + 1);
	if (strcmp(argv[1], "provide") == 0)
		return hosted_cmd_provide(argc - 1, argv + 1);
	if (strcmp(argv[1], "node") == 0)
		return hosted_cmd_node(argc - 1, argv + 1);
	if (strcmp(argv[1], "ping") == 0)
		return hosted_cmd_ping(argc - 1, argv + 1);
	if (strcmp(argv[1], "interfaces") == 0)
		return hosted_cmd_interfaces(argc - 1, argv + 1);
	fprintf(stderr, "wasmos: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return HOSTED_EXIT_USAGE;
}
