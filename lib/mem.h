/* mem.h: freestanding byte-array helpers (copy, move, fill, compare).
 *
 * Included by engine/, kernel/ and lib/ code, which may not call libc.  They are plain
 * loops; the metal build provides the memcpy/memset symbols a compiler may emit for them.
 */
#ifndef WASMOS_LIB_MEM_H
#define WASMOS_LIB_MEM_H

#include <stddef.h>

/* Copies n bytes; the ranges must not overlap.  Returns dst. */
void *wos_memcpy(void *dst, const void *src, size_t n);
/* Copies n bytes; the ranges may overlap.  Returns dst. */
void *wos_memmove(void *dst, const void *src, size_t n);
/* Sets n bytes to (unsigned char)c.  Returns dst. */
void *wos_memset(void *dst, int c, size_t n);
/* Compares n bytes as unsigned chars: <0, 0 or >0. */
int wos_memcmp(const void *a, const void *b, size_t n);

#endif
