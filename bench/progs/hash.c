/* hash: two hash functions over a 1 MiB static buffer, repeated.
 *
 * FNV-1a walks the buffer a byte at a time (8-bit loads, xor, 32-bit multiply); a
 * 64-bit multiply-rotate mix in the style of xxHash walks it eight bytes at a time
 * (64-bit loads, multiplies, rotates).  Each repetition writes its result back into
 * the buffer, so every pass hashes different bytes and none can be skipped.
 */
#include "bench.h"

#define HASH_WORDS (1u << 17) /* 1 MiB of 64-bit words */
#define HASH_REPS 700

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
#define MIX_P1 0x9E3779B185EBCA87ull
#define MIX_P2 0xC2B2AE3D27D4EB4Full

static uint64_t buffer[HASH_WORDS];

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = FNV_OFFSET;
	for (uint32_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t mix64(const uint64_t *w, uint32_t n, uint64_t seed)
{
	uint64_t acc = seed + MIX_P1;
	for (uint32_t i = 0; i < n; i++) {
		acc += w[i] * MIX_P2;
		acc = rotl64(acc, 31) * MIX_P1;
	}
	/* Final avalanche, so the last words affect every bit. */
	acc ^= acc >> 33;
	acc *= MIX_P2;
	acc ^= acc >> 29;
	return acc;
}

BENCH_EXPORT int64_t run(void)
{
	uint32_t seed = 7;
	for (uint32_t i = 0; i < HASH_WORDS; i++)
		buffer[i] = (uint64_t)bench_lcg(&seed) << 32 | bench_lcg(&seed);

	uint64_t sum = 0;
	for (uint32_t rep = 0; rep < HASH_REPS; rep++) {
		uint32_t f = fnv1a((const uint8_t *)buffer, HASH_WORDS * 8u);
		uint64_t m = mix64(buffer, HASH_WORDS, f);
		buffer[(rep * 4099u) % HASH_WORDS] ^= m;
		sum = sum * 31u + (m ^ f);
	}
	return (int64_t)sum;
}
