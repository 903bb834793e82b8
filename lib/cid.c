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
