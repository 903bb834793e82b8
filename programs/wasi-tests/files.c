/* files: the file calls, inside a directory the program was granted (a WASI preopen).
 *
 *   files [DIR]     DIR is a path inside a preopened directory (default "/sandbox");
 *                   everything happens in DIR/wasi-files-test, removed at the end.
 *
 * Create, write, pread/pwrite, seek/tell, stat/fstat, ftruncate, set times, mkdir,
 * rename, symlink/readlink/lstat, readdir, unlink, rmdir, and the errors of a missing
 * file, a non-empty rmdir and an existing mkdir.  One line per check (check.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char base[PATH_MAX];

static const char *at(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof buf[which], "%s/%s", base, rel);
	return buf[which];
}

/* Removes what an interrupted earlier run left; failures do not matter here. */
static void cleanup(void)
{
	unlink(at("sub/link"));
	unlink(at("sub/b.txt"));
	rmdir(at("sub"));
	unlink(at("a.txt"));
	rmdir(base);
}

static void test_write_read(void)
{
	int fd = open(at("a.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK("create", fd >= 0, "%s", strerror(errno));
	if (fd < 0) return;
	CHECK("write", write(fd, "hello world\n", 12) == 12, "%s", strerror(errno));
	CHECK_SYS("close", close(fd));

	fd = open(at("a.txt"), O_RDWR);
	CHECK("open read-write", fd >= 0, "%s", strerror(errno));
	if (fd < 0) return;
	char buf[32] = { 0 };
	CHECK("pread", pread(fd, buf, 5, 6) == 5 && memcmp(buf, "world", 5) == 0, "got '%s'", buf);
	CHECK("pwrite", pwrite(fd, "HELLO", 5, 0) == 5, "%s", strerror(errno));
	CHECK("pread/pwrite keep the offset", lseek(fd, 0, SEEK_CUR) == 0, "offset %lld",
	      (long long)lseek(fd, 0, SEEK_CUR));
	CHECK("seek end", lseek(fd, 0, SEEK_END) == 12, "%s", strerror(errno));
	CHECK("seek set", lseek(fd, 0, SEEK_SET) == 0, "%s", strerror(errno));
	memset(buf, 0, sizeof buf);
	CHECK("read back", read(fd, buf, sizeof buf) == 12 && strcmp(buf, "HELLO world\n") == 0,
	      "got '%s'", buf);
	CHECK("tell after read", lseek(fd, 0, SEEK_CUR) == 12, "offset %lld",
	      (long long)lseek(fd, 0, SEEK_CUR));
	CHECK("read at eof", read(fd, buf, sizeof buf) == 0, "not at eof");

	struct stat st;
	CHECK_SYS("fstat", fstat(fd, &st));
	CHECK("fstat regular, 12 bytes", S_ISREG(st.st_mode) && st.st_size == 12,
	      "mode %o size %lld", (unsigned)st.st_mode, (long long)st.st_size);
	CHECK_SYS("ftruncate 5", ftruncate(fd, 5));
	CHECK_SYS("stat", stat(at("a.txt"), &st));
	CHECK("stat size 5 after truncate", st.st_size == 5, "size %lld", (long long)st.st_size);

	struct timespec times[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
	CHECK_SYS("futimens", futimens(fd, times));
	CHECK_SYS("stat after futimens", fstat(fd, &st));
	CHECK("mtime set", st.st_mtim.tv_sec == 1234567890, "mtime %lld", (long long)st.st_mtim.tv_sec);
	CHECK("atime set", st.st_atim.tv_sec == 1000000000, "atime %lld", (long long)st.st_atim.tv_sec);
	times[1].tv_sec = 1300000000;
	CHECK_SYS("utimensat", utimensat(AT_FDCWD, at("a.txt"), times, 0));
	stat(at("a.txt"), &st);
	CHECK("mtime set by path", st.st_mtim.tv_sec == 1300000000, "mtime %lld",
	      (long long)st.st_mtim.tv_sec);
	CHECK_SYS("close again", close(fd));
}

static void test_dirs(void)
{
	struct stat st;
	CHECK_SYS("mkdir sub", mkdir(at("sub"), 0755));
	errno = 0;
	CHECK("mkdir existing fails EEXIST", mkdir(at("sub"), 0755) == -1 && errno == EEXIST,
	      "%s", strerror(errno));
	CHECK_SYS("rename into sub", rename(at("a.txt"), at("sub/b.txt")));
	errno = 0;
	CHECK("old name gone", stat(at("a.txt"), &st) == -1 && errno == ENOENT, "%s", strerror(errno));
	CHECK_SYS("new name there", stat(at("sub/b.txt"), &st));

	CHECK_SYS("symlink", symlink("b.txt", at("sub/link")));
	char target[64] = { 0 };
	ssize_t n = readlink(at("sub/link"), target, sizeof target - 1);
	CHECK("readlink", n == 5 && strcmp(target, "b.txt") == 0, "got %zd '%s'", n, target);
	CHECK_SYS("lstat link", lstat(at("sub/link"), &st));
	CHECK("lstat says symlink", S_ISLNK(st.st_mode), "mode %o", (unsigned)st.st_mode);
	CHECK_SYS("stat through link", stat(at("sub/link"), &st));
	CHECK("stat follows link", S_ISREG(st.st_mode) && st.st_size == 5, "mode %o size %lld",
	      (unsigned)st.st_mode, (long long)st.st_size);

	DIR *d = opendir(at("sub"));
	CHECK("opendir", d != NULL, "%s", strerror(errno));
	if (d) {
		int seen_b = 0, seen_link = 0, others = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, "b.txt")) seen_b++;
			else if (!strcmp(e->d_name, "link")) seen_link++;
			else if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) others++;
		}
		CHECK("readdir lists both", seen_b == 1 && seen_link == 1 && others == 0,
		      "b.txt %d, link %d, others %d", seen_b, seen_link, others);
		closedir(d);
	}

	errno = 0;
	CHECK("rmdir non-empty fails", rmdir(at("sub")) == -1 && errno == ENOTEMPTY,
	      "%s", strerror(errno));
	CHECK_SYS("unlink link", unlink(at("sub/link")));
	CHECK_SYS("unlink file", unlink(at("sub/b.txt")));
	errno = 0;
	CHECK("unlink missing fails ENOENT", unlink(at("sub/b.txt")) == -1 && errno == ENOENT,
	      "%s", strerror(errno));
	CHECK_SYS("rmdir sub", rmdir(at("sub")));
}

int main(int argc, char **argv)
{
	snprintf(base, sizeof base, "%s/wasi-files-test", argc > 1 ? argv[1] : "/sandbox");
	cleanup();
	CHECK_SYS("mkdir base", mkdir(base, 0755));
	errno = 0;
	CHECK("open missing fails ENOENT", open(at("missing"), O_RDONLY) == -1 && errno == ENOENT,
	      "%s", strerror(errno));
	test_write_read();
	test_dirs();
	CHECK_SYS("rmdir base", rmdir(base));
	return CHECK_DONE();
}
