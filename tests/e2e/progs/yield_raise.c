/* yield_raise: sched_yield returns (the process goes to the back of the queue and
 * runs again), then, with the argument "raise", proc_raise ends the program as a trap
 * naming the signal.
 *
 *   yielded 3 times
 *   raising            (then the trap; the next line must never appear)
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>

/* wasi-libc no longer declares proc_raise (preview 1 still has it). */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t wasi_proc_raise(int32_t sig);
#define SIGNAL_ABRT 6

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 0; i < 3; i++)
		if (sched_yield() == 0) n++;
	printf("yielded %d times\n", n);
	if (argc > 1 && !strcmp(argv[1], "raise")) {
		printf("raising\n");
		fflush(stdout);
		int32_t e = wasi_proc_raise(SIGNAL_ABRT);
		printf("still here: errno %d\n", (int)e);
		return 1;
	}
	return 0;
}
