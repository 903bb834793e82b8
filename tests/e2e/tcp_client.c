/* tcp_client: the host side of tests/e2e/tcp_test.sh (built by it with cc).
 *
 *   tcp_client echo ADDR N SIZE   open N connections to ADDR at once, send SIZE bytes
 *                                 on each (a pattern distinct per connection), end each
 *                                 stream, and check that exactly those bytes come back
 *   tcp_client eof ADDR           connect, send one byte, expect the end of the stream
 *   tcp_client refused ADDR       expect the connection to be refused
 *   tcp_client reset ADDR         connect, send 64 KiB and close at once with a reset
 *                                 (SO_LINGER 0), unread echoes and all
 *   tcp_client port               print a port free on 127.0.0.1 right now
 *
 * ADDR is 127.0.0.1:PORT.  `echo` retries refused connects a bounded number of
 * times (the server may still be starting).  No step waits more than TIMEOUT_MS
 * without progress: a stall is a failure, not a hang.  Exit status 0 when the check
 * holds; otherwise 1 with the reason on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 20000
#define MAX_CONNS 64
#define CONNECT_TRIES 200

static int parse(const char *addr, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= sizeof host) return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A blocking connect; retries refusals `tries` times, 10 ms apart. */
static int dial(const struct sockaddr_in *sa, int tries)
{
	for (int i = 0;; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) return -1;
		if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0) return fd;
		int e = errno;
		close(fd);
		if (e != ECONNREFUSED || i + 1 >= tries) {
			errno = e;
			return -1;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static uint8_t pattern(int conn, size_t i) { return (uint8_t)(i * 7 + i / 251 + (size_t)conn * 31); }

typedef struct conn {
	int fd;
	size_t sent, got;
	bool ended_out, eof;
} conn;

static int do_echo(const struct sockaddr_in *sa, int n, size_t size)
{
	conn c[MAX_CONNS];
	if (n < 1 || n > MAX_CONNS) return fprintf(stderr, "tcp_client: 1..%d connections\n", MAX_CONNS), 1;
	for (int i = 0; i < n; i++) {
		c[i] = (conn){ .fd = dial(sa, CONNECT_TRIES) };
		if (c[i].fd < 0) return fprintf(stderr, "tcp_client: connect %d: %s\n", i, strerror(errno)), 1;
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
	}
	static uint8_t buf[65536];
	int open = n;
	while (open) {
		struct pollfd p[MAX_CONNS];
		for (int i = 0; i < n; i++) {
			p[i].fd = c[i].eof ? -1 : c[i].fd;
			p[i].events = (short)(POLLIN | (c[i].ended_out ? 0 : POLLOUT));
		}
		int r = poll(p, (nfds_t)n, TIMEOUT_MS);
		if (r == 0) return fprintf(stderr, "tcp_client: no progress for %d ms\n", TIMEOUT_MS), 1;
		if (r < 0 && errno != EINTR) return perror("tcp_client: poll"), 1;
		for (int i = 0; i < n; i++) {
			if (p[i].revents & POLLOUT && !c[i].ended_out) {
				size_t k = size - c[i].sent > sizeof buf ? sizeof buf : size - c[i].sent;
				for (size_t j = 0; j < k; j++) buf[j] = pattern(i, c[i].sent + j);
				ssize_t w = k ? send(c[i].fd, buf, k, MSG_NOSIGNAL) : 0;
				if (w < 0 && errno != EAGAIN)
					return fprintf(stderr, "tcp_client: send %d: %s\n", i, strerror(errno)), 1;
				if (w > 0) c[i].sent += (size_t)w;
				if (c[i].sent == size) {
					shutdown(c[i].fd, SHUT_WR);
					c[i].ended_out = true;
				}
			}
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t g = recv(c[i].fd, buf, sizeof buf, 0);
				if (g < 0 && errno == EAGAIN) continue;
				if (g < 0) return fprintf(stderr, "tcp_client: recv %d: %s\n", i, strerror(errno)), 1;
				for (ssize_t j = 0; j < g; j++) {
					if (c[i].got + (size_t)j >= size || buf[j] != pattern(i, c[i].got + (size_t)j))
						return fprintf(stderr, "tcp_client: conn %d: wrong byte at %zu\n", i,
							       c[i].got + (size_t)j), 1;
				}
				c[i].got += (size_t)g;
				if (g == 0) {
					c[i].eof = true;
					open--;
					if (c[i].got != size)
						return fprintf(stderr, "tcp_client: conn %d: %zu bytes back, want %zu\n", i,
							       c[i].got, size), 1;
				}
			}
		}
	}
	for (int i = 0; i < n; i++) close(c[i].fd);
	printf("echoed %d x %zu bytes\n", n, size);
	return 0;
}

static int do_eof(const struct sockaddr_in *sa)
{
	int fd = dial(sa, CONNECT_TRIES);
	if (fd < 0) return fprintf(stderr, "tcp_client: connect: %s\n", strerror(errno)), 1;
	if (send(fd, "x", 1, MSG_NOSIGNAL) != 1) return perror("tcp_client: send"), 1;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, TIMEOUT_MS) != 1) return fprintf(stderr, "tcp_client: no end of stream\n"), 1;
	char b;
	ssize_t g = recv(fd, &b, 1, 0);
	close(fd);
	/* a reset is an end too: the server closed with our byte unread */
	if (g == 0 || (g < 0 && errno == ECONNRESET)) {
		printf("end of stream\n");
		return 0;
	}
	return fprintf(stderr, "tcp_client: got %zd, want the end of the stream\n", g), 1;
}

static int do_refused(const struct sockaddr_in *sa)
{
	int fd = dial(sa, 1);
	if (fd >= 0) return close(fd), fprintf(stderr, "tcp_client: connected, want refused\n"), 1;
	if (errno != ECONNREFUSED) return fprintf(stderr, "tcp_client: %s, want refused\n", strerror(errno)), 1;
	printf("refused\n");
	return 0;
}

static int do_reset(const struct sockaddr_in *sa)
{
	int fd = dial(sa, CONNECT_TRIES);
	if (fd < 0) return fprintf(stderr, "tcp_client: connect: %s\n", strerror(errno)), 1;
	static char buf[65536];
	memset(buf, 'r', sizeof buf);
	if (send(fd, buf, sizeof buf, MSG_NOSIGNAL) <= 0) return perror("tcp_client: send"), 1;
	struct linger l = { 1, 0 };
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) return perror("tcp_client: SO_LINGER"), 1;
	close(fd);
	printf("reset\n");
	return 0;
}

static int do_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || getsockname(fd, (struct sockaddr *)&sa, &l))
		return perror("tcp_client: port"), 1;
	printf("%u\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	if (argc == 2 && !strcmp(argv[1], "port")) return do_port();
	if (argc < 3 || parse(argv[2], &sa) != 0) {
		fprintf(stderr, "usage: tcp_client echo|eof|refused|reset 127.0.0.1:PORT [N SIZE] | port\n");
		return 64;
	}
	if (!strcmp(argv[1], "echo") && argc == 5) return do_echo(&sa, atoi(argv[3]), (size_t)atoll(argv[4]));
	if (!strcmp(argv[1], "eof")) return do_eof(&sa);
	if (!strcmp(argv[1], "refused")) return do_refused(&sa);
	if (!strcmp(argv[1], "reset")) return do_reset(&sa);
	fprintf(stderr, "tcp_client: unknown command '%s'\n", argv[1]);
	return 64;
}
