/* sieve: the sieve of Eratosthenes over a static byte array, repeated.
 *
 * Measures byte loads and stores in linear memory, tight inner loops with a stride,
 * and loop back-edges.  Each repetition sieves a slightly different limit so the
 * compiler cannot hoist one sieve out of the repetition loop.
 */
#include "bench.h"

#define SIEVE_N (1u << 21)
#define SIEVE_REPS 200

static uint8_t composite[SIEVE_N];

/* Sieve [0, limit) and return a digest: the number of primes mixed with the largest. */
static uint32_t sieve(uint32_t limit)
{
	/* Clear by hand: -fno-builtin keeps this a loop rather than a memset import. */
	for (uint32_t i = 0; i < limit; i++)
		composite[i] = 0;
	for (uint32_t i = 2; i * i < limit; i++) {
		if (composite[i])
			continue;
		for (uint32_t j = i * i; j < limit; j += i)
			composite[j] = 1;
	}
	uint32_t count = 0, largest = 0;
	for (uint32_t i = 2; i < limit; i++) {
		if (!composite[i]) {
			count++;
			largest = i;
		}
	}
	return count * 2654435761u ^ largest;
}

BENCH_EXPORT int32_t run(void)
{
	uint32_t sum = 0;
	for (uint32_t rep = 0; rep < SIEVE_REPS; rep++)
		sum = sum * 31u + sieve(SIEVE_N - rep * 1000u);
	return (int32_t)sum;
}
