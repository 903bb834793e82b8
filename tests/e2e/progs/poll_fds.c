/* poll_fds: poll_oneoff waiting on file descriptors, not just clocks.
 *
 *   poll_fds stdin   poll stdin with a 50 ms clock: nothing typed, so the clock fires
 *                    ("first: clock"); then poll with a 20 s clock until a line comes
 *                    ("second: stdin"), read it ("read: LINE")
 *   poll_fds tcp     on the listening socket fd 3 (wasmos run --listen): the same
 *                    first poll ("first: clock"); then wait for a connection
 *                    ("second: accept"), accept it, and echo what arrives, polling
 *                    the connection before every read, until the peer ends the stream
 *                    ("echoed N")
 * Lines go to stdout as they happen (the test drives its side by them).
 */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int poll2(__wasi_fd_t fd, __wasi_eventtype_t type, __wasi_timestamp_t timeout,
		 __wasi_userdata_t *fired)
{
	__wasi_subscription_t sub[2];
	memset(sub, 0, sizeof sub);
	sub[0].userdata = 1;
	sub[0].u.tag = type;
	if (type == __WASI_EVENTTYPE_FD_READ) sub[0].u.u.fd_read.file_descriptor = fd;
	else sub[0].u.u.fd_write.file_descriptor = fd;
	sub[1].userdata = 2;
	sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
	sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
	sub[1].u.u.clock.timeout = timeout;
	__wasi_event_t ev[2];
	__wasi_size_t n = 0;
	__wasi_errno_t e = __wasi_poll_oneoff(sub, ev, 2, &n);
	if (e || n != 1 || ev[0].error) {
		printf("poll failed: errno %d, %u events, error %d\n", e, (unsigned)n, n ? ev[0].error : 0);
		return -1;
	}
	*fired = ev[0].userdata;
	return 0;
}

static int run_stdin(void)
{
	__wasi_userdata_t u;
	if (poll2(0, __WASI_EVENTTYPE_FD_READ, 50 * 1000000ull, &u)) return 1;
	printf("first: %s\n", u == 2 ? "clock" : "stdin");
	fflush(stdout);
	if (poll2(0, __WASI_EVENTTYPE_FD_READ, 20 * 1000000000ull, &u)) return 1;
	printf("second: %s\n", u == 1 ? "stdin" : "clock");
	fflush(stdout);
	char line[128];
	if (!fgets(line, sizeof line, stdin)) return 1;
	line[strcspn(line, "\n")] = 0;
	printf("read: %s\n", line);
	return 0;
}

static int run_tcp(void)
{
	__wasi_userdata_t u;
	if (poll2(3, __WASI_EVENTTYPE_FD_READ, 50 * 1000000ull, &u)) return 1;
	printf("first: %s\n", u == 2 ? "clock" : "accept");
	fflush(stdout);
	if (poll2(3, __WASI_EVENTTYPE_FD_READ, 20 * 1000000000ull, &u)) return 1;
	printf("second: %s\n", u == 1 ? "accept" : "clock");
	fflush(stdout);
	__wasi_fd_t conn;
	if (__wasi_sock_accept(3, 0, &conn)) return 1;
	size_t total = 0;
	for (;;) {
		if (poll2(conn, __WASI_EVENTTYPE_FD_READ, 20 * 1000000000ull, &u) || u != 1) return 1;
		uint8_t buf[4096];
		__wasi_iovec_t iov = { buf, sizeof buf };
		__wasi_size_t got;
		__wasi_roflags_t rof;
		if (__wasi_sock_recv(conn, &iov, 1, 0, &got, &rof)) return 1;
		if (got == 0) break;
		for (size_t off = 0; off < got;) {
			__wasi_ciovec_t c = { buf + off, got - off };
			__wasi_size_t sent;
			if (poll2(conn, __WASI_EVENTTYPE_FD_WRITE, 20 * 1000000000ull, &u) || u != 1) return 1;
			if (__wasi_sock_send(conn, &c, 1, 0, &sent)) return 1;
			off += sent;
		}
		total += got;
	}
	if (__wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR)) return 1;
	printf("echoed %zu\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "stdin")) return run_stdin();
	if (argc == 2 && !strcmp(argv[1], "tcp")) return run_tcp();
	fprintf(stderr, "usage: poll_fds stdin|tcp\n");
	return 64;
}
