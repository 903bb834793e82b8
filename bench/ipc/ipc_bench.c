/* ipc_bench.c: the kernel's own numbers, in one run: message round trips per second
 * between two wasmos processes beside the same ping-pong between two Linux processes
 * over pipes; the time to spawn a process from inside a running kernel and run it to
 * its end; and the time of `wasmos run hello.wasm` as a whole process.
 *
 * Usage: ipc_bench PING.wasm PONG.wasm [HELLO.wasm WASMOS]
 * The wasmos side is one kernel with no native handlers but the kernel's own: ping
 * emits kv.get with an answer wanted and waits for it; pong handles kv and answers.
 * Both sides do PING_ROUNDS round trips.  Prints rates and their ratio; no
 * thresholds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "platform.h"
#include "ifc_kv.h"
#include "ifc_log.h"

#define PING_ROUNDS 200000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *alloc(void *ud, void *p, size_t old, size_t n)
{
	(void)ud;
	(void)old;
	if (!n) {
		free(p);
		return NULL;
	}
	return realloc(p, n);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void plat_log(void *ud, int level, const char *line, size_t len)
{
	(void)ud;
	if (level != KERN_LOG_INFO) fprintf(stderr, "kernel: %.*s\n", (int)len, line);
}

static uint64_t ping_pid;
static int ping_exit = -1;

static void ended(void *ud, uint64_t pid, int code)
{
	(void)ud;
	if (pid == ping_pid) ping_exit = code;
}

static const kern_platform plat = { plat_log, NULL, ended };

static double wasmos_rate(const char *ping, const char *pong)
{
	size_t plen, qlen;
	uint8_t *pb = slurp(ping, &plen), *qb = slurp(pong, &qlen);
	if (!pb || !qb) {
		fprintf(stderr, "ipc_bench: cannot read %s or %s\n", ping, pong);
		exit(1);
	}
	kern_config cfg = { .alloc = { alloc, NULL }, .plat = &plat };
	kern_state *k = kern_new(&cfg);
	const uint8_t(*kv)[KERN_ID_SIZE] = (const uint8_t(*)[KERN_ID_SIZE])ifc_kv_id;
	kern_spawn_args q = { .name = "pong", .wasm = qb, .wasm_len = qlen, .handle = kv, .nhandle = 1 };
	kern_spawn_args p = { .name = "ping", .wasm = pb, .wasm_len = plen, .allow = kv, .nallow = 1 };
	uint64_t qpid;
	eng_error err;
	if (kern_spawn(k, &q, &qpid, &err) || kern_spawn(k, &p, &ping_pid, &err)) {
		fprintf(stderr, "ipc_bench: spawn: %s\n", err.msg);
		exit(1);
	}
	double t0 = now_s();
	while (ping_exit < 0 && kern_has_ready(k)) kern_run_ready(k);
	double t = now_s() - t0;
	if (ping_exit != 0) {
		fprintf(stderr, "ipc_bench: ping did not finish (exit %d)\n", ping_exit);
		exit(1);
	}
	kern_free(k);
	free(pb);
	free(qb);
	return PING_ROUNDS / t;
}

static double pipe_rate(void)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from)) exit(1);
	pid_t c = fork();
	if (c == 0) {
		char b[8];
		for (int i = 0; i < PING_ROUNDS; i++) {
			if (read(to[0], b, sizeof b) != sizeof b) _exit(1);
			if (write(from[1], b, sizeof b) != sizeof b) _exit(1);
		}
		_exit(0);
	}
	char b[8] = "pingpon";
	double t0 = now_s();
	for (int i = 0; i < PING_ROUNDS; i++) {
		if (write(to[1], b, sizeof b) != sizeof b || read(from[0], b, sizeof b) != sizeof b) exit(1);
	}
	double t = now_s() - t0;
	waitpid(c, NULL, 0);
	return PING_ROUNDS / t;
}

/* A log handler that swallows output: spawning is measured, not the terminal. */
static void log_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	if (d->id) kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
}

static const kern_native log_ops = { log_message, NULL };

#define SPAWNS 200

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median microseconds from kern_spawn of hello to its end, inside one kernel. */
static double spawn_us(const char *hello)
{
	size_t len;
	uint8_t *b = slurp(hello, &len);
	if (!b) {
		fprintf(stderr, "ipc_bench: cannot read %s\n", hello);
		exit(1);
	}
	kern_config cfg = { .alloc = { alloc, NULL }, .plat = &plat };
	kern_state *k = kern_new(&cfg);
	kern_native_register(k, ifc_log_id, &log_ops, NULL);
	static double t[SPAWNS];
	for (int i = 0; i < SPAWNS; i++) {
		kern_spawn_args a = { .name = "hello", .wasm = b, .wasm_len = len };
		uint64_t pid;
		eng_error err;
		double t0 = now_s();
		ping_pid = 0;
		if (kern_spawn(k, &a, &pid, &err)) {
			fprintf(stderr, "ipc_bench: spawn hello: %s\n", err.msg);
			exit(1);
		}
		while (kern_has_ready(k)) kern_run_ready(k);
		t[i] = (now_s() - t0) * 1e6;
		kern_reap(k, pid);
	}
	kern_free(k);
	free(b);
	qsort(t, SPAWNS, sizeof t[0], cmp_double);
	return t[SPAWNS / 2];
}

/* Median milliseconds of `wasmos run hello.wasm`, start to exit. */
static double run_ms(const char *wasmos, const char *hello)
{
	static double t[21];
	for (int i = 0; i < 21; i++) {
		fflush(stdout); /* or the child's freopen writes our buffer again */
		double t0 = now_s();
		pid_t c = fork();
		if (c == 0) {
			if (!freopen("/dev/null", "w", stdout)) _exit(127);
			execl(wasmos, wasmos, "run", hello, (char *)NULL);
			_exit(127);
		}
		int st;
		waitpid(c, &st, 0);
		t[i] = (now_s() - t0) * 1e3;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "ipc_bench: %s run %s failed\n", wasmos, hello);
			exit(1);
		}
	}
	qsort(t, 21, sizeof t[0], cmp_double);
	return t[10];
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: ipc_bench PING.wasm PONG.wasm [HELLO.wasm WASMOS]\n");
		return 64;
	}
	double w = wasmos_rate(argv[1], argv[2]);
	double p = pipe_rate();
	printf("ipc: %d round trips: wasmos %.0f/s, pipes between Linux processes %.0f/s, "
	       "wasmos/pipes %.2fx\n", PING_ROUNDS, w, p, w / p);
	if (argc == 5) {
		printf("spawn: hello spawned and run to its end inside a kernel: %.0f us (median of %d)\n",
		       spawn_us(argv[3]), SPAWNS);
		printf("start-up: wasmos run hello.wasm, start to exit: %.2f ms (median of 21)\n",
		       run_ms(argv[4], argv[3]));
	}
	return 0;
}
