/* base32.h: RFC 4648 base32 with the lowercase alphabet and no padding, the form
 * multibase calls 'b' (base32 lower), which CIDv1 strings use.  Freestanding.
 *
 * Included by lib/cid.c and its tests.  Decoding accepts only the canonical form:
 * lowercase letters and 2-7, a length that some byte count encodes to, and zero bits
 * in the unused tail of the last character; so each byte string has exactly one text.
 */
#ifndef WASMOS_LIB_BASE32_H
#define WASMOS_LIB_BASE32_H

#include <stddef.h>
#include <stdint.h>

enum {
	WOS_BASE32_OK = 0,
	WOS_BASE32_ERR_CHAR = -1,   /* a character outside a-z, 2-7 */
	WOS_BASE32_ERR_FORM = -2,   /* a length no byte count gives, or nonzero unused bits */
	WOS_BASE32_ERR_SPACE = -3,  /* the output buffer is too small */
};

/* The fixed text of a WOS_BASE32_* code. */
const char *wos_base32_error_text(int code);

/* Characters that n bytes encode to: ceil(8n / 5). */
size_t wos_base32_encoded_len(size_t n);

/* Writes the text of n bytes and a NUL to out, which has room for cap characters
 * (NUL included).  Returns the length written (without the NUL), or
 * WOS_BASE32_ERR_SPACE when cap < wos_base32_encoded_len(n) + 1 (nothing written). */
long wos_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decodes n characters of s (not NUL-terminated) into out, which has room for cap
 * bytes.  Returns 0 and sets *at to the number of bytes written, or a negative
 * WOS_BASE32_ERR_* and sets *at to the index in s of the offending character (n for
 * a length no byte count gives).  Out may be partly written on failure. */
int wos_base32_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *at);

#endif
