/* load_test.c: tests for load.c (kern_spawn_cid), the grant clipping of
 * kern_spawn_args.within, kern_native_unregister and kern_stats_get.  A hosted
 * program over a kernel with a fake platform (its log lines are kept) and a native
 * `loader` whose answers each test chooses.  It prints each test's name and ok or
 * FAIL, then "N passed, N failed"; a test that leaks fails.
 */
#include "kernel.h"

#include <stdlib.h>
#include "platform.h"
#include "testing.h"
#include "car.h"
#include "cid.h"
#include "unixfs.h"
#include "ifc_loader.h"
#include "ifc_log.h"
#include "ifc_kv.h"

/* (module (func (export "main"))) */
static const uint8_t NOP_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x04,
	0x01, 0x02, 0x00, 0x0b,
};
/* (module (func (export "main") (loop br 0))) */
static const uint8_t SPIN_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x09,
	0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

/* ---- the fake platform and loader --------------------------------------------------- */

enum { ANSWER_GOOD, ANSWER_OTHER, ANSWER_ENOENT, ANSWER_GARBAGE, ANSWER_LATER };

typedef struct fake {
	char log[4096];              /* every log line, each ending in '\n' */
	size_t log_len;
	int mode;                    /* ANSWER_* */
	const uint8_t *bytes;        /* what ANSWER_GOOD answers */
	size_t len;
	uint64_t held;               /* ANSWER_LATER: the message to answer */
	int gets;                    /* loader.get messages seen */
	/* the callback's record */
	int calls, rc;
	uint64_t pid;
	char why[256];
} fake;

static void fake_log(void *ud, int level, const char *line, size_t len)
{
	(void)level;
	fake *f = ud;
	if (f->log_len + len + 2 > sizeof f->log) return;
	memcpy(f->log + f->log_len, line, len);
	f->log_len += len;
	f->log[f->log_len++] = '\n';
	f->log[f->log_len] = 0;
}

static uint64_t fake_now(void *ud)
{
	(void)ud;
	return 0;
}

static const kern_platform fake_platform = { fake_log, fake_now, NULL };

static void answer_bytes(kern_state *k, uint64_t id, const uint8_t *b, size_t n)
{
	ifc_loader_get_answer a = { .bytes = b, .bytes_len = (uint32_t)n };
	uint32_t len = ifc_loader_get_answer_encode(&a, NULL, 0);
	uint8_t *buf = malloc(len);
	ifc_loader_get_answer_encode(&a, buf, len);
	kern_answer(k, id, buf, len, KERN_ANSWER_OK);
	free(buf);
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	fake *f = ud;
	ifc_loader_get m;
	f->gets++;
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0 || d->sender != 0) {
		uint8_t e[2] = { 28, 0 };
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
		return;
	}
	switch (f->mode) {
	case ANSWER_GOOD: answer_bytes(k, d->id, f->bytes, f->len); return;
	case ANSWER_OTHER: answer_bytes(k, d->id, SPIN_WASM, sizeof SPIN_WASM); return;
	case ANSWER_ENOENT: {
		uint8_t e[2] = { 44, 0 };
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
		return;
	}
	case ANSWER_GARBAGE: kern_answer(k, d->id, "\x07", 1, KERN_ANSWER_OK); return;
	default: f->held = d->id; return;
	}
}

static const kern_native loader_ops = { loader_message, NULL };

static void on_done(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	(void)k;
	fake *f = ud;
	f->calls++;
	f->rc = rc;
	f->pid = pid;
	snprintf(f->why, sizeof f->why, "%s", why ? why : "");
}

/* A kernel with the fake platform; with_loader registers the fake loader. */
static kern_state *new_kernel(fake *f, bool with_loader)
{
	memset(f, 0, sizeof *f);
	f->bytes = NOP_WASM;
	f->len = sizeof NOP_WASM;
	kern_config cfg = { .alloc = g_alloc, .plat = &fake_platform, .plat_ud = f };
	kern_state *k = kern_new(&cfg);
	if (k && with_loader && kern_native_register(k, ifc_loader_id, &loader_ops, f) != 0) {
		kern_free(k);
		return NULL;
	}
	return k;
}

static char nop_cid[WOS_CID_MAX], spin_cid[WOS_CID_MAX];

/* ---- tests ------------------------------------------------------------------------------ */

static int test_load_spawns_bytes_that_match_their_cid(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, 0);
	CHECK(f.pid != 0);
	CHECK_EQ(f.gets, 1);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK(strcmp(info.name, nop_cid) == 0); /* named by its CID by default */
	while (kern_has_ready(k)) kern_run_ready(k);
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK_EQ(info.state, KERN_PROC_DEAD);
	CHECK_EQ(info.exit_code, 0);
	kern_free(k);
	return 0;
}

static int test_load_mismatch_is_refused_naming_both_cids(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	f.mode = ANSWER_OTHER;
	kern_spawn_args a = { .name = "victim" };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, KERN_EHASH);
	CHECK_EQ(f.pid, 0);
	CHECK(strstr(f.why, nop_cid) && strstr(f.why, spin_cid));
	/* and logged, with both */
	CHECK(strstr(f.log, nop_cid) && strstr(f.log, spin_cid));
	kern_stats s;
	kern_stats_get(k, &s);
	CHECK_EQ(s.processes, 0); /* nothing was instantiated */
	CHECK_EQ(s.loads, 0);
	kern_free(k);
	return 0;
}

static int test_load_malformed_cid_is_einval_without_a_message(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	kern_spawn_args a = { 0 };
	static const char *const bad[] = { "", "bafkrei", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0",
					   "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
					   "../../etc/passwd" };
	for (int i = 0; i < 5; i++) {
		kern_spawn_cid(k, bad[i], &a, on_done, &f);
		CHECK_EQ(f.calls, i + 1);
		CHECK_EQ(f.rc, KERN_EINVAL);
		CHECK(strstr(f.why, "is not a CID"));
	}
	/* a CID followed by more text is not a CID either */
	char longer[WOS_CID_MAX + 4];
	snprintf(longer, sizeof longer, "%sxyz", nop_cid);
	kern_spawn_cid(k, longer, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_EINVAL);
	CHECK_EQ(f.gets, 0);
	kern_free(k);
	return 0;
}

static int test_load_without_loader_is_enohandler(void)
{
	fake f;
	kern_state *k = new_kernel(&f, false);
	CHECK(k);
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, KERN_ENOHANDLER);
	CHECK(strstr(f.why, "no loader"));
	kern_free(k);
	return 0;
}

static int test_load_loader_errors_and_garbage_are_errors(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	kern_spawn_args a = { 0 };
	f.mode = ANSWER_ENOENT;
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ENOENT);
	CHECK(strstr(f.why, "no such program"));
	f.mode = ANSWER_GARBAGE;
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK_EQ(f.calls, 2);
	kern_stats s;
	kern_stats_get(k, &s);
	CHECK_EQ(s.processes, 0);
	kern_free(k);
	return 0;
}

static int test_load_bytes_that_do_not_load_are_eload(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	static const uint8_t junk[] = { 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00 };
	char junk_cid[WOS_CID_MAX];
	wos_cid_of(junk, sizeof junk, junk_cid);
	f.bytes = junk;
	f.len = sizeof junk;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, junk_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK(strstr(f.why, junk_cid));
	kern_free(k);
	return 0;
}

static int test_load_answer_later_copies_the_arguments(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	f.mode = ANSWER_LATER;
	char name[16] = "later";
	uint8_t allow[1][KERN_ID_SIZE];
	memcpy(allow[0], ifc_kv_id, KERN_ID_SIZE);
	const char *argv[] = { name };
	const char *listens[] = { "127.0.0.1:9" };
	kern_spawn_args a = { .name = name, .argv = argv, .argc = 1,
			      .allow = (const uint8_t(*)[KERN_ID_SIZE])allow, .nallow = 1,
			      .listens = listens, .nlistens = 1 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 0);
	kern_stats s;
	kern_stats_get(k, &s);
	CHECK_EQ(s.loads, 1);
	CHECK_EQ(s.messages_pending, 1);
	/* the caller's buffers change before the answer: the kernel kept copies */
	memset(name, 'x', sizeof name - 1);
	memset(allow, 0, sizeof allow);
	listens[0] = NULL;
	answer_bytes(k, f.held, NOP_WASM, sizeof NOP_WASM);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK(strcmp(info.name, "later") == 0);
	CHECK(kern_proc_granted(k, f.pid, ifc_kv_id, KERN_GRANT_EMIT));
	kern_stats_get(k, &s);
	CHECK_EQ(s.loads, 0);
	kern_free(k);
	return 0;
}

static int test_load_pending_at_kernel_free_is_told(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	f.mode = ANSWER_LATER;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	kern_spawn_cid(k, spin_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 0);
	kern_free(k);
	CHECK_EQ(f.calls, 2);
	CHECK_EQ(f.rc, KERN_ENOENT);
	CHECK(strstr(f.why, "shut down"));
	return 0;
}

static int test_load_loader_unregistered_while_holding_is_an_error(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	f.mode = ANSWER_LATER;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(kern_native_unregister(k, ifc_loader_id), 0);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK(strstr(f.why, "ended before it answered"));
	CHECK_EQ(kern_native_unregister(k, ifc_loader_id), KERN_ENOENT);
	/* and a program may now be given the interface: nobody handles it */
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ENOHANDLER);
	kern_free(k);
	return 0;
}

/* Every allocation in the request and its answer fails in turn: each run ends in one
 * call of the callback and leaks nothing. */
static int test_load_out_of_memory_loop(void)
{
	for (long n = 1;; n++) {
		fake f;
		kern_state *k = new_kernel(&f, true);
		CHECK(k);
		test_heap_fail_at(n, false);
		const char *argv[] = { "x", "y" };
		kern_preopen po = { "/data", 3 };
		kern_spawn_args a = { .name = "oom", .argv = argv, .argc = 2, .preopens = &po, .npreopens = 1 };
		kern_spawn_cid(k, nop_cid, &a, on_done, &f);
		bool refused = g_heap.refused > 0;
		test_heap_fail_at(0, false);
		CHECK_EQ(f.calls, 1);
		kern_free(k);
		CHECK_EQ(g_heap.live, 0);
		if (!refused) {
			CHECK_EQ(f.rc, 0);
			break;
		}
		CHECK(n < 10000);
	}
	return 0;
}

static int test_spawn_within_gets_no_more_than_the_spawner(void)
{
	fake f;
	kern_state *k = new_kernel(&f, false);
	CHECK(k);
	uint8_t ids[2][KERN_ID_SIZE];
	memcpy(ids[0], ifc_kv_id, KERN_ID_SIZE);
	memcpy(ids[1], ifc_loader_id, KERN_ID_SIZE);
	uint8_t nolog[1][KERN_ID_SIZE];
	memcpy(nolog[0], ifc_log_id, KERN_ID_SIZE);
	/* the parent: may use kv, handle kv, and may not use log */
	kern_spawn_args pa = { .name = "parent", .wasm = SPIN_WASM, .wasm_len = sizeof SPIN_WASM,
			       .allow = (const uint8_t(*)[KERN_ID_SIZE])ids, .nallow = 1,
			       .handle = (const uint8_t(*)[KERN_ID_SIZE])ids, .nhandle = 1,
			       .deny = (const uint8_t(*)[KERN_ID_SIZE])nolog, .ndeny = 1,
			       .limits = { .max_memory_pages = 7 } };
	uint64_t parent, child;
	CHECK_EQ(kern_spawn(k, &pa, &parent, NULL), 0);
	/* the child asks for kv and loader, to emit and to handle */
	kern_spawn_args ca = { .name = "child", .wasm = NOP_WASM, .wasm_len = sizeof NOP_WASM,
			       .allow = (const uint8_t(*)[KERN_ID_SIZE])ids, .nallow = 2,
			       .handle = (const uint8_t(*)[KERN_ID_SIZE])ids, .nhandle = 2,
			       .within = parent };
	CHECK_EQ(kern_spawn(k, &ca, &child, NULL), 0);
	CHECK(kern_proc_granted(k, child, ifc_kv_id, KERN_GRANT_EMIT));
	CHECK(!kern_proc_granted(k, child, ifc_loader_id, KERN_GRANT_EMIT));
	CHECK(kern_proc_granted(k, child, ifc_kv_id, KERN_GRANT_HANDLE));
	CHECK(!kern_proc_granted(k, child, ifc_loader_id, KERN_GRANT_HANDLE));
	CHECK(!kern_proc_granted(k, child, ifc_log_id, KERN_GRANT_EMIT)); /* a default the parent lacks */
	/* without within, the default grant is whole */
	ca.within = 0;
	uint64_t free_child;
	CHECK_EQ(kern_spawn(k, &ca, &free_child, NULL), 0);
	CHECK(kern_proc_granted(k, free_child, ifc_log_id, KERN_GRANT_EMIT));
	CHECK(kern_proc_granted(k, free_child, ifc_loader_id, KERN_GRANT_EMIT));
	/* within a dead or unknown process: refused */
	CHECK_EQ(kern_kill(k, parent, NULL), 0);
	ca.within = parent;
	CHECK_EQ(kern_spawn(k, &ca, &child, NULL), KERN_ENOENT);
	ca.within = 999;
	CHECK_EQ(kern_spawn(k, &ca, &child, NULL), KERN_ENOENT);
	CHECK(!kern_proc_granted(k, 999, ifc_log_id, KERN_GRANT_EMIT));
	kern_free(k);
	return 0;
}

static void count_handler(void *ud, const uint8_t *iface, uint64_t pid)
{
	int *n = ud;
	if (!memcmp(iface, ifc_loader_id, KERN_ID_SIZE) && pid == 0) n[0]++;
	n[1]++;
}

static int test_stats_count_handlers_and_messages(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	kern_stats s;
	kern_stats_get(k, &s);
	CHECK_EQ(s.handlers, 2); /* interface and loader */
	CHECK_EQ(s.native_handlers, 2);
	CHECK_EQ(s.processes, 0);
	CHECK_EQ(s.messages_total, 0);
	int n[2] = { 0, 0 };
	kern_handler_each(k, count_handler, n);
	CHECK_EQ(n[0], 1);
	CHECK_EQ(n[1], 2);
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, nop_cid, &a, on_done, &f);
	kern_stats_get(k, &s);
	CHECK_EQ(s.messages_total, 1);
	CHECK_EQ(s.messages_pending, 0);
	CHECK_EQ(s.processes, 1);
	CHECK_EQ(s.ready, 1);
	kern_free(k);
	return 0;
}

/* ---- programs of several blocks ------------------------------------------------------------ */

/* NOP_WASM as a UnixFS DAG of 5-byte leaves, 3 links a node (three levels), in a CAR
 * whose header names the root, and the root's CID. */
static uint8_t dag_car[8192];
static size_t dag_car_len;
static char dag_cid[WOS_CID_MAX];

static int car_put(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *block, size_t len)
{
	wos_car_put_block(ctx, cid, cid_len, block, len);
	return 0;
}

static void build_dag(void)
{
	static uint8_t blocks[8192], scratch[1 << 18];
	const wos_unixfs_params p = { 5, 3 };
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len;
	wos_car_writer b, w;

	wos_car_writer_init(&b, blocks, sizeof blocks);
	wos_unixfs_import(&p, NOP_WASM, sizeof NOP_WASM, scratch, sizeof scratch, car_put, &b, root, &root_len);
	wos_car_writer_init(&w, dag_car, sizeof dag_car);
	wos_car_put_header(&w, root, root_len);
	memcpy(dag_car + w.len, blocks, b.len);
	dag_car_len = w.len + b.len;
	wos_cid_text(root, root_len, dag_cid, sizeof dag_cid);
}

/* The CID text and the offset of the first data byte of the CAR's first raw block. */
static size_t first_leaf(char cid[WOS_CID_TEXT_MAX])
{
	wos_car_reader r;
	wos_car_block b;

	wos_car_open(&r, dag_car, dag_car_len);
	while (wos_car_next(&r, &b) == 1) {
		if (b.cid.codec == WOS_CODEC_RAW) {
			wos_cid_text(b.cid_bytes, b.cid.len, cid, WOS_CID_TEXT_MAX);
			return (size_t)(b.data - dag_car);
		}
	}
	return 0;
}

static int test_load_dag_pb_root_runs_the_joined_file(void)
{
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	CHECK(strncmp(dag_cid, "bafybei", 7) == 0);
	f.bytes = dag_car;
	f.len = dag_car_len;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, 0);
	kern_proc_info info;
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK(strcmp(info.name, dag_cid) == 0);
	while (kern_has_ready(k)) kern_run_ready(k);
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK_EQ(info.state, KERN_PROC_DEAD);
	CHECK_EQ(info.exit_code, 0);
	/* The same root as a CIDv0: the loader is asked by the CIDv1 text. */
	uint8_t bin[WOS_CID_BIN_MAX];
	size_t n;
	char v0[WOS_CID_TEXT_MAX];
	CHECK_EQ(wos_cid_decode_text(dag_cid, WOS_CID_LEN, bin, &n), 0);
	CHECK_EQ(wos_cid_text(bin + 2, n - 2, v0, sizeof v0), 46);
	kern_spawn_cid(k, v0, &a, on_done, &f);
	CHECK_EQ(f.calls, 2);
	CHECK_EQ(f.rc, 0);
	CHECK_EQ(kern_proc_get(k, f.pid, &info), 0);
	CHECK(strcmp(info.name, dag_cid) == 0);
	kern_free(k);
	return 0;
}

static int test_load_dag_lying_loader_is_refused_naming_the_block(void)
{
	static uint8_t car[8192];
	char leaf[WOS_CID_TEXT_MAX];
	size_t at = first_leaf(leaf);
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	CHECK(at > 0);
	memcpy(car, dag_car, dag_car_len);
	car[at] ^= 0x01;
	f.bytes = car;
	f.len = dag_car_len;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, KERN_EHASH);
	CHECK(strstr(f.why, leaf) && strstr(f.why, dag_cid));
	CHECK(strstr(f.why, "do not match"));
	CHECK(strstr(f.log, leaf)); /* and logged */
	kern_stats s;
	kern_stats_get(k, &s);
	CHECK_EQ(s.processes, 0);
	kern_free(k);
	return 0;
}

static int test_load_dag_answer_that_is_not_its_car_is_refused(void)
{
	static uint8_t car[8192];
	char leaf[WOS_CID_TEXT_MAX];
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	kern_spawn_args a = { 0 };
	/* The program's bytes instead of a CAR. */
	f.bytes = NOP_WASM;
	f.len = sizeof NOP_WASM;
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK(strstr(f.why, "not a CAR"));
	/* A CAR cut short. */
	f.bytes = dag_car;
	f.len = dag_car_len - 3;
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK(strstr(f.why, "not a CAR"));
	/* A CAR for another root: the header names the first leaf instead. */
	wos_car_writer w;
	uint8_t bin[WOS_CID_BIN_MAX];
	size_t n, at = first_leaf(leaf);
	CHECK(at > 0);
	CHECK_EQ(wos_cid_decode_text(leaf, WOS_CID_LEN, bin, &n), 0);
	wos_car_writer_init(&w, car, sizeof car);
	wos_car_put_header(&w, bin, n);
	memcpy(car + w.len, dag_car + w.len, dag_car_len - w.len); /* same header length */
	f.bytes = car;
	f.len = dag_car_len;
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_EHASH);
	CHECK(strstr(f.why, "another root"));
	/* A CAR without one of the blocks: rename that block so it cannot be found. */
	memcpy(car, dag_car, dag_car_len);
	car[at - 1] ^= 0x01; /* the last digest byte of the leaf's CID */
	kern_spawn_cid(k, dag_cid, &a, on_done, &f);
	CHECK_EQ(f.rc, KERN_ELOAD);
	CHECK(strstr(f.why, leaf) && strstr(f.why, "not available"));
	CHECK_EQ(f.calls, 4);
	kern_free(k);
	return 0;
}

static int test_load_answer_beyond_the_message_limit_is_taken(void)
{
	/* NOP_WASM and a custom section "pad" of 1.5 MiB: more than the 1 MiB message
	 * limit, which bounds processes' messages, not the kernel's own request. */
	size_t pad = 1536 * 1024, n = sizeof NOP_WASM + 1 + 3 + 4 + pad;
	uint8_t *big = malloc(n), *p = big;
	char cid[WOS_CID_MAX];
	memcpy(p, NOP_WASM, sizeof NOP_WASM), p += sizeof NOP_WASM;
	*p++ = 0x00;
	*p++ = 0x84, *p++ = 0x80, *p++ = 0x60; /* pad + 4 as a LEB128 */
	*p++ = 3, memcpy(p, "pad", 3), p += 3;
	memset(p, 0x5a, pad);
	wos_cid_of(big, n, cid);
	fake f;
	kern_state *k = new_kernel(&f, true);
	CHECK(k);
	f.bytes = big;
	f.len = n;
	kern_spawn_args a = { 0 };
	kern_spawn_cid(k, cid, &a, on_done, &f);
	CHECK_EQ(f.calls, 1);
	CHECK_EQ(f.rc, 0);
	kern_free(k);
	free(big);
	return 0;
}

static int test_load_dag_out_of_memory_loop(void)
{
	for (long n = 1;; n++) {
		fake f;
		kern_state *k = new_kernel(&f, true);
		CHECK(k);
		f.bytes = dag_car;
		f.len = dag_car_len;
		test_heap_fail_at(n, false);
		kern_spawn_args a = { .name = "oom" };
		kern_spawn_cid(k, dag_cid, &a, on_done, &f);
		bool refused = g_heap.refused > 0;
		test_heap_fail_at(0, false);
		CHECK_EQ(f.calls, 1);
		kern_free(k);
		CHECK_EQ(g_heap.live, 0);
		if (!refused) {
			CHECK_EQ(f.rc, 0);
			break;
		}
		CHECK(n < 10000);
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_load_spawns_bytes_that_match_their_cid),
	TEST(test_load_mismatch_is_refused_naming_both_cids),
	TEST(test_load_malformed_cid_is_einval_without_a_message),
	TEST(test_load_without_loader_is_enohandler),
	TEST(test_load_loader_errors_and_garbage_are_errors),
	TEST(test_load_bytes_that_do_not_load_are_eload),
	TEST(test_load_answer_later_copies_the_arguments),
	TEST(test_load_pending_at_kernel_free_is_told),
	TEST(test_load_loader_unregistered_while_holding_is_an_error),
	TEST(test_load_out_of_memory_loop),
	TEST(test_load_dag_pb_root_runs_the_joined_file),
	TEST(test_load_dag_lying_loader_is_refused_naming_the_block),
	TEST(test_load_dag_answer_that_is_not_its_car_is_refused),
	TEST(test_load_answer_beyond_the_message_limit_is_taken),
	TEST(test_load_dag_out_of_memory_loop),
	TEST(test_spawn_within_gets_no_more_than_the_spawner),
	TEST(test_stats_count_handlers_and_messages),
};

int main(void)
{
	wos_cid_of(NOP_WASM, sizeof NOP_WASM, nop_cid);
	wos_cid_of(SPIN_WASM, sizeof SPIN_WASM, spin_cid);
	build_dag();
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
