/* base32.c: RFC 4648 base32, lowercase, unpadded (multibase 'b').
 *
 * Five bytes make eight characters of five bits each, most significant bit first.  A
 * final group of 1..4 bytes makes 2, 4, 5 or 7 characters; the low bits of its last
 * character that carry no byte must be zero.  The decoder enforces both, so that
 * decode(encode(x)) == x and encode(decode(s)) == s for every s it accepts.
 */
#include "base32.h"

static const char ALPHABET[32] = "abcdefghijklmnopqrstuvwxyz234567";

const char *wos_base32_error_text(int code)
{
	switch (code) {
	case WOS_BASE32_OK: return "ok";
	case WOS_BASE32_ERR_CHAR: return "bad base32 character (want a-z or 2-7)";
	case WOS_BASE32_ERR_FORM: return "not canonical base32 (impossible length or nonzero unused bits)";
	case WOS_BASE32_ERR_SPACE: return "output buffer too small";
	default: return "unknown base32 error";
	}
}

size_t wos_base32_encoded_len(size_t n)
{
	/* Whole groups first: 8 * n could overflow for a huge n. */
	return n / 5 * 8 + (n % 5 * 8 + 4) / 5;
}

long wos_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t want = wos_base32_encoded_len(n), k = 0;
	uint32_t acc = 0; /* pending bits, the oldest highest */
	unsigned bits = 0;

	if (cap < want + 1)
		return WOS_BASE32_ERR_SPACE;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[k++] = ALPHABET[(acc >> bits) & 31];
		}
	}
	if (bits)
		out[k++] = ALPHABET[(acc << (5 - bits)) & 31];
	out[k] = 0;
	return (long)k;
}

/* The value of one character, or -1. */
static int value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int wos_base32_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *at)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int v = value(s[i]);
		if (v < 0) {
			*at = i;
			return WOS_BASE32_ERR_CHAR;
		}
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (k == cap) {
				*at = i;
				return WOS_BASE32_ERR_SPACE;
			}
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	/* 1, 3 or 6 characters left over would leave 5 or more unused bits: no byte count
	 * encodes to that length.  Otherwise the unused bits (fewer than 5) must be 0. */
	if (bits >= 5) {
		*at = n;
		return WOS_BASE32_ERR_FORM;
	}
	if (acc & ((1u << bits) - 1)) {
		*at = n - 1;
		return WOS_BASE32_ERR_FORM;
	}
	*at = k;
	return WOS_BASE32_OK;
}
