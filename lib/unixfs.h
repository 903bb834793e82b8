/* unixfs.h: files as UnixFS DAGs: the importer that names them, the reader that
 * checks and joins them.
 *
 * The importer uses Helia's parameters (@helia/unixfs, ipfs-notes.md section 2), so
 * our CIDs are the ones Helia gives the same bytes: CIDv1, sha2-256, 1 MiB chunks
 * stored as raw blocks, a balanced tree of dag-pb File nodes of at most 1024 links,
 * and a file of one chunk (or none) is its raw block alone.  A node's links carry an
 * empty Name and the Tsize of the child's whole subtree; its Data is UnixFS {Type
 * File, filesize, blocksizes of each child}.
 *
 * The reader starts from a root CID and a way to get blocks by CID, and trusts none of
 * them: every block is hashed against the CID that named it, every node must be a
 * UnixFS File (or Raw) whose sizes agree with what its children hold, and the work is
 * bounded by the size limit the caller sets, so a hostile DAG (deep, wide, or the same
 * block linked over and over) ends in an error, not a hang.
 *
 * Freestanding; nothing allocates (the importer works in a caller's scratch buffer).
 * Used by the kernel (programs of several blocks), hosted/ (wasmos add, the loader).
 */
#ifndef WASMOS_LIB_UNIXFS_H
#define WASMOS_LIB_UNIXFS_H

#include <stddef.h>
#include <stdint.h>

#include "cid.h"

#define WOS_UNIXFS_CHUNK (1u << 20)  /* bytes of a leaf: Helia's fixed-size chunker */
#define WOS_UNIXFS_MAX_LINKS 1024    /* children of a node: Helia's balanced layout */
#define WOS_UNIXFS_MAX_DEPTH 32      /* the reader's limit on a DAG's height */
/* The largest node the importer writes: 1024 links of at most 53 bytes, and the Data
 * with 1024 blocksizes of at most 11 bytes, rounded up. */
#define WOS_UNIXFS_NODE_MAX (66u * 1024)

/* ---- importing ------------------------------------------------------------------------- */

/* Called with each block the importer makes, children before parents; the block's
 * bytes are valid only during the call.  Returns 0, or nonzero to stop the import. */
typedef int (*wos_unixfs_put_fn)(void *ctx, const uint8_t *cid, size_t cid_len,
				 const uint8_t *block, size_t len);

/* The layout: NULL means Helia's (WOS_UNIXFS_CHUNK, WOS_UNIXFS_MAX_LINKS).  Tests use
 * small ones to build deep trees from little data. */
typedef struct wos_unixfs_params {
	size_t chunk;     /* bytes of a leaf, at least 1 */
	size_t max_links; /* children of a node, 2 to WOS_UNIXFS_MAX_LINKS */
} wos_unixfs_params;

/* Bytes of scratch wos_unixfs_import needs for a file of len bytes. */
size_t wos_unixfs_import_scratch(const wos_unixfs_params *p, uint64_t len);
/* Cuts len bytes of data into blocks, hands each to put, and writes the root CID
 * (binary) to root and its length to *root_len.  scratch has scratch_len bytes, at
 * least wos_unixfs_import_scratch(p, len).  Returns 0, -1 when the scratch is too
 * small or p is out of range, or put's nonzero value. */
int wos_unixfs_import(const wos_unixfs_params *p, const uint8_t *data, size_t len, void *scratch,
		      size_t scratch_len, wos_unixfs_put_fn put, void *ctx, uint8_t root[WOS_CID_BIN_MAX],
		      size_t *root_len);

/* ---- reading --------------------------------------------------------------------------- */

/* Why a DAG is not a file we read. */
enum {
	WOS_UNIXFS_OK = 0,
	WOS_UNIXFS_ERR_MISSING = -1,  /* a block is not available */
	WOS_UNIXFS_ERR_MISMATCH = -2, /* a block's bytes do not match its CID */
	WOS_UNIXFS_ERR_HASH = -3,     /* a hash function we cannot check */
	WOS_UNIXFS_ERR_CODEC = -4,    /* a block neither raw nor dag-pb */
	WOS_UNIXFS_ERR_NODE = -5,     /* a malformed dag-pb node or UnixFS Data (detail: WOS_DAGPB_ERR_*) */
	WOS_UNIXFS_ERR_NOT_FILE = -6, /* a node that is not a UnixFS File or Raw (a directory, ...) */
	WOS_UNIXFS_ERR_SIZE = -7,     /* filesize or blocksizes disagree with the content */
	WOS_UNIXFS_ERR_TOO_BIG = -8,  /* the file is larger than the limit */
	WOS_UNIXFS_ERR_DEPTH = -9,    /* deeper than WOS_UNIXFS_MAX_DEPTH */
	WOS_UNIXFS_ERR_WORK = -10,    /* far more block bytes than the file size could need */
	WOS_UNIXFS_ERR_CID = -11,     /* the root is not a CID (detail: WOS_CID_ERR_*) */
	WOS_UNIXFS_ERR_STOPPED = -12, /* on_block asked to stop */
};

/* The fixed text of a WOS_UNIXFS_* code. */
const char *wos_unixfs_error_text(int code);

/* Gives the bytes of the block with this binary CID: returns 0 and sets *data and
 * *len (valid until the reader returns), or nonzero when it does not have it. */
typedef int (*wos_unixfs_get_fn)(void *ctx, const uint8_t *cid, size_t cid_len,
				 const uint8_t **data, size_t *len);
/* Called with each block once it is checked, in depth-first order, root first (a
 * block linked twice comes twice).  Returns 0, or nonzero to stop. */
typedef int (*wos_unixfs_block_fn)(void *ctx, const uint8_t *cid, size_t cid_len,
				   const uint8_t *data, size_t len);

/* A read.  Fill in the first fields, zero the rest, then call wos_unixfs_read. */
typedef struct wos_unixfs_reader {
	wos_unixfs_get_fn get;       /* required */
	void *get_ctx;
	wos_unixfs_block_fn on_block; /* optional */
	void *block_ctx;
	uint8_t *out;                /* optional: where the file goes, room for limit bytes */
	uint64_t limit;              /* the largest file accepted */
	/* Filled in by the reader. */
	uint64_t size;               /* bytes of the file so far; all of it after success */
	uint64_t work;               /* block bytes read so far (and 64 per block) */
	int err;                     /* the WOS_UNIXFS_ERR_* */
	int detail;                  /* with ERR_NODE: the WOS_DAGPB_ERR_*; ERR_CID: WOS_CID_ERR_* */
	char cid[WOS_CID_TEXT_MAX];  /* the CID of the block at fault (text), or "" */
} wos_unixfs_reader;

/* Reads the file named by the binary CID root (root_len bytes), checking every block.
 * Returns 0 (r->size is its length) or a negative WOS_UNIXFS_ERR_* (also in r->err,
 * with r->cid naming the block at fault). */
int wos_unixfs_read(wos_unixfs_reader *r, const uint8_t *root, size_t root_len);
/* Reads only the root block and says how long the file is (from its UnixFS filesize,
 * or its length for a raw block), so a caller can size the output.  Returns 0 or an
 * error as wos_unixfs_read. */
int wos_unixfs_stat(wos_unixfs_reader *r, const uint8_t *root, size_t root_len, uint64_t *size);

#endif
