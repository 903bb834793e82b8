/* proc_test.c: how processes end (kernel/proc.c) and share the machine (sched.c),
 * seen from programs: a handler that traps or is killed leaves each client an answer
 * "handler ended" and its interface free; a handler is told when a client ends; an
 * answer to an ended client is dropped; a spinning program is preempted and can be
 * killed, and ending a process frees all it had.
 */
#include "testkit.h"

static kt t;
static kt_native na;

static int open_kernel(const kern_limits *limits)
{
	memset(&na, 0, sizeof na);
	return kt_open(&t, limits);
}

static const kern_spawn_args client_a = { .name = "client", .allow = &kt_id_a, .nallow = 1 };
static const kern_spawn_args handler_a = { .name = "handler", .handle = &kt_id_a, .nhandle = 1 };

/* ---- a handler ends ---------------------------------------------------------------- */

/* A handler takes one message (held), leaves one queued, then traps or is killed:
 * both clients get status 4, the interface is free for another handler. */
static int handler_ends_while_holding(bool trap)
{
	CHECK(open_kernel(NULL) == 0);
	const kt_cmd hs[] = {
		KT_REGISTER_A,
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ trap ? OP_TRAP : OP_SPIN, 0, 0, 0, 0, 0 },
	};
	uint64_t h, c1, c2, c3;
	CHECK_EQ(kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h), 0);
	kt_run(&t);
	CHECK_EQ(kt_pc(&t, h), 2);
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	const kt_cmd quiet[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, cs, KT_NCMDS(cs), &c1), 0);
	CHECK_EQ(kt_spawn(&t, &client_a, cs, KT_NCMDS(cs), &c2), 0);
	CHECK_EQ(kt_spawn(&t, &client_a, quiet, KT_NCMDS(quiet), &c3), 0);
	/* one round: the three clients send; the handler runs in the next */
	kern_run_ready(t.k);
	if (trap) {
		kt_run(&t);
		CHECK_EQ(kt_state(&t, h), KERN_PROC_DEAD);
		CHECK(kt_log_count(&t, kt_pid_str(h), "trap") >= 1);
	} else {
		kern_run_ready(t.k); /* took c1's message, spins */
		kern_run_ready(t.k);
		CHECK_EQ(kt_pc(&t, h), 3);
		CHECK_EQ(kt_state(&t, h), KERN_PROC_READY);
		CHECK_EQ(kern_kill(t.k, h, "test"), 0);
		kt_run(&t);
	}
	CHECK_EQ(t.nended, 1);
	CHECK_EQ(t.ended[0], h);
	CHECK_EQ(t.codes[0], trap ? 134 : 137);
	kt_note n;
	uint64_t clients[2] = { c1, c2 };
	for (int i = 0; i < 2; i++) {
		uint64_t c = clients[i];
		CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER);
		CHECK(kt_read_note(&t, c, S_BUF(0), &n));
		CHECK_EQ(n.kind, 1);
		CHECK_EQ(n.status, KERN_ANSWER_HANDLER_ENDED);
		CHECK_EQ(n.len, 0);
		CHECK_EQ(n.id, kt_peek64(&t, c, S_ID(0)));
		CHECK(memcmp(n.iface, kt_id_a, KERN_ID_SIZE) == 0);
	}
	CHECK_EQ(kt_result(&t, c3, 0), 0);
	/* its registration is gone: no handler, and another may register */
	const kern_spawn_args ca = { .allow = &kt_id_a, .nallow = 1 };
	uint64_t late, h2;
	CHECK_EQ(kt_spawn(&t, &ca, quiet, KT_NCMDS(quiet), &late), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, late, 0), KERN_ENOHANDLER);
	const kt_cmd hs2[] = {
		KT_REGISTER_A,
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &handler_a, hs2, KT_NCMDS(hs2), &h2), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, h2, S_BUF(5), 1, KERN_ANSWER_OK, kt_peek64(&t, h2, S_ID(31)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	kt_close(&t);
	return 0;
}

static int test_proc_handler_trap_answers_its_messages_handler_ended(void)
{
	return handler_ends_while_holding(true);
}

static int test_proc_killed_handler_answers_its_messages_handler_ended(void)
{
	return handler_ends_while_holding(false);
}

static int test_proc_handler_is_told_when_a_client_ends(void)
{
	CHECK(open_kernel(NULL) == 0);
	const kt_cmd hs[] = {
		KT_REGISTER_A,
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(2), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(3), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(4), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t h, ends, traps, killed;
	CHECK_EQ(kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h), 0);
	kt_run(&t);
	const kt_cmd end[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	const kt_cmd trap[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PONG, 1, 0, 0 },
		{ OP_TRAP, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, end, KT_NCMDS(end), &ends), 0);
	kern_run_ready(t.k); /* ends, before the handler reads its message */
	CHECK_EQ(kt_state(&t, ends), KERN_PROC_DEAD);
	kt_run(&t);
	CHECK_EQ(kt_spawn(&t, &client_a, trap, KT_NCMDS(trap), &traps), 0);
	kt_run(&t);
	const kt_cmd halt[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, halt, KT_NCMDS(halt), &killed), 0);
	kt_run(&t);
	CHECK_EQ(kern_kill(t.k, killed, NULL), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, 0, kt_id_a, ends, "ping", 4) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(1), 3, 0, 0, kt_zero_id, ends, NULL, 0) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(2), 2, 0, 0, kt_id_a, traps, "pong", 4) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(3), 3, 0, 0, kt_zero_id, traps, NULL, 0) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(4), 2, 0, 0, kt_id_a, killed, "ping", 4) == 0);
	/* the last end notice went to HALT's buffer */
	CHECK(kt_check_note(&t, h, S_MEM_SIZE - 0x2000, 3, 0, 0, kt_zero_id, killed, NULL, 0) == 0);
	kt_close(&t);
	return 0;
}

static int test_proc_answer_to_an_ended_client_is_dropped(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER | F_WAIT, S_ID(1) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	static const uint8_t ab[2][KERN_ID_SIZE] = { "kernel test interface A", "kernel test interface B" };
	const kern_spawn_args ca = { .allow = ab, .nallow = 2 };
	uint64_t c, h;
	CHECK_EQ(kt_spawn(&t, &ca, cs, KT_NCMDS(cs), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(kern_kill(t.k, c, NULL), 0);
	/* the native handler's answer succeeds and goes nowhere */
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "late", 4, KERN_ANSWER_OK), 0);
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "late", 4, KERN_ANSWER_OK), KERN_ENOENT);
	/* the message waiting for B's handler went with its sender */
	const kern_spawn_args hb = { .handle = &kt_id_b, .nhandle = 1 };
	uint8_t reg_b[64];
	ifc_interface_register r;
	memcpy(r.id, kt_id_b, KERN_ID_SIZE);
	uint32_t len = ifc_interface_register_encode(&r, reg_b, sizeof reg_b);
	const kt_cmd hs[] = {
		{ OP_EMIT, S_ID_IFACE, S_FREE + 0x40, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &hb, hs, KT_NCMDS(hs), &h), 0);
	kt_poke(&t, h, S_FREE, reg_b, len);
	kt_iov(&t, h, S_FREE + 0x40, S_FREE, len);
	kt_run(&t);
	CHECK(kt_check_note(&t, h, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(0)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK_EQ(kt_result(&t, h, 2), 0);
	kt_close(&t);
	return 0;
}

/* ---- sharing the machine ---------------------------------------------------------------- */

static int test_proc_finisher_runs_while_spinner_is_preempted(void)
{
	const kern_limits lim = { .fuel_slice = 1000 };
	CHECK(open_kernel(&lim) == 0);
	const kt_cmd spin[] = {
		{ OP_LOOPN, 100000, 0, 0, 0, 0 },
		{ OP_REPORT, S_FREE, 4, 0, 0, 0 },
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	const kt_cmd quick[] = {
		{ OP_REPORT, S_FREE, 4, 0, 0, 0 },
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	uint64_t s, q;
	CHECK_EQ(kt_spawn(&t, NULL, spin, KT_NCMDS(spin), &s), 0);
	kt_poke(&t, s, S_FREE, "spun", 4);
	CHECK_EQ(kt_spawn(&t, NULL, quick, KT_NCMDS(quick), &q), 0);
	kt_poke(&t, q, S_FREE, "done", 4);
	uint32_t turns = kt_run(&t);
	CHECK_EQ(t.report.n, 2);
	CHECK_EQ(t.report.msgs[0].sender, q);
	CHECK(memcmp(t.report.msgs[0].body, "done", 4) == 0);
	CHECK_EQ(t.report.msgs[1].sender, s);
	CHECK(memcmp(t.report.msgs[1].body, "spun", 4) == 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, s, &info), 0);
	CHECK_EQ(info.state, KERN_PROC_DEAD);
	CHECK_EQ(info.exit_code, 0);
	CHECK(info.fuel_used > 50 * 1000);
	CHECK(turns > 50);
	kt_close(&t);
	return 0;
}

/* Kills the process that sent the message (hook of the native A). */
static void kill_sender(kt_native *r, kern_state *k, const kern_delivery *d)
{
	(void)r;
	kern_kill(k, d->sender, "killed by its handler");
}

static int test_proc_kill_ends_a_spinner_and_frees_it(void)
{
	const kern_limits lim = { .fuel_slice = 1000 };
	CHECK(open_kernel(&lim) == 0);
	na.hook = kill_sender;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	size_t base = g_heap.live;
	const kt_cmd spin[] = {
		{ OP_SPIN, 0, 0, 0, 0, 0 },
	};
	uint64_t s, s2, q;
	CHECK_EQ(kt_spawn(&t, NULL, spin, KT_NCMDS(spin), &s), 0);
	for (int i = 0; i < 5; i++) CHECK_EQ(kern_run_ready(t.k), 1);
	CHECK_EQ(kt_state(&t, s), KERN_PROC_READY);
	CHECK(kern_has_ready(t.k));
	/* from outside, between turns */
	CHECK_EQ(kern_kill(t.k, s, NULL), 0);
	CHECK_EQ(kt_state(&t, s), KERN_PROC_DEAD);
	CHECK(!kern_has_ready(t.k));
	CHECK_EQ(kern_kill(t.k, s, NULL), KERN_ENOENT);
	CHECK_EQ(kern_kill(t.k, 999, NULL), KERN_ENOENT);
	CHECK_EQ(t.nended, 1);
	CHECK_EQ(t.codes[0], 137);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, s, &info), 0);
	CHECK_EQ(info.memory_bytes, 0);
	/* from inside its own turn: a handler kills the spinner that wrote to it */
	const kt_cmd spin2[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_SPIN, 0, 0, 0, 0, 0 },
	};
	const kern_spawn_args sa = { .allow = &kt_id_a, .nallow = 1 };
	CHECK_EQ(kt_spawn(&t, &sa, spin2, KT_NCMDS(spin2), &s2), 0);
	const kt_cmd quick[] = {
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, NULL, quick, KT_NCMDS(quick), &q), 0);
	kt_run(&t);
	CHECK_EQ(kt_state(&t, s2), KERN_PROC_DEAD);
	CHECK_EQ(kt_state(&t, q), KERN_PROC_DEAD);
	CHECK_EQ(t.nended, 3);
	CHECK_EQ(t.ended[1], s2);
	CHECK_EQ(t.codes[1], 137);
	CHECK_EQ(kern_live_count(t.k), 0);
	CHECK(kt_log_count(&t, kt_pid_str(s2), "killed by its handler") == 1);
	/* every byte the three had is back */
	kern_reap(t.k, s);
	kern_reap(t.k, s2);
	kern_reap(t.k, q);
	CHECK_EQ(kern_proc_get(t.k, s, &info), KERN_ENOENT);
	CHECK_EQ(g_heap.live, base);
	kt_close(&t);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_proc_handler_trap_answers_its_messages_handler_ended),
		TEST(test_proc_killed_handler_answers_its_messages_handler_ended),
		TEST(test_proc_handler_is_told_when_a_client_ends),
		TEST(test_proc_answer_to_an_ended_client_is_dropped),
		TEST(test_proc_finisher_runs_while_spinner_is_preempted),
		TEST(test_proc_kill_ends_a_spinner_and_frees_it),
	};
	kt_watchdog(300);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
