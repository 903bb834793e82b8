/* car.h: CARv1, the IPFS archive: a header naming a root CID, then blocks.
 *
 * Bytes: varint(header length), the header, then for each block varint(length of
 * CID + data), the binary CID, the data.  The header is the dag-cbor map
 * {"roots": [CID], "version": 1}, a CID in it being CBOR tag 42 over a byte string of
 * 0x00 and the binary CID (ipld.io CARv1 spec; ipfs-notes.md section 3).
 *
 * The reader takes what Helia and trustless gateways write: one root, the keys in
 * either order.  It refuses several or no roots, other keys, CARv2 (whose pragma reads
 * as a header of version 2) and anything malformed, and it checks every block against
 * its CID (sha2-256 or identity; other hash functions are refused, since a block we
 * cannot check is a block we must not trust).  The writer emits the canonical header
 * (keys in dag-cbor order: roots, then version) into a buffer or through a callback.
 *
 * Used by metal/ for the boot bundle, hosted/ and the kernel for programs of several
 * blocks, and the gateway client.  Freestanding; nothing allocates.
 */
#ifndef WASMOS_LIB_CAR_H
#define WASMOS_LIB_CAR_H

#include <stddef.h>
#include <stdint.h>

#include "cid.h"

#define WOS_CAR_HEADER_MAX 1024 /* the longest header we read; ours is under 120 bytes */

/* Why bytes are not a CARv1 we read, or why a writer failed. */
enum {
	WOS_CAR_OK = 0,
	WOS_CAR_ERR_TRUNCATED = -1, /* the input ends inside the header or a block */
	WOS_CAR_ERR_VARINT = -2,    /* a length is not a minimal varint of at most 9 bytes */
	WOS_CAR_ERR_HEADER = -3,    /* the header is not the dag-cbor map {roots, version} */
	WOS_CAR_ERR_VERSION = -4,   /* version is not 1 (a CARv2 file reads as version 2) */
	WOS_CAR_ERR_ROOTS = -5,     /* not exactly one root */
	WOS_CAR_ERR_CID = -6,       /* a CID is malformed (cid_err says how) */
	WOS_CAR_ERR_SECTION = -7,   /* a block length of 0, or shorter than its CID */
	WOS_CAR_ERR_HASH = -8,      /* a block's hash function is not one we can check */
	WOS_CAR_ERR_MISMATCH = -9,  /* a block's bytes do not match its CID */
	WOS_CAR_ERR_OVERFLOW = -10, /* writer: the output buffer is full */
	WOS_CAR_ERR_WRITE = -11,    /* writer: the callback failed */
};

/* The fixed text of a WOS_CAR_* code. */
const char *wos_car_error_text(int code);

/* ---- reading ------------------------------------------------------------------------- */

/* A CAR being read.  Borrows the bytes, which must outlive it and every view. */
typedef struct wos_car_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;          /* offset of the next block; after an error, of what failed */
	int err;             /* 0 or the WOS_CAR_ERR_* that stopped the reader */
	int cid_err;         /* with WOS_CAR_ERR_CID: the WOS_CID_ERR_* */
	int check;           /* 1 (set by open): hash each block; a caller that checks the
	                      * blocks it uses itself (lib/blockset.h) may clear it */
	wos_cid_info root;   /* the root CID (its bytes are inside the header) */
	const uint8_t *root_cid; /* root.len bytes */
} wos_car_reader;

/* One block as read, already checked against its CID. */
typedef struct wos_car_block {
	wos_cid_info cid;
	const uint8_t *cid_bytes; /* cid.len bytes */
	const uint8_t *data;
	size_t len;
	size_t offset;            /* where its section starts in the input */
} wos_car_block;

/* Reads the header of len bytes at p.  Returns 0, or a negative WOS_CAR_ERR_* (also in
 * r->err, r->pos at the fault). */
int wos_car_open(wos_car_reader *r, const uint8_t *p, size_t len);
/* Reads and checks the next block.  Returns 1 for a block, 0 at the clean end, or a
 * negative WOS_CAR_ERR_* (kept in r->err; later calls return it again).  TRUNCATED
 * means more bytes would help: a streaming caller may retry with a longer input.
 * After MISMATCH or HASH, *b still names the block at fault. */
int wos_car_next(wos_car_reader *r, wos_car_block *b);

/* ---- writing ------------------------------------------------------------------------- */

/* Called with the next bytes of the CAR; returns 0, or nonzero to stop the writer. */
typedef int (*wos_car_write_fn)(void *ctx, const void *data, size_t len);

/* A CAR being written into a buffer or through a callback.  len counts every byte
 * asked for, also those that did not fit. */
typedef struct wos_car_writer {
	wos_car_write_fn write; /* NULL: write into buf */
	void *ctx;
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* 0, WOS_CAR_ERR_OVERFLOW, _WRITE or _CID; nothing is written after it */
} wos_car_writer;

/* Starts a CAR in cap bytes at buf (NULL and 0: a dry run that measures). */
void wos_car_writer_init(wos_car_writer *w, uint8_t *buf, size_t cap);
/* Starts a CAR that goes to write(ctx, ...). */
void wos_car_writer_init_fn(wos_car_writer *w, wos_car_write_fn write, void *ctx);
/* The header naming one root: cid_len bytes of binary CID (more than WOS_CID_BIN_MAX
 * is WOS_CAR_ERR_CID). */
void wos_car_put_header(wos_car_writer *w, const uint8_t *cid, size_t cid_len);
/* A block: its binary CID and its data.  The caller vouches that they match. */
void wos_car_put_block(wos_car_writer *w, const uint8_t *cid, size_t cid_len, const void *data,
		       size_t len);
/* Returns the CAR's length, or WOS_CAR_ERR_OVERFLOW (w->len is then the size it
 * needs), WOS_CAR_ERR_WRITE or WOS_CAR_ERR_CID. */
long wos_car_writer_finish(const wos_car_writer *w);

#endif
