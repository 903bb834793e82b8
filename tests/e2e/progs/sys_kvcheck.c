/* sys_kvcheck: what a client of a handler sees when the handler is killed, and that
 * a new handler serves it again (tests/e2e/system_test.sh).
 *
 *   sys_kvcheck restart      the system restarts kv's handler (`restart`)
 *   sys_kvcheck spawn PATH   this program starts the new handler itself, by
 *                            process.spawn of PATH with the right to handle kv
 *
 * 1. set a = 1, waiting for a handler: the answer names the handler's pid.
 * 2. get a, then at once process.kill of that handler, in one turn: the get is still
 *    queued at the handler, so the kernel answers it with status 4 (handler ended).
 * 3. set b = 2 waiting for a handler, then get b and get a: a new handler (another
 *    pid, an empty table: a is gone) answers.
 * Raw wasmos calls, so each answer's status and pid are seen as they are.  One line
 * per check; exit 0 when all were as expected, 1 otherwise.  It needs the grants to
 * emit to kv and process (and, for spawn, to handle kv).
 */
#include <inttypes.h>

#include "ifc_kv.h"
#include "ifc_process.h"
#include "sys_raw.h"

static uint32_t kv_set(const char *k, const char *v)
{
	ifc_kv_set m = { (const uint8_t *)k, (uint32_t)strlen(k), (const uint8_t *)v, (uint32_t)strlen(v) };
	return ifc_kv_set_encode(&m, body, sizeof body);
}

static uint32_t kv_get(const char *k)
{
	ifc_kv_get m = { (const uint8_t *)k, (uint32_t)strlen(k) };
	return ifc_kv_get_encode(&m, body, sizeof body);
}

static int value_is(const wasmos_notification *n, const char *want)
{
	ifc_kv_get_answer a;
	return n->status == WOS_STATUS_OK && ifc_kv_get_answer_decode(n->body, n->body_len, &a) == 0 &&
	       a.value_len == strlen(want) && !memcmp(a.value, want, a.value_len);
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "restart") && (strcmp(argv[1], "spawn") || argc < 3))) {
		printf("usage: sys_kvcheck restart | spawn PATH\n");
		return 1;
	}
	wasmos_notification n = answer(send(ifc_kv_id, kv_set("a", "1"), WOS_EMIT_WAIT_HANDLER));
	uint64_t first = n.pid;
	check(n.status == WOS_STATUS_OK && first != 0, "set a through the first handler");

	uint64_t get = send(ifc_kv_id, kv_get("a"), 0);
	ifc_process_kill km = { .pid = first };
	uint64_t kill = send(ifc_process_id, ifc_process_kill_encode(&km, body, sizeof body), 0);
	n = answer(kill);
	check(n.status == WOS_STATUS_OK, "kill the handler");
	n = answer(get);
	printf("get a while the handler was killed: status %u (%s)\n", n.status, wasmos_status_text(n.status));
	check(n.status == WOS_STATUS_HANDLER_ENDED, "the waiting get is answered 'handler ended'");

	if (!strcmp(argv[1], "spawn")) {
		const char args[] = "kv-server";
		ifc_process_spawn sm = { .program = (const uint8_t *)argv[2], .program_len = (uint32_t)strlen(argv[2]),
					 .args = (const uint8_t *)args, .args_len = sizeof args,
					 .handles = ifc_kv_id, .handles_len = 32 };
		n = answer(send(ifc_process_id, ifc_process_spawn_encode(&sm, body, sizeof body), 0));
		ifc_process_spawn_answer sa;
		check(n.status == WOS_STATUS_OK && ifc_process_spawn_answer_decode(n.body, n.body_len, &sa) == 0,
		      "spawn a new handler");
	}
	n = answer(send(ifc_kv_id, kv_set("b", "2"), WOS_EMIT_WAIT_HANDLER));
	uint64_t second = n.pid;
	check(n.status == WOS_STATUS_OK && second != 0 && second != first, "set b through a new handler");
	n = answer(send(ifc_kv_id, kv_get("b"), 0));
	check(value_is(&n, "2") && n.pid == second, "get b = 2");
	n = answer(send(ifc_kv_id, kv_get("a"), 0));
	check(is_errno(&n, 44), "a is gone (ENOENT)");
	printf("handlers: first pid %" PRIu64 ", then pid %" PRIu64 "\n", first, second);
	printf("sys_kvcheck: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
