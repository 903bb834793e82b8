/* tcp.h: the hosted native handler of the `tcp` interface (interfaces/tcp.ifc): TCP
 * streams on non-blocking Linux sockets, driven by the hosted event loop.
 *
 * Included by natives.c (which makes and registers it), cmd_run.c (`--listen`) and
 * hosted/tcp_test.c.
 */
#ifndef WASMOS_HOSTED_TCP_H
#define WASMOS_HOSTED_TCP_H

#include <stddef.h>
#include <stdint.h>
#include "kernel.h"
#include "loop.h"

/* Sockets and connections one client process may hold at once (else EMFILE). */
#define HOSTED_TCP_MAX_SOCKETS 256u
/* Reads, writes or accepts waiting on one socket (else ENOBUFS). */
#define HOSTED_TCP_MAX_PENDING 64u
/* Bytes one read answers at most (also capped by the kernel's message size). */
#define HOSTED_TCP_MAX_READ 65536u
/* The backlog of a listening socket when the client asks for 0 or more. */
#define HOSTED_TCP_MAX_BACKLOG 128u
/* An address as text, "[ffff:...:ffff]:65535", with its NUL. */
#define HOSTED_TCP_ADDR_MAX 64u

typedef struct hosted_tcp hosted_tcp;

/* Makes the handler and registers it in k as the handler of `tcp`.  Answers stay
 * within max_message bytes (0: the kernel's default).  NULL when out of memory or
 * when `tcp` already has a handler.  k and loop are borrowed and must outlive it. */
hosted_tcp *hosted_tcp_new(kern_state *k, hosted_loop *loop, uint32_t max_message);
/* Closes every socket left, answering nothing: call it after kern_free, when no
 * client is left to answer. */
void hosted_tcp_free(hosted_tcp *t);

/* Binds and listens on addr ("127.0.0.1:0", "[::1]:8080") now, for the first process
 * that sends tcp.listen with the bound address to claim (`wasmos run --listen`):
 * connections that come before the program accepts wait in the backlog, and port 0
 * is known before the program starts.  Writes the bound address to out (cap bytes,
 * HOSTED_TCP_ADDR_MAX is enough).  Returns 0, or a positive Linux errno (EINVAL for
 * an address that does not parse). */
int hosted_tcp_prebind(hosted_tcp *t, const char *addr, char *out, size_t cap);

/* Sockets and connections client pid holds, pending connects included (tests). */
uint32_t hosted_tcp_count(const hosted_tcp *t, uint64_t pid);

#endif
