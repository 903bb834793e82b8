/* sched_test.c: tests for sched.c (a round of kern_run_ready) and for the kernel's
 * life cycle (kern_new, kern_free leave nothing behind).  A hosted program over a
 * kernel with a counting allocator; it prints each test's name and ok or FAIL, then
 * "N passed, N failed"; a test that leaks fails.
 */
#include "kernel.h"
#include "platform.h"
#include "testing.h"
#include "ifc_kv.h"

/* (module (func (export "main") (loop br 0))) */
static const uint8_t SPIN_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x09,
	0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

static kern_state *new_kernel(void)
{
	kern_config cfg = { .alloc = g_alloc };
	return kern_new(&cfg);
}

static void nothing(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud, (void)k, (void)d;
}

static const kern_native nothing_ops = { nothing, NULL };

static int test_kernel_free_releases_native_handlers(void)
{
	kern_state *k = new_kernel();
	CHECK(k);
	CHECK_EQ(kern_native_register(k, ifc_kv_id, &nothing_ops, NULL), 0);
	CHECK_EQ(kern_native_register(k, ifc_kv_id, &nothing_ops, NULL), KERN_EEXIST);
	kern_free(k);
	CHECK_EQ(g_heap.live, 0);
	return 0;
}

static int test_run_ready_gives_one_round(void)
{
	kern_state *k = new_kernel();
	CHECK(k);
	kern_spawn_args a = { .name = "spin", .wasm = SPIN_WASM, .wasm_len = sizeof SPIN_WASM,
			      .limits = { .fuel_slice = 1000 } };
	uint64_t s1, s2;
	CHECK_EQ(kern_spawn(k, &a, &s1, NULL), 0);
	CHECK_EQ(kern_spawn(k, &a, &s2, NULL), 0);
	/* two spinners: a round is two turns and returns, though both stay ready, so the
	 * platform can look at its events (before, this call never returned) */
	CHECK_EQ(kern_run_ready(k), 2);
	CHECK(kern_has_ready(k));
	CHECK_EQ(kern_run_ready(k), 2);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(k, s1, &info), 0);
	CHECK_EQ(info.state, KERN_PROC_READY);
	CHECK(info.fuel_used >= 2000);
	CHECK_EQ(kern_kill(k, s1, NULL), 0);
	CHECK_EQ(kern_run_ready(k), 1);
	CHECK_EQ(kern_kill(k, s2, NULL), 0);
	CHECK_EQ(kern_run_ready(k), 0);
	CHECK(!kern_has_ready(k));
	kern_free(k);
	return 0;
}

static const test_case tests[] = {
	TEST(test_kernel_free_releases_native_handlers),
	TEST(test_run_ready_gives_one_round),
};

int main(void)
{
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
