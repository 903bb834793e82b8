/* wasi.c: WASI preview 1 as a translation to messages (docs/wasi.md).
 *
 * Every `wasi_snapshot_preview1` function is a host function of the calling process.
 * Those that need another party send one message to an interface (stdout -> log,
 * clocks -> time/system-time, random -> random, stdin -> stdin, files -> files,
 * sockets -> tcp) and suspend; the answer wakes the process and the call's finish
 * function writes the results.  So a WASI program is bound by the same grants and
 * handlers as any other: a denied interface is an errno, never a hang.
 *
 * This file: the table, the call machinery, args/environ, clocks, random, stdio,
 * fdstat/prestat, poll_oneoff, exit, raise, yield.  Files and sockets: wasi_files.c.
 */
#include "wasi.h"
#include "ifc_log.h"
#include "ifc_time.h"
#include "ifc_system_time.h"
#include "ifc_random.h"
#include "ifc_stdin.h"
#include "ifc_tcp.h"

/* ---- the call machinery ------------------------------------------------------------ */

int wasi_ret(eng_val *results, int err)
{
	results[0].u64 = 0;
	results[0].i32 = err;
	return ENG_HOST_OK;
}

uint8_t *wasi_buf(kern_state *k, uint32_t len) { return kern_mem_alloc(k, len); }

int wasi_errno_of(int status, const uint8_t *body, uint32_t len)
{
	switch (status) {
	case KERN_ANSWER_OK: return WASI_ESUCCESS;
	case KERN_ANSWER_ERROR:
		if (len >= 2) {
			int e = body[0] | body[1] << 8;
			return e ? e : WASI_EIO;
		}
		return WASI_EIO;
	case KERN_ANSWER_DENIED: return WASI_ENOTCAPABLE;
	case KERN_ANSWER_NO_HANDLER: return WASI_ENOSYS;
	case KERN_ANSWER_TOO_BIG: return WASI_E2BIG;
	default: return WASI_EIO;
	}
}

static int errno_of_kern(int rc)
{
	switch (rc) {
	case KERN_ETOOBIG: return WASI_E2BIG;
	case KERN_ENOMEM: return WASI_ENOMEM;
	case KERN_ELIMIT: return WASI_EAGAIN;
	case KERN_EDENIED: return WASI_ENOTCAPABLE;
	case KERN_ENOHANDLER: return WASI_ENOSYS;
	default: return WASI_EIO;
	}
}

static void on_answer(kern_state *k, void *ud, int status, const uint8_t *body, uint32_t len)
{
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	w->status = status;
	w->answer = NULL;
	w->answer_len = 0;
	if (len) {
		w->answer = kern_mem_alloc(k, len);
		if (w->answer) {
			for (uint32_t i = 0; i < len; i++) w->answer[i] = body[i];
			w->answer_len = len;
		} else {
			w->status = KERN_ANSWER_ERROR; /* no room for the answer */
		}
	}
	w->answered = true;
	kern_proc_make_ready(k, p);
}

static int resume(kern_state *k, kern_proc *p, eng_val *results)
{
	struct kern_wasi *w = p->wasi;
	if (!w->answered) return KERN_ELIMIT;
	w->answered = false;
	uint8_t *ans = w->answer;
	uint32_t len = w->answer_len;
	w->answer = NULL;
	w->answer_len = 0;
	int err = w->finish(k, p, w->status, ans, len);
	kern_mem_free(k, ans, len);
	if (err == WASI_AGAIN) return KERN_ELIMIT; /* the next message is out */
	wasi_ret(results, err);
	return 0;
}

int wasi_call_again(kern_state *k, kern_proc *p, const uint8_t *iface, const uint8_t *body,
		    uint32_t len, wasi_finish_fn finish)
{
	struct kern_wasi *w = p->wasi;
	w->finish = finish;
	w->answered = false;
	int rc = kern_msg_emit(k, p, iface, body, len, KERN_EMIT_ANSWER, on_answer, p, NULL);
	return rc ? errno_of_kern(rc) : WASI_AGAIN;
}

int wasi_call(kern_state *k, kern_proc *p, eng_val *results, const uint8_t *iface,
	      const uint8_t *body, uint32_t len, wasi_finish_fn finish)
{
	int err = wasi_call_again(k, p, iface, body, len, finish);
	if (err != WASI_AGAIN) return wasi_ret(results, err);
	p->resume = resume;
	return ENG_HOST_SUSPEND;
}

/* Encodes a message with a generated encoder (size first, then the bytes) and sends it. */
#define WASI_SEND(k, p, r, iface, encode, msg, finish)                               \
	({                                                                            \
		uint32_t n_ = encode(&(msg), NULL, 0);                               \
		uint8_t *b_ = wasi_buf((k), n_);                                     \
		int h_;                                                               \
		if (!b_) {                                                            \
			h_ = wasi_ret((r), WASI_ENOMEM);                              \
		} else {                                                              \
			encode(&(msg), b_, n_);                                       \
			h_ = wasi_call((k), (p), (r), (iface), b_, n_, (finish));     \
			kern_mem_free((k), b_, n_);                                   \
		}                                                                     \
		h_;                                                                   \
	})

static void save_args(kern_proc *p, const eng_val *a, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < 10; i++) p->wasi->a[i] = a[i];
}

/* ---- file descriptors ------------------------------------------------------------- */

wasi_fd *wasi_fd_get(kern_proc *p, uint32_t fd)
{
	struct kern_wasi *w = p->wasi;
	if (fd >= w->nfds || w->fds[fd].kind == FD_FREE) return NULL;
	return &w->fds[fd];
}

int wasi_fd_alloc(kern_state *k, kern_proc *p, uint32_t *fd)
{
	struct kern_wasi *w = p->wasi;
	for (uint32_t i = 0; i < w->nfds; i++) {
		if (w->fds[i].kind == FD_FREE) {
			*fd = i;
			return 0;
		}
	}
	uint32_t n = w->nfds ? w->nfds * 2 : 8;
	wasi_fd *f = kern_mem_alloc(k, n * sizeof *f);
	if (!f) return WASI_ENOMEM;
	for (uint32_t i = 0; i < w->nfds; i++) f[i] = w->fds[i];
	kern_mem_free(k, w->fds, w->nfds * sizeof *w->fds);
	w->fds = f;
	*fd = w->nfds;
	w->nfds = n;
	return 0;
}

#define RIGHTS_ALL 0x1fffffffull

/* ---- args and environment ----------------------------------------------------------- */

static char *pack(kern_state *k, const char *const *v, uint32_t n, uint32_t *len)
{
	uint32_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l = 0;
		while (v[i][l]) l++;
		total += l + 1;
	}
	char *b = kern_mem_alloc(k, total);
	if (!b) return NULL;
	uint32_t at = 0;
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = 0; v[i][j]; j++) b[at++] = v[i][j];
		b[at++] = 0;
	}
	*len = total;
	return b;
}

static int strings_get(kern_proc *p, const char *buf, uint32_t len, uint32_t count, uint32_t ptrs,
		       uint32_t out, eng_val *r)
{
	uint8_t *pv = kern_guest_ptr(p, ptrs, count * 4);
	uint8_t *ov = kern_guest_ptr(p, out, len);
	if (!pv || !ov) return wasi_ret(r, WASI_EFAULT);
	uint32_t at = 0;
	for (uint32_t i = 0; i < count; i++) {
		wasi_st32(pv + 4 * i, out + at);
		while (buf[at]) at++;
		at++;
	}
	for (uint32_t i = 0; i < len; i++) ov[i] = (uint8_t)buf[i];
	return wasi_ret(r, 0);
}

static int sizes_get(kern_proc *p, uint32_t count, uint32_t len, uint32_t pc, uint32_t pl, eng_val *r)
{
	uint8_t *a = kern_guest_ptr(p, pc, 4), *b = kern_guest_ptr(p, pl, 4);
	if (!a || !b) return wasi_ret(r, WASI_EFAULT);
	wasi_st32(a, count);
	wasi_st32(b, len);
	return wasi_ret(r, 0);
}

static int wasi_args_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	return strings_get(p, p->wasi->args, p->wasi->args_len, p->wasi->argc, a[0].u32, a[1].u32, r);
}

static int wasi_args_sizes_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	return sizes_get(p, p->wasi->argc, p->wasi->args_len, a[0].u32, a[1].u32, r);
}

static int wasi_environ_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	return strings_get(p, p->wasi->env, p->wasi->env_len, p->wasi->envc, a[0].u32, a[1].u32, r);
}

static int wasi_environ_sizes_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	return sizes_get(p, p->wasi->envc, p->wasi->env_len, a[0].u32, a[1].u32, r);
}

/* ---- clocks ------------------------------------------------------------------------- */

enum { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS, CLOCK_THREAD };

static int finish_u64_out(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	/* every clock answer is a single u64: now() and resolution() alike */
	ifc_time_now_answer ans;
	if (ifc_time_now_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)p->wasi->step[0], 8);
	if (!out) return WASI_EFAULT;
	wasi_st64(out, ans.ns);
	return 0;
}

static int clock_common(kern_proc *p, uint32_t id, uint32_t out, bool res, eng_val *r)
{
	kern_state *k = p->k;
	if (!kern_guest_ptr(p, out, 8)) return wasi_ret(r, WASI_EFAULT);
	p->wasi->step[0] = out;
	if (id == CLOCK_PROCESS || id == CLOCK_THREAD) {
		wasi_st64(kern_guest_ptr(p, out, 8), res ? 1000 : p->cpu_ns);
		return wasi_ret(r, 0);
	}
	if (id == CLOCK_REALTIME) {
		if (res) {
			ifc_system_time_resolution m = { 0 };
			return WASI_SEND(k, p, r, ifc_system_time_id, ifc_system_time_resolution_encode, m, finish_u64_out);
		}
		ifc_system_time_now m = { 0 };
		return WASI_SEND(k, p, r, ifc_system_time_id, ifc_system_time_now_encode, m, finish_u64_out);
	}
	if (id == CLOCK_MONOTONIC) {
		if (res) {
			ifc_time_resolution m = { 0 };
			return WASI_SEND(k, p, r, ifc_time_id, ifc_time_resolution_encode, m, finish_u64_out);
		}
		ifc_time_now m = { 0 };
		return WASI_SEND(k, p, r, ifc_time_id, ifc_time_now_encode, m, finish_u64_out);
	}
	return wasi_ret(r, WASI_EINVAL);
}

static int wasi_clock_res_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return clock_common(ud, a[0].u32, a[1].u32, true, r);
}

static int wasi_clock_time_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	return clock_common(ud, a[0].u32, a[2].u32, false, r);
}

/* ---- random ------------------------------------------------------------------------- */

#define RANDOM_CHUNK 65536u

static int random_next(kern_state *k, kern_proc *p, eng_val *r);

static int finish_random(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_random_get_answer ans;
	if (ifc_random_get_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	struct kern_wasi *w = p->wasi;
	uint32_t want = (uint32_t)w->step[1];
	if (ans.bytes_len != want) return WASI_EIO;
	uint8_t *out = kern_guest_ptr(p, (uint32_t)w->step[0], want);
	if (!out) return WASI_EFAULT;
	for (uint32_t i = 0; i < want; i++) out[i] = ans.bytes[i];
	w->step[0] += want;
	w->step[2] -= want;
	if (w->step[2] == 0) return 0;
	return random_next(k, p, NULL);
}

/* Asks for the next chunk: from the WASI call (r set) or from finish (r NULL). */
static int random_next(kern_state *k, kern_proc *p, eng_val *r)
{
	struct kern_wasi *w = p->wasi;
	uint32_t n = w->step[2] < RANDOM_CHUNK ? (uint32_t)w->step[2] : RANDOM_CHUNK;
	w->step[1] = n;
	ifc_random_get m = { .len = n };
	uint8_t buf[8];
	uint32_t len = ifc_random_get_encode(&m, buf, sizeof buf);
	if (r) return wasi_call(k, p, r, ifc_random_id, buf, len, finish_random);
	return wasi_call_again(k, p, ifc_random_id, buf, len, finish_random);
}

static int wasi_random_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	if (!kern_guest_ptr(p, a[0].u32, a[1].u32)) return wasi_ret(r, WASI_EFAULT);
	if (a[1].u32 == 0) return wasi_ret(r, 0);
	p->wasi->step[0] = a[0].u32;
	p->wasi->step[2] = a[1].u32;
	return random_next(p->k, p, r);
}

/* ---- reading and writing -------------------------------------------------------------- */

/* Total length of a guest iovec array, checked. */
static int iov_total(kern_proc *p, uint32_t iov, uint32_t n, uint64_t *total)
{
	const uint8_t *v = kern_guest_ptr(p, iov, n * 8);
	if (!v || n > 1024) return WASI_EFAULT;
	*total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), len = wasi_ld32(v + 8 * i + 4);
		if (!kern_guest_ptr(p, ptr, len)) return WASI_EFAULT;
		*total += len;
	}
	return 0;
}

static int finish_write_log(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	uint8_t *out = kern_guest_ptr(p, (uint32_t)p->wasi->step[0], 4);
	if (!out) return WASI_EFAULT;
	wasi_st32(out, (uint32_t)p->wasi->step[1]);
	return 0;
}

static int wasi_fd_write(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	kern_state *k = p->k;
	save_args(p, a, 4);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	uint64_t total;
	int err = iov_total(p, a[1].u32, a[2].u32, &total);
	if (err) return wasi_ret(r, err);
	if (!kern_guest_ptr(p, a[3].u32, 4)) return wasi_ret(r, WASI_EFAULT);
	/* at most one message's worth: a short write, as POSIX allows */
	uint32_t cap = wasi_payload_cap(p);
	uint32_t n = total > cap ? cap : (uint32_t)total;
	uint8_t *data = kern_mem_alloc(k, n);
	if (!data) return wasi_ret(r, WASI_ENOMEM);
	const uint8_t *v = kern_guest_ptr(p, a[1].u32, a[2].u32 * 8);
	uint32_t at = 0;
	for (uint32_t i = 0; i < a[2].u32 && at < n; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), len = wasi_ld32(v + 8 * i + 4);
		const uint8_t *src = kern_guest_ptr(p, ptr, len);
		for (uint32_t j = 0; j < len && at < n; j++) data[at++] = src[j];
	}
	int h;
	if (f->kind == FD_STDOUT || f->kind == FD_STDERR) {
		p->wasi->step[0] = a[3].u32;
		p->wasi->step[1] = n;
		ifc_log_write m = { .stream = f->kind == FD_STDOUT ? 1 : 2, .text = data, .text_len = n };
		h = WASI_SEND(k, p, r, ifc_log_id, ifc_log_write_encode, m, finish_write_log);
	} else if (f->kind == FD_FILE) {
		h = wasi_file_write(k, p, f, data, n, r);
	} else if (f->kind == FD_CONN) {
		h = wasi_sock_write(k, p, f, data, n, r);
	} else {
		h = wasi_ret(r, WASI_EBADF);
	}
	kern_mem_free(k, data, n);
	return h;
}

/* Scatters data over the guest iovecs saved in a[1], a[2]; writes the count to a[3]. */
static int scatter_read(kern_proc *p, const uint8_t *data, uint32_t len)
{
	struct kern_wasi *w = p->wasi;
	const uint8_t *v = kern_guest_ptr(p, w->a[1].u32, w->a[2].u32 * 8);
	uint8_t *nread = kern_guest_ptr(p, w->a[3].u32, 4);
	if (!v || !nread) return WASI_EFAULT;
	uint32_t at = 0;
	for (uint32_t i = 0; i < w->a[2].u32 && at < len; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), l = wasi_ld32(v + 8 * i + 4);
		uint8_t *dst = kern_guest_ptr(p, ptr, l);
		if (!dst) return WASI_EFAULT;
		for (uint32_t j = 0; j < l && at < len; j++) dst[j] = data[at++];
	}
	wasi_st32(nread, at);
	return 0;
}

int wasi_scatter_read(kern_proc *p, const uint8_t *data, uint32_t len) { return scatter_read(p, data, len); }

static int finish_read_stdin(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_stdin_read_answer ans;
	if (ifc_stdin_read_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	return scatter_read(p, ans.data, ans.data_len);
}

static int wasi_fd_read(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	save_args(p, a, 4);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	uint64_t total;
	int err = iov_total(p, a[1].u32, a[2].u32, &total);
	if (err) return wasi_ret(r, err);
	if (!kern_guest_ptr(p, a[3].u32, 4)) return wasi_ret(r, WASI_EFAULT);
	uint32_t cap = wasi_payload_cap(p);
	p->wasi->step[1] = total > cap ? cap : total;
	if (f->kind == FD_STDIN) {
		if (total == 0) {
			wasi_st32(kern_guest_ptr(p, a[3].u32, 4), 0);
			return wasi_ret(r, 0);
		}
		ifc_stdin_read m = { .max = (uint32_t)p->wasi->step[1] };
		return WASI_SEND(p->k, p, r, ifc_stdin_id, ifc_stdin_read_encode, m, finish_read_stdin);
	}
	if (f->kind == FD_FILE) return wasi_file_read(p->k, p, f, r);
	if (f->kind == FD_CONN) return wasi_sock_read(p->k, p, f, r);
	return wasi_ret(r, WASI_EBADF);
}

/* ---- descriptors: stat, prestat, renumber --------------------------------------------- */

static int wasi_fd_fdstat_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	uint8_t *out = kern_guest_ptr(p, a[1].u32, 24);
	if (!out) return wasi_ret(r, WASI_EFAULT);
	for (int i = 0; i < 24; i++) out[i] = 0;
	out[0] = f->filetype;
	out[2] = (uint8_t)f->fdflags;
	out[3] = (uint8_t)(f->fdflags >> 8);
	wasi_st64(out + 8, f->rights);
	wasi_st64(out + 16, f->rights_inh);
	return wasi_ret(r, 0);
}

static int wasi_fd_prestat_get(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f || f->kind != FD_PREOPEN) return wasi_ret(r, WASI_EBADF);
	uint8_t *out = kern_guest_ptr(p, a[1].u32, 8);
	if (!out) return wasi_ret(r, WASI_EFAULT);
	wasi_st32(out, 0); /* tag: directory */
	wasi_st32(out + 4, f->path_len);
	return wasi_ret(r, 0);
}

static int wasi_fd_prestat_dir_name(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f || f->kind != FD_PREOPEN) return wasi_ret(r, WASI_EBADF);
	if (a[2].u32 < f->path_len) return wasi_ret(r, WASI_EINVAL);
	uint8_t *out = kern_guest_ptr(p, a[1].u32, f->path_len);
	if (!out) return wasi_ret(r, WASI_EFAULT);
	for (uint32_t i = 0; i < f->path_len; i++) out[i] = (uint8_t)f->path[i];
	return wasi_ret(r, 0);
}

static int wasi_fd_renumber(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *from = wasi_fd_get(p, a[0].u32), *to = wasi_fd_get(p, a[1].u32);
	if (!from || !to) return wasi_ret(r, WASI_EBADF);
	if (from == to) return wasi_ret(r, 0);
	/* the descriptor being replaced is closed by the files layer */
	if (to->kind == FD_FILE || to->kind == FD_CONN || to->kind == FD_LISTEN) {
		eng_val cargs[1] = { { .u32 = a[1].u32 } };
		eng_val cr[1];
		int h = wasi_fd_close(ud, t, cargs, cr);
		if (h != ENG_HOST_OK) return h; /* the close went out; renumber is retried */
	}
	kern_mem_free(p->k, to->path, to->path_len + 1);
	*to = *from;
	from->kind = FD_FREE;
	from->path = NULL;
	return wasi_ret(r, 0);
}

/* ---- poll_oneoff ---------------------------------------------------------------------- */

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

/* A clock subscription's deadline on the monotonic clock.  Relative timeouts count
 * from `now` (monotonic, the time of the call); an absolute realtime deadline is
 * moved onto the monotonic clock with `rt_now`, the wall clock at the same moment. */
static uint64_t clock_deadline(const uint8_t *s, uint64_t now, uint64_t rt_now)
{
	uint32_t id = wasi_ld32(s + 16);
	uint64_t timeout = wasi_ld64(s + 24);
	uint16_t flags = (uint16_t)(s[40] | s[41] << 8);
	if (!(flags & 1)) return now + timeout;
	if (id == CLOCK_MONOTONIC) return timeout;
	return timeout > rt_now ? now + (timeout - rt_now) : now;
}

static bool is_abs_realtime(const uint8_t *s)
{
	return s[8] == EV_CLOCK && wasi_ld32(s + 16) == CLOCK_REALTIME && (s[40] & 1);
}

/* How an fd subscription waits: not at all (a file, stdout, a bad fd: ready now),
 * for stdin.ready, or for tcp.ready on a connection or a listening socket. */
enum { FDW_NOW, FDW_STDIN, FDW_TCP };

static int fd_wait_kind(kern_proc *p, const uint8_t *s, uint32_t *handle)
{
	wasi_fd *f = wasi_fd_get(p, wasi_ld32(s + 16));
	if (!f) return FDW_NOW;
	bool rd = s[8] == EV_FD_READ;
	if (f->kind == FD_STDIN && rd) return FDW_STDIN;
	/* a listening fd not yet listened on is, by the time the poll waits */
	if (f->kind == FD_CONN || (f->kind == FD_LISTEN && rd)) {
		*handle = f->handle;
		return FDW_TCP;
	}
	return FDW_NOW;
}

/* One message a poll waits on: an fd's readiness, or the earliest clock (sub is
 * UINT32_MAX).  The first answer wakes the process; the others are forgotten. */
struct wasi_poll_wait {
	kern_proc *p;
	uint64_t id;
	uint32_t sub;
	bool fired;
	int status;
};

static void poll_waits_free(kern_state *k, kern_proc *p)
{
	struct kern_wasi *w = p->wasi;
	for (uint32_t i = 0; i < w->nwaits; i++)
		if (!w->waits[i].fired) kern_msg_forget(k, p, w->waits[i].id);
	kern_mem_free(k, w->waits, w->nwaits * sizeof *w->waits);
	w->waits = NULL;
	w->nwaits = 0;
}

static void poll_wait_answer(kern_state *k, void *ud, int status, const uint8_t *body, uint32_t len)
{
	(void)body;
	(void)len;
	struct wasi_poll_wait *pw = ud;
	struct kern_wasi *w = pw->p->wasi;
	pw->fired = true;
	pw->status = status;
	if (w->answered) return;
	w->answered = true;
	w->status = KERN_ANSWER_OK;
	w->answer = NULL;
	w->answer_len = 0;
	kern_proc_make_ready(k, pw->p);
}

/* Writes one event for subscription s. */
static void put_event(uint8_t *e, const uint8_t *s, uint16_t err)
{
	for (int j = 0; j < 32; j++) e[j] = 0;
	for (int j = 0; j < 8; j++) e[j] = s[j]; /* userdata */
	e[8] = (uint8_t)err;
	e[9] = (uint8_t)(err >> 8);
	e[10] = s[8];
}

/* The events of a poll that waited: fds whose wait fired, clocks due by `due`. */
static int finish_poll_waits(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)status;
	(void)body;
	(void)len;
	struct kern_wasi *w = p->wasi;
	uint32_t n = w->a[2].u32;
	const uint8_t *in = kern_guest_ptr(p, w->a[0].u32, n * 48);
	uint8_t *out = kern_guest_ptr(p, w->a[1].u32, n * 32);
	uint8_t *nev = kern_guest_ptr(p, w->a[3].u32, 4);
	if (!in || !out || !nev) {
		poll_waits_free(k, p);
		return WASI_EFAULT;
	}
	uint64_t due = k->plat && k->plat->now_ns ? k->plat->now_ns(k->plat_ud) : 0;
	for (uint32_t i = 0; i < w->nwaits; i++)
		if (w->waits[i].sub == UINT32_MAX && w->waits[i].fired && w->step[1] > due) due = w->step[1];
	uint32_t ev = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *s = in + 48 * i;
		if (s[8] == EV_CLOCK) {
			if (clock_deadline(s, w->step[0], w->step[2]) <= due) put_event(out + 32 * ev++, s, 0);
			continue;
		}
		for (uint32_t j = 0; j < w->nwaits; j++) {
			if (w->waits[j].sub != i || !w->waits[j].fired) continue;
			int st = w->waits[j].status;
			put_event(out + 32 * ev++, s, st == KERN_ANSWER_OK ? 0 : (uint16_t)wasi_errno_of(st, NULL, 0));
		}
	}
	wasi_st32(nev, ev);
	poll_waits_free(k, p);
	return 0;
}

/* Sends every wait of the poll: one ready message per waiting fd, one sleep_until
 * for the earliest clock.  From the call (r set) or from a finish (r NULL). */
static int poll_wait_all(kern_state *k, kern_proc *p, eng_val *r)
{
	struct kern_wasi *w = p->wasi;
	uint32_t n = w->a[2].u32, count = 0, j = 0;
	const uint8_t *in = kern_guest_ptr(p, w->a[0].u32, n * 48);
	int err = WASI_EFAULT;
	if (!in) goto out_err;
	uint64_t deadline = UINT64_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *s = in + 48 * i;
		uint32_t h;
		if (s[8] == EV_CLOCK) {
			uint64_t d = clock_deadline(s, w->step[0], w->step[2]);
			if (d < deadline) deadline = d;
		} else if (fd_wait_kind(p, s, &h) != FDW_NOW) {
			count++;
		}
	}
	if (deadline != UINT64_MAX) count++;
	w->step[1] = deadline;
	err = WASI_ENOMEM;
	w->waits = kern_mem_alloc(k, count * sizeof *w->waits);
	if (!w->waits) goto out_err;
	w->nwaits = count;
	w->finish = finish_poll_waits;
	w->answered = false;
	for (uint32_t i = 0; i <= n; i++) {
		uint8_t buf[16];
		uint32_t len, h = 0;
		const uint8_t *iface;
		if (i == n) {
			if (deadline == UINT64_MAX) break;
			ifc_time_sleep_until m = { .deadline_ns = deadline };
			len = ifc_time_sleep_until_encode(&m, buf, sizeof buf);
			iface = ifc_time_id;
		} else {
			const uint8_t *s = in + 48 * i;
			if (s[8] == EV_CLOCK) continue;
			int kind = fd_wait_kind(p, s, &h);
			if (kind == FDW_NOW) continue;
			if (kind == FDW_STDIN) {
				ifc_stdin_ready m = { 0 };
				len = ifc_stdin_ready_encode(&m, buf, sizeof buf);
				iface = ifc_stdin_id;
			} else {
				ifc_tcp_ready m = { .conn = h, .write = s[8] == EV_FD_WRITE };
				len = ifc_tcp_ready_encode(&m, buf, sizeof buf);
				iface = ifc_tcp_id;
			}
		}
		struct wasi_poll_wait *pw = &w->waits[j++];
		pw->p = p;
		pw->sub = i == n ? UINT32_MAX : i;
		int rc = kern_msg_emit(k, p, iface, buf, len, KERN_EMIT_ANSWER, poll_wait_answer, pw, &pw->id);
		if (rc) {
			pw->fired = true; /* never sent: nothing to forget */
			err = errno_of_kern(rc);
			goto out_err;
		}
	}
	if (!r) return WASI_AGAIN;
	p->resume = resume;
	return ENG_HOST_SUSPEND;
out_err:
	poll_waits_free(k, p);
	return r ? wasi_ret(r, err) : err;
}

static int finish_poll_realtime(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_system_time_now_answer ans;
	if (ifc_system_time_now_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	p->wasi->step[2] = ans.ns;
	return poll_wait_all(k, p, NULL);
}

static int poll_prepare(kern_state *k, kern_proc *p, eng_val *r);

static int finish_poll_listen(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_tcp_listen_answer ans;
	if (ifc_tcp_listen_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	/* the process waited for this answer, so its fd is as the poll left it */
	wasi_fd *f = wasi_fd_get(p, (uint32_t)p->wasi->step[3]);
	if (!f || f->kind != FD_LISTEN) return WASI_EBADF;
	f->handle = ans.socket;
	f->opened = true;
	return poll_prepare(k, p, NULL);
}

/* Before waiting: listen on each listening fd the poll names that is not listening
 * yet (a socket is the process's own from its first use), then read the wall clock
 * if an absolute realtime deadline needs it, then wait.  r as poll_wait_all's. */
static int poll_prepare(kern_state *k, kern_proc *p, eng_val *r)
{
	struct kern_wasi *w = p->wasi;
	uint32_t n = w->a[2].u32;
	const uint8_t *in = kern_guest_ptr(p, w->a[0].u32, n * 48);
	if (!in) return r ? wasi_ret(r, WASI_EFAULT) : WASI_EFAULT;
	bool abs_realtime = false;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *s = in + 48 * i;
		abs_realtime |= is_abs_realtime(s);
		if (s[8] != EV_FD_READ) continue;
		wasi_fd *f = wasi_fd_get(p, wasi_ld32(s + 16));
		if (!f || f->kind != FD_LISTEN || f->opened) continue;
		w->step[3] = wasi_ld32(s + 16);
		ifc_tcp_listen m = { .addr = (const uint8_t *)f->path, .addr_len = f->path_len };
		uint32_t len = ifc_tcp_listen_encode(&m, NULL, 0);
		uint8_t *b = wasi_buf(k, len);
		if (!b) return r ? wasi_ret(r, WASI_ENOMEM) : WASI_ENOMEM;
		ifc_tcp_listen_encode(&m, b, len);
		int h = r ? wasi_call(k, p, r, ifc_tcp_id, b, len, finish_poll_listen)
			  : wasi_call_again(k, p, ifc_tcp_id, b, len, finish_poll_listen);
		kern_mem_free(k, b, len);
		return h;
	}
	if (abs_realtime && !w->step[2]) {
		/* first the wall clock, to put the deadline on the monotonic clock */
		ifc_system_time_now m = { 0 };
		uint8_t b[8];
		uint32_t len = ifc_system_time_now_encode(&m, b, sizeof b);
		return r ? wasi_call(k, p, r, ifc_system_time_id, b, len, finish_poll_realtime)
			 : wasi_call_again(k, p, ifc_system_time_id, b, len, finish_poll_realtime);
	}
	return poll_wait_all(k, p, r);
}

static int wasi_poll_oneoff(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	kern_state *k = p->k;
	save_args(p, a, 4);
	uint32_t n = a[2].u32;
	if (n == 0 || n > 4096) return wasi_ret(r, WASI_EINVAL);
	const uint8_t *in = kern_guest_ptr(p, a[0].u32, n * 48);
	uint8_t *out = kern_guest_ptr(p, a[1].u32, n * 32);
	uint8_t *nev = kern_guest_ptr(p, a[3].u32, 4);
	if (!in || !out || !nev) return wasi_ret(r, WASI_EFAULT);
	uint32_t ready = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *s = in + 48 * i;
		uint32_t h;
		if (s[8] == EV_CLOCK) {
			uint32_t id = wasi_ld32(s + 16);
			if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) return wasi_ret(r, WASI_EINVAL);
		} else if (s[8] == EV_FD_READ || s[8] == EV_FD_WRITE) {
			if (fd_wait_kind(p, s, &h) == FDW_NOW) ready++;
		} else {
			return wasi_ret(r, WASI_EINVAL);
		}
	}
	/* Something is ready now (a file, stdout, a bad fd): report those, wait for none. */
	if (ready) {
		uint32_t ev = 0;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *s = in + 48 * i;
			uint32_t h;
			if (s[8] == EV_CLOCK || fd_wait_kind(p, s, &h) != FDW_NOW) continue;
			put_event(out + 32 * ev++, s, wasi_fd_get(p, wasi_ld32(s + 16)) ? 0 : WASI_EBADF);
		}
		wasi_st32(nev, ev);
		return wasi_ret(r, 0);
	}
	p->wasi->step[0] = k->plat && k->plat->now_ns ? k->plat->now_ns(k->plat_ud) : 0;
	p->wasi->step[2] = 0;
	return poll_prepare(k, p, r);
}

/* ---- process ---------------------------------------------------------------------------- */

static int wasi_proc_exit(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)r;
	kern_proc *p = ud;
	p->exiting = true;
	p->exit_code = a[0].i32;
	eng_thread_set_trap_msg(t, "proc_exit");
	return ENG_HOST_TRAP;
}

static int wasi_proc_raise(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)ud;
	(void)r;
	char msg[48] = "proc_raise: signal ";
	uint32_t sig = a[0].u32, at = 19;
	char digits[12];
	int nd = 0;
	do { digits[nd++] = (char)('0' + sig % 10); sig /= 10; } while (sig && nd < 11);
	while (nd) msg[at++] = digits[--nd];
	msg[at] = 0;
	eng_thread_set_trap_msg(t, msg);
	return ENG_HOST_TRAP;
}

static int yield_resume(kern_state *k, kern_proc *p, eng_val *results)
{
	(void)k;
	(void)p;
	wasi_ret(results, 0);
	return 0;
}

static int wasi_sched_yield(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	(void)a;
	(void)r;
	kern_proc *p = ud;
	p->resume = yield_resume;
	kern_proc_make_ready(p->k, p); /* to the back of the queue */
	return ENG_HOST_SUSPEND;
}

/* ---- the table ---------------------------------------------------------------------------- */

typedef struct wasi_entry {
	const char *name;
	eng_host_fn fn;
	const char *params;   /* i: i32, I: i64 */
	bool result;          /* returns an errno (all but proc_exit) */
} wasi_entry;

#define FILE_ENTRY(name) { #name, wasi_##name, NULL, true },
static wasi_entry wasi_table[] = {
	{ "args_get", wasi_args_get, "ii", true },
	{ "args_sizes_get", wasi_args_sizes_get, "ii", true },
	{ "environ_get", wasi_environ_get, "ii", true },
	{ "environ_sizes_get", wasi_environ_sizes_get, "ii", true },
	{ "clock_res_get", wasi_clock_res_get, "ii", true },
	{ "clock_time_get", wasi_clock_time_get, "iIi", true },
	{ "fd_fdstat_get", wasi_fd_fdstat_get, "ii", true },
	{ "fd_prestat_get", wasi_fd_prestat_get, "ii", true },
	{ "fd_prestat_dir_name", wasi_fd_prestat_dir_name, "iii", true },
	{ "fd_read", wasi_fd_read, "iiii", true },
	{ "fd_write", wasi_fd_write, "iiii", true },
	{ "fd_renumber", wasi_fd_renumber, "ii", true },
	{ "poll_oneoff", wasi_poll_oneoff, "iiii", true },
	{ "proc_exit", wasi_proc_exit, "i", false },
	{ "proc_raise", wasi_proc_raise, "i", true },
	{ "sched_yield", wasi_sched_yield, "", true },
	{ "random_get", wasi_random_get, "ii", true },
	{ "fd_advise", wasi_fd_advise, "iIIi", true },
	{ "fd_allocate", wasi_fd_allocate, "iII", true },
	{ "fd_close", wasi_fd_close, "i", true },
	{ "fd_datasync", wasi_fd_datasync, "i", true },
	{ "fd_fdstat_set_flags", wasi_fd_fdstat_set_flags, "ii", true },
	{ "fd_fdstat_set_rights", wasi_fd_fdstat_set_rights, "iII", true },
	{ "fd_filestat_get", wasi_fd_filestat_get, "ii", true },
	{ "fd_filestat_set_size", wasi_fd_filestat_set_size, "iI", true },
	{ "fd_filestat_set_times", wasi_fd_filestat_set_times, "iIIi", true },
	{ "fd_pread", wasi_fd_pread, "iiiIi", true },
	{ "fd_pwrite", wasi_fd_pwrite, "iiiIi", true },
	{ "fd_readdir", wasi_fd_readdir, "iiiIi", true },
	{ "fd_seek", wasi_fd_seek, "iIii", true },
	{ "fd_sync", wasi_fd_sync, "i", true },
	{ "fd_tell", wasi_fd_tell, "ii", true },
	{ "path_create_directory", wasi_path_create_directory, "iii", true },
	{ "path_filestat_get", wasi_path_filestat_get, "iiiii", true },
	{ "path_filestat_set_times", wasi_path_filestat_set_times, "iiiiIIi", true },
	{ "path_link", wasi_path_link, "iiiiiii", true },
	{ "path_open", wasi_path_open, "iiiiiIIii", true },
	{ "path_readlink", wasi_path_readlink, "iiiiii", true },
	{ "path_remove_directory", wasi_path_remove_directory, "iii", true },
	{ "path_rename", wasi_path_rename, "iiiiii", true },
	{ "path_symlink", wasi_path_symlink, "iiiii", true },
	{ "path_unlink_file", wasi_path_unlink_file, "iii", true },
	{ "sock_accept", wasi_sock_accept, "iii", true },
	{ "sock_recv", wasi_sock_recv, "iiiiii", true },
	{ "sock_send", wasi_sock_send, "iiiii", true },
	{ "sock_shutdown", wasi_sock_shutdown, "ii", true },
};

int kern_wasi_resolve(kern_state *k, kern_proc *p, const eng_import_desc *imp, eng_extern *out)
{
	(void)k;
	if (imp->kind != ENG_EXTERN_FUNC) return -1;
	for (uint32_t i = 0; i < sizeof wasi_table / sizeof wasi_table[0]; i++) {
		const wasi_entry *e = &wasi_table[i];
		uint32_t len = 0;
		while (e->name[len]) len++;
		if (len != imp->name_len || __builtin_memcmp(e->name, imp->name, len)) continue;
		uint8_t params[10], results[1] = { ENG_I32 };
		uint32_t np = 0;
		for (; e->params[np]; np++) params[np] = e->params[np] == 'I' ? ENG_I64 : ENG_I32;
		eng_functype ty = { np, e->result ? 1 : 0, params, results };
		out->kind = ENG_EXTERN_FUNC;
		out->u.func = eng_host_func_new(p->store, &ty, e->fn, p, e->name);
		return out->u.func ? 0 : -1;
	}
	return -1;
}

/* ---- per process state ---------------------------------------------------------------------- */

int kern_wasi_init(kern_state *k, kern_proc *p, const kern_spawn_args *a)
{
	struct kern_wasi *w = kern_mem_alloc(k, sizeof *w);
	if (!w) return KERN_ENOMEM;
	p->wasi = w;
	static const char *const noargs[] = { "program" };
	const char *const *argv = a->argc ? a->argv : noargs;
	uint32_t argc = a->argc ? a->argc : 1;
	w->args = pack(k, argv, argc, &w->args_len);
	w->argc = argc;
	w->env = a->envc ? pack(k, a->envp, a->envc, &w->env_len) : NULL;
	w->envc = a->envc;
	if (!w->args || (a->envc && !w->env)) return KERN_ENOMEM;
	w->nfds = 3 + a->npreopens + a->nlistens;
	w->fds = kern_mem_alloc(k, w->nfds * sizeof *w->fds);
	if (!w->fds) {
		w->nfds = 0;
		return KERN_ENOMEM;
	}
	static const uint8_t stdkinds[3] = { FD_STDIN, FD_STDOUT, FD_STDERR };
	for (int i = 0; i < 3; i++) {
		w->fds[i].kind = stdkinds[i];
		w->fds[i].filetype = WASI_FT_CHAR;
		/* fd_read (1<<1) or fd_write (1<<6), and poll_fd_readwrite (1<<27) */
		w->fds[i].rights = (i == 0 ? 0x2u : 0x40u) | (1u << 27);
	}
	for (uint32_t i = 0; i < a->npreopens; i++) {
		wasi_fd *f = &w->fds[3 + i];
		f->kind = FD_PREOPEN;
		f->filetype = WASI_FT_DIR;
		f->rights = RIGHTS_ALL;
		f->rights_inh = RIGHTS_ALL;
		f->host_key = a->preopens[i].host_key;
		const char *gp = a->preopens[i].guest_path;
		uint32_t len = 0;
		while (gp[len]) len++;
		f->path = kern_mem_alloc(k, len + 1);
		if (!f->path) return KERN_ENOMEM;
		for (uint32_t j = 0; j < len; j++) f->path[j] = gp[j];
		f->path_len = len;
	}
	return wasi_sock_init(k, p, a, 3 + a->npreopens);
}

void kern_wasi_free(kern_state *k, kern_proc *p)
{
	struct kern_wasi *w = p->wasi;
	if (!w) return;
	for (uint32_t i = 0; i < w->nfds; i++) kern_mem_free(k, w->fds[i].path, w->fds[i].path_len + 1);
	kern_mem_free(k, w->fds, w->nfds * sizeof *w->fds);
	kern_mem_free(k, w->args, w->args_len);
	kern_mem_free(k, w->env, w->env_len);
	kern_mem_free(k, w->answer, w->answer_len);
	/* a poll still waiting: its messages' senders are gone, the callbacks never come */
	kern_mem_free(k, w->waits, w->nwaits * sizeof *w->waits);
	kern_mem_free(k, w, sizeof *w);
	p->wasi = NULL;
}
