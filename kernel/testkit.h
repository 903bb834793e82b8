/* testkit.h: what the kernel's unit tests share (msg_test.c, abi_test.c and the rest): a fake platform
 * that records log lines and ended processes, a native handler that records what it
 * gets, and the script program.  Test programs only; everything here is static.
 *
 * The script program is one small Wasm module that runs a list of syscalls the test
 * writes into its memory after kern_spawn and before its first turn, so a test is a
 * short table of commands rather than a module of its own.  Each command's return
 * value lands in a results array the test reads while the process lives.  Its memory
 * (one page) is laid out as:
 *
 *   0x000  interface ids: A, B, REPORT, interface, log (32 bytes each)
 *   0x100  "ping", 0x108 "pong"; iovecs for them at 0x180, 0x188
 *   0x190  iovec of a register(A) body (at 0x200), 0x198 of unregister(A) (at 0x240)
 *   0x400  u64 id slots, S_ID(i)                 0xf00  REPORT's own iovec
 *   0xff8  the command running now (pc)
 *   0x1000 i32 result of command i at S_RESULTS + 4 i
 *   0x2000 commands, 24 bytes each: op and five i32 arguments
 *   0x8000 free for notification buffers, S_BUF(i), 4 KiB each (i < 6)
 *   0xe000 HALT's buffer
 *
 * The REPORT interface is in every process's default grant; kt_open registers a
 * recorder for it, so a script can hand bytes to the test (OP_REPORT).
 */
#ifndef WASMOS_KERNEL_TESTKIT_H
#define WASMOS_KERNEL_TESTKIT_H

#include "internal.h"
#include "testing.h"
#include "ifc_interface.h"
#include "ifc_log.h"

#include <signal.h>
#include <unistd.h>

/* ---- the script program --------------------------------------------------------- */

/* script.wat, wat2wasm 1.0.32:
 * (module
 *   (import "wasmos" "emit_message" (func $emit (param i32 i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "emit_answer" (func $answer (param i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "next_notification" (func $next (param i32 i32 i32 i32 i32) (result i32)))
 *   (import "wasmos" "cancel_message" (func $cancel (param i32) (result i32)))
 *   (memory 1)
 *   (func (export "_start")
 *     (local $pc i32) (local $at i32) (local $r i32) (local $n i32)
 *     loop $step
 *       (local.set $at (i32.add (i32.const 0x2000) (i32.mul (local.get $pc) (i32.const 24))))
 *       (i32.store (i32.const 0xff8) (local.get $pc))
 *       (local.set $r (i32.const 0))
 *       block $store
 *       block $loopn
 *       block $halt
 *       block $report
 *       block $copy
 *       block $trap
 *       block $spin
 *       block $jump
 *       block $cancel
 *       block $next
 *       block $answer
 *       block $emit
 *       block $end
 *         (i32.load (local.get $at))
 *         br_table $end $emit $answer $next $cancel $jump $spin $trap $copy $report $halt $loopn $end
 *       end
 *       return
 *       end
 *       (local.set $r (call $emit (i32.load offset=4 (local.get $at)) (i32.load offset=8 (local.get $at))
 *         (i32.load offset=12 (local.get $at)) (i32.load offset=16 (local.get $at))
 *         (i32.load offset=20 (local.get $at))))
 *       br $store
 *       end
 *       (local.set $r (call $answer (i32.load offset=4 (local.get $at)) (i32.load offset=8 (local.get $at))
 *         (i32.load offset=12 (local.get $at)) (i32.load offset=16 (local.get $at))))
 *       br $store
 *       end
 *       (local.set $r (call $next (i32.load offset=4 (local.get $at)) (i32.load offset=8 (local.get $at))
 *         (i32.load offset=12 (local.get $at)) (i32.load offset=16 (local.get $at))
 *         (i32.load offset=20 (local.get $at))))
 *       br $store
 *       end
 *       (local.set $r (call $cancel (i32.load offset=4 (local.get $at))))
 *       br $store
 *       end
 *       (local.set $pc (i32.load offset=4 (local.get $at)))
 *       br $step
 *       end
 *       loop $forever
 *         br $forever
 *       end
 *       br $store
 *       end
 *       unreachable
 *       end
 *       (memory.copy (i32.load offset=4 (local.get $at)) (i32.load offset=8 (local.get $at))
 *         (i32.load offset=12 (local.get $at)))
 *       br $store
 *       end
 *       (i32.store (i32.const 0xf00) (i32.load offset=4 (local.get $at)))
 *       (i32.store (i32.const 0xf04) (i32.load offset=8 (local.get $at)))
 *       (local.set $r (call $emit (i32.const 0x40) (i32.const 0xf00) (i32.const 1) (i32.const 0)
 *         (i32.const 0)))
 *       br $store
 *       end
 *       loop $wait
 *         (drop (call $next (i32.const 0) (i32.const 0) (i32.const 0xe000) (i32.const 0x2000)
 *           (i32.const 1)))
 *         br $wait
 *       end
 *       br $store
 *       end
 *       (local.set $n (i32.load offset=4 (local.get $at)))
 *       loop $l
 *         (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))
 *       end
 *       end
 *       (i32.store (i32.add (i32.const 0x1000) (i32.shl (local.get $pc) (i32.const 2)))
 *         (local.get $r))
 *       (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
 *       br $step
 *     end))
 */
static const uint8_t __attribute__((unused)) script_wasm[] = {
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
	0x02, 0x03, 0x02, 0x01, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a,
	0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x04, 0x0a, 0xd1,
	0x02, 0x01, 0xce, 0x02, 0x01, 0x04, 0x7f, 0x03, 0x40, 0x41, 0x80, 0xc0,
	0x00, 0x20, 0x00, 0x41, 0x18, 0x6c, 0x6a, 0x21, 0x01, 0x41, 0xf8, 0x1f,
	0x20, 0x00, 0x36, 0x02, 0x00, 0x41, 0x00, 0x21, 0x02, 0x02, 0x40, 0x02,
	0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02,
	0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20,
	0x01, 0x28, 0x02, 0x00, 0x0e, 0x0c, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x00, 0x0b, 0x0f, 0x0b, 0x20, 0x01,
	0x28, 0x02, 0x04, 0x20, 0x01, 0x28, 0x02, 0x08, 0x20, 0x01, 0x28, 0x02,
	0x0c, 0x20, 0x01, 0x28, 0x02, 0x10, 0x20, 0x01, 0x28, 0x02, 0x14, 0x10,
	0x00, 0x21, 0x02, 0x0c, 0x0a, 0x0b, 0x20, 0x01, 0x28, 0x02, 0x04, 0x20,
	0x01, 0x28, 0x02, 0x08, 0x20, 0x01, 0x28, 0x02, 0x0c, 0x20, 0x01, 0x28,
	0x02, 0x10, 0x10, 0x01, 0x21, 0x02, 0x0c, 0x09, 0x0b, 0x20, 0x01, 0x28,
	0x02, 0x04, 0x20, 0x01, 0x28, 0x02, 0x08, 0x20, 0x01, 0x28, 0x02, 0x0c,
	0x20, 0x01, 0x28, 0x02, 0x10, 0x20, 0x01, 0x28, 0x02, 0x14, 0x10, 0x02,
	0x21, 0x02, 0x0c, 0x08, 0x0b, 0x20, 0x01, 0x28, 0x02, 0x04, 0x10, 0x03,
	0x21, 0x02, 0x0c, 0x07, 0x0b, 0x20, 0x01, 0x28, 0x02, 0x04, 0x21, 0x00,
	0x0c, 0x07, 0x0b, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0c, 0x05, 0x0b, 0x00,
	0x0b, 0x20, 0x01, 0x28, 0x02, 0x04, 0x20, 0x01, 0x28, 0x02, 0x08, 0x20,
	0x01, 0x28, 0x02, 0x0c, 0xfc, 0x0a, 0x00, 0x00, 0x0c, 0x03, 0x0b, 0x41,
	0x80, 0x1e, 0x20, 0x01, 0x28, 0x02, 0x04, 0x36, 0x02, 0x00, 0x41, 0x84,
	0x1e, 0x20, 0x01, 0x28, 0x02, 0x08, 0x36, 0x02, 0x00, 0x41, 0xc0, 0x00,
	0x41, 0x80, 0x1e, 0x41, 0x01, 0x41, 0x00, 0x41, 0x00, 0x10, 0x00, 0x21,
	0x02, 0x0c, 0x02, 0x0b, 0x03, 0x40, 0x41, 0x00, 0x41, 0x00, 0x41, 0x80,
	0xc0, 0x03, 0x41, 0x80, 0xc0, 0x00, 0x41, 0x01, 0x10, 0x02, 0x1a, 0x0c,
	0x00, 0x0b, 0x0c, 0x01, 0x0b, 0x20, 0x01, 0x28, 0x02, 0x04, 0x21, 0x03,
	0x03, 0x40, 0x20, 0x03, 0x41, 0x01, 0x6b, 0x22, 0x03, 0x0d, 0x00, 0x0b,
	0x0b, 0x41, 0x80, 0x20, 0x20, 0x00, 0x41, 0x02, 0x74, 0x6a, 0x20, 0x02,
	0x36, 0x02, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x0c, 0x00,
	0x0b, 0x0b
};

/* Commands.  a..e are the i32 arguments; the result of each goes to S_RESULTS. */
enum {
	OP_END,     /* _start returns: the process ends with code 0 */
	OP_EMIT,    /* emit_message(a, b, c, d, e) */
	OP_ANSWER,  /* emit_answer(a, b, c, d) */
	OP_NEXT,    /* next_notification(a, b, c, d, e) */
	OP_CANCEL,  /* cancel_message(a) */
	OP_JUMP,    /* continue at command a */
	OP_SPIN,    /* loop forever */
	OP_TRAP,    /* unreachable */
	OP_COPY,    /* memory.copy(dst a, src b, len c) */
	OP_REPORT,  /* emit bytes [a, a+b) to REPORT, no answer wanted */
	OP_HALT,    /* block in next_notification forever */
	OP_LOOPN,   /* a loop of a iterations (a > 0) */
};

typedef struct kt_cmd {
	uint32_t op, a, b, c, d, e;
} kt_cmd;

enum {
	S_ID_A = 0x00, S_ID_B = 0x20, S_ID_REPORT = 0x40, S_ID_IFACE = 0x60, S_ID_LOG = 0x80,
	S_PING = 0x100, S_PONG = 0x108,
	S_IOV_PING = 0x180, S_IOV_PONG = 0x188, S_IOV_REG_A = 0x190, S_IOV_UNREG_A = 0x198,
	S_REG_A = 0x200, S_UNREG_A = 0x240,
	S_FREE = 0x500,            /* up to 0xf00: free for a test's own bytes */
	S_PC = 0xff8,
	S_RESULTS = 0x1000,
	S_SCRIPT = 0x2000,
	S_BUFS = 0x8000,
	S_MEM_SIZE = 0x10000,
};
#define S_ID(i) (0x400u + 8u * (i))
#define S_BUF(i) (S_BUFS + 0x1000u * (i))
#define S_BUF_LEN 0x1000u
#define S_MAX_CMDS ((S_BUFS - S_SCRIPT) / 24u)

/* emit and next flags (docs/abi.md) */
#define F_ANSWER 1u
#define F_WAIT 2u
#define F_BLOCK 1u

/* Test interfaces: any 32 bytes name an interface. */
static const uint8_t __attribute__((unused)) kt_id_a[KERN_ID_SIZE] = "kernel test interface A";
static const uint8_t __attribute__((unused)) kt_id_b[KERN_ID_SIZE] = "kernel test interface B";
static const uint8_t __attribute__((unused)) kt_id_report[KERN_ID_SIZE] = "kernel test interface REPORT";

/* ---- a native handler that records ----------------------------------------------- */

#define KT_MAX_MSGS 128
#define KT_MAX_BODY 256

typedef struct kt_msg {
	uint64_t id, sender;
	uint8_t iface[KERN_ID_SIZE];
	uint8_t body[KT_MAX_BODY];
	uint32_t len;
} kt_msg;

typedef struct kt_native kt_native;
struct kt_native {
	uint32_t n;                     /* messages seen (the first KT_MAX_MSGS kept) */
	kt_msg msgs[KT_MAX_MSGS];
	uint32_t nended;                /* client_ended calls */
	uint64_t ended[16];
	/* when set, every message that wants an answer is answered at once */
	bool answer_now;
	int status;
	uint8_t answer[64];
	uint32_t answer_len;
	/* called after a message is recorded (may be NULL) */
	void (*hook)(kt_native *r, kern_state *k, const kern_delivery *d);
	void *hook_ud;
};

static inline void kt_native_message(void *ud, kern_state *k, const kern_delivery *d)
{
	kt_native *r = ud;
	if (r->n < KT_MAX_MSGS) {
		kt_msg *m = &r->msgs[r->n];
		m->id = d->id;
		m->sender = d->sender;
		memcpy(m->iface, d->iface, KERN_ID_SIZE);
		m->len = d->len;
		memcpy(m->body, d->body, d->len < KT_MAX_BODY ? d->len : KT_MAX_BODY);
	}
	r->n++;
	if (r->answer_now && d->id) kern_answer(k, d->id, r->answer, r->answer_len, r->status);
	if (r->hook) r->hook(r, k, d);
}

static inline void kt_native_client_ended(void *ud, kern_state *k, uint64_t pid)
{
	kt_native *r = ud;
	(void)k;
	if (r->nended < 16) r->ended[r->nended] = pid;
	r->nended++;
}

static const kern_native __attribute__((unused)) kt_native_ops = {
	kt_native_message, kt_native_client_ended
};

/* ---- the fake platform ---------------------------------------------------------- */

#define KT_MAX_LOG 256
#define KT_LINE 200

typedef struct kt {
	kern_state *k;
	uint32_t nlog;                  /* lines logged (the first KT_MAX_LOG kept) */
	char log[KT_MAX_LOG][KT_LINE];
	uint32_t nended;                /* proc_ended calls */
	uint64_t ended[64];
	int codes[64];
	uint64_t clock;
	kt_native report;               /* the handler of REPORT */
} kt;

static inline void kt_plat_log(void *ud, int level, const char *line, size_t len)
{
	kt *t = ud;
	(void)level;
	if (t->nlog < KT_MAX_LOG) {
		size_t n = len < KT_LINE - 1 ? len : KT_LINE - 1;
		memcpy(t->log[t->nlog], line, n);
		t->log[t->nlog][n] = 0;
	}
	t->nlog++;
	if (getenv("KT_VERBOSE")) fprintf(stderr, "    log: %.*s\n", (int)len, line);
}

static inline uint64_t kt_plat_now(void *ud)
{
	kt *t = ud;
	return t->clock += 1000;
}

static inline void kt_plat_ended(void *ud, uint64_t pid, int code)
{
	kt *t = ud;
	if (t->nended < 64) {
		t->ended[t->nended] = pid;
		t->codes[t->nended] = code;
	}
	t->nended++;
}

static const kern_platform __attribute__((unused)) kt_platform = { kt_plat_log, kt_plat_now, kt_plat_ended };

/* Makes a kernel over the fake platform with `limits` (NULL: the defaults) and the
 * REPORT recorder.  Nonzero (and nothing to close) when the allocator refuses. */
static inline int kt_open(kt *t, const kern_limits *limits)
{
	memset(t, 0, sizeof *t);
	kern_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.alloc = g_alloc;
	cfg.plat = &kt_platform;
	cfg.plat_ud = t;
	if (limits) cfg.limits = *limits;
	t->k = kern_new(&cfg);
	if (!t->k) return 1;
	kern_grant_default(t->k, kt_id_report);
	if (kern_native_register(t->k, kt_id_report, &kt_native_ops, &t->report) != 0) {
		kern_free(t->k);
		t->k = NULL;
		return 1;
	}
	return 0;
}

static inline void kt_close(kt *t)
{
	kern_free(t->k);
	t->k = NULL;
}

/* Runs rounds (kern_run_ready) until no process is ready, at most KT_MAX_ROUNDS of
 * them, so a process that never blocks cannot hang a test.  Returns the turns given. */
#define KT_MAX_ROUNDS 100000
static inline uint32_t kt_run(kt *t)
{
	uint32_t turns = 0;
	for (int i = 0; i < KT_MAX_ROUNDS && kern_has_ready(t->k); i++) turns += kern_run_ready(t->k);
	return turns;
}

/* Log lines (of those kept) that contain every one of up to two strings. */
static inline uint32_t kt_log_count(const kt *t, const char *s1, const char *s2)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->nlog && i < KT_MAX_LOG; i++)
		if (strstr(t->log[i], s1) && (!s2 || strstr(t->log[i], s2))) n++;
	return n;
}

/* "pid N" as the kernel writes it in log lines. */
static inline const char *kt_pid_str(uint64_t pid)
{
	static char buf[4][32];
	static int at;
	at = (at + 1) % 4;
	snprintf(buf[at], sizeof buf[at], "pid %llu ", (unsigned long long)pid);
	return buf[at];
}

/* ---- processes ------------------------------------------------------------------- */

/* The memory of a live process (S_MEM_SIZE bytes), or NULL. */
static inline uint8_t *kt_mem(kt *t, uint64_t pid)
{
	kern_proc *p = kern_proc_find(t->k, pid);
	if (!p || p->state == KERN_PROC_DEAD) return NULL;
	return kern_guest_ptr(p, 0, S_MEM_SIZE);
}

static inline void kt_poke(kt *t, uint64_t pid, uint32_t at, const void *bytes, uint32_t len)
{
	uint8_t *m = kt_mem(t, pid);
	if (m) memcpy(m + at, bytes, len);
}

static inline void kt_poke32(kt *t, uint64_t pid, uint32_t at, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	kt_poke(t, pid, at, b, 4);
}

static inline void kt_poke64(kt *t, uint64_t pid, uint32_t at, uint64_t v)
{
	kt_poke32(t, pid, at, (uint32_t)v);
	kt_poke32(t, pid, at + 4, (uint32_t)(v >> 32));
}

/* An iovec {ptr, len} at `at`. */
static inline void kt_iov(kt *t, uint64_t pid, uint32_t at, uint32_t ptr, uint32_t len)
{
	kt_poke32(t, pid, at, ptr);
	kt_poke32(t, pid, at + 4, len);
}

static inline uint32_t kt_rd32(const uint8_t *b)
{
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t kt_rd64(const uint8_t *b) { return kt_rd32(b) | (uint64_t)kt_rd32(b + 4) << 32; }

/* A u32 or u64 of a live process's memory; 0xdeadbeef when it is not alive. */
static inline uint32_t kt_peek32(kt *t, uint64_t pid, uint32_t at)
{
	uint8_t *m = kt_mem(t, pid);
	return m ? kt_rd32(m + at) : 0xdeadbeefu;
}

static inline uint64_t kt_peek64(kt *t, uint64_t pid, uint32_t at)
{
	uint8_t *m = kt_mem(t, pid);
	return m ? kt_rd64(m + at) : 0xdeadbeefu;
}

/* What command i returned; the command a live process runs now. */
static inline int32_t kt_result(kt *t, uint64_t pid, uint32_t i)
{
	return (int32_t)kt_peek32(t, pid, S_RESULTS + 4 * i);
}
static inline uint32_t kt_pc(kt *t, uint64_t pid) { return kt_peek32(t, pid, S_PC); }

static inline bool kt_alive(kt *t, uint64_t pid) { return kt_mem(t, pid) != NULL; }

static inline int kt_state(kt *t, uint64_t pid)
{
	kern_proc_info info;
	return kern_proc_get(t->k, pid, &info) == 0 ? info.state : -1;
}

/* Spawns the script program with the cmds and the standard bytes of the layout above.
 * `a` gives grants, limits and name (NULL: none); its wasm fields are ignored.
 * Returns kern_spawn's code. */
static inline int kt_spawn(kt *t, const kern_spawn_args *a, const kt_cmd *cmds, uint32_t n, uint64_t *pid)
{
	kern_spawn_args args;
	if (a) args = *a;
	else memset(&args, 0, sizeof args);
	if (!args.name) args.name = "script";
	args.wasm = script_wasm;
	args.wasm_len = sizeof script_wasm;
	eng_error err;
	int rc = kern_spawn(t->k, &args, pid, &err);
	if (rc) {
		if (getenv("KT_VERBOSE"))
			fprintf(stderr, "    spawn: %s: %s\n", kern_error_text(rc), err.msg);
		return rc;
	}
	kt_poke(t, *pid, S_ID_A, kt_id_a, KERN_ID_SIZE);
	kt_poke(t, *pid, S_ID_B, kt_id_b, KERN_ID_SIZE);
	kt_poke(t, *pid, S_ID_REPORT, kt_id_report, KERN_ID_SIZE);
	kt_poke(t, *pid, S_ID_IFACE, ifc_interface_id, KERN_ID_SIZE);
	kt_poke(t, *pid, S_ID_LOG, ifc_log_id, KERN_ID_SIZE);
	kt_poke(t, *pid, S_PING, "ping", 4);
	kt_poke(t, *pid, S_PONG, "pong", 4);
	kt_iov(t, *pid, S_IOV_PING, S_PING, 4);
	kt_iov(t, *pid, S_IOV_PONG, S_PONG, 4);
	uint8_t body[64];
	ifc_interface_register reg;
	memcpy(reg.id, kt_id_a, KERN_ID_SIZE);
	uint32_t len = ifc_interface_register_encode(&reg, body, sizeof body);
	kt_poke(t, *pid, S_REG_A, body, len);
	kt_iov(t, *pid, S_IOV_REG_A, S_REG_A, len);
	ifc_interface_unregister unreg;
	memcpy(unreg.id, kt_id_a, KERN_ID_SIZE);
	len = ifc_interface_unregister_encode(&unreg, body, sizeof body);
	kt_poke(t, *pid, S_UNREG_A, body, len);
	kt_iov(t, *pid, S_IOV_UNREG_A, S_UNREG_A, len);
	/* results start as a value no call returns */
	for (uint32_t i = 0; i < n; i++) kt_poke32(t, *pid, S_RESULTS + 4 * i, 0x7eadbeef);
	for (uint32_t i = 0; i < n && i < S_MAX_CMDS; i++) {
		uint32_t at = S_SCRIPT + 24 * i;
		kt_poke32(t, *pid, at, cmds[i].op);
		kt_poke32(t, *pid, at + 4, cmds[i].a);
		kt_poke32(t, *pid, at + 8, cmds[i].b);
		kt_poke32(t, *pid, at + 12, cmds[i].c);
		kt_poke32(t, *pid, at + 16, cmds[i].d);
		kt_poke32(t, *pid, at + 20, cmds[i].e);
	}
	return 0;
}

#define KT_NCMDS(s) ((uint32_t)(sizeof(s) / sizeof(s)[0]))

/* Commands a handler of A starts with: register (answer in S_BUF(5)).  Two commands.
 * Only when no message waits for A: those are delivered ahead of the register answer,
 * and messages always qualify, so the second command would take one of them. */
#define KT_REGISTER_A                                                                  \
	{ OP_EMIT, S_ID_IFACE, S_IOV_REG_A, 1, F_ANSWER, S_ID(31) },                    \
	{ OP_NEXT, S_ID(31), 1, S_BUF(5), S_BUF_LEN, F_BLOCK }

/* A notification header (docs/abi.md), read back from guest memory. */
typedef struct kt_note {
	uint8_t kind, status, pad[2];
	uint32_t len;
	uint64_t id;
	uint8_t iface[KERN_ID_SIZE];
	uint64_t pid;
	const uint8_t *body;
} kt_note;

/* Reads the notification at `at` of a live process; false when it is dead. */
static inline bool kt_read_note(kt *t, uint64_t pid, uint32_t at, kt_note *n)
{
	uint8_t *m = kt_mem(t, pid);
	if (!m) return false;
	m += at;
	n->kind = m[0];
	n->status = m[1];
	n->pad[0] = m[2];
	n->pad[1] = m[3];
	n->len = kt_rd32(m + 4);
	n->id = kt_rd64(m + 8);
	memcpy(n->iface, m + 16, KERN_ID_SIZE);
	n->pid = kt_rd64(m + 48);
	n->body = m + 56;
	return true;
}

static const uint8_t __attribute__((unused)) kt_zero_id[KERN_ID_SIZE];

/* Checks every header field of the notification at `at` and its body; 0 when all
 * match.  Use as CHECK(kt_check_note(...) == 0): the failing field is printed. */
static inline int kt_check_note(kt *t, uint64_t pid, uint32_t at, uint8_t kind, uint8_t status,
				uint64_t id, const uint8_t *iface, uint64_t from, const void *body,
				uint32_t len)
{
	kt_note n;
	CHECK(kt_read_note(t, pid, at, &n));
	CHECK_EQ(n.kind, kind);
	CHECK_EQ(n.status, status);
	CHECK_EQ(n.pad[0], 0);
	CHECK_EQ(n.pad[1], 0);
	CHECK_EQ(n.len, len);
	CHECK_EQ(n.id, id);
	CHECK(memcmp(n.iface, iface, KERN_ID_SIZE) == 0);
	CHECK_EQ(n.pid, from);
	CHECK(len == 0 || memcmp(n.body, body, len) == 0);
	return 0;
}

/* A guard for tests that could hang if the scheduler broke: the process dies, and
 * tests/run.sh counts a missing "N passed" line as a failure. */
static inline void kt_watchdog(unsigned seconds) { alarm(seconds); }

#endif
