/* bench.h: what every benchmark program shares.
 *
 * Included by each bench/progs/NAME.c, which is compiled twice: to an import-free
 * Wasm module (clang --target=wasm32 -nostdlib) and natively beside native_main.c.
 * So nothing here may need libc: only <stdint.h>, which clang provides freestanding.
 *
 * Each program defines exactly one exported function,
 *     BENCH_EXPORT int32_t run(void)   or   BENCH_EXPORT int64_t run(void)
 * spelled like that on one line: bench/run.sh greps for it to tell the native harness
 * which return type to call.  The result is a checksum of all the work, so that no
 * engine can skip work and every engine can be checked against the others.
 */
#ifndef WASMOS_BENCH_H
#define WASMOS_BENCH_H

#include <stdint.h>

/* Export under the name "run" in the Wasm build; a plain external symbol natively. */
#if defined(__wasm__)
#define BENCH_EXPORT __attribute__((export_name("run")))
#else
#define BENCH_EXPORT
#endif

/* A 32-bit linear congruential generator (Numerical Recipes constants): cheap,
 * deterministic, and the same on every engine because it is unsigned arithmetic. */
static inline uint32_t bench_lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state;
}

#endif
