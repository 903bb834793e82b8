/* wasi_sock_errors: the WASI socket calls' errors and edges, for tests/e2e/tcp_test.sh.
 *
 *   wasi_sock_errors SIZE   with `--listen` giving fd 3: checks the calls' errors on
 *                           the listening socket, accepts one connection, checks the
 *                           errors on it, reads exactly SIZE bytes with one
 *                           MSG_WAITALL recv, sends them back, expects the end of the
 *                           stream, and closes the connection and the socket
 *
 * Each check prints "NAME ok" or "NAME FAIL: got E"; the exit status is the number
 * of failures.  The raw __wasi_* calls are used where wasi-libc would not pass a bad
 * argument through.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

#define LISTEN_FD 3
#define OUTSIDE 0xfffffff0u /* an address past the end of memory */

static int failures;

static void expect(const char *name, int got, int want)
{
	if (got == want) {
		printf("%s ok\n", name);
	} else {
		printf("%s FAIL: got %d, want %d\n", name, got, want);
		failures++;
	}
}

static int recv_raw(int fd, void *buf, uint32_t len, int flags)
{
	__wasi_iovec_t iov = { buf, len };
	__wasi_size_t n;
	__wasi_roflags_t ro;
	return __wasi_sock_recv(fd, &iov, 1, (__wasi_riflags_t)flags, &n, &ro);
}

static int send_raw(int fd, const void *buf, uint32_t len, int flags)
{
	__wasi_ciovec_t iov = { buf, len };
	__wasi_size_t n;
	return __wasi_sock_send(fd, &iov, 1, (__wasi_siflags_t)flags, &n);
}

static void on_listening_socket(void)
{
	__wasi_fdstat_t st;
	int e = __wasi_fd_fdstat_get(LISTEN_FD, &st);
	expect("listen_fd_is_a_stream_socket", e ? -e : st.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
	expect("listen_fd_may_accept", e ? -e : !!(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT), 1);
	__wasi_prestat_t ps;
	/* wasi-libc stops looking for preopened directories at the first EBADF */
	expect("listen_fd_is_no_preopen", __wasi_fd_prestat_get(LISTEN_FD, &ps), __WASI_ERRNO_BADF);

	__wasi_fd_t fd;
	expect("accept_on_a_closed_fd_is_ebadf", __wasi_sock_accept(99, 0, &fd), __WASI_ERRNO_BADF);
	expect("accept_on_stdin_is_enotsock", __wasi_sock_accept(0, 0, &fd), __WASI_ERRNO_NOTSOCK);
	expect("accept_nonblocking_is_enotsup", __wasi_sock_accept(LISTEN_FD, __WASI_FDFLAGS_NONBLOCK, &fd),
	       __WASI_ERRNO_NOTSUP);
	expect("accept_with_unknown_flags_is_einval", __wasi_sock_accept(LISTEN_FD, 0x100, &fd), __WASI_ERRNO_INVAL);
	expect("accept_into_bad_memory_is_efault",
	       __wasi_sock_accept(LISTEN_FD, 0, (__wasi_fd_t *)(uintptr_t)OUTSIDE), __WASI_ERRNO_FAULT);

	char b[4];
	expect("recv_on_listening_socket_is_enotconn", recv_raw(LISTEN_FD, b, 4, 0), __WASI_ERRNO_NOTCONN);
	expect("send_on_listening_socket_is_enotconn", send_raw(LISTEN_FD, "x", 1, 0), __WASI_ERRNO_NOTCONN);
	expect("shutdown_listening_socket_is_enotconn", __wasi_sock_shutdown(LISTEN_FD, __WASI_SDFLAGS_RD),
	       __WASI_ERRNO_NOTCONN);
	expect("recv_on_stdin_is_enotsock", recv_raw(0, b, 4, 0), __WASI_ERRNO_NOTSOCK);
	expect("send_on_stdout_is_enotsock", send_raw(1, "x", 1, 0), __WASI_ERRNO_NOTSOCK);
}

static void on_connection(int c, size_t size)
{
	__wasi_fdstat_t st;
	int e = __wasi_fd_fdstat_get((__wasi_fd_t)c, &st);
	expect("connection_is_a_stream_socket", e ? -e : st.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
	char b[4];
	__wasi_fd_t fd;
	expect("accept_on_a_connection_is_einval", __wasi_sock_accept((__wasi_fd_t)c, 0, &fd), __WASI_ERRNO_INVAL);
	expect("recv_peek_is_enotsup", recv_raw(c, b, 4, __WASI_RIFLAGS_RECV_PEEK), __WASI_ERRNO_NOTSUP);
	expect("recv_with_unknown_flags_is_einval", recv_raw(c, b, 4, 0x10), __WASI_ERRNO_INVAL);
	expect("send_with_flags_is_einval", send_raw(c, "x", 1, 1), __WASI_ERRNO_INVAL);
	expect("shutdown_how_0_is_einval", __wasi_sock_shutdown((__wasi_fd_t)c, 0), __WASI_ERRNO_INVAL);
	expect("shutdown_how_4_is_einval", __wasi_sock_shutdown((__wasi_fd_t)c, 4), __WASI_ERRNO_INVAL);
	expect("recv_into_bad_memory_is_efault", recv_raw(c, (void *)(uintptr_t)OUTSIDE, 64, 0), __WASI_ERRNO_FAULT);
	expect("send_from_bad_memory_is_efault", send_raw(c, (void *)(uintptr_t)OUTSIDE, 64, 0), __WASI_ERRNO_FAULT);
	__wasi_iovec_t iov = { (uint8_t *)b, 4 };
	__wasi_roflags_t ro;
	expect("recv_count_to_bad_memory_is_efault",
	       __wasi_sock_recv((__wasi_fd_t)c, &iov, 1, 0, (__wasi_size_t *)(uintptr_t)OUTSIDE, &ro),
	       __WASI_ERRNO_FAULT);
	__wasi_size_t n = 99;
	expect("recv_of_nothing_is_zero", __wasi_sock_recv((__wasi_fd_t)c, &iov, 0, 0, &n, &ro) ? -1 : (int)n, 0);
	n = 99;
	expect("write_of_nothing_is_zero", __wasi_fd_write((__wasi_fd_t)c, NULL, 0, &n) ? -1 : (int)n, 0);

	/* all SIZE bytes with one call, in two buffers split at an odd place */
	uint8_t *data = malloc(size + 1);
	size_t cut = size / 3 + 1;
	__wasi_iovec_t two[2] = { { data, cut }, { data + cut, size - cut } };
	n = 0;
	e = __wasi_sock_recv((__wasi_fd_t)c, two, 2, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro);
	expect("recv_waitall_fills_the_buffers", e ? -e : (int)n, (int)size);
	for (size_t done = 0; done < n;) {
		ssize_t w = send(c, data + done, n - done, 0);
		if (w <= 0) {
			expect("send_back", errno, 0);
			break;
		}
		done += (size_t)w;
	}
	expect("recv_at_the_end_is_zero", (int)recv(c, data, size, 0), 0);
	expect("shutdown_writing", shutdown(c, SHUT_WR) ? errno : 0, 0);
	free(data);
	expect("close", close(c) ? errno : 0, 0);
	expect("close_twice_is_ebadf", close(c) ? errno : 0, EBADF);
	expect("recv_after_close_is_ebadf", recv_raw(c, b, 4, 0), __WASI_ERRNO_BADF);
}

int main(int argc, char **argv)
{
	size_t size = argc > 1 ? (size_t)atol(argv[1]) : 1000;
	on_listening_socket();
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int c = accept(LISTEN_FD, (struct sockaddr *)&peer, &len);
	expect("accept", c < 0 ? errno : 0, 0);
	if (c >= 0) on_connection(c, size);
	expect("close_listening_socket", close(LISTEN_FD) ? errno : 0, 0);
	__wasi_fd_t fd;
	expect("accept_after_close_is_ebadf", __wasi_sock_accept(LISTEN_FD, 0, &fd), __WASI_ERRNO_BADF);
	printf("%d failed\n", failures);
	return failures;
}
