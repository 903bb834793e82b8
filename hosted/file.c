/* file.c: reading a whole file into memory, for the subcommands of hosted/. */
#include "hosted.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int hosted_file_read(const char *path, uint8_t **out, size_t *len)
{
	struct stat sb;
	size_t cap, n = 0;
	uint8_t *buf = NULL, *bigger;
	ssize_t r;
	int fd, err = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) < 0) {
		err = errno;
		goto out_close;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = EISDIR;
		goto out_close;
	}
	/* The size is a hint (a pipe has none, a file may grow): read until the end. */
	cap = S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 1 << 16;
	if (!(buf = malloc(cap))) {
		err = ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (n == cap) {
			if (!(bigger = realloc(buf, cap * 2))) {
				err = ENOMEM;
				goto out_close;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto out_close;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
out_close:
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}
