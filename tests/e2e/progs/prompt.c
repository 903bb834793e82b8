/* prompt: writes a prompt without a newline, waits for a line on stdin, answers, and
 * ends with output that has no newline.  Output is line-buffered per process: the
 * prompt must still show before the input comes, and the last bytes must not be lost
 * or changed. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("prompt> ");
	fflush(stdout);
	char b[64];
	ssize_t n = read(0, b, sizeof b);
	printf("got %zd\n", n);
	printf("tail without a newline");
	return 0;
}
