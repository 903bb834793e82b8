/* tcp_hostile: the `tcp` handler under garbage, wrong handles, full queues and the
 * whole life of a loopback connection, from one process that talks to it with the
 * raw `wasmos` imports (for tests/e2e/tcp_test.sh; needs the tcp grant).
 *
 * Each check prints "NAME ok" or "NAME FAIL: why"; the exit status is the number of
 * failures.  It ends on purpose with an accept, reads and a write still waiting, so
 * the handler must free them when the process ends (the ASan build checks it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_tcp.h"

__attribute__((import_module("wasmos"), import_name("emit_message")))
int32_t emit_message(const uint8_t *iface, const void *iov, uint32_t n, uint32_t flags, uint64_t *id);
__attribute__((import_module("wasmos"), import_name("next_notification")))
int32_t next_notification(const uint64_t *ids, uint32_t n, void *out, uint32_t out_len, uint32_t flags);

enum { EMIT_ANSWER = 1, NEXT_BLOCK = 1, NOTE_HEADER = 56 };
enum { E_BADF = 8, E_CANCELED = 11, E_CONNREFUSED = 14, E_INVAL = 28, E_MFILE = 33,
       E_NOBUFS = 42, E_NOSYS = 52, E_NOTCONN = 53 };

/* The checks' limits, as hosted/tcp.h has them. */
#define MAX_SOCKETS 256
#define MAX_PENDING 64
#define MAX_READ 65536

static int failures;

static void check(const char *name, bool ok, const char *why)
{
	if (ok) {
		printf("%s ok\n", name);
	} else {
		printf("%s FAIL: %s\n", name, why);
		failures++;
	}
}

/* ---- messages ---------------------------------------------------------------------- */

typedef struct answer {
	int status;            /* the notification's status: 0 ok, 1 error, ... */
	int err;               /* an error answer's errno */
	uint8_t *body;         /* points into buf */
	uint32_t len;
	uint8_t buf[NOTE_HEADER + 2 * MAX_READ];
} answer;

static answer ans;

static uint64_t emit(const void *body, uint32_t len)
{
	struct { uint32_t ptr, len; } iov = { (uint32_t)(uintptr_t)body, len };
	uint64_t id = 0;
	int32_t rc = emit_message(ifc_tcp_id, &iov, 1, EMIT_ANSWER, &id);
	if (rc) {
		printf("emit_message: %d\n", rc);
		exit(100);
	}
	return id;
}

/* Waits for the answer to id into `ans`. */
static answer *wait(uint64_t id)
{
	int32_t n = next_notification(&id, 1, ans.buf, sizeof ans.buf, NEXT_BLOCK);
	if (n < NOTE_HEADER || n > (int32_t)sizeof ans.buf || ans.buf[0] != 1) {
		printf("next_notification: %d\n", n);
		exit(100);
	}
	ans.status = ans.buf[1];
	ans.len = (uint32_t)ans.buf[4] | (uint32_t)ans.buf[5] << 8 | (uint32_t)ans.buf[6] << 16 |
		  (uint32_t)ans.buf[7] << 24;
	ans.body = ans.buf + NOTE_HEADER;
	ans.err = ans.status == 1 && ans.len == 2 ? ans.body[0] | ans.body[1] << 8 : -1;
	return &ans;
}

static answer *call(const void *body, uint32_t len) { return wait(emit(body, len)); }

/* Encodes a message into a static buffer and calls; `big` for writes. */
#define CALL(enc, ...)                                                       \
	({                                                                   \
		static uint8_t b_[MAX_READ * 2];                             \
		__typeof__(__VA_ARGS__) m_ = __VA_ARGS__;                    \
		call(b_, enc(&m_, b_, sizeof b_));                          \
	})
#define EMIT(enc, ...)                                                       \
	({                                                                   \
		static uint8_t b_[256];                                      \
		__typeof__(__VA_ARGS__) m_ = __VA_ARGS__;                    \
		emit(b_, enc(&m_, b_, sizeof b_));                          \
	})

static bool is_err(const answer *a, int err) { return a->status == 1 && a->err == err; }

static const char *why_err(const answer *a, int want)
{
	static char s[96];
	snprintf(s, sizeof s, "status %d errno %d, want error %d", a->status, a->err, want);
	return s;
}

#define EXPECT_ERR(name, a, e) do { answer *a_ = (a); check(name, is_err(a_, e), why_err(a_, e)); } while (0)

static const uint8_t *S(const char *s) { return (const uint8_t *)s; }

/* ---- the checks -------------------------------------------------------------------- */

static void garbage_bodies(void)
{
	EXPECT_ERR("empty_body_is_einval", call("", 0), E_INVAL);
	static const uint8_t tag99[] = { 99, 1, 2, 3 };
	EXPECT_ERR("unknown_tag_is_enosys", call(tag99, sizeof tag99), E_NOSYS);
	static const uint8_t short_listen[] = { IFC_TCP_LISTEN, 9, 0 };
	EXPECT_ERR("truncated_listen_is_einval", call(short_listen, sizeof short_listen), E_INVAL);
	static const uint8_t long_accept[] = { IFC_TCP_ACCEPT, 1, 0, 0, 0, 0xff };
	EXPECT_ERR("accept_with_trailing_bytes_is_einval", call(long_accept, sizeof long_accept), E_INVAL);
	/* a length that runs far past the body */
	static const uint8_t huge_len[] = { IFC_TCP_WRITE, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 'x' };
	EXPECT_ERR("write_with_lying_length_is_einval", call(huge_len, sizeof huge_len), E_INVAL);
	static const char *const bad[] = { "garbage", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:",
					   "[::1", "[::1]8080", "1.2.3.4.5:80", "127.0.0.1:8o",
					   "[::1]:123456" };
	bool all = true;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		answer *a = CALL(ifc_tcp_listen_encode, (ifc_tcp_listen){ S(bad[i]), (uint32_t)strlen(bad[i]), 0 });
		if (!is_err(a, E_INVAL)) {
			printf("  listen '%s': %s\n", bad[i], why_err(a, E_INVAL));
			all = false;
		}
		a = CALL(ifc_tcp_connect_encode, (ifc_tcp_connect){ S(bad[i]), (uint32_t)strlen(bad[i]) });
		if (!is_err(a, E_INVAL)) {
			printf("  connect '%s': %s\n", bad[i], why_err(a, E_INVAL));
			all = false;
		}
	}
	check("bad_addresses_are_einval", all, "see above");
}

static void unknown_handles(void)
{
	static const uint32_t handles[] = { 0, 12345, 0xffffffffu };
	bool all = true;
	for (unsigned i = 0; i < 3; i++) {
		uint32_t h = handles[i];
		all &= is_err(CALL(ifc_tcp_accept_encode, (ifc_tcp_accept){ h }), E_BADF);
		all &= is_err(CALL(ifc_tcp_read_encode, (ifc_tcp_read){ h, 10 }), E_BADF);
		all &= is_err(CALL(ifc_tcp_write_encode, (ifc_tcp_write){ h, S("x"), 1 }), E_BADF);
		all &= is_err(CALL(ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ h, 3 }), E_BADF);
		all &= is_err(CALL(ifc_tcp_close_encode, (ifc_tcp_close){ h }), E_BADF);
	}
	check("unknown_handles_are_ebadf", all, "some message did not get EBADF");
}

static uint32_t listen_on(const char *addr, char *local, size_t cap)
{
	answer *a = CALL(ifc_tcp_listen_encode, (ifc_tcp_listen){ S(addr), (uint32_t)strlen(addr), 4 });
	ifc_tcp_listen_answer la;
	if (a->status != 0 || ifc_tcp_listen_answer_decode(a->body, a->len, &la) != 0) return 0;
	if (local) snprintf(local, cap, "%.*s", (int)la.local_len, (const char *)la.local);
	return la.socket;
}

static uint32_t connect_to(const char *addr, answer **out)
{
	answer *a = CALL(ifc_tcp_connect_encode, (ifc_tcp_connect){ S(addr), (uint32_t)strlen(addr) });
	if (out) *out = a;
	ifc_tcp_connect_answer ca;
	if (a->status != 0 || ifc_tcp_connect_answer_decode(a->body, a->len, &ca) != 0) return 0;
	return ca.conn;
}

static uint32_t accept_on(uint32_t s)
{
	answer *a = CALL(ifc_tcp_accept_encode, (ifc_tcp_accept){ s });
	ifc_tcp_accept_answer aa;
	if (a->status != 0 || ifc_tcp_accept_answer_decode(a->body, a->len, &aa) != 0) return 0;
	return aa.conn;
}

/* Reads exactly len bytes from c into out (several reads); false on an error or end. */
static bool read_exactly(uint32_t c, uint8_t *out, uint32_t len)
{
	for (uint32_t got = 0; got < len;) {
		answer *a = CALL(ifc_tcp_read_encode, (ifc_tcp_read){ c, len - got });
		ifc_tcp_read_answer ra;
		if (a->status != 0 || ifc_tcp_read_answer_decode(a->body, a->len, &ra) != 0 || !ra.data_len ||
		    ra.data_len > len - got)
			return false;
		memcpy(out + got, ra.data, ra.data_len);
		got += ra.data_len;
	}
	return true;
}

static bool read_is(uint64_t id, const char *want)
{
	answer *a = wait(id);
	ifc_tcp_read_answer ra;
	return a->status == 0 && ifc_tcp_read_answer_decode(a->body, a->len, &ra) == 0 &&
	       ra.data_len == strlen(want) && !memcmp(ra.data, want, ra.data_len);
}

static uint32_t written(answer *a)
{
	ifc_tcp_write_answer wa;
	if (a->status != 0 || ifc_tcp_write_answer_decode(a->body, a->len, &wa) != 0) return 0;
	return wa.written;
}

static void connection_life(void)
{
	char local[64];
	uint32_t s = listen_on("127.0.0.1:0", local, sizeof local);
	check("listen_on_port_0_tells_the_port", s && strncmp(local, "127.0.0.1:", 10) == 0 && strcmp(local, "127.0.0.1:0"),
	      local);
	if (!s) return;
	EXPECT_ERR("read_on_listening_socket_is_enotconn", CALL(ifc_tcp_read_encode, (ifc_tcp_read){ s, 1 }), E_NOTCONN);
	EXPECT_ERR("write_on_listening_socket_is_enotconn",
		   CALL(ifc_tcp_write_encode, (ifc_tcp_write){ s, S("x"), 1 }), E_NOTCONN);
	EXPECT_ERR("shutdown_on_listening_socket_is_enotconn",
		   CALL(ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ s, 3 }), E_NOTCONN);

	uint32_t c1 = connect_to(local, NULL);
	uint32_t c2 = c1 ? accept_on(s) : 0;
	check("connect_and_accept_on_loopback", c1 && c2 && c1 != c2 && c1 != s && c2 != s, "no connection");
	if (!c1 || !c2) return;
	EXPECT_ERR("accept_on_a_connection_is_einval", CALL(ifc_tcp_accept_encode, (ifc_tcp_accept){ c1 }), E_INVAL);
	EXPECT_ERR("read_of_zero_bytes_is_einval", CALL(ifc_tcp_read_encode, (ifc_tcp_read){ c1, 0 }), E_INVAL);
	EXPECT_ERR("shutdown_how_0_is_einval", CALL(ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ c1, 0 }), E_INVAL);
	EXPECT_ERR("shutdown_how_4_is_einval", CALL(ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ c1, 4 }), E_INVAL);

	uint32_t w = written(CALL(ifc_tcp_write_encode, (ifc_tcp_write){ c1, S("hello"), 5 }));
	uint8_t got[8] = { 0 };
	check("write_then_read_carries_the_bytes", w == 5 && read_exactly(c2, got, 5) && !memcmp(got, "hello", 5),
	      "not hello");

	/* two reads wait, in order; then the bytes come */
	uint64_t r1 = EMIT(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 1 });
	uint64_t r2 = EMIT(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 1 });
	w = written(CALL(ifc_tcp_write_encode, (ifc_tcp_write){ c1, S("xy"), 2 }));
	bool first = read_is(r1, "x");
	check("waiting_reads_are_answered_in_order", w == 2 && first && read_is(r2, "y"), "not x then y");

	/* a big read is capped at the handler's limit */
	static uint8_t big[MAX_READ + 1000];
	memset(big, 'b', sizeof big);
	uint32_t sent = 0;
	while (sent < sizeof big) {
		uint32_t n = written(CALL(ifc_tcp_write_encode, (ifc_tcp_write){ c1, big + sent, (uint32_t)sizeof big - sent }));
		if (!n) break;
		sent += n;
	}
	uint32_t total = 0, largest = 0;
	while (total < sent) {
		answer *a = CALL(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 0xffffffffu });
		ifc_tcp_read_answer ra;
		if (a->status != 0 || ifc_tcp_read_answer_decode(a->body, a->len, &ra) != 0 || !ra.data_len) break;
		total += ra.data_len;
		if (ra.data_len > largest) largest = ra.data_len;
	}
	check("huge_read_is_capped", sent == sizeof big && total == sent && largest <= MAX_READ, "wrong sizes");

	answer *a = CALL(ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ c1, 2 });
	check("shutdown_writing_is_ok", a->status == 0, why_err(a, 0));
	uint64_t r = EMIT(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 10 });
	check("read_after_peer_shutdown_is_empty", read_is(r, ""), "not empty");
	EXPECT_ERR("write_after_shutdown_is_epipe",
		   CALL(ifc_tcp_write_encode, (ifc_tcp_write){ c1, S("z"), 1 }), 64);

	a = CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c2 });
	check("close_is_ok", a->status == 0, why_err(a, 0));
	EXPECT_ERR("close_twice_is_ebadf", CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c2 }), E_BADF);
	EXPECT_ERR("read_after_close_is_ebadf", CALL(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 1 }), E_BADF);

	CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c1 });

	/* on an idle connection: a full queue, then close cancels what waits */
	uint32_t c3 = connect_to(local, NULL), c4 = c3 ? accept_on(s) : 0;
	uint64_t ids[MAX_PENDING];
	for (int i = 0; i < MAX_PENDING; i++) ids[i] = EMIT(ifc_tcp_read_encode, (ifc_tcp_read){ c4, 1 });
	EXPECT_ERR("read_past_the_queue_limit_is_enobufs", CALL(ifc_tcp_read_encode, (ifc_tcp_read){ c4, 1 }), E_NOBUFS);
	a = CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c4 });
	bool all = c4 && a->status == 0;
	for (int i = 0; i < MAX_PENDING; i++) all &= is_err(wait(ids[i]), E_CANCELED);
	check("close_cancels_waiting_reads", all, "a read was not cancelled");
	CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c3 });

	uint64_t acc = EMIT(ifc_tcp_accept_encode, (ifc_tcp_accept){ s });
	a = CALL(ifc_tcp_close_encode, (ifc_tcp_close){ s });
	check("close_cancels_a_waiting_accept", a->status == 0 && is_err(wait(acc), E_CANCELED), "not cancelled");

	/* nobody listens there now */
	answer *ca;
	uint32_t c = connect_to(local, &ca);
	check("connect_to_a_closed_port_is_refused", !c && is_err(ca, E_CONNREFUSED), why_err(ca, E_CONNREFUSED));
}

/* The same over [::1], where the machine has IPv6 (else it says so and passes). */
static void ipv6_loopback(void)
{
	answer *a = CALL(ifc_tcp_listen_encode, (ifc_tcp_listen){ S("[::1]:0"), 7, 1 });
	if (a->status == 1 && (a->err == 4 /* EADDRNOTAVAIL */ || a->err == 5 /* EAFNOSUPPORT */)) {
		check("ipv6_loopback (no IPv6 here)", true, "");
		return;
	}
	ifc_tcp_listen_answer la;
	char local[64] = "";
	uint32_t s = 0;
	if (a->status == 0 && ifc_tcp_listen_answer_decode(a->body, a->len, &la) == 0) {
		s = la.socket;
		snprintf(local, sizeof local, "%.*s", (int)la.local_len, (const char *)la.local);
	}
	uint32_t c = s ? connect_to(local, NULL) : 0;
	a = CALL(ifc_tcp_accept_encode, (ifc_tcp_accept){ s });
	ifc_tcp_accept_answer aa;
	bool ok = s && c && !strncmp(local, "[::1]:", 6) && a->status == 0 &&
		  ifc_tcp_accept_answer_decode(a->body, a->len, &aa) == 0 && aa.peer_len > 6 &&
		  !memcmp(aa.peer, "[::1]:", 6);
	check("ipv6_loopback", ok, local);
	CALL(ifc_tcp_close_encode, (ifc_tcp_close){ s });
	CALL(ifc_tcp_close_encode, (ifc_tcp_close){ c });
	if (ok) CALL(ifc_tcp_close_encode, (ifc_tcp_close){ aa.conn });
}

static void socket_limit(void)
{
	static uint32_t made[MAX_SOCKETS + 8];
	uint32_t n = 0;
	while (n < MAX_SOCKETS + 8 && (made[n] = listen_on("127.0.0.1:0", NULL, 0))) n++;
	answer *a = CALL(ifc_tcp_listen_encode, (ifc_tcp_listen){ S("127.0.0.1:0"), 11, 0 });
	check("sockets_past_the_limit_are_emfile", n == MAX_SOCKETS && is_err(a, E_MFILE), why_err(a, E_MFILE));
	/* room for leave_waiting; the rest stay open for the end of the process */
	for (uint32_t i = 0; i < 8 && i < n; i++) CALL(ifc_tcp_close_encode, (ifc_tcp_close){ made[i] });
}

/* An accept, reads and writes left waiting when the process ends. */
static void leave_waiting(void)
{
	char local[64];
	uint32_t s = listen_on("127.0.0.1:0", local, sizeof local);
	uint32_t c1 = s ? connect_to(local, NULL) : 0, c2 = c1 ? accept_on(s) : 0;
	check("leave_waiting_connects", c1 && c2, "no connection");
	EMIT(ifc_tcp_accept_encode, (ifc_tcp_accept){ s });
	for (int i = 0; i < 3; i++) EMIT(ifc_tcp_read_encode, (ifc_tcp_read){ c2, 100 });
	static uint8_t chunk[MAX_READ], body[MAX_READ + 16];
	for (int i = 0; i < 60; i++) {
		ifc_tcp_write m = { c1, chunk, sizeof chunk };
		emit(body, ifc_tcp_write_encode(&m, body, sizeof body));
	}
}

int main(void)
{
	garbage_bodies();
	unknown_handles();
	connection_life();
	ipv6_loopback();
	socket_limit();
	leave_waiting();
	printf("%d failed\n", failures);
	return failures;
}
