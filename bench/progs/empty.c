/* empty: a module that does no work, for the start-up measurement.
 *
 * bench/run.sh times whole processes running it (`wasmos run --invoke run`, and Node
 * running bench/v8.js) to show what an engine costs before any program work: process
 * start, loading, validating and compiling a tiny module, one call, exit.  It is not
 * one of the benchmark programs in the table.
 */
#include "bench.h"

BENCH_EXPORT int32_t run(void)
{
	return 42;
}
