/* tcp_cross: one process's tcp handles are useless to another, for
 * tests/e2e/tcp_test.sh (needs the tcp and process grants).
 *
 *   tcp_cross               the parent: listens, spawns itself as the child with the
 *                           socket's handle, waits for it, then checks that its own
 *                           socket still listens and accepts
 *   tcp_cross child H       the child: every message naming handle H gets EBADF
 *                           (accept, read, write, shutdown, close), though H is a real
 *                           handle of its parent; its own listen works
 *
 * Each check prints "NAME ok" or "NAME FAIL: why"; the exit status is the number of
 * failures (the parent adds the child's).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_process.h"
#include "ifc_tcp.h"

__attribute__((import_module("wasmos"), import_name("emit_message")))
int32_t emit_message(const uint8_t *iface, const void *iov, uint32_t n, uint32_t flags, uint64_t *id);
__attribute__((import_module("wasmos"), import_name("next_notification")))
int32_t next_notification(const uint64_t *ids, uint32_t n, void *out, uint32_t out_len, uint32_t flags);

enum { NOTE_HEADER = 56, E_BADF = 8 };

static int failures;
static uint8_t note[NOTE_HEADER + 4096];
static int status, err;
static const uint8_t *body;
static uint32_t body_len;

static void check(const char *name, bool ok, const char *why)
{
	printf(ok ? "%s ok\n" : "%s FAIL: %s\n", name, why);
	failures += !ok;
}

/* Sends body b to iface and waits for the answer (status, err, body). */
static void call(const uint8_t *iface, const uint8_t *b, uint32_t len)
{
	struct { uint32_t ptr, len; } iov = { (uint32_t)(uintptr_t)b, len };
	uint64_t id;
	int32_t n = emit_message(iface, &iov, 1, 1, &id);
	if (n == 0) n = next_notification(&id, 1, note, sizeof note, 1);
	if (n < NOTE_HEADER || n > (int32_t)sizeof note) {
		printf("call failed: %d\n", n);
		exit(100);
	}
	status = note[1];
	body = note + NOTE_HEADER;
	body_len = (uint32_t)n - NOTE_HEADER;
	err = status == 1 && body_len == 2 ? body[0] | body[1] << 8 : -1;
}

#define CALL(iface, enc, ...)                                      \
	do {                                                       \
		static uint8_t b_[512];                            \
		__typeof__(__VA_ARGS__) m_ = __VA_ARGS__;          \
		call(iface, b_, enc(&m_, b_, sizeof b_));         \
	} while (0)

static uint32_t listen_here(char *local, size_t cap)
{
	CALL(ifc_tcp_id, ifc_tcp_listen_encode, (ifc_tcp_listen){ (const uint8_t *)"127.0.0.1:0", 11, 4 });
	ifc_tcp_listen_answer a;
	if (status != 0 || ifc_tcp_listen_answer_decode(body, body_len, &a) != 0) return 0;
	snprintf(local, cap, "%.*s", (int)a.local_len, (const char *)a.local);
	return a.socket;
}

static int child(uint32_t h)
{
	char local[64];
	bool all = true;
	/* accept last: on a handle the child could use, it would wait for a connection */
	CALL(ifc_tcp_id, ifc_tcp_read_encode, (ifc_tcp_read){ h, 10 });
	all &= err == E_BADF;
	CALL(ifc_tcp_id, ifc_tcp_write_encode, (ifc_tcp_write){ h, (const uint8_t *)"x", 1 });
	all &= err == E_BADF;
	CALL(ifc_tcp_id, ifc_tcp_shutdown_encode, (ifc_tcp_shutdown){ h, 3 });
	all &= err == E_BADF;
	CALL(ifc_tcp_id, ifc_tcp_close_encode, (ifc_tcp_close){ h });
	all &= err == E_BADF;
	if (all) {
		CALL(ifc_tcp_id, ifc_tcp_accept_encode, (ifc_tcp_accept){ h });
		all &= err == E_BADF;
	}
	check("child_cannot_use_the_parents_handle", h && all, "a message was not EBADF");
	uint32_t mine = listen_here(local, sizeof local);
	check("child_listens_on_its_own", mine != 0, "listen failed");
	return failures; /* its socket is left open: the handler closes it */
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child")) return child((uint32_t)strtoul(argv[2], NULL, 10));

	char local[64], args[128];
	uint32_t s = listen_here(local, sizeof local);
	check("parent_listens", s != 0, "listen failed");
	int alen = snprintf(args, sizeof args, "tcp_cross%cchild%c%u%c", 0, 0, s, 0);
	ifc_process_spawn sp = { .program = (const uint8_t *)argv[0], .program_len = (uint32_t)strlen(argv[0]),
				 .args = (const uint8_t *)args, .args_len = (uint32_t)alen,
				 .grants = ifc_tcp_id, .grants_len = 32 };
	static uint8_t b[1024];
	call(ifc_process_id, b, ifc_process_spawn_encode(&sp, b, sizeof b));
	ifc_process_spawn_answer pa;
	bool spawned = status == 0 && ifc_process_spawn_answer_decode(body, body_len, &pa) == 0;
	check("spawn_the_child", spawned, "spawn failed");
	if (spawned) {
		CALL(ifc_process_id, ifc_process_wait_encode, (ifc_process_wait){ pa.pid });
		ifc_process_wait_answer wa;
		bool waited = status == 0 && ifc_process_wait_answer_decode(body, body_len, &wa) == 0;
		check("child_passed", waited && wa.exit_code == 0, "the child failed a check");
	}
	/* the child's close of our handle changed nothing: we still accept on it */
	CALL(ifc_tcp_id, ifc_tcp_connect_encode, (ifc_tcp_connect){ (const uint8_t *)local, (uint32_t)strlen(local) });
	bool connected = status == 0;
	CALL(ifc_tcp_id, ifc_tcp_accept_encode, (ifc_tcp_accept){ s });
	check("parent_socket_still_accepts", connected && status == 0, "connect or accept failed");
	printf("%d failed\n", failures);
	return failures;
}
