/* cid.c: CIDv1 raw sha2-256 base32-lower strings: make, read, check.
 *
 * Reading goes from the outside in, so the error names the first thing that is
 * wrong: the multibase letter, the base32 text, then each field of the header
 * (version, codec, hash function, digest size), then the length.  Every field here is
 * a varint whose accepted value fits one byte, so a byte compare is exact: a longer
 * varint starts with a byte >= 0x80 and differs from the one we want.
 */
#include "cid.h"

#include "base32.h"
#include "base58.h"
#include "mem.h"
#include "varint.h"

#define CID_VERSION 0x01
#define CODEC_RAW 0x55
#define HASH_SHA2_256 0x12
#define HEADER_LEN 4
#define BINARY_LEN (HEADER_LEN + WOS_SHA256_SIZE)

/* Longer texts are refused before decoding, so the buffer below is enough.  Any CID
 * whose digest is larger than ours fails on its header first. */
#define DECODE_MAX 64

/* The header, field by field, and what it means when a field differs. */
static const struct {
	uint8_t want;
	int err;
} HEADER[HEADER_LEN] = {
	{ CID_VERSION, WOS_CID_ERR_VERSION },
	{ CODEC_RAW, WOS_CID_ERR_CODEC },
	{ HASH_SHA2_256, WOS_CID_ERR_HASH },
	{ WOS_SHA256_SIZE, WOS_CID_ERR_DIGEST_SIZE },
};

const char *wos_cid_error_text(int code)
{
	switch (code) {
	case WOS_CID_OK: return "ok";
	case WOS_CID_ERR_MULTIBASE: return "not multibase base32 lower (a CIDv1 here starts with 'b')";
	case WOS_CID_ERR_V0: return "a CIDv0 (Qm...); wasmos names programs by CIDv1 (bafkrei...)";
	case WOS_CID_ERR_BASE32: return "bad base32 character (want a-z or 2-7)";
	case WOS_CID_ERR_FORM: return "not canonical base32 (impossible length or nonzero unused bits)";
	case WOS_CID_ERR_VERSION: return "not CID version 1";
	case WOS_CID_ERR_CODEC: return "codec is not raw (0x55)";
	case WOS_CID_ERR_HASH: return "hash function is not sha2-256 (0x12)";
	case WOS_CID_ERR_DIGEST_SIZE: return "digest size is not 32 bytes";
	case WOS_CID_ERR_LENGTH: return "wrong length for a CIDv1 raw sha2-256";
	case WOS_CID_ERR_MISMATCH: return "the bytes do not match the CID";
	case WOS_CID_ERR_VARINT: return "a CID field is not a minimal varint";
	case WOS_CID_ERR_UNSUPPORTED: return "hash function not supported (sha2-256 and identity are)";
	case WOS_CID_ERR_SPACE: return "output buffer too small for the CID";
	case WOS_CID_ERR_NOT_FILE: return "codec is neither raw (0x55) nor dag-pb (0x70)";
	case WOS_CID_ERR_BASE58: return "bad base58btc character";
	default: return "unknown CID error";
	}
}

void wos_cid_from_digest(const uint8_t digest[WOS_SHA256_SIZE], char out[WOS_CID_MAX])
{
	uint8_t bin[BINARY_LEN];

	for (int i = 0; i < HEADER_LEN; i++)
		bin[i] = HEADER[i].want;
	for (int i = 0; i < WOS_SHA256_SIZE; i++)
		bin[HEADER_LEN + i] = digest[i];
	out[0] = 'b';
	/* 36 bytes are always 58 characters: with the NUL they fill out exactly. */
	wos_base32_encode(bin, sizeof bin, out + 1, WOS_CID_MAX - 1);
}

void wos_cid_of(const void *data, size_t len, char out[WOS_CID_MAX])
{
	uint8_t digest[WOS_SHA256_SIZE];

	wos_sha256(data, len, digest);
	wos_cid_from_digest(digest, out);
}

int wos_cid_parse(const char *s, size_t len, uint8_t digest[WOS_SHA256_SIZE])
{
	uint8_t bin[DECODE_MAX];
	size_t n;
	int rc;

	if (len >= 2 && s[0] == 'Q' && s[1] == 'm')
		return WOS_CID_ERR_V0;
	if (len == 0 || s[0] != 'b')
		return WOS_CID_ERR_MULTIBASE;
	if (len - 1 > wos_base32_encoded_len(DECODE_MAX))
		return WOS_CID_ERR_LENGTH;
	rc = wos_base32_decode(s + 1, len - 1, bin, sizeof bin, &n);
	if (rc == WOS_BASE32_ERR_CHAR)
		return WOS_CID_ERR_BASE32;
	if (rc == WOS_BASE32_ERR_FORM)
		return WOS_CID_ERR_FORM;
	if (rc != WOS_BASE32_OK)
		return WOS_CID_ERR_LENGTH;
	for (size_t i = 0; i < HEADER_LEN; i++) {
		if (n <= i)
			return WOS_CID_ERR_LENGTH;
		if (bin[i] != HEADER[i].want)
			return HEADER[i].err;
	}
	if (n != BINARY_LEN)
		return WOS_CID_ERR_LENGTH;
	for (int i = 0; i < WOS_SHA256_SIZE; i++)
		digest[i] = bin[HEADER_LEN + i];
	return WOS_CID_OK;
}

int wos_cid_verify(const void *data, size_t len, const uint8_t digest[WOS_SHA256_SIZE])
{
	uint8_t got[WOS_SHA256_SIZE];
	uint8_t diff = 0;

	wos_sha256(data, len, got);
	for (int i = 0; i < WOS_SHA256_SIZE; i++)
		diff |= got[i] ^ digest[i];
	return diff ? WOS_CID_ERR_MISMATCH : WOS_CID_OK;
}

/* ---- binary CIDs ------------------------------------------------------------------ */

/* Reads one varint field of a binary CID at *at. */
static int field(const uint8_t *p, size_t len, size_t *at, uint64_t *v)
{
	size_t n = wos_varint_get(p + *at, len - *at, v);

	if (n == 0) {
		/* Short input, or a bad varint: tell them apart for the error. */
		size_t i = *at;
		while (i < len && (p[i] & 0x80) && i - *at < WOS_VARINT_MF_MAX)
			i++;
		return (i == len && i - *at < WOS_VARINT_MF_MAX) ? WOS_CID_ERR_LENGTH : WOS_CID_ERR_VARINT;
	}
	*at += n;
	return 0;
}

int wos_cid_read(const uint8_t *p, size_t len, wos_cid_info *c)
{
	size_t at = 0;
	uint64_t v, size;
	int rc;

	/* A CIDv0 is a sha2-256 multihash: no version byte 0x12 is a valid CIDv1 start. */
	if (len >= 2 && p[0] == WOS_MH_SHA2_256 && p[1] == WOS_SHA256_SIZE) {
		if (len < 2 + WOS_SHA256_SIZE)
			return WOS_CID_ERR_LENGTH;
		c->version = 0;
		c->codec = WOS_CODEC_DAG_PB;
		c->hash = WOS_MH_SHA2_256;
		c->digest = p + 2;
		c->digest_len = WOS_SHA256_SIZE;
		c->len = 2 + WOS_SHA256_SIZE;
		return 0;
	}
	if ((rc = field(p, len, &at, &v)) != 0)
		return rc;
	if (v != 1)
		return WOS_CID_ERR_VERSION;
	c->version = 1;
	if ((rc = field(p, len, &at, &c->codec)) != 0 || (rc = field(p, len, &at, &c->hash)) != 0 ||
	    (rc = field(p, len, &at, &size)) != 0)
		return rc;
	if (size > WOS_CID_DIGEST_MAX)
		return WOS_CID_ERR_DIGEST_SIZE;
	if (len - at < size)
		return WOS_CID_ERR_LENGTH;
	c->digest = p + at;
	c->digest_len = (size_t)size;
	c->len = at + (size_t)size;
	return 0;
}

int wos_cid_check(const wos_cid_info *c, const void *data, size_t len)
{
	if (c->hash == WOS_MH_IDENTITY) {
		if (len != c->digest_len || wos_memcmp(data, c->digest, len) != 0)
			return WOS_CID_ERR_MISMATCH;
		return 0;
	}
	if (c->hash != WOS_MH_SHA2_256 || c->digest_len != WOS_SHA256_SIZE)
		return WOS_CID_ERR_UNSUPPORTED;
	return wos_cid_verify(data, len, c->digest);
}

size_t wos_cid_make(uint64_t codec, const void *data, size_t len, uint8_t *out)
{
	size_t n = 0;

	out[n++] = CID_VERSION;
	n += wos_varint_put(out + n, codec);
	out[n++] = HASH_SHA2_256;
	out[n++] = WOS_SHA256_SIZE;
	wos_sha256(data, len, out + n);
	return n + WOS_SHA256_SIZE;
}

/* ---- text CIDs --------------------------------------------------------------------- */

#define V0_TEXT_LEN 46 /* base58btc of 12 20 <32 bytes> */

long wos_cid_text(const uint8_t *bin, size_t n, char *out, size_t cap)
{
	wos_cid_info c;
	long t;
	int rc = wos_cid_read(bin, n, &c);

	if (rc)
		return rc;
	if (c.len != n)
		return WOS_CID_ERR_LENGTH;
	if (c.version == 0) {
		t = wos_base58_encode(bin, n, out, cap);
		return t < 0 ? WOS_CID_ERR_SPACE : t;
	}
	if (cap < 2)
		return WOS_CID_ERR_SPACE;
	out[0] = 'b';
	t = wos_base32_encode(bin, n, out + 1, cap - 1);
	return t < 0 ? WOS_CID_ERR_SPACE : t + 1;
}

int wos_cid_decode_text(const char *s, size_t len, uint8_t bin[WOS_CID_BIN_MAX], size_t *n)
{
	wos_cid_info c;
	size_t at;
	int rc, v0 = len == V0_TEXT_LEN && s[0] == 'Q' && s[1] == 'm';

	if (len == 0 || (!v0 && s[0] != 'b' && s[0] != 'z'))
		return WOS_CID_ERR_MULTIBASE;
	if (len > WOS_CID_TEXT_MAX - 1)
		return WOS_CID_ERR_LENGTH;
	if (v0 || s[0] == 'z') {
		size_t skip = v0 ? 0 : 1;
		rc = wos_base58_decode(s + skip, len - skip, bin, WOS_CID_BIN_MAX, n);
		if (rc == WOS_BASE58_ERR_CHAR)
			return WOS_CID_ERR_BASE58;
		if (rc)
			return WOS_CID_ERR_LENGTH;
	} else {
		rc = wos_base32_decode(s + 1, len - 1, bin, WOS_CID_BIN_MAX, &at);
		if (rc == WOS_BASE32_ERR_CHAR)
			return WOS_CID_ERR_BASE32;
		if (rc == WOS_BASE32_ERR_FORM)
			return WOS_CID_ERR_FORM;
		if (rc)
			return WOS_CID_ERR_LENGTH;
		*n = at;
	}
	if ((rc = wos_cid_read(bin, *n, &c)) != 0)
		return rc;
	/* A CIDv0 has no multibase prefix, and a "Qm" text must be one. */
	if ((c.version == 0) != v0)
		return WOS_CID_ERR_VERSION;
	return c.len == *n ? 0 : WOS_CID_ERR_LENGTH;
}

int wos_cid_parse_file(const char *s, size_t len, uint64_t *codec, uint8_t digest[WOS_SHA256_SIZE])
{
	uint8_t bin[WOS_CID_BIN_MAX];
	wos_cid_info c;
	size_t n;
	int rc = wos_cid_decode_text(s, len, bin, &n);

	if (rc)
		return rc;
	wos_cid_read(bin, n, &c);
	if (c.codec != WOS_CODEC_RAW && c.codec != WOS_CODEC_DAG_PB)
		return WOS_CID_ERR_NOT_FILE;
	if (c.hash != WOS_MH_SHA2_256)
		return WOS_CID_ERR_HASH;
	if (c.digest_len != WOS_SHA256_SIZE)
		return WOS_CID_ERR_DIGEST_SIZE;
	*codec = c.codec;
	wos_memcpy(digest, c.digest, WOS_SHA256_SIZE);
	return 0;
}

void wos_cid_format_file(uint64_t codec, const uint8_t digest[WOS_SHA256_SIZE], char out[WOS_CID_MAX])
{
	uint8_t bin[BINARY_LEN];

	bin[0] = CID_VERSION;
	bin[1] = (uint8_t)codec; /* raw and dag-pb: one-byte varints (the caller's promise) */
	bin[2] = HASH_SHA2_256;
	bin[3] = WOS_SHA256_SIZE;
	wos_memcpy(bin + HEADER_LEN, digest, WOS_SHA256_SIZE);
	out[0] = 'b';
	wos_base32_encode(bin, sizeof bin, out + 1, WOS_CID_MAX - 1);
}
