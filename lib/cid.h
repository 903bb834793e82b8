/* cid.h: the names of programs: CIDv1, raw codec, sha2-256, base32 lower.
 *
 * A program is named by the CID of its bytes (design.md, section 3): the bytes
 * 0x01 (CID version 1), 0x55 (multicodec raw), 0x12 (multihash sha2-256), 0x20 (32
 * digest bytes), then the SHA-256 digest, written in base32 lower without padding
 * and prefixed with the multibase letter 'b': "bafkrei" and 52 more characters.  It
 * is the CID `ipfs add --cid-version 1 --raw-leaves` gives a file of one block.
 *
 * wos_cid_parse accepts only that form.  Files of more than one block (issue 5) are
 * named by a dag-pb root instead (wos_cid_parse_file); CAR files and the network
 * carry binary CIDs of any codec (wos_cid_read).  Included by the kernel (which
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
	WOS_CID_ERR_VARINT = -11,     /* binary: a field is not a minimal varint */
	WOS_CID_ERR_UNSUPPORTED = -12, /* binary: a hash function we cannot check */
	WOS_CID_ERR_SPACE = -13,      /* the output buffer is too small */
	WOS_CID_ERR_NOT_FILE = -14,   /* codec neither raw (0x55) nor dag-pb (0x70) */
	WOS_CID_ERR_BASE58 = -15,     /* a character outside base58btc's alphabet */
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

/* ---- binary CIDs of any codec -----------------------------------------------------------
 *
 * CAR files, bitswap, dag-pb links and the kad DHT carry CIDs as bytes: a CIDv1 is
 * varint(1) varint(codec) then a multihash, varint(hash) varint(size) digest; a CIDv0
 * is the bare sha2-256 multihash 12 20 <32 bytes> and means dag-pb.  Reading accepts
 * any codec and hash function (a CAR may hold blocks we only pass along) with a
 * digest of at most WOS_CID_DIGEST_MAX bytes; checking a block against its CID knows
 * sha2-256 and identity.
 */
#define WOS_CODEC_RAW 0x55
#define WOS_CODEC_DAG_PB 0x70
#define WOS_CODEC_DAG_CBOR 0x71
#define WOS_MH_IDENTITY 0x00
#define WOS_MH_SHA2_256 0x12

#define WOS_CID_DIGEST_MAX 64 /* the largest digest (or identity payload) we read: sha2-512's */
#define WOS_CID_BIN_MAX 96    /* bytes a binary CID we read can take: 1 + 9 + 9 + 1 + 64, rounded */

/* A binary CID as read; digest points into the bytes read. */
typedef struct wos_cid_info {
	unsigned version;      /* 0 or 1 */
	uint64_t codec;        /* WOS_CODEC_*; a CIDv0 is dag-pb */
	uint64_t hash;         /* multihash function, WOS_MH_* */
	const uint8_t *digest; /* the digest (identity: the data itself) */
	size_t digest_len;
	size_t len;            /* bytes of the whole binary CID */
} wos_cid_info;

/* Reads the binary CID at the start of len bytes at p (bytes after it are not looked
 * at) into *c.  Returns 0, or a negative WOS_CID_ERR_*: LENGTH (input ends inside it),
 * VARINT, VERSION (not 0 or 1), DIGEST_SIZE (above WOS_CID_DIGEST_MAX). */
int wos_cid_read(const uint8_t *p, size_t len, wos_cid_info *c);
/* Checks len bytes of data against a CID read by wos_cid_read.  Returns 0,
 * WOS_CID_ERR_MISMATCH, or WOS_CID_ERR_UNSUPPORTED for a hash function other than
 * sha2-256 and identity (and a sha2-256 digest that is not 32 bytes). */
int wos_cid_check(const wos_cid_info *c, const void *data, size_t len);
/* Writes the binary CIDv1 of len bytes of data with the given codec and sha2-256 to
 * out and returns its length: 36 for codecs below 0x80 (raw, dag-pb, dag-cbor), which
 * is the room out needs then; WOS_CID_BIN_MAX is always enough. */
size_t wos_cid_make(uint64_t codec, const void *data, size_t len, uint8_t *out);

/* ---- text CIDs of any codec ----------------------------------------------------------- */

#define WOS_CID_TEXT_MAX 160 /* characters of the text of any CID we read, with the NUL */

/* Writes the text of the n-byte binary CID at bin and a NUL: CIDv1 as 'b' + base32,
 * CIDv0 as base58btc.  Returns the length, or a WOS_CID_ERR_* (not one whole CID,
 * or SPACE). */
long wos_cid_text(const uint8_t *bin, size_t n, char *out, size_t cap);
/* Reads len characters of s as a CID: 'b' base32 or 'z' base58btc (CIDv1 of any
 * codec), or a CIDv0 "Qm..." (46 characters).  Writes the binary CID to bin and its
 * length to *n.  Returns 0 or a WOS_CID_ERR_*. */
int wos_cid_decode_text(const char *s, size_t len, uint8_t bin[WOS_CID_BIN_MAX], size_t *n);

/* ---- the CIDs of files ------------------------------------------------------------------
 *
 * A file is named either by its one raw block or by the dag-pb root of its UnixFS DAG
 * (lib/unixfs.h).  With sha2-256 both are 59 characters in CIDv1 text; a CIDv0 is
 * also read (it is dag-pb).
 */

/* Reads the text CID of a file into its codec (WOS_CODEC_RAW or _DAG_PB) and sha2-256
 * digest.  Returns 0 or a WOS_CID_ERR_* (NOT_FILE for another codec). */
int wos_cid_parse_file(const char *s, size_t len, uint64_t *codec, uint8_t digest[WOS_SHA256_SIZE]);
/* Writes the CIDv1 text of a raw or dag-pb block with that sha2-256 digest. */
void wos_cid_format_file(uint64_t codec, const uint8_t digest[WOS_SHA256_SIZE], char out[WOS_CID_MAX]);

#endif
