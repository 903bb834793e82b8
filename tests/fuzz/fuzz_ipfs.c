/* fuzz_ipfs.c: the libFuzzer entry for fuzz_ipfs_one (ipfs.c).  A contract break it
 * reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_ipfs_one(data, len))
		abort();
	return 0;
}
