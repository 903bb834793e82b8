/* replay.c: runs the fuzz targets (targets.c, ipfs.c) over every input the fuzzers ever
 * crashed on, and over hand-made hostile modules, so that `make test` keeps every
 * fixed fuzz bug fixed without libFuzzer.
 *
 * Usage: fuzz-replay DIR...   (each file in each DIR is one input, e.g. tests/fuzz/regress)
 * An input passes when both targets complete and report no broken contract; a crash
 * or a sanitizer report (in the asan build) ends the program, which tests/run.sh
 * counts as a failure.  A saved input also goes through the out-of-memory loop: each
 * allocation refused in turn, since the fuzzers' choice of which one to refuse
 * depends on how many the engine makes.  Prints "name ok" or "name FAIL", then
 * "N passed, N failed".
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "targets.h"

static int passed, failed;

#define OOM_MAX_PASSES 500 /* per target and input: beyond it, every Nth allocation */

/* Each target with each allocation refused in turn, once alone and once for good. */
static int oom_loop(const uint8_t *data, size_t len)
{
	int (*const pass[2])(const uint8_t *, size_t, unsigned long, int, unsigned long *) = {
		fuzz_load_pass, fuzz_run_pass
	};
	int bad = 0;

	for (int p = 0; p < 2 && !bad; p++) {
		unsigned long calls, step;

		bad = pass[p](data, len, 0, 0, &calls);
		step = calls / OOM_MAX_PASSES + 1;
		for (unsigned long n = 1; n <= calls && !bad; n += step)
			bad = pass[p](data, len, n, 0, NULL) || pass[p](data, len, n, 1, NULL);
	}
	return bad;
}

static void check(const char *name, const uint8_t *data, size_t len, int oom)
{
	int bad = fuzz_load_one(data, len);

	bad |= fuzz_run_one(data, len);
	bad |= fuzz_ipfs_one(data, len);
	if (oom && !bad)
		bad = oom_loop(data, len);
	printf("%s %s\n", name, bad ? "FAIL" : "ok");
	fflush(stdout);
	if (bad)
		failed++;
	else
		passed++;
}

/* ---- saved inputs -------------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long len;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(data = malloc(len ? (size_t)len : 1)) || fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		failed++;
	} else {
		check(path, data, (size_t)len, 1);
	}
	free(data);
	if (f)
		fclose(f);
}

/* Every regular file of dir, in name order so that runs compare. */
static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		perror(dir);
		failed++;
		return;
	}
	while ((e = readdir(d))) {
		char **more;

		if (e->d_name[0] == '.')
			continue;
		more = realloc(names, (n + 1) * sizeof *names);
		if (!more)
			break;
		names = more;
		if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)))
			break;
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---- hand-made hostile modules ------------------------------------------------------- */

/* Each from wat2wasm; the text is above the bytes. */

/* (module (func (export "spin") (loop (br 0)))) */
static const uint8_t spin[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x00,
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

/* (module (func $f (export "rec") (call $f))) */
static const uint8_t recurse[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x65, 0x63, 0x00, 0x00, 0x0a,
	0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
};

/* (module (import "env" "h" (func $h (param i32) (result i32)))
 *   (func (export "go") (local i32) (loop (local.set 0 (call $h (local.get 0))) (br 0)))) */
static const uint8_t host_loop[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x01, 0x7f,
	0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68,
	0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x06, 0x01, 0x02, 0x67, 0x6f, 0x00, 0x01,
	0x0a, 0x11, 0x01, 0x0f, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x10, 0x00, 0x21,
	0x00, 0x0c, 0x00, 0x0b, 0x0b,
};

/* (module (memory 1) (table 0 funcref)
 *   (func (export "mem") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))))
 *   (func (export "tab") (drop (table.grow 0 (ref.null func) (i32.const 0x7fffffff))))) */
static const uint8_t grow[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x03, 0x02, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x00, 0x05, 0x03, 0x01,
	0x00, 0x01, 0x07, 0x0d, 0x02, 0x03, 0x6d, 0x65, 0x6d, 0x00, 0x00, 0x03, 0x74, 0x61,
	0x62, 0x00, 0x01, 0x0a, 0x1f, 0x02, 0x0e, 0x00, 0x03, 0x40, 0x41, 0x01, 0x40, 0x00,
	0x41, 0x7f, 0x47, 0x0d, 0x00, 0x0b, 0x0b, 0x0e, 0x00, 0xd0, 0x70, 0x41, 0xff, 0xff,
	0xff, 0xff, 0x07, 0xfc, 0x0f, 0x00, 0x1a, 0x0b,
};

/* (module (func $s unreachable) (start $s) (func (export "f"))) */
static const uint8_t start_traps[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x03, 0x02, 0x00, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x01, 0x08, 0x01,
	0x00, 0x0a, 0x08, 0x02, 0x03, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x0b,
};

/* (module (table 2 funcref) (func (export "ci") (call_indirect (i32.const 1)))) */
static const uint8_t null_indirect[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x07, 0x06, 0x01, 0x02,
	0x63, 0x69, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00,
	0x0b,
};

/* (module (memory 16) (func (export "f") (loop
 *   (memory.fill (i32.const 0) (i32.const 1) (i32.const 0x100000))
 *   (memory.copy (i32.const 1) (i32.const 0) (i32.const 0xfffff)) (br 0)))) */
static const uint8_t fill_all[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x10, 0x07, 0x05, 0x01, 0x01, 0x66,
	0x00, 0x00, 0x0a, 0x21, 0x01, 0x1f, 0x00, 0x03, 0x40, 0x41, 0x00, 0x41, 0x01, 0x41,
	0x80, 0x80, 0xc0, 0x00, 0xfc, 0x0b, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0xff, 0xff,
	0x3f, 0xfc, 0x0a, 0x00, 0x00, 0x0c, 0x00, 0x0b, 0x0b,
};

/* (module (import "env" "h" (func $h (param i32 f64) (result i32 i64 f32)))
 *   (import "env" "m" (memory 1 2)) (import "env" "t" (table 3 externref))
 *   (import "env" "g" (global (mut i64)))
 *   (export "h" (func $h)) (export "m" (memory 0)) (export "t" (table 0)) (export "g" (global 0))) */
static const uint8_t host_exports[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x01, 0x60, 0x02, 0x7f,
	0x7c, 0x03, 0x7f, 0x7e, 0x7d, 0x02, 0x26, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68,
	0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x01, 0x01, 0x02, 0x03, 0x65,
	0x6e, 0x76, 0x01, 0x74, 0x01, 0x6f, 0x00, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67,
	0x03, 0x7e, 0x01, 0x07, 0x11, 0x04, 0x01, 0x68, 0x00, 0x00, 0x01, 0x6d, 0x02, 0x00,
	0x01, 0x74, 0x01, 0x00, 0x01, 0x67, 0x03, 0x00,
};

/* (module (import "env" "m" (memory 100))): more pages than the fuzz store allows */
static const uint8_t big_memory_import[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x01, 0x03, 0x65, 0x6e,
	0x76, 0x01, 0x6d, 0x02, 0x00, 0x64,
};

/* Truncated and lying headers. */
static const uint8_t magic_only[] = { 0x00, 0x61, 0x73, 0x6d };
static const uint8_t section_past_end[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01,
};
static const uint8_t huge_type_count[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f,
};
static const uint8_t overlong_leb[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x81, 0x80, 0x80, 0x80, 0x80,
	0x00, 0x60,
};
/* one function whose body declares 2^32-1 i32 locals */
static const uint8_t huge_locals[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x0a, 0x0a, 0x01, 0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f,
	0x7f, 0x0b,
};

/* ---- generated ones ------------------------------------------------------------------ */

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static void put(buf *b, uint8_t x)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		if (!(b->p = realloc(b->p, b->cap))) {
			perror("realloc");
			exit(1);
		}
	}
	b->p[b->n++] = x;
}

static void put_leb(buf *b, uint32_t v)
{
	do {
		put(b, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

static void put_all(buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, p[i]);
}

/* A module of one exported function "f" of type [] -> [] with the given locals
 * (count of i32) and body (without its final end). */
static void func_module(buf *out, uint32_t nlocals, const buf *body)
{
	static const uint8_t head[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00,           /* type [] -> [] */
		0x03, 0x02, 0x01, 0x00,                       /* one function */
		0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,     /* export "f" */
	};
	buf entry = { 0 }, code = { 0 };

	if (nlocals) {
		put(&entry, 1);
		put_leb(&entry, nlocals);
		put(&entry, 0x7f);
	} else {
		put(&entry, 0);
	}
	put_all(&entry, body->p, body->n);
	put(&entry, 0x0b);
	put(&code, 1);
	put_leb(&code, (uint32_t)entry.n);
	put_all(&code, entry.p, entry.n);
	put_all(out, head, sizeof head);
	put(out, 0x0a);
	put_leb(out, (uint32_t)code.n);
	put_all(out, code.p, code.n);
	free(entry.p);
	free(code.p);
}

/* depth nested blocks, closed (or, with open, left open: malformed). */
static void check_nested(const char *name, uint32_t depth, int open)
{
	buf body = { 0 }, mod = { 0 };

	for (uint32_t i = 0; i < depth; i++) {
		put(&body, 0x02);
		put(&body, 0x40);
	}
	for (uint32_t i = 0; !open && i < depth; i++)
		put(&body, 0x0b);
	func_module(&mod, 0, &body);
	check(name, mod.p, mod.n, 0);
	free(body.p);
	free(mod.p);
}

/* (br_table 0 0 ... 0 (i32.const 0)) with n targets */
static void check_big_br_table(uint32_t n)
{
	buf body = { 0 }, mod = { 0 };

	put(&body, 0x41);
	put(&body, 0x00);
	put(&body, 0x0e);
	put_leb(&body, n);
	for (uint32_t i = 0; i <= n; i++)
		put(&body, 0x00);
	func_module(&mod, 0, &body);
	check("generated: br_table with 100000 targets", mod.p, mod.n, 0);
	free(body.p);
	free(mod.p);
}

/* A function with many locals that calls itself: its frames exhaust the slots
 * long before the call depth. */
static void check_fat_recursion(uint32_t nlocals)
{
	buf body = { 0 }, mod = { 0 };

	put(&body, 0x10);
	put(&body, 0x00);
	func_module(&mod, nlocals, &body);
	check("generated: recursion with 40000 locals per frame", mod.p, mod.n, 0);
	free(body.p);
	free(mod.p);
}

/* n pushes of i32.const 0, then n drops: a deep operand stack. */
static void check_deep_stack(uint32_t n)
{
	buf body = { 0 }, mod = { 0 };

	for (uint32_t i = 0; i < n; i++) {
		put(&body, 0x41);
		put(&body, 0x00);
	}
	for (uint32_t i = 0; i < n; i++)
		put(&body, 0x1a);
	func_module(&mod, 0, &body);
	check("generated: operand stack 70000 deep", mod.p, mod.n, 0);
	free(body.p);
	free(mod.p);
}

/* ---- fuel bounds bulk work (the fuzzers' hangs) ---------------------------------------- */

/* (module (memory 1) (global $n (export "n") (mut i32) (i32.const 0))
 *   (func (export "f") (loop (memory.fill (i32.const 0) (i32.const 1) (i32.const 65536))
 *     (global.set $n (i32.add (global.get $n) (i32.const 1))) (br 0)))) */
static const uint8_t fill_loop[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01,
	0x41, 0x00, 0x0b, 0x07, 0x09, 0x02, 0x01, 0x6e, 0x03, 0x00, 0x01, 0x66, 0x00, 0x00,
	0x0a, 0x1b, 0x01, 0x19, 0x00, 0x03, 0x40, 0x41, 0x00, 0x41, 0x01, 0x41, 0x80, 0x80,
	0x04, 0xfc, 0x0b, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x0c, 0x00, 0x0b,
	0x0b,
};

/* (module (global $n (export "n") (mut i32) (i32.const 0)) (func $f (local i64 x 12800))
 *   (func (export "f") (loop (call $f) (global.set $n (i32.add (global.get $n) (i32.const 1)))
 *     (br 0)))) */
static const uint8_t fat_call_loop[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x03, 0x02, 0x00, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07,
	0x09, 0x02, 0x01, 0x6e, 0x03, 0x00, 0x01, 0x66, 0x00, 0x01, 0x0a, 0x18, 0x02, 0x05,
	0x01, 0x80, 0x64, 0x7e, 0x0b, 0x10, 0x00, 0x03, 0x40, 0x10, 0x00, 0x23, 0x00, 0x41,
	0x01, 0x6a, 0x24, 0x00, 0x0c, 0x00, 0x0b, 0x0b,
};

static void *plain_alloc(void *ud, void *ptr, size_t old, size_t n)
{
	(void)ud, (void)old;
	if (n == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, n);
}

/* Runs "f" of a loop module with `fuel` and returns the iterations done (the global
 * n), or -1 when it did not stop out of fuel. */
static long loop_iterations(const uint8_t *mod, size_t len, int64_t fuel)
{
	const eng_alloc a = { plain_alloc, NULL };
	eng_module *m = NULL;
	eng_store *s = NULL;
	eng_instance *inst;
	eng_thread *t = NULL;
	eng_extern f, n;
	eng_error err;
	long got = -1;

	if (eng_module_load(&a, mod, len, &m, &err) != 0 ||
	    !(s = eng_store_new(&a, NULL)) || eng_instantiate(s, m, NULL, NULL, &inst, &err) != 0 ||
	    !(t = eng_thread_new(s, NULL)) || eng_instance_export(inst, "f", 1, &f) != 0 ||
	    eng_instance_export(inst, "n", 1, &n) != 0)
		goto out;
	eng_thread_set_fuel(t, fuel);
	if (eng_call(t, f.u.func, NULL, 0) == ENG_OUT_OF_FUEL)
		got = eng_global_get(n.u.global).i32;
out:
	eng_thread_free(t);
	eng_store_free(s);
	eng_module_free(m);
	return got;
}

static void check_iterations(const char *name, const uint8_t *mod, size_t len, long want_1000)
{
	long many = loop_iterations(mod, len, 1000), one = loop_iterations(mod, len, 10);
	int ok = many == want_1000 && one == 1;

	if (!ok)
		fprintf(stderr, "  iterations: %ld with 1000 units (want %ld), %ld with 10 (want 1)\n",
			many, want_1000, one);
	printf("%s %s\n", name, ok ? "ok" : "FAIL");
	if (ok)
		passed++;
	else
		failed++;
}

/* A 64 KiB fill costs 64 units and the back-edge one.  Of 1000 units, 15 iterations
 * use 975; the 16th fill runs on the 25 left, then the back-edge stops: 16, not the
 * 1000 of when only back-edges paid.  A fill dearer than the fuel left still runs, so
 * that a thread given little fuel at a time makes progress: 1 iteration on 10 units.
 * Likewise a call that zeroes 100 KiB of locals costs 1 + 100 units, and with the
 * back-edge 102: 9 iterations use 918, the 10th call runs on the 82 left. */
static void check_fuel_bounds_bulk_work(void)
{
	check_iterations("fuel bounds bulk memory ops", fill_loop, sizeof fill_loop, 16);
	check_iterations("fuel bounds zeroing locals", fat_call_loop, sizeof fat_call_loop, 10);
}

/* The out-of-memory loop too, unless the module runs long. */
#define CHECK_BYTES(a, oom) check("hand-made: " #a, a, sizeof a, oom)

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		replay_dir(argv[i]);

	check("hand-made: empty input", (const uint8_t *)"", 0, 1);
	CHECK_BYTES(magic_only, 1);
	CHECK_BYTES(section_past_end, 1);
	CHECK_BYTES(huge_type_count, 1);
	CHECK_BYTES(overlong_leb, 1);
	CHECK_BYTES(huge_locals, 1);
	CHECK_BYTES(spin, 1);
	CHECK_BYTES(recurse, 1);
	CHECK_BYTES(host_loop, 1);
	CHECK_BYTES(grow, 1);
	CHECK_BYTES(start_traps, 1);
	CHECK_BYTES(null_indirect, 1);
	CHECK_BYTES(fill_all, 0);
	CHECK_BYTES(host_exports, 1);
	CHECK_BYTES(big_memory_import, 1);
	check_nested("generated: 60000 nested blocks", 60000, 0);
	check_nested("generated: 70000 nested blocks", 70000, 0);
	check_nested("generated: 70000 unclosed blocks", 70000, 1);
	check_big_br_table(100000);
	check_fat_recursion(40000);
	check_deep_stack(70000);
	check_fuel_bounds_bulk_work();

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
