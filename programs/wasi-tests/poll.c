/* poll: timeouts through poll_oneoff.  nanosleep, usleep and a direct poll_oneoff with
 * two clock subscriptions must each wait at least as long as asked (a lower bound
 * only: a busy machine may wait longer), and the poll must report the earlier
 * clock's userdata. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
	int64_t t0 = now_ns();
	struct timespec d = { 0, 20 * 1000 * 1000 };
	CHECK_SYS("nanosleep 20ms", nanosleep(&d, NULL));
	int64_t el = now_ns() - t0;
	CHECK("nanosleep waited 20ms", el >= 20000000, "waited %lld ns", (long long)el);

	t0 = now_ns();
	CHECK_SYS("usleep 10ms", usleep(10000));
	el = now_ns() - t0;
	CHECK("usleep waited 10ms", el >= 10000000, "waited %lld ns", (long long)el);

	__wasi_subscription_t sub[2];
	memset(sub, 0, sizeof sub);
	sub[0].userdata = 111;
	sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
	sub[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
	sub[0].u.u.clock.timeout = 200 * 1000 * 1000;
	sub[1].userdata = 222;
	sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
	sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
	sub[1].u.u.clock.timeout = 15 * 1000 * 1000;
	__wasi_event_t ev[2];
	__wasi_size_t nev = 0;
	t0 = now_ns();
	__wasi_errno_t e = __wasi_poll_oneoff(sub, ev, 2, &nev);
	el = now_ns() - t0;
	CHECK("poll_oneoff returns", e == 0, "errno %d", e);
	CHECK("poll_oneoff one event", nev == 1, "%u events", (unsigned)nev);
	CHECK("poll_oneoff earlier clock fired", nev >= 1 && ev[0].userdata == 222 &&
	      ev[0].type == __WASI_EVENTTYPE_CLOCK && ev[0].error == 0,
	      "userdata %llu type %u error %u", (unsigned long long)ev[0].userdata,
	      (unsigned)ev[0].type, (unsigned)ev[0].error);
	CHECK("poll_oneoff waited 15ms", el >= 15000000, "waited %lld ns", (long long)el);

	/* An absolute deadline, on the realtime clock (Node's WASI never wakes from an
	 * absolute monotonic one, and it is a handy reference to compare with). */
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	t0 = now_ns();
	sub[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
	sub[0].u.u.clock.timeout = (uint64_t)rt.tv_sec * 1000000000 + (uint64_t)rt.tv_nsec + 10000000;
	sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
	e = __wasi_poll_oneoff(sub, ev, 1, &nev);
	el = now_ns() - t0;
	CHECK("poll_oneoff absolute deadline", e == 0 && nev == 1 && ev[0].userdata == 111,
	      "errno %d, %u events", e, (unsigned)nev);
	CHECK("poll_oneoff waited until the deadline", el >= 9000000, "waited %lld ns",
	      (long long)el);
	return CHECK_DONE();
}
