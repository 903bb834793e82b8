/* args: prints its arguments and its environment, one per line, in order:
 *   argc N / arg I: TEXT / env TEXT / envc N
 * The test passes arguments with spaces and unicode and compares. */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
	int envc = 0;
	for (char **e = environ; *e; e++, envc++) printf("env %s\n", *e);
	printf("envc %d\n", envc);
	return 0;
}
