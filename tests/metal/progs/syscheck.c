/* syscheck: the essential program of the metal test system (system/metal-test.sys,
 * tests/metal/boot_test.sh).  It ends the system, so it ends last: it waits, through
 * the process interface, for every other program to end, and checks how each did.
 *
 *   syscheck NAME=CODE... running=NAME...
 *
 * NAME=CODE: the process of that name (process.list) must end with exit code CODE
 * (process.wait).  running=NAME: that one must still run once all the others have
 * ended, and have used fuel: so they ran beside it, which only preemption allows
 * (spin never yields).  One line per check; exit 0 when all were as expected.  It
 * needs the grant to emit to process.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_all.h"
#include "loop.h"

static uint8_t body[256];
static int failed;

/* A process as process.list gives it. */
struct proc {
	uint64_t pid, fuel;
	uint8_t state;   /* 0 ready, 1 waiting, 2 dead */
};

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Finds the newest process called name; 0 when found. */
static int find(const char *name, struct proc *out)
{
	ifc_process_list m = { 0 };
	uint8_t *ans;
	uint32_t len;
	int e = wasmos_call_sync(ifc_process_id, body, ifc_process_list_encode(&m, body, sizeof body), &ans, &len);
	ifc_process_list_answer la;
	if (e || ifc_process_list_answer_decode(ans, len, &la)) {
		free(ans);
		return -1;
	}
	int found = -1;
	const uint8_t *p = la.entries, *end = la.entries + la.entries_len;
	/* pid u64, state u8, exit i32, memory, sent, received, fuel u64, name string */
	while (end - p >= 8 + 1 + 4 + 32 + 4) {
		uint32_t nlen = (uint32_t)le(p + 45, 4);
		if ((uint32_t)(end - p - 49) < nlen) break;
		if (nlen == strlen(name) && !memcmp(p + 49, name, nlen)) {
			out->pid = le(p, 8);
			out->state = p[8];
			out->fuel = le(p + 37, 8);
			found = 0;
		}
		p += 49 + nlen;
	}
	free(ans);
	return found;
}

static void check(int ok, const char *what, const char *name, long long got)
{
	printf("syscheck: %s %s: %s (%lld)\n", ok ? "ok  " : "FAIL", name, what, got);
	if (!ok) failed++;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || !strncmp(argv[i], "running=", 8)) continue;
		*eq = 0;
		struct proc p;
		if (find(argv[i], &p) != 0) {
			check(0, "is in process.list", argv[i], 0);
			continue;
		}
		ifc_process_wait wm = { .pid = p.pid };
		uint8_t *ans;
		uint32_t len;
		int e = wasmos_call_sync(ifc_process_id, body, ifc_process_wait_encode(&wm, body, sizeof body), &ans, &len);
		ifc_process_wait_answer wa;
		if (!e && ifc_process_wait_answer_decode(ans, len, &wa)) e = EINVAL;
		free(ans);
		long want = strtol(eq + 1, NULL, 10);
		check(!e && wa.exit_code == want, "ended with the exit code wanted", argv[i], e ? -e : wa.exit_code);
	}
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "running=", 8)) continue;
		struct proc p;
		int ok = find(argv[i] + 8, &p) == 0;
		check(ok && p.state != 2 && p.fuel > 0, "still runs, and has used fuel", argv[i] + 8,
		      ok ? (long long)p.fuel : 0);
	}
	printf("syscheck: %s\n", failed ? "FAILED" : "all ok");
	return failed ? 1 : 0;
}
