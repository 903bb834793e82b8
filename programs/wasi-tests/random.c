/* random: getentropy fills 64 bytes that are not all zero, and two draws differ. */
#include <stdint.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	uint8_t a[64], b[64];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	CHECK_SYS("getentropy 64 bytes", getentropy(a, sizeof a));
	int nonzero = 0;
	for (size_t i = 0; i < sizeof a; i++) nonzero += a[i] != 0;
	CHECK("bytes not all zero", nonzero > 0, "all 64 bytes are zero");
	CHECK_SYS("getentropy again", getentropy(b, sizeof b));
	CHECK("two draws differ", memcmp(a, b, sizeof a) != 0, "the same 64 bytes twice");
	errno = 0;
	int rc = getentropy(a, 257);  /* getentropy's own limit is 256 bytes */
	CHECK("getentropy over 256 fails", rc == -1 && errno == EIO, "rc %d, %s", rc, strerror(errno));
	return CHECK_DONE();
}
