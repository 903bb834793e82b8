/* p2p.c: the network node's platform on Linux (see p2p.h): TCP sockets on the epoll
 * loop, timers from the loop, the identity file.
 *
 * Every socket is non-blocking.  A connection is named by a handle (a counter, never
 * reused) that the node uses in its calls; the node never sees a file descriptor.
 * Bytes the socket does not take at once wait in the connection's queue (at most
 * HOSTED_P2P_MAX_QUEUE) and go out when epoll says writable.  Nothing here calls back
 * into the node from inside a call from the node: a dial that fails at once returns
 * an error, a send that fails returns one, and the node closes.  Host names in /dns
 * addresses are resolved with getaddrinfo, which blocks (a resolver on the loop is
 * for later; loopback and literal addresses need none).
 */
#define _GNU_SOURCE
#include "p2p.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "multiaddr.h"

typedef struct sock {
	struct hosted_p2p *p;
	uint64_t handle;        /* 0 for a listener */
	int fd;
	bool listener, connecting;
	uint32_t events;
	uint8_t *out;
	size_t ooff, olen, ocap;
	struct sock *next;
} sock;

struct hosted_p2p {
	hosted_loop *loop;
	net_node *node;
	sock *socks;
	size_t nsocks;
	uint64_t next_handle;
	net_peerid peers[HOSTED_P2P_MAX_FLAGS];
	size_t npeers;
	char listen_text[HOSTED_P2P_MAX_FLAGS][NET_MADDR_TEXT_MAX + NET_PEERID_TEXT_MAX + 8];
	size_t nlisten;
	uint8_t rbuf[65536];
};

const char hosted_p2p_flags_help[] =
	"  --peer MULTIADDR     a peer to connect to: /ip4/ADDR/tcp/PORT/p2p/PEERID (repeatable)\n"
	"  --listen MULTIADDR   accept peers on /ip4/ADDR/tcp/PORT (port 0: any; repeatable)\n"
	"  --offline            no network node at all\n";

const char *hosted_p2p_check(bool peer, const char *v)
{
	uint8_t b[NET_MADDR_MAX];
	size_t len;
	const char *why;
	if (net_maddr_parse(v, b, sizeof b, &len, &why) != 0) return why;
	net_peerid id;
	size_t prefix;
	if (peer && net_maddr_split_peer(b, len, &id, &prefix) != 1) return "it must end in /p2p/PEERID";
	return NULL;
}

int hosted_p2p_flag(hosted_p2p_opts *o, const char *cmd, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (!strcmp(a, "--offline")) {
		o->offline = true;
		return 1;
	}
	bool peer = !strcmp(a, "--peer"), listen = !strcmp(a, "--listen");
	if (!peer && !listen) return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "wasmos %s: %s wants a multiaddr\n", cmd, a);
		return -1;
	}
	const char *v = argv[++*i];
	const char *why = hosted_p2p_check(peer, v);
	if (why) {
		fprintf(stderr, "wasmos %s: %s %s: %s\n", cmd, a, v, why);
		return -1;
	}
	size_t *n = peer ? &o->npeers : &o->nlistens;
	if (*n == HOSTED_P2P_MAX_FLAGS) {
		fprintf(stderr, "wasmos %s: at most %d %s\n", cmd, HOSTED_P2P_MAX_FLAGS, a);
		return -1;
	}
	(peer ? o->peers : o->listens)[(*n)++] = v;
	return 1;
}

int hosted_p2p_identity_path(char *out, size_t cap, char *why, size_t why_len)
{
	const char *home = getenv("WASMOS_HOME");
	int n;
	if (home && *home) {
		n = snprintf(out, cap, "%s/identity", home);
	} else if ((home = getenv("HOME")) && *home) {
		n = snprintf(out, cap, "%s/.local/share/wasmos/identity", home);
	} else {
		snprintf(why, why_len, "neither WASMOS_HOME nor HOME is set");
		return -1;
	}
	if (n < 0 || (size_t)n >= cap) {
		snprintf(why, why_len, "the path of the identity file is too long");
		return -1;
	}
	return 0;
}

/* ---- sockets ------------------------------------------------------------------------------ */

static sock *by_handle(hosted_p2p *p, uint64_t handle)
{
	for (sock *s = p->socks; s; s = s->next)
		if (s->handle == handle && !s->listener) return s;
	return NULL;
}

static void on_fd(void *ud, int fd, uint32_t events);

static void watch(sock *s)
{
	uint32_t ev = s->listener ? EPOLLIN : s->connecting ? EPOLLOUT : EPOLLIN | (s->olen > s->ooff ? EPOLLOUT : 0);
	if (ev == s->events) return;
	s->events = ev;
	hosted_loop_watch(s->p->loop, s->fd, ev, on_fd, s);
}

static sock *sock_new(hosted_p2p *p, int fd, bool listener)
{
	if (p->nsocks >= HOSTED_P2P_MAX_SOCKETS) return NULL;
	sock *s = calloc(1, sizeof *s);
	if (!s) return NULL;
	s->p = p;
	s->fd = fd;
	s->listener = listener;
	if (!listener) s->handle = ++p->next_handle;
	s->next = p->socks;
	p->socks = s;
	p->nsocks++;
	return s;
}

static void sock_free(sock *s)
{
	hosted_p2p *p = s->p;
	for (sock **pp = &p->socks; *pp; pp = &(*pp)->next) {
		if (*pp != s) continue;
		*pp = s->next;
		p->nsocks--;
		break;
	}
	hosted_loop_unwatch(p->loop, s->fd);
	close(s->fd);
	free(s->out);
	free(s);
}

/* Writes what is queued; -1 when the socket failed. */
static int flush(sock *s)
{
	while (s->ooff < s->olen) {
		ssize_t n = send(s->fd, s->out + s->ooff, s->olen - s->ooff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) break;
			if (errno == EINTR) continue;
			return -1;
		}
		s->ooff += (size_t)n;
	}
	if (s->ooff == s->olen) s->ooff = s->olen = 0;
	watch(s);
	return 0;
}

/* The remote address of a connected socket as a binary multiaddr. */
static size_t remote_maddr(int fd, uint8_t out[32])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) return 0;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		return net_maddr_from_ip((const uint8_t *)&a->sin_addr, 4, ntohs(a->sin_port), out);
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		return net_maddr_from_ip((const uint8_t *)&a->sin6_addr, 16, ntohs(a->sin6_port), out);
	}
	return 0;
}

static void accept_all(sock *l)
{
	hosted_p2p *p = l->p;
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) return; /* EAGAIN, or a failed connection: nothing to serve */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		sock *s = sock_new(p, fd, false);
		if (!s) {
			close(fd);
			continue;
		}
		watch(s);
		uint8_t remote[32];
		size_t rl = remote_maddr(fd, remote);
		uint64_t handle = s->handle;
		if (net_node_transport_up(p->node, handle, true, rl ? remote : NULL, rl) != 0) {
			s = by_handle(p, handle);
			if (s) sock_free(s);
		}
	}
}

static void on_fd(void *ud, int fd, uint32_t events)
{
	(void)fd;
	sock *s = ud;
	hosted_p2p *p = s->p;
	uint64_t handle = s->handle;
	if (s->listener) {
		accept_all(s);
		return;
	}
	if (s->connecting) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
		if (err) {
			sock_free(s);
			net_node_transport_down(p->node, handle, NET_EDIAL);
			return;
		}
		s->connecting = false;
		watch(s);
		net_node_transport_up(p->node, handle, false, NULL, 0);
		return;
	}
	if ((events & EPOLLOUT) && flush(s) != 0) {
		sock_free(s);
		net_node_transport_down(p->node, handle, NET_ECLOSED);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = recv(s->fd, p->rbuf, sizeof p->rbuf, 0);
		if (n > 0) {
			net_node_transport_data(p->node, handle, p->rbuf, (size_t)n);
			return; /* s may be gone: the node may have closed it */
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
		sock_free(s);
		net_node_transport_down(p->node, handle, NET_ECLOSED);
	}
}

/* ---- the node's platform ------------------------------------------------------------------- */

static uint64_t pl_now(void *ud)
{
	(void)ud;
	return hosted_now_ns() / 1000000u;
}

/* Resolves host (text) for family 4, 6 or 0 into ss; 0 or -1. */
static int resolve(const char *host, uint16_t port, int family, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct addrinfo hints = { 0 }, *res;
	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	char service[8];
	snprintf(service, sizeof service, "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0) return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int64_t pl_dial(void *ud, const uint8_t *maddr, size_t len)
{
	hosted_p2p *p = ud;
	char host[256];
	uint16_t port;
	int family;
	if (net_maddr_tcp(maddr, len, host, sizeof host, &port, &family) != 0) return NET_EINVAL;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (resolve(host, port, family, &ss, &sl) != 0) return NET_EDIAL;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return NET_EDIAL;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		close(fd);
		return NET_EDIAL;
	}
	sock *s = sock_new(p, fd, false);
	if (!s) {
		close(fd);
		return NET_ELIMIT;
	}
	/* even a connect that completed at once is told from the loop, never from here */
	s->connecting = true;
	watch(s);
	return (int64_t)s->handle;
}

static int pl_send(void *ud, uint64_t handle, const uint8_t *data, size_t len)
{
	hosted_p2p *p = ud;
	sock *s = by_handle(p, handle);
	if (!s) return NET_ECLOSED;
	if (s->olen - s->ooff + len > HOSTED_P2P_MAX_QUEUE) return NET_EFULL;
	if (s->olen + len > s->ocap) {
		if (s->ooff) {
			memmove(s->out, s->out + s->ooff, s->olen - s->ooff);
			s->olen -= s->ooff;
			s->ooff = 0;
		}
		if (s->olen + len > s->ocap) {
			size_t cap = s->ocap ? s->ocap : 65536;
			while (cap < s->olen + len) cap *= 2;
			uint8_t *b = realloc(s->out, cap);
			if (!b) return NET_ENOMEM;
			s->out = b;
			s->ocap = cap;
		}
	}
	memcpy(s->out + s->olen, data, len);
	s->olen += len;
	if (s->connecting) return 0;
	return flush(s) == 0 ? 0 : NET_ECLOSED;
}

static void pl_close(void *ud, uint64_t handle)
{
	hosted_p2p *p = ud;
	sock *s = by_handle(p, handle);
	if (!s) return;
	if (!s->connecting) (void)send(s->fd, s->out + s->ooff, s->olen - s->ooff, MSG_NOSIGNAL | MSG_DONTWAIT);
	sock_free(s);
}

static uint64_t pl_timer(void *ud, uint64_t deadline_ms, net_timer_fn fn, void *arg)
{
	hosted_p2p *p = ud;
	/* the same shape: (void *, uint64_t) */
	return hosted_loop_timer(p->loop, deadline_ms * 1000000u, (hosted_timer_fn)fn, arg);
}

static void pl_cancel(void *ud, uint64_t id)
{
	hosted_p2p *p = ud;
	hosted_loop_cancel(p->loop, id);
}

/* ---- starting ------------------------------------------------------------------------------- */

static int listen_on(hosted_p2p *p, const char *text, const char *cmd)
{
	uint8_t b[NET_MADDR_MAX];
	size_t len;
	char host[64];
	uint16_t port;
	int family;
	if (net_maddr_parse(text, b, sizeof b, &len, NULL) != 0 ||
		net_maddr_tcp(b, len, host, sizeof host, &port, &family) != 0 || family == 0) {
		fprintf(stderr, "wasmos %s: --listen %s: not /ip4/ADDR/tcp/PORT or /ip6/ADDR/tcp/PORT\n", cmd, text);
		return -1;
	}
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, host, &a->sin_addr);
		sl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
		sl = sizeof *a;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0 ||
		getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		fprintf(stderr, "wasmos %s: --listen %s: %s\n", cmd, text, strerror(errno));
		if (fd >= 0) close(fd);
		return -1;
	}
	sock *s = sock_new(p, fd, true);
	if (!s) {
		close(fd);
		fprintf(stderr, "wasmos %s: out of memory\n", cmd);
		return -1;
	}
	watch(s);
	uint8_t bound[32];
	size_t bl = family == 4
		? net_maddr_from_ip((const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr, 4,
			ntohs(((struct sockaddr_in *)&ss)->sin_port), bound)
		: net_maddr_from_ip((const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr, 16,
			ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), bound);
	net_node_add_listen_addr(p->node, bound, bl);
	char at[NET_MADDR_TEXT_MAX], id[NET_PEERID_TEXT_MAX];
	net_maddr_format(bound, bl, at, sizeof at);
	net_peerid_format(net_node_peerid(p->node), id);
	snprintf(p->listen_text[p->nlisten++], sizeof p->listen_text[0], "%s/p2p/%s", at, id);
	return 0;
}

hosted_p2p *hosted_p2p_start(hosted_loop *loop, const hosted_p2p_opts *o, const char *cmd)
{
	char path[4096], why[4200];
	net_identity idn;
	if (hosted_p2p_identity_path(path, sizeof path, why, sizeof why) != 0 ||
		net_identity_load(&idn, path, why, sizeof why) != 0) {
		fprintf(stderr, "wasmos %s: identity: %s\n", cmd, why);
		return NULL;
	}
	hosted_p2p *p = calloc(1, sizeof *p);
	if (!p) goto out_nomem;
	p->loop = loop;
	net_platform plat = { p, pl_now, pl_dial, pl_send, pl_close, pl_timer, pl_cancel };
	p->node = net_node_new(&plat, idn.seed, "wasmos/0.1");
	memset(&idn, 0, sizeof idn);
	if (!p->node) goto out_nomem;
	for (size_t i = 0; i < o->nlistens; i++)
		if (listen_on(p, o->listens[i], cmd) != 0) goto out_free;
	for (size_t i = 0; i < o->npeers; i++) {
		uint8_t b[NET_MADDR_MAX];
		size_t len, prefix;
		net_maddr_parse(o->peers[i], b, sizeof b, &len, NULL);
		net_maddr_split_peer(b, len, &p->peers[i], &prefix);
		if (net_peerid_equal(&p->peers[i], net_node_peerid(p->node))) {
			fprintf(stderr, "wasmos %s: --peer %s: that is this node\n", cmd, o->peers[i]);
			goto out_free;
		}
		if (net_node_add_addr(p->node, &p->peers[i], b, prefix) != 0) {
			fprintf(stderr, "wasmos %s: --peer %s: not an address to dial\n", cmd, o->peers[i]);
			goto out_free;
		}
		p->npeers++;
	}
	return p;
out_nomem:
	fprintf(stderr, "wasmos %s: out of memory\n", cmd);
out_free:
	hosted_p2p_free(p);
	return NULL;
}

void hosted_p2p_free(hosted_p2p *p)
{
	if (!p) return;
	net_node_free(p->node);
	while (p->socks) sock_free(p->socks);
	free(p);
}

net_node *hosted_p2p_node(hosted_p2p *p) { return p->node; }

const net_peerid *hosted_p2p_peer(const hosted_p2p *p, size_t i) { return i < p->npeers ? &p->peers[i] : NULL; }

const char *hosted_p2p_listen_text(const hosted_p2p *p, size_t i)
{
	return i < p->nlisten ? p->listen_text[i] : NULL;
}
