/* size.h: sizes as people write and read them: "64M", "1G", "100p" (64 KiB pages),
 * and "1.5M" back.  Included by kernel/ (system files, kernel-debug) and hosted/
 * (`wasmos run --max-memory`).  Freestanding; nothing allocates.
 */
#ifndef WASMOS_LIB_SIZE_H
#define WASMOS_LIB_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* "64K", "4M", "1G", "65536", with an optional B or iB ("64KiB") -> bytes (binary
 * units); 0 when malformed, zero, or past 2^34 units (callers bound it further). */
uint64_t wos_size_bytes(const char *s);
/* "64M", "1G", "65536", "100p" (pages) -> 64 KiB pages, rounded up; 0 when malformed,
 * zero or above 4 GiB. */
uint32_t wos_size_pages(const char *s);

/* Writes bytes for people: below 1024 the number, else three significant digits and
 * K, M or G (binary units), as printf's "%.3g" writes the quotient ("4K", "1.5M",
 * "9.77K", "1.02e+03K" just below 1M).  Returns the length as wos_snprintf does. */
int wos_size_text(char *buf, size_t n, uint64_t bytes);

#endif
