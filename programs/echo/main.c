/* echo: a TCP echo server on the `tcp` interface, many connections at once.
 *
 *   echo [ADDR [COUNT]]   listen on ADDR (default 127.0.0.1:7777); after COUNT
 *                         connections (default: no limit) stop accepting, and exit
 *                         once they have all closed.
 *
 * Everything is a chain of calls whose answers arrive through the event loop: accept
 * answers with a connection (and is asked again), each connection loops read -> write
 * (the rest of a partial write) -> read, until the peer ends its stream.  It prints
 * "echo: listening on ADDR" first (with the port picked when ADDR's port is 0), then a
 * line per connection opened and closed.  It needs the grant to emit to tcp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_tcp.h"
#include "loop.h"

/* Bytes asked for by one read. */
#define READ_MAX 16384u

typedef struct conn {
	uint32_t id;       /* the tcp handler's number */
	uint64_t n;        /* ours, for the log lines */
	uint8_t *data;     /* what is being written back */
	uint32_t len, done;
	uint64_t echoed;
} conn;

static uint32_t listen_socket;
static uint64_t accepted, limit, open_conns;

static void on_accept(void *ud, const wasmos_notification *a);
static void on_read(void *ud, const wasmos_notification *a);
static void on_write(void *ud, const wasmos_notification *a);

/* One encoded message at a time: emit copies it, so it is free again at once. */
static uint8_t body[READ_MAX + 64];

/* Calls tcp with the n bytes encoded in body (an encoder returns more than its cap
 * when the message did not fit). */
static int call_tcp(uint32_t n, wasmos_answer_fn fn, void *ud)
{
	if (n > sizeof body) return E2BIG;
	return wasmos_call(ifc_tcp_id, body, n, fn, ud);
}

static int ask_accept(void)
{
	ifc_tcp_accept m = { .socket = listen_socket };
	return call_tcp(ifc_tcp_accept_encode(&m, body, sizeof body), on_accept, NULL);
}

static void finish(conn *c, const char *why)
{
	printf("echo: connection %llu closed (%s), %llu bytes echoed\n", (unsigned long long)c->n,
	       why, (unsigned long long)c->echoed);
	fflush(stdout);
	ifc_tcp_close m = { .conn = c->id };
	wasmos_send(ifc_tcp_id, body, ifc_tcp_close_encode(&m, body, sizeof body));
	free(c->data);
	free(c);
	open_conns--;
	if (limit && accepted >= limit && open_conns == 0) {
		/* the listening socket too: then nothing is pending and the loop ends */
		ifc_tcp_close s = { .conn = listen_socket };
		wasmos_send(ifc_tcp_id, body, ifc_tcp_close_encode(&s, body, sizeof body));
		wasmos_loop_stop();
	}
}

static void ask_read(conn *c)
{
	ifc_tcp_read m = { .conn = c->id, .max = READ_MAX };
	int e = call_tcp(ifc_tcp_read_encode(&m, body, sizeof body), on_read, c);
	if (e) finish(c, strerror(e));
}

static void ask_write(conn *c)
{
	ifc_tcp_write m = { .conn = c->id, .data = c->data + c->done, .data_len = c->len - c->done };
	int e = call_tcp(ifc_tcp_write_encode(&m, body, sizeof body), on_write, c);
	if (e) finish(c, strerror(e));
}

static void on_accept(void *ud, const wasmos_notification *a)
{
	(void)ud;
	int e = wasmos_note_errno(a);
	ifc_tcp_accept_answer ans;
	if (!e && ifc_tcp_accept_answer_decode(a->body, a->body_len, &ans)) e = EINVAL;
	if (e) {
		fprintf(stderr, "echo: accept: %s\n", strerror(e));
		wasmos_loop_stop();
		return;
	}
	conn *c = calloc(1, sizeof *c);
	accepted++;
	if (!c) {
		fprintf(stderr, "echo: out of memory\n");
		wasmos_loop_stop();
		return;
	}
	c->id = ans.conn;
	c->n = accepted;
	open_conns++;
	printf("echo: connection %llu from %.*s\n", (unsigned long long)c->n, (int)ans.peer_len,
	       (const char *)ans.peer);
	fflush(stdout);
	ask_read(c);
	if (!limit || accepted < limit) {
		e = ask_accept();
		if (e) fprintf(stderr, "echo: accept: %s\n", strerror(e));
	}
}

static void on_read(void *ud, const wasmos_notification *a)
{
	conn *c = ud;
	int e = wasmos_note_errno(a);
	ifc_tcp_read_answer ans;
	if (!e && ifc_tcp_read_answer_decode(a->body, a->body_len, &ans)) e = EINVAL;
	if (e) {
		finish(c, strerror(e));
		return;
	}
	if (ans.data_len == 0) {
		finish(c, "end of stream");
		return;
	}
	free(c->data);
	c->data = malloc(ans.data_len);
	if (!c->data) {
		finish(c, strerror(ENOMEM));
		return;
	}
	memcpy(c->data, ans.data, ans.data_len);
	c->len = ans.data_len;
	c->done = 0;
	ask_write(c);
}

static void on_write(void *ud, const wasmos_notification *a)
{
	conn *c = ud;
	int e = wasmos_note_errno(a);
	ifc_tcp_write_answer ans;
	if (!e && ifc_tcp_write_answer_decode(a->body, a->body_len, &ans)) e = EINVAL;
	if (!e && (ans.written == 0 || ans.written > c->len - c->done)) e = EIO;
	if (e) {
		finish(c, strerror(e));
		return;
	}
	c->done += ans.written;
	c->echoed += ans.written;
	if (c->done < c->len) ask_write(c);
	else ask_read(c);
}

int main(int argc, char **argv)
{
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:7777";
	if (argc > 2) limit = strtoull(argv[2], NULL, 10);

	ifc_tcp_listen m = { .addr = (const uint8_t *)addr, .addr_len = (uint32_t)strlen(addr),
			     .backlog = 16 };
	uint8_t *ans;
	uint32_t n = ifc_tcp_listen_encode(&m, body, sizeof body), len;
	if (n > sizeof body) {
		fprintf(stderr, "echo: address too long\n");
		return 2;
	}
	int e = wasmos_call_sync(ifc_tcp_id, body, n, &ans, &len);
	ifc_tcp_listen_answer la;
	if (!e && ifc_tcp_listen_answer_decode(ans, len, &la)) e = EINVAL;
	if (e) {
		fprintf(stderr, "echo: listen on %s: %s\n", addr, strerror(e));
		free(ans);
		return 1;
	}
	listen_socket = la.socket;
	printf("echo: listening on %.*s\n", (int)la.local_len, (const char *)la.local);
	fflush(stdout);
	free(ans);

	e = ask_accept();
	if (!e) e = wasmos_loop_run();
	if (e) fprintf(stderr, "echo: %s\n", strerror(e));
	return e ? 1 : 0;
}
