/* sysfile_test.c: tests for sysfile.c, the system-file parser.  A hosted program
 * with the checking allocator: it prints each test's name and ok or FAIL, then
 * "N passed, N failed"; a test that leaks, or tells the allocator a wrong size, fails.
 *
 * Besides the format itself, the parser must survive any bytes: random ones, every
 * truncation and every one-byte change of a good file, and every allocation refused
 * in turn; each gives a result or a "FILE:LINE: reason" error, and frees everything.
 */
#include "system.h"
#include "testing.h"
#include "ifc_all.h"

#include <stdint.h>

static const char FULL[] =
	"# a system with every keyword\n"
	"native log time\n"
	"fuel-slice 5000\n"
	"max-memory 64M\n"
	"peer /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW /dns4/a.b/tcp/1\n"
	"gateway http://127.0.0.1:8080  # the local one\n"
	"peer \"/ip4/10.0.0.2/tcp/4001\"\n"
	"p2p-listen /ip4/0.0.0.0/tcp/0\n"
	"offline\n"
	"\n"
	"program kv progs/kv.wasm\n"
	"\thandles kv\n"
	"\tmax-memory 100p\n"
	"\tmax-message 4M\n"
	"\tmax-queue 7\n"
	"\tmax-outstanding 9\n"
	"\trestart\n"
	"program shell bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n"
	"\targs \"two words\" x  # a comment\n"
	"\targs \"q\\\"\\\\\\n\\t\"\n"
	"\tenv A=1 B=two=2\n"
	"\tallow kv process\n"
	"\tallow kv\n"
	"\tdeny random\n"
	"\tdir data /abs::/guest\n"
	"\tlisten 127.0.0.1:0 [::1]:7000\n"
	"\tfuel-slice 42\n"
	"\tessential\n";

static kern_sysfile *parse(const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	kern_sysfile *f = NULL;
	int rc = kern_sysfile_parse(&g_alloc, file, text, len, &f, err, errlen);
	if ((rc == 0) != (f != NULL)) {
		fprintf(stderr, "  rc %d but f %p\n", rc, (void *)f);
		abort();
	}
	return f;
}

static bool has_id(const kern_sysfile_ids *s, const uint8_t *id, int line)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (memcmp(s->ids[i], id, KERN_ID_SIZE) == 0 && s->lines[i] == line) return true;
	return false;
}

static const uint8_t *id_of(const char *name)
{
	return ifc_all_by_name(name, strlen(name))->id;
}

static int test_sysfile_every_keyword(void)
{
	char err[256];
	kern_sysfile *f = parse("sys/a.sys", FULL, sizeof FULL - 1, err, sizeof err);
	if (!f) fprintf(stderr, "  %s\n", err);
	CHECK(f);
	CHECK(strcmp(f->file, "sys/a.sys") == 0);
	CHECK_EQ(f->natives.n, 2);
	CHECK(has_id(&f->natives, id_of("log"), 2) && has_id(&f->natives, id_of("time"), 2));
	CHECK_EQ(f->limits.fuel_slice, 5000);
	CHECK_EQ(f->limits.max_memory_pages, 1024);
	/* network words as written, in order, each with its line */
	CHECK_EQ(f->peers.n, 3);
	CHECK(strcmp(f->peers.words[0], "/ip4/10.0.0.1/tcp/4001/p2p/12D3KooW") == 0 && f->peers.lines[0] == 5);
	CHECK(strcmp(f->peers.words[1], "/dns4/a.b/tcp/1") == 0 && f->peers.lines[1] == 5);
	CHECK(strcmp(f->peers.words[2], "/ip4/10.0.0.2/tcp/4001") == 0 && f->peers.lines[2] == 7);
	CHECK(f->gateways.n == 1 && strcmp(f->gateways.words[0], "http://127.0.0.1:8080") == 0);
	CHECK_EQ(f->gateways.lines[0], 6);
	CHECK(f->p2p_listens.n == 1 && strcmp(f->p2p_listens.words[0], "/ip4/0.0.0.0/tcp/0") == 0);
	CHECK_EQ(f->p2p_listens.lines[0], 8);
	CHECK_EQ(f->offline_line, 9);
	CHECK_EQ(f->nprogs, 2);
	const kern_sysfile_program *kv = &f->progs[0], *sh = &f->progs[1];
	CHECK(strcmp(kv->name, "kv") == 0 && kv->line == 11);
	CHECK(strcmp(kv->source, "progs/kv.wasm") == 0);
	CHECK(strcmp(kv->path, "sys/progs/kv.wasm") == 0);
	CHECK(kv->argc == 1 && strcmp(kv->argv[0], "kv") == 0);
	CHECK(kv->handles.n == 1 && has_id(&kv->handles, id_of("kv"), 12));
	CHECK_EQ(kv->limits.max_memory_pages, 100);
	CHECK_EQ(kv->limits.max_message, 4 << 20);
	CHECK_EQ(kv->limits.max_queue, 7);
	CHECK_EQ(kv->limits.max_outstanding, 9);
	CHECK_EQ(kv->limits.fuel_slice, 0);
	CHECK(kv->restart && !kv->essential);
	CHECK(sh->path == NULL);
	CHECK(strcmp(sh->source, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku") == 0);
	CHECK_EQ(sh->argc, 4);
	CHECK(strcmp(sh->argv[0], "shell") == 0 && strcmp(sh->argv[1], "two words") == 0);
	CHECK(strcmp(sh->argv[2], "x") == 0 && strcmp(sh->argv[3], "q\"\\\n\t") == 0);
	CHECK(sh->nenv == 2 && strcmp(sh->env[0], "A=1") == 0 && strcmp(sh->env[1], "B=two=2") == 0);
	/* allow kv twice: once, with its first line */
	CHECK(sh->allow.n == 2 && has_id(&sh->allow, id_of("kv"), 22) && has_id(&sh->allow, id_of("process"), 22));
	CHECK(sh->deny.n == 1 && has_id(&sh->deny, id_of("random"), 24));
	CHECK(sh->ndirs == 2 && sh->dirs_line == 25);
	CHECK(strcmp(sh->dirs[0].host, "sys/data") == 0 && strcmp(sh->dirs[0].guest, "data") == 0);
	CHECK(strcmp(sh->dirs[1].host, "/abs") == 0 && strcmp(sh->dirs[1].guest, "/guest") == 0);
	CHECK(sh->nlistens == 2 && sh->listens_line == 26);
	CHECK(strcmp(sh->listens[0], "127.0.0.1:0") == 0 && strcmp(sh->listens[1], "[::1]:7000") == 0);
	CHECK_EQ(sh->limits.fuel_slice, 42);
	CHECK(sh->essential && !sh->restart);
	kern_sysfile_free(f);
	return 0;
}

static int test_sysfile_paths_resolve_against_the_files_folder(void)
{
	static const struct {
		const char *file, *source, *path;
	} cases[] = {
		{ "a.sys", "p.wasm", "p.wasm" },
		{ "d/e/a.sys", "p.wasm", "d/e/p.wasm" },
		{ "d/a.sys", "../p.wasm", "d/../p.wasm" },
		{ "d/a.sys", "/abs/p.wasm", "/abs/p.wasm" },
		{ "/a.sys", "p.wasm", "/p.wasm" },
		{ "d/a.sys", "./bafkreiabc", "d/./bafkreiabc" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[128], err[128];
		snprintf(text, sizeof text, "program p %s", cases[i].source); /* no final newline */
		kern_sysfile *f = parse(cases[i].file, text, strlen(text), err, sizeof err);
		CHECK(f);
		CHECK(strcmp(f->progs[0].path, cases[i].path) == 0);
		kern_sysfile_free(f);
	}
	return 0;
}

static int test_sysfile_interfaces_by_hex(void)
{
	char text[256], err[256];
	const uint8_t *kv = id_of("kv");
	int n = snprintf(text, sizeof text, "program p p.wasm\n\tallow ");
	for (int i = 0; i < KERN_ID_SIZE; i++) n += snprintf(text + n, sizeof text - (size_t)n, "%02x", kv[i]);
	snprintf(text + n, sizeof text - (size_t)n, " 0000000000000000000000000000000000000000000000000000000000000001\n");
	kern_sysfile *f = parse("a.sys", text, strlen(text), err, sizeof err);
	CHECK(f);
	CHECK_EQ(f->progs[0].allow.n, 2);
	CHECK(memcmp(f->progs[0].allow.ids[0], kv, KERN_ID_SIZE) == 0);
	CHECK_EQ(f->progs[0].allow.ids[1][31], 1);
	kern_sysfile_free(f);
	/* upper case, or one digit short: not an interface */
	text[n - 1] = 'A';
	CHECK(parse("a.sys", text, strlen(text), err, sizeof err) == NULL);
	CHECK(strstr(err, "a.sys:2: unknown interface") != NULL);
	return 0;
}

/* Each bad file and the start of its error. */
static const struct {
	const char *text, *err;
} bad[] = {
	{ "args x\n", "bad.sys:1: args belongs to a program" },
	{ "# a comment\n\nprogram a a.wasm\n\tallow nope\n", "bad.sys:4: unknown interface 'nope'" },
	{ "program a a.wasm\nprogram a b.wasm\n", "bad.sys:2: program a is defined already, on line 1" },
	{ "program a a.wasm\n\tmax-memory 5Q\n", "bad.sys:2: max-memory wants a size" },
	{ "program a a.wasm\n\tmax-memory 17179869185G\n", "bad.sys:2: max-memory wants a size" },
	{ "program a a.wasm\n\tmax-message 65M\n", "bad.sys:2: max-message wants a size" },
	{ "program a a.wasm\n\tfuel-slice 0\n", "bad.sys:2: fuel-slice wants a positive number" },
	{ "program a a.wasm\n\tfuel-slice 9223372036854775808\n", "bad.sys:2: fuel-slice wants a positive number" },
	{ "program a a.wasm\n\tfuel-slice -5\n", "bad.sys:2: fuel-slice wants a positive number" },
	{ "program a a.wasm\n\tfuel-slice 1 2\n", "bad.sys:2: fuel-slice wants one value" },
	{ "program a a.wasm\n\tmax-queue 1000001\n", "bad.sys:2: max-queue: at most 1000000, not 1000001" },
	{ "program a a.wasm\n\tfrobnicate\n", "bad.sys:2: unknown keyword 'frobnicate'" },
	{ "native kv\nprogram a a.wasm\n\thandles kv\n", "bad.sys:3: kv is native (line 1) and handled by program a" },
	{ "program a a.wasm\n\thandles kv\nnative kv\n", "bad.sys:3: kv is native (line 3) and handled by program a" },
	{ "program a a.wasm\n\targs \"open\n", "bad.sys:2: a quoted word does not end on its line" },
	{ "program a a.wasm\n\targs \"a\"b\n", "bad.sys:2: text right after a closing quote" },
	{ "program a a.wasm\n\targs a\"b\"\n", "bad.sys:2: a quote inside a word" },
	{ "program a a.wasm\n\targs \"\\x\"\n", "bad.sys:2: unknown escape \\x" },
	{ "program Big a.wasm\n", "bad.sys:1: 'Big' is not a program name" },
	{ "program -a a.wasm\n", "bad.sys:1: '-a' is not a program name" },
	{ "program abcdefghijabcdefghijabcdefghijabc a.wasm\n", "bad.sys:1: 'abcdefghijabcdefghijabcdefghijabc' is not" },
	{ "program a\n", "bad.sys:1: program wants a NAME and a SOURCE" },
	{ "# nothing\n", "bad.sys:1: no programs" },
	{ "", "bad.sys:1: no programs" },
	{ "program a a.wasm\n\tessential\n\trestart\n", "bad.sys:1: program a is essential and restart" },
	{ "program a bafkreiabc\n", "bad.sys:1: 'bafkreiabc' is not a CID" },
	{ "program a bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n", "bad.sys:1: 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' is not a CID we can load: codec is neither" },
	{ "program a QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd0\n", "bad.sys:1: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd0' is not a CID we can load: bad base58" },
	{ "program a a.wasm\n\tenv NOEQUALS\n", "bad.sys:2: env wants KEY=VALUE" },
	{ "program a a.wasm\n\tenv =x\n", "bad.sys:2: env wants KEY=VALUE" },
	{ "program a a.wasm\n\tenv\n", "bad.sys:2: env wants KEY=VALUE words" },
	{ "program a a.wasm\n\tessential now\n", "bad.sys:2: essential takes nothing" },
	{ "program a a.wasm\n\tmanual\n\tessential\n", "bad.sys:1: program a is manual (never started by the system) and essential" },
	{ "program a a.wasm\n\tmanual\n\trestart\n", "bad.sys:1: program a is manual (never started by the system) and restart" },
	{ "program a a.wasm\n\tallow\n", "bad.sys:2: which interfaces?" },
	{ "program a a.wasm\n\tdir\n", "bad.sys:2: dir wants HOST or HOST::GUEST folders" },
	{ "program a a.wasm\n\tdir ::x\n", "bad.sys:2: dir wants HOST or HOST::GUEST, not an empty side" },
	{ "program a a.wasm\n\tdir x::\n", "bad.sys:2: dir wants HOST or HOST::GUEST, not an empty side" },
	{ "program a a.wasm\n\tlisten\n", "bad.sys:2: listen wants addresses" },
	{ "program a a.wasm\n\x00\n", "bad.sys:2: a NUL byte" },
	{ "peer\nprogram a a.wasm\n", "bad.sys:1: peer wants multiaddrs" },
	{ "gateway\nprogram a a.wasm\n", "bad.sys:1: gateway wants URLs" },
	{ "\np2p-listen # none\nprogram a a.wasm\n", "bad.sys:2: p2p-listen wants multiaddrs" },
	{ "offline now\nprogram a a.wasm\n", "bad.sys:1: offline takes nothing" },
	{ "program a a.wasm\npeer /ip4/1.2.3.4/tcp/1\n", "bad.sys:2: peer belongs to the whole system: put it before" },
	{ "program a a.wasm\n\tgateway http://x\n", "bad.sys:2: gateway belongs to the whole system" },
	{ "program a a.wasm\n\toffline\n", "bad.sys:2: offline belongs to the whole system" },
};

static int test_sysfile_bad_files_name_file_and_line(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256];
		size_t len = strlen(bad[i].text);
		if (strstr(bad[i].err, "NUL")) len += 2; /* the NUL and the line after it */
		kern_sysfile *f = parse("bad.sys", bad[i].text, len, err, sizeof err);
		if (f || strncmp(err, bad[i].err, strlen(bad[i].err)) != 0) {
			fprintf(stderr, "  case %zu: got '%s', want '%s'\n", i, f ? "(parsed)" : err, bad[i].err);
			kern_sysfile_free(f);
			return 1;
		}
	}
	return 0;
}

static int test_sysfile_too_many_words_on_a_line(void)
{
	char text[4096] = "program a a.wasm\n\targs";
	for (int i = 0; i < 255; i++) strcat(text, " w");
	char err[256];
	kern_sysfile *f = parse("a.sys", text, strlen(text), err, sizeof err);
	CHECK(f); /* 256 words with "args" */
	CHECK_EQ(f->progs[0].argc, 256);
	kern_sysfile_free(f);
	strcat(text, " w");
	CHECK(parse("a.sys", text, strlen(text), err, sizeof err) == NULL);
	CHECK(strstr(err, "a.sys:2: more than 256 words on one line") == err);
	return 0;
}

static int test_sysfile_small_error_buffers_stay_terminated(void)
{
	char err[8];
	memset(err, 'x', sizeof err);
	CHECK(parse("bad.sys", "args x\n", 7, err, sizeof err) == NULL);
	CHECK(strcmp(err, "bad.sys") == 0);
	CHECK(parse("bad.sys", "args x\n", 7, NULL, 0) == NULL);
	return 0;
}

/* ---- garbage: whatever the bytes, a result or an error, and nothing left ------------------ */

/* A parse of garbage: an error must name the file, a success is freed. */
static int parse_any(const char *text, size_t len)
{
	char err[512];
	kern_sysfile *f = parse("g.sys", text, len, err, sizeof err);
	if (f) {
		kern_sysfile_free(f);
		return 0;
	}
	if (strncmp(err, "g.sys:", 6) != 0) {
		fprintf(stderr, "  error without file and line: '%s'\n", err);
		return 1;
	}
	return 0;
}

/* xorshift64: the same garbage on every run, so a failure can be replayed */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int test_sysfile_random_bytes_are_refused_cleanly(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	static char buf[4096];
	/* random bytes, then random bytes drawn from the format's own alphabet */
	static const char alphabet[] = "program native args env allow deny handles dir listen essential restart manual "
				       "fuel-slice max-memory 64M 1G p \"\\\t\n#=:./abkv0123456789";
	for (int round = 0; round < 3000; round++) {
		size_t len = next_random(&seed) % sizeof buf;
		for (size_t i = 0; i < len; i++) {
			uint64_t r = next_random(&seed);
			buf[i] = round % 2 ? alphabet[r % (sizeof alphabet - 1)] : (char)r;
		}
		if (parse_any(buf, len)) return 1;
	}
	CHECK_EQ(g_heap.bad_sizes, 0);
	return 0;
}

static int test_sysfile_every_truncation_and_byte_change(void)
{
	size_t n = sizeof FULL - 1;
	static char buf[sizeof FULL];
	for (size_t len = 0; len <= n; len++)
		if (parse_any(FULL, len)) return 1;
	static const char subst[] = { 0, '"', '\\', '\n', ' ', '#', 'x', '0', ':', '=', (char)0xff };
	for (size_t at = 0; at < n; at++) {
		for (size_t s = 0; s < sizeof subst; s++) {
			memcpy(buf, FULL, n);
			buf[at] = subst[s];
			if (parse_any(buf, n)) return 1;
		}
	}
	return 0;
}

static int test_sysfile_out_of_memory_loop(void)
{
	for (long n = 1;; n++) {
		char err[256];
		test_heap_fail_at(n, false);
		kern_sysfile *f = parse("sys/a.sys", FULL, sizeof FULL - 1, err, sizeof err);
		bool refused = g_heap.refused != 0;
		test_heap_fail_at(0, false);
		if (!refused) {
			CHECK(f);
			kern_sysfile_free(f);
			break;
		}
		CHECK(f == NULL);
		CHECK(strstr(err, "out of memory") != NULL);
		CHECK(strncmp(err, "sys/a.sys:", 10) == 0);
		CHECK_EQ(g_heap.live, 0);
		CHECK(n < 10000);
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_sysfile_every_keyword),
	TEST(test_sysfile_paths_resolve_against_the_files_folder),
	TEST(test_sysfile_interfaces_by_hex),
	TEST(test_sysfile_bad_files_name_file_and_line),
	TEST(test_sysfile_too_many_words_on_a_line),
	TEST(test_sysfile_small_error_buffers_stay_terminated),
	TEST(test_sysfile_random_bytes_are_refused_cleanly),
	TEST(test_sysfile_every_truncation_and_byte_change),
	TEST(test_sysfile_out_of_memory_loop),
};

int main(void)
{
	return test_run_all(tests, sizeof tests / sizeof tests[0]);
}
