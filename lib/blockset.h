/* blockset.h: the blocks of a CAR, looked up by CID.
 *
 * A program of several blocks reaches the kernel as a CAR (the loader's answer, the
 * metal boot bundle); the UnixFS reader then asks for blocks by CID.  A blockset is a
 * table of (CID, data) views into the CAR, sorted by CID bytes, in memory the caller
 * provides: count the blocks, give room for that many entries, fill, then pass
 * wos_blockset_get to the reader.  Building the set reads the CAR's structure only;
 * the reader hashes each block it uses against its CID (lib/unixfs.h), so no block
 * goes unchecked into a file.  Freestanding; nothing allocates.
 */
#ifndef WASMOS_LIB_BLOCKSET_H
#define WASMOS_LIB_BLOCKSET_H

#include <stddef.h>
#include <stdint.h>

#include "car.h"

typedef struct wos_blockset_entry {
	const uint8_t *cid;
	size_t cid_len;
	const uint8_t *data;
	size_t len;
} wos_blockset_entry;

typedef struct wos_blockset {
	wos_blockset_entry *e; /* n entries, sorted by CID (length, then bytes) */
	size_t n;
} wos_blockset;

/* Opens the CAR of len bytes at car in *r and counts its blocks.  Returns 0 with *n
 * set, or a negative WOS_CAR_ERR_* (r->err, r->pos and, for a malformed CID,
 * r->cid_err say more).  The CAR must outlive the set. */
int wos_blockset_count(wos_car_reader *r, const uint8_t *car, size_t len, size_t *n);
/* Fills e (room for n entries, n from wos_blockset_count on the same bytes) with the
 * CAR's blocks and sorts them into *s. */
void wos_blockset_fill(wos_blockset *s, const uint8_t *car, size_t len, wos_blockset_entry *e, size_t n);
/* A wos_unixfs_get_fn over a blockset (ctx): binary search by CID. */
int wos_blockset_get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len);

#endif
