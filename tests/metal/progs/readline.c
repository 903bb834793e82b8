/* readline: a plain WASI program for the metal boot test (tests/metal/boot_test.sh):
 * it says it is ready, reads one line from stdin (keyboard or serial, metal/stdin.c)
 * and prints it back, so the test knows when to type and what arrived. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[128];
	printf("readline: ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin)) {
		printf("readline: no input\n");
		return 1;
	}
	line[strcspn(line, "\n")] = 0;
	printf("readline: got '%s'\n", line);
	return 0;
}
