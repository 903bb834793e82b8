/* exit: prints a line, then exits with status 7 (proc_exit). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("exiting with 7\n");
	exit(7);
}
