/* iface_test.c: who may emit to and handle which interface (kernel/iface.c), seen from
 * programs: a message to an interface not granted is answered "denied" and logged;
 * --deny takes away even a default interface; registering needs the right to handle
 * and a free interface, and the `interface` interface answers errors as errnos
 * (docs/interfaces.md).
 */
#include "testkit.h"

static kt t;
static kt_native na, nlog;

static int open_kernel(void)
{
	memset(&na, 0, sizeof na);
	memset(&nlog, 0, sizeof nlog);
	return kt_open(&t, NULL);
}

/* WASI errnos the `interface` interface answers with (docs/interfaces.md). */
enum { EACCES_ = 2, EEXIST_ = 20, EINVAL_ = 28, ENOENT_ = 44, ENOSYS_ = 52 };

static const kern_spawn_args handler_a = { .name = "handler", .handle = &kt_id_a, .nhandle = 1 };

/* Checks that the answer at `at` of pid is an error answer from the `interface`
 * interface with errno e. */
static int check_iface_error(uint64_t pid, uint32_t at, uint64_t id, uint16_t e)
{
	uint8_t body[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	CHECK(kt_check_note(&t, pid, at, 1, KERN_ANSWER_ERROR, id, ifc_interface_id, 0, body, 2) == 0);
	return 0;
}

/* ---- emitting -------------------------------------------------------------------------- */

static int test_iface_emit_not_granted_is_denied_answer_and_logged(void)
{
	CHECK(open_kernel() == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, NULL, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 0);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	uint64_t id = kt_peek64(&t, c, S_ID(0));
	CHECK(id != 0);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_DENIED, id, kt_id_a, 0, NULL, 0) == 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_EDENIED);
	CHECK_EQ(kt_result(&t, c, 3), KERN_EDENIED);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(c), "denied"), 3);
	CHECK_EQ(kt_pc(&t, c), 4); /* never hangs on it */
	kt_close(&t);
	return 0;
}

static int test_iface_deny_takes_away_a_default_interface(void)
{
	CHECK(open_kernel() == 0);
	nlog.answer_now = true;
	CHECK_EQ(kern_native_register(t.k, ifc_log_id, &kt_native_ops, &nlog), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_LOG, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t plain, denied;
	const kern_spawn_args pa = { .name = "plain", .handle = &kt_id_a, .nhandle = 1 };
	CHECK_EQ(kt_spawn(&t, &pa, s, KT_NCMDS(s), &plain), 0);
	kt_run(&t);
	CHECK_EQ(nlog.n, 1);
	CHECK(kt_check_note(&t, plain, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, plain, S_ID(0)),
			    ifc_log_id, 0, NULL, 0) == 0);
	CHECK(kt_check_note(&t, plain, S_BUF(1), 1, KERN_ANSWER_OK, kt_peek64(&t, plain, S_ID(1)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK_EQ(kt_pc(&t, plain), 4);
	CHECK_EQ(kern_kill(t.k, plain, NULL), 0); /* frees A */

	uint8_t deny[2][KERN_ID_SIZE];
	memcpy(deny[0], ifc_log_id, KERN_ID_SIZE);
	memcpy(deny[1], ifc_interface_id, KERN_ID_SIZE);
	const kern_spawn_args da = { .name = "denied", .handle = &kt_id_a, .nhandle = 1,
				     .deny = (const uint8_t (*)[KERN_ID_SIZE])deny, .ndeny = 2 };
	CHECK_EQ(kt_spawn(&t, &da, s, KT_NCMDS(s), &denied), 0);
	kt_run(&t);
	CHECK_EQ(nlog.n, 1);
	CHECK(kt_check_note(&t, denied, S_BUF(0), 1, KERN_ANSWER_DENIED, kt_peek64(&t, denied, S_ID(0)),
			    ifc_log_id, 0, NULL, 0) == 0);
	CHECK(kt_check_note(&t, denied, S_BUF(1), 1, KERN_ANSWER_DENIED, kt_peek64(&t, denied, S_ID(1)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(denied), "denied"), 2);
	kt_close(&t);
	return 0;
}

/* A process whose message was denied (or found no handler) was never a client: the
 * handler is not told when it ends.  One whose message arrived is. */
static int test_iface_only_real_clients_are_reported_ended(void)
{
	CHECK(open_kernel() == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	uint64_t stranger, early, client;
	CHECK_EQ(kt_spawn(&t, NULL, s, KT_NCMDS(s), &stranger), 0);
	const kern_spawn_args ca = { .name = "client", .allow = &kt_id_a, .nallow = 1 };
	/* sends while nobody handles A: answered "no handler" at once */
	CHECK_EQ(kt_spawn(&t, &ca, s, KT_NCMDS(s), &early), 0);
	const kt_cmd halt[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	kt_run(&t);
	CHECK_EQ(kt_state(&t, stranger), KERN_PROC_DEAD);
	CHECK_EQ(kt_state(&t, early), KERN_PROC_DEAD);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	CHECK_EQ(kt_spawn(&t, &ca, halt, KT_NCMDS(halt), &client), 0);
	CHECK_EQ(kt_spawn(&t, NULL, s, KT_NCMDS(s), &stranger), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(kt_state(&t, stranger), KERN_PROC_DEAD);
	CHECK_EQ(na.nended, 0);
	CHECK_EQ(kern_kill(t.k, client, NULL), 0);
	CHECK_EQ(na.nended, 1);
	CHECK_EQ(na.ended[0], client);
	kt_close(&t);
	return 0;
}

/* ---- registering ------------------------------------------------------------------------ */

static int test_iface_register_without_handle_right_fails(void)
{
	CHECK(open_kernel() == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t none, other;
	CHECK_EQ(kt_spawn(&t, NULL, s, KT_NCMDS(s), &none), 0);
	const kern_spawn_args hb = { .name = "handles-b", .handle = &kt_id_b, .nhandle = 1 };
	CHECK_EQ(kt_spawn(&t, &hb, s, KT_NCMDS(s), &other), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, none, 1), KERN_NOTE_HEADER + 2);
	CHECK(check_iface_error(none, S_BUF(0), kt_peek64(&t, none, S_ID(0)), EACCES_) == 0);
	CHECK(check_iface_error(other, S_BUF(0), kt_peek64(&t, other, S_ID(0)), EACCES_) == 0);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(none), "may not handle"), 1);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(other), "may not handle"), 1);
	/* A is still unhandled */
	const kern_spawn_args ca = { .allow = &kt_id_a, .nallow = 1 };
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &ca, cs, KT_NCMDS(cs), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), KERN_ENOHANDLER);
	kt_close(&t);
	return 0;
}

static int test_iface_register_taken_interface_is_eexist(void)
{
	CHECK(open_kernel() == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_b, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_IFACE, S_FREE + 0x40, 1, F_ANSWER, S_ID(1) },  /* register B */
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	static const uint8_t ab[2][KERN_ID_SIZE] = { "kernel test interface A", "kernel test interface B" };
	const kern_spawn_args ha = { .handle = ab, .nhandle = 2 };
	uint8_t reg_b[64];
	ifc_interface_register r;
	memcpy(r.id, kt_id_b, KERN_ID_SIZE);
	uint32_t len = ifc_interface_register_encode(&r, reg_b, sizeof reg_b);
	uint64_t h1, h2;
	CHECK_EQ(kt_spawn(&t, &ha, s, KT_NCMDS(s), &h1), 0);
	CHECK_EQ(kt_spawn(&t, &ha, s, KT_NCMDS(s), &h2), 0);
	kt_poke(&t, h1, S_FREE, reg_b, len);
	kt_iov(&t, h1, S_FREE + 0x40, S_FREE, len);
	kt_poke(&t, h2, S_FREE, reg_b, len);
	kt_iov(&t, h2, S_FREE + 0x40, S_FREE, len);
	kt_run(&t);
	CHECK(kt_check_note(&t, h1, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, h1, S_ID(0)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK(check_iface_error(h2, S_BUF(0), kt_peek64(&t, h2, S_ID(0)), EEXIST_) == 0);
	/* B is handled natively */
	CHECK(check_iface_error(h1, S_BUF(1), kt_peek64(&t, h1, S_ID(1)), EEXIST_) == 0);
	CHECK(check_iface_error(h2, S_BUF(1), kt_peek64(&t, h2, S_ID(1)), EEXIST_) == 0);
	kt_close(&t);
	return 0;
}

static int test_iface_unregister_frees_the_interface(void)
{
	CHECK(open_kernel() == 0);
	const kt_cmd s[] = {
		KT_REGISTER_A,
		{ OP_EMIT, S_ID_IFACE, S_IOV_UNREG_A, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, S_ID(0), 1, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_IFACE, S_IOV_UNREG_A, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, S_ID(1), 1, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t h, h2, c;
	CHECK_EQ(kt_spawn(&t, &handler_a, s, KT_NCMDS(s), &h), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, h, S_BUF(5), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(31)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(0)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK(check_iface_error(h, S_BUF(1), kt_peek64(&t, h, S_ID(1)), ENOENT_) == 0);
	const kern_spawn_args ca = { .allow = &kt_id_a, .nallow = 1 };
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &ca, cs, KT_NCMDS(cs), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), KERN_ENOHANDLER);
	const kt_cmd s2[] = {
		KT_REGISTER_A,
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &handler_a, s2, KT_NCMDS(s2), &h2), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, h2, S_BUF(5), 1, KERN_ANSWER_OK, kt_peek64(&t, h2, S_ID(31)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	kt_close(&t);
	return 0;
}

/* Unregistering ends the handling at once: a message taken but not yet answered is
 * answered "handler ended", as when the handler ends, and can no longer be answered. */
static int test_iface_unregister_answers_held_messages_handler_ended(void)
{
	CHECK(open_kernel() == 0);
	const kt_cmd hs[] = {
		KT_REGISTER_A,
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_IFACE, S_IOV_UNREG_A, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, S_ID(0), 1, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_ANSWER, S_BUF(0) + 8, S_IOV_PONG, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t h, c;
	CHECK_EQ(kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h), 0);
	kt_run(&t);
	const kern_spawn_args ca = { .allow = &kt_id_a, .nallow = 1 };
	const kt_cmd cs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &ca, cs, KT_NCMDS(cs), &c), 0);
	kt_run(&t);
	uint64_t id = kt_peek64(&t, c, S_ID(0));
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, id, kt_id_a, c, "ping", 4) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(1), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(0)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK_EQ(kt_result(&t, h, 5), KERN_ENOENT);
	kt_note n;
	CHECK(kt_read_note(&t, c, S_BUF(0), &n));
	CHECK_EQ(n.kind, 1);
	CHECK_EQ(n.status, KERN_ANSWER_HANDLER_ENDED);
	CHECK_EQ(n.id, id);
	CHECK_EQ(n.len, 0);
	kt_close(&t);
	return 0;
}

static int test_iface_bad_bodies_are_einval_or_enosys(void)
{
	CHECK(open_kernel() == 0);
	enum { BODY = S_FREE, IOV_SHORT = S_FREE + 0x80, IOV_LONG = S_FREE + 0x88, IOV_TAG = S_FREE + 0x90 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_IFACE, IOV_SHORT, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, S_ID(0), 1, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_IFACE, IOV_LONG, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, S_ID(1), 1, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_IFACE, IOV_TAG, 1, F_ANSWER, S_ID(2) },
		{ OP_NEXT, S_ID(2), 1, S_BUF(2), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t h;
	CHECK_EQ(kt_spawn(&t, &handler_a, s, KT_NCMDS(s), &h), 0);
	uint8_t body[40] = { 0 };
	memcpy(body + 1, kt_id_a, KERN_ID_SIZE);
	body[34] = 9;
	kt_poke(&t, h, BODY, body, sizeof body);
	kt_iov(&t, h, IOV_SHORT, BODY, 32);  /* register, its id cut short */
	kt_iov(&t, h, IOV_LONG, BODY, 34);   /* register and a byte too many */
	kt_iov(&t, h, IOV_TAG, BODY + 34, 1); /* tag 9: no such message */
	kt_run(&t);
	CHECK(check_iface_error(h, S_BUF(0), kt_peek64(&t, h, S_ID(0)), EINVAL_) == 0);
	CHECK(check_iface_error(h, S_BUF(1), kt_peek64(&t, h, S_ID(1)), EINVAL_) == 0);
	CHECK(check_iface_error(h, S_BUF(2), kt_peek64(&t, h, S_ID(2)), ENOSYS_) == 0);
	kt_close(&t);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_iface_emit_not_granted_is_denied_answer_and_logged),
		TEST(test_iface_deny_takes_away_a_default_interface),
		TEST(test_iface_only_real_clients_are_reported_ended),
		TEST(test_iface_register_without_handle_right_fails),
		TEST(test_iface_register_taken_interface_is_eexist),
		TEST(test_iface_unregister_frees_the_interface),
		TEST(test_iface_unregister_answers_held_messages_handler_ended),
		TEST(test_iface_bad_bodies_are_einval_or_enosys),
	};
	kt_watchdog(300);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
