/* system_test.c: tests for system.c: a system on a kernel (kern_system_*).  A hosted
 * program over a kernel with the fake platform (testkit.h), a fake reader of programs
 * by path that serves the small modules below, a native loader, and hooks that
 * record what they are asked.  It prints each test's name and ok or FAIL, then
 * "N passed, N failed"; a test that leaks, or tells the allocator a wrong size, fails.
 */
#include "system.h"
#include "testkit.h"
#include "cid.h"
#include "ifc_kv.h"
#include "ifc_loader.h"
#include "ifc_all.h"

/* The modules, from wat2wasm 1.0.32:
 *
 * handler: registers the interface whose id stands at 64 (after the tag 0 of a
 * register body; the placeholder KK..K is patched to kv), the message sent to the
 * id at 0 (II..I, patched to `interface`), then blocks for ever:
 *   (module
 *     (import "wasmos" "emit_message" (func $emit (param i32 i32 i32 i32 i32) (result i32)))
 *     (import "wasmos" "next_notification" (func $next (param i32 i32 i32 i32 i32) (result i32)))
 *     (memory 1)
 *     (data (i32.const 0) "IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII")
 *     (data (i32.const 64) "\00KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK")
 *     (data (i32.const 128) "\40\00\00\00\21\00\00\00")
 *     (func (export "_start")
 *       (drop (call $emit (i32.const 0) (i32.const 128) (i32.const 1) (i32.const 1) (i32.const 256)))
 *       (loop $l
 *         (drop (call $next (i32.const 0) (i32.const 0) (i32.const 1024) (i32.const 4096) (i32.const 1)))
 *         (br $l))))
 * halt: the same loop of next_notification alone.
 * exit7: (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
 *        (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 7)))
 * trap: (func (export "_start") unreachable)     nop: (func (export "_start"))
 * spin: (func (export "_start") (loop $l (br $l)))
 */
static const uint8_t HANDLER_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x02, 0x60, 0x05, 0x7f, 0x7f,
	0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x32, 0x02, 0x06, 0x77, 0x61, 0x73,
	0x6d, 0x6f, 0x73, 0x0c, 0x65, 0x6d, 0x69, 0x74, 0x5f, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67,
	0x65, 0x00, 0x00, 0x06, 0x77, 0x61, 0x73, 0x6d, 0x6f, 0x73, 0x11, 0x6e, 0x65, 0x78, 0x74,
	0x5f, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73,
	0x74, 0x61, 0x72, 0x74, 0x00, 0x02, 0x0a, 0x27, 0x01, 0x25, 0x00, 0x41, 0x00, 0x41, 0x80,
	0x01, 0x41, 0x01, 0x41, 0x01, 0x41, 0x80, 0x02, 0x10, 0x00, 0x1a, 0x03, 0x40, 0x41, 0x00,
	0x41, 0x00, 0x41, 0x80, 0x08, 0x41, 0x80, 0x20, 0x41, 0x01, 0x10, 0x01, 0x1a, 0x0c, 0x00,
	0x0b, 0x0b, 0x0b, 0x5b, 0x03, 0x00, 0x41, 0x00, 0x0b, 0x20, 0x49, 0x49, 0x49, 0x49, 0x49,
	0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49,
	0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x00, 0x41, 0xc0,
	0x00, 0x0b, 0x21, 0x00, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x00, 0x41, 0x80, 0x01, 0x0b, 0x08, 0x40, 0x00, 0x00,
	0x00, 0x21, 0x00, 0x00, 0x00,
};
static const uint8_t HALT_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x02, 0x60, 0x05, 0x7f, 0x7f,
	0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x1c, 0x01, 0x06, 0x77, 0x61, 0x73,
	0x6d, 0x6f, 0x73, 0x11, 0x6e, 0x65, 0x78, 0x74, 0x5f, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x69,
	0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x05, 0x03, 0x01,
	0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x01, 0x0a,
	0x18, 0x01, 0x16, 0x00, 0x03, 0x40, 0x41, 0x00, 0x41, 0x00, 0x41, 0x80, 0x08, 0x41, 0x80,
	0x20, 0x41, 0x01, 0x10, 0x00, 0x1a, 0x0c, 0x00, 0x0b, 0x0b,
};
static const uint8_t EXIT7_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00,
	0x60, 0x00, 0x00, 0x02, 0x24, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
	0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09,
	0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01,
	0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
	0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x01, 0x0a, 0x08, 0x01, 0x06,
	0x00, 0x41, 0x07, 0x10, 0x00, 0x0b,
};
static const uint8_t TRAP_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
	0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
};
static const uint8_t NOP_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
	0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};
static const uint8_t SPIN_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

static const struct module {
	const char *name;
	const uint8_t *bytes;
	size_t len;
} modules[] = {
	{ "handler", HANDLER_WASM, sizeof HANDLER_WASM },
	{ "halt", HALT_WASM, sizeof HALT_WASM },
	{ "exit7", EXIT7_WASM, sizeof EXIT7_WASM },
	{ "trap", TRAP_WASM, sizeof TRAP_WASM },
	{ "nop", NOP_WASM, sizeof NOP_WASM },
	{ "spin", SPIN_WASM, sizeof SPIN_WASM },
	{ "garbage", (const uint8_t *)"\0asm\2\0\0\0", 8 },
};

/* ---- the platform's part ----------------------------------------------------------------- */

#define MAX_SAID 256

typedef struct fake {
	int reads, releases;
	char grants[4][64];          /* dir_grant's hosts */
	uint32_t ngrants;
	uint64_t allowed[8][2];      /* dir_allow's key and pid */
	uint32_t nallowed;
	char binds[4][64];           /* listen_bind's addresses */
	uint32_t nbinds;
	char said[MAX_SAID][200];
	int levels[MAX_SAID];
	uint32_t nsaid;
	/* the loader */
	bool hold;                   /* keep the get instead of answering */
	uint64_t held;
	int gets;
} fake;

static const struct module *module_of(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
		size_t n = strlen(modules[i].name);
		if (strncmp(base, modules[i].name, n) == 0 && strcmp(base + n, ".wasm") == 0) return &modules[i];
	}
	return NULL;
}

/* The handler with its placeholders made real ids. */
static void patch(uint8_t *b, size_t len)
{
	for (size_t i = 0; i + KERN_ID_SIZE <= len; i++) {
		if (memcmp(b + i, "IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII", KERN_ID_SIZE) == 0) memcpy(b + i, ifc_interface_id, KERN_ID_SIZE);
		if (memcmp(b + i, "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK", KERN_ID_SIZE) == 0) memcpy(b + i, ifc_kv_id, KERN_ID_SIZE);
	}
}

static int path_read(void *ud, const char *path, uint8_t **bytes, size_t *len, char *why, size_t whylen)
{
	fake *f = ud;
	const struct module *m = module_of(path);
	f->reads++;
	if (!m) {
		snprintf(why, whylen, "No such file or directory");
		return 44;
	}
	/* through the checking allocator: a leak of the program's bytes would show */
	*bytes = g_alloc.fn(g_alloc.ud, NULL, 0, m->len);
	if (!*bytes) {
		snprintf(why, whylen, "out of memory");
		return 48;
	}
	memcpy(*bytes, m->bytes, m->len);
	patch(*bytes, m->len);
	*len = m->len;
	return 0;
}

static void path_release(void *ud, uint8_t *bytes, size_t len)
{
	fake *f = ud;
	f->releases++;
	g_alloc.fn(g_alloc.ud, bytes, len, 0);
}

static int dir_grant(void *ud, const char *host, uint32_t *key, char *why, size_t whylen)
{
	fake *f = ud;
	if (strstr(host, "nowhere")) {
		snprintf(why, whylen, "No such file or directory");
		return -1;
	}
	if (f->ngrants < 4) snprintf(f->grants[f->ngrants], sizeof f->grants[0], "%s", host);
	*key = 100 + f->ngrants++;
	return 0;
}

static int dir_allow(void *ud, uint32_t key, uint64_t pid)
{
	fake *f = ud;
	if (f->nallowed < 8) {
		f->allowed[f->nallowed][0] = key;
		f->allowed[f->nallowed][1] = pid;
	}
	f->nallowed++;
	return 0;
}

static int listen_bind(void *ud, const char *addr, char *bound, size_t boundlen, char *why, size_t whylen)
{
	fake *f = ud;
	if (f->nbinds < 4) snprintf(f->binds[f->nbinds], sizeof f->binds[0], "%s", addr);
	f->nbinds++;
	if (strcmp(addr, "bad") == 0) {
		snprintf(why, whylen, "not an address");
		return -1;
	}
	size_t n = strlen(addr);
	if (n > 2 && strcmp(addr + n - 2, ":0") == 0) snprintf(bound, boundlen, "%.*s:4242", (int)(n - 2), addr);
	else snprintf(bound, boundlen, "%s", addr);
	return 0;
}

static void say(void *ud, int level, const char *line)
{
	fake *f = ud;
	if (f->nsaid < MAX_SAID) {
		snprintf(f->said[f->nsaid], sizeof f->said[0], "%s", line);
		f->levels[f->nsaid] = level;
	}
	f->nsaid++;
}

static uint32_t said(const fake *f, const char *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < f->nsaid && i < MAX_SAID; i++) n += strstr(f->said[i], s) != NULL;
	return n;
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	fake *f = ud;
	ifc_loader_get m;
	f->gets++;
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0) return;
	if (f->hold) {
		f->held = d->id;
		return;
	}
	/* the CID of "nop" gets nop; any other, spin (whose CID it is not) */
	char nop_cid[WOS_CID_MAX];
	wos_cid_of(NOP_WASM, sizeof NOP_WASM, nop_cid);
	bool nop = m.cid_len == WOS_CID_LEN && memcmp(m.cid, nop_cid, WOS_CID_LEN) == 0;
	ifc_loader_get_answer a = { .bytes = nop ? NOP_WASM : SPIN_WASM, .bytes_len = nop ? sizeof NOP_WASM : sizeof SPIN_WASM };
	uint8_t buf[128];
	uint32_t len = ifc_loader_get_answer_encode(&a, buf, sizeof buf);
	kern_answer(k, d->id, buf, len, KERN_ANSWER_OK);
}

static const kern_native loader_ops = { loader_message, NULL };

static kern_system_hooks hooks_of(fake *f, bool host)
{
	kern_system_hooks h = { .say = say, .ud = f };
	if (host) {
		h.paths = (kern_path_reader){ path_read, path_release, f };
		h.dir_grant = dir_grant;
		h.dir_allow = dir_allow;
		h.listen_bind = listen_bind;
		h.network = true;
	}
	return h;
}

/* A kernel with the fake platform, a native kv (which a system may keep or drop) and
 * the loader. */
static int open_kernel(kt *t, fake *f)
{
	memset(f, 0, sizeof *f);
	if (kt_open(t, NULL)) return 1;
	if (kern_native_register(t->k, ifc_kv_id, &kt_native_ops, &t->report) ||
	    kern_native_register(t->k, ifc_loader_id, &loader_ops, f)) {
		kt_close(t);
		return 1;
	}
	return 0;
}

/* Boots text and drives the system as a platform's loop would, until it ends or
 * nothing is ready; the state, or -1 when kern_system_boot refused (err says why). */
static int boot(kt *t, fake *f, bool host, const char *text, kern_system **s, char *err, size_t errlen)
{
	kern_system_hooks h = hooks_of(f, host);
	static kern_system_hooks kept;   /* borrowed by the system */
	kept = h;
	if (kern_system_boot(t->k, "t.sys", text, strlen(text), &kept, s, err, errlen) != 0) return -1;
	int state = KERN_SYSTEM_STARTING;
	for (int i = 0; i < 100000; i++) {
		state = kern_system_step(*s);
		if (state == KERN_SYSTEM_ENDED || state == KERN_SYSTEM_FAILED || !kern_has_ready(t->k)) break;
		kern_run_ready(t->k);
	}
	return state;
}

static void shut(kt *t, kern_system *s)
{
	kern_system_free(s);
	kt_close(t);
}

/* ---- the tests -------------------------------------------------------------------------- */

static int test_system_ends_with_the_essential_programs_exit_code(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	int st = boot(&t, &f, true, "program spin spin.wasm\nprogram e exit7.wasm\n\tessential\n", &s, err, sizeof err);
	CHECK_EQ(st, KERN_SYSTEM_ENDED);
	CHECK_EQ(kern_system_exit_code(s), 7);
	CHECK(strcmp(kern_system_why(s), "") == 0);
	CHECK_EQ(said(&f, "essential program e ended (exit 7)"), 1);
	CHECK_EQ(f.levels[0], KERN_LOG_INFO);
	/* each program read once to check it, once to start it, and every read released */
	CHECK_EQ(f.reads, 4);
	CHECK_EQ(f.releases, 4);
	CHECK_EQ(kern_live_count(t.k), 1); /* spin lives on: the platform ends it */
	shut(&t, s);
	return 0;
}

static int test_system_without_essential_ends_when_all_end(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, true, "program a nop.wasm\nprogram b trap.wasm\n", &s, err, sizeof err), KERN_SYSTEM_ENDED);
	CHECK_EQ(kern_system_exit_code(s), 0);
	CHECK_EQ(kern_live_count(t.k), 0);
	shut(&t, s);
	return 0;
}

/* A manual program is read to check it, never started: the system ends without it. */
static int test_system_leaves_manual_programs_unstarted(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	int st = boot(&t, &f, true, "program s spin.wasm\n\tmanual\nprogram a nop.wasm\n", &s, err, sizeof err);
	CHECK_EQ(st, KERN_SYSTEM_ENDED);
	CHECK_EQ(kern_system_exit_code(s), 0);
	CHECK_EQ(kern_live_count(t.k), 0); /* spin never ran */
	CHECK_EQ(f.reads, 3);              /* both checked, only nop started */
	CHECK_EQ(f.releases, 3);
	shut(&t, s);
	return 0;
}

static int test_system_starts_programs_with_their_lines(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	const char *text = "program a halt.wasm\n"
			   "\targs one \"two words\"\n"
			   "\tenv K=V\n"
			   "\tallow kv\n"
			   "\tdeny random\n"
			   "\tdir data::/d\n"
			   "\tlisten 127.0.0.1:0\n"
			   "\tmax-memory 2p\n";
	CHECK_EQ(boot(&t, &f, true, text, &s, err, sizeof err), KERN_SYSTEM_RUNNING);
	kern_proc *p = kern_proc_find(t.k, 1);
	CHECK(p && p->state == KERN_PROC_WAITING);
	CHECK(strcmp(p->name, "a") == 0);
	CHECK_EQ(p->limits.max_memory_pages, 2);
	CHECK(kern_proc_granted(t.k, 1, ifc_kv_id, KERN_GRANT_EMIT));
	CHECK(!kern_proc_granted(t.k, 1, ifc_random_id, KERN_GRANT_EMIT));
	/* dir and listen imply files and tcp */
	CHECK(kern_proc_granted(t.k, 1, ifc_files_id, KERN_GRANT_EMIT));
	CHECK(kern_proc_granted(t.k, 1, ifc_tcp_id, KERN_GRANT_EMIT));
	CHECK(f.ngrants == 1 && strcmp(f.grants[0], "data") == 0);
	CHECK(f.nallowed == 1 && f.allowed[0][0] == 100 && f.allowed[0][1] == 1);
	CHECK(f.nbinds == 1 && strcmp(f.binds[0], "127.0.0.1:0") == 0);
	CHECK_EQ(said(&f, "a listens on 127.0.0.1:4242"), 1);
	shut(&t, s);
	return 0;
}

static int test_system_handler_registers_before_the_next_starts(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	/* kv is native here: a program that handles it takes it from the platform */
	kern_system_hooks h = hooks_of(&f, true);
	const char *text = "program kv handler.wasm\n\thandles kv\nprogram b spin.wasm\n";
	CHECK_EQ(kern_system_boot(t.k, "t.sys", text, strlen(text), &h, &s, err, sizeof err), 0);
	/* the first step started both, kv registered before b was spawned */
	CHECK_EQ(kern_system_step(s), KERN_SYSTEM_RUNNING);
	kern_handler *kv = kern_iface_handler(t.k, ifc_kv_id);
	CHECK(kv && kv->proc && kv->proc->pid == 1);
	kern_proc *b = kern_proc_find(t.k, 2);
	CHECK(b && b->fuel_used == 0);
	shut(&t, s);
	return 0;
}

static int test_system_restarts_at_most_100_times(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, true, "program t trap.wasm\n\trestart\nprogram h halt.wasm\n", &s, err, sizeof err),
		 KERN_SYSTEM_RUNNING);
	CHECK_EQ(said(&f, ": restarting it"), 100);
	CHECK_EQ(said(&f, "t (pid 1) ended with exit code 134: restarting it"), 1);
	CHECK_EQ(said(&f, "t ended 101 times: not restarting it"), 1);
	/* the dead are reaped as they are restarted: one t left, and h */
	kern_stats st;
	kern_stats_get(t.k, &st);
	CHECK_EQ(st.processes, 2);
	CHECK_EQ(st.live, 1);
	shut(&t, s);
	return 0;
}

static int test_system_keeps_the_natives_it_names(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[512];
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, true, "native kv\nprogram h halt.wasm\n", &s, err, sizeof err), KERN_SYSTEM_RUNNING);
	kern_stats st;
	kern_stats_get(t.k, &st);
	CHECK_EQ(st.native_handlers, 2); /* interface and kv */
	CHECK(kern_iface_handler(t.k, ifc_kv_id) && !kern_iface_handler(t.k, ifc_loader_id));
	shut(&t, s);
	/* a native this platform lacks: refused, naming the ones it has */
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, true, "\nnative log\nprogram h halt.wasm\n", &s, err, sizeof err), -1);
	CHECK(strstr(err, "t.sys:2: no native handler for log here; natives: ") == err);
	CHECK(strstr(err, " kv") && strstr(err, " loader"));
	CHECK_EQ(f.reads, 0);
	kt_close(&t);
	return 0;
}

static int test_system_by_cid_waits_for_its_loader(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256], text[160];
	char cid[WOS_CID_MAX];
	wos_cid_of(NOP_WASM, sizeof NOP_WASM, cid);
	snprintf(text, sizeof text, "program n %s\n\tessential\n", cid);
	CHECK(open_kernel(&t, &f) == 0);
	f.hold = true;
	kern_system_hooks h = hooks_of(&f, false);
	CHECK_EQ(kern_system_boot(t.k, "t.sys", text, strlen(text), &h, &s, err, sizeof err), 0);
	CHECK_EQ(kern_system_step(s), KERN_SYSTEM_STARTING);
	CHECK_EQ(f.gets, 1);
	ifc_loader_get_answer a = { .bytes = NOP_WASM, .bytes_len = sizeof NOP_WASM };
	uint8_t buf[128];
	CHECK_EQ(kern_answer(t.k, f.held, buf, ifc_loader_get_answer_encode(&a, buf, sizeof buf), KERN_ANSWER_OK), 0);
	CHECK_EQ(kern_system_step(s), KERN_SYSTEM_RUNNING);
	kt_run(&t);
	CHECK_EQ(kern_system_step(s), KERN_SYSTEM_ENDED);
	CHECK_EQ(kern_system_exit_code(s), 0);
	shut(&t, s);
	/* a loader that never answers: the platform says so, the system fails */
	CHECK(open_kernel(&t, &f) == 0);
	f.hold = true;
	CHECK_EQ(kern_system_boot(t.k, "t.sys", text, strlen(text), &h, &s, err, sizeof err), 0);
	CHECK_EQ(kern_system_stalled(s), KERN_SYSTEM_FAILED);
	snprintf(text, sizeof text, "t.sys:1: program n: %s: the loader did not answer", cid);
	CHECK(strcmp(kern_system_why(s), text) == 0);
	shut(&t, s);
	/* freed while its load waits: the load ends with the kernel, calling nobody */
	CHECK(open_kernel(&t, &f) == 0);
	f.hold = true;
	snprintf(text, sizeof text, "program n %s\n", cid);
	CHECK_EQ(kern_system_boot(t.k, "t.sys", text, strlen(text), &h, &s, err, sizeof err), 0);
	kern_system_free(s);
	kt_close(&t);
	return 0;
}

static int test_system_refuses_bytes_of_another_cid(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256], text[160];
	char cid[WOS_CID_MAX];
	wos_cid_of("not this", 8, cid);
	snprintf(text, sizeof text, "# first\nprogram n %s\n", cid);
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, false, text, &s, err, sizeof err), KERN_SYSTEM_FAILED);
	CHECK(strstr(kern_system_why(s), "t.sys:2: program n: loader gave bytes whose CID is ") == kern_system_why(s));
	CHECK(strstr(kern_system_why(s), cid) != NULL);
	CHECK_EQ(kern_live_count(t.k), 0);
	shut(&t, s);
	return 0;
}

/* Systems a platform or its programs refuse: kern_system_boot's error, or the state
 * FAILED with its why; in both, no program ran. */
static int test_system_failures_name_file_line_and_program(void)
{
	static const struct {
		bool host;
		const char *text, *err;
	} cases[] = {
		{ false, "program a a.wasm\n", "t.sys:1: program a: a.wasm: this kernel starts programs by CID only" },
		{ false, "program a bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n\tdir x\n",
		  "t.sys:2: program a: dir: this kernel has no host folders" },
		{ false, "program a bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n\n\tlisten x:1\n",
		  "t.sys:3: program a: listen: this kernel has no host sockets" },
		/* offline is what a kernel without a network is anyway: the next line is refused */
		{ false, "offline\n\ngateway http://x\npeer /ip4/1.2.3.4/tcp/1\nprogram a a.wasm\n",
		  "t.sys:3: gateway: this kernel has no network" },
		{ false, "p2p-listen /ip4/0.0.0.0/tcp/0\npeer /a /b\nprogram a a.wasm\n",
		  "t.sys:1: p2p-listen: this kernel has no network" },
		{ true, "program a nop.wasm\nprogram b missing.wasm\n", "t.sys:2: program b: missing.wasm: No such file" },
		{ true, "program a nop.wasm\n\tdir nowhere\n", "t.sys:2: program a: dir nowhere: No such file" },
		{ true, "program a nop.wasm\n\tlisten ok:1 bad\n", "t.sys:2: program a: listen bad: not an address" },
		{ true, "program b garbage.wasm\nprogram a nop.wasm\n",
		  "t.sys:1: program b: garbage.wasm: malformed module: unknown binary version (at byte offset 0x4)" },
		{ true, "program a nop.wasm\nprogram Bad x.wasm\n", "t.sys:2: 'Bad' is not a program name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kt t;
		fake f;
		kern_system *s = NULL;
		char err[256] = "";
		CHECK(open_kernel(&t, &f) == 0);
		int st = boot(&t, &f, cases[i].host, cases[i].text, &s, err, sizeof err);
		const char *why = st == -1 ? err : kern_system_why(s);
		bool ok = (st == -1 || st == KERN_SYSTEM_FAILED) && strstr(why, cases[i].err) == why;
		ok = ok && kern_proc_find(t.k, 1) == NULL;   /* nothing started */
		if (!ok) fprintf(stderr, "  case %zu: state %d, '%s'; want '%s'\n", i, st, why, cases[i].err);
		shut(&t, s);
		if (!ok) return 1;
	}
	return 0;
}

static int test_system_default_limits_apply_to_its_programs(void)
{
	kt t;
	fake f;
	kern_system *s;
	char err[256];
	CHECK(open_kernel(&t, &f) == 0);
	CHECK_EQ(boot(&t, &f, true, "fuel-slice 777\nmax-memory 3p\nprogram a halt.wasm\nprogram b halt.wasm\n\tfuel-slice 5\n",
		      &s, err, sizeof err),
		 KERN_SYSTEM_RUNNING);
	kern_proc *a = kern_proc_find(t.k, 1), *b = kern_proc_find(t.k, 2);
	CHECK(a && b);
	CHECK_EQ(a->limits.fuel_slice, 777);
	CHECK_EQ(a->limits.max_memory_pages, 3);
	CHECK_EQ(b->limits.fuel_slice, 5);
	CHECK_EQ(b->limits.max_memory_pages, 3);
	shut(&t, s);
	return 0;
}

/* Every allocation of a boot refused in turn (parse, prepare, start): an error or a
 * system, never a leak or a wrong size. */
static int test_system_out_of_memory_loop(void)
{
	const char *text = "program kv handler.wasm\n\thandles kv\n\tdir d\n\tlisten 1.2.3.4:0\n"
			   "program e exit7.wasm\n\targs x y\n\tessential\n";
	for (long n = 1;; n++) {
		kt t;
		fake f;
		kern_system *s = NULL;
		char err[256];
		CHECK(open_kernel(&t, &f) == 0);
		test_heap_fail_at(n, false);
		int st = boot(&t, &f, true, text, &s, err, sizeof err);
		bool refused = g_heap.refused != 0;
		test_heap_fail_at(0, false);
		CHECK(st != -1 || s == NULL);
		shut(&t, s);
		CHECK_EQ(g_heap.live, 0);
		if (!refused) {
			CHECK_EQ(st, KERN_SYSTEM_ENDED);
			break;
		}
		CHECK(n < 100000);
	}
	return 0;
}

/* Garbage for a system file: refused by the parser with nothing left, on a kernel
 * that goes on. */
static int test_system_garbage_files_are_refused(void)
{
	uint64_t x = 88172645463325252ull;
	static char text[2048];
	for (int round = 0; round < 500; round++) {
		kt t;
		fake f;
		kern_system *s = NULL;
		char err[256];
		size_t len = 0;
		for (; len < (size_t)(x % sizeof text); len++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			text[len] = "program a nop.wasm\n\thandles kv\"#x"[x % 34];
		}
		CHECK(open_kernel(&t, &f) == 0);
		kern_system_hooks h = hooks_of(&f, true);
		if (kern_system_boot(t.k, "g.sys", text, len, &h, &s, err, sizeof err) != 0) CHECK(strncmp(err, "g.sys:", 6) == 0);
		shut(&t, s);
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_system_ends_with_the_essential_programs_exit_code),
	TEST(test_system_without_essential_ends_when_all_end),
	TEST(test_system_leaves_manual_programs_unstarted),
	TEST(test_system_starts_programs_with_their_lines),
	TEST(test_system_handler_registers_before_the_next_starts),
	TEST(test_system_restarts_at_most_100_times),
	TEST(test_system_keeps_the_natives_it_names),
	TEST(test_system_by_cid_waits_for_its_loader),
	TEST(test_system_refuses_bytes_of_another_cid),
	TEST(test_system_failures_name_file_line_and_program),
	TEST(test_system_default_limits_apply_to_its_programs),
	TEST(test_system_out_of_memory_loop),
	TEST(test_system_garbage_files_are_refused),
};

int main(void)
{
	kt_watchdog(120);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
