/* fib: naive doubly recursive Fibonacci.
 *
 * Almost all the time goes to calls, returns and one compare per call, so this
 * measures the engine's call path: frame setup, argument passing, result return.
 * Unsigned arithmetic keeps overflow defined (fib(FIB_N) fits in 32 bits anyway).
 */
#include "bench.h"

#define FIB_N 44

static uint32_t fib(uint32_t n)
{
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

BENCH_EXPORT int32_t run(void)
{
	/* Two nearby arguments so that neither result alone can be folded into a constant
	 * table lookup; the checksum mixes both. */
	uint32_t a = fib(FIB_N);
	uint32_t b = fib(FIB_N - 3);
	return (int32_t)(a * 31u + b);
}
