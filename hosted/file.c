/* file.c: reading a whole file into memory, for the subcommands of hosted/, and the
 * kernel's reader of programs by host path (control.h). */
#include "hosted.h"
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- programs by path, for the kernel (control.h) ---------------------------------- */

/* WASI errno values (docs/interfaces.md). */
enum { ERRNO_ACCES = 2, ERRNO_FBIG = 22, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_ISDIR = 31, ERRNO_NOENT = 44 };

static int program_read(void *ud, const char *path, uint8_t **bytes, size_t *len, char *why, size_t whylen)
{
	(void)ud;
	struct stat st;
	/* a regular file of a sane size: /dev/zero or a FIFO would stall the kernel */
	if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > HOSTED_MAX_PROGRAM)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		snprintf(why, whylen, "%s", S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? strerror(e) :
					    "not a regular file");
		return e == EISDIR ? ERRNO_ISDIR : e == EFBIG ? ERRNO_FBIG : ERRNO_INVAL;
	}
	if (hosted_file_read(path, bytes, len) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? ERRNO_NOENT : errno == EACCES ? ERRNO_ACCES : ERRNO_IO;
	}
	return 0;
}

static void program_release(void *ud, uint8_t *bytes, size_t len)
{
	(void)ud;
	(void)len;
	free(bytes);
}

const kern_path_reader hosted_program_reader = { program_read, program_release, NULL };
