/* clocks: reads the realtime, monotonic and process CPU-time clocks and their
 * resolutions; checks that realtime is after 2020, that monotonic never goes back,
 * and that CPU time grows with work. */
#include <stdint.h>
#include <time.h>

#include "check.h"

static int64_t ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
	struct timespec t, r;

	CHECK_SYS("realtime read", clock_gettime(CLOCK_REALTIME, &t));
	CHECK("realtime after 2020", t.tv_sec > 1577836800, "tv_sec %lld", (long long)t.tv_sec);
	CHECK_SYS("realtime resolution", clock_getres(CLOCK_REALTIME, &r));
	CHECK("realtime resolution positive", ns(r) > 0, "%lld ns", (long long)ns(r));

	CHECK_SYS("monotonic read", clock_gettime(CLOCK_MONOTONIC, &t));
	int64_t prev = ns(t), back = 0;
	for (int i = 0; i < 10000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (ns(t) < prev) back++;
		prev = ns(t);
	}
	CHECK("monotonic nondecreasing", back == 0, "went back %lld times", (long long)back);
	CHECK_SYS("monotonic resolution", clock_getres(CLOCK_MONOTONIC, &r));

	struct timespec c0, c1;
	CHECK_SYS("cputime read", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0));
	volatile uint64_t x = 1;
	for (int i = 0; i < 3000000; i++) x = x * 6364136223846793005u + 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	CHECK("cputime grows with work", ns(c1) > ns(c0), "%lld then %lld",
	      (long long)ns(c0), (long long)ns(c1));

	time_t now = time(NULL);
	CHECK("time() after 2020", now > 1577836800, "%lld", (long long)now);
	return CHECK_DONE();
}
