/* wasi_files.c: WASI files and directories, as messages to the `files` interface
 * (interfaces/files.ifc; docs/wasi.md lists every function and its message).
 *
 * A file fd holds the files handler's handle.  A preopened directory holds only the
 * key the platform gave it until its first use: then the call sends files.preopen
 * first, keeps the handle in the fd, and runs itself again from the arguments it saved
 * (handle_of and finish_preopen), so every path call is one message after that.
 *
 * Guest pointers are checked with kern_guest_ptr before anything is sent and again
 * when an answer is written (the call's memory cannot move meanwhile, but a check is
 * cheap).  The handler decides what a path may reach; the kernel only carries it.
 * Rights are kept for fd_fdstat_get and narrowed as WASI says, but the handler, by
 * how it opened the file, is what refuses a write to a file opened for reading.
 */
#include "wasi.h"
#include "ifc_files.h"

/* WASI errnos wasi.h does not name. */
enum { WASI_ELOOP = 32, WASI_ENAMETOOLONG = 37 };

/* Longest path a call may send (PATH_MAX on Linux, with its NUL). */
#define PATH_MAX_LEN 4095u
/* iovecs in one fd_pread or fd_pwrite, as fd_read and fd_write (wasi.c). */
#define MAX_IOVS 1024u

/* The functions of this file by index, so that finish_preopen can call one again. */
#define FN_INDEX(name) FN_##name,
enum { WASI_FILE_FUNCS(FN_INDEX) FN_COUNT };
#define FN_ENTRY(name) wasi_##name,
static const eng_host_fn file_fns[FN_COUNT] = { WASI_FILE_FUNCS(FN_ENTRY) };

static void save(kern_proc *p, const eng_val *a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) p->wasi->a[i] = a[i];
}

/* Bytes of data one message may carry, with room for its other fields. */
static uint32_t io_cap(kern_proc *p)
{
	uint32_t m = p->limits.max_message < p->k->limits.max_message ? p->limits.max_message
								       : p->k->limits.max_message;
	return m > 64 ? m - 64 : 1;
}

/* Encodes message NAME with its generated encoder and sends it to `files` for the
 * current call; `finish` runs on its answer.  Evaluates to the host status. */
#define SEND(p, r, name, msg, finish)                                                       \
	({                                                                                   \
		uint32_t n_ = ifc_files_##name##_encode(&(msg), NULL, 0);                    \
		uint8_t *b_ = n_ == UINT32_MAX ? NULL : wasi_buf((p)->k, n_);                \
		int h_ = wasi_ret((r), WASI_ENOMEM);                                         \
		if (b_) {                                                                    \
			ifc_files_##name##_encode(&(msg), b_, n_);                           \
			h_ = wasi_call((p)->k, (p), (r), ifc_files_id, b_, n_, (finish));    \
			kern_mem_free((p)->k, b_, n_);                                       \
		}                                                                            \
		h_;                                                                          \
	})

/* A path argument: checked, not too long, no NUL (a files `string` has none). */
static int guest_path(kern_proc *p, uint32_t ptr, uint32_t len, const uint8_t **out)
{
	if (len > PATH_MAX_LEN) return WASI_ENAMETOOLONG;
	const uint8_t *s = kern_guest_ptr(p, ptr, len);
	if (!s) return WASI_EFAULT;
	for (uint32_t i = 0; i < len; i++)
		if (!s[i]) return WASI_EINVAL;
	*out = s;
	return 0;
}

/* ---- handles and preopens ------------------------------------------------------------ */

static int finish_preopen(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len);

/* The files handle behind fd, for call `fn` whose arguments are saved in p->wasi->a.
 * True with *h set; or false with *hs the host status to return: an errno in r, or
 * suspended on files.preopen, after which fn runs again. */
static bool handle_of(kern_proc *p, uint32_t fd, int fn, eng_val *r, uint32_t *h, int *hs)
{
	wasi_fd *f = wasi_fd_get(p, fd);
	if (!f || (f->kind != FD_FILE && f->kind != FD_PREOPEN)) {
		*hs = wasi_ret(r, WASI_EBADF);
		return false;
	}
	if (f->kind == FD_FILE || f->opened) {
		*h = f->handle;
		return true;
	}
	p->wasi->step[3] = fd | (uint64_t)fn << 32;
	ifc_files_preopen m = { .key = f->host_key };
	*hs = SEND(p, r, preopen, m, finish_preopen);
	return false;
}

static int finish_preopen(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_preopen_answer ans;
	if (ifc_files_preopen_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	wasi_fd *f = wasi_fd_get(p, (uint32_t)w->step[3]);
	uint32_t fn = (uint32_t)(w->step[3] >> 32);
	/* the process was suspended since handle_of: its fd is as it was */
	if (!f || f->kind != FD_PREOPEN || fn >= FN_COUNT) return WASI_EBADF;
	f->handle = ans.handle;
	f->opened = true;
	eng_val res[1];
	int hs = file_fns[fn](p, NULL, w->a, res);
	return hs == ENG_HOST_SUSPEND ? WASI_AGAIN : res[0].i32;
}

/* Tells the handler a handle is no longer needed.  No answer is awaited, so fd_close
 * (and fd_renumber, which closes) never blocks; a close that cannot be sent leaves
 * the handle open until the process ends, when the handler closes all of its. */
static void close_handle(kern_proc *p, uint32_t h)
{
	ifc_files_close m = { .handle = h };
	uint8_t b[8];
	uint32_t n = ifc_files_close_encode(&m, b, sizeof b);
	kern_msg_emit(p->k, p, ifc_files_id, b, n, 0, NULL, NULL, NULL);
}

/* ---- answers ----------------------------------------------------------------------------- */

static int finish_empty(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	(void)p;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	return len == 0 ? 0 : WASI_EIO;
}

/* A filestat (64 bytes) at step[0]. */
static int finish_filestat(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	/* stat and stat_path answer alike */
	ifc_files_stat_answer s;
	if (ifc_files_stat_answer_decode(body, len, &s) != 0) return WASI_EIO;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)p->wasi->step[0], 64);
	if (!out) return WASI_EFAULT;
	for (int i = 0; i < 64; i++) out[i] = 0;
	wasi_st64(out, s.dev);
	wasi_st64(out + 8, s.ino);
	out[16] = s.filetype;
	wasi_st64(out + 24, s.nlink);
	wasi_st64(out + 32, s.size);
	wasi_st64(out + 40, s.atime);
	wasi_st64(out + 48, s.mtime);
	wasi_st64(out + 56, s.ctime);
	return 0;
}

/* A u32 count at step[0]: written by write and pwrite. */
static int finish_written(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_write_answer a;
	if (ifc_files_write_answer_decode(body, len, &a) != 0 || a.written > p->wasi->step[1]) return WASI_EIO;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)p->wasi->step[0], 4);
	if (!out) return WASI_EFAULT;
	wasi_st32(out, a.written);
	return 0;
}

/* ---- iovecs --------------------------------------------------------------------------------- */

/* Checks n guest iovecs at iov and every buffer they name; sums their lengths. */
static int iovs_check(kern_proc *p, uint32_t iov, uint32_t n, uint64_t *total)
{
	if (n > MAX_IOVS) return WASI_EINVAL;
	const uint8_t *v = kern_guest_ptr(p, iov, n * 8);
	if (!v) return WASI_EFAULT;
	*total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), len = wasi_ld32(v + 8 * i + 4);
		if (!kern_guest_ptr(p, ptr, len)) return WASI_EFAULT;
		*total += len;
	}
	return 0;
}

/* Copies up to cap bytes out of checked iovecs. */
static uint32_t gather(kern_proc *p, uint32_t iov, uint32_t n, uint8_t *out, uint32_t cap)
{
	const uint8_t *v = kern_guest_ptr(p, iov, n * 8);
	uint32_t at = 0;
	for (uint32_t i = 0; i < n && at < cap; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), len = wasi_ld32(v + 8 * i + 4);
		const uint8_t *src = kern_guest_ptr(p, ptr, len);
		for (uint32_t j = 0; j < len && at < cap; j++) out[at++] = src[j];
	}
	return at;
}

/* Spreads data over n iovecs at iov and stores the count at out. */
static int scatter(kern_proc *p, uint32_t iov, uint32_t n, uint32_t out, const uint8_t *data, uint32_t len)
{
	const uint8_t *v = kern_guest_ptr(p, iov, n * 8);
	uint8_t *cnt = kern_guest_ptr(p, out, 4);
	if (!v || !cnt) return WASI_EFAULT;
	uint32_t at = 0;
	for (uint32_t i = 0; i < n && at < len; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), l = wasi_ld32(v + 8 * i + 4);
		uint8_t *dst = kern_guest_ptr(p, ptr, l);
		if (!dst) return WASI_EFAULT;
		for (uint32_t j = 0; j < l && at < len; j++) dst[j] = data[at++];
	}
	wasi_st32(cnt, at);
	return 0;
}

/* ---- reading and writing -------------------------------------------------------------------- */

/* read and pread answer alike; step[1] is what was asked. */
static int finish_read(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_read_answer a;
	if (ifc_files_read_answer_decode(body, len, &a) != 0 || a.data_len > w->step[1]) return WASI_EIO;
	/* fd_read: iovecs a[1], a[2], count a[3]; fd_pread: the count is a[4] */
	uint32_t out = w->step[2] ? w->a[4].u32 : w->a[3].u32;
	return scatter(p, w->a[1].u32, w->a[2].u32, out, a.data, a.data_len);
}

int wasi_file_read(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	uint32_t n = w->step[1] < io_cap(p) ? (uint32_t)w->step[1] : io_cap(p);
	if (n == 0) return wasi_ret(r, scatter(p, w->a[1].u32, w->a[2].u32, w->a[3].u32, NULL, 0));
	w->step[1] = n;
	w->step[2] = 0;
	ifc_files_read m = { .handle = f->handle, .len = n };
	return SEND(p, r, read, m, finish_read);
}

int wasi_file_write(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len,
		    eng_val *r)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	w->step[0] = w->a[3].u32;
	w->step[1] = len;
	ifc_files_write m = { .handle = f->handle, .data = data, .data_len = len };
	return SEND(p, r, write, m, finish_written);
}

/* What fd_pread and fd_pwrite check before their message: a file (else ESPIPE), the
 * iovecs and the count pointer a[4] in memory, the handler's handle (*h).  *n gets
 * the bytes to move: at most one message's worth, a short read or write as POSIX
 * allows.  Returns false when the call is over, with its host status in *hs. */
static bool positional_start(kern_proc *p, const eng_val *a, int fn, eng_val *r, uint32_t *h,
			     uint32_t *n, int *hs)
{
	save(p, a, 5);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	uint64_t total;
	int err = f && f->kind != FD_FILE && f->kind != FD_PREOPEN ? WASI_ESPIPE
								    : iovs_check(p, a[1].u32, a[2].u32, &total);
	if (!err && !kern_guest_ptr(p, a[4].u32, 4)) err = WASI_EFAULT;
	if (err) {
		*hs = wasi_ret(r, err);
		return false;
	}
	if (!handle_of(p, a[0].u32, fn, r, h, hs)) return false;
	*n = total < io_cap(p) ? (uint32_t)total : io_cap(p);
	return true;
}

/* fd_pread(fd, iovs, iovs_len, offset, nread) */
int wasi_fd_pread(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	uint32_t h, n;
	int hs;
	if (!positional_start(p, a, FN_fd_pread, r, &h, &n, &hs)) return hs;
	w->step[1] = n;
	w->step[2] = 1;
	ifc_files_pread m = { .handle = h, .offset = a[3].u64, .len = n };
	return SEND(p, r, pread, m, finish_read);
}

/* fd_pwrite(fd, iovs, iovs_len, offset, nwritten) */
int wasi_fd_pwrite(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	uint32_t h, n;
	int hs;
	if (!positional_start(p, a, FN_fd_pwrite, r, &h, &n, &hs)) return hs;
	uint8_t *data = kern_mem_alloc(p->k, n);
	if (!data) return wasi_ret(r, WASI_ENOMEM);
	gather(p, a[1].u32, a[2].u32, data, n);
	w->step[0] = a[4].u32;
	w->step[1] = n;
	ifc_files_pwrite m = { .handle = h, .offset = a[3].u64, .data = data, .data_len = n };
	int sent = SEND(p, r, pwrite, m, finish_written);
	kern_mem_free(p->k, data, n);
	return sent;
}

/* ---- positions -------------------------------------------------------------------------------- */

static int finish_seek(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_seek_answer a;
	if (ifc_files_seek_answer_decode(body, len, &a) != 0) return WASI_EIO;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)p->wasi->step[0], 8);
	if (!out) return WASI_EFAULT;
	wasi_st64(out, a.position);
	return 0;
}

/* Stdio and sockets have no position (ESPIPE); a directory has none either (EBADF, as
 * wasmtime). */
static int seek_call(kern_proc *p, uint32_t fd, int64_t offset, uint32_t whence, uint32_t out, eng_val *r)
{
	wasi_fd *f = wasi_fd_get(p, fd);
	if (!f) return wasi_ret(r, WASI_EBADF);
	if (f->kind != FD_FILE && f->kind != FD_PREOPEN) return wasi_ret(r, WASI_ESPIPE);
	if (f->filetype == WASI_FT_DIR) return wasi_ret(r, WASI_EBADF);
	if (whence > 2) return wasi_ret(r, WASI_EINVAL);
	if (!kern_guest_ptr(p, out, 8)) return wasi_ret(r, WASI_EFAULT);
	p->wasi->step[0] = out;
	ifc_files_seek m = { .handle = f->handle, .offset = offset, .whence = (uint8_t)whence };
	return SEND(p, r, seek, m, finish_seek);
}

/* fd_seek(fd, offset, whence, newoffset) */
int wasi_fd_seek(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return seek_call(ud, a[0].u32, a[1].i64, a[2].u32, a[3].u32, r);
}

/* fd_tell(fd, offset) */
int wasi_fd_tell(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return seek_call(ud, a[0].u32, 0, 1, a[1].u32, r);
}

/* ---- descriptors ---------------------------------------------------------------------------- */

/* fd_close(fd): stdio too (the fd becomes free). */
int wasi_fd_close(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	if (f->kind == FD_LISTEN || f->kind == FD_CONN) return wasi_sock_close(p->k, p, f, r);
	if (f->kind == FD_FILE || (f->kind == FD_PREOPEN && f->opened)) close_handle(p, f->handle);
	kern_mem_free(p->k, f->path, f->path_len + 1);
	*f = (wasi_fd){ .kind = FD_FREE };
	return wasi_ret(r, 0);
}

/* fd_advise(fd, offset, len, advice): a hint, taken and dropped. */
int wasi_fd_advise(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	wasi_fd *f = wasi_fd_get(ud, a[0].u32);
	if (!f || f->kind != FD_FILE || f->filetype == WASI_FT_DIR) return wasi_ret(r, WASI_EBADF);
	return wasi_ret(r, a[3].u32 > 5 ? WASI_EINVAL : 0);
}

/* fd_allocate(fd, offset, len): not offered (as wasmtime). */
int wasi_fd_allocate(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	wasi_fd *f = wasi_fd_get(ud, a[0].u32);
	if (!f || f->kind != FD_FILE || f->filetype == WASI_FT_DIR) return wasi_ret(r, WASI_EBADF);
	return wasi_ret(r, WASI_ENOTSUP);
}

static int sync_call(kern_proc *p, const eng_val *a, int fn, eng_val *r)
{
	save(p, a, 1);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, fn, r, &h, &hs)) return hs;
	ifc_files_sync m = { .handle = h };
	return SEND(p, r, sync, m, finish_empty);
}

/* fd_datasync(fd): files.sync (data and metadata both). */
int wasi_fd_datasync(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return sync_call(ud, a, FN_fd_datasync, r);
}

/* fd_sync(fd) */
int wasi_fd_sync(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return sync_call(ud, a, FN_fd_sync, r);
}

#define FDFLAGS_ALL 0x1fu
#define FDFLAG_APPEND 1u
#define FDFLAG_NONBLOCK 4u

static int finish_set_flags(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	int err = finish_empty(k, p, status, body, len);
	wasi_fd *f = wasi_fd_get(p, p->wasi->a[0].u32);
	if (!err && f) f->fdflags = (uint16_t)p->wasi->a[1].u32;
	return err;
}

/* fd_fdstat_set_flags(fd, flags): APPEND and NONBLOCK.  On stdio and sockets the flags
 * are only kept (fd_fdstat_get shows them; the socket layer may use NONBLOCK). */
int wasi_fd_fdstat_set_flags(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 2);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	if (a[1].u32 & ~FDFLAGS_ALL) return wasi_ret(r, WASI_EINVAL);
	if (f->kind != FD_FILE && f->kind != FD_PREOPEN) {
		if (a[1].u32 & ~(FDFLAG_APPEND | FDFLAG_NONBLOCK)) return wasi_ret(r, WASI_EINVAL);
		f->fdflags = (uint16_t)a[1].u32;
		return wasi_ret(r, 0);
	}
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_fd_fdstat_set_flags, r, &h, &hs)) return hs;
	ifc_files_fdstat_set_flags m = { .handle = h, .flags = a[1].u32 };
	return SEND(p, r, fdstat_set_flags, m, finish_set_flags);
}

/* fd_fdstat_set_rights(fd, base, inheriting): rights can only shrink. */
int wasi_fd_fdstat_set_rights(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	wasi_fd *f = wasi_fd_get(ud, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	if (a[1].u64 & ~f->rights || a[2].u64 & ~f->rights_inh) return wasi_ret(r, WASI_ENOTCAPABLE);
	f->rights = a[1].u64;
	f->rights_inh = a[2].u64;
	return wasi_ret(r, 0);
}

/* fd_filestat_get(fd, buf): files.stat; stdio and sockets answer here, all zero but
 * their file type. */
int wasi_fd_filestat_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 2);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	uint8_t *out = kern_guest_ptr(p, a[1].u32, 64);
	if (!out) return wasi_ret(r, WASI_EFAULT);
	if (f->kind != FD_FILE && f->kind != FD_PREOPEN) {
		for (int i = 0; i < 64; i++) out[i] = 0;
		out[16] = f->filetype;
		return wasi_ret(r, 0);
	}
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_fd_filestat_get, r, &h, &hs)) return hs;
	p->wasi->step[0] = a[1].u32;
	ifc_files_stat m = { .handle = h };
	return SEND(p, r, stat, m, finish_filestat);
}

/* fd_filestat_set_size(fd, size): files.truncate */
int wasi_fd_filestat_set_size(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 2);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_fd_filestat_set_size, r, &h, &hs)) return hs;
	ifc_files_truncate m = { .handle = h, .size = a[1].u64 };
	return SEND(p, r, truncate, m, finish_empty);
}

/* fd_filestat_set_times(fd, atim, mtim, fst_flags): files.set_times */
int wasi_fd_filestat_set_times(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 4);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_fd_filestat_set_times, r, &h, &hs)) return hs;
	ifc_files_set_times m = { .handle = h, .atime = a[1].u64, .mtime = a[2].u64, .flags = a[3].u32 & 0xffff };
	return SEND(p, r, set_times, m, finish_empty);
}

/* ---- directories ------------------------------------------------------------------------------ */

static int readdir_next(kern_proc *p, eng_val *r, uint64_t cookie);

/* Copies the entries into the buffer.  An answer that fills all it was asked for,
 * when the guest's buffer is larger than one message, is followed by another from
 * the cookie after the last whole entry (step: 0 buf, 1 buf_len, 2 used, 3 handle and
 * the size asked). */
static int finish_readdir(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_readdir_answer a;
	uint32_t asked = (uint32_t)(w->step[3] >> 32);
	if (ifc_files_readdir_answer_decode(body, len, &a) != 0 || a.entries_len > asked) return WASI_EIO;
	uint32_t buf = (uint32_t)w->step[0], buf_len = (uint32_t)w->step[1], used = (uint32_t)w->step[2];
	uint32_t take = a.entries_len;
	uint64_t cookie = 0;
	bool more = a.entries_len == asked && used + asked < buf_len;
	if (more) {
		/* keep whole entries only: the rest comes again from the last one's d_next */
		uint32_t at = 0;
		take = 0;
		while (at + 24 <= a.entries_len) {
			uint32_t namlen = wasi_ld32(a.entries + at + 16);
			if (namlen > a.entries_len - at - 24) break;
			cookie = wasi_ld64(a.entries + at);
			at += 24 + namlen;
			take = at;
		}
		if (take == 0) return WASI_EIO;
	}
	uint8_t *out = kern_guest_ptr(p, buf + used, take);
	if (!out) return WASI_EFAULT;
	for (uint32_t i = 0; i < take; i++) out[i] = a.entries[i];
	used += take;
	w->step[2] = used;
	if (more) return readdir_next(p, NULL, cookie);
	uint8_t *cnt = kern_guest_ptr(p, w->a[4].u32, 4);
	if (!cnt) return WASI_EFAULT;
	wasi_st32(cnt, used);
	return 0;
}

/* Asks for the next part: from the WASI call (r set) or from finish_readdir (r NULL,
 * returns an errno or WASI_AGAIN). */
static int readdir_next(kern_proc *p, eng_val *r, uint64_t cookie)
{
	struct kern_wasi *w = p->wasi;
	uint32_t left = (uint32_t)(w->step[1] - w->step[2]);
	uint32_t want = left < io_cap(p) ? left : io_cap(p);
	uint32_t h = (uint32_t)w->step[3];
	w->step[3] = h | (uint64_t)want << 32;
	ifc_files_readdir m = { .handle = h, .cookie = cookie, .max = want };
	uint8_t b[24];
	uint32_t n = ifc_files_readdir_encode(&m, b, sizeof b);
	if (r) return wasi_call(p->k, p, r, ifc_files_id, b, n, finish_readdir);
	return wasi_call_again(p->k, p, ifc_files_id, b, n, finish_readdir);
}

/* fd_readdir(fd, buf, buf_len, cookie, bufused) */
int wasi_fd_readdir(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	save(p, a, 5);
	if (!kern_guest_ptr(p, a[1].u32, a[2].u32) || !kern_guest_ptr(p, a[4].u32, 4))
		return wasi_ret(r, WASI_EFAULT);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_fd_readdir, r, &h, &hs)) return hs;
	if (a[2].u32 == 0) {
		wasi_st32(kern_guest_ptr(p, a[4].u32, 4), 0);
		return wasi_ret(r, 0);
	}
	w->step[0] = a[1].u32;
	w->step[1] = a[2].u32;
	w->step[2] = 0;
	w->step[3] = h;
	return readdir_next(p, r, a[3].u64);
}

/* path_create_directory(fd, path, path_len), path_remove_directory and
 * path_unlink_file have one shape: a dir handle and a path. */
#define PATH_CALL(fn, name)                                                               \
	int wasi_##fn(void *ud, eng_thread *t, const eng_val *a, eng_val *r)              \
	{                                                                                 \
		(void)t;                                                                  \
		kern_proc *p = ud;                                                        \
		save(p, a, 3);                                                            \
		const uint8_t *path;                                                      \
		int err = guest_path(p, a[1].u32, a[2].u32, &path);                       \
		if (err) return wasi_ret(r, err);                                         \
		uint32_t h;                                                               \
		int hs;                                                                   \
		if (!handle_of(p, a[0].u32, FN_##fn, r, &h, &hs)) return hs;              \
		ifc_files_##name m = { .dir = h, .path = path, .path_len = a[2].u32 };    \
		return SEND(p, r, name, m, finish_empty);                                 \
	}
PATH_CALL(path_create_directory, mkdir)
PATH_CALL(path_remove_directory, rmdir)
PATH_CALL(path_unlink_file, unlink)

/* path_filestat_get(fd, flags, path, path_len, buf): files.stat_path */
int wasi_path_filestat_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 5);
	const uint8_t *path;
	int err = guest_path(p, a[2].u32, a[3].u32, &path);
	if (!err && !kern_guest_ptr(p, a[4].u32, 64)) err = WASI_EFAULT;
	if (err) return wasi_ret(r, err);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_filestat_get, r, &h, &hs)) return hs;
	p->wasi->step[0] = a[4].u32;
	ifc_files_stat_path m = { .dir = h, .path = path, .path_len = a[3].u32, .follow = a[1].u32 & 1 };
	return SEND(p, r, stat_path, m, finish_filestat);
}

/* path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags) */
int wasi_path_filestat_set_times(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 7);
	const uint8_t *path;
	int err = guest_path(p, a[2].u32, a[3].u32, &path);
	if (err) return wasi_ret(r, err);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_filestat_set_times, r, &h, &hs)) return hs;
	ifc_files_set_times_path m = { .dir = h, .path = path, .path_len = a[3].u32, .follow = a[1].u32 & 1,
				       .atime = a[4].u64, .mtime = a[5].u64, .flags = a[6].u32 & 0xffff };
	return SEND(p, r, set_times_path, m, finish_empty);
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) */
int wasi_path_link(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 7);
	const uint8_t *from, *to;
	int err = guest_path(p, a[2].u32, a[3].u32, &from);
	if (!err) err = guest_path(p, a[5].u32, a[6].u32, &to);
	if (err) return wasi_ret(r, err);
	uint32_t h, h2;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_link, r, &h, &hs)) return hs;
	if (!handle_of(p, a[4].u32, FN_path_link, r, &h2, &hs)) return hs;
	ifc_files_link m = { .dir = h, .path = from, .path_len = a[3].u32, .follow = a[1].u32 & 1,
			     .dir2 = h2, .path2 = to, .path2_len = a[6].u32 };
	return SEND(p, r, link, m, finish_empty);
}

/* A new fd for the opened handle; its number goes to step[0]. */
static int finish_open(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_open_answer a;
	if (ifc_files_open_answer_decode(body, len, &a) != 0) return WASI_EIO;
	uint32_t fd;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)w->step[0], 4);
	int err = out ? wasi_fd_alloc(k, p, &fd) : WASI_EFAULT;
	if (err) {
		close_handle(p, a.handle);
		return err;
	}
	wasi_fd *f = &w->fds[fd];
	*f = (wasi_fd){ .kind = FD_FILE, .filetype = a.filetype, .fdflags = (uint16_t)w->a[7].u32,
			.handle = a.handle, .rights = w->step[1], .rights_inh = w->step[2] };
	wasi_st32(out, fd);
	return 0;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting,
 * fdflags, fd_out): files.open.  The new fd's rights are those asked that the
 * directory may pass on (fewer, never an error). */
int wasi_path_open(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	save(p, a, 9);
	const uint8_t *path;
	int err = guest_path(p, a[2].u32, a[3].u32, &path);
	if (!err && !kern_guest_ptr(p, a[8].u32, 4)) err = WASI_EFAULT;
	if (err) return wasi_ret(r, err);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_open, r, &h, &hs)) return hs;
	wasi_fd *dir = wasi_fd_get(p, a[0].u32);
	w->step[0] = a[8].u32;
	w->step[1] = a[5].u64 & dir->rights_inh;
	w->step[2] = a[6].u64 & dir->rights_inh;
	ifc_files_open m = { .dir = h, .path = path, .path_len = a[3].u32, .follow = a[1].u32 & 1,
			     .oflags = a[4].u32 & 0xffff, .rights = w->step[1], .fdflags = a[7].u32 & 0xffff };
	return SEND(p, r, open, m, finish_open);
}

/* The target, cut to the guest's buffer (as readlink(2)); its length to a[5]. */
static int finish_readlink(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_files_readlink_answer a;
	if (ifc_files_readlink_answer_decode(body, len, &a) != 0) return WASI_EIO;
	uint32_t n = a.target_len < w->a[4].u32 ? a.target_len : w->a[4].u32;
	uint8_t *out = kern_guest_ptr(p, w->a[3].u32, n), *cnt = kern_guest_ptr(p, w->a[5].u32, 4);
	if (!out || !cnt) return WASI_EFAULT;
	for (uint32_t i = 0; i < n; i++) out[i] = a.target[i];
	wasi_st32(cnt, n);
	return 0;
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused) */
int wasi_path_readlink(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 6);
	const uint8_t *path;
	int err = guest_path(p, a[1].u32, a[2].u32, &path);
	if (!err && (!kern_guest_ptr(p, a[3].u32, a[4].u32) || !kern_guest_ptr(p, a[5].u32, 4)))
		err = WASI_EFAULT;
	if (err) return wasi_ret(r, err);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_readlink, r, &h, &hs)) return hs;
	ifc_files_readlink m = { .dir = h, .path = path, .path_len = a[2].u32 };
	return SEND(p, r, readlink, m, finish_readlink);
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) */
int wasi_path_rename(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 6);
	const uint8_t *from, *to;
	int err = guest_path(p, a[1].u32, a[2].u32, &from);
	if (!err) err = guest_path(p, a[4].u32, a[5].u32, &to);
	if (err) return wasi_ret(r, err);
	uint32_t h, h2;
	int hs;
	if (!handle_of(p, a[0].u32, FN_path_rename, r, &h, &hs)) return hs;
	if (!handle_of(p, a[3].u32, FN_path_rename, r, &h2, &hs)) return hs;
	ifc_files_rename m = { .dir = h, .path = from, .path_len = a[2].u32,
			       .dir2 = h2, .path2 = to, .path2_len = a[5].u32 };
	return SEND(p, r, rename, m, finish_empty);
}

/* path_symlink(old_path, old_len, fd, new_path, new_len): old_path is the target. */
int wasi_path_symlink(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save(p, a, 5);
	const uint8_t *target, *path;
	int err = guest_path(p, a[0].u32, a[1].u32, &target);
	if (!err) err = guest_path(p, a[3].u32, a[4].u32, &path);
	if (err) return wasi_ret(r, err);
	uint32_t h;
	int hs;
	if (!handle_of(p, a[2].u32, FN_path_symlink, r, &h, &hs)) return hs;
	ifc_files_symlink m = { .target = target, .target_len = a[1].u32, .dir = h, .path = path,
				.path_len = a[4].u32 };
	return SEND(p, r, symlink, m, finish_empty);
}
