/* mandel: the Mandelbrot set in single precision.
 *
 * Measures f32 multiply, add and compare in a data-dependent escape loop, plus the
 * int/float conversions that map pixels to the plane.  The checksum is the iteration
 * count of every pixel, mixed by position; single-precision results are exact IEEE
 * on every engine, so all engines agree on every count.
 */
#include "bench.h"

#define MANDEL_W 1400
#define MANDEL_H 1050
#define MANDEL_MAX_ITER 1000

static uint32_t escape(float cr, float ci)
{
	float zr = 0.0f, zi = 0.0f;
	uint32_t n = 0;
	while (n < MANDEL_MAX_ITER) {
		float zr2 = zr * zr, zi2 = zi * zi;
		if (zr2 + zi2 > 4.0f)
			break;
		zi = 2.0f * zr * zi + ci;
		zr = zr2 - zi2 + cr;
		n++;
	}
	return n;
}

BENCH_EXPORT int32_t run(void)
{
	uint32_t sum = 0;
	for (int y = 0; y < MANDEL_H; y++) {
		float ci = -1.2f + 2.4f * (float)y / (float)MANDEL_H;
		for (int x = 0; x < MANDEL_W; x++) {
			float cr = -2.1f + 3.0f * (float)x / (float)MANDEL_W;
			sum = sum * 33u + escape(cr, ci);
		}
	}
	return (int32_t)sum;
}
