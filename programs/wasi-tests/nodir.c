/* nodir: file calls without a granted directory must fail, never succeed: with
 * ENOTCAPABLE (wasi-libc finds no preopen that covers the path) or, should a kernel
 * refuse them itself, EACCES or EPERM.  Each refusal prints its error text.
 *
 *   nodir [PATH]    PATH defaults to "/sandbox/x"; run it without preopens. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static int refused(int e)
{
	return e == ENOTCAPABLE || e == EACCES || e == EPERM;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/sandbox/x";
	errno = 0;
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK("create refused", fd == -1 && refused(errno), "fd %d, %s", fd, strerror(errno));
	printf("create: %s\n", strerror(errno));
	errno = 0;
	fd = open(path, O_RDONLY);
	CHECK("open refused", fd == -1 && refused(errno), "fd %d, %s", fd, strerror(errno));
	errno = 0;
	struct stat st;
	CHECK("stat refused", stat(path, &st) == -1 && refused(errno), "%s", strerror(errno));
	errno = 0;
	CHECK("mkdir refused", mkdir("/wasi-nodir", 0755) == -1 && refused(errno), "%s", strerror(errno));
	errno = 0;
	CHECK("relative open refused", open("x.txt", O_CREAT | O_WRONLY, 0644) == -1 && refused(errno),
	      "%s", strerror(errno));
	return CHECK_DONE();
}
