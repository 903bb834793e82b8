/* fuzz_kad.c: the libFuzzer entry for fuzz_kad_one (net_targets.c).  A contract
 * break it reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "net_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_kad_one(data, len))
		abort();
	return 0;
}
