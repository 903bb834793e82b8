/* stdin: reads stdin to EOF and prints the byte count and a checksum (32-bit FNV-1a):
 *   bytes N
 *   fnv1a 0xXXXXXXXX */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	uint8_t buf[4096];
	uint64_t total = 0;
	uint32_t h = 2166136261u;
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR) continue;
			printf("read failed: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0) break;
		for (ssize_t i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u;
		total += (uint64_t)n;
	}
	printf("bytes %llu\n", (unsigned long long)total);
	printf("fnv1a 0x%08x\n", h);
	return 0;
}
