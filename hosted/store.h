/* store.h: the local content store of the `wasmos` command on Linux.
 *
 * A folder of blocks, one file per block, each named by the CID of its bytes
 * (lib/cid.h): $WASMOS_HOME/blocks/bafkrei... for raw blocks, bafybei... for the
 * dag-pb nodes of files of several blocks (hosted/dag.h); WASMOS_HOME defaults to
 * $HOME/.local/share/wasmos.  Blocks are written whole or not at all (a temporary
 * file renamed into place) and read back only after their bytes hash to their name,
 * so a block changed on disk is refused, never run.  Included by hosted/ only.
 */
#ifndef WASMOS_HOSTED_STORE_H
#define WASMOS_HOSTED_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cid.h"

enum {
	HOSTED_STORE_OK = 0,
	HOSTED_STORE_ERR_IO = -1,       /* a file or folder could not be made, read or written */
	HOSTED_STORE_ERR_CID = -2,      /* the CID string is malformed */
	HOSTED_STORE_ERR_NOTFOUND = -3, /* no block with that CID */
	HOSTED_STORE_ERR_CORRUPT = -4,  /* the block's bytes hash to another CID */
	HOSTED_STORE_ERR_NOMEM = -5,
	HOSTED_STORE_ERR_NOHOME = -6,   /* neither WASMOS_HOME nor HOME is set */
	HOSTED_STORE_ERR_DAG = -7,      /* a dag-pb CID whose blocks are not a file we read (dag.h) */
	HOSTED_STORE_ERR_TOOBIG = -8,   /* a file larger than HOSTED_DAG_FILE_MAX */
};

/* What went wrong: the code and a message that names the files and CIDs involved.
 * The caller owns it; filling it never allocates. */
typedef struct hosted_store_error {
	int code;
	char msg[1024];
} hosted_store_error;

typedef struct hosted_store {
	char *blocks; /* the blocks folder, owned (malloc) */
} hosted_store;

/* Called by hosted_store_list for each block, in CID order; a nonzero return stops
 * the listing and is returned by it. */
typedef int (*hosted_store_list_fn)(void *ud, const char *cid, uint64_t size);

/* The text of a HOSTED_STORE_* code. */
const char *hosted_store_error_text(int code);

/* Opens the store whose home folder is home (NULL: $WASMOS_HOME, else
 * $HOME/.local/share/wasmos), creating home/blocks and its parents as needed.
 * Returns 0, or a negative code with err filled.  hosted_store_close releases it. */
int hosted_store_open(hosted_store *st, const char *home, hosted_store_error *err);
void hosted_store_close(hosted_store *st);

/* Stores len bytes as a raw block and writes their CID to cid.  Atomic (temp file,
 * fsync, rename) and idempotent: storing bytes already there rewrites the same block,
 * which also repairs a corrupted copy.  The bytes are borrowed for the call. */
int hosted_store_put(hosted_store *st, const void *bytes, size_t len, char cid[WOS_CID_MAX],
		     hosted_store_error *err);
/* The same for a block of the given codec (WOS_CODEC_RAW or WOS_CODEC_DAG_PB). */
int hosted_store_put_block(hosted_store *st, uint64_t codec, const void *bytes, size_t len,
			   char cid[WOS_CID_MAX], hosted_store_error *err);

/* Reads the block named by the cid_len characters of cid (raw or dag-pb, CIDv1 or
 * CIDv0) and checks that its bytes hash to it.  On 0, *bytes (malloc'd, the caller frees) and *len hold the block.
 * Fails with HOSTED_STORE_ERR_CID (malformed: err says why), _NOTFOUND, _CORRUPT
 * (err names the expected CID and the CID of the bytes found), _IO or _NOMEM. */
int hosted_store_get(hosted_store *st, const char *cid, size_t cid_len, uint8_t **bytes, size_t *len,
		     hosted_store_error *err);

/* Calls fn for each block in CID order, with its size on disk (not verified: get
 * verifies).  Files whose names are not CIDs (temporary files) are skipped.  Returns
 * 0, fn's nonzero return, or a negative code. */
int hosted_store_list(hosted_store *st, hosted_store_list_fn fn, void *ud, hosted_store_error *err);

#endif
