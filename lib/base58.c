/* base58.c: base58btc by long multiplication in the output buffer.
 *
 * Both directions keep the growing number at the end of the output buffer, big
 * endian, and multiply it by the input base digit by digit; the leading zeros (bytes
 * or '1's) are counted apart and written at the front.  No scratch memory.
 */
#include "base58.h"

#include "mem.h"

static const char ALPHABET[58] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* The value of c, or -1. */
static int digit(char c)
{
	for (int i = 0; i < 58; i++)
		if (ALPHABET[i] == c)
			return i;
	return -1;
}

/* Multiplies the number held in the last *len entries of buf (cap entries, base
 * `base`, most significant first) by mul and adds add.  Returns -1 when it outgrows buf. */
static int muladd(uint8_t *buf, size_t cap, size_t *len, unsigned base, unsigned mul, unsigned add)
{
	unsigned carry = add;

	for (size_t i = 0; i < *len; i++) {
		uint8_t *d = &buf[cap - 1 - i];
		carry += *d * mul;
		*d = (uint8_t)(carry % base);
		carry /= base;
	}
	while (carry) {
		if (*len == cap)
			return -1;
		buf[cap - 1 - *len] = (uint8_t)(carry % base);
		(*len)++;
		carry /= base;
	}
	return 0;
}

long wos_base58_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t zeros = 0, len = 0;

	if (cap == 0)
		return WOS_BASE58_ERR_SPACE;
	while (zeros < n && in[zeros] == 0)
		zeros++;
	/* The base-58 digits grow at the end of out[0 .. cap-1), the NUL's place kept. */
	for (size_t i = zeros; i < n; i++)
		if (muladd((uint8_t *)out, cap - 1, &len, 58, 256, in[i]) != 0)
			return WOS_BASE58_ERR_SPACE;
	if (zeros + len > cap - 1)
		return WOS_BASE58_ERR_SPACE;
	wos_memmove(out + zeros, out + (cap - 1 - len), len);
	for (size_t i = 0; i < zeros; i++)
		out[i] = '1';
	for (size_t i = zeros; i < zeros + len; i++)
		out[i] = ALPHABET[(uint8_t)out[i]];
	out[zeros + len] = '\0';
	return (long)(zeros + len);
}

int wos_base58_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got)
{
	size_t zeros = 0, len = 0;

	while (zeros < n && s[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < n; i++) {
		int d = digit(s[i]);
		if (d < 0)
			return WOS_BASE58_ERR_CHAR;
		if (muladd(out, cap, &len, 256, 58, (unsigned)d) != 0)
			return WOS_BASE58_ERR_SPACE;
	}
	if (zeros + len > cap)
		return WOS_BASE58_ERR_SPACE;
	wos_memmove(out + zeros, out + (cap - len), len);
	wos_memset(out, 0, zeros);
	*got = zeros + len;
	return WOS_BASE58_OK;
}
