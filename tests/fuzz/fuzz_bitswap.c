/* fuzz_bitswap.c: the libFuzzer entry for fuzz_bitswap_one (net_targets.c).  A contract
 * break it reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "net_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_bitswap_one(data, len))
		abort();
	return 0;
}
