/* process_test.c: tests for process.c, the native `process` handler (spawn, wait,
 * kill, list).  A hosted program over a kernel with the fake platform (testkit.h), a
 * fake reader of programs by path, and a native loader; messages are sent with
 * kern_msg_emit, from the kernel or from a halted script process, and their answers
 * recorded.  It prints each test's name and ok or FAIL, then "N passed, N failed"; a
 * test that leaks fails.
 */
#include "testkit.h"
#include "cid.h"
#include "ifc_loader.h"
#include "ifc_process.h"

enum { E_2BIG = 1, E_ACCES = 2, E_INVAL = 28, E_NOENT = 44, E_NOEXEC = 45, E_NOMEM = 48, E_NOSYS = 52 };

/* ---- a reader of programs by path, and a loader ------------------------------------- */

typedef struct paths {
	int reads, releases;
	int fail;                 /* nonzero: read answers this errno */
	const uint8_t *bytes;     /* what every path holds */
	size_t len;
	char last[64];
} paths;

static int path_read(void *ud, const char *path, uint8_t **bytes, size_t *len, char *why, size_t whylen)
{
	paths *p = ud;
	p->reads++;
	snprintf(p->last, sizeof p->last, "%s", path);
	if (p->fail) {
		snprintf(why, whylen, "fake failure");
		return p->fail;
	}
	*bytes = malloc(p->len);
	if (!*bytes) return 48;
	memcpy(*bytes, p->bytes, p->len);
	*len = p->len;
	return 0;
}

static void path_release(void *ud, uint8_t *bytes, size_t len)
{
	paths *p = ud;
	(void)len;
	p->releases++;
	free(bytes);
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_loader_get_answer a = { .bytes = script_wasm, .bytes_len = sizeof script_wasm };
	uint8_t buf[sizeof script_wasm + 8];
	uint32_t len = ifc_loader_get_answer_encode(&a, buf, sizeof buf);
	kern_answer(k, d->id, buf, len, KERN_ANSWER_OK);
}

static const kern_native loader_ops = { loader_message, NULL };

/* A kernel over the fake platform with the process handler reading through p (NULL:
 * by CID only) and the loader. */
static int open_kernel(kt *t, paths *p)
{
	if (kt_open(t, NULL)) return 1;
	kern_path_reader r = { path_read, path_release, p };
	if (kern_process_register(t->k, p ? &r : NULL) != 0 ||
	    kern_native_register(t->k, ifc_loader_id, &loader_ops, NULL) != 0) {
		kt_close(t);
		return 1;
	}
	return 0;
}

/* ---- asking and answers ---------------------------------------------------------------- */

typedef struct reply {
	int calls;
	int status;
	uint8_t body[8192];
	uint32_t len;
} reply;

static void on_reply(kern_state *k, void *ud, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	reply *r = ud;
	r->calls++;
	r->status = status;
	r->len = len < sizeof r->body ? len : (uint32_t)sizeof r->body;
	if (r->len) memcpy(r->body, body, r->len);
}

/* Sends body to process from `from` (0: the kernel); the emit's code. */
static int ask(kt *t, uint64_t from, const uint8_t *body, uint32_t len, reply *r)
{
	memset(r, 0, sizeof *r);
	kern_proc *p = from ? kern_proc_find(t->k, from) : NULL;
	uint64_t id;
	return kern_msg_emit(t->k, p, ifc_process_id, body, len, 0, on_reply, r, &id);
}

static int reply_errno(const reply *r)
{
	return r->calls == 1 && r->status == KERN_ANSWER_ERROR && r->len == 2 ? r->body[0] | r->body[1] << 8 : -1;
}

static uint64_t reply_pid(const reply *r)
{
	ifc_process_spawn_answer a;
	if (r->calls != 1 || r->status != KERN_ANSWER_OK || ifc_process_spawn_answer_decode(r->body, r->len, &a))
		return 0;
	return a.pid;
}

static int reply_exit(const reply *r)
{
	ifc_process_wait_answer a;
	if (r->calls != 1 || r->status != KERN_ANSWER_OK || ifc_process_wait_answer_decode(r->body, r->len, &a))
		return -999;
	return a.exit_code;
}

/* Asks for a spawn; NULL lists are empty. */
static int ask_spawn(kt *t, uint64_t from, const char *program, const void *args, uint32_t args_len,
		     const void *grants, uint32_t grants_len, reply *r)
{
	ifc_process_spawn m = { .program = (const uint8_t *)program, .program_len = (uint32_t)strlen(program),
				.args = args, .args_len = args_len, .grants = grants, .grants_len = grants_len };
	static uint8_t body[16384];
	uint32_t len = ifc_process_spawn_encode(&m, body, sizeof body);
	return ask(t, from, body, len, r);
}

static int ask_wait(kt *t, uint64_t from, uint64_t pid, reply *r)
{
	ifc_process_wait m = { .pid = pid };
	uint8_t body[16];
	return ask(t, from, body, ifc_process_wait_encode(&m, body, sizeof body), r);
}

/* A script process that blocks for ever, with grants `allow`. */
static uint64_t halted(kt *t, const uint8_t (*allow)[KERN_ID_SIZE], uint32_t nallow)
{
	static const kt_cmd halt[] = { { OP_HALT, 0, 0, 0, 0, 0 } };
	kern_spawn_args a = { .name = "holder", .allow = allow, .nallow = nallow };
	uint64_t pid = 0;
	if (kt_spawn(t, &a, halt, 1, &pid) != 0) return 0;
	kt_run(t);
	return pid;
}

/* ---- spawn ----------------------------------------------------------------------------- */

static int test_process_spawn_by_path_reads_through_the_platform(void)
{
	kt t;
	paths p = { .bytes = script_wasm, .len = sizeof script_wasm };
	CHECK(open_kernel(&t, &p) == 0);
	reply r;
	static const char args[] = "/bin/tool\0-x\0";
	CHECK_EQ(ask_spawn(&t, 0, "progs/tool.wasm", args, sizeof args - 1, NULL, 0, &r), 0);
	uint64_t pid = reply_pid(&r);
	CHECK(pid != 0);
	CHECK(strcmp(p.last, "progs/tool.wasm") == 0);
	CHECK_EQ(p.reads, 1);
	CHECK_EQ(p.releases, 1);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, pid, &info), 0);
	CHECK(strcmp(info.name, "tool") == 0); /* the base name of args[0] */
	/* without args, the base name of the path */
	CHECK_EQ(ask_spawn(&t, 0, "progs/other.wasm", NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(kern_proc_get(t.k, reply_pid(&r), &info), 0);
	CHECK(strcmp(info.name, "other.wasm") == 0);
	kt_run(&t);
	kt_close(&t);
	return 0;
}

static int test_process_spawn_path_errors_are_the_readers(void)
{
	kt t;
	paths p = { .bytes = script_wasm, .len = sizeof script_wasm, .fail = 31 };
	CHECK(open_kernel(&t, &p) == 0);
	reply r;
	CHECK_EQ(ask_spawn(&t, 0, "some/dir", NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), 31);
	CHECK_EQ(p.releases, 0);
	/* bytes that are no module: ENOEXEC, logged with the engine's reason */
	p.fail = 0;
	p.bytes = (const uint8_t *)"not wasm";
	p.len = 8;
	CHECK_EQ(ask_spawn(&t, 0, "bad.wasm", NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_NOEXEC);
	CHECK_EQ(p.releases, 1);
	CHECK(kt_log_count(&t, "process.spawn: bad.wasm", NULL) == 1);
	kt_close(&t);
	return 0;
}

static int test_process_spawn_without_a_reader_takes_cids_only(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	reply r;
	CHECK_EQ(ask_spawn(&t, 0, "hello.wasm", NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_NOENT);
	CHECK(kt_log_count(&t, "not a CID", "reads no paths") == 1);
	char cid[WOS_CID_MAX];
	wos_cid_of(script_wasm, sizeof script_wasm, cid);
	CHECK_EQ(ask_spawn(&t, 0, cid, NULL, 0, NULL, 0, &r), 0);
	uint64_t pid = reply_pid(&r);
	CHECK(pid != 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, pid, &info), 0);
	CHECK(strcmp(info.name, cid) == 0); /* named by its CID */
	/* a CID the loader's bytes do not match: ENOEXEC */
	wos_cid_of("other", 5, cid);
	CHECK_EQ(ask_spawn(&t, 0, cid, NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_NOEXEC);
	kt_run(&t);
	kt_close(&t);
	return 0;
}

static int test_process_spawn_bad_bodies_are_einval(void)
{
	kt t;
	paths p = { .bytes = script_wasm, .len = sizeof script_wasm };
	CHECK(open_kernel(&t, &p) == 0);
	reply r;
	CHECK_EQ(ask_spawn(&t, 0, "", NULL, 0, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_INVAL);
	CHECK_EQ(ask_spawn(&t, 0, "a.wasm", "no-nul", 6, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_INVAL);
	CHECK_EQ(ask_spawn(&t, 0, "a.wasm", NULL, 0, kt_id_a, 31, &r), 0);
	CHECK_EQ(reply_errno(&r), E_INVAL);
	/* 1025 strings: one too many; 1024 are taken */
	static char many[1025 * 2];
	for (int i = 0; i < 1025; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = 0;
	}
	CHECK_EQ(ask_spawn(&t, 0, "a.wasm", many, sizeof many, NULL, 0, &r), 0);
	CHECK_EQ(reply_errno(&r), E_INVAL);
	CHECK_EQ(ask_spawn(&t, 0, "a.wasm", many, sizeof many - 2, NULL, 0, &r), 0);
	CHECK(reply_pid(&r) != 0);
	/* every truncation of a good body */
	ifc_process_spawn m = { .program = (const uint8_t *)"a.wasm", .program_len = 6, .args = (const uint8_t *)"x",
				.args_len = 2, .grants = kt_id_a, .grants_len = 32 };
	uint8_t body[256];
	uint32_t len = ifc_process_spawn_encode(&m, body, sizeof body);
	for (uint32_t n = 0; n < len; n++) {
		CHECK_EQ(ask(&t, 0, body, n, &r), 0);
		CHECK_EQ(reply_errno(&r), E_INVAL);
	}
	/* an unknown message: ENOSYS */
	uint8_t odd[2] = { 9, 0 };
	CHECK_EQ(ask(&t, 0, odd, 2, &r), 0);
	CHECK_EQ(reply_errno(&r), E_NOSYS);
	CHECK_EQ(p.reads, 1);
	kt_run(&t);
	kt_close(&t);
	return 0;
}

static int test_process_spawn_passes_on_only_what_the_spawner_holds(void)
{
	kt t;
	paths p = { .bytes = script_wasm, .len = sizeof script_wasm };
	CHECK(open_kernel(&t, &p) == 0);
	uint64_t holder = halted(&t, (const uint8_t(*)[KERN_ID_SIZE])ifc_process_id, 1);
	CHECK(holder != 0);
	reply r;
	CHECK_EQ(ask_spawn(&t, holder, "a.wasm", NULL, 0, kt_id_a, 32, &r), 0);
	CHECK_EQ(reply_errno(&r), E_ACCES);
	CHECK(kt_log_count(&t, "may not pass on", NULL) == 1);
	CHECK_EQ(p.reads, 0);
	/* process itself it holds: passed on */
	CHECK_EQ(ask_spawn(&t, holder, "a.wasm", NULL, 0, ifc_process_id, 32, &r), 0);
	uint64_t child = reply_pid(&r);
	CHECK(child != 0);
	CHECK(kern_proc_granted(t.k, child, ifc_process_id, KERN_GRANT_EMIT));
	CHECK(!kern_proc_granted(t.k, child, kt_id_a, KERN_GRANT_EMIT));
	kt_close(&t);
	return 0;
}

/* Every allocation of a spawn by path and by CID refused in turn: an answer (or a
 * refused emit) each time, never a leak or a crash. */
static int test_process_spawn_out_of_memory_loop(void)
{
	char cid[WOS_CID_MAX];
	wos_cid_of(script_wasm, sizeof script_wasm, cid);
	for (int by_cid = 0; by_cid < 2; by_cid++) {
		for (long n = 1;; n++) {
			kt t;
			paths p = { .bytes = script_wasm, .len = sizeof script_wasm };
			CHECK(open_kernel(&t, &p) == 0);
			reply r;
			test_heap_fail_at(n, false);
			int rc = ask_spawn(&t, 0, by_cid ? cid : "a.wasm", "a\0", 2, NULL, 0, &r);
			bool refused = g_heap.refused != 0;
			test_heap_fail_at(0, false);
			CHECK(rc == 0 || rc == KERN_ENOMEM);
			CHECK(rc != 0 || r.calls == 1);
			kt_run(&t);
			kt_close(&t);
			CHECK_EQ(g_heap.live, 0);
			if (!refused) {
				CHECK(reply_pid(&r) != 0);
				break;
			}
		}
	}
	return 0;
}

/* ---- wait, kill, list ------------------------------------------------------------------- */

static int test_process_wait_answers_when_the_process_ends(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	static const kt_cmd trap[] = { { OP_TRAP, 0, 0, 0, 0, 0 } };
	uint64_t pid, done;
	CHECK_EQ(kt_spawn(&t, NULL, trap, 1, &pid), 0);
	CHECK_EQ(kt_spawn(&t, NULL, NULL, 0, &done), 0);
	reply w1, w2, w3, w4;
	CHECK_EQ(ask_wait(&t, 0, pid, &w1), 0);
	CHECK_EQ(ask_wait(&t, 0, pid, &w2), 0);
	CHECK_EQ(w1.calls + w2.calls, 0);
	kt_run(&t);
	CHECK_EQ(reply_exit(&w1), 134);
	CHECK_EQ(reply_exit(&w2), 134);
	/* an ended process: at once; a pid that never was: ENOENT */
	CHECK_EQ(ask_wait(&t, 0, done, &w3), 0);
	CHECK_EQ(reply_exit(&w3), 0);
	CHECK_EQ(ask_wait(&t, 0, 999, &w4), 0);
	CHECK_EQ(reply_errno(&w4), E_NOENT);
	kt_close(&t);
	return 0;
}

static int test_process_waiter_that_ends_first_leaves_nothing_held(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	uint64_t target = halted(&t, NULL, 0);
	uint64_t waiter = halted(&t, (const uint8_t(*)[KERN_ID_SIZE])ifc_process_id, 1);
	reply r;
	CHECK_EQ(ask_wait(&t, waiter, target, &r), 0);
	kern_stats s;
	kern_stats_get(t.k, &s);
	CHECK_EQ(s.messages_pending, 1);
	CHECK_EQ(kern_kill(t.k, waiter, NULL), 0);
	kern_stats_get(t.k, &s);
	CHECK_EQ(s.messages_pending, 0);
	/* the target's end later answers nobody */
	CHECK_EQ(kern_kill(t.k, target, NULL), 0);
	CHECK_EQ(r.calls, 0);
	kt_close(&t);
	return 0;
}

static int test_process_kill_ends_with_137(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	uint64_t pid = halted(&t, NULL, 0);
	ifc_process_kill m = { .pid = pid };
	uint8_t body[16];
	uint32_t len = ifc_process_kill_encode(&m, body, sizeof body);
	reply r;
	CHECK_EQ(ask(&t, 0, body, len, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_OK && r.len == 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, pid, &info), 0);
	CHECK_EQ(info.state, KERN_PROC_DEAD);
	CHECK_EQ(info.exit_code, 137);
	CHECK_EQ(ask(&t, 0, body, len, &r), 0);
	CHECK_EQ(reply_errno(&r), E_NOENT);
	CHECK_EQ(ask(&t, 0, body, len - 1, &r), 0);
	CHECK_EQ(reply_errno(&r), E_INVAL);
	kt_close(&t);
	return 0;
}

static uint64_t rd(const uint8_t *b, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
	return v;
}

static int test_process_list_gives_one_record_per_process(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	uint64_t a = halted(&t, NULL, 0);
	uint64_t b = halted(&t, NULL, 0);
	CHECK_EQ(kern_kill(t.k, b, NULL), 0);
	uint8_t body[1] = { IFC_PROCESS_LIST };
	reply r;
	CHECK_EQ(ask(&t, 0, body, 1, &r), 0);
	ifc_process_list_answer l;
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_OK);
	CHECK_EQ(ifc_process_list_answer_decode(r.body, r.len, &l), 0);
	/* two records of 49 bytes and "holder" */
	CHECK_EQ(l.entries_len, 2 * (49 + 6));
	const uint8_t *e = l.entries;
	CHECK_EQ(rd(e, 8), a);
	CHECK_EQ(e[8], KERN_PROC_WAITING);
	CHECK(rd(e + 13, 8) >= 65536); /* memory */
	CHECK_EQ(rd(e + 45, 4), 6);
	CHECK(memcmp(e + 49, "holder", 6) == 0);
	e += 55;
	CHECK_EQ(rd(e, 8), b);
	CHECK_EQ(e[8], KERN_PROC_DEAD);
	CHECK_EQ(rd(e + 9, 4), 137);
	kt_close(&t);
	return 0;
}

static int test_process_register_twice_is_eexist(void)
{
	kt t;
	CHECK(open_kernel(&t, NULL) == 0);
	CHECK_EQ(kern_process_register(t.k, NULL), KERN_EEXIST);
	kt_close(&t);
	return 0;
}

static const test_case tests[] = {
	TEST(test_process_spawn_by_path_reads_through_the_platform),
	TEST(test_process_spawn_path_errors_are_the_readers),
	TEST(test_process_spawn_without_a_reader_takes_cids_only),
	TEST(test_process_spawn_bad_bodies_are_einval),
	TEST(test_process_spawn_passes_on_only_what_the_spawner_holds),
	TEST(test_process_spawn_out_of_memory_loop),
	TEST(test_process_wait_answers_when_the_process_ends),
	TEST(test_process_waiter_that_ends_first_leaves_nothing_held),
	TEST(test_process_kill_ends_with_137),
	TEST(test_process_list_gives_one_record_per_process),
	TEST(test_process_register_twice_is_eexist),
};

int main(void)
{
	kt_watchdog(60);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
