/* hosted.h: the pieces of the `wasmos` command on Linux, one function per subcommand.
 * Included by the .c files of hosted/ only. */
#ifndef WASMOS_HOSTED_H
#define WASMOS_HOSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of the command. */
enum {
	HOSTED_EXIT_OK = 0,
	HOSTED_EXIT_ERROR = 1,  /* the file cannot be read, loaded, linked or called */
	HOSTED_EXIT_TRAP = 2,   /* the program trapped */
	HOSTED_EXIT_FUEL = 3,   /* the program ran out of fuel */
	HOSTED_EXIT_USAGE = 64, /* bad command line (sysexits' EX_USAGE) */
};

/* `wasmos run ...`: argv[0] is "run".  Returns the exit status. */
int hosted_run_main(int argc, char **argv);
/* `wasmos run` without --invoke: the program in a hosted kernel (cmd_run.c). */
int hosted_cmd_run_kernel(int argc, char **argv);
/* The usage of `run`: the synopsis, and with full the whole help. */
void hosted_run_usage(FILE *f, bool full);

/* `wasmos add`, `wasmos ls`, `wasmos cat` (cmd_store.c): argv[0] is the subcommand.
 * Each returns the exit status. */
int hosted_cmd_store_add(int argc, char **argv);
int hosted_cmd_store_ls(int argc, char **argv);
int hosted_cmd_store_cat(int argc, char **argv);
/* For a subcommand cmd that takes FILE.wasm or a CID: if arg is a CID, reads its block
 * from the local store, verified, and returns 1 (*bytes is malloc'd, the caller frees
 * it); returns 0 when arg is a path instead; prints why and returns -1 on failure. */
int hosted_cmd_store_fetch(const char *cmd, const char *arg, uint8_t **bytes, size_t *len);
/* Whether arg is a CID (1) or a path (0); -1 after printing why when it is neither
 * a file nor a CID wasmos accepts, though it looks like a CID. */
int hosted_cmd_cid_arg(const char *cmd, const char *arg);

/* `wasmos fetch` (cmd_fetch.c): argv[0] is "fetch".  Returns the exit status. */
int hosted_cmd_fetch(int argc, char **argv);
/* `wasmos provide` (cmd_provide.c): the store served over bitswap. */
int hosted_cmd_provide(int argc, char **argv);

/* `wasmos boot` (cmd_boot.c) and `wasmos interfaces` (cmd_interfaces.c): argv[0] is
 * the subcommand.  Each returns the exit status. */
int hosted_cmd_boot(int argc, char **argv);
int hosted_cmd_interfaces(int argc, char **argv);
/* `wasmos pack` (cmd_pack.c): a system file and its programs into a CAR. */
int hosted_cmd_pack(int argc, char **argv);

/* `wasmos id`, `wasmos node` and `wasmos ping` (cmd_p2p.c: the network node,
 * docs/network.md): argv[0] is the subcommand.  Each returns the exit status. */
int hosted_cmd_id(int argc, char **argv);
int hosted_cmd_node(int argc, char **argv);
int hosted_cmd_ping(int argc, char **argv);

/* Reads the whole file at path (file.c).  Returns 0 with *out malloc'd (the caller
 * frees it) and *len set, or -1 with errno set. */
int hosted_file_read(const char *path, uint8_t **out, size_t *len);

#endif
