/* fmt.h: freestanding printf-style formatting into a caller's buffer.
 *
 * Included by engine/ and kernel/ code to build error messages without libc.
 * Supported: flags '-' and '0', a width and a precision (digits or '*'), the length
 * modifiers hh h l ll z, and the conversions d i u x X c s p %.  Anything else is
 * copied to the output as written.
 */
#ifndef WASMOS_LIB_FMT_H
#define WASMOS_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf: writes at most n-1 characters and a NUL (nothing when n is 0) and
 * returns the length the full output would have had.  Never allocates. */
int wos_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int wos_snprintf(char *buf, size_t n, const char *fmt, ...);

#endif
