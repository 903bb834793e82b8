/* native_main.c: runs one benchmark program natively and times it.
 *
 * Linked with one bench/progs/NAME.c, which defines run().  C cannot learn run()'s
 * return type from another file, so the build says it: -DBENCH_RESULT=int32_t or
 * int64_t (bench/run.sh reads it off the program's definition).
 *
 * bench/run.sh times the whole process, start to exit, as it times wasmos and node;
 * the time inside run() that this prints is shown beside it for reference only.
 *
 * Output, the same shape as bench/v8.js:
 *     <checksum as signed decimal>
 *     time_ms <milliseconds spent inside run()>
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef BENCH_RESULT
#error "compile with -DBENCH_RESULT=int32_t or -DBENCH_RESULT=int64_t"
#endif

BENCH_RESULT run(void);

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	double start = now_ms();
	BENCH_RESULT result = run();
	double elapsed = now_ms() - start;

	/* Widening keeps the sign, so an i32 prints as Wasm engines print it. */
	printf("%" PRId64 "\n", (int64_t)result);
	printf("time_ms %.3f\n", elapsed);
	return 0;
}
