/* sleep: a plain WASI program for the metal boot test (tests/metal/boot_test.sh): it
 * sleeps 50 ms, which needs the timer interrupt (metal/timer.c) to wake the machine,
 * and checks on the monotonic clock that it waited at least that long. */
#include <stdio.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
	long long t0 = now_ns();
	struct timespec d = { 0, 50 * 1000 * 1000 };
	if (nanosleep(&d, NULL) != 0) {
		printf("sleep: nanosleep failed\n");
		return 1;
	}
	long long el = now_ns() - t0;
	printf("sleep: woke after %lld ms\n", el / 1000000);
	if (el < 50000000) {
		printf("sleep: too early\n");
		return 1;
	}
	printf("sleep: slept 50 ms\n");
	return 0;
}
