/* hello: the smallest wasmos program, plain WASI.  Prints a greeting, its arguments
 * and, when set, the environment variable GREETING. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	printf("hello from wasmos\n");
	for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
	const char *g = getenv("GREETING");
	if (g) printf("GREETING=%s\n", g);
	return 0;
}
