/* size.c: sizes for people (size.h).
 *
 * wos_size_text computes printf's "%.3g" of bytes / 2^shift in integers: the
 * quotient is an exact binary fraction, so rounding to three digits is a comparison of
 * the remainder with half the divisor, ties to even as printf rounds exact ties.
 */
#include "size.h"
#include "fmt.h"
#include "str.h"

#include <stdbool.h>

uint64_t wos_size_bytes(const char *s)
{
	uint64_t v, bytes;
	const char *end;

	if (wos_str_u64(s, &v, &end) != 0)
		return 0;
	/* no shift below overflows: v is at most 2^34 whenever bytes can be within 16 GiB */
	if (v > (1ull << 34))
		return 0;
	switch (*end) {
	case 0: bytes = v; break;
	case 'k': case 'K': bytes = v << 10; end++; break;
	case 'm': case 'M': bytes = v << 20; end++; break;
	case 'g': case 'G': bytes = v << 30; end++; break;
	default: return 0;
	}
	if ((*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
		end += 2;
	else if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return 0;
	return bytes;
}

uint32_t wos_size_pages(const char *s)
{
	size_t n = wos_strlen(s);

	if (n > 1 && s[n - 1] == 'p') {
		uint64_t v;
		const char *end;

		if (wos_str_u64(s, &v, &end) != 0 || end != s + n - 1 || v == 0 || v > 65536)
			return 0;
		return (uint32_t)v;
	}
	uint64_t pages = (wos_size_bytes(s) + 65535) >> 16;
	return pages == 0 || pages > 65536 ? 0 : (uint32_t)pages;
}

/* num / den rounded to the nearest integer, ties to even. */
static uint64_t div_round(unsigned __int128 num, unsigned __int128 den)
{
	unsigned __int128 q = num / den, r = num % den;

	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return (uint64_t)q;
}

int wos_size_text(char *buf, size_t n, uint64_t bytes)
{
	static const char units[] = "KMG";
	unsigned shift, u;

	if (bytes < 1024)
		return wos_snprintf(buf, n, "%llu", (unsigned long long)bytes);
	u = bytes < (1ull << 20) ? 0 : bytes < (1ull << 30) ? 1 : 2;
	shift = 10 * (u + 1);
	/* e: the decimal exponent of the quotient (at least 0: it is at least 1) */
	int e = 0;
	for (uint64_t whole = bytes >> shift; whole >= 10; whole /= 10)
		e++;
	unsigned __int128 pow = 1;
	for (int i = 0; i < (e > 2 ? e - 2 : 2 - e); i++)
		pow *= 10;
	/* r: the three significant digits, 100..1000 */
	uint64_t r = e <= 2 ? div_round((unsigned __int128)bytes * pow, (unsigned __int128)1 << shift)
			    : div_round(bytes, pow << shift);
	if (r == 1000) {
		r = 100;
		e++;
	}
	char digits[4] = { (char)('0' + r / 100), (char)('0' + r / 10 % 10), (char)('0' + r % 10), 0 };
	/* as %g: fixed below 1000, else d.dde+XX; trailing zeros of the fraction go */
	int point = e < 3 ? e + 1 : 1;
	int last = 2;
	while (last >= point && digits[last] == '0')
		last--;
	char text[24];
	int len = 0;
	for (int i = 0; i <= last || i < point; i++) {
		if (i == point)
			text[len++] = '.';
		text[len++] = digits[i];
	}
	text[len] = 0;
	if (e >= 3)
		return wos_snprintf(buf, n, "%se+%02d%c", text, e, units[u]);
	return wos_snprintf(buf, n, "%s%c", text, units[u]);
}
