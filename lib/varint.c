/* varint.c: unsigned LEB128, minimal form only on read.
 *
 * A varint is minimal when its last byte is not 0x00, unless it is the only byte:
 * a zero last group adds nothing but length.  The byte limit keeps the value inside
 * 64 bits: 9 bytes hold 63 bits; the tenth byte of a protobuf varint may hold only
 * bit 63, so it must be exactly 0x01 (0x00 would not be minimal).
 */
#include "varint.h"

size_t wos_varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

size_t wos_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Reads at most max bytes; max is 9 or 10. */
static size_t get(const uint8_t *p, size_t len, uint64_t *v, size_t max)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < max; i++) {
		uint8_t b = p[i];
		if (i == 9 && b != 0x01)
			return 0; /* a tenth byte carries bit 63 alone */
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return 0; /* not minimal */
			*v = x;
			return i + 1;
		}
	}
	return 0; /* ran out of input, or past the byte limit */
}

size_t wos_varint_get(const uint8_t *p, size_t len, uint64_t *v)
{
	return get(p, len, v, WOS_VARINT_MF_MAX);
}

size_t wos_varint_get_u64(const uint8_t *p, size_t len, uint64_t *v)
{
	return get(p, len, v, WOS_VARINT_MAX);
}
