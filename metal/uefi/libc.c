/* libc.c: memcpy and memset, which clang calls for struct copies and large zeroing
 * even in freestanding code.  String instructions: a plain loop here could itself be
 * recognised and turned into a call to memset. */
#include "loader.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}
