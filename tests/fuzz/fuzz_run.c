/* fuzz_run.c: the libFuzzer entry for fuzz_run_one (targets.c).  A contract break it
 * reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_run_one(data, len))
		abort();
	return 0;
}
