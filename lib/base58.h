/* base58.h: base58btc (the Bitcoin alphabet), the form of CIDv0 ("Qm...") and of
 * libp2p peer ids ("12D3KooW...").  Freestanding; nothing allocates.
 *
 * Each leading zero byte is one leading '1'; the rest is the number in base 58, most
 * significant digit first.  So every byte string has exactly one text and the decoder
 * needs no canonical-form rules beyond the alphabet.  The work is quadratic in the
 * length: meant for identifiers (tens of bytes), not for bulk data.
 */
#ifndef WASMOS_LIB_BASE58_H
#define WASMOS_LIB_BASE58_H

#include <stddef.h>
#include <stdint.h>

enum {
	WOS_BASE58_OK = 0,
	WOS_BASE58_ERR_CHAR = -1,  /* a character outside the alphabet (0, O, I, l and all non-alphanumerics) */
	WOS_BASE58_ERR_SPACE = -2, /* the output buffer is too small */
};

/* Writes the text of n bytes and a NUL to out (room for cap characters, NUL
 * included).  Returns the length (without the NUL) or WOS_BASE58_ERR_SPACE (out is
 * then unspecified). */
long wos_base58_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decodes n characters of s into out (room for cap bytes).  Returns 0 and sets *got to
 * the bytes written, or a negative WOS_BASE58_ERR_* (out is then unspecified). */
int wos_base58_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *got);

#endif
