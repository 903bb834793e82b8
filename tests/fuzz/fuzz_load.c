/* fuzz_load.c: the libFuzzer entry for fuzz_load_one (targets.c).  A contract break it
 * reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_load_one(data, len))
		abort();
	return 0;
}
