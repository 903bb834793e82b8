/* tcp.c: the `tcp` interface on Linux sockets (see tcp.h and interfaces/tcp.ifc).
 *
 * Every host socket is non-blocking, and it is watched in the hosted loop only while a
 * message waits on it, so an idle socket costs the loop nothing.  A socket belongs to
 * the client process that made it (its owner pid) and is named by a handle number
 * that is unique in this handler; a message that names a handle its sender does not
 * own gets EBADF, exactly as a closed handle does, so one process cannot even learn
 * whether another's handle exists.
 *
 * Waiting messages keep their order per socket: `in` holds reads (on a connection)
 * or accepts (on a listening socket), `out` holds writes with a copy of their bytes.
 * A new request is queued first and the queue is then served, so "try now" and
 * "try when the loop says ready" are one path, and a write can never overtake an
 * earlier one.  Every message that wants an answer gets exactly one: from the
 * operation, from close (ECANCELED), or when its client ends (the kernel drops it).
 * A write answers with how much the host socket took (at least 1 byte); a write that
 * wants no answer is sent whole, in as many pieces as it takes.
 *
 * Errors are answered as WASI errnos (a u16 body), per docs/interfaces.md: a body that
 * does not decode gets EINVAL, an unknown tag ENOSYS.
 */
#define _GNU_SOURCE
#include "tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ifc_tcp.h"

/* The WASI errnos this handler answers with. */
enum {
	W_EACCES = 2, W_EADDRINUSE = 3, W_EADDRNOTAVAIL = 4, W_EAFNOSUPPORT = 5, W_EAGAIN = 6,
	W_EALREADY = 7, W_EBADF = 8, W_ECANCELED = 11, W_ECONNABORTED = 13, W_ECONNREFUSED = 14,
	W_ECONNRESET = 15, W_EHOSTUNREACH = 23, W_EINVAL = 28, W_EIO = 29, W_EISCONN = 30,
	W_EMFILE = 33, W_ENETDOWN = 38, W_ENETRESET = 39, W_ENETUNREACH = 40, W_ENFILE = 41,
	W_ENOBUFS = 42, W_ENOMEM = 48, W_ENOSYS = 52, W_ENOTCONN = 53, W_EPERM = 63,
	W_EPIPE = 64, W_ETIMEDOUT = 73,
};

static int wasi_errno(int e)
{
	switch (e) {
	case EACCES: return W_EACCES;
	case EPERM: return W_EPERM;
	case EADDRINUSE: return W_EADDRINUSE;
	case EADDRNOTAVAIL: return W_EADDRNOTAVAIL;
	case EAFNOSUPPORT: return W_EAFNOSUPPORT;
	case EAGAIN: return W_EAGAIN;
	case EALREADY: return W_EALREADY;
	case EBADF: return W_EBADF;
	case ECONNABORTED: return W_ECONNABORTED;
	case ECONNREFUSED: return W_ECONNREFUSED;
	case ECONNRESET: return W_ECONNRESET;
	case EHOSTUNREACH: return W_EHOSTUNREACH;
	case EINVAL: return W_EINVAL;
	case EISCONN: return W_EISCONN;
	case EMFILE: return W_EMFILE;
	case ENETDOWN: return W_ENETDOWN;
	case ENETRESET: return W_ENETRESET;
	case ENETUNREACH: return W_ENETUNREACH;
	case ENFILE: return W_ENFILE;
	case ENOBUFS: return W_ENOBUFS;
	case ENOMEM: return W_ENOMEM;
	case ENOTCONN: return W_ENOTCONN;
	case EPIPE: return W_EPIPE;
	case ETIMEDOUT: return W_ETIMEDOUT;
	default: return W_EIO;
	}
}

/* A message waiting on a socket. */
typedef struct req {
	uint64_t id;             /* 0: no answer wanted */
	uint32_t max;            /* read: at most this many bytes */
	uint8_t *data;           /* write: the bytes, owned */
	uint32_t len, off;       /* write: their length, and how many are sent (id 0) */
	struct req *next;
} req;

typedef struct queue {
	req *head, *tail;
	uint32_t n;
} queue;

enum { S_LISTEN, S_CONNECTING, S_CONN };

typedef struct sock {
	hosted_tcp *t;
	uint64_t owner;          /* client pid; 0 for a pre-bound socket not yet claimed */
	uint32_t handle;         /* 0 until it has an owner */
	int fd;
	uint8_t kind;            /* S_* */
	uint32_t events;         /* what the loop watches for (0: not watched) */
	uint64_t connect_id;     /* S_CONNECTING: the connect message to answer */
	struct sockaddr_storage bound; /* a listening socket's address (pre-bound claims) */
	socklen_t bound_len;
	queue in, out;
	queue rdy_in, rdy_out;   /* ready: answered when a read/accept, or a write, would not wait */
	struct sock *next;
} sock;

struct hosted_tcp {
	kern_state *k;
	hosted_loop *loop;
	uint32_t max_read;
	uint8_t *rbuf, *abuf;    /* a read's bytes (max_read), its answer (max_read + 4) */
	uint32_t next_handle;
	sock *socks;
};

/* ---- answers ------------------------------------------------------------------------ */

static void answer_errno(hosted_tcp *t, uint64_t id, int werr)
{
	uint8_t b[2] = { (uint8_t)werr, (uint8_t)(werr >> 8) };
	if (id) kern_answer(t->k, id, b, 2, KERN_ANSWER_ERROR);
}

static void answer_ok(hosted_tcp *t, uint64_t id, const uint8_t *body, uint32_t len)
{
	if (id) kern_answer(t->k, id, body, len, KERN_ANSWER_OK);
}

/* ---- addresses ---------------------------------------------------------------------- */

/* "1.2.3.4:80" or "[::1]:80" (len bytes, no NUL) -> a socket address; 0 or -1. */
static int parse_addr(const uint8_t *text, size_t len, struct sockaddr_storage *ss, socklen_t *sl)
{
	char buf[HOSTED_TCP_ADDR_MAX];
	if (len == 0 || len >= sizeof buf || memchr(text, 0, len)) return -1;
	memcpy(buf, text, len);
	buf[len] = 0;
	char *host = buf, *port;
	bool v6 = buf[0] == '[';
	if (v6) {
		char *end = strchr(buf, ']');
		if (!end || end[1] != ':') return -1;
		*end = 0;
		host = buf + 1;
		port = end + 2;
	} else {
		port = strrchr(buf, ':');
		if (!port) return -1;
		*port++ = 0;
	}
	unsigned long p = 0;
	size_t nd = 0;
	for (; port[nd]; nd++) {
		if (port[nd] < '0' || port[nd] > '9' || nd == 5) return -1;
		p = p * 10 + (unsigned long)(port[nd] - '0');
	}
	if (nd == 0 || p > 65535) return -1;
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) return -1;
		*sl = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return -1;
		*sl = sizeof *a;
	}
	return 0;
}

/* The text of a socket address; its length (0 for an unknown family). */
static uint32_t format_addr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	int n = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		n = snprintf(out, cap, "%s:%u", host, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		n = snprintf(out, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	}
	if (n <= 0 || (size_t)n >= cap) {
		if (cap) out[0] = 0;
		return 0;
	}
	return (uint32_t)n;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family) return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
}

/* ---- sockets ------------------------------------------------------------------------- */

static sock *find(hosted_tcp *t, uint64_t owner, uint32_t handle)
{
	if (!owner || !handle) return NULL;
	for (sock *s = t->socks; s; s = s->next)
		if (s->owner == owner && s->handle == handle) return s;
	return NULL;
}

uint32_t hosted_tcp_count(const hosted_tcp *t, uint64_t pid)
{
	uint32_t n = 0;
	for (const sock *s = t->socks; s; s = s->next)
		if (s->owner == pid) n++;
	return n;
}

/* A handle no socket has, never 0. */
static uint32_t new_handle(hosted_tcp *t)
{
	for (;;) {
		uint32_t h = t->next_handle++;
		if (!h) continue;
		bool used = false;
		for (sock *s = t->socks; s && !used; s = s->next) used = s->handle == h;
		if (!used) return h;
	}
}

/* Wraps a host socket; owns fd from here on (closes it when out of memory). */
static sock *sock_new(hosted_tcp *t, int fd, uint8_t kind, uint64_t owner)
{
	sock *s = calloc(1, sizeof *s);
	if (!s) {
		close(fd);
		return NULL;
	}
	s->t = t;
	s->fd = fd;
	s->kind = kind;
	s->owner = owner;
	if (owner) s->handle = new_handle(t);
	s->next = t->socks;
	t->socks = s;
	return s;
}

static void queue_push(queue *q, req *r)
{
	if (q->tail) q->tail->next = r;
	else q->head = r;
	q->tail = r;
	q->n++;
}

static req *queue_pop(queue *q)
{
	req *r = q->head;
	q->head = r->next;
	if (!q->head) q->tail = NULL;
	q->n--;
	return r;
}

static void req_free(req *r)
{
	free(r->data);
	free(r);
}

/* Answers (when answer) and frees everything queued. */
static void queue_cancel(hosted_tcp *t, queue *q, bool answer, int werr)
{
	while (q->head) {
		req *r = queue_pop(q);
		if (answer) answer_errno(t, r->id, werr);
		req_free(r);
	}
}

/* Closes s and answers what waits on it with ECANCELED (unless answer is false:
 * the kernel is gone). */
static void sock_free(sock *s, bool answer)
{
	hosted_tcp *t = s->t;
	for (sock **pp = &t->socks; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->events) hosted_loop_unwatch(t->loop, s->fd);
	close(s->fd);
	queue_cancel(t, &s->in, answer, W_ECANCELED);
	queue_cancel(t, &s->out, answer, W_ECANCELED);
	queue_cancel(t, &s->rdy_in, answer, W_ECANCELED);
	queue_cancel(t, &s->rdy_out, answer, W_ECANCELED);
	if (answer && s->kind == S_CONNECTING) answer_errno(t, s->connect_id, W_ECANCELED);
	free(s);
}

/* ---- serving the queues ------------------------------------------------------------ */

static void on_ready(void *ud, int fd, uint32_t events);

/* Watches s for what its queues wait for.  When the loop cannot watch it (out of
 * memory), everything waiting fails rather than waiting forever. */
static void update_watch(sock *s)
{
	uint32_t want = 0;
	if (s->in.n || s->rdy_in.n) want |= EPOLLIN;
	if (s->out.n || s->rdy_out.n || s->kind == S_CONNECTING) want |= EPOLLOUT;
	if (want == s->events) return;
	if (!want) {
		hosted_loop_unwatch(s->t->loop, s->fd);
		s->events = 0;
		return;
	}
	if (hosted_loop_watch(s->t->loop, s->fd, want, on_ready, s) == 0) {
		s->events = want;
		return;
	}
	int werr = wasi_errno(errno);
	if (s->events) hosted_loop_unwatch(s->t->loop, s->fd);
	s->events = 0;
	queue_cancel(s->t, &s->in, true, werr);
	queue_cancel(s->t, &s->out, true, werr);
	queue_cancel(s->t, &s->rdy_in, true, werr);
	queue_cancel(s->t, &s->rdy_out, true, werr);
	if (s->kind == S_CONNECTING) {
		answer_errno(s->t, s->connect_id, werr);
		s->kind = S_CONN; /* answered */
		sock_free(s, true);
	}
}

static void answer_accepted(hosted_tcp *t, uint64_t id, uint32_t conn, const struct sockaddr_storage *peer)
{
	char text[HOSTED_TCP_ADDR_MAX];
	ifc_tcp_accept_answer a = { .conn = conn, .peer = (const uint8_t *)text };
	a.peer_len = format_addr(peer, text, sizeof text);
	uint8_t buf[8 + HOSTED_TCP_ADDR_MAX];
	answer_ok(t, id, buf, ifc_tcp_accept_answer_encode(&a, buf, sizeof buf));
}

static void serve_accepts(sock *s)
{
	hosted_tcp *t = s->t;
	while (s->in.head) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		int fd = accept4(s->fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* EAGAIN: none yet; ECONNABORTED: that one is gone, try the next */
			if (errno == EAGAIN || errno == EWOULDBLOCK) return;
			if (errno == EINTR || errno == ECONNABORTED) continue;
			req *r = queue_pop(&s->in);
			answer_errno(t, r->id, wasi_errno(errno));
			req_free(r);
			continue;
		}
		req *r = queue_pop(&s->in);
		if (hosted_tcp_count(t, s->owner) >= HOSTED_TCP_MAX_SOCKETS) {
			close(fd);
			answer_errno(t, r->id, W_EMFILE);
		} else {
			sock *c = sock_new(t, fd, S_CONN, s->owner);
			if (c) answer_accepted(t, r->id, c->handle, &peer);
			else answer_errno(t, r->id, W_ENOMEM);
		}
		req_free(r);
	}
}

static void serve_reads(sock *s)
{
	hosted_tcp *t = s->t;
	while (s->in.head) {
		req *r = s->in.head;
		uint32_t max = r->max < t->max_read ? r->max : t->max_read;
		ssize_t n = recv(s->fd, t->rbuf, max, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
		if (n < 0 && errno == EINTR) continue;
		queue_pop(&s->in);
		if (n < 0) {
			answer_errno(t, r->id, wasi_errno(errno));
		} else {
			/* n == 0 is the end of the stream: an empty answer */
			ifc_tcp_read_answer a = { .data = t->rbuf, .data_len = (uint32_t)n };
			answer_ok(t, r->id, t->abuf, ifc_tcp_read_answer_encode(&a, t->abuf, t->max_read + 4));
		}
		req_free(r);
	}
}

static void serve_writes(sock *s)
{
	hosted_tcp *t = s->t;
	while (s->out.head) {
		req *r = s->out.head;
		ssize_t n = send(s->fd, r->data + r->off, r->len - r->off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		if (n < 0 && errno == EINTR) continue;
		if (n >= 0 && !r->id && r->off + (uint32_t)n < r->len) {
			r->off += (uint32_t)n; /* nobody to tell: send the rest */
			continue;
		}
		queue_pop(&s->out);
		if (n < 0) {
			answer_errno(t, r->id, wasi_errno(errno));
		} else {
			ifc_tcp_write_answer a = { .written = (uint32_t)n };
			uint8_t b[4];
			answer_ok(t, r->id, b, ifc_tcp_write_answer_encode(&a, b, sizeof b));
		}
		req_free(r);
	}
}

static void finish_connect(sock *s)
{
	hosted_tcp *t = s->t;
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
	if (err) {
		answer_errno(t, s->connect_id, wasi_errno(err));
		s->kind = S_CONN; /* nothing left to answer */
		sock_free(s, true);
		return;
	}
	s->kind = S_CONN;
	ifc_tcp_connect_answer a = { .conn = s->handle };
	uint8_t b[4];
	answer_ok(t, s->connect_id, b, ifc_tcp_connect_answer_encode(&a, b, sizeof b));
	update_watch(s);
}

/* Answers ready requests whose event the socket has now (asked without waiting). */
static void serve_readies(sock *s, queue *q, short event)
{
	if (!q->n) return;
	struct pollfd pfd = { .fd = s->fd, .events = event };
	if (poll(&pfd, 1, 0) <= 0) return;
	/* an error or hang-up also means the next call will not wait: it will fail */
	while (q->head) {
		req *r = queue_pop(q);
		answer_ok(s->t, r->id, NULL, 0);
		req_free(r);
	}
}

/* Serves what s waits for; then watches for the rest. */
static void serve(sock *s)
{
	if (s->kind != S_CONNECTING) {
		serve_readies(s, &s->rdy_in, POLLIN);
		serve_readies(s, &s->rdy_out, POLLOUT);
	}
	if (s->kind == S_LISTEN) {
		serve_accepts(s);
	} else if (s->kind == S_CONN) {
		serve_reads(s);
		serve_writes(s);
	}
	update_watch(s);
}

static void on_ready(void *ud, int fd, uint32_t events)
{
	(void)fd;
	(void)events; /* every operation tells its own result: spurious wakes are harmless */
	sock *s = ud;
	if (s->kind == S_CONNECTING) finish_connect(s);
	else serve(s);
}

/* Queues a request on q of s and serves s.  Answers ENOBUFS when q is full, ENOMEM. */
static void enqueue(sock *s, queue *q, uint64_t id, uint32_t max, const uint8_t *data, uint32_t len)
{
	hosted_tcp *t = s->t;
	if (q->n >= HOSTED_TCP_MAX_PENDING) {
		answer_errno(t, id, W_ENOBUFS);
		return;
	}
	req *r = calloc(1, sizeof *r);
	if (r && len) {
		r->data = malloc(len);
		if (r->data) memcpy(r->data, data, len);
	}
	if (!r || (len && !r->data)) {
		free(r);
		answer_errno(t, id, W_ENOMEM);
		return;
	}
	r->id = id;
	r->max = max;
	r->len = len;
	queue_push(q, r);
	serve(s);
}

/* ---- the messages ---------------------------------------------------------------------- */

/* A listening socket on ss; a positive Linux errno on failure. */
static int open_listener(hosted_tcp *t, const struct sockaddr_storage *ss, socklen_t sl,
			 uint32_t backlog, uint64_t owner, sock **out)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return errno;
	int one = 1;
	/* a restarted server may rebind at once, past TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (backlog == 0 || backlog > HOSTED_TCP_MAX_BACKLOG) backlog = HOSTED_TCP_MAX_BACKLOG;
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0 || listen(fd, (int)backlog) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	sock *s = sock_new(t, fd, S_LISTEN, owner);
	if (!s) return ENOMEM;
	s->bound_len = sizeof s->bound;
	if (getsockname(fd, (struct sockaddr *)&s->bound, &s->bound_len) != 0) {
		int e = errno;
		sock_free(s, false);
		return e;
	}
	*out = s;
	return 0;
}

static void do_listen(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_listen m;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (ifc_tcp_listen_decode(d->body, d->len, &m) != 0 || parse_addr(m.addr, m.addr_len, &ss, &sl) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	if (!d->id) return; /* nobody would learn the socket's handle */
	if (hosted_tcp_count(t, d->sender) >= HOSTED_TCP_MAX_SOCKETS) {
		answer_errno(t, d->id, W_EMFILE);
		return;
	}
	sock *s = NULL;
	for (sock *p = t->socks; p && !s; p = p->next)
		if (!p->owner && p->kind == S_LISTEN && same_addr(&p->bound, &ss)) s = p;
	if (s) {
		s->owner = d->sender; /* a pre-bound socket, claimed */
		s->handle = new_handle(t);
	} else {
		int e = open_listener(t, &ss, sl, m.backlog, d->sender, &s);
		if (e) {
			answer_errno(t, d->id, wasi_errno(e));
			return;
		}
	}
	char text[HOSTED_TCP_ADDR_MAX];
	ifc_tcp_listen_answer a = { .socket = s->handle, .local = (const uint8_t *)text };
	a.local_len = format_addr(&s->bound, text, sizeof text);
	uint8_t buf[8 + HOSTED_TCP_ADDR_MAX];
	answer_ok(t, d->id, buf, ifc_tcp_listen_answer_encode(&a, buf, sizeof buf));
}

static void do_accept(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_accept m;
	if (ifc_tcp_accept_decode(d->body, d->len, &m) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = find(t, d->sender, m.socket);
	if (!s) {
		answer_errno(t, d->id, W_EBADF);
		return;
	}
	if (s->kind != S_LISTEN) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	if (!d->id) return; /* nobody would learn the connection's handle */
	enqueue(s, &s->in, d->id, 0, NULL, 0);
}

static void do_connect(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_connect m;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (ifc_tcp_connect_decode(d->body, d->len, &m) != 0 || parse_addr(m.addr, m.addr_len, &ss, &sl) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	if (!d->id) return;
	if (hosted_tcp_count(t, d->sender) >= HOSTED_TCP_MAX_SOCKETS) {
		answer_errno(t, d->id, W_EMFILE);
		return;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		answer_errno(t, d->id, wasi_errno(errno));
		return;
	}
	int rc;
	do {
		rc = connect(fd, (const struct sockaddr *)&ss, sl);
	} while (rc != 0 && errno == EINTR);
	if (rc != 0 && errno != EINPROGRESS) {
		answer_errno(t, d->id, wasi_errno(errno));
		close(fd);
		return;
	}
	sock *s = sock_new(t, fd, S_CONNECTING, d->sender);
	if (!s) {
		answer_errno(t, d->id, W_ENOMEM);
		return;
	}
	s->connect_id = d->id;
	if (rc == 0) finish_connect(s);
	else update_watch(s);
}

/* The connection a read, write or shutdown names: EBADF when the sender has no such
 * handle, ENOTCONN for a listening socket or a connect still going on. */
static sock *conn_of(hosted_tcp *t, const kern_delivery *d, uint32_t handle)
{
	sock *s = find(t, d->sender, handle);
	if (!s) answer_errno(t, d->id, W_EBADF);
	else if (s->kind != S_CONN) answer_errno(t, d->id, W_ENOTCONN);
	else return s;
	return NULL;
}

static void do_read(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_read m;
	if (ifc_tcp_read_decode(d->body, d->len, &m) != 0 || m.max == 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = conn_of(t, d, m.conn);
	if (s && d->id) enqueue(s, &s->in, d->id, m.max, NULL, 0);
}

/* ready(conn, write): on a connection, or (reading) a listening socket. */
static void do_ready(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_ready m;
	if (ifc_tcp_ready_decode(d->body, d->len, &m) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = find(t, d->sender, m.conn);
	if (!s) {
		answer_errno(t, d->id, W_EBADF);
		return;
	}
	if (s->kind == S_LISTEN && m.write) {
		answer_errno(t, d->id, W_ENOTCONN);
		return;
	}
	if (d->id) enqueue(s, m.write ? &s->rdy_out : &s->rdy_in, d->id, 0, NULL, 0);
}

static void do_write(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_write m;
	if (ifc_tcp_write_decode(d->body, d->len, &m) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = conn_of(t, d, m.conn);
	if (!s) return;
	if (m.data_len == 0) {
		ifc_tcp_write_answer a = { .written = 0 };
		uint8_t b[4];
		answer_ok(t, d->id, b, ifc_tcp_write_answer_encode(&a, b, sizeof b));
		return;
	}
	enqueue(s, &s->out, d->id, 0, m.data, m.data_len);
}

static void do_shutdown(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_shutdown m;
	if (ifc_tcp_shutdown_decode(d->body, d->len, &m) != 0 || m.how < 1 || m.how > 3) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = conn_of(t, d, m.conn);
	if (!s) return;
	static const int how[4] = { 0, SHUT_RD, SHUT_WR, SHUT_RDWR };
	if (shutdown(s->fd, how[m.how]) != 0) {
		answer_errno(t, d->id, wasi_errno(errno));
		return;
	}
	serve(s); /* waiting reads see the end, waiting writes EPIPE */
	answer_ok(t, d->id, NULL, 0);
}

static void do_close(hosted_tcp *t, const kern_delivery *d)
{
	ifc_tcp_close m;
	if (ifc_tcp_close_decode(d->body, d->len, &m) != 0) {
		answer_errno(t, d->id, W_EINVAL);
		return;
	}
	sock *s = find(t, d->sender, m.conn);
	if (!s) {
		answer_errno(t, d->id, W_EBADF);
		return;
	}
	sock_free(s, true);
	answer_ok(t, d->id, NULL, 0);
}

static void tcp_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)k;
	hosted_tcp *t = ud;
	switch (ifc_tcp_tag(d->body, d->len)) {
	case IFC_TCP_LISTEN: do_listen(t, d); return;
	case IFC_TCP_ACCEPT: do_accept(t, d); return;
	case IFC_TCP_CONNECT: do_connect(t, d); return;
	case IFC_TCP_READ: do_read(t, d); return;
	case IFC_TCP_WRITE: do_write(t, d); return;
	case IFC_TCP_SHUTDOWN: do_shutdown(t, d); return;
	case IFC_TCP_CLOSE: do_close(t, d); return;
	case IFC_TCP_READY: do_ready(t, d); return;
	}
	answer_errno(t, d->id, d->len ? W_ENOSYS : W_EINVAL);
}

/* A client ended: its sockets close; what it waited for is answered (and dropped). */
static void tcp_client_ended(void *ud, kern_state *k, uint64_t pid)
{
	(void)k;
	hosted_tcp *t = ud;
	sock **pp = &t->socks;
	while (*pp) {
		if ((*pp)->owner == pid) sock_free(*pp, true); /* unlinks it: *pp moves on */
		else pp = &(*pp)->next;
	}
}

static const kern_native tcp_ops = { tcp_message, tcp_client_ended };

/* ---- the handler ------------------------------------------------------------------------ */

hosted_tcp *hosted_tcp_new(kern_state *k, hosted_loop *loop, uint32_t max_message)
{
	hosted_tcp *t = calloc(1, sizeof *t);
	if (!t) return NULL;
	t->k = k;
	t->loop = loop;
	t->next_handle = 1;
	t->max_read = HOSTED_TCP_MAX_READ;
	/* a read's answer is the data and its u32 length */
	if (max_message && max_message < t->max_read + 4) t->max_read = max_message > 4 ? max_message - 4 : 1;
	t->rbuf = malloc(t->max_read);
	t->abuf = malloc(t->max_read + 4);
	if (!t->rbuf || !t->abuf || kern_native_register(k, ifc_tcp_id, &tcp_ops, t) != 0) {
		free(t->rbuf);
		free(t->abuf);
		free(t);
		return NULL;
	}
	return t;
}

void hosted_tcp_free(hosted_tcp *t)
{
	if (!t) return;
	while (t->socks) sock_free(t->socks, false);
	free(t->rbuf);
	free(t->abuf);
	free(t);
}

int hosted_tcp_prebind(hosted_tcp *t, const char *addr, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_addr((const uint8_t *)addr, strlen(addr), &ss, &sl) != 0) return EINVAL;
	sock *s;
	int e = open_listener(t, &ss, sl, HOSTED_TCP_MAX_BACKLOG, 0, &s);
	if (e) return e;
	if (!format_addr(&s->bound, out, cap)) {
		sock_free(s, false);
		return ENAMETOOLONG;
	}
	return 0;
}
