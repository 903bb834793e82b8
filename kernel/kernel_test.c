/* kernel_test.c: the kernel as a whole under memory pressure (kernel.c and all it
 * calls).  As SQLite tests: run one whole scenario (kern_new, native handlers, spawn,
 * messages every way, a waiting message, a trap, a kill, kern_free) with the Nth
 * allocation refused, for N = 1, 2, ... until the scenario runs without a refusal;
 * once refusing one call, once refusing every call from the Nth on.  Whatever fails,
 * nothing may crash, and every byte must come back.
 */
#include "testkit.h"

static kt t;
static kt_native nb;

static const kern_spawn_args client_a = { .name = "client", .allow = &kt_id_a, .nallow = 1,
					  .limits.fuel_slice = 5000 };
static const kern_spawn_args handler_a = { .name = "handler", .handle = &kt_id_a, .nhandle = 1 };

/* The scenario.  Sets *whole when every step did what it does with memory to spare. */
static int scenario(bool *whole)
{
	*whole = false;
	memset(&nb, 0, sizeof nb);
	nb.answer_now = true;
	if (kt_open(&t, NULL) != 0) return 0;
	static const uint8_t ab[2][KERN_ID_SIZE] = { "kernel test interface A", "kernel test interface B" };
	kern_spawn_args ca = client_a;
	ca.allow = ab;
	ca.nallow = 2;
	int nrc = kern_native_register(t.k, kt_id_b, &kt_native_ops, &nb);
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER | F_WAIT, S_ID(0) }, /* waits for h */
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER, S_ID(1) },          /* answered at once */
		{ OP_EMIT, S_ID_REPORT, S_IOV_PING, 1, F_ANSWER, S_ID(2) },     /* held for good */
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_LOOPN, 20000, 0, 0, 0, 0 },                                /* a few slices */
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	/* answers whatever comes, as messages waiting for it come before its register
	 * answer (answering that, or a message that wants none, fails harmlessly) */
	const kt_cmd hs[] = {
		{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(31) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_ANSWER, S_BUF(0) + 8, S_IOV_PONG, 1, 0, 0 },
		{ OP_JUMP, 1, 0, 0, 0, 0 },
	};
	const kt_cmd traps[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, 0, 0 },
		{ OP_TRAP, 0, 0, 0, 0, 0 },
	};
	/* enough held messages to grow the id table, some of them cancelled */
	enum { MANY = 60, CANCELS = 10 };
	kt_cmd many[MANY + CANCELS + 1];
	for (uint32_t i = 0; i < MANY; i++)
		many[i] = (kt_cmd){ OP_EMIT, S_ID_REPORT, S_IOV_PING, 1, F_ANSWER, S_ID(i) };
	for (uint32_t i = 0; i < CANCELS; i++) many[MANY + i] = (kt_cmd){ OP_CANCEL, S_ID(i), 0, 0, 0, 0 };
	many[MANY + CANCELS] = (kt_cmd){ OP_HALT, 0, 0, 0, 0, 0 };
	uint64_t c = 0, h = 0, tr = 0, m = 0;
	int rc1 = kt_spawn(&t, &ca, cs, KT_NCMDS(cs), &c);
	int rc2 = kt_spawn(&t, &ca, traps, KT_NCMDS(traps), &tr);
	int rc4 = kt_spawn(&t, NULL, many, KT_NCMDS(many), &m);
	kt_run(&t);
	int rc3 = kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h);
	kt_run(&t);
	bool answered = !rc1 && kt_result(&t, c, 3) == KERN_NOTE_HEADER &&
			kt_result(&t, c, 4) == KERN_NOTE_HEADER + 4 && kt_pc(&t, c) == 6;
	if (!rc3) kern_kill(t.k, h, NULL);
	kt_run(&t);
	bool cancelled = !rc4 && kt_pc(&t, m) == MANY + CANCELS && kt_result(&t, m, MANY + CANCELS - 1) == 0;
	*whole = !nrc && !rc1 && !rc2 && !rc3 && answered && cancelled && nb.n == 2 &&
		 nb.nended == 1 && t.report.n == 1 + MANY;
	kt_close(&t);
	return 0;
}

static int oom_loop(bool for_good)
{
	bool whole;
	long n;
	CHECK(scenario(&whole) == 0);
	CHECK(whole); /* with memory to spare it works */
	CHECK_EQ(g_heap.live, 0);
	for (n = 1; n < 100000; n++) {
		test_heap_fail_at(n, for_good);
		CHECK(scenario(&whole) == 0);
		if (g_heap.live != 0 || g_heap.bad_sizes != 0) {
			fprintf(stderr, "  refusing allocation %ld%s: %zu bytes left, %ld bad sizes\n", n,
				for_good ? " and on" : "", g_heap.live, g_heap.bad_sizes);
			return 1;
		}
		if (g_heap.refused == 0) break;
	}
	test_heap_fail_at(0, false);
	if (getenv("KT_VERBOSE")) fprintf(stderr, "  %ld allocations\n", n);
	CHECK(n > 100);  /* the loop did go through the scenario's allocations */
	CHECK(whole);
	return 0;
}

static int test_kernel_oom_once_never_crashes_or_leaks(void) { return oom_loop(false); }
static int test_kernel_oom_for_good_never_crashes_or_leaks(void) { return oom_loop(true); }

/* An answer always has a place: the kernel keeps it when the message is sent, so
 * running out of memory when the answer comes cannot lose it (the client would wait
 * forever).  Without memory for its body, it arrives as an error without one. */
static int test_kernel_answer_arrives_when_memory_runs_out(void)
{
	static kt_native na;
	memset(&na, 0, sizeof na);
	CHECK(kt_open(&t, NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, S_ID(0), 1, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, S_ID(1), 1, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 2);
	test_heap_fail_at(1, true);
	int rc = kern_answer(t.k, na.msgs[0].id, "world", 5, KERN_ANSWER_OK);
	test_heap_fail_at(0, false);
	CHECK_EQ(rc, 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 2), KERN_NOTE_HEADER);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_ERROR, na.msgs[0].id, kt_id_a, 0, NULL, 0) == 0);
	/* with memory again, answers carry their bodies */
	CHECK_EQ(kern_answer(t.k, na.msgs[1].id, "world", 5, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, c, S_BUF(1), 1, KERN_ANSWER_OK, na.msgs[1].id, kt_id_a, 0, "world", 5) == 0);
	kt_close(&t);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_kernel_oom_once_never_crashes_or_leaks),
		TEST(test_kernel_oom_for_good_never_crashes_or_leaks),
		TEST(test_kernel_answer_arrives_when_memory_runs_out),
	};
	kt_watchdog(600);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
