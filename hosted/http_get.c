/* http_get.c: one HTTP request on the event loop (see http_get.h).
 *
 * A request moves through connecting (each address getaddrinfo gave, in turn),
 * writing the request and reading the response; one idle timer watches all three.
 * It ends in finish(), the one exit: the socket and timer go, done is called, the
 * request is freed.  A failure found while starting is reported through a timer due
 * at once, so done is never called from inside hosted_http_get_start.
 */
#define _GNU_SOURCE
#include "http_get.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 65536u

enum { P_CONNECTING, P_WRITING, P_READING, P_FAILED };

struct hosted_http_get {
	hosted_loop *loop;
	hosted_http_request req;
	char host[NET_HTTP_MAX_HOST + 16]; /* "host:port" or "[v6]:port", for messages */
	struct addrinfo *addrs, *cur;
	int fd;
	int phase;
	char *text;                  /* the request */
	size_t text_len, text_sent;
	net_http_response resp;
	uint64_t timer, last_ns;
	int fail_rc;
	char why[NET_HTTP_MAX_HOST + 160];
	uint8_t buf[READ_CHUNK];
};

static void finish(hosted_http_get *g, int rc, const char *fmt, ...)
{
	char why[320] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	if (g->fd >= 0) {
		hosted_loop_unwatch(g->loop, g->fd);
		close(g->fd);
		g->fd = -1;
	}
	if (g->timer) hosted_loop_cancel(g->loop, g->timer);
	g->timer = 0;
	g->req.done(g->req.ud, rc, &g->resp, why);
	hosted_http_get_cancel(g);
}

void hosted_http_get_cancel(hosted_http_get *g)
{
	if (!g) return;
	if (g->fd >= 0) {
		hosted_loop_unwatch(g->loop, g->fd);
		close(g->fd);
	}
	if (g->timer) hosted_loop_cancel(g->loop, g->timer);
	if (g->addrs) freeaddrinfo(g->addrs);
	net_http_response_free(&g->resp);
	free(g->text);
	free(g);
}

static const char *phase_text(int phase)
{
	return phase == P_CONNECTING ? "connecting" : phase == P_WRITING ? "sending the request" : "waiting for the answer";
}

static void on_timer(void *ud, uint64_t id)
{
	(void)id;
	hosted_http_get *g = ud;
	g->timer = 0;
	if (g->phase == P_FAILED) {
		finish(g, g->fail_rc, "%s", g->why);
		return;
	}
	uint64_t now = hosted_now_ns();
	if (now - g->last_ns >= g->req.idle_timeout_ns) {
		finish(g, HOSTED_HTTP_ERR_TIMEOUT, "timeout: nothing from %s for %.1f s while %s", g->host,
		       (double)g->req.idle_timeout_ns / 1e9, phase_text(g->phase));
		return;
	}
	g->timer = hosted_loop_timer(g->loop, g->last_ns + g->req.idle_timeout_ns, on_timer, g);
	if (!g->timer) finish(g, NET_HTTP_ERR_NOMEM, "out of memory for a timer");
}

static void on_fd(void *ud, int fd, uint32_t events);

/* Starts connecting to g->cur or the first address after it that takes a socket:
 * returns 0, or the errno of the last failure when none is left. */
static int connect_next(hosted_http_get *g, int last_errno)
{
	for (; g->cur; g->cur = g->cur->ai_next) {
		int fd = socket(g->cur->ai_family, g->cur->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, g->cur->ai_protocol);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if ((connect(fd, g->cur->ai_addr, g->cur->ai_addrlen) == 0 || errno == EINPROGRESS) &&
		    hosted_loop_watch(g->loop, fd, EPOLLOUT, on_fd, g) == 0) {
			g->fd = fd;
			g->phase = P_CONNECTING;
			return 0;
		}
		last_errno = errno;
		close(fd);
	}
	return last_errno;
}

static void do_write(hosted_http_get *g)
{
	while (g->text_sent < g->text_len) {
		ssize_t w = send(g->fd, g->text + g->text_sent, g->text_len - g->text_sent, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		if (w < 0) {
			finish(g, HOSTED_HTTP_ERR_IO, "cannot send to %s: %s", g->host, strerror(errno));
			return;
		}
		g->text_sent += (size_t)w;
		g->last_ns = hosted_now_ns();
	}
	g->phase = P_READING;
	if (hosted_loop_watch(g->loop, g->fd, EPOLLIN, on_fd, g) != 0)
		finish(g, HOSTED_HTTP_ERR_IO, "cannot watch the socket: %s", strerror(errno));
}

static void do_read(hosted_http_get *g)
{
	/* a few reads per wakeup, then back to the loop so other work is not starved */
	for (int round = 0; round < 16; round++) {
		ssize_t n = recv(g->fd, g->buf, sizeof g->buf, 0);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
		if (n < 0) {
			finish(g, HOSTED_HTTP_ERR_IO, "cannot read from %s: %s", g->host, strerror(errno));
			return;
		}
		g->last_ns = hosted_now_ns();
		int rc = n == 0 ? net_http_response_eof(&g->resp)
				: net_http_response_feed(&g->resp, g->buf, (size_t)n, NULL);
		if (rc == NET_HTTP_DONE) {
			finish(g, 0, NULL);
			return;
		}
		if (rc < 0) {
			finish(g, rc, "%s sent a bad response: %s: %s", g->host, net_http_error_text(rc), g->resp.why);
			return;
		}
		if (g->req.progress && g->resp.head_done) g->req.progress(g->req.ud, g->resp.body_len);
	}
}

static void on_fd(void *ud, int fd, uint32_t events)
{
	(void)fd;
	hosted_http_get *g = ud;
	if (g->phase == P_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
		if (!err && (events & (EPOLLERR | EPOLLHUP))) err = ECONNREFUSED;
		if (err) {
			hosted_loop_unwatch(g->loop, g->fd);
			close(g->fd);
			g->fd = -1;
			g->cur = g->cur->ai_next;
			if ((err = connect_next(g, err)) != 0)
				finish(g, HOSTED_HTTP_ERR_CONNECT, "cannot connect to %s: %s", g->host, strerror(err));
			return;
		}
		g->last_ns = hosted_now_ns();
		g->phase = P_WRITING;
	}
	if (g->phase == P_WRITING)
		do_write(g);
	else if (g->phase == P_READING)
		do_read(g);
}

hosted_http_get *hosted_http_get_start(hosted_loop *l, const hosted_http_request *req, char *why, size_t cap)
{
	hosted_http_get *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	g->loop = l;
	g->req = *req;
	g->fd = -1;
	const net_http_url *u = req->url;
	bool v6 = strchr(u->host, ':') != NULL;
	snprintf(g->host, sizeof g->host, "%s%s%s:%s", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	net_http_response_init(&g->resp, req->max_body, !strcmp(req->method, "HEAD"));
	size_t n = net_http_request(NULL, 0, req->method, u, req->path, req->accept);
	g->text = malloc(n + 1);
	if (!g->text) {
		snprintf(why, cap, "out of memory");
		goto out_free;
	}
	g->text_len = net_http_request(g->text, n + 1, req->method, u, req->path, req->accept);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	int gai = getaddrinfo(u->host, u->port, &hints, &g->addrs);
	if (gai != 0) {
		snprintf(why, cap, "cannot resolve %s: %s", u->host, gai_strerror(gai));
		goto out_free;
	}
	g->cur = g->addrs;
	g->last_ns = hosted_now_ns();
	g->timer = hosted_loop_timer(l, g->last_ns + req->idle_timeout_ns, on_timer, g);
	if (!g->timer) {
		snprintf(why, cap, "out of memory");
		goto out_free;
	}
	/* the first connect, made here; a failure is told from the loop, not from here */
	int err = connect_next(g, ECONNREFUSED);
	if (!err) return g;
	g->phase = P_FAILED;
	g->fail_rc = HOSTED_HTTP_ERR_CONNECT;
	snprintf(g->why, sizeof g->why, "cannot connect to %s: %s", g->host, strerror(err));
	hosted_loop_cancel(l, g->timer);
	g->timer = hosted_loop_timer(l, 0, on_timer, g);
	if (g->timer) return g;
	snprintf(why, cap, "out of memory");
out_free:
	hosted_http_get_cancel(g);
	return NULL;
}
