/* cmd_pack.c: `wasmos pack SYSTEM-FILE -o BUNDLE.car`: a system and its programs in
 * one CARv1 file (lib/car.h), the boot bundle the metal kernel carries.
 *
 * Each program the system file gives by path becomes the CID `wasmos add` gives its
 * bytes on its `program` line: up to 1 MiB its raw block (CIDv1, raw, sha2-256), larger
 * the dag-pb root of its UnixFS DAG (lib/unixfs.h), whose blocks all go in; a program
 * given by CID is taken from the local store, with every block of its DAG for a
 * dag-pb root.  The CAR holds the rewritten system file as a raw block, which is its
 * root, then each program's blocks once, in file order.  So
 * the bundle names everything by content: whoever reads it checks each block against
 * its CID (metal/bundle.c does, at boot), and the system file it boots from says
 * exactly which bytes each program is.
 *
 * The system file is parsed (and so checked) by the same parser `wasmos boot` uses;
 * only its `program` lines change, each rewritten as `program NAME CID` with its
 * indentation (a comment after the source on that line is dropped).
 */
#include "dag.h"
#include "hosted.h"
#include "store.h"
#include "system.h"   /* kernel/: the system-file parser */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "car.h"
#include "cid.h"
#include "sha256.h"
#include "unixfs.h"

/* hosted/ may use libc's allocator; the parser says the sizes, which realloc needs not. */
static void *libc_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud, (void)old_size;
	if (new_size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, new_size);
}

/* One block of the bundle: a program's bytes (or a block of its DAG), or the system
 * file's. */
typedef struct pack_block {
	uint8_t *bytes;              /* malloc'd */
	size_t len;
	uint64_t codec;              /* WOS_CODEC_RAW or WOS_CODEC_DAG_PB */
	char cid[WOS_CID_MAX];
} pack_block;

typedef struct pack {
	const char *file;
	kern_sysfile *sys;           /* NULL until parsed */
	pack_block *blocks;          /* [0] is the system file, once made */
	uint32_t nblocks;
	char (*cids)[WOS_CID_MAX];   /* per program of sys, its CID */
	hosted_store store;
	bool store_open;
} pack;

static void usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos pack SYSTEM-FILE -o BUNDLE.car\n");
	if (!full) {
		fprintf(f, "(wasmos pack --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Writes a system and its programs into one CARv1 file (an IPFS content\n"
		"archive), the boot bundle of the metal kernel.  Each program given by path\n"
		"in SYSTEM-FILE (docs/system.md) is replaced by its CID as `wasmos add` prints\n"
		"it (over 1 MiB a dag-pb root, with all its blocks); a program given by CID is\n"
		"taken from the local store ($WASMOS_HOME/blocks).  The CAR's blocks are the\n"
		"rewritten system file, its root, then each program's once.  Prints \"CID  NAME\"\n"
		"per program, then \"CID  SYSTEM-FILE\" for the root.\n"
		"\n"
		"  -o FILE   the CAR to write (replaced if it exists)\n"
		"\n"
		"Exit status: 0 written, 1 the system file, a program or the output could not\n"
		"be read, checked or written (nothing is left at FILE), 64 bad usage.\n");
}

/* Adds bytes (owned by the pack from here on, even on failure) as a block of codec
 * (raw or dag-pb) unless a block with the same CID is there; cid receives it. */
static int add_block(pack *pk, uint8_t *bytes, size_t len, uint64_t codec, char cid[WOS_CID_MAX])
{
	uint8_t digest[WOS_SHA256_SIZE];
	wos_sha256(bytes, len, digest);
	wos_cid_format_file(codec, digest, cid);
	for (uint32_t i = 0; i < pk->nblocks; i++) {
		if (strcmp(pk->blocks[i].cid, cid) == 0) {
			free(bytes);
			return 0;
		}
	}
	pack_block *b = realloc(pk->blocks, (pk->nblocks + 1) * sizeof *b);
	if (!b) {
		free(bytes);
		return -1;
	}
	pk->blocks = b;
	b[pk->nblocks].bytes = bytes;
	b[pk->nblocks].len = len;
	b[pk->nblocks].codec = codec;
	memcpy(b[pk->nblocks].cid, cid, WOS_CID_MAX);
	pk->nblocks++;
	return 0;
}

/* Adds a copy of a block the importer made (or a CAR held) to the pack. */
static int put_copy(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *block, size_t len)
{
	wos_cid_info c;
	char text[WOS_CID_MAX];
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy || wos_cid_read(cid, cid_len, &c) != 0) {
		free(copy);
		return -1;
	}
	memcpy(copy, block, len);
	return add_block(ctx, copy, len, c.codec, text);
}

/* Adds every block of the CAR a dag-pb CID's DAG came in (hosted_dag_car). */
static int add_car_blocks(pack *pk, const uint8_t *car, size_t len)
{
	wos_car_reader r;
	wos_car_block b;
	int rc = wos_car_open(&r, car, len);
	while (rc == 0 && (rc = wos_car_next(&r, &b)) == 1)
		rc = put_copy(pk, b.cid_bytes, b.cid.len, b.data, b.len);
	return rc < 0 ? -1 : 0;
}

/* Reads program g (its file, or its CID from the store) into blocks. */
static int take_program(pack *pk, const kern_sysfile_program *g, char cid[WOS_CID_MAX])
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (g->path) {
		if (hosted_file_read(g->path, &bytes, &len) != 0) {
			fprintf(stderr, "wasmos pack: %s:%d: program %s: %s: %s\n", pk->file, g->line, g->name,
				g->path, strerror(errno));
			return -1;
		}
		/* a cheap check that catches a wrong path; the kernel validates at spawn */
		if (len < 8 || memcmp(bytes, "\0asm\1\0\0\0", 8) != 0) {
			fprintf(stderr, "wasmos pack: %s:%d: program %s: %s is not a WebAssembly module\n",
				pk->file, g->line, g->name, g->path);
			free(bytes);
			return -1;
		}
		if (len > WOS_UNIXFS_CHUNK) {
			/* named as `wasmos add` names it: a UnixFS DAG, every block packed */
			size_t n = wos_unixfs_import_scratch(NULL, len), root_len;
			uint8_t root[WOS_CID_BIN_MAX];
			void *scratch = malloc(n);
			int rc = scratch ? wos_unixfs_import(NULL, bytes, len, scratch, n, put_copy, pk, root, &root_len) : -1;
			free(scratch);
			free(bytes);
			if (rc != 0 || wos_cid_text(root, root_len, cid, WOS_CID_MAX) < 0) {
				fprintf(stderr, "wasmos pack: out of memory\n");
				return -1;
			}
			return 0;
		}
	} else {
		hosted_store_error err;
		if (!pk->store_open) {
			if (hosted_store_open(&pk->store, NULL, &err) != 0) {
				fprintf(stderr, "wasmos pack: %s\n", err.msg);
				return -1;
			}
			pk->store_open = true;
		}
		/* a dag-pb CID names a file of several blocks: the bundle holds them all (the
		 * metal loader answers with a CAR of them, as the hosted one does) */
		uint64_t codec = WOS_CODEC_RAW;
		uint8_t digest[WOS_SHA256_SIZE];
		(void)wos_cid_parse_file(g->source, strlen(g->source), &codec, digest); /* it parsed before */
		int rc = codec == WOS_CODEC_DAG_PB
				 ? hosted_dag_car(&pk->store, g->source, strlen(g->source), &bytes, &len, &err)
				 : hosted_dag_read(&pk->store, g->source, strlen(g->source), &bytes, &len, &err);
		if (rc != 0) {
			fprintf(stderr, "wasmos pack: %s:%d: program %s: %s%s\n", pk->file, g->line, g->name,
				err.msg, err.code == HOSTED_STORE_ERR_NOTFOUND ? " (wasmos add it first)" : "");
			return -1;
		}
		if (codec == WOS_CODEC_DAG_PB) {
			rc = add_car_blocks(pk, bytes, len);
			free(bytes);
			wos_cid_format_file(codec, digest, cid);   /* the CIDv1 text, also for a Qm... */
			if (rc != 0)
				fprintf(stderr, "wasmos pack: out of memory\n");
			return rc;
		}
	}
	if (add_block(pk, bytes, len, WOS_CODEC_RAW, cid) != 0) {
		fprintf(stderr, "wasmos pack: out of memory\n");
		return -1;
	}
	return 0;
}

/* The system file with each program line rewritten to name its CID; malloc'd. */
static char *rewrite(const pack *pk, const char *text, size_t len, size_t *out_len)
{
	/* each program line grows by at most its name, a CID and "program  \n" */
	size_t cap = len + pk->sys->nprogs * (KERN_SYSFILE_NAME_MAX + WOS_CID_MAX + 16) + 1, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	int line = 1;
	for (size_t at = 0; at < len; line++) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		const kern_sysfile_program *g = NULL;
		for (uint32_t i = 0; i < pk->sys->nprogs; i++)
			if (pk->sys->progs[i].line == line)
				g = &pk->sys->progs[i];
		if (g) {
			size_t indent = 0;
			while (text[at + indent] == ' ' || text[at + indent] == '\t')
				indent++;
			memcpy(out + n, text + at, indent);
			n += indent;
			n += (size_t)sprintf(out + n, "program %s %s\n", g->name, pk->cids[g - pk->sys->progs]);
		} else {
			memcpy(out + n, text + at, end - at);
			n += end - at;
		}
		at = end;
	}
	*out_len = n;
	return out;
}

static int write_car_fn(void *ctx, const void *data, size_t len)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* Writes the CAR: the root (block 0, the system file), then every block. */
static int write_car(const pack *pk, const char *out)
{
	FILE *f = fopen(out, "wb");
	if (!f) {
		fprintf(stderr, "wasmos pack: %s: %s\n", out, strerror(errno));
		return -1;
	}
	wos_car_writer w;
	wos_car_writer_init_fn(&w, write_car_fn, f);
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t n = wos_cid_make(WOS_CODEC_RAW, pk->blocks[0].bytes, pk->blocks[0].len, cid);
	wos_car_put_header(&w, cid, n);
	for (uint32_t i = 0; i < pk->nblocks; i++) {
		n = wos_cid_make(pk->blocks[i].codec, pk->blocks[i].bytes, pk->blocks[i].len, cid);
		wos_car_put_block(&w, cid, n, pk->blocks[i].bytes, pk->blocks[i].len);
	}
	long rc = wos_car_writer_finish(&w);
	if (fclose(f) != 0 && rc >= 0)
		rc = WOS_CAR_ERR_WRITE;
	if (rc < 0) {
		fprintf(stderr, "wasmos pack: %s: %s\n", out,
			rc == WOS_CAR_ERR_WRITE ? strerror(errno ? errno : EIO) : wos_car_error_text((int)rc));
		remove(out);
		return -1;
	}
	return 0;
}

static int pack_run(pack *pk, const char *out)
{
	uint8_t *text = NULL;
	size_t len = 0;
	char err[512];
	if (hosted_file_read(pk->file, &text, &len) != 0) {
		fprintf(stderr, "wasmos pack: %s: %s\n", pk->file, strerror(errno));
		return -1;
	}
	eng_alloc alloc = { libc_alloc, NULL };
	if (kern_sysfile_parse(&alloc, pk->file, (const char *)text, len, &pk->sys, err, sizeof err) != 0) {
		fprintf(stderr, "wasmos pack: %s\n", err);
		free(text);
		return -1;
	}
	/* block 0 is the system file, made last: hold its place */
	pk->blocks = calloc(1, sizeof *pk->blocks);
	pk->cids = calloc(pk->sys->nprogs ? pk->sys->nprogs : 1, sizeof *pk->cids);
	if (!pk->blocks || !pk->cids) {
		fprintf(stderr, "wasmos pack: out of memory\n");
		free(text);
		return -1;
	}
	pk->nblocks = 1;
	for (uint32_t i = 0; i < pk->sys->nprogs; i++) {
		if (take_program(pk, &pk->sys->progs[i], pk->cids[i]) != 0) {
			free(text);
			return -1;
		}
	}
	size_t sys_len;
	char *sys_text = rewrite(pk, (const char *)text, len, &sys_len);
	free(text);
	if (!sys_text) {
		fprintf(stderr, "wasmos pack: out of memory\n");
		return -1;
	}
	pk->blocks[0].bytes = (uint8_t *)sys_text;
	pk->blocks[0].len = sys_len;
	pk->blocks[0].codec = WOS_CODEC_RAW;
	wos_cid_of(sys_text, sys_len, pk->blocks[0].cid);
	if (write_car(pk, out) != 0)
		return -1;
	for (uint32_t i = 0; i < pk->sys->nprogs; i++)
		printf("%s  %s\n", pk->cids[i], pk->sys->progs[i].name);
	printf("%s  %s\n", pk->blocks[0].cid, pk->file);
	return 0;
}

int hosted_cmd_pack(int argc, char **argv)
{
	const char *file = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, true);
			return HOSTED_EXIT_OK;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "wasmos pack: unknown option '%s'\n", argv[i]);
			usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		} else if (!file) {
			file = argv[i];
		} else {
			fprintf(stderr, "wasmos pack: one system file only ('%s')\n", argv[i]);
			usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (!file || !out) {
		fprintf(stderr, "wasmos pack: %s\n", file ? "no output: -o BUNDLE.car" : "no system file");
		usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	pack pk = { .file = file };
	int rc = pack_run(&pk, out);
	for (uint32_t i = 0; i < pk.nblocks; i++)
		free(pk.blocks[i].bytes);
	free(pk.blocks);
	free(pk.cids);
	if (pk.sys)
		kern_sysfile_free(pk.sys);
	if (pk.store_open)
		hosted_store_close(&pk.store);
	return rc == 0 ? HOSTED_EXIT_OK : HOSTED_EXIT_ERROR;
}
