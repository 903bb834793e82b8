/* wasi_sock.c: WASI sockets, as messages to the `tcp` interface (docs/wasi.md, Sockets).
 *
 * WASI preview 1 cannot make a socket: a program is granted listening sockets as
 * fds after its preopens (kern_spawn_args.listens; `wasmos run --listen`).  Such an
 * fd holds only its address at first.  The first sock_accept on it sends tcp.listen
 * from the process itself, so the socket is the process's own handle and closes when
 * the process ends, keeps the handle, then sends tcp.accept.  Each accepted
 * connection is an FD_CONN fd holding the tcp handler's handle: fd_read/sock_recv
 * become tcp.read, fd_write/sock_send tcp.write, sock_shutdown tcp.shutdown, and
 * fd_close a tcp.close that wants no answer (the fd is free at once; messages to one
 * handler keep their order, so nothing sent later can overtake it).
 *
 * A call in flight keeps its state in p->wasi->step (STEP_*) and its arguments in
 * p->wasi->a; guest memory is reached again through checked pointers after every
 * answer, as a memory.grow may have moved it.
 */
#include "wasi.h"
#include "ifc_tcp.h"

enum { WASI_ENOTCONN = 53, WASI_ENOTSOCK = 57 };

#define RIGHT_FD_READ (1ull << 1)
#define RIGHT_FD_WRITE (1ull << 6)
#define RIGHT_POLL_FD_READWRITE (1ull << 27)
#define RIGHT_SOCK_SHUTDOWN (1ull << 28)
#define RIGHT_SOCK_ACCEPT (1ull << 29)
#define RIGHTS_LISTEN (RIGHT_SOCK_ACCEPT | RIGHT_POLL_FD_READWRITE)
#define RIGHTS_CONN (RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_POLL_FD_READWRITE | RIGHT_SOCK_SHUTDOWN)

#define FDFLAG_NONBLOCK 4u
#define RIFLAG_PEEK 1u
#define RIFLAG_WAITALL 2u

/* p->wasi->step slots of a socket call. */
enum { STEP_GOT, STEP_CAP, STEP_MODE, STEP_FD };
/* STEP_MODE bits: sock_recv/sock_send (results at a[4], a[5]) rather than fd_read/
 * fd_write (result at a[3]); keep reading until the buffers are full. */
enum { MODE_SOCK = 1, MODE_WAITALL = 2 };

/* Encodes tcp message `msg` with `encode` and sends it for the current call: from a
 * host function (r not NULL: the host status) or from a finish function (r NULL:
 * WASI_AGAIN, or an errno when it could not be sent). */
#define TCP_SEND(k, p, r, encode, msg, finish)                                           \
	({                                                                                \
		uint32_t n_ = encode(&(msg), NULL, 0);                                   \
		uint8_t *b_ = wasi_buf((k), n_);                                         \
		int h_;                                                                   \
		if (!b_) {                                                                \
			h_ = (r) ? wasi_ret((r), WASI_ENOMEM) : WASI_ENOMEM;              \
		} else {                                                                  \
			encode(&(msg), b_, n_);                                           \
			h_ = (r) ? wasi_call((k), (p), (r), ifc_tcp_id, b_, n_, (finish)) \
				 : wasi_call_again((k), (p), ifc_tcp_id, b_, n_, (finish)); \
			kern_mem_free((k), b_, n_);                                       \
		}                                                                         \
		h_;                                                                       \
	})

static void save(kern_proc *p, const eng_val *a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) p->wasi->a[i] = a[i];
}

/* Frees an fd slot, whatever it held. */
static void fd_reset(kern_state *k, wasi_fd *f)
{
	kern_mem_free(k, f->path, f->path_len + 1);
	*f = (wasi_fd){ .kind = FD_FREE };
}

/* Closes handle without waiting for the answer (see the top of the file). */
static void close_quietly(kern_state *k, kern_proc *p, uint32_t handle)
{
	ifc_tcp_close m = { .conn = handle };
	uint8_t b[8];
	uint32_t n = ifc_tcp_close_encode(&m, b, sizeof b);
	/* when even this fails, the handler closes the handle when the process ends */
	kern_msg_emit(k, p, ifc_tcp_id, b, n, 0, NULL, NULL, NULL);
}

/* The connection fd `fd` names: EBADF, ENOTCONN (a listening socket), ENOTSOCK. */
static int conn_fd(kern_proc *p, uint32_t fd, wasi_fd **out)
{
	wasi_fd *f = wasi_fd_get(p, fd);
	if (!f) return WASI_EBADF;
	if (f->kind == FD_LISTEN) return WASI_ENOTCONN;
	if (f->kind != FD_CONN) return WASI_ENOTSOCK;
	*out = f;
	return 0;
}

/* The total length of a guest iovec array, each checked. */
static int iov_check(kern_proc *p, uint32_t iov, uint32_t n, uint64_t *total)
{
	const uint8_t *v = n <= 1024 ? kern_guest_ptr(p, iov, n * 8) : NULL;
	if (!v) return WASI_EFAULT;
	*total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), len = wasi_ld32(v + 8 * i + 4);
		if (!kern_guest_ptr(p, ptr, len)) return WASI_EFAULT;
		*total += len;
	}
	return 0;
}

/* The most one read or write carries: a message's body, less its framing. */
static uint32_t io_cap(kern_proc *p, uint64_t total)
{
	uint32_t cap = wasi_payload_cap(p);
	return total > cap ? cap : (uint32_t)total;
}

/* ---- the listening fds --------------------------------------------------------------- */

int wasi_sock_init(kern_state *k, kern_proc *p, const kern_spawn_args *a, uint32_t first)
{
	for (uint32_t i = 0; i < a->nlistens; i++) {
		wasi_fd *f = &p->wasi->fds[first + i];
		const char *addr = a->listens[i];
		uint32_t len = 0;
		while (addr[len]) len++;
		f->path = kern_mem_alloc(k, len + 1);
		if (!f->path) return KERN_ENOMEM;
		for (uint32_t j = 0; j < len; j++) f->path[j] = addr[j];
		f->path_len = len;
		f->kind = FD_LISTEN;
		f->filetype = WASI_FT_STREAM;
		f->rights = RIGHTS_LISTEN;
	}
	return 0;
}

/* ---- sock_accept ------------------------------------------------------------------------ */

static int finish_accept(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_tcp_accept_answer ans;
	if (ifc_tcp_accept_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	uint32_t fd;
	uint8_t *out = kern_guest_ptr(p, p->wasi->a[2].u32, 4);
	int err = out ? wasi_fd_alloc(k, p, &fd) : WASI_EFAULT;
	if (err) {
		close_quietly(k, p, ans.conn);
		return err;
	}
	wasi_fd *c = &p->wasi->fds[fd];
	*c = (wasi_fd){ .kind = FD_CONN, .filetype = WASI_FT_STREAM, .handle = ans.conn,
			.rights = RIGHTS_CONN, .opened = true };
	wasi_st32(out, fd);
	return 0;
}

static int finish_listen(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_tcp_listen_answer ans;
	if (ifc_tcp_listen_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	/* the process waited for this answer, so its fd is as the call left it */
	wasi_fd *f = wasi_fd_get(p, (uint32_t)p->wasi->step[STEP_FD]);
	f->handle = ans.socket;
	f->opened = true;
	ifc_tcp_accept m = { .socket = f->handle };
	return TCP_SEND(k, p, NULL, ifc_tcp_accept_encode, m, finish_accept);
}

int wasi_sock_accept(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	kern_state *k = p->k;
	save(p, a, 3);
	wasi_fd *f = wasi_fd_get(p, a[0].u32);
	if (!f) return wasi_ret(r, WASI_EBADF);
	if (f->kind == FD_CONN) return wasi_ret(r, WASI_EINVAL); /* not listening */
	if (f->kind != FD_LISTEN) return wasi_ret(r, WASI_ENOTSOCK);
	if (a[1].u32 & ~FDFLAG_NONBLOCK) return wasi_ret(r, WASI_EINVAL);
	/* tcp.accept waits for a connection: there is no "try" to make it non-blocking */
	if (a[1].u32 & FDFLAG_NONBLOCK) return wasi_ret(r, WASI_ENOTSUP);
	if (!kern_guest_ptr(p, a[2].u32, 4)) return wasi_ret(r, WASI_EFAULT);
	p->wasi->step[STEP_FD] = a[0].u32;
	if (!f->opened) {
		ifc_tcp_listen m = { .addr = (const uint8_t *)f->path, .addr_len = f->path_len };
		return TCP_SEND(k, p, r, ifc_tcp_listen_encode, m, finish_listen);
	}
	ifc_tcp_accept m = { .socket = f->handle };
	return TCP_SEND(k, p, r, ifc_tcp_accept_encode, m, finish_accept);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Copies data into the call's iovecs (a[1], a[2]) from byte `at` of them on; returns
 * how many bytes fit, or -1 when an iovec is outside memory. */
static int64_t scatter_at(kern_proc *p, uint64_t at, const uint8_t *data, uint32_t len)
{
	struct kern_wasi *w = p->wasi;
	const uint8_t *v = kern_guest_ptr(p, w->a[1].u32, w->a[2].u32 * 8);
	if (!v) return -1;
	uint32_t done = 0;
	for (uint32_t i = 0; i < w->a[2].u32 && done < len; i++) {
		uint32_t ptr = wasi_ld32(v + 8 * i), l = wasi_ld32(v + 8 * i + 4);
		if (at >= l) {
			at -= l;
			continue;
		}
		uint8_t *dst = kern_guest_ptr(p, ptr, l);
		if (!dst) return -1;
		for (uint32_t j = (uint32_t)at; j < l && done < len; j++) dst[j] = data[done++];
		at = 0;
	}
	return done;
}

/* Stores a read's results: the count, and for sock_recv the roflags (none). */
static int recv_done(kern_proc *p)
{
	struct kern_wasi *w = p->wasi;
	bool sock = w->step[STEP_MODE] & MODE_SOCK;
	uint8_t *count = kern_guest_ptr(p, sock ? w->a[4].u32 : w->a[3].u32, 4);
	uint8_t *flags = sock ? kern_guest_ptr(p, w->a[5].u32, 2) : NULL;
	if (!count || (sock && !flags)) return WASI_EFAULT;
	wasi_st32(count, (uint32_t)w->step[STEP_GOT]);
	if (flags) flags[0] = flags[1] = 0;
	return 0;
}

static int finish_recv(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len);

/* Sends tcp.read for the rest of the buffers; r as TCP_SEND's. */
static int recv_next(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r)
{
	struct kern_wasi *w = p->wasi;
	ifc_tcp_read m = { .conn = f->handle, .max = (uint32_t)(w->step[STEP_CAP] - w->step[STEP_GOT]) };
	return TCP_SEND(k, p, r, ifc_tcp_read_encode, m, finish_recv);
}

static int finish_recv(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	struct kern_wasi *w = p->wasi;
	if (status != KERN_ANSWER_OK) {
		/* what a waitall read got before the error is still the program's */
		return w->step[STEP_GOT] ? recv_done(p) : wasi_errno_of(status, body, len);
	}
	ifc_tcp_read_answer ans;
	if (ifc_tcp_read_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	int64_t n = scatter_at(p, w->step[STEP_GOT], ans.data, ans.data_len);
	if (n < 0) return WASI_EFAULT;
	w->step[STEP_GOT] += (uint64_t)n;
	bool more = (w->step[STEP_MODE] & MODE_WAITALL) && ans.data_len && w->step[STEP_GOT] < w->step[STEP_CAP];
	if (more) {
		int err = recv_next(k, p, wasi_fd_get(p, (uint32_t)w->step[STEP_FD]), NULL);
		if (err == WASI_AGAIN) return err;
	}
	return recv_done(p);
}

/* fd_read on a connection: wasi.c saved its arguments and the capped total in STEP_CAP. */
int wasi_sock_read(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r)
{
	struct kern_wasi *w = p->wasi;
	w->step[STEP_GOT] = 0;
	w->step[STEP_MODE] = 0;
	w->step[STEP_FD] = w->a[0].u32;
	if (w->step[STEP_CAP] == 0) return wasi_ret(r, recv_done(p));
	return recv_next(k, p, f, r);
}

int wasi_sock_recv(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	struct kern_wasi *w = p->wasi;
	save(p, a, 6);
	wasi_fd *f = NULL;
	int err = conn_fd(p, a[0].u32, &f);
	if (err) return wasi_ret(r, err);
	if (a[3].u32 & ~(RIFLAG_PEEK | RIFLAG_WAITALL)) return wasi_ret(r, WASI_EINVAL);
	if (a[3].u32 & RIFLAG_PEEK) return wasi_ret(r, WASI_ENOTSUP); /* tcp.read consumes */
	uint64_t total;
	err = iov_check(p, a[1].u32, a[2].u32, &total);
	if (err) return wasi_ret(r, err);
	if (!kern_guest_ptr(p, a[4].u32, 4) || !kern_guest_ptr(p, a[5].u32, 2)) return wasi_ret(r, WASI_EFAULT);
	w->step[STEP_GOT] = 0;
	w->step[STEP_CAP] = io_cap(p, total);
	w->step[STEP_MODE] = MODE_SOCK | (a[3].u32 & RIFLAG_WAITALL ? MODE_WAITALL : 0);
	w->step[STEP_FD] = a[0].u32;
	if (w->step[STEP_CAP] == 0) return wasi_ret(r, recv_done(p));
	return recv_next(p->k, p, f, r);
}

/* ---- writing ------------------------------------------------------------------------------ */

/* Stores a write's count: at a[4] for sock_send, a[3] for fd_write. */
static int send_done(kern_proc *p, uint32_t written)
{
	struct kern_wasi *w = p->wasi;
	uint8_t *count = kern_guest_ptr(p, w->step[STEP_MODE] & MODE_SOCK ? w->a[4].u32 : w->a[3].u32, 4);
	if (!count) return WASI_EFAULT;
	/* a handler cannot claim more than it was given */
	wasi_st32(count, written < w->step[STEP_CAP] ? written : (uint32_t)w->step[STEP_CAP]);
	return 0;
}

static int finish_send(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	if (status != KERN_ANSWER_OK) return wasi_errno_of(status, body, len);
	ifc_tcp_write_answer ans;
	if (ifc_tcp_write_answer_decode(body, len, &ans) != 0) return WASI_EIO;
	return send_done(p, ans.written);
}

static int send_data(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len, eng_val *r)
{
	p->wasi->step[STEP_CAP] = len;
	if (len == 0) return wasi_ret(r, send_done(p, 0));
	ifc_tcp_write m = { .conn = f->handle, .data = data, .data_len = len };
	return TCP_SEND(k, p, r, ifc_tcp_write_encode, m, finish_send);
}

/* fd_write on a connection: wasi.c saved its arguments and gathered (and capped) the data. */
int wasi_sock_write(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len,
		    eng_val *r)
{
	p->wasi->step[STEP_MODE] = 0;
	return send_data(k, p, f, data, len, r);
}

int wasi_sock_send(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	kern_state *k = p->k;
	save(p, a, 5);
	wasi_fd *f = NULL;
	int err = conn_fd(p, a[0].u32, &f);
	if (err) return wasi_ret(r, err);
	if (a[3].u32) return wasi_ret(r, WASI_EINVAL); /* no siflags are defined */
	uint64_t total;
	err = iov_check(p, a[1].u32, a[2].u32, &total);
	if (err) return wasi_ret(r, err);
	if (!kern_guest_ptr(p, a[4].u32, 4)) return wasi_ret(r, WASI_EFAULT);
	/* at most one message's worth: a short send, as POSIX allows */
	uint32_t n = io_cap(p, total);
	uint8_t *data = n ? kern_mem_alloc(k, n) : NULL;
	if (n && !data) return wasi_ret(r, WASI_ENOMEM);
	const uint8_t *v = kern_guest_ptr(p, a[1].u32, a[2].u32 * 8);
	uint32_t at = 0;
	for (uint32_t i = 0; i < a[2].u32 && at < n; i++) {
		const uint8_t *src = kern_guest_ptr(p, wasi_ld32(v + 8 * i), wasi_ld32(v + 8 * i + 4));
		for (uint32_t j = 0; j < wasi_ld32(v + 8 * i + 4) && at < n; j++) data[at++] = src[j];
	}
	p->wasi->step[STEP_MODE] = MODE_SOCK;
	int h = send_data(k, p, f, data, n, r);
	kern_mem_free(k, data, n);
	return h;
}

/* ---- shutdown and close ------------------------------------------------------------------ */

static int finish_status(kern_state *k, kern_proc *p, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	(void)p;
	return wasi_errno_of(status, body, len);
}

int wasi_sock_shutdown(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	wasi_fd *f = NULL;
	int err = conn_fd(p, a[0].u32, &f);
	if (err) return wasi_ret(r, err);
	if (a[1].u32 < 1 || a[1].u32 > 3) return wasi_ret(r, WASI_EINVAL);
	ifc_tcp_shutdown m = { .conn = f->handle, .how = (uint8_t)a[1].u32 };
	return TCP_SEND(p->k, p, r, ifc_tcp_shutdown_encode, m, finish_status);
}

/* fd_close on a listening socket or a connection. */
int wasi_sock_close(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r)
{
	if (f->opened) close_quietly(k, p, f->handle);
	fd_reset(k, f);
	return wasi_ret(r, 0);
}
