/* str.h: freestanding string helpers for NUL-terminated text.
 *
 * Included by kernel/ code that reads text (system files, process.spawn bodies) and
 * may not call libc.  Plain loops; nothing allocates.
 */
#ifndef WASMOS_LIB_STR_H
#define WASMOS_LIB_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t wos_strlen(const char *s);
/* Whether a and b hold the same text. */
bool wos_streq(const char *a, const char *b);
/* The first (wos_strchr) or last (wos_strrchr) c in s, or NULL; c may not be 0. */
const char *wos_strchr(const char *s, char c);
const char *wos_strrchr(const char *s, char c);
/* The first place sub starts in s, or NULL (an empty sub is found at s). */
const char *wos_strstr(const char *s, const char *sub);
/* Reads the decimal digits at the start of s into *v; *end points past them.
 * Returns 0, or -1 when s does not start with a digit or the number passes 2^64 - 1
 * (then *v and *end are unspecified). */
int wos_str_u64(const char *s, uint64_t *v, const char **end);

#endif
