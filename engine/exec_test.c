/* exec_test.c: what running Wasm code guarantees, through engine.h only: fuel
 * stops loops and calls, and eng_resume finishes the work at the same cost; traps
 * carry their reason, text and a named backtrace and leave the thread reusable;
 * runaway recursion traps exactly at the call-depth limit, or at the stack-slot
 * limit, never on the C stack; calls check their arguments; functions return many
 * values.  Host calls and a thread out of memory are in thread_test.c; instances,
 * memories and tables in instance_test.c.
 *
 * The modules were built with wat2wasm from the source in the comment above each.
 */
#include "engine.h"
#include "testing.h"

/* fuel.wat:
 * (module
 *   ;; sum(n) = 1 + 2 + ... + n, one loop iteration per term
 *   (func $sum (export "sum") (param $n i32) (result i64)
 *     (local $i i32) (local $acc i64)
 *     (block $done
 *       (loop $next
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
 *         (br $next)))
 *     (local.get $acc))
 *   (func $spin (export "spin")
 *     (loop $forever (br $forever)))
 *   ;; rec(n) = n, by n nested calls and no loop
 *   (func $rec (export "rec") (param $n i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get $n))
 *       (then (i32.const 0))
 *       (else (i32.add (i32.const 1)
 *                      (call $rec (i32.sub (local.get $n) (i32.const 1))))))))
 */
static const uint8_t fuel_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
	0x01, 0x7f, 0x01, 0x7e, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f,
	0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x07, 0x14, 0x03, 0x03, 0x73, 0x75,
	0x6d, 0x00, 0x00, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x01, 0x03, 0x72,
	0x65, 0x63, 0x00, 0x02, 0x0a, 0x46, 0x03, 0x26, 0x02, 0x01, 0x7f, 0x01,
	0x7e, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01,
	0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x02, 0x20, 0x01, 0xad,
	0x7c, 0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b, 0x07, 0x00,
	0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04,
	0x7f, 0x41, 0x00, 0x05, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
	0x02, 0x6a, 0x0b, 0x0b,
};

/* chain.wat, wat2wasm --debug-names:
 * (module
 *   (func $a (export "a") (result i32)
 *     (i32.add (call $b) (i32.const 1)))
 *   (func $b (result i32)
 *     (i32.add (call $c) (i32.const 1)))
 *   (func $c (result i32)
 *     (unreachable))
 *   (func $div (export "div") (param i32 i32) (result i32)
 *     (i32.div_s (local.get 0) (local.get 1))))
 */
static const uint8_t chain_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60,
	0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x05, 0x04,
	0x00, 0x00, 0x00, 0x01, 0x07, 0x0b, 0x02, 0x01, 0x61, 0x00, 0x00, 0x03,
	0x64, 0x69, 0x76, 0x00, 0x03, 0x0a, 0x1d, 0x04, 0x07, 0x00, 0x10, 0x01,
	0x41, 0x01, 0x6a, 0x0b, 0x07, 0x00, 0x10, 0x02, 0x41, 0x01, 0x6a, 0x0b,
	0x03, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b,
	0x00, 0x21, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x0f, 0x04, 0x00, 0x01,
	0x61, 0x01, 0x01, 0x62, 0x02, 0x01, 0x63, 0x03, 0x03, 0x64, 0x69, 0x76,
	0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
};

/* chain_nonames.wat:
 * (module
 *   (func $a (export "a") (call $b))
 *   (func $b (call $c))
 *   (func $c (unreachable)))
 */
static const uint8_t chain_nonames_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
	0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00, 0x07, 0x05, 0x01, 0x01,
	0x61, 0x00, 0x00, 0x0a, 0x0f, 0x03, 0x04, 0x00, 0x10, 0x01, 0x0b, 0x04,
	0x00, 0x10, 0x02, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

/* deep.wat, wat2wasm --debug-names:
 * (module
 *   (global $calls (export "calls") (mut i32) (i32.const 0))
 *   ;; unbounded recursion with small frames: the depth limit stops it
 *   (func $down (export "down")
 *     (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
 *     (call $down))
 *   ;; unbounded recursion with 1000-slot frames: the slot limit stops it first
 *   (func $big (export "big")
 *     (local $l i64) (local i64 ...)  ;; 999 x i64 in the source
 *     (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
 *     (call $big))
 *   ;; rec(n) = n, by n nested calls: n + 1 frames
 *   (func $rec (export "rec") (param $n i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get $n))
 *       (then (i32.const 0))
 *       (else (i32.add (i32.const 1)
 *                      (call $rec (i32.sub (local.get $n) (i32.const 1)))))))
 *   (func $ok (export "ok") (param i32) (result i32)
 *     (i32.mul (local.get 0) (i32.const 3))))
 */
static const uint8_t deep_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
	0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x05, 0x04, 0x00, 0x00,
	0x01, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x21,
	0x05, 0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x03, 0x00, 0x04, 0x64, 0x6f,
	0x77, 0x6e, 0x00, 0x00, 0x03, 0x62, 0x69, 0x67, 0x00, 0x01, 0x03, 0x72,
	0x65, 0x63, 0x00, 0x02, 0x02, 0x6f, 0x6b, 0x00, 0x03, 0x0a, 0x3a, 0x04,
	0x0b, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x10, 0x00, 0x0b,
	0x0e, 0x01, 0xe8, 0x07, 0x7e, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00,
	0x10, 0x01, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00,
	0x05, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x6a, 0x0b,
	0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6c, 0x0b, 0x00, 0x37, 0x04,
	0x6e, 0x61, 0x6d, 0x65, 0x01, 0x15, 0x04, 0x00, 0x04, 0x64, 0x6f, 0x77,
	0x6e, 0x01, 0x03, 0x62, 0x69, 0x67, 0x02, 0x03, 0x72, 0x65, 0x63, 0x03,
	0x02, 0x6f, 0x6b, 0x02, 0x0f, 0x04, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01,
	0x6c, 0x02, 0x01, 0x00, 0x01, 0x6e, 0x03, 0x00, 0x07, 0x08, 0x01, 0x00,
	0x05, 0x63, 0x61, 0x6c, 0x6c, 0x73,
};

/* multi.wat:
 * (module
 *   (func (export "three") (param $x i32) (result i32 i64 f64)
 *     (local.get $x) (i64.const -5000000000) (f64.const 2.5))
 *   (func (export "twenty") (param $base i64)
 *     (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (i64.add (local.get $base) (i64.const 1)) (i64.add (local.get $base) (i64.const 2))
 *     (i64.add (local.get $base) (i64.const 3)) (i64.add (local.get $base) (i64.const 4))
 *     (i64.add (local.get $base) (i64.const 5)) (i64.add (local.get $base) (i64.const 6))
 *     (i64.add (local.get $base) (i64.const 7)) (i64.add (local.get $base) (i64.const 8))
 *     (i64.add (local.get $base) (i64.const 9)) (i64.add (local.get $base) (i64.const 10))
 *     (i64.add (local.get $base) (i64.const 11)) (i64.add (local.get $base) (i64.const 12))
 *     (i64.add (local.get $base) (i64.const 13)) (i64.add (local.get $base) (i64.const 14))
 *     (i64.add (local.get $base) (i64.const 15)) (i64.add (local.get $base) (i64.const 16))
 *     (i64.add (local.get $base) (i64.const 17)) (i64.add (local.get $base) (i64.const 18))
 *     (i64.add (local.get $base) (i64.const 19)) (i64.add (local.get $base) (i64.const 20))))
 */
static const uint8_t multi_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x20, 0x02, 0x60,
	0x01, 0x7f, 0x03, 0x7f, 0x7e, 0x7c, 0x60, 0x01, 0x7e, 0x14, 0x7e, 0x7e,
	0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e,
	0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07,
	0x12, 0x02, 0x05, 0x74, 0x68, 0x72, 0x65, 0x65, 0x00, 0x00, 0x06, 0x74,
	0x77, 0x65, 0x6e, 0x74, 0x79, 0x00, 0x01, 0x0a, 0x7c, 0x02, 0x13, 0x00,
	0x20, 0x00, 0x42, 0x80, 0x9c, 0xe8, 0xaf, 0x6d, 0x44, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x04, 0x40, 0x0b, 0x66, 0x00, 0x20, 0x00, 0x42, 0x01,
	0x7c, 0x20, 0x00, 0x42, 0x02, 0x7c, 0x20, 0x00, 0x42, 0x03, 0x7c, 0x20,
	0x00, 0x42, 0x04, 0x7c, 0x20, 0x00, 0x42, 0x05, 0x7c, 0x20, 0x00, 0x42,
	0x06, 0x7c, 0x20, 0x00, 0x42, 0x07, 0x7c, 0x20, 0x00, 0x42, 0x08, 0x7c,
	0x20, 0x00, 0x42, 0x09, 0x7c, 0x20, 0x00, 0x42, 0x0a, 0x7c, 0x20, 0x00,
	0x42, 0x0b, 0x7c, 0x20, 0x00, 0x42, 0x0c, 0x7c, 0x20, 0x00, 0x42, 0x0d,
	0x7c, 0x20, 0x00, 0x42, 0x0e, 0x7c, 0x20, 0x00, 0x42, 0x0f, 0x7c, 0x20,
	0x00, 0x42, 0x10, 0x7c, 0x20, 0x00, 0x42, 0x11, 0x7c, 0x20, 0x00, 0x42,
	0x12, 0x7c, 0x20, 0x00, 0x42, 0x13, 0x7c, 0x20, 0x00, 0x42, 0x14, 0x7c,
	0x0b,
};

/* ---- fuel ---------------------------------------------------------------------------- */

static int test_fuel_stops_loop_and_resume_finishes(void)
{
	const uint32_t n = 100000, slice = 1000;
	fixture fx;
	eng_func *sum;
	uint32_t nres, resumes = 0;
	int rc;

	CHECK(fixture_open(&fx, fuel_wasm, sizeof fuel_wasm, NULL, NULL, NULL) == 0);
	CHECK((sum = test_func(fx.inst, "sum")) != NULL);
	CHECK_EQ(eng_thread_fuel(fx.t), -1); /* off until set */
	eng_thread_set_fuel(fx.t, slice);
	CHECK_EQ(eng_thread_fuel(fx.t), slice);
	rc = test_call_i32(fx.t, sum, (int32_t)n, 1);
	CHECK_EQ(rc, ENG_OUT_OF_FUEL);
	CHECK_EQ(eng_thread_fuel(fx.t), 0);
	/* without new fuel a resume makes no progress, and says so again */
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_OUT_OF_FUEL);
	while (rc == ENG_OUT_OF_FUEL) {
		eng_thread_set_fuel(fx.t, slice);
		rc = eng_resume(fx.t, NULL);
		resumes++;
		CHECK(resumes <= n);
	}
	CHECK_EQ(rc, ENG_DONE);
	eng_thread_results(fx.t, &nres);
	CHECK_EQ(nres, 1);
	CHECK_EQ(test_result(fx.t).i64, (int64_t)n * (n + 1) / 2);
	/* one unit per iteration: n / slice slices, give or take the loop's entry */
	CHECK(resumes > 1);
	CHECK(resumes + 1 >= n / slice && resumes <= n / slice + 1);
	CHECK(eng_thread_fuel(fx.t) >= 0 && eng_thread_fuel(fx.t) < slice);
	fixture_close(&fx);
	return 0;
}

/* The loop costs one unit per iteration: n + 1 units are always enough (n back
 * edges and the entry), n / 2 never are. */
static int test_fuel_loop_cost_is_per_iteration(void)
{
	fixture fx;
	eng_func *sum;

	CHECK(fixture_open(&fx, fuel_wasm, sizeof fuel_wasm, NULL, NULL, NULL) == 0);
	CHECK((sum = test_func(fx.inst, "sum")) != NULL);
	eng_thread_set_fuel(fx.t, 1001);
	CHECK_EQ(test_call_i32(fx.t, sum, 1000, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i64, 500500);
	CHECK(eng_thread_fuel(fx.t) <= 1);
	eng_thread_set_fuel(fx.t, 500);
	CHECK_EQ(test_call_i32(fx.t, sum, 1000, 1), ENG_OUT_OF_FUEL);
	eng_thread_set_fuel(fx.t, -1);
	CHECK_EQ(eng_thread_fuel(fx.t), -1);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i64, 500500);
	fixture_close(&fx);
	return 0;
}

/* Runs f(arg) to the end giving it `slice` units at a time; returns the units it
 * used in all, or -1 if it did not finish with one result. */
static int64_t sliced_cost(eng_thread *t, eng_func *f, int32_t arg, int64_t slice, eng_val *result)
{
	int64_t granted = slice;
	uint32_t n;
	int rc;

	eng_thread_set_fuel(t, slice);
	rc = test_call_i32(t, f, arg, 1);
	while (rc == ENG_OUT_OF_FUEL && granted < 100000000) {
		eng_thread_set_fuel(t, slice);
		granted += slice;
		rc = eng_resume(t, NULL);
	}
	eng_thread_results(t, &n);
	if (rc != ENG_DONE || n != 1)
		return -1;
	*result = test_result(t);
	return granted - eng_thread_fuel(t);
}

/* Stopping and resuming costs nothing: a run costs the same units however the
 * fuel is handed out, one unit per call and per loop iteration. */
static int test_fuel_cost_does_not_depend_on_slicing(void)
{
	static const int64_t slices[] = { 1000000000, 1, 2, 7, 1000 };
	fixture fx;
	eng_func *sum, *rec;
	eng_val r;
	int64_t cost;

	CHECK(fixture_open(&fx, fuel_wasm, sizeof fuel_wasm, NULL, NULL, NULL) == 0);
	CHECK((sum = test_func(fx.inst, "sum")) != NULL);
	CHECK((rec = test_func(fx.inst, "rec")) != NULL);
	for (size_t i = 0; i < sizeof slices / sizeof slices[0]; i++) {
		/* 1000 back edges, and maybe the loop's entry too */
		cost = sliced_cost(fx.t, sum, 1000, slices[i], &r);
		if (cost != 1000 && cost != 1001)
			fprintf(stderr, "  sum(1000) in slices of %lld cost %lld\n",
				(long long)slices[i], (long long)cost);
		CHECK(cost == 1000 || cost == 1001);
		CHECK_EQ(r.i64, 500500);
		/* 50 calls */
		CHECK_EQ(sliced_cost(fx.t, rec, 50, slices[i], &r), 50);
		CHECK_EQ(r.i32, 50);
	}
	fixture_close(&fx);
	return 0;
}

static int test_fuel_stops_infinite_loop(void)
{
	fixture fx;
	eng_func *spin;

	CHECK(fixture_open(&fx, fuel_wasm, sizeof fuel_wasm, NULL, NULL, NULL) == 0);
	CHECK((spin = test_func(fx.inst, "spin")) != NULL);
	eng_thread_set_fuel(fx.t, 1000);
	CHECK_EQ(eng_call(fx.t, spin, NULL, 0), ENG_OUT_OF_FUEL);
	CHECK_EQ(eng_thread_fuel(fx.t), 0);
	eng_thread_set_fuel(fx.t, 1000);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_OUT_OF_FUEL);
	CHECK_EQ(eng_thread_fuel(fx.t), 0);
	/* a thread out of fuel is busy: no new call on it; freeing it is fine */
	CHECK_EQ(eng_call(fx.t, spin, NULL, 0), ENG_ERR_ARG);
	fixture_close(&fx);
	return 0;
}

/* rec(n) makes n calls and has no loop: exactly n units of fuel. */
static int test_fuel_charged_on_calls(void)
{
	fixture fx;
	eng_func *rec;

	CHECK(fixture_open(&fx, fuel_wasm, sizeof fuel_wasm, NULL, NULL, NULL) == 0);
	CHECK((rec = test_func(fx.inst, "rec")) != NULL);
	eng_thread_set_fuel(fx.t, 50);
	CHECK_EQ(test_call_i32(fx.t, rec, 50, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 50);
	CHECK_EQ(eng_thread_fuel(fx.t), 0);
	eng_thread_set_fuel(fx.t, 49);
	CHECK_EQ(test_call_i32(fx.t, rec, 50, 1), ENG_OUT_OF_FUEL);
	eng_thread_set_fuel(fx.t, 1);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 50);

	/* deep in the recursion: stop, then finish with fuel off */
	eng_thread_set_fuel(fx.t, 100);
	CHECK_EQ(test_call_i32(fx.t, rec, 1000, 1), ENG_OUT_OF_FUEL);
	eng_thread_set_fuel(fx.t, -1);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 1000);
	fixture_close(&fx);
	return 0;
}

/* ---- traps --------------------------------------------------------------------------- */

static int test_trap_backtrace_names(void)
{
	static const char *const names[] = { "c", "b", "a" };
	fixture fx;
	eng_func *a;
	const eng_trap *tr;

	CHECK(fixture_open(&fx, chain_wasm, sizeof chain_wasm, NULL, NULL, NULL) == 0);
	CHECK((a = test_func(fx.inst, "a")) != NULL);
	CHECK_EQ(eng_call(fx.t, a, NULL, 0), ENG_TRAPPED);
	tr = eng_thread_trap(fx.t);
	CHECK_EQ(tr->reason, ENG_TRAP_UNREACHABLE);
	CHECK(strcmp(tr->msg, "unreachable") == 0);
	CHECK(strcmp(eng_trap_text(ENG_TRAP_UNREACHABLE), "unreachable") == 0);
	CHECK_EQ(tr->depth, 3);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(test_name_is(tr->frames[i].name, tr->frames[i].name_len, names[i]));
		CHECK_EQ(tr->frames[i].func_index, 2 - i);
	}
	CHECK(tr->frames[2].func == a);
	fixture_close(&fx);
	return 0;
}

/* Without a name section a frame is named by its export, or not at all. */
static int test_trap_backtrace_without_names_uses_exports(void)
{
	fixture fx;
	eng_func *a;
	const eng_trap *tr;

	CHECK(fixture_open(&fx, chain_nonames_wasm, sizeof chain_nonames_wasm, NULL, NULL, NULL) == 0);
	CHECK((a = test_func(fx.inst, "a")) != NULL);
	CHECK_EQ(eng_call(fx.t, a, NULL, 0), ENG_TRAPPED);
	tr = eng_thread_trap(fx.t);
	CHECK_EQ(tr->depth, 3);
	CHECK(tr->frames[0].name == NULL && tr->frames[0].name_len == 0);
	CHECK(tr->frames[1].name == NULL);
	CHECK(test_name_is(tr->frames[2].name, tr->frames[2].name_len, "a"));
	fixture_close(&fx);
	return 0;
}

static int test_trap_then_call_again(void)
{
	fixture fx;
	eng_func *a, *div;
	eng_val args[2];
	const eng_trap *tr;

	CHECK(fixture_open(&fx, chain_wasm, sizeof chain_wasm, NULL, NULL, NULL) == 0);
	CHECK((a = test_func(fx.inst, "a")) != NULL);
	CHECK((div = test_func(fx.inst, "div")) != NULL);
	tr = eng_thread_trap(fx.t);

	args[0].u64 = 7;
	args[1].u64 = 0;
	CHECK_EQ(eng_call(fx.t, div, args, 2), ENG_TRAPPED);
	CHECK_EQ(tr->reason, ENG_TRAP_DIV_ZERO);
	CHECK(strcmp(tr->msg, "integer divide by zero") == 0);
	CHECK_EQ(tr->depth, 1);
	CHECK(tr->frames[0].func == div);

	args[1].i32 = 2;
	CHECK_EQ(eng_call(fx.t, div, args, 2), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 3);
	CHECK_EQ(tr->reason, ENG_TRAP_NONE);
	CHECK_EQ(tr->depth, 0);

	args[0].i32 = INT32_MIN;
	args[1].i32 = -1;
	CHECK_EQ(eng_call(fx.t, div, args, 2), ENG_TRAPPED);
	CHECK_EQ(tr->reason, ENG_TRAP_INT_OVERFLOW);
	CHECK(strcmp(tr->msg, "integer overflow") == 0);

	/* a trap three frames deep leaves nothing behind either */
	CHECK_EQ(eng_call(fx.t, a, NULL, 0), ENG_TRAPPED);
	args[0].i32 = -9;
	args[1].i32 = 3;
	CHECK_EQ(eng_call(fx.t, div, args, 2), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, -3);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_ERR_ARG);
	fixture_close(&fx);
	return 0;
}

/* ---- stack limits -------------------------------------------------------------------- */

/* rec(n) needs n + 1 frames: with a limit of 100, rec(99) fits and rec(100) does
 * not, whether the thread or the store sets the limit. */
static int test_call_depth_limit_exact(void)
{
	eng_limits lim = { .max_call_depth = 100 };
	fixture fx;
	eng_func *rec;
	eng_thread *t;
	const eng_trap *tr;

	CHECK(fixture_open(&fx, deep_wasm, sizeof deep_wasm, NULL, NULL, NULL) == 0);
	CHECK((rec = test_func(fx.inst, "rec")) != NULL);
	CHECK((t = eng_thread_new(fx.s, &lim)) != NULL);
	CHECK_EQ(test_call_i32(t, rec, 99, 1), ENG_DONE);
	CHECK_EQ(test_result(t).i32, 99);
	CHECK_EQ(test_call_i32(t, rec, 100, 1), ENG_TRAPPED);
	tr = eng_thread_trap(t);
	CHECK_EQ(tr->reason, ENG_TRAP_STACK_EXHAUSTED);
	CHECK(strcmp(tr->msg, "call stack exhausted") == 0);
	CHECK_EQ(tr->depth, ENG_BACKTRACE_MAX);
	CHECK(tr->frames[0].func == rec && tr->frames[ENG_BACKTRACE_MAX - 1].func == rec);
	CHECK_EQ(test_call_i32(t, rec, 99, 1), ENG_DONE);
	CHECK_EQ(test_result(t).i32, 99);
	eng_thread_free(t);
	/* the default thread is far deeper */
	CHECK_EQ(test_call_i32(fx.t, rec, 1000, 1), ENG_DONE);
	fixture_close(&fx);

	CHECK(fixture_open(&fx, deep_wasm, sizeof deep_wasm, &lim, NULL, NULL) == 0);
	CHECK((rec = test_func(fx.inst, "rec")) != NULL);
	CHECK_EQ(test_call_i32(fx.t, rec, 99, 1), ENG_DONE);
	CHECK_EQ(test_call_i32(fx.t, rec, 100, 1), ENG_TRAPPED);
	CHECK_EQ(eng_thread_trap(fx.t)->reason, ENG_TRAP_STACK_EXHAUSTED);
	fixture_close(&fx);
	return 0;
}

/* Runs `name` (unbounded recursion) on t: it must trap with the stack exhausted.
 * *calls gets how many frames it made. */
static int recurse_until_trap(fixture *fx, eng_thread *t, const char *name, int32_t *calls)
{
	eng_global *g = test_export(fx->inst, "calls", ENG_EXTERN_GLOBAL);
	eng_func *f = test_func(fx->inst, name);
	eng_val zero;

	CHECK(g && f);
	zero.u64 = 0;
	eng_global_set(g, zero);
	CHECK_EQ(eng_call(t, f, NULL, 0), ENG_TRAPPED);
	CHECK_EQ(eng_thread_trap(t)->reason, ENG_TRAP_STACK_EXHAUSTED);
	*calls = eng_global_get(g).i32;
	return 0;
}

static int test_deep_recursion_traps_cleanly(void)
{
	eng_limits depth = { .max_call_depth = 20000 };
	eng_limits slots = { .max_stack_slots = 100000 };
	fixture fx;
	eng_thread *t;
	eng_func *ok;
	int32_t calls, down_calls;
	size_t before;

	CHECK(fixture_open(&fx, deep_wasm, sizeof deep_wasm, NULL, NULL, NULL) == 0);
	CHECK((ok = test_func(fx.inst, "ok")) != NULL);

	/* small frames: the depth limit stops it, at exactly the limit */
	CHECK((t = eng_thread_new(fx.s, &depth)) != NULL);
	CHECK(recurse_until_trap(&fx, t, "down", &calls) == 0);
	CHECK_EQ(calls, 20000);
	CHECK_EQ(test_call_i32(t, ok, 5, 1), ENG_DONE);
	CHECK_EQ(test_result(t).i32, 15);
	eng_thread_free(t);

	/* 1000-slot frames: the slot limit stops it long before the depth limit,
	 * and the slot array never outgrows the limit */
	CHECK((t = eng_thread_new(fx.s, &slots)) != NULL);
	before = g_heap.live;
	g_heap.peak = before;
	CHECK(recurse_until_trap(&fx, t, "big", &calls) == 0);
	CHECK(calls * 1000 <= 100000 && calls >= 100000 / 1000 - 2);
	CHECK(g_heap.peak <= before + 100000 * 8);
	CHECK_EQ(test_call_i32(t, ok, 6, 1), ENG_DONE);
	CHECK_EQ(test_result(t).i32, 18);
	eng_thread_free(t);

	/* with the defaults, each kind of recursion traps (big frames first: the
	 * slot limit), and the thread lives on */
	CHECK(recurse_until_trap(&fx, fx.t, "down", &down_calls) == 0);
	CHECK(down_calls > 20000);
	CHECK(recurse_until_trap(&fx, fx.t, "big", &calls) == 0);
	CHECK(calls > 1000 && calls < down_calls);
	CHECK(recurse_until_trap(&fx, fx.t, "down", &calls) == 0);
	CHECK_EQ(calls, down_calls);
	CHECK_EQ(test_call_i32(fx.t, ok, 7, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 21);
	fixture_close(&fx);
	return 0;
}

/* ---- calls ---------------------------------------------------------------------------- */

static int test_call_bad_args(void)
{
	fixture fx;
	eng_func *rec, *ok;
	eng_val args[2];

	CHECK(fixture_open(&fx, deep_wasm, sizeof deep_wasm, NULL, NULL, NULL) == 0);
	CHECK((rec = test_func(fx.inst, "rec")) != NULL);
	CHECK((ok = test_func(fx.inst, "ok")) != NULL);
	args[0].u64 = 3;
	args[1].u64 = 4;
	CHECK_EQ(eng_call(fx.t, rec, args, 0), ENG_ERR_ARG);
	CHECK_EQ(eng_call(fx.t, rec, args, 2), ENG_ERR_ARG);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_ERR_ARG); /* idle since made */
	CHECK_EQ(eng_call(fx.t, ok, args, 1), ENG_DONE);
	CHECK_EQ(test_result(fx.t).i32, 9);
	CHECK_EQ(eng_resume(fx.t, NULL), ENG_ERR_ARG); /* finished */
	CHECK_EQ(eng_resume(fx.t, args), ENG_ERR_ARG);
	CHECK_EQ(test_result(fx.t).i32, 9);
	fixture_close(&fx);
	return 0;
}

/* ---- results ------------------------------------------------------------------------- */

static int test_multi_value_results(void)
{
	fixture fx;
	eng_func *three, *twenty;
	const eng_functype *ty;
	const eng_val *r;
	eng_val arg;
	uint32_t n;
	double d = 2.5;
	uint64_t dbits;

	memcpy(&dbits, &d, sizeof dbits);
	CHECK(fixture_open(&fx, multi_wasm, sizeof multi_wasm, NULL, NULL, NULL) == 0);
	CHECK((three = test_func(fx.inst, "three")) != NULL);
	CHECK((twenty = test_func(fx.inst, "twenty")) != NULL);
	ty = eng_func_type(three);
	CHECK_EQ(ty->nresults, 3);
	CHECK(ty->results[0] == ENG_I32 && ty->results[1] == ENG_I64 && ty->results[2] == ENG_F64);

	CHECK_EQ(test_call_i32(fx.t, three, -7, 1), ENG_DONE);
	r = eng_thread_results(fx.t, &n);
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].i32, -7);
	CHECK_EQ(r[1].i64, -5000000000LL);
	CHECK(r[2].u64 == dbits);

	/* more values than the thread keeps inline */
	arg.i64 = 1000000000000LL;
	CHECK_EQ(eng_call(fx.t, twenty, &arg, 1), ENG_DONE);
	r = eng_thread_results(fx.t, &n);
	CHECK_EQ(n, 20);
	for (uint32_t i = 0; i < 20; i++)
		CHECK_EQ(r[i].i64, arg.i64 + i + 1);
	arg.i64 = -100;
	CHECK_EQ(eng_call(fx.t, twenty, &arg, 1), ENG_DONE);
	r = eng_thread_results(fx.t, &n);
	CHECK_EQ(n, 20);
	CHECK_EQ(r[19].i64, -80);

	/* and back to few */
	CHECK_EQ(test_call_i32(fx.t, three, 5, 1), ENG_DONE);
	r = eng_thread_results(fx.t, &n);
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].i32, 5);
	CHECK(r[2].u64 == dbits);
	fixture_close(&fx);
	return 0;
}

/* ---- runner -------------------------------------------------------------------------- */

static const test_case tests[] = {
	TEST(test_fuel_stops_loop_and_resume_finishes),
	TEST(test_fuel_loop_cost_is_per_iteration),
	TEST(test_fuel_cost_does_not_depend_on_slicing),
	TEST(test_fuel_stops_infinite_loop),
	TEST(test_fuel_charged_on_calls),
	TEST(test_trap_backtrace_names),
	TEST(test_trap_backtrace_without_names_uses_exports),
	TEST(test_trap_then_call_again),
	TEST(test_call_depth_limit_exact),
	TEST(test_deep_recursion_traps_cleanly),
	TEST(test_call_bad_args),
	TEST(test_multi_value_results),
};

int main(void)
{
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
