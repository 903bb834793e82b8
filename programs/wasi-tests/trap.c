/* trap: prints a line and traps (unreachable).  The second line must never appear;
 * the kernel should end the process with a trap and print its backtrace. */
#include <stdio.h>

static __attribute__((noinline)) void fail_here(void)
{
	__builtin_trap();
}

int main(void)
{
	printf("before trap\n");
	fflush(stdout);
	fail_here();
	printf("after trap\n");
	return 0;
}
