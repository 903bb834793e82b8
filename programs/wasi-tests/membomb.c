/* membomb: allocates 1 MiB blocks for ever, touching each, printing the running
 * count.  Under a memory limit malloc fails (memory.grow returns -1): it prints
 * "out of memory after N MiB" and exits 0.  The test checks N against the limit.
 * The blocks form a list so that the compiler cannot drop the allocations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (1u << 20)

int main(void)
{
	void **list = NULL;
	unsigned long n = 0;
	for (;;) {
		void **p = malloc(BLOCK);
		if (!p) break;
		memset(p, 0xa5, BLOCK);
		*p = list;
		list = p;
		n++;
		printf("allocated %lu MiB\n", n);
		fflush(stdout);
	}
	printf("out of memory after %lu MiB\n", n);
	unsigned long kept = 0;
	for (void **p = list; p; p = *p) kept++;
	return kept == n ? 0 : 1;
}
