/* debug_test.c: tests for debug.c, the native `kernel-debug` handler.  A hosted
 * program over a kernel with the fake platform (testkit.h); reports are asked for
 * with kern_msg_emit from the kernel and their text compared with what the kernel
 * says through kern_proc_get and kern_stats_get.  It prints each test's name and ok
 * or FAIL, then "N passed, N failed"; a test that leaks fails.
 */
#include "testkit.h"
#include "ifc_kernel_debug.h"
#include "ifc_kv.h"

typedef struct reply {
	int calls;
	int status;
	char text[8192];
	uint32_t len;
	int err;
} reply;

static void on_reply(kern_state *k, void *ud, int status, const uint8_t *body, uint32_t len)
{
	(void)k;
	reply *r = ud;
	r->calls++;
	r->status = status;
	ifc_kernel_debug_stats_answer a;
	if (status == KERN_ANSWER_OK && ifc_kernel_debug_stats_answer_decode(body, len, &a) == 0 &&
	    a.text_len < sizeof r->text) {
		memcpy(r->text, a.text, a.text_len);
		r->text[a.text_len] = 0;
		r->len = a.text_len;
	} else if (len == 2) {
		r->err = body[0] | body[1] << 8;
	}
}

static int ask(kt *t, const uint8_t *body, uint32_t len, reply *r)
{
	memset(r, 0, sizeof *r);
	uint64_t id;
	return kern_msg_emit(t->k, NULL, ifc_kernel_debug_id, body, len, 0, on_reply, r, &id);
}

static const uint8_t PROCESSES[1] = { IFC_KERNEL_DEBUG_PROCESSES };
static const uint8_t STATS[1] = { IFC_KERNEL_DEBUG_STATS };

static int open_kernel(kt *t)
{
	if (kt_open(t, NULL)) return 1;
	if (kern_debug_register(t->k) != 0 || kern_native_register(t->k, ifc_kv_id, &kt_native_ops, &t->report)) {
		kt_close(t);
		return 1;
	}
	return 0;
}

static int test_debug_processes_lists_each_process_and_what_it_handles(void)
{
	kt t;
	CHECK(open_kernel(&t) == 0);
	/* a handler of A (registered, then halted) and an ended process */
	kern_spawn_args ha = { .name = "handler-a", .handle = (const uint8_t(*)[KERN_ID_SIZE])kt_id_a, .nhandle = 1 };
	static const kt_cmd hs[] = { KT_REGISTER_A, { OP_HALT, 0, 0, 0, 0, 0 } };
	uint64_t h, gone;
	CHECK_EQ(kt_spawn(&t, &ha, hs, KT_NCMDS(hs), &h), 0);
	kern_spawn_args g = { .name = "gone" };
	static const kt_cmd trap[] = { { OP_TRAP, 0, 0, 0, 0, 0 } };
	CHECK_EQ(kt_spawn(&t, &g, trap, 1, &gone), 0);
	kt_run(&t);
	reply r;
	CHECK_EQ(ask(&t, PROCESSES, 1, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_OK);
	if (getenv("KT_VERBOSE")) fprintf(stderr, "%s", r.text);
	CHECK(strncmp(r.text, "  PID STATE      EXIT MEMORY     SENT RECEIVED         FUEL NAME\n", 65) == 0);
	/* each line as the kernel counts it: 64K of memory, fuel used, messages */
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(t.k, h, &info), 0);
	char want[256];
	snprintf(want, sizeof want, "%5llu %-8s %6s %6s %8llu %8llu %12llu handler-a  (handles 6b65726e656c2074)\n",
		 (unsigned long long)h, "waiting", "", "64K", (unsigned long long)info.messages_sent,
		 (unsigned long long)info.messages_received, (unsigned long long)info.fuel_used);
	CHECK(strstr(r.text, want) != NULL);
	CHECK_EQ(kern_proc_get(t.k, gone, &info), 0);
	snprintf(want, sizeof want, "%5llu %-8s %6d %6s %8llu %8llu %12llu gone\n", (unsigned long long)gone, "dead", 134, "0",
		 (unsigned long long)info.messages_sent, (unsigned long long)info.messages_received,
		 (unsigned long long)info.fuel_used);
	CHECK(strstr(r.text, want) != NULL);
	/* the natives, by name where they have one */
	CHECK(strstr(r.text, "\nnative handlers: interface 6b65726e656c2074 kernel-debug kv\n") != NULL);
	kt_close(&t);
	return 0;
}

static int test_debug_stats_agree_with_kern_stats(void)
{
	kt t;
	CHECK(open_kernel(&t) == 0);
	static const kt_cmd halt[] = { { OP_HALT, 0, 0, 0, 0, 0 } };
	uint64_t a, b;
	CHECK_EQ(kt_spawn(&t, NULL, halt, 1, &a), 0);
	CHECK_EQ(kt_spawn(&t, NULL, halt, 1, &b), 0);
	kt_run(&t);
	CHECK_EQ(kern_kill(t.k, b, NULL), 0);
	reply r;
	CHECK_EQ(ask(&t, STATS, 1, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_OK);
	kern_stats s;
	kern_stats_get(t.k, &s);
	char want[1024];
	snprintf(want, sizeof want,
		 "processes: 2 listed, 1 live (0 ready, 1 waiting), 1 ended\n"
		 "interfaces handled: %u (%u native, 0 by programs)\n"
		 "messages: %llu sent in all, 1 awaiting an answer, 0 waiting for a handler\n"
		 "loads by CID in progress: 0\n",
		 s.handlers, s.native_handlers, (unsigned long long)s.messages_total);
	CHECK(strcmp(r.text, want) == 0);
	CHECK_EQ(s.native_handlers, 4); /* interface, REPORT, kernel-debug, kv */
	kt_close(&t);
	return 0;
}

static int test_debug_bad_requests_are_errors(void)
{
	kt t;
	CHECK(open_kernel(&t) == 0);
	reply r;
	uint8_t two[2] = { IFC_KERNEL_DEBUG_STATS, 0 };
	CHECK_EQ(ask(&t, two, 2, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_ERROR && r.err == 28);
	uint8_t unknown[1] = { 7 };
	CHECK_EQ(ask(&t, unknown, 1, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_ERROR && r.err == 52);
	CHECK_EQ(ask(&t, unknown, 0, &r), 0);
	CHECK(r.calls == 1 && r.status == KERN_ANSWER_ERROR && r.err == 28);
	kt_close(&t);
	return 0;
}

/* Every allocation of a report refused in turn: an answer each time (the text, or
 * ENOMEM), never a leak. */
static int test_debug_out_of_memory_loop(void)
{
	for (int which = 0; which < 2; which++) {
		for (long n = 1;; n++) {
			kt t;
			CHECK(open_kernel(&t) == 0);
			static const kt_cmd halt[] = { { OP_HALT, 0, 0, 0, 0, 0 } };
			uint64_t a;
			CHECK_EQ(kt_spawn(&t, NULL, halt, 1, &a), 0);
			kt_run(&t);
			reply r;
			test_heap_fail_at(n, false);
			int rc = ask(&t, which ? STATS : PROCESSES, 1, &r);
			bool refused = g_heap.refused != 0;
			test_heap_fail_at(0, false);
			CHECK(rc == 0 || rc == KERN_ENOMEM);
			CHECK(rc != 0 || r.calls == 1);
			CHECK(rc != 0 || r.status == KERN_ANSWER_OK || r.err == 48);
			kt_close(&t);
			CHECK_EQ(g_heap.live, 0);
			if (!refused) {
				CHECK(r.status == KERN_ANSWER_OK && r.len > 0);
				break;
			}
		}
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_debug_processes_lists_each_process_and_what_it_handles),
	TEST(test_debug_stats_agree_with_kern_stats),
	TEST(test_debug_bad_requests_are_errors),
	TEST(test_debug_out_of_memory_loop),
};

int main(void)
{
	kt_watchdog(60);
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
