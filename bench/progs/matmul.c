/* matmul: dense matrix multiply in doubles, repeated.
 *
 * Measures f64 loads, multiplies and adds with 2-D index arithmetic.  The loop order
 * is i-k-j so the inner loop walks rows; every sum is accumulated in source order, so
 * the result is bit-identical on any IEEE engine (no reassociation, no FMA).  The
 * checksum is the bit pattern of the final sum: a single rounding difference shows.
 */
#include "bench.h"

#define MAT_N 200
#define MAT_REPS 700

static double a[MAT_N][MAT_N], b[MAT_N][MAT_N], c[MAT_N][MAT_N];

/* A value in [-0.5, 0.5) from the generator: small so that sums stay well scaled. */
static double small_value(uint32_t *seed)
{
	return (double)(bench_lcg(seed) >> 8) / 16777216.0 - 0.5;
}

static void multiply(void)
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++)
			c[i][j] = 0.0;
		for (int k = 0; k < MAT_N; k++) {
			double aik = a[i][k];
			for (int j = 0; j < MAT_N; j++)
				c[i][j] += aik * b[k][j];
		}
	}
}

BENCH_EXPORT int64_t run(void)
{
	uint32_t seed = 12345;
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			a[i][j] = small_value(&seed);
			b[i][j] = small_value(&seed);
		}

	double total = 0.0;
	for (int rep = 0; rep < MAT_REPS; rep++) {
		/* Change one input each time so no repetition equals the one before. */
		a[rep % MAT_N][(rep * 7) % MAT_N] += 1.0;
		multiply();
		for (int i = 0; i < MAT_N; i++)
			for (int j = 0; j < MAT_N; j++)
				total += c[i][j];
	}

	union {
		double d;
		int64_t i;
	} bits = { .d = total };
	return bits.i;
}
