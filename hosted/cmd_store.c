/* cmd_store.c: the subcommands of the local content store (store.h).
 *
 *   wasmos add [--raw] FILE...   store each file, print "CID  FILE"
 *   wasmos ls                    print "CID  SIZE" for each block
 *   wasmos cat CID...            write each file's bytes to stdout, verified
 *
 * and hosted_cmd_store_fetch, which lets `wasmos run` take a CID for its file.  The
 * store is $WASMOS_HOME (default $HOME/.local/share/wasmos).  Exit statuses are in
 * hosted.h: a malformed CID is bad usage (64); a missing file, an unknown CID or a
 * corrupt block is an error (1).
 */
#include "hosted.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cid.h"
#include "dag.h"
#include "engine.h"
#include "store.h"

/* hosted/ may use libc's allocator; the engine is told sizes it does not need here. */
static void *libc_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud, (void)old_size;
	if (new_size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, new_size);
}

static bool is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* The exit status for a store error. */
static int exit_status(int code)
{
	return code == HOSTED_STORE_ERR_CID ? HOSTED_EXIT_USAGE : HOSTED_EXIT_ERROR;
}

static const char STORE_HELP[] =
	"The store is the folder $WASMOS_HOME/blocks (WASMOS_HOME defaults to\n"
	"$HOME/.local/share/wasmos), one file per block, named by the CID of its bytes.\n"
	"A file up to 1 MiB is one raw block (CIDv1, raw, sha2-256, base32: bafkrei...);\n"
	"a larger one is a UnixFS DAG of 1 MiB raw leaves under dag-pb nodes, named by\n"
	"its root (bafybei...).  Both are the CIDs IPFS (Helia, or `ipfs add\n"
	"--cid-version 1 --raw-leaves --chunker size-1048576`) gives the same bytes.\n"
	"Blocks are checked against their CID each time they are read; a block changed\n"
	"on disk is refused.\n";

/* ---- add ------------------------------------------------------------------------------- */

static void add_usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos add [--raw] FILE.wasm...\n");
	if (!full) {
		fprintf(f, "(wasmos add --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Stores each FILE in the local store and prints its CID and its name, one line\n"
		"per file (\"CID  FILE\").  Each must be a valid WebAssembly module (decoded and\n"
		"validated) unless --raw is given.  Storing a file twice is harmless.\n"
		"\n"
		"  --raw   store any bytes, without checking that they are a module\n"
		"\n"
		"%s"
		"\n"
		"Exit status: 0 all stored, 1 a file could not be read, validated or stored\n"
		"(the others still are), 64 bad usage.\n",
		STORE_HELP);
}

/* Loads bytes as a module to check them; prints why not and returns -1 if it fails. */
static int check_module(const char *file, const uint8_t *bytes, size_t len)
{
	eng_alloc alloc = { libc_alloc, NULL };
	eng_module *m = NULL;
	eng_error err;
	int code;

	memset(&err, 0, sizeof err);
	code = eng_module_load(&alloc, bytes, len, &m, &err);
	if (code != ENG_OK) {
		fprintf(stderr,
			"wasmos add: %s: not a valid WebAssembly module: %s: %s (at byte offset 0x%" PRIx32
			"); --raw stores it anyway\n",
			file, eng_error_text(code), err.msg, err.offset);
		return -1;
	}
	eng_module_free(m);
	return 0;
}

int hosted_cmd_store_add(int argc, char **argv)
{
	bool raw = false, options = true;
	int i, nfiles = 0, rc = HOSTED_EXIT_OK;
	hosted_store st;
	hosted_store_error err;

	for (i = 1; i < argc; i++) {
		if (!options || argv[i][0] != '-' || argv[i][1] == 0) {
			nfiles++;
		} else if (strcmp(argv[i], "--") == 0) {
			options = false;
		} else if (is_help(argv[i])) {
			add_usage(stdout, true);
			return HOSTED_EXIT_OK;
		} else if (strcmp(argv[i], "--raw") == 0) {
			raw = true;
		} else {
			fprintf(stderr, "wasmos add: unknown option '%s'\n", argv[i]);
			add_usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "wasmos add: no FILE given\n");
		add_usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	if (hosted_store_open(&st, NULL, &err) < 0) {
		fprintf(stderr, "wasmos add: %s\n", err.msg);
		return HOSTED_EXIT_ERROR;
	}
	options = true;
	for (i = 1; i < argc; i++) {
		const char *file = argv[i];
		char cid[WOS_CID_MAX];
		uint8_t *bytes;
		size_t len;

		if (options && strcmp(file, "--") == 0) {
			options = false;
			continue;
		}
		if (options && file[0] == '-' && file[1] != 0)
			continue;
		if (hosted_file_read(file, &bytes, &len) < 0) {
			fprintf(stderr, "wasmos add: %s: cannot read: %s\n", file, strerror(errno));
			rc = HOSTED_EXIT_ERROR;
			continue;
		}
		if (!raw && check_module(file, bytes, len) < 0) {
			rc = HOSTED_EXIT_ERROR;
		} else if (hosted_dag_add(&st, bytes, len, cid, &err) < 0) {
			fprintf(stderr, "wasmos add: %s: %s\n", file, err.msg);
			rc = HOSTED_EXIT_ERROR;
		} else {
			printf("%s  %s\n", cid, file);
		}
		free(bytes);
	}
	hosted_store_close(&st);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "wasmos add: cannot write the output: %s\n", strerror(errno));
		rc = HOSTED_EXIT_ERROR;
	}
	return rc;
}

/* ---- ls -------------------------------------------------------------------------------- */

static void ls_usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos ls\n");
	if (!full) {
		fprintf(f, "(wasmos ls --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Lists the blocks of the local store, one line each, in CID order: the CID and\n"
		"the size in bytes (\"CID  SIZE\").  It does not read the blocks: `wasmos cat`\n"
		"and `wasmos run` check each block against its CID when they use it.\n"
		"\n"
		"%s"
		"\n"
		"Exit status: 0 listed, 1 the store cannot be read, 64 bad usage.\n",
		STORE_HELP);
}

static int print_block(void *ud, const char *cid, uint64_t size)
{
	(void)ud;
	printf("%s  %" PRIu64 "\n", cid, size);
	return 0;
}

int hosted_cmd_store_ls(int argc, char **argv)
{
	hosted_store st;
	hosted_store_error err;
	int rc = HOSTED_EXIT_OK;

	if (argc > 1 && is_help(argv[1])) {
		ls_usage(stdout, true);
		return HOSTED_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "wasmos ls: unexpected argument '%s'\n", argv[1]);
		ls_usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	if (hosted_store_open(&st, NULL, &err) < 0) {
		fprintf(stderr, "wasmos ls: %s\n", err.msg);
		return HOSTED_EXIT_ERROR;
	}
	if (hosted_store_list(&st, print_block, NULL, &err) < 0) {
		fprintf(stderr, "wasmos ls: %s\n", err.msg);
		rc = HOSTED_EXIT_ERROR;
	}
	hosted_store_close(&st);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "wasmos ls: cannot write the output: %s\n", strerror(errno));
		rc = HOSTED_EXIT_ERROR;
	}
	return rc;
}

/* ---- cat ------------------------------------------------------------------------------- */

static void cat_usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos cat CID...\n");
	if (!full) {
		fprintf(f, "(wasmos cat --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Writes the bytes of each file to stdout, after checking every block against\n"
		"its CID (a raw CID is one block; a dag-pb CID the root of a file of several).\n"
		"Nothing of a file that fails a check is written.\n"
		"\n"
		"%s"
		"\n"
		"Exit status: 0 written, 1 unknown CID, missing or corrupt block, I/O error, 64 bad\n"
		"usage or a malformed CID.\n",
		STORE_HELP);
}

int hosted_cmd_store_cat(int argc, char **argv)
{
	hosted_store st;
	hosted_store_error err;
	int rc = HOSTED_EXIT_OK;

	if (argc > 1 && is_help(argv[1])) {
		cat_usage(stdout, true);
		return HOSTED_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(stderr, "wasmos cat: no CID given\n");
		cat_usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	if (hosted_store_open(&st, NULL, &err) < 0) {
		fprintf(stderr, "wasmos cat: %s\n", err.msg);
		return HOSTED_EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		uint8_t *bytes;
		size_t len;

		if (hosted_dag_read(&st, argv[i], strlen(argv[i]), &bytes, &len, &err) < 0) {
			fprintf(stderr, "wasmos cat: %s\n", err.msg);
			if (rc == HOSTED_EXIT_OK)
				rc = exit_status(err.code);
			continue;
		}
		if (fwrite(bytes, 1, len, stdout) != len) {
			fprintf(stderr, "wasmos cat: cannot write the output: %s\n", strerror(errno));
			rc = HOSTED_EXIT_ERROR;
			free(bytes);
			break;
		}
		free(bytes);
	}
	hosted_store_close(&st);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "wasmos cat: cannot write the output: %s\n", strerror(errno));
		rc = HOSTED_EXIT_ERROR;
	}
	return rc;
}

/* ---- run by CID ------------------------------------------------------------------------ */

int hosted_cmd_cid_arg(const char *cmd, const char *arg)
{
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	struct stat sb;
	int code = wos_cid_parse_file(arg, strlen(arg), &codec, digest);
	if (code == WOS_CID_OK) return 1;
	/* A path, unless nothing is there and it decodes as a CID of another kind: then
	 * say why that CID is not one we run. */
	bool cid_like = code == WOS_CID_ERR_VERSION || code == WOS_CID_ERR_NOT_FILE ||
			code == WOS_CID_ERR_HASH || code == WOS_CID_ERR_DIGEST_SIZE;
	if (cid_like && stat(arg, &sb) < 0 && errno == ENOENT) {
		fprintf(stderr, "wasmos %s: %s: no such file, and not a CID wasmos accepts: %s\n", cmd, arg,
			wos_cid_error_text(code));
		return -1;
	}
	return 0;
}

int hosted_cmd_store_fetch(const char *cmd, const char *arg, uint8_t **bytes, size_t *len)
{
	hosted_store st;
	hosted_store_error err;
	int code = hosted_cmd_cid_arg(cmd, arg);
	if (code <= 0) return code;
	if (hosted_store_open(&st, NULL, &err) < 0) {
		fprintf(stderr, "wasmos %s: %s\n", cmd, err.msg);
		return -1;
	}
	code = hosted_dag_read(&st, arg, strlen(arg), bytes, len, &err);
	hosted_store_close(&st);
	if (code < 0) {
		fprintf(stderr, "wasmos %s: %s\n", cmd, err.msg);
		return -1;
	}
	return 1;
}
