/* dag.h: files in the local store (store.h) as UnixFS DAGs (lib/unixfs.h).
 *
 * A file up to 1 MiB is one raw block; a larger one is a dag-pb root over 1 MiB raw
 * leaves, laid out as Helia lays it out, so its CID is the one Helia gives the same
 * bytes.  Reading a file checks every block against its CID.  Included by hosted/.
 */
#ifndef WASMOS_HOSTED_DAG_H
#define WASMOS_HOSTED_DAG_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define HOSTED_DAG_FILE_MAX (256u << 20) /* the largest file read back: as a program by path */

/* Stores len bytes as a file and writes the CID that names it (raw or dag-pb root) to
 * cid.  Returns 0 or a HOSTED_STORE_ERR_* with err filled. */
int hosted_dag_add(hosted_store *st, const uint8_t *bytes, size_t len, char cid[WOS_CID_MAX],
		   hosted_store_error *err);
/* Reads the file named by the cid_len characters of cid: a raw block's bytes, or a
 * dag-pb DAG joined, every block checked.  On 0, *bytes (malloc'd, the caller frees)
 * and *len hold it.  Fails as hosted_store_get, and with HOSTED_STORE_ERR_DAG for a
 * DAG that is not a file we read (err names the block at fault). */
int hosted_dag_read(hosted_store *st, const char *cid, size_t cid_len, uint8_t **bytes, size_t *len,
		    hosted_store_error *err);
/* Writes a CARv1 of every block of the file named by cid (root first, depth first)
 * to *car (malloc'd, the caller frees) and its length to *len.  Fails as hosted_dag_read. */
int hosted_dag_car(hosted_store *st, const char *cid, size_t cid_len, uint8_t **car, size_t *len,
		   hosted_store_error *err);

#endif
