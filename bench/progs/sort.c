/* sort: quicksort of pseudo-random 32-bit integers, repeated with new data.
 *
 * Measures data-dependent branches, 32-bit loads and stores, swaps and recursive
 * calls.  The sort is median-of-three quicksort that recurses into the smaller part
 * and loops on the larger (so depth stays O(log n)), finishing short runs with
 * insertion sort.  The checksum proves the output is sorted and is the same data.
 */
#include "bench.h"

#define SORT_N (1u << 20)
#define SORT_REPS 14
#define SORT_SMALL 16 /* below this, insertion sort beats partitioning */

static int32_t data[SORT_N];

static void insertion_sort(int32_t *v, int32_t lo, int32_t hi)
{
	for (int32_t i = lo + 1; i <= hi; i++) {
		int32_t x = v[i];
		int32_t j = i - 1;
		while (j >= lo && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

static void swap(int32_t *v, int32_t i, int32_t j)
{
	int32_t t = v[i];
	v[i] = v[j];
	v[j] = t;
}

/* Sort v[lo..hi] inclusive. */
static void quicksort(int32_t *v, int32_t lo, int32_t hi)
{
	while (hi - lo >= SORT_SMALL) {
		/* Median of three: order v[lo], v[mid], v[hi], then use v[mid] as pivot. */
		int32_t mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			swap(v, mid, lo);
		if (v[hi] < v[lo])
			swap(v, hi, lo);
		if (v[hi] < v[mid])
			swap(v, hi, mid);
		int32_t pivot = v[mid];

		/* Hoare partition: afterwards v[lo..j] <= pivot <= v[i..hi]. */
		int32_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				swap(v, i, j);
				i++;
				j--;
			}
		}
		if (j - lo < hi - i) {
			quicksort(v, lo, j);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = j;
		}
	}
	insertion_sort(v, lo, hi);
}

BENCH_EXPORT int32_t run(void)
{
	uint32_t seed = 2024;
	uint32_t sum = 0;
	for (uint32_t rep = 0; rep < SORT_REPS; rep++) {
		uint32_t before = 0;
		for (uint32_t i = 0; i < SORT_N; i++) {
			data[i] = (int32_t)bench_lcg(&seed);
			before += (uint32_t)data[i];
		}
		quicksort(data, 0, (int32_t)SORT_N - 1);

		/* Same multiset (the plain sum survives sorting), in order, weighted by rank. */
		uint32_t after = 0, unsorted = 0, weighted = 0;
		for (uint32_t i = 0; i < SORT_N; i++) {
			after += (uint32_t)data[i];
			weighted += (uint32_t)data[i] * (i + 1);
			if (i > 0 && data[i - 1] > data[i])
				unsorted++;
		}
		sum = sum * 31u + weighted + (before - after) + unsorted * 0x10001u;
	}
	return (int32_t)sum;
}
