/* files: WASI file calls, run by tests/e2e/wasi_files_test.sh in a wasmos kernel.
 *
 *   files CMD ROOT    ROOT is the guest path of a granted directory (--dir HOST::ROOT)
 *   files two ROOT OTHER   two granted directories
 *
 * Each command prints one line per step, "step: result", where result is "ok", a
 * value, or the name of the errno the step failed with; the test script compares the
 * lines with what it expects and then looks at the host directory.  Raw WASI calls
 * (wasi/api.h, or imports declared here to pass bad pointers) test what wasi-libc
 * would never send.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *root;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case EISDIR: return "EISDIR";
	case ELOOP: return "ELOOP";
	case EMFILE: return "EMFILE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOENT: return "ENOENT";
	case ENOSYS: return "ENOSYS";
	case ENOTDIR: return "ENOTDIR";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ENOTSUP: return "ENOTSUP";
	case EPERM: return "EPERM";
	case ESPIPE: return "ESPIPE";
	case ENOTCAPABLE: return "ENOTCAPABLE";
	default: return "E?";
	}
}

/* ROOT/rel, in one of a few rotating buffers. */
static const char *at(const char *rel)
{
	static char buf[4][512];
	static int which;
	which = (which + 1) % 4;
	snprintf(buf[which], sizeof buf[which], "%s/%s", root, rel);
	return buf[which];
}

/* Prints "name: ok" or "name: ERRNO" for a libc call's result (-1 and errno). */
static void res(const char *name, int rc)
{
	printf("%s: %s\n", name, rc < 0 ? errname(errno) : "ok");
}

/* The same for a raw WASI call's errno. */
static void wres(const char *name, int e)
{
	printf("%s: %s\n", name, errname(e));
}

static int openf(const char *rel, int flags)
{
	errno = 0;
	return open(at(rel), flags, 0644);
}

/* The whole contents of ROOT/rel as a string ("" when missing). */
static const char *slurp(const char *rel)
{
	static char buf[256];
	buf[0] = 0;
	int fd = openf(rel, O_RDONLY);
	if (fd < 0) return buf;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

/* ---- basic: every call once, on the good path and its usual errors ---------------- */

static void cmd_basic(void)
{
	int fd = openf("a.txt", O_CREAT | O_WRONLY | O_TRUNC);
	res("create", fd);
	printf("write: %zd\n", write(fd, "0123456789", 10));
	res("close", close(fd));
	res("create excl", openf("a.txt", O_CREAT | O_EXCL | O_WRONLY));

	fd = openf("a.txt", O_RDWR);
	res("open rdwr", fd);
	char b[32] = { 0 };
	printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	printf("pread: %zd %.4s\n", pread(fd, b, 4, 3), b);
	printf("pwrite: %zd\n", pwrite(fd, "AB", 2, 8));
	printf("tell after pwrite: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	printf("seek set: %lld\n", (long long)lseek(fd, 2, SEEK_SET));
	memset(b, 0, sizeof b);
	printf("read: %zd %s\n", read(fd, b, 3), b);
	printf("seek cur: %lld\n", (long long)lseek(fd, 1, SEEK_CUR));
	printf("seek end: %lld\n", (long long)lseek(fd, -1, SEEK_END));
	memset(b, 0, sizeof b);
	printf("read at end-1: %zd %s\n", read(fd, b, sizeof b), b);
	printf("read at eof: %zd\n", read(fd, b, sizeof b));
	errno = 0;
	printf("seek before start: %lld %s\n", (long long)lseek(fd, -100, SEEK_SET), errname(errno));
	struct stat st;
	res("fstat", fstat(fd, &st));
	printf("fstat: %s %lld\n", S_ISREG(st.st_mode) ? "regular" : "other", (long long)st.st_size);
	res("ftruncate", ftruncate(fd, 4));
	res("stat", stat(at("a.txt"), &st));
	printf("size after truncate: %lld\n", (long long)st.st_size);
	res("fsync", fsync(fd));
	res("fdatasync", fdatasync(fd));
	res("close", close(fd));
	printf("contents: %s\n", slurp("a.txt"));

	fd = openf("a.txt", O_WRONLY | O_APPEND);
	res("open append", fd);
	printf("append flag: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
	printf("write: %zd\n", write(fd, "XY", 2));
	lseek(fd, 0, SEEK_SET);
	printf("write after seek 0: %zd\n", write(fd, "Z", 1));
	printf("contents: %s\n", slurp("a.txt"));
	res("clear append", fcntl(fd, F_SETFL, 0));
	printf("append flag: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
	lseek(fd, 0, SEEK_SET);
	printf("write at 0: %zd\n", write(fd, "W", 1));
	res("close", close(fd));
	printf("contents: %s\n", slurp("a.txt"));

	fd = openf("a.txt", O_RDONLY);
	errno = 0;
	printf("write to read-only: %zd %s\n", write(fd, "x", 1), errname(errno));
	close(fd);

	res("mkdir", mkdir(at("d"), 0755));
	res("mkdir again", mkdir(at("d"), 0755));
	res("rename", rename(at("a.txt"), at("d/b.txt")));
	res("stat old name", stat(at("a.txt"), &st));
	res("symlink", symlink("b.txt", at("d/l")));
	char t[64] = { 0 };
	printf("readlink: %zd %s\n", readlink(at("d/l"), t, sizeof t - 1), t);
	memset(t, 0, sizeof t);
	printf("readlink short: %zd %s\n", readlink(at("d/l"), t, 3), t);
	res("readlink of a file", (int)readlink(at("d/b.txt"), t, sizeof t));
	res("lstat", lstat(at("d/l"), &st));
	printf("lstat: %s\n", S_ISLNK(st.st_mode) ? "symlink" : "other");
	res("stat through link", stat(at("d/l"), &st));
	printf("stat: %s %lld\n", S_ISREG(st.st_mode) ? "regular" : "other", (long long)st.st_size);
	res("link", link(at("d/b.txt"), at("d/h")));
	stat(at("d/b.txt"), &st);
	printf("nlink: %llu\n", (unsigned long long)st.st_nlink);

	DIR *dir = opendir(at("d"));
	printf("opendir: %s\n", dir ? "ok" : errname(errno));
	char names[5][32];
	int n = 0;
	struct dirent *e;
	while (dir && (e = readdir(dir)) && n < 5) {
		const char *ty = e->d_type == DT_DIR ? "dir" : e->d_type == DT_REG ? "reg" : e->d_type == DT_LNK ? "lnk" : "?";
		snprintf(names[n++], sizeof names[0], "%s(%s)", e->d_name, ty);
	}
	if (dir) closedir(dir);
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	printf("readdir:");
	for (int i = 0; i < n; i++) printf(" %s", names[i]);
	printf("\n");

	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
	res("utimensat", utimensat(AT_FDCWD, at("d/b.txt"), ts, 0));
	stat(at("d/b.txt"), &st);
	printf("times: %lld %lld %ld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec,
	       st.st_mtim.tv_nsec);
	fd = openf("d/b.txt", O_RDWR);
	struct timespec ts2[2] = { { 0, UTIME_OMIT }, { 1300000000, 0 } };
	res("futimens", futimens(fd, ts2));
	fstat(fd, &st);
	printf("times: %lld %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
	struct timespec bad[2] = { { 0, UTIME_NOW }, { 5, 2000000000 } };
	res("futimens bad nsec", futimens(fd, bad));
	close(fd);
	struct timespec lts[2] = { { 0, UTIME_OMIT }, { 1100000000, 0 } };
	res("utimensat nofollow", utimensat(AT_FDCWD, at("d/l"), lts, AT_SYMLINK_NOFOLLOW));
	lstat(at("d/l"), &st);
	printf("link mtime: %lld\n", (long long)st.st_mtim.tv_sec);
	stat(at("d/l"), &st);
	printf("target mtime: %lld\n", (long long)st.st_mtim.tv_sec);

	res("rmdir non-empty", rmdir(at("d")));
	res("rmdir a file", rmdir(at("d/b.txt")));
	res("unlink a dir", unlink(at("d")));
	res("unlink with slash", unlink(at("d/b.txt/")));
	res("unlink link", unlink(at("d/l")));
	res("unlink hard link", unlink(at("d/h")));
	res("unlink missing", unlink(at("d/h")));
	res("open missing", openf("missing", O_RDONLY));
	res("open a file as dir", openf("d/b.txt", O_RDONLY | O_DIRECTORY));
	res("mkdir e", mkdir(at("e/"), 0755));
	res("rmdir e", rmdir(at("e")));
	res("rmdir gone", rmdir(at("e")));
}

/* ---- readdir: many entries, small and large buffers, cookies -------------------------- */

#define MANY 5000

static void cmd_readdir(void)
{
	char name[256];
	res("mkdir many", mkdir(at("many"), 0755));
	int made = 0;
	for (int i = 0; i < MANY; i++) {
		/* long names: the whole listing is larger than one message (1 MiB) */
		snprintf(name, sizeof name, "many/%04d-%0200d", i, 0);
		int fd = openf(name, O_CREAT | O_WRONLY);
		if (fd >= 0) made++;
		close(fd);
	}
	printf("made: %d\n", made);

	DIR *d = opendir(at("many"));
	int seen = 0, dots = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) dots++;
		else seen++;
	}
	if (d) closedir(d);
	printf("libc readdir: %d + %d\n", seen, dots);

	/* one raw call with a buffer larger than a message: every entry, whole */
	int fd = openf("many", O_RDONLY | O_DIRECTORY);
	uint32_t cap = 4u << 20;
	uint8_t *buf = malloc(cap);
	__wasi_size_t used = 0;
	int err = __wasi_fd_readdir((__wasi_fd_t)fd, buf, cap, 0, &used);
	static unsigned char hit[MANY];
	int whole = 0, dup = 0, bad = 0;
	for (uint32_t off = 0; off + 24 <= used;) {
		uint32_t namlen;
		memcpy(&namlen, buf + off + 16, 4);
		if (off + 24 + namlen > used) break;
		const char *nm = (const char *)buf + off + 24;
		if (namlen > 4 && buf[off + 20] == __WASI_FILETYPE_REGULAR_FILE) {
			int i = atoi(nm);
			if (i >= 0 && i < MANY) dup += hit[i]++ > 0;
			else bad++;
			whole++;
		}
		off += 24 + namlen;
	}
	printf("raw readdir 4M: %s whole %d dup %d bad %d end %d\n", errname(err), whole, dup, bad,
	       used < cap);

	/* a buffer that cuts the first entry: full, so more would follow */
	err = __wasi_fd_readdir((__wasi_fd_t)fd, buf, 30, 0, &used);
	printf("raw readdir 30: %s %u\n", errname(err), (unsigned)used);
	/* from the cookie of the first entry: the second comes first */
	uint64_t first_next;
	err = __wasi_fd_readdir((__wasi_fd_t)fd, buf, 4096, 0, &used);
	memcpy(&first_next, buf, 8);
	uint32_t l0;
	memcpy(&l0, buf + 16, 4);
	char second[256] = { 0 };
	uint32_t l1;
	memcpy(&l1, buf + 24 + l0 + 16, 4);
	memcpy(second, buf + 24 + l0 + 24, l1 < 255 ? l1 : 255);
	err = __wasi_fd_readdir((__wasi_fd_t)fd, buf, 4096, first_next, &used);
	uint32_t lc;
	memcpy(&lc, buf + 16, 4);
	printf("cookie resumes: %s %d\n", errname(err), lc == l1 && !memcmp(buf + 24, second, l1));
	err = __wasi_fd_readdir((__wasi_fd_t)fd, buf, 0, 0, &used);
	printf("raw readdir 0: %s %u\n", errname(err), (unsigned)used);
	close(fd);
	free(buf);

	int removed = 0;
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof name, "many/%04d-%0200d", i, 0);
		removed += unlink(at(name)) == 0;
	}
	printf("removed: %d\n", removed);
	res("rmdir many", rmdir(at("many")));
}

/* ---- escape: nothing outside the granted directory is reachable ---------------------- */

/* The host made: ROOT/f.txt, ROOT/sub/, ROOT/abs -> /absolute/outside (a directory with
 * a file `secret`), ROOT/rel -> ../outside (the same), ROOT/in -> sub. */
static void cmd_escape(void)
{
	__wasi_fd_t pre = 3, fd;
	res("inside ..", openf("sub/../f.txt", O_RDONLY));
	res("inside link", openf("in/../f.txt", O_RDONLY));
	res("open ../", openf("../outside/secret", O_RDONLY));
	res("open sub/../../", openf("sub/../../outside/secret", O_RDONLY));
	wres("raw ../", __wasi_path_open(pre, 0, "../outside/secret", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
	wres("raw absolute", __wasi_path_open(pre, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
	wres("raw absolute dir", __wasi_path_open(pre, 0, "/", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
	wres("raw ..", __wasi_path_open(pre, 0, "..", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
	res("open via absolute link", openf("abs/secret", O_RDONLY));
	res("open via relative link", openf("rel/secret", O_RDONLY));
	res("create via link", openf("rel/new", O_CREAT | O_WRONLY));
	res("mkdir via link", mkdir(at("rel/x"), 0755));
	res("unlink via link", unlink(at("rel/secret")));
	res("rename out via link", rename(at("f.txt"), at("rel/stolen")));
	res("rename in via link", rename(at("rel/secret"), at("got")));
	res("link via link", link(at("abs/secret"), at("hard")));
	struct stat st;
	res("stat via link", stat(at("abs"), &st));
	res("lstat the link", lstat(at("abs"), &st));
	res("stat ..", stat(at("sub/../.."), &st));
	res("symlink relative out", symlink("../outside/secret", at("mine")));
	res("open own link out", openf("mine", O_RDONLY));
	res("symlink absolute", symlink("/etc/passwd", at("abs2")));
	res("symlink loop", symlink("loop", at("loop")));
	res("open loop", openf("loop", O_RDONLY));
	res("open nofollow link", openf("in", O_RDONLY | O_NOFOLLOW));
	int sub = openf("sub", O_RDONLY | O_DIRECTORY);
	res("open sub", sub);
	errno = 0;
	res("openat sub ..", openat(sub, "../f.txt", O_RDONLY));
	res("openat sub .", openat(sub, ".", O_RDONLY));
	close(sub);
	struct timespec ts[2] = { { 5, 0 }, { 5, 0 } };
	res("utimensat via link", utimensat(AT_FDCWD, at("rel/secret"), ts, 0));
	char t[64];
	res("readlink via link", (int)readlink(at("rel/secret"), t, sizeof t));
	res("rmdir via link", rmdir(at("rel/..")));
}

/* ---- hostile: what wasi-libc would never send ----------------------------------------- */

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
int32_t raw_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t, int32_t) WASI(path_open);
int32_t raw_fd_read(int32_t, int32_t, int32_t, int32_t) WASI(fd_read);
int32_t raw_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t) WASI(fd_readdir);
int32_t raw_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t) WASI(path_filestat_get);

#define BAD 0xfffffff0

static void cmd_hostile(void)
{
	__wasi_fd_t pre = 3, fd;
	int32_t out;
	const char *p = "f.txt";
	wres("path out of memory", raw_path_open(pre, 0, BAD, 16, 0, 2, 0, 0, (int32_t)(uintptr_t)&out));
	wres("fd_out out of memory", raw_path_open(pre, 0, (int32_t)(uintptr_t)p, 5, 0, 2, 0, 0, BAD));
	wres("path with NUL", raw_path_open(pre, 0, (int32_t)(uintptr_t)"f.txt\0x", 7, 0, 2, 0, 0, (int32_t)(uintptr_t)&out));
	static char lng[5000];
	memset(lng, 'a', sizeof lng);
	wres("path too long", raw_path_open(pre, 0, (int32_t)(uintptr_t)lng, sizeof lng, 0, 2, 0, 0, (int32_t)(uintptr_t)&out));
	wres("empty path", raw_path_open(pre, 0, (int32_t)(uintptr_t)p, 0, 0, 2, 0, 0, (int32_t)(uintptr_t)&out));
	wres("bad oflags", raw_path_open(pre, 0, (int32_t)(uintptr_t)p, 5, 0x100, 2, 0, 0, (int32_t)(uintptr_t)&out));
	wres("stat buf out of memory", raw_path_filestat_get(pre, 1, (int32_t)(uintptr_t)p, 5, BAD));
	wres("open on a bad fd", __wasi_path_open(77, 0, "f.txt", 0, 2, 0, 0, &fd));
	wres("open on stdout", __wasi_path_open(1, 0, "f.txt", 0, 2, 0, 0, &fd));
	int file = openf("f.txt", O_RDONLY);
	wres("open on a file", __wasi_path_open((__wasi_fd_t)file, 0, "x", 0, 2, 0, 0, &fd));
	uint32_t iov[2] = { BAD, 16 };
	wres("read into bad iovec", raw_fd_read(file, (int32_t)(uintptr_t)iov, 1, (int32_t)(uintptr_t)&out));
	wres("iovecs out of memory", raw_fd_read(file, BAD, 1, (int32_t)(uintptr_t)&out));
	wres("readdir of a file", raw_fd_readdir(file, (int32_t)(uintptr_t)lng, 100, 0, (int32_t)(uintptr_t)&out));
	wres("readdir bad buffer", raw_fd_readdir(pre, BAD, 100, 0, (int32_t)(uintptr_t)&out));
	__wasi_filesize_t pos;
	wres("seek on stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
	wres("tell on stdout", __wasi_fd_tell(1, &pos));
	wres("seek on a dir", __wasi_fd_seek(pre, 0, __WASI_WHENCE_SET, &pos));
	wres("seek bad whence", __wasi_fd_seek((__wasi_fd_t)file, 0, 7, &pos));
	__wasi_size_t n;
	__wasi_iovec_t v = { (uint8_t *)lng, 4 };
	wres("pread on stdin", __wasi_fd_pread(0, &v, 1, 0, &n));
	__wasi_filestat_t fst;
	wres("filestat of stdout", __wasi_fd_filestat_get(1, &fst));
	printf("stdout filetype: %d\n", fst.filetype);
	wres("filestat of a file", __wasi_fd_filestat_get((__wasi_fd_t)file, &fst));
	printf("file filetype: %d size %llu\n", fst.filetype, (unsigned long long)fst.size);
	__wasi_fdstat_t fds;
	wres("fdstat", __wasi_fd_fdstat_get((__wasi_fd_t)file, &fds));
	printf("read-only rights: read %d write %d\n", (fds.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0,
	       (fds.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);
	wres("shrink rights", __wasi_fd_fdstat_set_rights((__wasi_fd_t)file, __WASI_RIGHTS_FD_READ, 0));
	wres("grow rights", __wasi_fd_fdstat_set_rights((__wasi_fd_t)file, __WASI_RIGHTS_FD_WRITE, 0));
	wres("advise", __wasi_fd_advise((__wasi_fd_t)file, 0, 10, __WASI_ADVICE_NORMAL));
	wres("allocate", __wasi_fd_allocate((__wasi_fd_t)file, 0, 10));
	wres("close bad fd", __wasi_fd_close(99));

	/* renumber: the target's file is closed, the source moves */
	int other = openf("sub/g.txt", O_CREAT | O_RDWR);
	write(other, "other", 5);
	wres("renumber", __wasi_fd_renumber((__wasi_fd_t)file, (__wasi_fd_t)other));
	char b[16] = { 0 };
	printf("read renumbered: %zd %s\n", pread(other, b, 5, 0), b);
	errno = 0;
	printf("read old fd: %zd %s\n", read(file, b, 1), errname(errno));
	close(other);

	/* handles: the handler's limit per client, and close frees one */
	int fds_[1100], opened = 0, err = 0;
	for (int i = 0; i < 1100; i++) {
		fds_[i] = openf("f.txt", O_RDONLY);
		if (fds_[i] < 0) {
			err = errno;
			break;
		}
		opened++;
	}
	printf("opened until: %s\n", errname(err));
	close(fds_[0]);
	int again = openf("f.txt", O_RDONLY);
	res("open after close", again);
	close(again);
	for (int i = 1; i < opened; i++) close(fds_[i]);
	/* ~1020 (the limit less the preopen and this test's files) */
	printf("limit near 1024: %d\n", opened > 1000 && opened < 1024);

	res("close stdin", close(0));
	errno = 0;
	printf("read closed stdin: %zd %s\n", read(0, b, 1), errname(errno));
}

/* ---- two: two granted directories, each preopened by the same call ------------------- */

/* The host made ROOT/x ("two"); OTHER is the second directory's guest path. */
static void cmd_two(const char *other)
{
	char dst[512];
	snprintf(dst, sizeof dst, "%s/y", other);
	res("rename across", rename(at("x"), dst));
	res("link across", link(dst, at("z")));
	printf("contents: %s\n", slurp("z"));
}

/* ---- nodir: no directory granted ---------------------------------------------------------- */

static void cmd_nodir(void)
{
	res("create", openf("x", O_CREAT | O_WRONLY));
	res("mkdir", mkdir(at("d"), 0755));
	__wasi_fd_t fd;
	wres("raw open fd 3", __wasi_path_open(3, 0, "x", __WASI_OFLAGS_CREAT, 2, 0, 0, &fd));
	__wasi_prestat_t ps;
	wres("prestat 3", __wasi_fd_prestat_get(3, &ps));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: files basic|readdir|escape|hostile|nodir ROOT, files two ROOT OTHER\n");
		return 2;
	}
	root = argv[2];
	if (!strcmp(argv[1], "basic")) cmd_basic();
	else if (!strcmp(argv[1], "readdir")) cmd_readdir();
	else if (!strcmp(argv[1], "escape")) cmd_escape();
	else if (!strcmp(argv[1], "hostile")) cmd_hostile();
	else if (!strcmp(argv[1], "nodir")) cmd_nodir();
	else if (!strcmp(argv[1], "two") && argc > 3) cmd_two(argv[3]);
	else return 2;
	printf("done\n");
	return 0;
}
