/* wasi_echo: a WASI echo server on the listening socket `wasmos run --listen` grants
 * (fd 3 without preopens), for tests/e2e/tcp_test.sh.
 *
 *   wasi_echo N rw     serve N connections one after another with read/write
 *   wasi_echo N sock   the same with recv/send (sock_recv, sock_send)
 *   wasi_echo N exit   accept N connections, read one byte of the last, and exit
 *                      with every connection still open
 *
 * Each connection is echoed until its peer ends its stream, then shut down and
 * closed.  It prints "served N" at the end.  A failing call prints its name and
 * strerror on stderr and exits with the WASI errno as the status, so a test can check
 * which error the kernel gave.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_FD 3

static void die(const char *what)
{
	int e = errno;
	fprintf(stderr, "wasi_echo: %s: %s\n", what, strerror(e));
	exit(e ? e : 1);
}

static int accept_one(void)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int c = accept(LISTEN_FD, (struct sockaddr *)&peer, &len);
	if (c < 0) die("accept");
	return c;
}

/* Writes all of buf, in as many pieces as the kernel takes. */
static void put_all(int c, const char *buf, size_t len, int use_send)
{
	while (len) {
		ssize_t w = use_send ? send(c, buf, len, 0) : write(c, buf, len);
		if (w <= 0) die(use_send ? "send" : "write");
		buf += w;
		len -= (size_t)w;
	}
}

static void echo(int c, int use_send)
{
	static char buf[65536];
	for (;;) {
		ssize_t n = use_send ? recv(c, buf, sizeof buf, 0) : read(c, buf, sizeof buf);
		if (n < 0) die(use_send ? "recv" : "read");
		if (n == 0) break;
		put_all(c, buf, (size_t)n, use_send);
	}
	if (shutdown(c, SHUT_RDWR) != 0 && errno != ENOTCONN) die("shutdown");
	if (close(c) != 0) die("close");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: wasi_echo N rw|sock|exit\n");
		return 64;
	}
	int n = atoi(argv[1]);
	const char *mode = argv[2];
	if (!strcmp(mode, "exit")) {
		int c = -1;
		for (int i = 0; i < n; i++) c = accept_one();
		char b;
		if (read(c, &b, 1) != 1) die("read");
		printf("exiting with %d open\n", n);
		return 0;
	}
	int use_send = !strcmp(mode, "sock");
	for (int i = 0; i < n; i++) echo(accept_one(), use_send);
	printf("served %d\n", n);
	return 0;
}
