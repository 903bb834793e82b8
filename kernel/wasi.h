/* wasi.h: shared by the WASI translation files (wasi.c: the table, stdio, clocks,
 * random, args, poll, exit; wasi_files.c: files and sockets).  Internal to kernel/.
 *
 * A WASI call that needs another party becomes one message (wasi_call): the thread
 * suspends, the answer wakes the process, and the call's finish function turns the
 * answer into results in guest memory and an errno.  A finish function may send the
 * next message of a multi-step call (it returns WASI_AGAIN).
 */
#ifndef WASMOS_KERNEL_WASI_H
#define WASMOS_KERNEL_WASI_H

#include "internal.h"

/* WASI errno values (preview 1). */
enum {
	WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EAGAIN = 6, WASI_EBADF = 8,
	WASI_EEXIST = 20, WASI_EFAULT = 21, WASI_EINVAL = 28, WASI_EIO = 29, WASI_EISDIR = 31,
	WASI_ENOENT = 44, WASI_ENOMEM = 48, WASI_ENOSYS = 52, WASI_ENOTDIR = 54,
	WASI_ENOTEMPTY = 55, WASI_ENOTSUP = 58, WASI_EOVERFLOW = 61, WASI_EPERM = 63,
	WASI_ESPIPE = 70, WASI_ENOTCAPABLE = 76,
};
#define WASI_AGAIN (-1) /* finish sent another message: keep waiting */

/* File types (fdstat, filestat, dirent). */
enum { WASI_FT_UNKNOWN = 0, WASI_FT_CHAR = 2, WASI_FT_DIR = 3, WASI_FT_REGULAR = 4,
       WASI_FT_STREAM = 6, WASI_FT_SYMLINK = 7 };

enum { FD_FREE, FD_STDIN, FD_STDOUT, FD_STDERR, FD_PREOPEN, FD_FILE, FD_LISTEN, FD_CONN };

typedef struct wasi_fd {
	uint8_t kind;             /* FD_* */
	uint8_t filetype;
	uint16_t fdflags;
	uint32_t handle;          /* the files or tcp handler's handle */
	uint64_t rights, rights_inh;
	char *path;               /* preopens: the guest path */
	uint32_t path_len;
	uint32_t host_key;        /* preopens: for files.preopen */
	bool opened;              /* preopens: handle is valid */
} wasi_fd;

typedef int (*wasi_finish_fn)(kern_state *k, kern_proc *p, int status, const uint8_t *body,
			      uint32_t len);

struct kern_wasi {
	char *args;               /* argc NUL-terminated strings, back to back */
	uint32_t args_len, argc;
	char *env;
	uint32_t env_len, envc;
	wasi_fd *fds;
	uint32_t nfds;
	/* the call in flight */
	eng_val a[10];            /* its arguments */
	wasi_finish_fn finish;
	bool answered;
	int status;
	uint8_t *answer;
	uint32_t answer_len;
	uint64_t step[4];         /* state of a multi-step call */
	struct wasi_poll_wait *waits; /* poll_oneoff: the messages it waits on */
	uint32_t nwaits;
};

/* Sends one message for the current call; on its answer, finish runs.  Returns the
 * host status to return from the WASI function (ENG_HOST_SUSPEND, or ENG_HOST_OK with
 * an errno already in results when the message could not even be sent). */
int wasi_call(kern_state *k, kern_proc *p, eng_val *results, const uint8_t *iface,
	      const uint8_t *body, uint32_t len, wasi_finish_fn finish);
/* From a finish function: send the next message of the same call. */
int wasi_call_again(kern_state *k, kern_proc *p, const uint8_t *iface, const uint8_t *body,
		    uint32_t len, wasi_finish_fn finish);
/* errno for a non-ok answer status (an error answer's body is a u16 errno). */
int wasi_errno_of(int status, const uint8_t *body, uint32_t len);
int wasi_ret(eng_val *results, int err);
wasi_fd *wasi_fd_get(kern_proc *p, uint32_t fd);
int wasi_fd_alloc(kern_state *k, kern_proc *p, uint32_t *fd);
/* Encodes with a generated encoder into a kernel buffer; NULL on failure. */
uint8_t *wasi_buf(kern_state *k, uint32_t len);

/* The most data one message of this process can carry: its message limit less room
 * for the encoding (tag, handle, lengths); at least 1 byte, however small the limit. */
static inline uint32_t wasi_payload_cap(const kern_proc *p)
{
	return p->limits.max_message > 128 ? p->limits.max_message - 64 : 1;
}

/* Little-endian guest stores and loads (the pointer is already checked). */
static inline void wasi_st32(uint8_t *b, uint32_t v) { for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> 8 * i); }
static inline void wasi_st64(uint8_t *b, uint64_t v) { for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> 8 * i); }
static inline uint32_t wasi_ld32(const uint8_t *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }
static inline uint64_t wasi_ld64(const uint8_t *b) { return (uint64_t)wasi_ld32(b) | (uint64_t)wasi_ld32(b + 4) << 32; }

/* wasi_files.c: files, directories and sockets.  Each is a WASI host function. */
#define WASI_FILE_FUNCS(X)                                                           \
	X(fd_advise) X(fd_allocate) X(fd_close) X(fd_datasync) X(fd_fdstat_set_flags)   \
	X(fd_fdstat_set_rights) X(fd_filestat_get) X(fd_filestat_set_size)              \
	X(fd_filestat_set_times) X(fd_pread) X(fd_pwrite) X(fd_readdir) X(fd_seek)      \
	X(fd_sync) X(fd_tell) X(path_create_directory) X(path_filestat_get)             \
	X(path_filestat_set_times) X(path_link) X(path_open) X(path_readlink)           \
	X(path_remove_directory) X(path_rename) X(path_symlink) X(path_unlink_file)
/* wasi_sock.c: sockets, as messages to the `tcp` interface. */
#define WASI_SOCK_FUNCS(X) X(sock_accept) X(sock_recv) X(sock_send) X(sock_shutdown)
#define WASI_DECLARE(name) int wasi_##name(void *ud, eng_thread *t, const eng_val *a, eng_val *r);
WASI_FILE_FUNCS(WASI_DECLARE)
WASI_SOCK_FUNCS(WASI_DECLARE)
/* fd_read/fd_write on files (wasi_files.c) and connections (wasi_sock.c); wasi.c
 * handles stdio itself.  The iovecs are in p->wasi->a[1..3] as fd_read's. */
int wasi_file_read(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r);
int wasi_file_write(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len,
		    eng_val *r);
int wasi_sock_read(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r);
int wasi_sock_write(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len,
		    eng_val *r);
/* Closing a socket or connection (wasi_sock.c), for fd_close. */
int wasi_sock_close(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r);
/* Makes the fds of a->listens, from fd `first` on (wasi_sock.c, for kern_wasi_init). */
int wasi_sock_init(kern_state *k, kern_proc *p, const kern_spawn_args *a, uint32_t first);
/* Scatters data over fd_read's iovecs and stores the count (wasi.c). */
int wasi_scatter_read(kern_proc *p, const uint8_t *data, uint32_t len);

#endif
