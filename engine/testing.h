/* testing.h: what the engine's run-time unit tests share (exec_test.c, thread_test.c,
 * instance_test.c): a checking allocator, CHECK, a fixture that loads and
 * instantiates a module, and the runner.  Test programs only; everything here is
 * static inline so that a test uses what it needs.
 *
 * The allocator keeps each block's size in a header, so it can check what the
 * engine tells it: a free or resize that names the wrong old size is counted in
 * bad_sizes.  It can refuse the Nth allocation (and, if asked, every one after it)
 * for the out-of-memory loops.  The runner fails a test that leaves bytes live or
 * told a wrong size.
 */
#ifndef WASMOS_ENGINE_TESTING_H
#define WASMOS_ENGINE_TESTING_H

#include "engine.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the checking allocator ------------------------------------------------------- */

typedef struct test_heap {
	size_t live;      /* bytes allocated and not freed */
	size_t peak;      /* the most bytes live at once */
	long calls;       /* allocations and resizes so far */
	long fail_at;     /* 0: never; else refuse that call... */
	bool fail_after;  /* ...and, if set, every call after it too */
	long refused;     /* calls refused */
	long bad_sizes;   /* frees and resizes told a wrong old size */
} test_heap;

#define TEST_HDR 16 /* keeps the block aligned for any type */

static test_heap g_heap;

static inline void *test_heap_fn(void *ud, void *ptr, size_t old, size_t n)
{
	test_heap *h = ud;
	unsigned char *b = ptr ? (unsigned char *)ptr - TEST_HDR : NULL;
	size_t have = 0;

	if (b) {
		memcpy(&have, b, sizeof have);
		if (have != old)
			h->bad_sizes++;
	}
	if (n == 0) {
		if (b) {
			h->live -= have;
			free(b);
		}
		return NULL;
	}
	h->calls++;
	if (h->fail_at && (h->calls == h->fail_at || (h->fail_after && h->calls > h->fail_at))) {
		h->refused++;
		return NULL;
	}
	b = realloc(b, TEST_HDR + n);
	if (!b)
		return NULL;
	memcpy(b, &n, sizeof n);
	h->live += n - have;
	if (h->live > h->peak)
		h->peak = h->live;
	return b + TEST_HDR;
}

static const eng_alloc g_alloc = { test_heap_fn, &g_heap };

/* Starts an out-of-memory run: count calls from zero and refuse call n. */
static inline void test_heap_fail_at(long n, bool for_good)
{
	g_heap.calls = 0;
	g_heap.refused = 0;
	g_heap.fail_at = n;
	g_heap.fail_after = for_good;
}

/* ---- checks ----------------------------------------------------------------------- */

static inline bool test_name_is(const char *s, uint32_t n, const char *want)
{
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* ---- a loaded and instantiated module ------------------------------------------------ */

typedef struct fixture {
	eng_module *m;
	eng_store *s;
	eng_instance *inst;
	eng_thread *t;
} fixture;

/* Loads bytes and instantiates them in a new store with `limits` (may be NULL),
 * then makes a thread.  Prints why and returns nonzero on failure; fixture_close
 * releases whatever was made. */
static inline int fixture_open(fixture *fx, const uint8_t *b, size_t n, const eng_limits *limits,
			       eng_resolve_fn resolve, void *ud)
{
	eng_error err;
	int rc;

	memset(fx, 0, sizeof *fx);
	memset(&err, 0, sizeof err);
	rc = eng_module_load(&g_alloc, b, n, &fx->m, &err);
	if (rc == 0) {
		fx->s = eng_store_new(&g_alloc, limits);
		rc = fx->s ? eng_instantiate(fx->s, fx->m, resolve, ud, &fx->inst, &err) : ENG_ERR_NOMEM;
	}
	if (rc == 0) {
		fx->t = eng_thread_new(fx->s, NULL);
		rc = fx->t ? 0 : ENG_ERR_NOMEM;
	}
	if (rc != 0)
		fprintf(stderr, "  fixture: %s: %s\n", eng_error_text(rc), err.msg);
	return rc;
}

static inline void fixture_close(fixture *fx)
{
	eng_thread_free(fx->t);
	eng_store_free(fx->s);
	eng_module_free(fx->m);
	memset(fx, 0, sizeof *fx);
}

/* The export `name` of the given kind, or NULL. */
static inline void *test_export(eng_instance *inst, const char *name, uint8_t kind)
{
	eng_extern ext;

	if (eng_instance_export(inst, name, (uint32_t)strlen(name), &ext) != 0 || ext.kind != kind)
		return NULL;
	switch (kind) {
	case ENG_EXTERN_FUNC: return ext.u.func;
	case ENG_EXTERN_TABLE: return ext.u.table;
	case ENG_EXTERN_MEMORY: return ext.u.memory;
	default: return ext.u.global;
	}
}

static inline eng_func *test_func(eng_instance *inst, const char *name)
{
	return test_export(inst, name, ENG_EXTERN_FUNC);
}

/* Calls f with one i32 (or none when nargs is 0) and returns the status. */
static inline int test_call_i32(eng_thread *t, eng_func *f, int32_t arg, uint32_t nargs)
{
	eng_val v;

	v.u64 = 0;
	v.i32 = arg;
	return eng_call(t, f, &v, nargs);
}

/* The first result of the last finished call. */
static inline eng_val test_result(eng_thread *t)
{
	uint32_t n;
	const eng_val *r = eng_thread_results(t, &n);
	eng_val zero;

	zero.u64 = 0;
	return n ? r[0] : zero;
}

/* ---- the runner ------------------------------------------------------------------- */

/* Runs every test with a fresh heap; prints "name ok" or "name FAIL", then
 * "N passed, N failed".  Returns the exit status. */
static inline int test_run_all(const test_case *tests, size_t n)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		int r;

		memset(&g_heap, 0, sizeof g_heap);
		r = tests[i].fn();
		if (r == 0 && g_heap.live != 0) {
			fprintf(stderr, "  %zu bytes leaked\n", g_heap.live);
			r = 1;
		}
		if (r == 0 && g_heap.bad_sizes != 0) {
			fprintf(stderr, "  %ld frees or resizes named the wrong size\n", g_heap.bad_sizes);
			r = 1;
		}
		printf("%s %s\n", tests[i].name, r ? "FAIL" : "ok");
		fflush(stdout);
		if (r)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}

#endif
