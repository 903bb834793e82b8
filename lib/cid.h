/* cid.h: the names of programs: CIDv1, raw codec, sha2-256, base32 lower.
 *
 * A program is named by the CID of its bytes (design.md, section 3): the bytes
 * 0x01 (CID version 1), 0x55 (multicodec raw), 0x12 (multihash sha2-256), 0x20 (32
 * digest bytes), then the SHA-256 digest, written in base32 lower without padding
 * and prefixed with the multibase letter 'b': "bafkrei" and 52 more characters.  It
 * is the CID `ipfs add --cid-version 1 --raw-leaves` gives a file of one block.
 *
 * Only that form is accepted: one program, one name.  Included by the kernel (which
 * checks bytes against a CID before running them), hosted/ and the tests.
 * Freestanding; nothing allocates.
 */
#ifndef WASMOS_LIB_CID_H
#define WASMOS_LIB_CID_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define WOS_CID_LEN 59            /* characters in a CID: 'b' + base32 of 36 bytes */
#define WOS_CID_MAX (WOS_CID_LEN + 1) /* the same with its NUL */

/* Why a string is not a CID we accept, or why bytes do not match one. */
enum {
	WOS_CID_OK = 0,
	WOS_CID_ERR_MULTIBASE = -1,   /* does not start with 'b' (base32 lower) */
	WOS_CID_ERR_V0 = -2,          /* a CIDv0 ("Qm..."), which has no codec */
	WOS_CID_ERR_BASE32 = -3,      /* a character outside a-z, 2-7 after the 'b' */
	WOS_CID_ERR_FORM = -4,        /* base32 of a length no byte count gives, or nonzero unused bits */
	WOS_CID_ERR_VERSION = -5,     /* version is not 1 */
	WOS_CID_ERR_CODEC = -6,       /* codec is not raw (0x55) */
	WOS_CID_ERR_HASH = -7,        /* hash function is not sha2-256 (0x12) */
	WOS_CID_ERR_DIGEST_SIZE = -8, /* the multihash declares a digest that is not 32 bytes */
	WOS_CID_ERR_LENGTH = -9,      /* too short or too long for its header */
	WOS_CID_ERR_MISMATCH = -10,   /* the bytes hash to another CID */
};

/* The fixed text of a WOS_CID_* code. */
const char *wos_cid_error_text(int code);

/* Writes the CID of len bytes of data, NUL-terminated, to out. */
void wos_cid_of(const void *data, size_t len, char out[WOS_CID_MAX]);
/* Writes the CID that names a SHA-256 digest, NUL-terminated, to out. */
void wos_cid_from_digest(const uint8_t digest[WOS_SHA256_SIZE], char out[WOS_CID_MAX]);
/* Reads len characters of s (no NUL needed) as a CID of the form above and writes its
 * digest to digest.  Returns 0, or a negative WOS_CID_ERR_* saying what is wrong
 * (digest is then unspecified). */
int wos_cid_parse(const char *s, size_t len, uint8_t digest[WOS_SHA256_SIZE]);
/* Returns 0 when len bytes of data hash to digest, else WOS_CID_ERR_MISMATCH. */
int wos_cid_verify(const void *data, size_t len, const uint8_t digest[WOS_SHA256_SIZE]);

#endif
