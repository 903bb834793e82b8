/* calls: indirect calls through a table of small functions.
 *
 * Each step picks one of eight functions with a pseudo-random index and calls it
 * through a function pointer, which in Wasm is call_indirect: a table bounds check,
 * a signature check and a call.  It measures that path, as C code using callbacks,
 * vtables or qsort comparators exercises it.
 */
#include "bench.h"

#define CALLS_STEPS 120000000u

typedef uint32_t (*step_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t acc, uint32_t x) { return acc + x; }
static uint32_t op_sub(uint32_t acc, uint32_t x) { return acc - x; }
static uint32_t op_xor(uint32_t acc, uint32_t x) { return acc ^ x; }
static uint32_t op_mul(uint32_t acc, uint32_t x) { return acc * (x | 1u); }
static uint32_t op_rotl(uint32_t acc, uint32_t x) { return acc << (x & 31) | acc >> ((32 - x) & 31); }
static uint32_t op_mix(uint32_t acc, uint32_t x) { return (acc ^ (acc >> 15)) + x; }
static uint32_t op_neg(uint32_t acc, uint32_t x) { return ~acc + (x >> 3); }
static uint32_t op_avg(uint32_t acc, uint32_t x) { return (acc >> 1) + (x >> 1); }

static step_fn const table[8] = {
	op_add, op_sub, op_xor, op_mul, op_rotl, op_mix, op_neg, op_avg,
};

BENCH_EXPORT int32_t run(void)
{
	uint32_t seed = 99;
	uint32_t acc = 1;
	for (uint32_t i = 0; i < CALLS_STEPS; i++) {
		uint32_t r = bench_lcg(&seed);
		acc = table[r >> 29](acc, r);
	}
	return (int32_t)acc;
}
