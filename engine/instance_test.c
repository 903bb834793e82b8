/* instance_test.c: instances and the objects they export, through engine.h only:
 * the store's limits bound memories and tables (grow fails, an oversized module
 * does not instantiate); exported globals and memories are read and written from
 * both sides; and loading or instantiating a module while the Nth allocation fails
 * returns an error and leaks nothing.
 *
 * The modules were built with wat2wasm from the source in the comment above each.
 */
#include "engine.h"
#include "testing.h"
#include "testing_oom_module.h"


/* mem.wat:
 * (module
 *   (memory (export "mem") 1)
 *   (func (export "grow") (param i32) (result i32)
 *     (memory.grow (local.get 0)))
 *   (func (export "size") (result i32)
 *     (memory.size)))
 */
static const uint8_t mem_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00,
	0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x15, 0x03, 0x03, 0x6d, 0x65,
	0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x04, 0x73,
	0x69, 0x7a, 0x65, 0x00, 0x01, 0x0a, 0x0d, 0x02, 0x06, 0x00, 0x20, 0x00,
	0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b,
};

/* mem5.wat:
 * (module (memory 5))
 */
static const uint8_t mem5_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00,
	0x05,
};

/* table.wat:
 * (module
 *   (table $t (export "tab") 2 funcref)
 *   (func (export "grow") (param i32) (result i32)
 *     (table.grow $t (ref.null func) (local.get 0)))
 *   (func (export "size") (result i32)
 *     (table.size $t)))
 */
static const uint8_t table_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00,
	0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x07, 0x15, 0x03, 0x03, 0x74,
	0x61, 0x62, 0x01, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x04,
	0x73, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x0a, 0x11, 0x02, 0x09, 0x00, 0xd0,
	0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b, 0x05, 0x00, 0xfc, 0x10, 0x00,
	0x0b,
};

/* table11.wat:
 * (module (table 11 funcref))
 */
static const uint8_t table11_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70,
	0x00, 0x0b,
};

/* exports.wat:
 * (module
 *   (memory (export "mem") 1 3)
 *   (global $g (export "g") (mut i32) (i32.const 42))
 *   (global (export "c") i64 (i64.const -7))
 *   (data (i32.const 16) "hello")
 *   (func (export "get_g") (result i32) (global.get $g))
 *   (func (export "set_g") (param i32) (global.set $g (local.get 0)))
 *   (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
 *   (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
 */
static const uint8_t exports_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60,
	0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f,
	0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x03,
	0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x03, 0x06, 0x0b, 0x02, 0x7f, 0x01,
	0x41, 0x2a, 0x0b, 0x7e, 0x00, 0x42, 0x79, 0x0b, 0x07, 0x35, 0x08, 0x03,
	0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x67, 0x03, 0x00, 0x01, 0x63, 0x03,
	0x01, 0x05, 0x67, 0x65, 0x74, 0x5f, 0x67, 0x00, 0x00, 0x05, 0x73, 0x65,
	0x74, 0x5f, 0x67, 0x00, 0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x02,
	0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x03, 0x04, 0x67, 0x72, 0x6f,
	0x77, 0x00, 0x04, 0x0a, 0x26, 0x05, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x06,
	0x00, 0x20, 0x00, 0x24, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00,
	0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b,
	0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x0b, 0x0b, 0x01, 0x00, 0x41,
	0x10, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};


/* ---- limits -------------------------------------------------------------------------- */

/* Instantiates bytes in s: the status, and the error's code must match it. */
static int instantiate(eng_store *s, const uint8_t *b, size_t n, eng_module **m, int *rc)
{
	eng_instance *inst;
	eng_error err;

	memset(&err, 0, sizeof err);
	CHECK(eng_module_load(&g_alloc, b, n, m, &err) == 0);
	*rc = eng_instantiate(s, *m, NULL, NULL, &inst, &err);
	CHECK_EQ(err.code, *rc);
	CHECK(*rc == 0 || err.msg[0] != 0);
	return 0;
}

static int test_memory_pages_limit(void)
{
	eng_limits lim = { .max_memory_pages = 4 };
	fixture fx;
	eng_func *grow, *size;
	eng_memory *mem;
	eng_module *m5;
	int rc;

	CHECK(fixture_open(&fx, mem_wasm, sizeof mem_wasm, &lim, NULL, NULL) == 0);
	CHECK((grow = test_func(fx.inst, "grow")) != NULL);
	CHECK((size = test_func(fx.inst, "size")) != NULL);
	CHECK((mem = test_export(fx.inst, "mem", ENG_EXTERN_MEMORY)) != NULL);
	/* one past the limit fails and changes nothing */
	CHECK_EQ(test_call_i32(fx.t, grow, 4, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -1);
	CHECK_EQ(eng_memory_size(mem), 65536);
	/* up to exactly the limit works */
	CHECK_EQ(test_call_i32(fx.t, grow, 3, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 1);
	CHECK_EQ(eng_call(fx.t, size, NULL, 0), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 4);
	CHECK_EQ(eng_memory_size(mem), 4 * 65536);
	eng_memory_data(mem)[4 * 65536 - 1] = 0x5a; /* the last byte is there */
	CHECK_EQ(test_call_i32(fx.t, grow, 1, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -1);
	CHECK_EQ(test_call_i32(fx.t, grow, 0, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 4);
	CHECK_EQ(eng_memory_grow(mem, 1), -1);
	CHECK_EQ(eng_memory_grow(mem, 0), 4);
	CHECK_EQ(eng_memory_size(mem), 4 * 65536);

	/* a memory made by the embedder obeys the same limit */
	CHECK(eng_memory_new(fx.s, 5, 0, false) == NULL);
	CHECK((mem = eng_memory_new(fx.s, 4, 10, true)) != NULL);
	CHECK_EQ(eng_memory_grow(mem, 1), -1);

	/* a module that asks for more than the limit fails to instantiate, cleanly */
	CHECK(instantiate(fx.s, mem5_wasm, sizeof mem5_wasm, &m5, &rc) == 0);
	CHECK(rc == ENG_ERR_LIMIT || rc == ENG_ERR_NOMEM);
	/* the store keeps the failed instance, which points at m5: free the store first */
	fixture_close(&fx);
	eng_module_free(m5);
	return 0;
}

static int test_table_limit(void)
{
	eng_limits lim = { .max_table_elems = 10 };
	fixture fx;
	eng_func *grow, *size;
	eng_table *tab;
	eng_module *m11;
	int rc;

	CHECK(fixture_open(&fx, table_wasm, sizeof table_wasm, &lim, NULL, NULL) == 0);
	CHECK((grow = test_func(fx.inst, "grow")) != NULL);
	CHECK((size = test_func(fx.inst, "size")) != NULL);
	CHECK((tab = test_export(fx.inst, "tab", ENG_EXTERN_TABLE)) != NULL);
	CHECK_EQ(eng_table_type(tab), ENG_FUNCREF);
	CHECK_EQ(test_call_i32(fx.t, grow, 9, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -1);
	CHECK_EQ(eng_table_size(tab), 2);
	CHECK_EQ(test_call_i32(fx.t, grow, 8, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 2);
	CHECK_EQ(eng_call(fx.t, size, NULL, 0), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 10);
	CHECK_EQ(eng_table_size(tab), 10);
	CHECK_EQ(test_call_i32(fx.t, grow, 1, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -1);
	CHECK_EQ(test_call_i32(fx.t, grow, 0, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 10);

	CHECK(eng_table_new(fx.s, ENG_FUNCREF, 11, 0, false) == NULL);
	CHECK(eng_table_new(fx.s, ENG_EXTERNREF, 10, 0, false) != NULL);

	CHECK(instantiate(fx.s, table11_wasm, sizeof table11_wasm, &m11, &rc) == 0);
	CHECK(rc == ENG_ERR_LIMIT || rc == ENG_ERR_NOMEM);
	fixture_close(&fx);
	eng_module_free(m11);
	return 0;
}

/* ---- exports ------------------------------------------------------------------------- */

static int test_exported_global_and_memory_access(void)
{
	fixture fx;
	eng_global *g, *c;
	eng_memory *mem;
	eng_func *get_g, *set_g, *load, *store, *grow;
	eng_extern ext;
	eng_val v, args[2];
	bool mut;

	CHECK(fixture_open(&fx, exports_wasm, sizeof exports_wasm, NULL, NULL, NULL) == 0);
	CHECK((g = test_export(fx.inst, "g", ENG_EXTERN_GLOBAL)) != NULL);
	CHECK((c = test_export(fx.inst, "c", ENG_EXTERN_GLOBAL)) != NULL);
	CHECK((mem = test_export(fx.inst, "mem", ENG_EXTERN_MEMORY)) != NULL);
	CHECK((get_g = test_func(fx.inst, "get_g")) && (set_g = test_func(fx.inst, "set_g")));
	CHECK((load = test_func(fx.inst, "load")) && (store = test_func(fx.inst, "store")));
	CHECK((grow = test_func(fx.inst, "grow")) != NULL);
	CHECK_EQ(eng_instance_export(fx.inst, "gg", 2, &ext), ENG_ERR_NOTFOUND);
	CHECK_EQ(eng_instance_export(fx.inst, "g", 0, &ext), ENG_ERR_NOTFOUND);
	CHECK(eng_instance_memory(fx.inst, 0) == mem);
	CHECK(eng_instance_memory(fx.inst, 1) == NULL);

	/* globals: type, initial value, and writes from each side seen by the other */
	CHECK(eng_global_type(g, &mut) == ENG_I32 && mut);
	CHECK(eng_global_type(c, &mut) == ENG_I64 && !mut);
	CHECK_EQ(eng_global_get(g).i32, 42);
	CHECK_EQ(eng_global_get(c).i64, -7);
	v.u64 = 0;
	v.i32 = -99;
	eng_global_set(g, v);
	CHECK_EQ(eng_call(fx.t, get_g, NULL, 0), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -99);
	CHECK_EQ(test_call_i32(fx.t, set_g, 1234, 1), ENG_DONE);
	CHECK_EQ(eng_global_get(g).i32, 1234);

	/* memory: the data segment, and writes from each side */
	CHECK_EQ(eng_memory_size(mem), 65536);
	CHECK(memcmp(eng_memory_data(mem) + 16, "hello", 5) == 0);
	CHECK_EQ(eng_memory_data(mem)[15], 0);
	eng_memory_data(mem)[65535] = 0xab;
	CHECK_EQ(test_call_i32(fx.t, load, 65535, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 0xab);
	args[0].u64 = 100;
	args[1].u64 = 0x1cd;
	CHECK_EQ(eng_call(fx.t, store, args, 2), ENG_DONE);
	CHECK_EQ(eng_memory_data(mem)[100], 0xcd);
	CHECK_EQ(test_call_i32(fx.t, load, 65536, 1), ENG_TRAPPED);
	CHECK_EQ(eng_thread_trap(fx.t)->reason, ENG_TRAP_MEMORY_OOB);

	/* growth from Wasm shows in the API (the data may move: fetch it again) */
	CHECK_EQ(test_call_i32(fx.t, grow, 2, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 1);
	CHECK_EQ(eng_memory_size(mem), 3 * 65536);
	CHECK_EQ(eng_memory_data(mem)[65535], 0xab);
	CHECK_EQ(eng_memory_data(mem)[3 * 65536 - 1], 0);
	CHECK(memcmp(eng_memory_data(mem) + 16, "hello", 5) == 0);
	/* past the declared maximum (3) */
	CHECK_EQ(test_call_i32(fx.t, grow, 1, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -1);
	CHECK_EQ(eng_memory_grow(mem, 1), -1);
	/* and growth from the API shows in Wasm */
	eng_memory_data(mem)[3 * 65536 - 1] = 7;
	CHECK_EQ(test_call_i32(fx.t, load, 3 * 65536 - 1, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 7);
	fixture_close(&fx);
	return 0;
}

/* ---- out of memory ------------------------------------------------------------------- */

static int host_add(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	(void)ud;
	(void)t;
	results[0].i32 = args[0].i32 + args[1].i32;
	return ENG_HOST_OK;
}

static const uint8_t i32_i32[] = { ENG_I32, ENG_I32 };
static const eng_functype type_ii_i = { 2, 1, i32_i32, i32_i32 };

static int resolve_add(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	if (imp->kind != ENG_EXTERN_FUNC || !test_name_is(imp->name, imp->name_len, "add"))
		return 1;
	out->kind = ENG_EXTERN_FUNC;
	out->u.func = ud;
	return 0;
}

/* eng_module_load of oom.wat (imports, functions, tables, memory, globals, data,
 * elements, names) with the Nth allocation failing, N = 1, 2, ... until it loads:
 * each failure is ENG_ERR_NOMEM with nothing live. */
static int load_oom_loop(bool for_good)
{
	long n;

	for (n = 1; n < 10000; n++) {
		eng_module *m = (eng_module *)1;
		eng_error err;
		int rc;

		memset(&err, 0, sizeof err);
		test_heap_fail_at(n, for_good);
		rc = eng_module_load(&g_alloc, oom_wasm, sizeof oom_wasm, &m, &err);
		if (rc == 0) {
			CHECK(m != NULL);
			CHECK_EQ(g_heap.refused, 0);
			test_heap_fail_at(0, false);
			eng_module_free(m);
			break;
		}
		if (rc != ENG_ERR_NOMEM)
			fprintf(stderr, "  allocation %ld: %s\n", n, err.msg);
		CHECK_EQ(rc, ENG_ERR_NOMEM);
		CHECK_EQ(err.code, ENG_ERR_NOMEM);
		CHECK(m == NULL);
		CHECK_EQ(g_heap.live, 0);
	}
	CHECK(n > 10 && n < 10000);
	CHECK_EQ(g_heap.live, 0);
	return 0;
}

static int test_module_load_out_of_memory_is_clean(void)
{
	CHECK(load_oom_loop(false) == 0);
	CHECK(load_oom_loop(true) == 0);
	return 0;
}

/* Makes env.add in s with the allocator out of the failing run: its calls neither
 * fail nor count.  (A host function made while an allocation fails can come back
 * without its name: see test_host_func_out_of_memory_keeps_name.) */
static eng_func *make_add_outside_run(eng_store *s)
{
	long calls = g_heap.calls, fail_at = g_heap.fail_at;
	eng_func *f;

	g_heap.fail_at = 0;
	f = eng_host_func_new(s, &type_ii_i, host_add, NULL, "add");
	g_heap.calls = calls;
	g_heap.fail_at = fail_at;
	return f;
}

/* eng_store_new and eng_instantiate of oom.wat with the Nth allocation failing:
 * each failure is reported (NULL, or ENG_ERR_NOMEM) and eng_store_free leaves only
 * the module live.  The instance that finally succeeds works. */
static int instantiate_oom_loop(bool for_good)
{
	eng_module *m = NULL;
	eng_error err;
	size_t base;
	long n;

	CHECK(eng_module_load(&g_alloc, oom_wasm, sizeof oom_wasm, &m, &err) == 0);
	base = g_heap.live;
	for (n = 1; n < 10000; n++) {
		eng_store *s;
		eng_func *add = NULL;
		eng_instance *inst = NULL;
		bool ok = false;

		test_heap_fail_at(n, for_good);
		s = eng_store_new(&g_alloc, NULL);
		if (s) {
			CHECK((add = make_add_outside_run(s)) != NULL);
			memset(&err, 0, sizeof err);
			int rc = eng_instantiate(s, m, resolve_add, add, &inst, &err);
			if (rc != 0) {
				CHECK_EQ(rc, ENG_ERR_NOMEM);
				CHECK_EQ(err.code, ENG_ERR_NOMEM);
			}
			ok = rc == 0;
		}
		if (ok) {
			eng_thread *t;
			eng_memory *mem = eng_instance_memory(inst, 0);

			CHECK_EQ(g_heap.refused, 0);
			test_heap_fail_at(0, false);
			CHECK(mem && memcmp(eng_memory_data(mem) + 100, "defgh", 5) == 0);
			CHECK((t = eng_thread_new(s, NULL)) != NULL);
			CHECK_EQ(test_call_i32(t, test_func(inst, "deep"), 3, 1), ENG_DONE);
			CHECK_EQ(test_result(t).i32, 25);
			eng_thread_free(t);
		}
		eng_store_free(s);
		CHECK_EQ(g_heap.live, base);
		if (ok)
			break;
		CHECK(g_heap.refused > 0);
	}
	CHECK(n > 10 && n < 10000);
	eng_module_free(m);
	return 0;
}

static int test_instantiate_out_of_memory_is_clean(void)
{
	CHECK(instantiate_oom_loop(false) == 0);
	CHECK(instantiate_oom_loop(true) == 0);
	return 0;
}

/* Regression: eng_host_func_new returns a function without its name when the name's
 * copy cannot be allocated, so an allocation fails and nobody hears of it (and the
 * backtraces lose the name).  Every failing allocation must fail the call. */
static int test_host_func_out_of_memory_keeps_name(void)
{
	long n;

	for (n = 1; n < 100; n++) {
		eng_store *s = eng_store_new(&g_alloc, NULL);
		eng_func *f;

		CHECK(s != NULL);
		test_heap_fail_at(n, false);
		f = eng_host_func_new(s, &type_ii_i, host_add, NULL, "add");
		if (f) {
			uint32_t len;
			const char *name = eng_func_name(f, &len);

			CHECK(test_name_is(name, len, "add"));
		}
		CHECK(g_heap.refused == 0 || f == NULL);
		test_heap_fail_at(0, false);
		eng_store_free(s);
		CHECK_EQ(g_heap.live, 0);
		if (f)
			break;
	}
	CHECK(n > 2 && n < 100);
	return 0;
}

/* ---- runner -------------------------------------------------------------------------- */

static const test_case tests[] = {
	TEST(test_memory_pages_limit),
	TEST(test_table_limit),
	TEST(test_exported_global_and_memory_access),
	TEST(test_module_load_out_of_memory_is_clean),
	TEST(test_instantiate_out_of_memory_is_clean),
	TEST(test_host_func_out_of_memory_keeps_name),
};

int main(void)
{
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
