/* sha256.h: SHA-256 (FIPS 180-4), freestanding.
 *
 * Included by lib/cid.c, by the kernel (it checks program bytes against their CID) and
 * by hosted/.  No allocation: the caller owns the context, which holds everything.
 */
#ifndef WASMOS_LIB_SHA256_H
#define WASMOS_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define WOS_SHA256_SIZE 32  /* bytes in a digest */
#define WOS_SHA256_BLOCK 64 /* bytes in one compression block */

/* A hash in progress.  A struct tag without a typedef: the one-shot function below
 * owns the plain name wos_sha256. */
struct wos_sha256 {
	uint32_t h[8];                  /* the chaining state H0..H7 */
	uint64_t len;                   /* bytes hashed so far */
	uint8_t buf[WOS_SHA256_BLOCK];  /* the partial block not yet compressed */
	size_t nbuf;                    /* bytes in buf, always < WOS_SHA256_BLOCK */
};

/* Starts a new hash in c. */
void wos_sha256_init(struct wos_sha256 *c);
/* Hashes len more bytes of data (any split gives the same digest). */
void wos_sha256_update(struct wos_sha256 *c, const void *data, size_t len);
/* Pads, writes the 32-byte digest to out and leaves c spent (init it to reuse it). */
void wos_sha256_final(struct wos_sha256 *c, uint8_t out[WOS_SHA256_SIZE]);
/* The digest of len bytes of data, in one call. */
void wos_sha256(const void *data, size_t len, uint8_t out[WOS_SHA256_SIZE]);

#endif
