/* fuzz_libp2p.c: the libFuzzer entry for fuzz_libp2p_one (libp2p.c).  A contract break
 * it reports becomes a crash, so that libFuzzer keeps the input. */
#include <stdlib.h>

#include "net_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (fuzz_libp2p_one(data, len))
		abort();
	return 0;
}
