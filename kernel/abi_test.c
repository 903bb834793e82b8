/* abi_test.c: the four `wasmos` imports (kernel/abi.c) under hostile arguments, and
 * the notification buffer rules.  Every bad pointer, wrapping length, huge count or
 * unknown flag must fail that one call with its code and a log line, leave the
 * program running and other programs untouched, and send nothing.
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

/* nomem.wat, wat2wasm 1.0.32:
 * (module
 *   (import "wasmos" "emit_message" (func $emit (param i32 i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "emit_answer" (func $answer (param i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "next_notification" (func $next (param i32 i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "cancel_message" (func $cancel (param i32) (result i32)))
 *   ;; no memory: every pointer is out of bounds, so every call is EFAULT (-1);
 *   ;; any other result traps
 *   (func (export "_start")
 *     (if (i32.ne (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
 *                 (i32.const -1))
 *       (then unreachable))
 *     (if (i32.ne (call $answer (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
 *                 (i32.const -1))
 *       (then unreachable))
 *     (if (i32.ne (call $next (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 1))
 *                 (i32.const -1))
 *       (then unreachable))
 *     (if (i32.ne (call $cancel (i32.const 0)) (i32.const -1))
 *       (then unreachable))))
 */
static const uint8_t nomem_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1a, 0x04, 0x60,
	0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x04, 0x7f, 0x7f,
	0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00,
	0x02, 0x5f, 0x04, 0x06, 0x77, 0x61, 0x73, 0x6d, 0x6f, 0x73, 0x0c, 0x65,
	0x6d, 0x69, 0x74, 0x5f, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x00,
	0x00, 0x06, 0x77, 0x61, 0x73, 0x6d, 0x6f, 0x73, 0x0b, 0x65, 0x6d, 0x69,
	0x74, 0x5f, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x01, 0x06, 0x77,
	0x61, 0x73, 0x6d, 0x6f, 0x73, 0x11, 0x6e, 0x65, 0x78, 0x74, 0x5f, 0x6e,
	0x6f, 0x74, 0x69, 0x66, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00,
	0x00, 0x06, 0x77, 0x61, 0x73, 0x6d, 0x6f, 0x73, 0x0e, 0x63, 0x61, 0x6e,
	0x63, 0x65, 0x6c, 0x5f, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x00,
	0x02, 0x03, 0x02, 0x01, 0x03, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74,
	0x61, 0x72, 0x74, 0x00, 0x04, 0x0a, 0x47, 0x01, 0x45, 0x00, 0x41, 0x00,
	0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x10, 0x00, 0x41, 0x7f,
	0x47, 0x04, 0x40, 0x00, 0x0b, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41,
	0x00, 0x10, 0x01, 0x41, 0x7f, 0x47, 0x04, 0x40, 0x00, 0x0b, 0x41, 0x00,
	0x41, 0x00, 0x41, 0x00, 0x41, 0xc0, 0x00, 0x41, 0x01, 0x10, 0x02, 0x41,
	0x7f, 0x47, 0x04, 0x40, 0x00, 0x0b, 0x41, 0x00, 0x10, 0x03, 0x41, 0x7f,
	0x47, 0x04, 0x40, 0x00, 0x0b, 0x0b
};

/* ---- hostile arguments ------------------------------------------------------------- */

/* Bytes the hostile script points at. */
enum {
	IOV_WRAP = S_FREE,            /* {0xfffffff0, 0x20}: ptr + len wraps to 0x10 */
	IOV_HUGE = S_FREE + 0x08,     /* {0x100, 0xffffffff} */
	IOV_PAST = S_FREE + 0x10,     /* {0xffff, 2}: one byte past the end */
	IOV_TWO = S_FREE + 0x18,      /* {ping, 4}, {0xffffffff, 2}: the second is bad */
	IOV_LAST = S_FREE + 0x28,     /* {0xfff7, 1}: the last byte before the id below */
	LAST_ID = S_MEM_SIZE - 8,     /* a u64 that ends at the end of memory */
};

typedef struct hostile_call {
	kt_cmd cmd;
	int32_t want;
} hostile_call;

#define EMIT(a, b, c, d, e) { OP_EMIT, a, b, c, d, e }
#define ANSWER(a, b, c, d) { OP_ANSWER, a, b, c, d, 0 }
#define NEXT(a, b, c, d, e) { OP_NEXT, a, b, c, d, e }
#define CANCEL(a) { OP_CANCEL, a, 0, 0, 0, 0 }

static const hostile_call hostile[] = {
	/* emit_message */
	{ EMIT(0xfffffff0u, S_IOV_PING, 1, 0, 0), KERN_EFAULT },        /* id wraps */
	{ EMIT(S_MEM_SIZE - 31, S_IOV_PING, 1, 0, 0), KERN_EFAULT },    /* id one byte past */
	{ EMIT(S_ID_A, S_MEM_SIZE, 1, 0, 0), KERN_EFAULT },             /* iovecs past the end */
	{ EMIT(S_ID_A, S_MEM_SIZE - 4, 1, 0, 0), KERN_EFAULT },         /* an iovec across it */
	{ EMIT(S_ID_A, IOV_WRAP, 1, 0, 0), KERN_EFAULT },
	{ EMIT(S_ID_A, IOV_HUGE, 1, 0, 0), KERN_EFAULT },
	{ EMIT(S_ID_A, IOV_PAST, 1, 0, 0), KERN_EFAULT },
	{ EMIT(S_ID_A, IOV_TWO, 2, 0, 0), KERN_EFAULT },
	{ EMIT(S_ID_A, S_IOV_PING, 65, 0, 0), KERN_EINVAL },            /* n > 64 */
	{ EMIT(S_ID_A, S_IOV_PING, 0xffffffffu, 0, 0), KERN_EINVAL },
	{ EMIT(S_ID_A, S_IOV_PING, 0x20000001u, 0, 0), KERN_EINVAL },   /* n * 8 wraps to 8 */
	{ EMIT(S_ID_A, S_IOV_PING, 1, 4, 0), KERN_EINVAL },             /* unknown flag */
	{ EMIT(S_ID_A, S_IOV_PING, 1, 0x80000000u | F_ANSWER, S_ID(1)), KERN_EINVAL },
	{ EMIT(S_ID_A, S_IOV_PING, 1, F_ANSWER, 0xfffffffcu), KERN_EFAULT }, /* id_out */
	{ EMIT(S_ID_A, S_IOV_PING, 1, F_ANSWER, LAST_ID + 1), KERN_EFAULT },
	/* emit_answer */
	{ ANSWER(0xfffffff9u, S_IOV_PONG, 1, 0), KERN_EFAULT },
	{ ANSWER(LAST_ID + 1, S_IOV_PONG, 1, 0), KERN_EFAULT },
	{ ANSWER(S_ID(0), IOV_WRAP, 1, 0), KERN_EFAULT },
	{ ANSWER(S_ID(0), S_IOV_PONG, 65, 0), KERN_EINVAL },
	{ ANSWER(S_ID(0), S_IOV_PONG, 0x20000001u, 0), KERN_EINVAL },
	{ ANSWER(S_ID(0), S_IOV_PONG, 1, 2), KERN_EINVAL },             /* no status 2 */
	{ ANSWER(S_ID(0), S_IOV_PONG, 1, 0xffffffffu), KERN_EINVAL },
	{ ANSWER(S_ID(0), S_IOV_PONG, 1, 0), KERN_ENOENT },             /* not its to answer */
	/* next_notification */
	{ NEXT(0xfffffff8u, 2, S_BUF(0), S_BUF_LEN, 0), KERN_EFAULT },
	{ NEXT(S_MEM_SIZE - 8, 2, S_BUF(0), S_BUF_LEN, 0), KERN_EFAULT },
	{ NEXT(0, 0, 0xffff0000u, 0x20000, 0), KERN_EFAULT },           /* wraps to 0x10000 */
	{ NEXT(0, 0, S_MEM_SIZE - 0x1000, 0x1001, 0), KERN_EFAULT },    /* one byte past */
	{ NEXT(0, 0, S_MEM_SIZE - 0x1000, 0x1000, 0), 0 },              /* up to the end: ok */
	{ NEXT(0, 0, S_BUF(0), S_BUF_LEN, 2), KERN_EINVAL },
	{ NEXT(0, 0, S_BUF(0), S_BUF_LEN, 0xffffffffu), KERN_EINVAL },
	{ NEXT(S_ID(0), 0xffffffffu, S_BUF(0), S_BUF_LEN, 0), KERN_EINVAL },
	{ NEXT(S_ID(0), 0x20000001u, S_BUF(0), S_BUF_LEN, 0), KERN_EINVAL },
	/* cancel_message */
	{ CANCEL(0xfffffffcu), KERN_EFAULT },
	{ CANCEL(LAST_ID + 1), KERN_EFAULT },
	/* and after all that, calls at the very edges of memory work */
	{ EMIT(S_ID_A, IOV_LAST, 1, F_ANSWER, LAST_ID), 0 },
	{ NEXT(LAST_ID, 1, S_BUF(0), S_BUF_LEN, F_BLOCK), KERN_NOTE_HEADER + 2 },
};

#define NHOSTILE ((uint32_t)(sizeof hostile / sizeof hostile[0]))

static int test_abi_hostile_arguments_fail_only_that_call(void)
{
	CHECK(open_kernel(NULL) == 0);
	na.answer_now = true;
	memcpy(na.answer, "ok", 2);
	na.answer_len = 2;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);

	kt_cmd s[NHOSTILE + 1];
	uint32_t errors = 0;
	for (uint32_t i = 0; i < NHOSTILE; i++) {
		s[i] = hostile[i].cmd;
		if (hostile[i].want < 0) errors++;
	}
	s[NHOSTILE] = (kt_cmd){ OP_HALT, 0, 0, 0, 0, 0 };
	const kern_spawn_args ha = { .name = "hostile", .allow = &kt_id_a, .nallow = 1 };
	uint64_t h, good;
	CHECK_EQ(kt_spawn(&t, &ha, s, NHOSTILE + 1, &h), 0);
	kt_iov(&t, h, IOV_WRAP, 0xfffffff0u, 0x20);
	kt_iov(&t, h, IOV_HUGE, 0x100, 0xffffffffu);
	kt_iov(&t, h, IOV_PAST, S_MEM_SIZE - 1, 2);
	kt_iov(&t, h, IOV_TWO, S_PING, 4);
	kt_iov(&t, h, IOV_TWO + 8, 0xffffffffu, 2);
	kt_iov(&t, h, IOV_LAST, LAST_ID - 1, 1);
	kt_poke(&t, h, LAST_ID - 1, "z", 1);
	kt_poke64(&t, h, S_ID(0), 0x600dd00dull);
	/* a well-behaved program in the same turns */
	const kt_cmd gs[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	CHECK_EQ(kt_spawn(&t, &client_a, gs, KT_NCMDS(gs), &good), 0);
	kt_run(&t);

	for (uint32_t i = 0; i < NHOSTILE; i++) {
		int32_t got = kt_result(&t, h, i);
		if (got != hostile[i].want) {
			fprintf(stderr, "  hostile call %u (op %u): got %d, want %d\n", i,
				hostile[i].cmd.op, got, hostile[i].want);
			return 1;
		}
	}
	/* alive, at its HALT; each error logged once with its pid */
	CHECK_EQ(kt_pc(&t, h), NHOSTILE);
	CHECK_EQ(kt_state(&t, h), KERN_PROC_WAITING);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(h), NULL), errors);
	/* nothing was sent but the two good messages, and the good one's id is where
	 * it was asked to be, at the very end of memory */
	CHECK_EQ(na.n, 2);
	CHECK(na.msgs[0].sender == h || na.msgs[1].sender == h);
	const kt_msg *hm = na.msgs[0].sender == h ? &na.msgs[0] : &na.msgs[1];
	CHECK(hm->len == 1 && hm->body[0] == 'z');
	CHECK_EQ(kt_peek64(&t, h, LAST_ID), hm->id);
	CHECK(kt_check_note(&t, h, S_BUF(0), 1, KERN_ANSWER_OK, hm->id, kt_id_a, 0, "ok", 2) == 0);
	/* the other program did not notice */
	CHECK_EQ(kt_result(&t, good, 0), 0);
	CHECK_EQ(kt_result(&t, good, 1), KERN_NOTE_HEADER + 2);
	CHECK_EQ(kt_log_count(&t, kt_pid_str(good), NULL), 0);
	kt_close(&t);
	return 0;
}

/* The list of ids to wait for is n u64s: with a limit of outstanding messages high
 * enough to allow a huge n, n * 8 must not wrap into a small, valid range. */
static int test_abi_next_ids_length_cannot_wrap(void)
{
	CHECK(open_kernel(NULL) == 0);
	na.answer_now = true;
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kern_spawn_args a = { .allow = &kt_id_a, .nallow = 1, .limits.max_outstanding = 0xffffffffu };
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, S_MEM_SIZE - 8, 0x20000001u, S_BUF(0), S_BUF_LEN, 0 }, /* 8 bytes, wrapped */
		{ OP_NEXT, 0, 0x20000000u, S_BUF(0), S_BUF_LEN, 0 },              /* 0 bytes, wrapped */
		{ OP_NEXT, S_ID(0), 1, S_BUF(0), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), KERN_EFAULT);
	CHECK_EQ(kt_result(&t, c, 2), KERN_EFAULT);
	CHECK_EQ(kt_result(&t, c, 3), KERN_NOTE_HEADER);
	kt_close(&t);
	return 0;
}

static int test_abi_program_without_memory_gets_efault(void)
{
	CHECK(open_kernel(NULL) == 0);
	kern_spawn_args a = { .name = "nomem", .wasm = nomem_wasm, .wasm_len = sizeof nomem_wasm };
	uint64_t pid;
	CHECK_EQ(kern_spawn(t.k, &a, &pid, NULL), 0);
	kt_run(&t);
	CHECK_EQ(t.nended, 1);
	CHECK_EQ(t.ended[0], pid);
	CHECK_EQ(t.codes[0], 0); /* it would trap on any other result */
	CHECK_EQ(kt_log_count(&t, kt_pid_str(pid), "bad address"), 4);
	kt_close(&t);
	return 0;
}

/* ---- the notification buffer ---------------------------------------------------------- */

static int test_abi_small_buffer_returns_size_and_keeps_notification(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_NEXT, 0, 0, S_BUF(1), 10, F_BLOCK },               /* blocks: nothing yet */
		{ OP_NEXT, 0, 0, S_BUF(1), KERN_NOTE_HEADER + 4, 0 },
		{ OP_NEXT, 0, 0, S_BUF(1), 0, F_BLOCK },
		{ OP_NEXT, 0, 0, S_BUF(0), KERN_NOTE_HEADER + 5, 0 },  /* exactly its size */
		{ OP_NEXT, 0, 0, S_BUF(0) + 0x800, S_BUF_LEN / 2, 0 },  /* gone */
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	uint8_t fill[S_BUF_LEN];
	memset(fill, 0xee, sizeof fill);
	kt_poke(&t, c, S_BUF(0), fill, sizeof fill);
	kt_poke(&t, c, S_BUF(1), fill, sizeof fill);
	kt_run(&t);
	CHECK_EQ(kt_pc(&t, c), 1);
	CHECK_EQ(na.n, 1);
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "world", 5, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK_EQ(kt_result(&t, c, 1), KERN_NOTE_HEADER + 5);
	CHECK_EQ(kt_result(&t, c, 2), KERN_NOTE_HEADER + 5);
	CHECK_EQ(kt_result(&t, c, 3), KERN_NOTE_HEADER + 5);
	CHECK_EQ(kt_result(&t, c, 4), KERN_NOTE_HEADER + 5);
	CHECK_EQ(kt_result(&t, c, 5), 0);
	CHECK(memcmp(kt_mem(&t, c) + S_BUF(1), fill, sizeof fill) == 0); /* never written */
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, "world", 5) == 0);
	CHECK_EQ(kt_mem(&t, c)[S_BUF(0) + KERN_NOTE_HEADER + 5], 0xee);
	kt_close(&t);
	return 0;
}

/* Waiting for one id lets other answers wait, in order; messages always qualify. */
static int test_abi_next_waits_for_listed_ids_only(void)
{
	CHECK(open_kernel(NULL) == 0);
	CHECK_EQ(kern_native_register(t.k, kt_id_a, &kt_native_ops, &na), 0);
	const kt_cmd s[] = {
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(0) },
		{ OP_EMIT, S_ID_A, S_IOV_PING, 1, F_ANSWER, S_ID(1) },
		{ OP_NEXT, S_ID(1), 1, S_BUF(0), S_BUF_LEN, F_BLOCK },
		{ OP_NEXT, S_ID(1), 1, S_BUF(1), S_BUF_LEN, 0 },
		{ OP_NEXT, 0, 0, S_BUF(2), S_BUF_LEN, 0 },
		{ OP_HALT, 0, 0, 0, 0, 0 },
	};
	uint64_t c;
	CHECK_EQ(kt_spawn(&t, &client_a, s, KT_NCMDS(s), &c), 0);
	kt_run(&t);
	CHECK_EQ(na.n, 2);
	CHECK_EQ(kern_answer(t.k, na.msgs[0].id, "first", 5, KERN_ANSWER_OK), 0);
	CHECK(!kern_has_ready(t.k)); /* not the one it waits for */
	CHECK_EQ(kern_answer(t.k, na.msgs[1].id, "second", 6, KERN_ANSWER_OK), 0);
	kt_run(&t);
	CHECK(kt_check_note(&t, c, S_BUF(0), 1, KERN_ANSWER_OK, na.msgs[1].id, kt_id_a, 0, "second", 6) == 0);
	CHECK_EQ(kt_result(&t, c, 3), 0);
	CHECK(kt_check_note(&t, c, S_BUF(2), 1, KERN_ANSWER_OK, na.msgs[0].id, kt_id_a, 0, "first", 5) == 0);
	kt_close(&t);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_abi_hostile_arguments_fail_only_that_call),
		TEST(test_abi_next_ids_length_cannot_wrap),
		TEST(test_abi_program_without_memory_gets_efault),
		TEST(test_abi_small_buffer_returns_size_and_keeps_notification),
		TEST(test_abi_next_waits_for_listed_ids_only),
	};
	kt_watchdog(300);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
