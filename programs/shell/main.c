/* shell: a command line for wasmos, on the `process` interface.
 *
 * Reads lines from stdin (WASI fd 0, which the kernel serves through `stdin`) after
 * the prompt "wasmos> ", and runs:
 *
 *   run [-a IFACE]... [-h IFACE]... PROGRAM [ARGS...]
 *                 spawn PROGRAM (a CID, or a path: on metal the name of a program
 *                 of the boot bundle) and wait for it to end; -a lets it
 *                 emit to IFACE, -h lets it handle IFACE (the shell can pass on only
 *                 what it was granted itself)
 *   start ...     the same, without waiting: prints the pid
 *   ps            the processes (process.list)
 *   kill PID      end a process
 *   interfaces    the interfaces this shell was built with, and their ids
 *   help, exit    (the end of input exits too)
 *
 * It needs the grants to emit to process and stdin.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_all.h"
#include "loop.h"

/* Words in one command line, and bytes in one line. */
#define MAX_WORDS 64
#define MAX_LINE 1024

static const char *state_name[] = { "ready", "waiting", "dead" };

/* One encoded message at a time: emit copies it, so it is free again at once. */
static uint8_t body[2 * MAX_LINE + 2 * MAX_WORDS * 32];

/* Calls process with the n bytes encoded in body and waits (wasmos_call_sync). */
static int call_process(uint32_t n, uint8_t **answer, uint32_t *answer_len)
{
	if (answer) *answer = NULL;
	if (n > sizeof body) return E2BIG;
	return wasmos_call_sync(ifc_process_id, body, n, answer, answer_len);
}

static int split(char *line, char **w)
{
	int n = 0;
	for (char *t = strtok(line, " \t\r\n"); t && n < MAX_WORDS; t = strtok(NULL, " \t\r\n"))
		w[n++] = t;
	return n;
}

/* Appends the id of interface name to ids (ncap ids of room); false if unknown. */
static int add_iface(uint8_t *ids, uint32_t *n, const char *name)
{
	const ifc_all_info *i = ifc_all_by_name(name, strlen(name));
	if (!i) {
		printf("unknown interface '%s' (see: interfaces)\n", name);
		return -1;
	}
	if (*n == MAX_WORDS) return -1;
	memcpy(ids + *n * 32, i->id, 32);
	(*n)++;
	return 0;
}

/* `run`/`start`: spawns w[0..n) (options first); waits when wait is set. */
static void run(char **w, int n, int wait)
{
	static uint8_t grants[MAX_WORDS * 32], handles[MAX_WORDS * 32];
	uint32_t ngrants = 0, nhandles = 0;
	int i = 0;
	for (; i + 1 < n && (!strcmp(w[i], "-a") || !strcmp(w[i], "-h")); i += 2) {
		int bad = w[i][1] == 'a' ? add_iface(grants, &ngrants, w[i + 1])
					 : add_iface(handles, &nhandles, w[i + 1]);
		if (bad) return;
	}
	if (i == n) {
		printf("usage: %s [-a IFACE]... [-h IFACE]... PROGRAM [ARGS...]\n", wait ? "run" : "start");
		return;
	}
	/* args: every word from the program on, each followed by a NUL */
	char args[MAX_LINE];
	uint32_t alen = 0;
	for (int j = i; j < n; j++) {
		size_t l = strlen(w[j]) + 1;
		memcpy(args + alen, w[j], l);
		alen += (uint32_t)l;
	}
	ifc_process_spawn m = {
		.program = (const uint8_t *)w[i], .program_len = (uint32_t)strlen(w[i]),
		.args = (const uint8_t *)args, .args_len = alen,
		.env = NULL, .env_len = 0,
		.grants = grants, .grants_len = ngrants * 32,
		.handles = handles, .handles_len = nhandles * 32,
	};
	uint8_t *ans;
	uint32_t len;
	int e = call_process(ifc_process_spawn_encode(&m, body, sizeof body), &ans, &len);
	ifc_process_spawn_answer sa;
	if (!e && ifc_process_spawn_answer_decode(ans, len, &sa)) e = EINVAL;
	free(ans);
	if (e) {
		printf("%s: %s\n", w[i], strerror(e));
		return;
	}
	if (!wait) {
		printf("[%" PRIu64 "] %s\n", sa.pid, w[i]);
		return;
	}
	ifc_process_wait wm = { .pid = sa.pid };
	e = call_process(ifc_process_wait_encode(&wm, body, sizeof body), &ans, &len);
	ifc_process_wait_answer wa;
	if (!e && ifc_process_wait_answer_decode(ans, len, &wa)) e = EINVAL;
	free(ans);
	if (e) printf("wait %" PRIu64 ": %s\n", sa.pid, strerror(e));
	else if (wa.exit_code) printf("[%" PRIu64 "] exited with %" PRId32 "\n", sa.pid, wa.exit_code);
}

/* Reads one field of a list record; false when the record is cut short. */
static int take(const uint8_t **p, const uint8_t *end, void *out, uint32_t size)
{
	if ((uint32_t)(end - *p) < size) return 0;
	uint64_t v = 0;
	for (uint32_t i = 0; i < size; i++) v |= (uint64_t)(*p)[i] << (8 * i);
	memcpy(out, &v, size);  /* little-endian Wasm: the low bytes come first */
	*p += size;
	return 1;
}

static void ps(void)
{
	ifc_process_list m = { 0 };
	uint8_t *ans;
	uint32_t len;
	int e = call_process(ifc_process_list_encode(&m, body, sizeof body), &ans, &len);
	ifc_process_list_answer la;
	if (!e && ifc_process_list_answer_decode(ans, len, &la)) e = EINVAL;
	if (e) {
		printf("ps: %s\n", strerror(e));
		free(ans);
		return;
	}
	printf("%6s %-8s %5s %10s %8s %8s %12s  %s\n", "PID", "STATE", "EXIT", "MEMORY", "SENT",
	       "RECEIVED", "FUEL", "NAME");
	const uint8_t *p = la.entries, *end = la.entries + la.entries_len;
	while (p < end) {
		uint64_t pid, mem, sent, recv, fuel;
		uint8_t state;
		int32_t code;
		uint32_t nlen;
		if (!take(&p, end, &pid, 8) || !take(&p, end, &state, 1) || !take(&p, end, &code, 4) ||
		    !take(&p, end, &mem, 8) || !take(&p, end, &sent, 8) || !take(&p, end, &recv, 8) ||
		    !take(&p, end, &fuel, 8) || !take(&p, end, &nlen, 4) || (uint32_t)(end - p) < nlen) {
			printf("ps: a record is cut short\n");
			break;
		}
		char exit_text[16] = "-";
		if (state == 2) snprintf(exit_text, sizeof exit_text, "%" PRId32, code);
		printf("%6" PRIu64 " %-8s %5s %9" PRIu64 "K %8" PRIu64 " %8" PRIu64 " %12" PRIu64 "  %.*s\n",
		       pid, state < 3 ? state_name[state] : "?", exit_text, mem >> 10, sent, recv, fuel,
		       (int)nlen, (const char *)p);
		p += nlen;
	}
	free(ans);
}

static void kill_pid(const char *arg)
{
	char *end;
	errno = 0;
	unsigned long long pid = strtoull(arg, &end, 10);
	if (errno || *end || end == arg) {
		printf("kill: '%s' is not a pid\n", arg);
		return;
	}
	ifc_process_kill m = { .pid = pid };
	int e = call_process(ifc_process_kill_encode(&m, body, sizeof body), NULL, NULL);
	if (e) printf("kill %llu: %s\n", pid, strerror(e));
}

static void interfaces(void)
{
	for (uint32_t i = 0; i < IFC_ALL_COUNT; i++) {
		printf("%-14s ", ifc_all[i].name);
		for (int j = 0; j < 32; j++) printf("%02x", ifc_all[i].id[j]);
		printf("  %u messages\n", ifc_all[i].nmessages);
	}
}

static void help(void)
{
	printf("commands:\n"
	       "  run [-a IFACE]... [-h IFACE]... PROGRAM [ARGS...]   run and wait\n"
	       "  start [-a IFACE]... [-h IFACE]... PROGRAM [ARGS...] run in the background\n"
	       "  ps              list processes\n"
	       "  kill PID        end a process\n"
	       "  interfaces      list the interfaces this shell knows\n"
	       "  help            this text\n"
	       "  exit            leave\n"
	       "PROGRAM is a CID (bafkrei...) or a path (on metal: a program's name in the boot\n"
	       "bundle); -a grants emitting to IFACE, -h handling it.\n");
}

int main(void)
{
	char line[MAX_LINE];
	char *w[MAX_WORDS];
	for (;;) {
		printf("wasmos> ");
		fflush(stdout);
		if (!fgets(line, sizeof line, stdin)) break;
		int n = split(line, w);
		if (n == 0) continue;
		if (!strcmp(w[0], "exit")) return 0;
		else if (!strcmp(w[0], "help")) help();
		else if (!strcmp(w[0], "run")) run(w + 1, n - 1, 1);
		else if (!strcmp(w[0], "start")) run(w + 1, n - 1, 0);
		else if (!strcmp(w[0], "ps")) ps();
		else if (!strcmp(w[0], "kill") && n == 2) kill_pid(w[1]);
		else if (!strcmp(w[0], "interfaces")) interfaces();
		else printf("%s: unknown command (try help)\n", w[0]);
		fflush(stdout);
	}
	printf("\n");
	return 0;
}
