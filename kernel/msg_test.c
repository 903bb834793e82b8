/* msg_test.c: messages and answers (kernel/msg.c), seen from programs: delivery to a
 * native handler and the notification layout, a process handler, waiting for a
 * handler, no handler, the queue, outstanding and size limits, cancel, and answering
 * ids a process does not hold.  The programs are testkit.h's script program.
 */
#include "testkit.h"

static kt t;
static kt_native na, nb;

static int open_kernel(const kern_limits *limits)
{
	memset(&na, 0, sizeof na);
	memset(&nb, 0, sizeof nb);
	return kt_open(&t, limits);
}

/* A client of A, and a handler of A (it may register for A). */
static const kern_spawn_args client_a = { .name = "client", .allow = &kt_id_a, .nallow = 1 };
static const kern_spawn_args handler_a = { .name = "handler", .handle = &kt_id_a, .nhandle = 1 };

/* The handler script: register for A, answer one message "pong", halt. */
static const kt_cmd answer_one[] = {
	KT_REGISTER_A,
	{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
	{ OP_ANSWER, S_BUF(0) + 8, S_IOV_PONG, 1, 0, 0 },
	{ OP_HALT, 0, 0, 0, 0, 0 },
};

/* ---- delivery ----------------------------------------------------------------------- */

static int test_msg_native_handler_gets_body_sender_and_answer_arrives_as_laid_out(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	uint8_t fill[S_BUF_LEN];
	memset(fill, 0xee, sizeof fill);
	kt_poke(&t, c, S_BUF(0), fill, sizeof fill);
	kt_run(&t);

	CHECK_EQ(na.n, 1);
	CHECK_EQ(na.msgs[0].sender, c);
	CHECK(memcmp(na.msgs[0].iface, kt_id_a, KERN_ID_SIZE) == 0);
	CHECK(na.msgs[0].len == 4 && memcmp(na.msgs[0].body, "ping", 4) == 0);
	CHECK(na.msgs[0].id != 0);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_peek64(&t, c, S_ID(0)), na.msgs[0].id);
	CHECK_EQ(kt_pc(&t, c), 1); /* blocked in next_notification */
	CHECK_EQ(kt_state(&t, c), KERN_PROC_WAITING);
	CHECK(!kern_has_ready(t.k));

	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "world", 5, KERN_ANSWER_OK), 0);
	CHECK(kern_has_ready(t.k));
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER + 5);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, "world", 5) == 0);
	CHECK_EQ(kt_mem(&t, c)[S_BUF(0) + KERN_NOTE_HEADER + 5], 0xee); /* nothing past the body */
	CHECK_EQ(kt_pc(&t, c), 2);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, c, &info), 0);
	CHECK_EQ(info.messages_sent, 1);
	kt_close(&t);
	return 0;
}

static int test_msg_error_answer_keeps_status_and_body(void)
{
	CHECK(open_kernel(NULL) == 0);
	na.answer_now = true;
	na.status = KERN_ANSWER_ERROR;
	na.answer[0] = 44; /* ENOENT */
	na.answer_len = 2;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER + 2);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_ERROR, na.msgs[0].id, kt_id_a, 0,
			    "\x2c\x00", 2) == 0);
	kt_close(&t);
	return 0;
}

/* ---- process to process ------------------------------------------------------------- */

static int test_msg_process_handler_registers_and_answers_client(void)
{
	CHECK(open_kernel(NULL) == 0);
	uint64_t h, c;
	CHECK_EQ(kt_spawn(&t, &handler_a, answer_one, KT_NCMDS(answer_one), &h), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);

	/* the handler: its registration answered (ok, empty), the message, the answer sent */
	CHECK_EQ(kt_result(&t, h, 0), 0);
	CHECK_EQ(kt_result(&t, h, 1), KERN_NOTE_HEADER);
	CHECK(kt_check_note(&t, h, S_BUF(5), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(31)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	uint64_t id = kt_peek64(&t, c, S_ID(0));
	CHECK(id != 0);
	CHECK_EQ(kt_result(&t, h, 2), KERN_NOTE_HEADER + 4);
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, id, kt_id_a, c, "ping", 4) == 0);
	CHECK_EQ(kt_result(&t, h, 3), 0);
	/* the client: the handler's answer */
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER + 4);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, id, kt_id_a, h, "pong", 4) == 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, h, &info), 0);
	CHECK_EQ(info.messages_received, 1);
	kt_close(&t);
	return 0;
}

static int test_msg_wait_handler_keeps_messages_in_order_until_register(void)
{
	CHECK(open_kernel(NULL) == 0);
	uint64_t h, c;
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PONG, 1, F_WAIT | F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_pc(&t, c), 2);
	CHECK_EQ(kt_state(&t, c), KERN_PROC_WAITING);

	/* registering delivers the waiting messages, ahead of the register answer */
	const kt_cmd hs[] = {
		{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(31) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(2), S_BUF_LEN, F_BLOCK },
		{ OP_ANSWER, S_BUF(1) + 8, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h), 0);
	kt_run(&t);
	uint64_t id = kt_peek64(&t, c, S_ID(0));
	/* first the message that wants no answer (id 0), then the other, as emitted */
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, 0, kt_id_a, c, "ping", 4) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(1), 2, 0, id, kt_id_a, c, "pong", 4) == 0);
	CHECK(kt_check_note(&t, h, S_BUF(2), 1, KERN_ANSWER_OK, kt_peek64(&t, h, S_ID(31)),
			    ifc_interface_id, 0, NULL, 0) == 0);
	CHECK_EQ(kt_result(&t, h, 4), 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_NOTE_HEADER + 4);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, id, kt_id_a, h, "ping", 4) == 0);
	kt_close(&t);
	return 0;
}

static int test_msg_wait_handler_native_register_delivers(void)
{
	CHECK(open_kernel(NULL) == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT | F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 0);
	na.answer_now = true;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(na.msgs[0].sender, c);
	kt_run(&t);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, NULL, 0) == 0);
	kt_close(&t);
	return 0;
}

/* A message that wants no answer is the whole of what its sender meant: it is
 * delivered when a handler comes, even if the sender has ended by then.  One that
 * wants an answer goes with its sender, as a cancelled one does. */
static int test_msg_waiting_message_outlives_its_sender(void)
{
	CHECK(open_kernel(NULL) == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PONG, 1, F_WAIT | F_ANSWER, S_ID(0) },
		{ OP_END, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_state(&t, c), KERN_PROC_DEAD);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(na.msgs[0].sender, c);
	CHECK_EQ(na.msgs[0].id, 0);
	CHECK(na.msgs[0].len == 4 && memcmp(na.msgs[0].body, "ping", 4) == 0);
	kt_close(&t);
	return 0;
}

static int test_msg_no_handler_is_status_3_or_enohandler(void)
{
	CHECK(open_kernel(NULL) == 0);
	const kern_spawn_args a = { .allow = &kt_id_b, .nallow = 1, .limits.max_outstanding = 1 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, 0, 0 },
		/* the failed one is no longer outstanding: the limit of one allows another */
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	uint64_t id = kt_peek64(&t, c, S_ID(0));
	CHECK(id != 0);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_NO_HANDLER, id, kt_id_b, 0, NULL, 0) == 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_ENOHANDLER);
	CHECK_EQ(kt_result(&t, c, 3), 0);
	kt_close(&t);
	return 0;
}

/* ---- limits --------------------------------------------------------------------------- */

static int test_msg_full_handler_queue_is_elimit(void)
{
	const kern_limits lim = { .max_queue = 2 };
	CHECK(open_kernel(&lim) == 0);
	uint64_t h, c, c2;
	CHECK_EQ(kt_spawn(&t, &handler_a, answer_one, KT_NCMDS(answer_one), &h), 0);
	kt_run(&t);
	CHECK_EQ(kt_pc(&t, h), 2); /* registered, waiting for messages */
	/* the client fills the queue in one turn: the handler cannot take any before */
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_ELIMIT);
	CHECK_EQ(kt_result(&t, c, 3), KERN_ELIMIT);
	CHECK(kt_log_count(&t, kt_pid_str(c), "limit") >= 2);
	/* the handler took both (one answered, one by HALT): the queue has room again */
	CHECK_EQ(kt_result(&t, c, 4), KERN_NOTE_HEADER + 4);
	const kt_cmd s2[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s2, KT_NCMDS(s2), &c2), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c2, 0), 0);
	CHECK_EQ(kt_result(&t, c2, 1), 0);
	CHECK_EQ(kt_result(&t, c2, 2), KERN_ELIMIT);
	kt_close(&t);
	return 0;
}

static int test_msg_wait_list_is_bounded_by_max_queue(void)
{
	const kern_limits lim = { .max_queue = 2 };
	CHECK(open_kernel(&lim) == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT | F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT, 0 },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT | F_ANSWER, S_ID(1) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_ELIMIT);
	CHECK_EQ(kt_result(&t, c, 3), KERN_ELIMIT);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	CHECK_EQ(na.n, 2);
	kt_close(&t);
	return 0;
}

static int test_msg_outstanding_limit_is_elimit(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kern_spawn_args a = { .allow = &kt_id_a, .nallow = 1, .limits.max_outstanding = 2 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(2) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 }, /* wants no answer: not counted */
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(3) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), 0);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_result(&t, c, 2), KERN_ELIMIT);
	CHECK_EQ(kt_result(&t, c, 3), 0);
	CHECK_EQ(na.n, 3);
	CHECK_EQ(kt_pc(&t, c), 4);
	/* an answer frees a place */
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, NULL, 0, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 4), KERN_NOTE_HEADER);
	CHECK_EQ(kt_result(&t, c, 5), 0);
	CHECK_EQ(na.n, 4);
	kt_close(&t);
	return 0;
}

/* Bytes for the size tests: 17 at S_FREE, iovecs of 16, 17 and 9 + 8 bytes. */
enum { BIG = S_FREE, IOV16 = S_FREE + 0x40, IOV17 = S_FREE + 0x48, IOV9_8 = S_FREE + 0x50 };

static void poke_sizes(uint64_t pid)
{
	kt_poke(&t, pid, BIG, "0123456789abcdefg", 17);
	kt_iov(&t, pid, IOV16, BIG, 16);
	kt_iov(&t, pid, IOV17, BIG, 17);
	kt_iov(&t, pid, IOV9_8, BIG, 9);
	kt_iov(&t, pid, IOV9_8 + 8, BIG, 8);
}

static int test_msg_body_over_max_message_is_etoobig(void)
{
	CHECK(open_kernel(NULL) == 0);
	uint64_t h, c;
	const kern_spawn_args ha = { .handle = &kt_id_a, .nhandle = 1, .limits.max_message = 33 };
	const kt_cmd hs[] = {
		KT_REGISTER_A,
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_ANSWER, S_BUF(0) + 8, IOV17, 1, 0, 0 },
		{ OP_ANSWER, S_BUF(0) + 8, IOV16, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &ha, hs, KT_NCMDS(hs), &h), 0);
	poke_sizes(h);
	kt_iov(&t, h, IOV17, BIG, 34); /* one past its limit of 33 (a register body's size) */
	kt_iov(&t, h, IOV16, BIG, 33);
	kt_run(&t);
	CHECK_EQ(kt_pc(&t, h), 2);
	const kern_spawn_args ca = { .allow = &kt_id_a, .nallow = 1, .limits.max_message = 16 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, IOV17, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, IOV9_8, 2, 0, 0 },
		{ OP_EMIT, S_ID_A, IOV16, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &ca, s, KT_NCMDS(s), &c), 0);
	poke_sizes(c);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 0), KERN_ETOOBIG);
	CHECK_EQ(kt_result(&t, c, 1), KERN_ETOOBIG);
	CHECK_EQ(kt_result(&t, c, 2), 0);
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, kt_peek64(&t, c, S_ID(1)), kt_id_a, c,
			    "0123456789abcdef", 16) == 0);
	CHECK_EQ(kt_result(&t, h, 3), KERN_ETOOBIG);
	CHECK_EQ(kt_result(&t, h, 4), 0);
	CHECK_EQ(kt_result(&t, c, 3), KERN_NOTE_HEADER + 33);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, c, S_ID(1)), kt_id_a, h,
			    kt_mem(&t, h) + BIG, 33) == 0);
	CHECK(kt_log_count(&t, kt_pid_str(c), "too big") >= 2);
	CHECK(kt_log_count(&t, kt_pid_str(h), "too big") >= 1);

	/* a native handler's answer has the kernel's limit */
	CHECK_EQ(kern_native_register(t.k, kt_id_b, &kt_native_ops, &nb), 0);
	const kern_spawn_args ab = { .allow = &kt_id_b, .nallow = 1 };
	const kt_cmd s2[] = {
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c2;
	CHECK_EQ(kt_spawn(&t, &ab, s2, KT_NCMDS(s2), &c2), 0);
	kt_run(&t);
	CHECK_EQ(nb.n, 1);
	uint8_t *big = calloc(1, KERN_DEFAULT_MAX_MESSAGE + 1);
	CHECK(big);
	int too_big = kern_answer(t.k, nb.msgs[0].id, big, KERN_DEFAULT_MAX_MESSAGE + 1, KERN_ANSWER_OK);
	int fits = kern_answer(t.k, nb.msgs[0].id, big, KERN_DEFAULT_MAX_MESSAGE, KERN_ANSWER_OK);
	free(big);
	CHECK_EQ(too_big, KERN_ETOOBIG);
	CHECK_EQ(fits, 0);
	kt_close(&t);
	return 0;
}

/* ---- cancel ----------------------------------------------------------------------------- */

static int test_msg_cancel_before_answer_drops_it(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kern_spawn_args a = { .allow = &kt_id_a, .nallow = 1, .limits.max_outstanding = 1 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_CANCEL, S_ID(0), 0, 0, 0, 0 },
		/* cancelled: no longer outstanding, so the limit of one allows another */
		{ OP_EMIT, S_ID_A, S_IOV_PONG, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_result(&t, c, 2), 0);
	CHECK_EQ(na.n, 2);
	CHECK_EQ(kt_pc(&t, c), 3);
	/* the handler is not told: its answer succeeds, and goes nowhere */
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "late", 4, KERN_ANSWER_OK), 0);
	CHECK(!kern_has_ready(t.k));
	CHECK_EQ(kern_answer(t.k, na.msgs[1].id, "second", 6, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 3), KERN_NOTE_HEADER + 6);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[1].id, kt_id_a, 0, "second", 6) == 0);
	CHECK_EQ(kt_pc(&t, c), 4); /* nothing else arrives */
	CHECK_EQ(kt_state(&t, c), KERN_PROC_WAITING);
	kt_close(&t);
	return 0;
}

static int test_msg_cancel_after_answer_queued_drops_it(void)
{
	CHECK(open_kernel(NULL) == 0);
	na.answer_now = true;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_CANCEL, S_ID(0), 0, 0, 0, 0 },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_CANCEL, S_ID(0), 0, 0, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kt_result(&t, c, 2), 0); /* nothing queued */
	CHECK_EQ(kt_result(&t, c, 3), KERN_ENOENT);
	kt_close(&t);
	return 0;
}

static int test_msg_cancel_waiting_message_is_never_delivered(void)
{
	CHECK(open_kernel(NULL) == 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_WAIT | F_ANSWER, S_ID(0) },
		{ OP_CANCEL, S_ID(0), 0, 0, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	CHECK_EQ(na.n, 0);
	kt_close(&t);
	return 0;
}

static int test_msg_cancel_unknown_or_foreign_id_is_enoent(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s1[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t owner, other;
	CHECK_EQ(kt_spawn(&t, &client_a, s1, KT_NCMDS(s1), &owner), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 1);
	const kt_cmd s2[] = {
		{ OP_CANCEL, S_ID(0), 0, 0, 0, 0 },  /* the owner's id */
		{ OP_CANCEL, S_ID(1), 0, 0, 0, 0 },  /* never issued */
		{ OP_CANCEL, S_ID(2), 0, 0, 0, 0 },  /* 0 */
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s2, KT_NCMDS(s2), &other), 0);
	kt_poke64(&t, other, S_ID(0), na.msgs[0].id);
	kt_poke64(&t, other, S_ID(1), 0x123456789abcull);
	kt_poke64(&t, other, S_ID(2), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, other, 0), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, other, 1), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, other, 2), KERN_ENOENT);
	/* the owner's message was not touched */
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "ok", 2, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, owner, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, "ok", 2) == 0);
	kt_close(&t);
	return 0;
}

/* ---- answering ids --------------------------------------------------------------------- */

/* Gives the handler process (hook_ud: its pid) the id the native B holds, in S_ID(2). */
static void tell_handler_b_id(kt_native *r, kern_state *k, const kern_delivery *d)
{
	(void)k;
	kt_poke64(&t, *(const uint64_t *)r->hook_ud, S_ID(2), d->id);
}

static int test_msg_answer_id_not_held_is_enoent(void)
{
	CHECK(open_kernel(NULL) == 0);
	uint64_t h, c;
	nb.hook = tell_handler_b_id;
	nb.hook_ud = &h;
	CHECK_EQ(kern_native_register(t.k, kt_id_b, &kt_native_ops, &nb), 0);
	const kt_cmd hs[] = {
		KT_REGISTER_A,
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_ANSWER, S_ID(0), S_IOV_PONG, 1, 0, 0 },      /* random id */
		{ OP_ANSWER, S_ID(1), S_IOV_PONG, 1, 0, 0 },      /* 0 */
		{ OP_ANSWER, S_ID(2), S_IOV_PONG, 1, 0, 0 },      /* held by the native B */
		{ OP_ANSWER, S_BUF(0) + 8, S_IOV_PONG, 1, 0, 0 }, /* its own: ok */
		{ OP_ANSWER, S_BUF(0) + 8, S_IOV_PONG, 1, 0, 0 }, /* again */
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &handler_a, hs, KT_NCMDS(hs), &h), 0);
	kt_poke64(&t, h, S_ID(0), 0x5eed5eedull);
	kt_poke64(&t, h, S_ID(1), 0);
	kt_run(&t);
	CHECK_EQ(kt_pc(&t, h), 2);
	static const uint8_t both[2][KERN_ID_SIZE] = { "kernel test interface A", "kernel test interface B" };
	const kern_spawn_args cab = { .name = "client", .allow = both, .nallow = 2 };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_B, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_ANSWER, S_ID(0), S_IOV_PONG, 1, 0, 0 },      /* a client answering its own message */
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(1), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &cab, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(nb.n, 1);
	CHECK_EQ(kt_peek64(&t, c, S_ID(1)), nb.msgs[0].id);
	CHECK_EQ(kt_peek64(&t, h, S_ID(2)), nb.msgs[0].id);
	CHECK_EQ(kt_result(&t, c, 2), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, h, 3), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, h, 4), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, h, 5), KERN_ENOENT);
	CHECK_EQ(kt_result(&t, h, 6), 0);
	CHECK_EQ(kt_result(&t, h, 7), KERN_ENOENT);
	CHECK(kt_log_count(&t, kt_pid_str(h), "emit_answer") >= 4);
	/* the client got exactly one answer */
	CHECK_EQ(kt_result(&t, c, 3), KERN_NOTE_HEADER + 4);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, kt_peek64(&t, c, S_ID(0)), kt_id_a, h,
			    "pong", 4) == 0);
	CHECK_EQ(kt_result(&t, c, 4), 0);
	/* a native handler cannot answer what a process held, nor twice */
	CHECK_EQ(kern_answer(t.k, kt_peek64(&t, c, S_ID(0)), NULL, 0, KERN_ANSWER_OK), KERN_ENOENT);
	CHECK_EQ(kern_answer(t.k, nb.msgs[0].id, NULL, 0, KERN_ANSWER_OK), 0);
	CHECK_EQ(kern_answer(t.k, nb.msgs[0].id, NULL, 0, KERN_ANSWER_OK), KERN_ENOENT);
	CHECK_EQ(kern_answer(t.k, 0, NULL, 0, KERN_ANSWER_OK), KERN_ENOENT);
	kt_close(&t);
	return 0;
}

static int test_msg_answer_to_message_wanting_none_is_enoent(void)
{
	CHECK(open_kernel(NULL) == 0);
	uint64_t h, c;
	CHECK_EQ(kt_spawn(&t, &handler_a, answer_one, KT_NCMDS(answer_one), &h), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, 0, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, h, S_BUF(0), 2, 0, 0, kt_id_a, c, "ping", 4) == 0);
	CHECK_EQ(kt_result(&t, h, 3), KERN_ENOENT);
	kt_close(&t);
	return 0;
}

/* Many held messages: the id table grows, and every id is still found. */
static int test_msg_ids_survive_table_growth(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	enum { N = 120 };
	kt_cmd s[N + 2];
	for (uint32_t i = 0; i < N; i++) s[i] = (kt_cmd){ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(i) };
	s[N] = (kt_cmd){ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK };
	s[N + 1] = (kt_cmd){ OP_JUMP, N, 0, 0, 0, 0 };
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, N + 2, &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, N);
	for (uint32_t i = 0; i < N; i++) {
		CHECK_EQ(kt_result(&t, c, i), 0);
		CHECK_EQ(kt_peek64(&t, c, S_ID(i)), na.msgs[i].id);
	}
	for (uint32_t i = N; i-- > 0;) {
		CHECK_EQ(kern_answer(t.k, na.msgs[i].id, NULL, 0, KERN_ANSWER_OK), 0);
		if (i % 7 == 0) kt_run(&t);
	}
	kt_run(&t);
	for (uint32_t i = 0; i < N; i++)
		CHECK_EQ(kern_answer(t.k, na.msgs[i].id, NULL, 0, KERN_ANSWER_OK), KERN_ENOENT);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, NULL, 0) == 0);
	kt_close(&t);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_msg_native_handler_gets_body_sender_and_answer_arrives_as_laid_out),
		TEST(test_msg_error_answer_keeps_status_and_body),
		TEST(test_msg_process_handler_registers_and_answers_client),
		TEST(test_msg_wait_handler_keeps_messages_in_order_until_register),
		TEST(test_msg_wait_handler_native_register_delivers),
		TEST(test_msg_waiting_message_outlives_its_sender),
		TEST(test_msg_no_handler_is_status_3_or_enohandler),
		TEST(test_msg_full_handler_queue_is_elimit),
		TEST(test_msg_wait_list_is_bounded_by_max_queue),
		TEST(test_msg_outstanding_limit_is_elimit),
		TEST(test_msg_body_over_max_message_is_etoobig),
		TEST(test_msg_cancel_before_answer_drops_it),
		TEST(test_msg_cancel_after_answer_queued_drops_it),
		TEST(test_msg_cancel_waiting_message_is_never_delivered),
		TEST(test_msg_cancel_unknown_or_foreign_id_is_enoent),
		TEST(test_msg_answer_id_not_held_is_enoent),
		TEST(test_msg_answer_to_message_wanting_none_is_enoent),
		TEST(test_msg_ids_survive_table_growth),
	};
	kt_watchdog(120);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
