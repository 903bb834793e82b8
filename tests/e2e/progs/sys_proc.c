/* sys_proc: the `process` and `kernel-debug` interfaces as a program sees them
 * (tests/e2e/system_test.sh).
 *
 *   sys_proc EXIT_WASM HELLO_CID SPIN_WASM
 *
 * EXIT_WASM exits with 7 (programs/wasi-tests/exit.c), HELLO_CID names
 * programs/hello in the local store, SPIN_WASM never ends.  Checks spawn by path and
 * by CID, wait, kill, list and the kernel-debug reports, and that every bad request
 * (unknown pid, garbage body, a grant it lacks, args without their NUL, a missing
 * file) is an error answer.  One line per check; exit 0 when all were as expected.
 * It also asks the loader for hello's bytes, and for garbage.  It needs the grants to
 * emit to process, kernel-debug and loader, and nothing else: kv is the interface it
 * may not pass on.
 */
#define _GNU_SOURCE
#include <inttypes.h>

#include "ifc_kernel_debug.h"
#include "ifc_kv.h"
#include "ifc_loader.h"
#include "ifc_process.h"
#include "sys_raw.h"

enum { E_ACCES = 2, E_INVAL = 28, E_ISDIR = 31, E_NOENT = 44, E_NOSYS = 52 };

/* process.spawn; returns the answer. */
static wasmos_notification spawn(const char *program, const char *args, uint32_t args_len, const uint8_t *grants,
				 uint32_t grants_len, const uint8_t *handles, uint32_t handles_len)
{
	ifc_process_spawn m = { .program = (const uint8_t *)program, .program_len = (uint32_t)strlen(program),
				.args = (const uint8_t *)args, .args_len = args_len,
				.grants = grants, .grants_len = grants_len,
				.handles = handles, .handles_len = handles_len };
	return answer(send(ifc_process_id, ifc_process_spawn_encode(&m, body, sizeof body), 0));
}

static uint64_t pid_of(const wasmos_notification *n)
{
	ifc_process_spawn_answer a;
	if (n->status != WOS_STATUS_OK || ifc_process_spawn_answer_decode(n->body, n->body_len, &a) != 0) return 0;
	return a.pid;
}

/* process.wait; returns the exit code, or -1000 - errno. */
static int wait_pid(uint64_t pid)
{
	ifc_process_wait m = { .pid = pid };
	wasmos_notification n = answer(send(ifc_process_id, ifc_process_wait_encode(&m, body, sizeof body), 0));
	ifc_process_wait_answer a;
	if (n.status == WOS_STATUS_OK && ifc_process_wait_answer_decode(n.body, n.body_len, &a) == 0)
		return a.exit_code;
	return n.body_len == 2 ? -1000 - (n.body[0] | n.body[1] << 8) : -2000;
}

static wasmos_notification kill_pid(uint64_t pid)
{
	ifc_process_kill m = { .pid = pid };
	return answer(send(ifc_process_id, ifc_process_kill_encode(&m, body, sizeof body), 0));
}

/* Whether process.list has a record of a live process named name. */
static int listed(const char *name)
{
	ifc_process_list m = { 0 };
	wasmos_notification n = answer(send(ifc_process_id, ifc_process_list_encode(&m, body, sizeof body), 0));
	ifc_process_list_answer a;
	if (n.status != WOS_STATUS_OK || ifc_process_list_answer_decode(n.body, n.body_len, &a) != 0) return 0;
	const uint8_t *p = a.entries, *end = a.entries + a.entries_len;
	int found = 0;
	while (end - p >= 8 + 1 + 4 + 32 + 4) {
		uint8_t state = p[8];
		const uint8_t *lenp = p + 8 + 1 + 4 + 32;
		uint32_t len = lenp[0] | lenp[1] << 8 | lenp[2] << 16 | (uint32_t)lenp[3] << 24;
		p = lenp + 4;
		if ((uint32_t)(end - p) < len) return 0; /* a record cut short */
		if (state != 2 && len == strlen(name) && !memcmp(p, name, len)) found = 1;
		p += len;
	}
	return found && p == end;
}

/* kernel-debug.processes or .stats: whether its text holds want. */
static int report_has(int stats, const char *want)
{
	uint32_t len;
	if (stats) {
		ifc_kernel_debug_stats m = { 0 };
		len = ifc_kernel_debug_stats_encode(&m, body, sizeof body);
	} else {
		ifc_kernel_debug_processes m = { 0 };
		len = ifc_kernel_debug_processes_encode(&m, body, sizeof body);
	}
	wasmos_notification n = answer(send(ifc_kernel_debug_id, len, 0));
	ifc_kernel_debug_processes_answer a;
	if (n.status != WOS_STATUS_OK || ifc_kernel_debug_processes_answer_decode(n.body, n.body_len, &a) != 0)
		return 0;
	printf("%.*s", (int)a.text_len, (const char *)a.text);
	return memmem(a.text, a.text_len, want, strlen(want)) != NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		printf("usage: sys_proc EXIT_WASM HELLO_CID SPIN_WASM\n");
		return 1;
	}
	check(listed(argv[0]), "list shows this process");

	wasmos_notification n = spawn(argv[1], "exit\0", 5, NULL, 0, NULL, 0);
	uint64_t pid = pid_of(&n);
	check(pid != 0, "spawn by path");
	check(wait_pid(pid) == 7, "wait gives its exit code 7");
	check(wait_pid(pid) == 7, "wait after the end gives it again");

	n = spawn(argv[2], "hello\0from-cid\0", 15, NULL, 0, NULL, 0);
	pid = pid_of(&n);
	check(pid != 0, "spawn by CID");
	check(wait_pid(pid) == 0, "the program loaded by CID ran");

	n = spawn(argv[3], "spin\0", 5, NULL, 0, NULL, 0);
	pid = pid_of(&n);
	check(pid != 0 && listed("spin"), "spawn spin");
	check(kill_pid(pid).status == WOS_STATUS_OK, "kill spin");
	check(wait_pid(pid) == 137, "a killed process ends with 137");

	check(wait_pid(999999) == -1000 - E_NOENT, "wait for no such pid: ENOENT");
	n = kill_pid(999999);
	check(is_errno(&n, E_NOENT), "kill of no such pid: ENOENT");
	n = kill_pid(pid);
	check(is_errno(&n, E_NOENT), "kill of an ended pid: ENOENT");
	n = spawn(argv[1], "exit\0", 5, ifc_kv_id, 32, NULL, 0);
	check(is_errno(&n, E_ACCES), "spawn passing on kv, which it may not use: EACCES");
	n = spawn(argv[1], "exit\0", 5, NULL, 0, ifc_kv_id, 32);
	check(is_errno(&n, E_ACCES), "spawn passing on handling kv: EACCES");
	n = spawn(argv[1], "exit\0", 5, ifc_process_id, 31, NULL, 0);
	check(is_errno(&n, E_INVAL), "grants not a multiple of 32 bytes: EINVAL");
	n = spawn(argv[1], "exit", 4, NULL, 0, NULL, 0);
	check(is_errno(&n, E_INVAL), "args without their NUL: EINVAL");
	n = spawn("/dev/zero", "", 0, NULL, 0, NULL, 0);
	check(is_errno(&n, E_INVAL), "spawn of /dev/zero: EINVAL, not a kernel reading for ever");
	n = spawn("/", "", 0, NULL, 0, NULL, 0);
	check(is_errno(&n, E_ISDIR), "spawn of a folder: EISDIR");
	n = spawn("no/such/program.wasm", "", 0, NULL, 0, NULL, 0);
	check(is_errno(&n, E_NOENT), "spawn of a missing file: ENOENT");
	n = spawn("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "", 0, NULL, 0, NULL, 0);
	check(is_errno(&n, E_NOENT), "spawn of a CID not in the store: ENOENT");

	body[0] = 9;
	n = answer(send(ifc_process_id, 1, 0));
	check(is_errno(&n, E_NOSYS), "an unknown message: ENOSYS");
	n = answer(send(ifc_process_id, 0, 0));
	check(is_errno(&n, E_INVAL), "an empty body: EINVAL");
	body[0] = IFC_PROCESS_WAIT;
	n = answer(send(ifc_process_id, 5, 0));
	check(is_errno(&n, E_INVAL), "a cut wait: EINVAL");
	body[0] = IFC_KERNEL_DEBUG_STATS;
	body[1] = 0;
	n = answer(send(ifc_kernel_debug_id, 2, 0));
	check(is_errno(&n, E_INVAL), "kernel-debug with bytes left over: EINVAL");

	/* the loader, hostile and not */
	n = answer(send(ifc_loader_id, 3, 0));
	check(is_errno(&n, E_INVAL), "a loader body that does not decode: EINVAL");
	ifc_loader_get lm = { .cid = (const uint8_t *)"../../etc/passwd", .cid_len = 16 };
	n = answer(send(ifc_loader_id, ifc_loader_get_encode(&lm, body, sizeof body), 0));
	check(is_errno(&n, E_INVAL), "a loader.get of a path: EINVAL");
	lm.cid = (const uint8_t *)argv[2];
	lm.cid_len = (uint32_t)strlen(argv[2]);
	n = answer(send(ifc_loader_id, ifc_loader_get_encode(&lm, body, sizeof body), 0));
	ifc_loader_get_answer la;
	check(n.status == WOS_STATUS_OK && ifc_loader_get_answer_decode(n.body, n.body_len, &la) == 0 &&
		      la.bytes_len > 8 && !memcmp(la.bytes, "\0asm", 4),
	      "a loader.get of hello's CID gives a module");

	check(report_has(0, argv[0]), "kernel-debug processes names this process");
	check(report_has(1, "processes:"), "kernel-debug stats");
	printf("sys_proc: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
