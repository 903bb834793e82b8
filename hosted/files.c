/* files.c: the native handler of `files` (interfaces/files.ifc) on Linux.
 *
 * A client's handles are host file descriptors in one table; each entry names the
 * process that opened it, so a client can use only its own, and all of a client's
 * close when it ends.  The first handles come from preopen(key), for the directories
 * the platform granted (hosted_files_grant) to that process (hosted_files_allow).
 *
 * No escape: every path is resolved beneath the directory handle it came with.  The
 * directory that holds the last component is opened with openat2(RESOLVE_BENEATH),
 * which refuses `..` above the start, absolute paths and symbolic links that lead out;
 * where openat2 is missing (Linux before 5.6, or a seccomp filter), a walk does the
 * same one component at a time with O_NOFOLLOW, following links by hand.  The last
 * component is never left to the host to follow: a symbolic link there is read and
 * its target resolved the same way (when the call follows links), and the operation
 * itself runs with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW on the name in that directory.  A
 * refusal is ENOTCAPABLE.  WASMOS_FILES_WALK=1 in the environment forces the walk
 * (the tests run both).
 *
 * Every message is answered: with its answer, or with an error answer whose body is
 * a u16 WASI errno (EINVAL for a body that does not decode, ENOSYS for an unknown
 * tag, EBADF for a handle the client does not hold).  The handler runs in the event
 * loop and blocks it during each host call; files are opened O_NONBLOCK so that a
 * FIFO cannot stall the whole kernel.
 */
#define _GNU_SOURCE
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ifc_files.h"

/* Limits. */
#define MAX_HANDLES_PER_CLIENT 1024u   /* open handles one process may hold */
#define MAX_IO (16u << 20)             /* bytes of one read, pread or readdir answer */
#define MAX_LINK_HOPS 40               /* symbolic links followed in one path, as Linux */
#define MAX_WALK_DEPTH 256             /* directories deep, in the walk */

/* WASI errnos (preview 1) this file answers with. */
enum {
	W_E2BIG = 1, W_EACCES = 2, W_EAGAIN = 6, W_EBADF = 8, W_EBUSY = 10, W_EEXIST = 20,
	W_EFAULT = 21, W_EFBIG = 22, W_EINTR = 27, W_EINVAL = 28, W_EIO = 29, W_EISDIR = 31,
	W_ELOOP = 32, W_EMFILE = 33, W_EMLINK = 34, W_ENAMETOOLONG = 37, W_ENFILE = 41,
	W_ENODEV = 43, W_ENOENT = 44, W_ENOMEM = 48, W_ENOSPC = 51, W_ENOSYS = 52,
	W_ENOTDIR = 54, W_ENOTEMPTY = 55, W_ENOTSUP = 58, W_ENOTTY = 59, W_ENXIO = 60,
	W_EOVERFLOW = 61, W_EPERM = 63, W_EPIPE = 64, W_ERANGE = 68, W_EROFS = 69,
	W_ESPIPE = 70, W_ESTALE = 72, W_ETXTBSY = 74, W_EXDEV = 75, W_ENOTCAPABLE = 76,
};

/* WASI flags (files.ifc uses WASI's values). */
enum { OF_CREAT = 1, OF_DIRECTORY = 2, OF_EXCL = 4, OF_TRUNC = 8 };
enum { FDF_APPEND = 1, FDF_DSYNC = 2, FDF_NONBLOCK = 4, FDF_RSYNC = 8, FDF_SYNC = 16 };
enum { FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8 };
enum { FT_UNKNOWN = 0, FT_BLOCK = 1, FT_CHAR = 2, FT_DIR = 3, FT_REGULAR = 4, FT_STREAM = 6,
       FT_SYMLINK = 7 };
#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ALLOCATE (1ull << 8)
#define R_FD_READDIR (1ull << 14)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)

typedef struct entry {
	uint64_t pid;             /* the client holding it; 0: a free slot */
	int fd;
	uint8_t filetype;
} entry;

typedef struct granted {
	char *host;
	int fd;                   /* O_RDONLY | O_DIRECTORY */
	uint64_t *pids;           /* who may preopen it */
	uint32_t npids;
} granted;

struct hosted_files {
	hosted_sys *sys;
	granted *dirs;
	uint32_t ndirs;
	entry *ents;              /* handle h is ents[h - 1] */
	uint32_t nents;
	bool walk;                /* no openat2: resolve by walking */
};

/* ---- errors and answers ------------------------------------------------------------ */

static int wasi_errno(int e)
{
	switch (e) {
	case E2BIG: return W_E2BIG;
	case EACCES: return W_EACCES;
	case EAGAIN: return W_EAGAIN;
	case EBADF: return W_EBADF;
	case EBUSY: return W_EBUSY;
	case EEXIST: return W_EEXIST;
	case EFAULT: return W_EFAULT;
	case EFBIG: return W_EFBIG;
	case EINTR: return W_EINTR;
	case EINVAL: return W_EINVAL;
	case EISDIR: return W_EISDIR;
	case ELOOP: return W_ELOOP;
	case EMFILE: return W_EMFILE;
	case EMLINK: return W_EMLINK;
	case ENAMETOOLONG: return W_ENAMETOOLONG;
	case ENFILE: return W_ENFILE;
	case ENODEV: return W_ENODEV;
	case ENOENT: return W_ENOENT;
	case ENOMEM: return W_ENOMEM;
	case ENOSPC: return W_ENOSPC;
	case EDQUOT: return W_ENOSPC;
	case ENOSYS: return W_ENOSYS;
	case ENOTDIR: return W_ENOTDIR;
	case ENOTEMPTY: return W_ENOTEMPTY;
	case EOPNOTSUPP: return W_ENOTSUP;
	case ENOTTY: return W_ENOTTY;
	case ENXIO: return W_ENXIO;
	case EOVERFLOW: return W_EOVERFLOW;
	case EPERM: return W_EPERM;
	case EPIPE: return W_EPIPE;
	case ERANGE: return W_ERANGE;
	case EROFS: return W_EROFS;
	case ESPIPE: return W_ESPIPE;
	case ESTALE: return W_ESTALE;
	case ETXTBSY: return W_ETXTBSY;
	case EXDEV: return W_EXDEV;
	default: return W_EIO;
	}
}

static void reply_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id) kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

static void reply_bytes(kern_state *k, uint64_t id, const uint8_t *b, uint32_t len)
{
	if (!id) return;
	/* an answer larger than the kernel's message limit is an error instead */
	if (kern_answer(k, id, b, len, KERN_ANSWER_OK) == KERN_ETOOBIG) reply_errno(k, id, W_E2BIG);
}

/* Encodes answer `ans` of message NAME and sends it; returns 0 (answered). */
#define REPLY(k, id, name, ans)                                                          \
	({                                                                               \
		uint8_t s_[96];                                                          \
		uint32_t n_ = ifc_files_##name##_answer_encode(&(ans), s_, sizeof s_);   \
		if (n_ <= sizeof s_) {                                                   \
			reply_bytes((k), (id), s_, n_);                                  \
		} else {                                                                 \
			uint8_t *b_ = n_ == UINT32_MAX ? NULL : malloc(n_);              \
			if (b_) {                                                        \
				ifc_files_##name##_answer_encode(&(ans), b_, n_);        \
				reply_bytes((k), (id), b_, n_);                          \
			} else {                                                         \
				reply_errno((k), (id), W_ENOMEM);                        \
			}                                                                \
			free(b_);                                                        \
		}                                                                        \
		0;                                                                       \
	})

static int reply_empty(kern_state *k, uint64_t id)
{
	reply_bytes(k, id, NULL, 0);
	return 0;
}

/* ---- handles ------------------------------------------------------------------------ */

static entry *get(hosted_files *f, uint64_t pid, uint32_t h)
{
	if (h == 0 || h > f->nents || f->ents[h - 1].pid != pid) return NULL;
	return &f->ents[h - 1];
}

static uint8_t filetype_of(mode_t m)
{
	if (S_ISREG(m)) return FT_REGULAR;
	if (S_ISDIR(m)) return FT_DIR;
	if (S_ISLNK(m)) return FT_SYMLINK;
	if (S_ISCHR(m)) return FT_CHAR;
	if (S_ISBLK(m)) return FT_BLOCK;
	if (S_ISSOCK(m)) return FT_STREAM;
	return FT_UNKNOWN;
}

/* Takes fd into a new handle of pid; closes fd and returns an errno on failure. */
static int add(hosted_files *f, uint64_t pid, int fd, uint32_t *h, uint8_t *filetype)
{
	struct stat st;
	uint32_t held = 0, slot = UINT32_MAX;
	for (uint32_t i = 0; i < f->nents; i++) {
		if (f->ents[i].pid == pid) held++;
		else if (!f->ents[i].pid && slot == UINT32_MAX) slot = i;
	}
	if (held >= MAX_HANDLES_PER_CLIENT) {
		close(fd);
		return W_EMFILE;
	}
	if (fstat(fd, &st) != 0) {
		int e = wasi_errno(errno);
		close(fd);
		return e;
	}
	if (slot == UINT32_MAX) {
		uint32_t n = f->nents ? f->nents * 2 : 16;
		entry *ne = realloc(f->ents, n * sizeof *ne);
		if (!ne) {
			close(fd);
			return W_ENOMEM;
		}
		memset(ne + f->nents, 0, (n - f->nents) * sizeof *ne);
		slot = f->nents;
		f->ents = ne;
		f->nents = n;
	}
	f->ents[slot] = (entry){ pid, fd, filetype_of(st.st_mode) };
	*h = slot + 1;
	*filetype = f->ents[slot].filetype;
	return 0;
}

static void drop(entry *e)
{
	close(e->fd);
	e->pid = 0;
	e->fd = -1;
}

/* ---- resolving paths beneath a directory ------------------------------------------- */

/* A path decoded from a message: NUL-terminated, bounded. */
static int path_copy(const uint8_t *p, uint32_t len, char out[PATH_MAX])
{
	if (len == 0) return W_ENOENT;
	if (len >= PATH_MAX) return W_ENAMETOOLONG;
	memcpy(out, p, len);
	out[len] = 0;
	return 0;
}

static long sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	/* openat2 wants no mode unless one is used (O_TMPFILE includes O_DIRECTORY's bit) */
	bool creates = flags & O_CREAT || (flags & O_TMPFILE) == O_TMPFILE;
	struct open_how how = { .flags = (uint64_t)flags, .mode = creates ? mode : 0,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd;
	int tries = 0;
	do {
		/* EAGAIN: a rename raced the lookup; the kernel asks us to try again */
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	} while (fd < 0 && errno == EAGAIN && ++tries < 16);
	return fd;
}

/* The walk: opens directory `path` beneath root one component at a time, each with
 * O_NOFOLLOW; a symbolic link is read and its target spliced into what remains.  `..`
 * goes back to the directory we came from and may not go above root.  Returns 0 with
 * *out (O_PATH) or an errno. */
static int walk_dir(int root, const char *path, int *out)
{
	char rest[PATH_MAX * 2];
	int stack[MAX_WALK_DEPTH];
	int depth = 0, hops = 0, err = 0;
	size_t len = strlen(path);
	if (len >= sizeof rest) return W_ENAMETOOLONG;
	memcpy(rest, path, len + 1);
	char *at = rest;
	for (;;) {
		while (*at == '/') at++;
		if (!*at) break;
		char *end = strchr(at, '/');
		size_t n = end ? (size_t)(end - at) : strlen(at);
		char name[NAME_MAX + 1];
		if (n > NAME_MAX) {
			err = W_ENAMETOOLONG;
			goto out;
		}
		memcpy(name, at, n);
		name[n] = 0;
		at += n;
		if (!strcmp(name, ".")) continue;
		int cur = depth ? stack[depth - 1] : root;
		if (!strcmp(name, "..")) {
			if (!depth) {
				err = W_ENOTCAPABLE;
				goto out;
			}
			close(stack[--depth]);
			continue;
		}
		int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) != 0) {
			err = wasi_errno(errno);
			if (fd >= 0) close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t t = readlinkat(fd, "", target, sizeof target);
			close(fd);
			if (t < 0) {
				err = wasi_errno(errno);
				goto out;
			}
			if (++hops > MAX_LINK_HOPS) {
				err = W_ELOOP;
				goto out;
			}
			if ((size_t)t >= sizeof target || (size_t)t + 1 + strlen(at) >= sizeof rest) {
				err = W_ENAMETOOLONG;
				goto out;
			}
			if (t == 0 || target[0] == '/') {
				err = t ? W_ENOTCAPABLE : W_ENOENT;
				goto out;
			}
			/* rest becomes target + what followed the link */
			size_t tail = strlen(at);
			memmove(rest + t, at, tail + 1);
			memcpy(rest, target, (size_t)t);
			at = rest;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			err = W_ENOTDIR;
			goto out;
		}
		if (depth == MAX_WALK_DEPTH) {
			close(fd);
			err = W_ENAMETOOLONG;
			goto out;
		}
		stack[depth++] = fd;
	}
	*out = openat(depth ? stack[depth - 1] : root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*out < 0) err = wasi_errno(errno);
out:
	while (depth) close(stack[--depth]);
	return err;
}

/* Opens directory `path` (relative) beneath root, as O_PATH. */
static int open_dir(hosted_files *f, int root, const char *path, int *out)
{
	if (f->walk) return walk_dir(root, path, out);
	long fd = sys_openat2(root, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0) return errno == EXDEV ? W_ENOTCAPABLE : wasi_errno(errno);
	*out = (int)fd;
	return 0;
}

/* Where a path leads: the directory holding its last component, and that name. */
typedef struct where {
	int fd;                    /* O_PATH, owned */
	char name[NAME_MAX + 1];   /* one component: never "..", never a slash */
	bool slash;                /* the path ended in '/': it must be a directory */
} where;

/* Finds `path` beneath root.  With follow, a last component that is a symbolic link
 * is replaced by its target (resolved beneath root again, at most MAX_LINK_HOPS).
 * Returns 0 (close w->fd after) or an errno. */
static int locate(hosted_files *f, int root, const char *path, bool follow, where *w)
{
	char buf[PATH_MAX * 2], parent[PATH_MAX * 2];
	size_t len = strlen(path);
	if (len == 0) return W_ENOENT;
	if (len >= PATH_MAX) return W_ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (int hops = 0;; hops++) {
		if (buf[0] == '/') return W_ENOTCAPABLE;
		size_t n = strlen(buf);
		bool slash = false;
		while (n > 1 && buf[n - 1] == '/') {
			buf[--n] = 0;
			slash = true;
		}
		char *cut = strrchr(buf, '/');
		const char *last = cut ? cut + 1 : buf;
		if (cut) {
			memcpy(parent, buf, (size_t)(cut - buf));
			parent[cut - buf] = 0;
		} else {
			strcpy(parent, ".");
		}
		if (!strcmp(last, "..")) {
			/* the directory that `..` names, and the name "." within it */
			strcpy(parent, buf);
			last = ".";
		}
		if (strlen(last) > NAME_MAX) return W_ENAMETOOLONG;
		int pfd = -1;
		int err = open_dir(f, root, parent, &pfd);
		if (err) return err;
		if (follow) {
			char target[PATH_MAX];
			ssize_t t = readlinkat(pfd, last, target, sizeof target);
			if (t >= 0) {
				close(pfd);
				if (hops >= MAX_LINK_HOPS) return W_ELOOP;
				if ((size_t)t >= sizeof target) return W_ENAMETOOLONG;
				if (t == 0) return W_ENOENT;
				if (target[0] == '/') return W_ENOTCAPABLE;
				int m = snprintf(buf, sizeof buf, "%s/%.*s%s", parent, (int)t, target, slash ? "/" : "");
				if (m < 0 || (size_t)m >= PATH_MAX) return W_ENAMETOOLONG;
				continue;
			}
		}
		w->fd = pfd;
		strcpy(w->name, last);
		w->slash = slash;
		return 0;
	}
}

/* A trailing slash asks for a directory: ENOTDIR when the name is something else. */
static int check_slash(const where *w)
{
	struct stat st;
	if (!w->slash || fstatat(w->fd, w->name, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
	return S_ISDIR(st.st_mode) ? 0 : W_ENOTDIR;
}

/* The directory handle `dir` of client pid, checked. */
static int dir_of(hosted_files *f, uint64_t pid, uint32_t dir, int *fd)
{
	entry *e = get(f, pid, dir);
	if (!e) return W_EBADF;
	if (e->filetype != FT_DIR) return W_ENOTDIR;
	*fd = e->fd;
	return 0;
}

/* Decodes the path `p` of a message and locates it beneath handle `dir`. */
static int where_of(hosted_files *f, uint64_t pid, uint32_t dir, const uint8_t *p, uint32_t plen,
		    bool follow, where *w)
{
	int root;
	char path[PATH_MAX];
	int err = dir_of(f, pid, dir, &root);
	if (!err) err = path_copy(p, plen, path);
	if (!err) err = locate(f, root, path, follow, w);
	return err;
}

/* ---- the messages -------------------------------------------------------------------- */

#define DECODE(name, m)                                                                 \
	ifc_files_##name m;                                                             \
	if (ifc_files_##name##_decode(d->body, d->len, &m) != 0) return W_EINVAL

static int do_open(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(open, m);
	if (m.oflags & ~0xfu || m.fdflags & ~0x1fu) return W_EINVAL;
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, m.follow, &w);
	if (err) return err;
	bool rd = m.rights & (R_FD_READ | R_FD_READDIR);
	bool wr = m.rights & (R_FD_WRITE | R_FD_DATASYNC | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
	int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	if (m.oflags & OF_CREAT) flags |= O_CREAT;
	if (m.oflags & OF_EXCL) flags |= O_EXCL;
	if (m.oflags & OF_TRUNC) flags |= O_TRUNC;
	if (m.oflags & OF_DIRECTORY || w.slash) flags |= O_DIRECTORY;
	if (m.fdflags & FDF_APPEND) flags |= O_APPEND;
	if (m.fdflags & FDF_DSYNC) flags |= O_DSYNC;
	if (m.fdflags & FDF_RSYNC) flags |= O_RSYNC;
	if (m.fdflags & FDF_SYNC) flags |= O_SYNC;
	if (wr) flags |= rd ? O_RDWR : O_WRONLY;
	else if (!rd && !(m.oflags & (OF_CREAT | OF_TRUNC))) flags = O_PATH | O_CLOEXEC | O_NOFOLLOW | (flags & O_DIRECTORY);
	long fd;
	if (f->walk) {
		fd = openat(w.fd, w.name, flags, 0666);
	} else {
		/* beneath the name's directory: a link swapped in after locate is refused */
		fd = sys_openat2(w.fd, w.name, flags, 0666);
		if (fd < 0 && errno == EXDEV) errno = ELOOP;
	}
	err = fd < 0 ? wasi_errno(errno) : 0;
	close(w.fd);
	if (err) return err;
	ifc_files_open_answer a;
	err = add(f, d->sender, (int)fd, &a.handle, &a.filetype);
	if (err) return err;
	return REPLY(k, d->id, open, a);
}

static int do_close(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(close, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	drop(e);
	return reply_empty(k, d->id);
}

/* read and pread: up to len bytes at the position, or at offset (pread). */
static int do_read(hosted_files *f, kern_state *k, const kern_delivery *d, bool at)
{
	uint32_t handle, len;
	uint64_t offset = 0;
	if (at) {
		DECODE(pread, m);
		handle = m.handle, len = m.len, offset = m.offset;
	} else {
		DECODE(read, m);
		handle = m.handle, len = m.len;
	}
	entry *e = get(f, d->sender, handle);
	/* a directory is read with readdir (EBADF as wasmtime; Linux's answer varies) */
	if (!e || e->filetype == FT_DIR) return W_EBADF;
	if (at && offset > INT64_MAX) return W_EINVAL;
	if (len > MAX_IO) len = MAX_IO;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) return W_ENOMEM;
	ssize_t n;
	do {
		n = at ? pread(e->fd, buf, len, (off_t)offset) : read(e->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = wasi_errno(errno);
		free(buf);
		return err;
	}
	ifc_files_read_answer a = { .data = buf, .data_len = (uint32_t)n };
	REPLY(k, d->id, read, a);
	free(buf);
	return 0;
}

static int do_write(hosted_files *f, kern_state *k, const kern_delivery *d, bool at)
{
	uint32_t handle;
	uint64_t offset = 0;
	const uint8_t *data;
	uint32_t len;
	if (at) {
		DECODE(pwrite, m);
		handle = m.handle, offset = m.offset, data = m.data, len = m.data_len;
	} else {
		DECODE(write, m);
		handle = m.handle, data = m.data, len = m.data_len;
	}
	entry *e = get(f, d->sender, handle);
	if (!e || e->filetype == FT_DIR) return W_EBADF;
	if (at && offset > INT64_MAX) return W_EINVAL;
	ssize_t n;
	do {
		n = at ? pwrite(e->fd, data, len, (off_t)offset) : write(e->fd, data, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) return wasi_errno(errno);
	ifc_files_write_answer a = { .written = (uint32_t)n };
	return REPLY(k, d->id, write, a);
}

static int do_seek(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(seek, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	/* as wasmtime: a directory has no position to move */
	if (e->filetype == FT_DIR) return W_EBADF;
	static const int whences[3] = { SEEK_SET, SEEK_CUR, SEEK_END };
	if (m.whence > 2) return W_EINVAL;
	off_t pos = lseek(e->fd, (off_t)m.offset, whences[m.whence]);
	if (pos < 0) return wasi_errno(errno);
	ifc_files_seek_answer a = { .position = (uint64_t)pos };
	return REPLY(k, d->id, seek, a);
}

static uint64_t ns_of(struct timespec ts)
{
	if (ts.tv_sec < 0) return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int reply_stat(kern_state *k, uint64_t id, const struct stat *st)
{
	ifc_files_stat_answer a = {
		.filetype = filetype_of(st->st_mode), .size = (uint64_t)st->st_size,
		.atime = ns_of(st->st_atim), .mtime = ns_of(st->st_mtim), .ctime = ns_of(st->st_ctim),
		.ino = st->st_ino, .nlink = st->st_nlink, .dev = st->st_dev,
	};
	return REPLY(k, id, stat, a);
}

static int do_stat(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(stat, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	struct stat st;
	if (fstat(e->fd, &st) != 0) return wasi_errno(errno);
	return reply_stat(k, d->id, &st);
}

static int do_stat_path(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(stat_path, m);
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, m.follow, &w);
	if (err) return err;
	struct stat st;
	err = fstatat(w.fd, w.name, &st, AT_SYMLINK_NOFOLLOW) ? wasi_errno(errno) : 0;
	if (!err && w.slash && !S_ISDIR(st.st_mode)) err = W_ENOTDIR;
	close(w.fd);
	return err ? err : reply_stat(k, d->id, &st);
}

/* WASI fstflags to the two timespecs of utimensat. */
static int times_of(uint64_t atime, uint64_t mtime, uint32_t flags, struct timespec ts[2])
{
	if (flags & ~0xfu || (flags & FST_ATIM && flags & FST_ATIM_NOW) ||
	    (flags & FST_MTIM && flags & FST_MTIM_NOW))
		return W_EINVAL;
	uint64_t v[2] = { atime, mtime };
	for (int i = 0; i < 2; i++) {
		uint32_t set = i ? FST_MTIM : FST_ATIM, now = i ? FST_MTIM_NOW : FST_ATIM_NOW;
		ts[i].tv_sec = (time_t)(v[i] / 1000000000ull);
		ts[i].tv_nsec = (long)(v[i] % 1000000000ull);
		if (flags & now) ts[i].tv_nsec = UTIME_NOW;
		else if (!(flags & set)) ts[i].tv_nsec = UTIME_OMIT;
	}
	return 0;
}

static int do_set_times(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(set_times, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	struct timespec ts[2];
	int err = times_of(m.atime, m.mtime, m.flags, ts);
	if (err) return err;
	if (futimens(e->fd, ts) != 0) return wasi_errno(errno);
	return reply_empty(k, d->id);
}

static int do_set_times_path(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(set_times_path, m);
	struct timespec ts[2];
	int err = times_of(m.atime, m.mtime, m.flags, ts);
	if (err) return err;
	where w;
	err = where_of(f, d->sender, m.dir, m.path, m.path_len, m.follow, &w);
	if (err) return err;
	err = check_slash(&w);
	if (!err && utimensat(w.fd, w.name, ts, AT_SYMLINK_NOFOLLOW) != 0) err = wasi_errno(errno);
	close(w.fd);
	return err ? err : reply_empty(k, d->id);
}

static uint8_t filetype_of_dt(int dirfd, const char *name, unsigned char t)
{
	switch (t) {
	case DT_REG: return FT_REGULAR;
	case DT_DIR: return FT_DIR;
	case DT_LNK: return FT_SYMLINK;
	case DT_CHR: return FT_CHAR;
	case DT_BLK: return FT_BLOCK;
	case DT_SOCK: return FT_STREAM;
	case DT_UNKNOWN: {
		struct stat st;
		return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? filetype_of(st.st_mode) : FT_UNKNOWN;
	}
	default: return FT_UNKNOWN;
	}
}

/* The kernel's getdents64 record. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> 8 * i);
}

/* WASI dirents from `cookie` (a d_off the host gave, or 0 for the start) until max
 * bytes are filled, the last record cut to fit: what fd_readdir puts in its buffer. */
static int do_readdir(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(readdir, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	if (e->filetype != FT_DIR) return W_ENOTDIR;
	if (m.cookie > INT64_MAX) return W_EINVAL;
	uint32_t max = m.max > MAX_IO ? MAX_IO : m.max;
	uint8_t *out = malloc(max ? max : 1);
	char *raw = malloc(32768);
	int err = 0;
	uint32_t used = 0;
	if (!out || !raw) {
		err = W_ENOMEM;
		goto out_free;
	}
	if (lseek(e->fd, (off_t)m.cookie, SEEK_SET) < 0) {
		err = wasi_errno(errno);
		goto out_free;
	}
	while (used < max) {
		long n = syscall(SYS_getdents64, e->fd, raw, 32768);
		if (n < 0) {
			err = wasi_errno(errno);
			goto out_free;
		}
		if (n == 0) break;
		for (long at = 0; at < n && used < max;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(raw + at);
			at += de->d_reclen;
			uint32_t namlen = (uint32_t)strlen(de->d_name);
			uint8_t rec[24];
			put64(rec, (uint64_t)de->d_off);
			put64(rec + 8, de->d_ino);
			for (int i = 0; i < 4; i++) rec[16 + i] = (uint8_t)(namlen >> 8 * i);
			rec[20] = filetype_of_dt(e->fd, de->d_name, de->d_type);
			rec[21] = rec[22] = rec[23] = 0;
			uint32_t take = max - used < 24 ? max - used : 24;
			memcpy(out + used, rec, take);
			used += take;
			take = max - used < namlen ? max - used : namlen;
			memcpy(out + used, de->d_name, take);
			used += take;
		}
	}
	ifc_files_readdir_answer a = { .entries = out, .entries_len = used };
	REPLY(k, d->id, readdir, a);
out_free:
	free(out);
	free(raw);
	return err;
}

enum { OP_MKDIR, OP_UNLINK, OP_RMDIR };

/* mkdir, unlink or rmdir of the located name; returns an errno. */
static int path_op(int op, const where *w)
{
	int r;
	switch (op) {
	case OP_MKDIR: r = mkdirat(w->fd, w->name, 0777); break;
	case OP_UNLINK: r = unlinkat(w->fd, w->name, 0); break;
	default: r = unlinkat(w->fd, w->name, AT_REMOVEDIR); break;
	}
	return r ? wasi_errno(errno) : 0;
}

static int do_mkdir(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(mkdir, m);
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &w);
	if (err) return err;
	err = path_op(OP_MKDIR, &w);
	close(w.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_unlink(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(unlink, m);
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &w);
	if (err) return err;
	err = check_slash(&w);
	if (!err) err = path_op(OP_UNLINK, &w);
	close(w.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_rmdir(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(rmdir, m);
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &w);
	if (err) return err;
	err = check_slash(&w);
	if (!err) err = path_op(OP_RMDIR, &w);
	close(w.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_rename(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(rename, m);
	where a, b;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &a);
	if (err) return err;
	err = where_of(f, d->sender, m.dir2, m.path2, m.path2_len, false, &b);
	if (err) {
		close(a.fd);
		return err;
	}
	/* a trailing slash on either name: the source must be a directory */
	if (b.slash) a.slash = true;
	err = check_slash(&a);
	if (!err && renameat(a.fd, a.name, b.fd, b.name) != 0) err = wasi_errno(errno);
	close(a.fd);
	close(b.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_symlink(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(symlink, m);
	char target[PATH_MAX];
	int err = path_copy(m.target, m.target_len, target);
	if (err) return err;
	/* an absolute target could never be followed here: refuse to make one */
	if (target[0] == '/') return W_ENOTCAPABLE;
	where w;
	err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &w);
	if (err) return err;
	if (w.slash) err = W_ENOENT;
	else if (symlinkat(target, w.fd, w.name) != 0) err = wasi_errno(errno);
	close(w.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_readlink(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(readlink, m);
	where w;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, false, &w);
	if (err) return err;
	char target[PATH_MAX];
	ssize_t n = w.slash ? (errno = ENOTDIR, -1) : readlinkat(w.fd, w.name, target, sizeof target);
	err = n < 0 ? wasi_errno(errno) : 0;
	close(w.fd);
	if (err) return err;
	if ((size_t)n >= sizeof target) return W_ENAMETOOLONG;
	/* a string has no NUL; a Linux link target has none either */
	ifc_files_readlink_answer a = { .target = (const uint8_t *)target, .target_len = (uint32_t)n };
	return REPLY(k, d->id, readlink, a);
}

static int do_truncate(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(truncate, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	if (m.size > INT64_MAX) return W_EFBIG;
	if (ftruncate(e->fd, (off_t)m.size) != 0) return wasi_errno(errno);
	return reply_empty(k, d->id);
}

static int do_sync(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(sync, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	if (fsync(e->fd) != 0) return wasi_errno(errno);
	return reply_empty(k, d->id);
}

/* Only APPEND can change on an open file (as wasmtime); NONBLOCK is accepted and has
 * no effect, since the handler never blocks on a file anyway. */
static int do_fdstat_set_flags(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(fdstat_set_flags, m);
	entry *e = get(f, d->sender, m.handle);
	if (!e) return W_EBADF;
	if (m.flags & ~(uint32_t)(FDF_APPEND | FDF_NONBLOCK)) return W_EINVAL;
	int fl = fcntl(e->fd, F_GETFL);
	if (fl < 0) return wasi_errno(errno);
	fl = m.flags & FDF_APPEND ? fl | O_APPEND : fl & ~O_APPEND;
	if (fcntl(e->fd, F_SETFL, fl) != 0) return wasi_errno(errno);
	return reply_empty(k, d->id);
}

static int do_link(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(link, m);
	where a, b;
	int err = where_of(f, d->sender, m.dir, m.path, m.path_len, m.follow, &a);
	if (err) return err;
	err = where_of(f, d->sender, m.dir2, m.path2, m.path2_len, false, &b);
	if (err) {
		close(a.fd);
		return err;
	}
	err = check_slash(&a);
	if (!err && b.slash) err = W_ENOENT;
	if (!err && linkat(a.fd, a.name, b.fd, b.name, 0) != 0) err = wasi_errno(errno);
	close(a.fd);
	close(b.fd);
	return err ? err : reply_empty(k, d->id);
}

static int do_preopen(hosted_files *f, kern_state *k, const kern_delivery *d)
{
	DECODE(preopen, m);
	if (m.key >= f->ndirs) return W_EBADF;
	granted *g = &f->dirs[m.key];
	bool allowed = false;
	for (uint32_t i = 0; i < g->npids; i++) allowed |= g->pids[i] == d->sender;
	if (!allowed) return W_ENOTCAPABLE;
	int fd = openat(g->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) return wasi_errno(errno);
	ifc_files_preopen_answer a;
	int err = add(f, d->sender, fd, &a.handle, &a.filetype);
	if (err) return err;
	return REPLY(k, d->id, preopen, a);
}

static void files_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_files *f = ud;
	int err;
	switch (ifc_files_tag(d->body, d->len)) {
	case IFC_FILES_OPEN: err = do_open(f, k, d); break;
	case IFC_FILES_CLOSE: err = do_close(f, k, d); break;
	case IFC_FILES_READ: err = do_read(f, k, d, false); break;
	case IFC_FILES_PREAD: err = do_read(f, k, d, true); break;
	case IFC_FILES_WRITE: err = do_write(f, k, d, false); break;
	case IFC_FILES_PWRITE: err = do_write(f, k, d, true); break;
	case IFC_FILES_SEEK: err = do_seek(f, k, d); break;
	case IFC_FILES_STAT: err = do_stat(f, k, d); break;
	case IFC_FILES_STAT_PATH: err = do_stat_path(f, k, d); break;
	case IFC_FILES_SET_TIMES: err = do_set_times(f, k, d); break;
	case IFC_FILES_SET_TIMES_PATH: err = do_set_times_path(f, k, d); break;
	case IFC_FILES_READDIR: err = do_readdir(f, k, d); break;
	case IFC_FILES_MKDIR: err = do_mkdir(f, k, d); break;
	case IFC_FILES_UNLINK: err = do_unlink(f, k, d); break;
	case IFC_FILES_RMDIR: err = do_rmdir(f, k, d); break;
	case IFC_FILES_RENAME: err = do_rename(f, k, d); break;
	case IFC_FILES_SYMLINK: err = do_symlink(f, k, d); break;
	case IFC_FILES_READLINK: err = do_readlink(f, k, d); break;
	case IFC_FILES_TRUNCATE: err = do_truncate(f, k, d); break;
	case IFC_FILES_SYNC: err = do_sync(f, k, d); break;
	case IFC_FILES_FDSTAT_SET_FLAGS: err = do_fdstat_set_flags(f, k, d); break;
	case IFC_FILES_LINK: err = do_link(f, k, d); break;
	case IFC_FILES_PREOPEN: err = do_preopen(f, k, d); break;
	default: err = W_ENOSYS; break;
	}
	if (err) reply_errno(k, d->id, err);
}

/* A client ended: every handle it held closes. */
static void files_client_ended(void *ud, kern_state *k, uint64_t pid)
{
	(void)k;
	hosted_files *f = ud;
	for (uint32_t i = 0; i < f->nents; i++)
		if (f->ents[i].pid == pid) drop(&f->ents[i]);
}

static const kern_native files_ops = { files_message, files_client_ended };

/* ---- setting up -------------------------------------------------------------------------- */

int hosted_files_init(hosted_sys *s)
{
	hosted_files *f = calloc(1, sizeof *f);
	if (!f) return -1;
	f->sys = s;
	/* openat2 may be missing (old kernel) or filtered (seccomp): then walk */
	const char *force = getenv("WASMOS_FILES_WALK");
	long probe = sys_openat2(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (probe >= 0) close((int)probe);
	f->walk = probe < 0 || (force && *force && strcmp(force, "0") != 0);
	/* programs may hold many files: allow this process as many as the host lets */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (kern_native_register(s->k, ifc_files_id, &files_ops, f) != 0) {
		free(f);
		return -1;
	}
	s->files = f;
	return 0;
}

void hosted_files_free(hosted_sys *s)
{
	hosted_files *f = s->files;
	if (!f) return;
	for (uint32_t i = 0; i < f->nents; i++)
		if (f->ents[i].pid) drop(&f->ents[i]);
	free(f->ents);
	for (uint32_t i = 0; i < f->ndirs; i++) {
		close(f->dirs[i].fd);
		free(f->dirs[i].host);
		free(f->dirs[i].pids);
	}
	free(f->dirs);
	free(f);
	s->files = NULL;
}

int hosted_files_grant(hosted_files *f, const char *host_path, uint32_t *key)
{
	int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) return -1;
	granted *nd = realloc(f->dirs, (f->ndirs + 1) * sizeof *nd);
	char *host = strdup(host_path);
	if (!nd || !host) {
		if (nd) f->dirs = nd;
		free(host);
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	f->dirs = nd;
	f->dirs[f->ndirs] = (granted){ host, fd, NULL, 0 };
	*key = f->ndirs++;
	return 0;
}

int hosted_files_allow(hosted_files *f, uint32_t key, uint64_t pid)
{
	if (key >= f->ndirs) return -1;
	granted *g = &f->dirs[key];
	uint64_t *np = realloc(g->pids, (g->npids + 1) * sizeof *np);
	if (!np) return -1;
	np[g->npids++] = pid;
	g->pids = np;
	return 0;
}
