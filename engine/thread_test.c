/* thread_test.c: threads and host calls, through engine.h only: a host function
 * suspends and eng_resume delivers its results, also between fuel stops; a host
 * trap carries its message and a backtrace; a busy thread refuses new calls; memory
 * a host call grows is what the caller uses next; and a thread running out of
 * memory at any allocation reports it and frees everything.
 *
 * The modules were built with wat2wasm from the source in the comment above each.
 */
#include "engine.h"
#include "testing.h"
#include "testing_oom_module.h"


/* host.wat, wat2wasm --debug-names:
 * (module
 *   (import "env" "next" (func $next (param i32) (result i32)))
 *   (import "env" "fail" (func $fail (param i32)))
 *   ;; acc = acc * 10 + next(i) for i = 0, 1, 2
 *   (func $three (export "three") (result i32)
 *     (local $i i32) (local $acc i32)
 *     (loop $l
 *       (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 10))
 *                                (call $next (local.get $i))))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
 *     (local.get $acc))
 *   (func $outer (export "outer")
 *     (call $middle (i32.const 5)))
 *   (func $middle (param $x i32)
 *     (call $fail (local.get $x))))
 */
static const uint8_t host_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x04, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f,
	0x60, 0x00, 0x00, 0x02, 0x17, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x6e,
	0x65, 0x78, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61,
	0x69, 0x6c, 0x00, 0x01, 0x03, 0x04, 0x03, 0x02, 0x03, 0x01, 0x07, 0x11,
	0x02, 0x05, 0x74, 0x68, 0x72, 0x65, 0x65, 0x00, 0x02, 0x05, 0x6f, 0x75,
	0x74, 0x65, 0x72, 0x00, 0x03, 0x0a, 0x33, 0x03, 0x23, 0x01, 0x02, 0x7f,
	0x03, 0x40, 0x20, 0x01, 0x41, 0x0a, 0x6c, 0x20, 0x00, 0x10, 0x00, 0x6a,
	0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x00, 0x41,
	0x03, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x06, 0x00, 0x41, 0x05,
	0x10, 0x04, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x00, 0x42,
	0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x23, 0x05, 0x00, 0x04, 0x6e, 0x65,
	0x78, 0x74, 0x01, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x02, 0x05, 0x74, 0x68,
	0x72, 0x65, 0x65, 0x03, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x04, 0x06,
	0x6d, 0x69, 0x64, 0x64, 0x6c, 0x65, 0x02, 0x16, 0x05, 0x00, 0x00, 0x01,
	0x00, 0x02, 0x02, 0x00, 0x01, 0x69, 0x01, 0x03, 0x61, 0x63, 0x63, 0x03,
	0x00, 0x04, 0x01, 0x00, 0x01, 0x78,
};

/* hostmem.wat:
 * (module
 *   (import "env" "grow" (func $grow (param i32) (result i32)))
 *   (import "env" "charge" (func $charge))
 *   (memory (export "mem") 1)
 *   ;; the host grows the memory by $pages; then the new last byte is written and read
 *   (func (export "grow_and_touch") (param $pages i32) (result i32)
 *     (local $end i32)
 *     (local.set $end
 *       (i32.sub (i32.mul (i32.add (call $grow (local.get $pages)) (local.get $pages))
 *                         (i32.const 65536))
 *                (i32.const 1)))
 *     (i32.store8 (local.get $end) (i32.const 77))
 *     (i32.load8_u (local.get $end)))
 *   ;; charge() n times
 *   (func (export "charged") (param $n i32)
 *     (loop $l
 *       (call $charge)
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
 *   ;; a loop of n iterations
 *   (func (export "spin") (param $n i32)
 *     (loop $l
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
 */
static const uint8_t hostmem_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
	0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x02,
	0x19, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00,
	0x00, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x63, 0x68, 0x61, 0x72, 0x67, 0x65,
	0x00, 0x01, 0x03, 0x04, 0x03, 0x00, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00,
	0x01, 0x07, 0x29, 0x04, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x0e, 0x67,
	0x72, 0x6f, 0x77, 0x5f, 0x61, 0x6e, 0x64, 0x5f, 0x74, 0x6f, 0x75, 0x63,
	0x68, 0x00, 0x02, 0x07, 0x63, 0x68, 0x61, 0x72, 0x67, 0x65, 0x64, 0x00,
	0x03, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x04, 0x0a, 0x44, 0x03, 0x22,
	0x01, 0x01, 0x7f, 0x20, 0x00, 0x10, 0x00, 0x20, 0x00, 0x6a, 0x41, 0x80,
	0x80, 0x04, 0x6c, 0x41, 0x01, 0x6b, 0x21, 0x01, 0x20, 0x01, 0x41, 0xcd,
	0x00, 0x3a, 0x00, 0x00, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x0b, 0x10, 0x00,
	0x03, 0x40, 0x10, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d,
	0x00, 0x0b, 0x0b, 0x0e, 0x00, 0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b,
	0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b,
};


/* ---- host functions ------------------------------------------------------------------ */

enum { NEXT_SUSPEND, NEXT_MIXED, NEXT_REENTER };

typedef struct host_state {
	eng_instance *inst;       /* the instance every host call must see as its caller */
	bool caller_ok;
	int32_t seen[8];          /* next's arguments, in order */
	uint32_t nseen;
	int next_mode;
	bool fail_silent;         /* fail traps without a message */
	eng_thread *other;        /* NEXT_REENTER: a free thread, and what to call */
	eng_func *three;
	int reenter_rc, other_rc;
	int32_t other_result;
	int depth;
} host_state;

/* next(i): suspends (NEXT_SUSPEND), or returns 8 for i = 1 and suspends otherwise
 * (NEXT_MIXED), or returns i + 1 after trying to call into the engine again. */
static int host_next(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	host_state *h = ud;

	if (h->nseen < 8)
		h->seen[h->nseen] = args[0].i32;
	h->nseen++;
	if (eng_thread_caller(t) != h->inst)
		h->caller_ok = false;
	switch (h->next_mode) {
	case NEXT_SUSPEND:
		return ENG_HOST_SUSPEND;
	case NEXT_MIXED:
		if (args[0].i32 != 1)
			return ENG_HOST_SUSPEND;
		results[0].i32 = 8;
		return ENG_HOST_OK;
	}
	if (h->depth == 0 && args[0].i32 == 0) {
		h->depth++;
		h->reenter_rc = eng_call(t, h->three, NULL, 0);
		h->other_rc = eng_call(h->other, h->three, NULL, 0);
		h->other_result = test_result(h->other).i32;
		h->depth--;
	}
	results[0].i32 = args[0].i32 + 1;
	return ENG_HOST_OK;
}

static int host_fail(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	host_state *h = ud;
	char msg[64];

	(void)results;
	if (!h->fail_silent) {
		snprintf(msg, sizeof msg, "bad argument %d", args[0].i32);
		eng_thread_set_trap_msg(t, msg);
	}
	return ENG_HOST_TRAP;
}

/* add(a, b) = a + b */
static int host_add(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	(void)ud;
	(void)t;
	results[0].i32 = args[0].i32 + args[1].i32;
	return ENG_HOST_OK;
}

static const uint8_t i32_i32[] = { ENG_I32, ENG_I32 };
static const eng_functype type_i_i = { 1, 1, i32_i32, i32_i32 };
static const eng_functype type_i_v = { 1, 0, i32_i32, NULL };
static const eng_functype type_ii_i = { 2, 1, i32_i32, i32_i32 };

/* Imports by name: env.next, env.fail, env.add, env.grow, env.charge. */
typedef struct imports {
	eng_func *next, *fail, *add, *grow, *charge;
} imports;

static int resolve(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	imports *im = ud;
	eng_func *f = NULL;

	if (test_name_is(imp->name, imp->name_len, "next"))
		f = im->next;
	else if (test_name_is(imp->name, imp->name_len, "fail"))
		f = im->fail;
	else if (test_name_is(imp->name, imp->name_len, "add"))
		f = im->add;
	else if (test_name_is(imp->name, imp->name_len, "grow"))
		f = im->grow;
	else if (test_name_is(imp->name, imp->name_len, "charge"))
		f = im->charge;
	if (!f || imp->kind != ENG_EXTERN_FUNC)
		return 1;
	out->kind = ENG_EXTERN_FUNC;
	out->u.func = f;
	return 0;
}

/* Opens host.wat with next and fail bound to h. */
static int host_open(fixture *fx, host_state *h, imports *im)
{
	eng_error err;

	memset(fx, 0, sizeof *fx);
	memset(im, 0, sizeof *im);
	h->caller_ok = true;
	if (eng_module_load(&g_alloc, host_wasm, sizeof host_wasm, &fx->m, &err) != 0)
		return 1;
	if (!(fx->s = eng_store_new(&g_alloc, NULL)))
		return 1;
	im->next = eng_host_func_new(fx->s, &type_i_i, host_next, h, "next_host");
	im->fail = eng_host_func_new(fx->s, &type_i_v, host_fail, h, "fail_host");
	if (!im->next || !im->fail)
		return 1;
	if (eng_instantiate(fx->s, fx->m, resolve, im, &fx->inst, &err) != 0)
		return 1;
	h->inst = fx->inst;
	fx->t = eng_thread_new(fx->s, NULL);
	return fx->t == NULL;
}

static int test_host_suspend_then_resume(void)
{
	static const int32_t values[] = { 7, 8, 9 };
	host_state h = { .next_mode = NEXT_SUSPEND };
	imports im;
	fixture fx;
	eng_func *three;
	eng_val v;
	uint32_t suspends = 0;
	int rc;

	CHECK(host_open(&fx, &h, &im) == 0);
	CHECK((three = test_func(fx.inst, "three")) != NULL);
	rc = eng_call(fx.t, three, NULL, 0);
	while (rc == ENG_SUSPENDED) {
		CHECK(suspends < 3);
		CHECK_EQ(h.nseen, suspends + 1);
		/* a suspended thread is busy */
		CHECK_EQ(eng_call(fx.t, three, NULL, 0), ENG_ERR_ARG);
		CHECK_EQ(h.nseen, suspends + 1);
		v.u64 = 0;
		v.i32 = values[suspends++];
		rc = eng_resume(fx.t, &v);
	}
	CHECK_EQ(rc, ENG_DONE);
	CHECK_EQ(suspends, 3);
	CHECK_EQ(test_result(fx.t).i32, 789);
	CHECK(h.seen[0] == 0 && h.seen[1] == 1 && h.seen[2] == 2);
	CHECK(h.caller_ok);

	/* suspending and returning at once mix in one call */
	h.next_mode = NEXT_MIXED;
	h.nseen = 0;
	suspends = 0;
	rc = eng_call(fx.t, three, NULL, 0);
	while (rc == ENG_SUSPENDED) {
		CHECK(suspends < 2);
		v.i32 = suspends++ ? 3 : 1;
		rc = eng_resume(fx.t, &v);
	}
	CHECK_EQ(rc, ENG_DONE);
	CHECK_EQ(suspends, 2);
	CHECK_EQ(h.nseen, 3);
	CHECK_EQ(test_result(fx.t).i32, 183);
	fixture_close(&fx);
	return 0;
}

/* A host function called directly by eng_call can suspend too. */
static int test_host_suspend_as_entry(void)
{
	host_state h = { .next_mode = NEXT_SUSPEND };
	imports im;
	fixture fx;
	eng_val v;
	uint32_t n;

	CHECK(host_open(&fx, &h, &im) == 0);
	CHECK_EQ(test_call_i32(fx.t, im.next, 4, 1), ENG_SUSPENDED);
	CHECK_EQ(h.nseen, 1);
	CHECK_EQ(h.seen[0], 4);
	CHECK(eng_thread_caller(fx.t) == NULL);
	v.u64 = 0;
	v.i32 = 44;
	CHECK_EQ(eng_resume(fx.t, &v), ENG_DONE);
	eng_thread_results(fx.t, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(test_result(fx.t).i32, 44);
	CHECK_EQ(eng_resume(fx.t, &v), ENG_ERR_ARG);
	fixture_close(&fx);
	return 0;
}

static int test_host_trap_reports_message_and_backtrace(void)
{
	static const char *const names[] = { "fail_host", "middle", "outer" };
	host_state h = { .next_mode = NEXT_SUSPEND };
	imports im;
	fixture fx;
	eng_func *outer;
	const eng_trap *tr;

	CHECK(host_open(&fx, &h, &im) == 0);
	CHECK((outer = test_func(fx.inst, "outer")) != NULL);
	CHECK_EQ(eng_call(fx.t, outer, NULL, 0), ENG_TRAPPED);
	tr = eng_thread_trap(fx.t);
	CHECK_EQ(tr->reason, ENG_TRAP_HOST);
	CHECK(strcmp(tr->msg, "bad argument 5") == 0);
	CHECK_EQ(tr->depth, 3);
	for (uint32_t i = 0; i < 3; i++)
		CHECK(test_name_is(tr->frames[i].name, tr->frames[i].name_len, names[i]));
	CHECK(tr->frames[0].func == im.fail);
	CHECK(tr->frames[0].func_index == UINT32_MAX);
	CHECK_EQ(tr->frames[1].func_index, 4);
	CHECK(tr->frames[2].func == outer);

	/* without a message the reason's text stands, not the last message */
	h.fail_silent = true;
	CHECK_EQ(eng_call(fx.t, outer, NULL, 0), ENG_TRAPPED);
	CHECK_EQ(tr->reason, ENG_TRAP_HOST);
	CHECK(strcmp(tr->msg, eng_trap_text(ENG_TRAP_HOST)) == 0);

	/* and the thread runs the next call */
	CHECK_EQ(test_call_i32(fx.t, im.fail, 1, 1), ENG_TRAPPED);
	CHECK_EQ(tr->depth, 1);
	CHECK(tr->frames[0].func == im.fail);
	h.next_mode = NEXT_MIXED;
	CHECK_EQ(test_call_i32(fx.t, im.next, 1, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 8);
	fixture_close(&fx);
	return 0;
}

/* A host function cannot call into its own (busy) thread, but can use another. */
static int test_host_reentry_needs_another_thread(void)
{
	host_state h = { .next_mode = NEXT_REENTER };
	imports im;
	fixture fx;

	CHECK(host_open(&fx, &h, &im) == 0);
	CHECK((h.three = test_func(fx.inst, "three")) != NULL);
	CHECK((h.other = eng_thread_new(fx.s, NULL)) != NULL);
	h.reenter_rc = h.other_rc = 99;
	CHECK_EQ(eng_call(fx.t, h.three, NULL, 0), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 123);
	CHECK_EQ(h.reenter_rc, ENG_ERR_ARG);
	CHECK_EQ(h.other_rc, ENG_DONE);
	CHECK_EQ(h.other_result, 123);
	CHECK_EQ(h.nseen, 6);
	CHECK(h.caller_ok);
	eng_thread_free(h.other);
	fixture_close(&fx);
	return 0;
}

/* ---- host calls that change the caller's memory and fuel ---------------------------- */

typedef struct mem_host {
	bool suspend;        /* grow suspends and leaves the growing to the test */
	uint32_t pages;      /* what grow was asked for */
	uint32_t charges;    /* charge() calls */
	int64_t cost;        /* the fuel charge() takes */
	bool disable_fuel;   /* charge() turns fuel off instead */
} mem_host;

/* grow(pages): grows the caller's memory 0 and returns the old size in pages. */
static int host_grow(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	mem_host *h = ud;

	h->pages = args[0].u32;
	if (h->suspend)
		return ENG_HOST_SUSPEND;
	results[0].i32 = (int32_t)eng_memory_grow(eng_instance_memory(eng_thread_caller(t), 0),
						  args[0].u32);
	return ENG_HOST_OK;
}

/* charge(): takes h->cost units of fuel, as a host call that costs more than a call. */
static int host_charge(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	mem_host *h = ud;
	int64_t fuel = eng_thread_fuel(t);

	(void)args;
	(void)results;
	h->charges++;
	if (h->disable_fuel)
		eng_thread_set_fuel(t, -1);
	else
		eng_thread_set_fuel(t, fuel > h->cost ? fuel - h->cost : 0);
	return ENG_HOST_OK;
}

static int hostmem_open(fixture *fx, mem_host *h, imports *im)
{
	static const eng_functype type_v_v = { 0, 0, NULL, NULL };
	eng_error err;

	memset(fx, 0, sizeof *fx);
	memset(im, 0, sizeof *im);
	if (eng_module_load(&g_alloc, hostmem_wasm, sizeof hostmem_wasm, &fx->m, &err) != 0)
		return 1;
	if (!(fx->s = eng_store_new(&g_alloc, NULL)))
		return 1;
	im->grow = eng_host_func_new(fx->s, &type_i_i, host_grow, h, "grow");
	im->charge = eng_host_func_new(fx->s, &type_v_v, host_charge, h, "charge");
	if (!im->grow || !im->charge)
		return 1;
	if (eng_instantiate(fx->s, fx->m, resolve, im, &fx->inst, &err) != 0)
		return 1;
	fx->t = eng_thread_new(fx->s, NULL);
	return fx->t == NULL;
}

/* Memory grown (and so moved) by a host function, or while the thread is
 * suspended, is what the Wasm code uses next. */
static int test_host_memory_growth_is_seen_by_caller(void)
{
	mem_host h = { 0 };
	imports im;
	fixture fx;
	eng_func *touch;
	eng_memory *mem;
	eng_val v;

	CHECK(hostmem_open(&fx, &h, &im) == 0);
	CHECK((touch = test_func(fx.inst, "grow_and_touch")) != NULL);
	CHECK((mem = test_export(fx.inst, "mem", ENG_EXTERN_MEMORY)) != NULL);
	CHECK_EQ(test_call_i32(fx.t, touch, 2, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 77);
	CHECK_EQ(eng_memory_size(mem), 3 * 65536);
	CHECK_EQ(eng_memory_data(mem)[3 * 65536 - 1], 77);

	h.suspend = true;
	CHECK_EQ(test_call_i32(fx.t, touch, 1, 1), ENG_SUSPENDED);
	CHECK_EQ(h.pages, 1);
	v.u64 = 0;
	v.i32 = (int32_t)eng_memory_grow(mem, h.pages);
	CHECK_EQ(v.i32, 3);
	CHECK_EQ(eng_resume(fx.t, &v), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 77);
	CHECK_EQ(eng_memory_size(mem), 4 * 65536);
	CHECK_EQ(eng_memory_data(mem)[4 * 65536 - 1], 77);

	/* a suspended thread can be freed without resuming it */
	CHECK_EQ(test_call_i32(fx.t, touch, 1, 1), ENG_SUSPENDED);
	fixture_close(&fx);
	return 0;
}

/* Runs three() to the end with `slice` units of fuel at a time, answering its
 * three suspensions with 7, 8, 9.  *cost gets the units used in all. */
static int run_three_sliced(fixture *fx, host_state *h, eng_func *three, int64_t slice,
			    int64_t *cost)
{
	static const int32_t values[] = { 7, 8, 9 };
	int64_t granted = slice;
	uint32_t suspends = 0, outs = 0;
	eng_val v;
	int rc;

	h->nseen = 0;
	eng_thread_set_fuel(fx->t, slice);
	rc = eng_call(fx->t, three, NULL, 0);
	while (rc != ENG_DONE) {
		CHECK(outs + suspends < 50);
		if (rc == ENG_OUT_OF_FUEL) {
			/* next() has not run for a call that could not start */
			CHECK_EQ(h->nseen, suspends);
			outs++;
			granted += slice;
			eng_thread_set_fuel(fx->t, slice);
			rc = eng_resume(fx->t, NULL);
		} else {
			CHECK_EQ(rc, ENG_SUSPENDED);
			CHECK_EQ(h->nseen, suspends + 1);
			v.u64 = 0;
			v.i32 = values[suspends++];
			rc = eng_resume(fx->t, &v);
		}
	}
	CHECK_EQ(test_result(fx->t).i32, 789);
	CHECK_EQ(suspends, 3);
	CHECK_EQ(h->nseen, 3);
	CHECK(slice > 10 || outs >= 2);
	*cost = granted - eng_thread_fuel(fx->t);
	return 0;
}

/* Out of fuel and suspended, in turn, within one call: with one unit at a time,
 * three() stops again and again, next() still runs exactly once per call, and the
 * fuel used is what one uninterrupted run uses: 3 calls and 2 back edges (and,
 * when the loop's entry is charged too, 3 iterations). */
static int test_fuel_and_suspension_interleave(void)
{
	host_state h = { .next_mode = NEXT_SUSPEND };
	imports im;
	fixture fx;
	eng_func *three;
	int64_t whole, one, two;

	CHECK(host_open(&fx, &h, &im) == 0);
	CHECK((three = test_func(fx.inst, "three")) != NULL);
	CHECK(run_three_sliced(&fx, &h, three, 1000, &whole) == 0);
	CHECK(whole == 5 || whole == 6);
	CHECK(run_three_sliced(&fx, &h, three, 1, &one) == 0);
	CHECK_EQ(one, whole);
	CHECK(run_three_sliced(&fx, &h, three, 2, &two) == 0);
	CHECK_EQ(two, whole);
	fixture_close(&fx);
	return 0;
}

/* Regression: fuel set by a host function is lost.  exec.c keeps the fuel in a local
 * while a host function runs and writes that local back afterwards, so a host
 * function that charges fuel charges nothing, and one that turns fuel off leaves a
 * thread that says fuel is off (-1) yet runs out of it later. */
static int test_host_fuel_change_takes_effect(void)
{
	mem_host h = { .cost = 100 };
	imports im;
	fixture fx;
	eng_func *charged, *spin;

	CHECK(hostmem_open(&fx, &h, &im) == 0);
	CHECK((charged = test_func(fx.inst, "charged")) != NULL);
	CHECK((spin = test_func(fx.inst, "spin")) != NULL);
	/* 100 charges of 100 units cannot fit in 1000 */
	eng_thread_set_fuel(fx.t, 1000);
	CHECK_EQ(test_call_i32(fx.t, charged, 100, 1), ENG_OUT_OF_FUEL);
	CHECK(h.charges <= 10);
	eng_thread_free(fx.t);

	/* fuel turned off by the host stays off */
	CHECK((fx.t = eng_thread_new(fx.s, NULL)) != NULL);
	h.disable_fuel = true;
	eng_thread_set_fuel(fx.t, 1000);
	CHECK_EQ(test_call_i32(fx.t, charged, 1, 1), ENG_DONE);
	CHECK_EQ(eng_thread_fuel(fx.t), -1);
	CHECK_EQ(test_call_i32(fx.t, spin, 100000, 1), ENG_DONE);
	fixture_close(&fx);
	return 0;
}

/* ---- out of memory ------------------------------------------------------------------- */

/* A thread is made and runs deep(100) (slot growth) and many() (results past the
 * inline buffer) while the Nth allocation fails, for N = 1, 2, ... until nothing
 * fails.  Each failing run must report it (NULL thread or a stack-exhausted
 * trap) and, once the thread is freed, leave the heap as it was. */
static int thread_oom_loop(bool for_good)
{
	imports im = { 0 };
	eng_module *m = NULL;
	eng_store *s;
	eng_instance *inst;
	eng_func *deep, *many;
	eng_error err;
	size_t base;
	long n;

	CHECK(eng_module_load(&g_alloc, oom_wasm, sizeof oom_wasm, &m, &err) == 0);
	CHECK((s = eng_store_new(&g_alloc, NULL)) != NULL);
	CHECK((im.add = eng_host_func_new(s, &type_ii_i, host_add, NULL, "add")) != NULL);
	CHECK(eng_instantiate(s, m, resolve, &im, &inst, &err) == 0);
	CHECK((deep = test_func(inst, "deep")) != NULL);
	CHECK((many = test_func(inst, "many")) != NULL);
	base = g_heap.live;
	for (n = 1; n < 1000; n++) {
		eng_thread *t;
		bool ok = false;
		int rc;

		test_heap_fail_at(n, for_good);
		t = eng_thread_new(s, NULL);
		if (t) {
			rc = test_call_i32(t, deep, 100, 1);
			if (rc == ENG_DONE) {
				CHECK_EQ(test_result(t).i32, 122);
				rc = eng_call(t, many, NULL, 0);
			}
			if (rc == ENG_DONE) {
				uint32_t nres;
				const eng_val *r = eng_thread_results(t, &nres);

				CHECK_EQ(nres, 17);
				for (uint32_t i = 0; i < 16; i++)
					CHECK_EQ(r[i].i32, i + 1);
				CHECK_EQ(r[16].i32, 1);
				ok = true;
			} else {
				CHECK_EQ(rc, ENG_TRAPPED);
				CHECK_EQ(eng_thread_trap(t)->reason, ENG_TRAP_STACK_EXHAUSTED);
			}
			eng_thread_free(t);
		}
		CHECK_EQ(g_heap.live, base);
		if (g_heap.refused == 0) {
			CHECK(ok);
			break;
		}
		CHECK(!ok);
	}
	/* thread, frames, slots, their growth and the big results all failed once */
	CHECK(n > 5 && n < 1000);
	test_heap_fail_at(0, false);
	eng_store_free(s);
	eng_module_free(m);
	return 0;
}

static int test_thread_out_of_memory_is_clean(void)
{
	CHECK(thread_oom_loop(false) == 0);
	CHECK(thread_oom_loop(true) == 0);
	return 0;
}

/* ---- runner -------------------------------------------------------------------------- */

static const test_case tests[] = {
	TEST(test_host_suspend_then_resume),
	TEST(test_host_suspend_as_entry),
	TEST(test_host_trap_reports_message_and_backtrace),
	TEST(test_host_reentry_needs_another_thread),
	TEST(test_host_memory_growth_is_seen_by_caller),
	TEST(test_fuel_and_suspension_interleave),
	TEST(test_host_fuel_change_takes_effect),
	TEST(test_thread_out_of_memory_is_clean),
};

int main(void)
{
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
