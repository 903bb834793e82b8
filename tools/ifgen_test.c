/* ifgen_test.c: tests of the interface generator (tools/ifgen.c) and of the code it
 * writes.  A hosted program: it prints each test's name and ok or FAIL, then
 * "N passed, N failed", and exits nonzero when a test failed.
 *
 * The generated code is tested through tools/ifgen-test.ifc, which has every field
 * type; make generates it into build/gen/test.  Decoders run on hostile input in the
 * kernel, so every body they see here sits in a heap block of exactly its length:
 * under ASan, one byte read past the end fails the run.  The generator itself is run
 * as a program (argv[1], default build/tools/ifgen) on good and bad definitions
 * written to a temporary directory.  Run from the repository root.
 */
#include "test/ifc_ifgen_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifc_all.h"
#include "sha256.h"

static const char *ifgen = "build/tools/ifgen";
static char tmpdir[] = "/tmp/ifgen_test.XXXXXX";

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                \
			return 1;                                                \
		}                                                                \
	} while (0)

/* ---- helpers ------------------------------------------------------------------------ */

/* A heap copy of exactly n bytes (at least 1 allocated, so the pointer is real). */
static uint8_t *dup_exact(const uint8_t *b, uint32_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p)
		abort();
	if (n)
		memcpy(p, b, n);
	return p;
}

typedef int (*decode_fn)(const uint8_t *buf, uint32_t len, void *out);

/* Decodes b[0..n) from an exact heap copy, freed before it returns: the decoded
 * bytes and string fields must not be read after. */
static int decode_exact(decode_fn fn, const uint8_t *b, uint32_t n, void *out)
{
	uint8_t *p = dup_exact(b, n);
	int r = fn(p, n, out);

	free(p);
	return r;
}

#define DECODE(name, b, n, out) \
	decode_exact((decode_fn)ifc_ifgen_test_##name##_decode, (b), (n), (out))

static const uint8_t id_k[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 255,
};

static ifc_ifgen_test_all sample_all(void)
{
	ifc_ifgen_test_all m;

	memset(&m, 0, sizeof m);
	m.a = 0xfe;
	m.b = 0xbeef;
	m.c = 0xdeadbeef;
	m.d = 0x0123456789abcdefull;
	m.e = -2;
	m.f = INT64_MIN;
	m.g = true;
	m.h = (const uint8_t *)"\x00\xff\x7f";
	m.h_len = 3;
	m.s = (const uint8_t *)"h\xc3\xa9llo";
	m.s_len = 6;
	memcpy(m.k, id_k, 32);
	return m;
}

/* The expected size of sample_all(): tag, fixed fields, two lengths and their bytes, id. */
#define SAMPLE_ALL_SIZE (1 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 4 + 3 + 4 + 6 + 32)

static uint32_t encode_all(const ifc_ifgen_test_all *m, uint8_t *buf, uint32_t cap)
{
	return ifc_ifgen_test_all_encode(m, buf, cap);
}

static uint32_t encode_all_answer(const ifc_ifgen_test_all *m, uint8_t *buf, uint32_t cap)
{
	/* The answer has the same fields as the message, in a struct of its own. */
	ifc_ifgen_test_all_answer a;

	memset(&a, 0, sizeof a);
	a.a = m->a, a.b = m->b, a.c = m->c, a.d = m->d, a.e = m->e, a.f = m->f, a.g = m->g;
	a.h = m->h, a.h_len = m->h_len, a.s = m->s, a.s_len = m->s_len;
	memcpy(a.k, m->k, 32);
	return ifc_ifgen_test_all_answer_encode(&a, buf, cap);
}

/* Runs cmd through the shell, output and errors into out; returns the exit status
 * (-1 when it did not exit normally). */
static int run(const char *cmd, char *out, size_t cap)
{
	char full[4096];
	FILE *p;
	size_t n = 0, got;
	int st;

	snprintf(full, sizeof full, "%s 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	while (n + 1 < cap && (got = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += got;
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- encoding ----------------------------------------------------------------------- */

static int test_ifc_every_field_type_round_trips(void)
{
	ifc_ifgen_test_all m = sample_all(), d;
	uint8_t buf[256], *copy;
	uint32_t n = encode_all(&m, buf, sizeof buf);

	CHECK(n == SAMPLE_ALL_SIZE);
	copy = dup_exact(buf, n);
	memset(&d, 0x55, sizeof d);
	CHECK(ifc_ifgen_test_all_decode(copy, n, &d) == 0);
	CHECK(d.a == m.a && d.b == m.b && d.c == m.c && d.d == m.d);
	CHECK(d.e == -2 && d.f == INT64_MIN && d.g == true);
	/* bytes and strings are borrowed from the body, not copied */
	CHECK(d.h_len == 3 && d.h >= copy && d.h + d.h_len <= copy + n && memcmp(d.h, m.h, 3) == 0);
	CHECK(d.s_len == 6 && d.s >= copy && d.s + d.s_len <= copy + n && memcmp(d.s, m.s, 6) == 0);
	CHECK(memcmp(d.k, id_k, 32) == 0);
	free(copy);

	/* extremes the other way, and empty bytes */
	m.a = 0, m.b = 0, m.c = 0, m.d = UINT64_MAX, m.e = INT32_MIN, m.f = INT64_MAX;
	m.g = false, m.h = NULL, m.h_len = 0, m.s_len = 0;
	n = encode_all(&m, buf, sizeof buf);
	CHECK(n == SAMPLE_ALL_SIZE - 9);
	CHECK(DECODE(all, buf, n, &d) == 0);
	CHECK(d.d == UINT64_MAX && d.e == INT32_MIN && d.f == INT64_MAX && d.g == false);
	CHECK(d.h_len == 0 && d.s_len == 0);
	return 0;
}

static int test_ifc_answer_round_trips_without_a_tag(void)
{
	ifc_ifgen_test_all m = sample_all();
	ifc_ifgen_test_all_answer d;
	uint8_t msg[256], ans[256];
	uint32_t n = encode_all(&m, msg, sizeof msg);

	/* the answer is the message's fields without the tag byte */
	CHECK(encode_all_answer(&m, ans, sizeof ans) == n - 1);
	CHECK(memcmp(ans, msg + 1, n - 1) == 0);
	memset(&d, 0, sizeof d);
	CHECK(DECODE(all_answer, ans, n - 1, &d) == 0);
	CHECK(d.a == m.a && d.b == m.b && d.c == m.c && d.d == m.d && d.e == m.e && d.f == m.f);
	CHECK(d.g && d.h_len == 3 && d.s_len == 6 && memcmp(d.k, id_k, 32) == 0);
	return 0;
}

static int test_ifc_encoding_is_little_endian_in_field_order(void)
{
	ifc_ifgen_test_all m = sample_all();
	uint8_t buf[256];
	static const uint8_t want[] = {
		IFC_IFGEN_TEST_ALL,                             /* tag */
		0xfe,                                           /* a: u8 */
		0xef, 0xbe,                                     /* b: u16 */
		0xef, 0xbe, 0xad, 0xde,                         /* c: u32 */
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* d: u64 */
		0xfe, 0xff, 0xff, 0xff,                         /* e: i32 -2 */
		0, 0, 0, 0, 0, 0, 0, 0x80,                      /* f: i64 min */
		1,                                              /* g: bool */
		3, 0, 0, 0, 0x00, 0xff, 0x7f,                   /* h: bytes */
		6, 0, 0, 0, 'h', 0xc3, 0xa9, 'l', 'l', 'o',     /* s: string */
	};

	CHECK(encode_all(&m, buf, sizeof buf) == sizeof want + 32);
	CHECK(memcmp(buf, want, sizeof want) == 0);
	CHECK(memcmp(buf + sizeof want, id_k, 32) == 0);
	CHECK(IFC_IFGEN_TEST_ALL == 0 && IFC_IFGEN_TEST_EMPTY == 1 && IFC_IFGEN_TEST_ONE == 2);
	return 0;
}

static int test_ifc_encode_into_small_buffer_writes_nothing(void)
{
	ifc_ifgen_test_all m = sample_all();
	uint8_t buf[256];
	uint32_t cap;

	for (cap = 0; cap < SAMPLE_ALL_SIZE; cap++) {
		uint32_t i;

		memset(buf, 0xaa, sizeof buf);
		CHECK(encode_all(&m, buf, cap) == SAMPLE_ALL_SIZE);
		for (i = 0; i < sizeof buf; i++)
			CHECK(buf[i] == 0xaa);
	}
	CHECK(encode_all(&m, NULL, 0) == SAMPLE_ALL_SIZE);
	CHECK(encode_all(&m, buf, SAMPLE_ALL_SIZE) == SAMPLE_ALL_SIZE);
	return 0;
}

static int test_ifc_encode_of_huge_lengths_says_too_large(void)
{
	ifc_ifgen_test_all m = sample_all();

	/* Lengths are never dereferenced when the body cannot fit: no buffer is given. */
	m.h_len = UINT32_MAX;
	m.s_len = UINT32_MAX;
	CHECK(encode_all(&m, NULL, 0) == UINT32_MAX);
	m.s_len = 0;
	CHECK(encode_all(&m, NULL, UINT32_MAX) == UINT32_MAX);
	return 0;
}

static int test_ifc_empty_message_and_answer(void)
{
	ifc_ifgen_test_empty m = { 0 };
	ifc_ifgen_test_empty_answer a = { 0 };
	uint8_t buf[4] = { 0xaa, 0xaa, 0xaa, 0xaa };

	CHECK(ifc_ifgen_test_empty_encode(&m, NULL, 0) == 1);
	CHECK(ifc_ifgen_test_empty_encode(&m, buf, sizeof buf) == 1);
	CHECK(buf[0] == IFC_IFGEN_TEST_EMPTY && buf[1] == 0xaa);
	CHECK(DECODE(empty, buf, 1, &m) == 0);
	CHECK(DECODE(empty, buf, 0, &m) == -1);
	buf[1] = 0;
	CHECK(DECODE(empty, buf, 2, &m) == -1);
	CHECK(ifc_ifgen_test_empty_answer_encode(&a, NULL, 0) == 0);
	CHECK(ifc_ifgen_test_empty_answer_decode(NULL, 0, &a) == 0);
	CHECK(DECODE(empty_answer, buf, 1, &a) == -1);
	return 0;
}

/* ---- decoding hostile bodies --------------------------------------------------------- */

static int test_ifc_every_truncated_body_is_rejected(void)
{
	ifc_ifgen_test_all m = sample_all(), d;
	ifc_ifgen_test_all_answer da;
	ifc_ifgen_test_one o = { (const uint8_t *)"xyz", 3 }, od;
	ifc_ifgen_test_one_answer oa = { (const uint8_t *)"ab", 2 }, oad;
	uint8_t msg[256], ans[256], one[16], onea[16];
	uint32_t n = encode_all(&m, msg, sizeof msg);
	uint32_t na = encode_all_answer(&m, ans, sizeof ans);
	uint32_t no = ifc_ifgen_test_one_encode(&o, one, sizeof one);
	uint32_t noa = ifc_ifgen_test_one_answer_encode(&oa, onea, sizeof onea);
	uint32_t i;

	CHECK(DECODE(all, msg, n, &d) == 0 && DECODE(all_answer, ans, na, &da) == 0);
	CHECK(DECODE(one, one, no, &od) == 0 && DECODE(one_answer, onea, noa, &oad) == 0);
	for (i = 0; i < n; i++)
		CHECK(DECODE(all, msg, i, &d) == -1);
	for (i = 0; i < na; i++)
		CHECK(DECODE(all_answer, ans, i, &da) == -1);
	for (i = 0; i < no; i++)
		CHECK(DECODE(one, one, i, &od) == -1);
	for (i = 0; i < noa; i++)
		CHECK(DECODE(one_answer, onea, i, &oad) == -1);
	CHECK(ifc_ifgen_test_all_decode(NULL, 0, &d) == -1);
	return 0;
}

static int test_ifc_trailing_bytes_are_rejected(void)
{
	ifc_ifgen_test_all m = sample_all(), d;
	ifc_ifgen_test_all_answer da;
	ifc_ifgen_test_empty e;
	ifc_ifgen_test_empty_answer ea;
	uint8_t msg[300], ans[300];
	uint32_t n = encode_all(&m, msg, sizeof msg);
	uint32_t na = encode_all_answer(&m, ans, sizeof ans);
	uint8_t one_zero[2] = { IFC_IFGEN_TEST_EMPTY, 0 };

	memset(msg + n, 0, sizeof msg - n);
	memset(ans + na, 0, sizeof ans - na);
	CHECK(DECODE(all, msg, n + 1, &d) == -1);
	CHECK(DECODE(all, msg, n + 40, &d) == -1);
	CHECK(DECODE(all_answer, ans, na + 1, &da) == -1);
	CHECK(DECODE(empty, one_zero, 2, &e) == -1);
	CHECK(DECODE(empty_answer, one_zero, 1, &ea) == -1);
	return 0;
}

static int test_ifc_length_past_the_end_is_rejected(void)
{
	static const uint32_t lens[] = { 4, 5, 6, 0x100, 0x7fffffff, 0x80000000, 0xfffffffb,
					 0xfffffffc, 0xffffffff };
	ifc_ifgen_test_one o = { (const uint8_t *)"abc", 3 }, od;
	ifc_ifgen_test_all m = sample_all(), d;
	uint8_t one[8], msg[256];
	uint32_t n = encode_all(&m, msg, sizeof msg), i;

	CHECK(ifc_ifgen_test_one_encode(&o, one, sizeof one) == 8);
	CHECK(DECODE(one, one, 8, &od) == 0);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t b[8];

		memcpy(b, one, 8);
		b[1] = (uint8_t)lens[i], b[2] = (uint8_t)(lens[i] >> 8);
		b[3] = (uint8_t)(lens[i] >> 16), b[4] = (uint8_t)(lens[i] >> 24);
		CHECK(DECODE(one, b, 8, &od) == -1);
	}
	/* a shorter length leaves trailing bytes: also rejected */
	one[1] = 2;
	CHECK(DECODE(one, one, 8, &od) == -1);
	/* h's length (offset 29) one too large: the rest shifts and the body runs out */
	msg[29] = 4;
	CHECK(DECODE(all, msg, n, &d) == -1);
	msg[29] = 0xff, msg[30] = 0xff, msg[31] = 0xff, msg[32] = 0xff;
	CHECK(DECODE(all, msg, n, &d) == -1);
	return 0;
}

static int test_ifc_bool_other_than_0_or_1_is_rejected(void)
{
	ifc_ifgen_test_all m = sample_all(), d;
	uint8_t msg[256];
	uint32_t n = encode_all(&m, msg, sizeof msg);
	int v;

	/* g sits at offset 28 */
	for (v = 0; v < 256; v++) {
		msg[28] = (uint8_t)v;
		CHECK(DECODE(all, msg, n, &d) == (v <= 1 ? 0 : -1));
		if (v <= 1)
			CHECK(d.g == (v == 1));
	}
	return 0;
}

static int test_ifc_nul_in_string_is_rejected(void)
{
	ifc_ifgen_test_one_answer a = { (const uint8_t *)"a\0b", 3 }, d;
	ifc_ifgen_test_one m = { (const uint8_t *)"a\0b", 3 }, md;
	uint8_t buf[16];
	uint32_t n = ifc_ifgen_test_one_answer_encode(&a, buf, sizeof buf);

	CHECK(n == 7);
	CHECK(DECODE(one_answer, buf, n, &d) == -1);
	buf[5] = 'x';
	CHECK(DECODE(one_answer, buf, n, &d) == 0);
	/* bytes may hold NULs */
	n = ifc_ifgen_test_one_encode(&m, buf, sizeof buf);
	CHECK(ifc_ifgen_test_one_decode(buf, n, &md) == 0 && md.x_len == 3 && md.x[1] == 0);
	return 0;
}

static int test_ifc_unknown_or_wrong_tag_is_rejected(void)
{
	ifc_ifgen_test_one o = { (const uint8_t *)"q", 1 }, od;
	ifc_ifgen_test_all d;
	ifc_ifgen_test_empty e;
	uint8_t buf[16];
	uint32_t n = ifc_ifgen_test_one_encode(&o, buf, sizeof buf);
	int t;

	CHECK(ifc_ifgen_test_tag(buf, n) == IFC_IFGEN_TEST_ONE);
	CHECK(ifc_ifgen_test_tag(buf, 0) == -1);
	CHECK(ifc_ifgen_test_tag(NULL, 0) == -1);
	for (t = 0; t < 256; t++) {
		buf[0] = (uint8_t)t;
		CHECK(ifc_ifgen_test_tag(buf, n) == (t < 3 ? t : -1));
		CHECK(DECODE(one, buf, n, &od) == (t == IFC_IFGEN_TEST_ONE ? 0 : -1));
		CHECK(DECODE(empty, buf, 1, &e) == (t == IFC_IFGEN_TEST_EMPTY ? 0 : -1));
	}
	buf[0] = IFC_IFGEN_TEST_ONE;
	CHECK(DECODE(all, buf, n, &d) == -1);
	return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Decodes b with every decoder, from an exact heap copy that outlives the borrowed
 * fields.  A body that decodes must re-encode to the same bytes: the encoding of a
 * value is unique, so a decoder accepts nothing else. */
static int decode_everything(const uint8_t *b, uint32_t n)
{
	union {
		ifc_ifgen_test_all all;
		ifc_ifgen_test_all_answer all_answer;
		ifc_ifgen_test_one one;
		ifc_ifgen_test_one_answer one_answer;
	} u;
	uint8_t re[512], *c = dup_exact(b, n);
	int bad = 0;

#define REENCODES(name)                                                                  \
	if (ifc_ifgen_test_##name##_decode(c, n, &u.name) == 0)                          \
		bad |= ifc_ifgen_test_##name##_encode(&u.name, re, sizeof re) != n ||    \
		       memcmp(re, b, n) != 0;
	REENCODES(all)
	REENCODES(all_answer)
	REENCODES(one)
	REENCODES(one_answer)
#undef REENCODES
	free(c);
	CHECK(!bad);
	CHECK(ifc_ifgen_test_tag(b, n) == (n && b[0] < 3 ? b[0] : -1));
	return 0;
}

static int test_ifc_hostile_bodies_stay_in_bounds(void)
{
	ifc_ifgen_test_all m = sample_all();
	uint8_t valid[256], b[256];
	uint32_t n = encode_all(&m, valid, sizeof valid), i, j;
	int accepted = 0;

	/* every byte of a valid body set to every value */
	for (i = 0; i < n; i++) {
		for (j = 0; j < 256; j++) {
			memcpy(b, valid, n);
			b[i] = (uint8_t)j;
			CHECK(decode_everything(b, n) == 0);
			accepted += DECODE(all, b, n, &m) == 0;
		}
	}
	/* Accepted: one tag, two bools, each length byte only as it was, a string byte
	 * anything but NUL, every other byte anything. */
	CHECK(n == 78);
	CHECK(accepted == 1 + 2 + 8 * 1 + 6 * 255 + (78 - 1 - 1 - 8 - 6) * 256);
	/* random bodies: mostly small lengths, so some of them decode */
	for (i = 0; i < 200000; i++) {
		uint32_t len = rnd() % 96;

		for (j = 0; j < len; j++)
			b[j] = (uint8_t)(rnd() % 4 == 0 ? rnd() : rnd() % 3);
		CHECK(decode_everything(b, len) == 0);
	}
	return 0;
}

/* ---- ids and the table ---------------------------------------------------------------- */

static int test_ifc_id_is_sha256_of_the_canonical_text(void)
{
	static const char test_canon[] =
		"interface ifgen-test\n"
		"message all(a:u8,b:u16,c:u32,d:u64,e:i32,f:i64,g:bool,h:bytes,s:string,k:id)"
		"->(a:u8,b:u16,c:u32,d:u64,e:i32,f:i64,g:bool,h:bytes,s:string,k:id)\n"
		"message empty()->()\n"
		"message one(x:bytes)->(y:string)\n";
	static const char kv_canon[] =
		"interface kv\n"
		"message get(key:bytes)->(value:bytes)\n"
		"message set(key:bytes,value:bytes)->()\n"
		"message delete(key:bytes)->()\n";
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t h[32];

	wos_sha256("abc", 3, h); /* FIPS 180-2 B.1: the hash under test is the real one */
	CHECK(memcmp(h, abc, 32) == 0);
	wos_sha256(test_canon, sizeof test_canon - 1, h);
	CHECK(memcmp(h, ifc_ifgen_test_id, 32) == 0);
	wos_sha256(kv_canon, sizeof kv_canon - 1, h);
	CHECK(memcmp(h, ifc_kv_id, 32) == 0);
	return 0;
}

static int test_ifc_table_lists_every_interface(void)
{
	static const char *const names[] = { "files", "interface", "kernel-debug", "kv",
					     "loader", "log", "process", "random", "stdin",
					     "system-time", "tcp", "time" };
	uint8_t h[32];
	uint32_t i, j;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK(ifc_all_by_name(names[i], strlen(names[i])) != NULL);
	for (i = 0; i < IFC_ALL_COUNT; i++) {
		const ifc_all_info *e = &ifc_all[i];

		CHECK(strlen(e->canonical) == e->canonical_len);
		wos_sha256(e->canonical, e->canonical_len, h);
		CHECK(memcmp(h, e->id, 32) == 0);
		CHECK(ifc_all_by_id(e->id) == e);
		CHECK(ifc_all_by_name(e->name, strlen(e->name)) == e);
		CHECK(i == 0 || strcmp(ifc_all[i - 1].name, e->name) < 0);
		CHECK(e->nmessages > 0);
		for (j = 0; j < e->nmessages; j++)
			CHECK(strstr(e->canonical, e->messages[j]) != NULL);
	}
	CHECK(ifc_all_by_name("kvx", 2) == ifc_all_by_name("kv", 2));
	CHECK(ifc_all_by_name("k", 1) == NULL);
	CHECK(ifc_all_by_name("kvx", 3) == NULL);
	memset(h, 0, 32);
	CHECK(ifc_all_by_id(h) == NULL);
	CHECK(ifc_all_by_name("interface", 9)->id == ifc_interface_id);
	CHECK(ifc_all_by_name("system-time", 11)->id == ifc_system_time_id);
	return 0;
}

/* docs/interfaces.md shows each id; it must show the current ones. */
static int test_docs_show_every_current_id(void)
{
	FILE *f = fopen("docs/interfaces.md", "r");
	static char doc[1 << 17];
	size_t n;
	uint32_t i;

	CHECK(f != NULL);
	n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = 0;
	for (i = 0; i < IFC_ALL_COUNT; i++) {
		char h[65];

		hex(ifc_all[i].id, 32, h);
		if (!strstr(doc, h)) {
			fprintf(stderr, "  docs/interfaces.md lacks the id of %s (%s);"
					" see build/tools/ifgen --list interfaces/*.ifc\n",
				ifc_all[i].name, h);
			return 1;
		}
	}
	return 0;
}

/* ---- the generator as a program ------------------------------------------------------- */

static int test_ifgen_list_prints_every_id(void)
{
	char cmd[512], out[8192], h[65], line[128];
	uint32_t i;

	snprintf(cmd, sizeof cmd, "%s --list interfaces/*.ifc", ifgen);
	CHECK(run(cmd, out, sizeof out) == 0);
	for (i = 0; i < IFC_ALL_COUNT; i++) {
		hex(ifc_all[i].id, 32, h);
		snprintf(line, sizeof line, "%-14s %s\n", ifc_all[i].name, h);
		CHECK(strstr(out, line) != NULL);
	}
	return 0;
}

static int test_ifgen_writes_the_files_of_a_definition(void)
{
	char cmd[1024], out[4096], path[512];
	static const char *const files[] = { "ifc_ifgen_test.h", "ifc_ifgen_test.c",
					     "ifc_wire.h", "ifc_all.h", "ifc_all.c" };
	struct stat st;
	size_t i;

	snprintf(cmd, sizeof cmd, "%s %s/ok/gen tools/ifgen-test.ifc", ifgen, tmpdir);
	CHECK(run(cmd, out, sizeof out) == 0);
	CHECK(out[0] == 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/ok/gen/%s", tmpdir, files[i]);
		CHECK(stat(path, &st) == 0 && st.st_size > 0);
	}
	snprintf(cmd, sizeof cmd, "%s --canonical tools/ifgen-test.ifc", ifgen);
	CHECK(run(cmd, out, sizeof out) == 0);
	CHECK(strncmp(out, "interface ifgen-test\nmessage all(a:u8,", 38) == 0);
	return 0;
}

typedef struct bad_def {
	const char *file;   /* under tmpdir/bad */
	const char *text;
	int line;           /* the line the error must name */
	const char *reason; /* a part of the reason */
} bad_def;

static const bad_def bad_defs[] = {
	{ "t.ifc", "interface t\nmessage a (x: u128) -> ()\n", 2, "unknown type 'u128'" },
	{ "t.ifc", "interface t\nmessage a () -> ()\n# c\nmessage a (x: u8) -> ()\n", 4,
	  "duplicate message 'a'" },
	{ "t.ifc", "# no interface line\nmessage a () -> ()\n", 2, "expected 'interface NAME'" },
	{ "t.ifc", "", 1, "expected 'interface NAME'" },
	{ "t.ifc", "interface t\n", 1, "has no messages" },
	{ "t.ifc", "interface t\nmessage a (x: u8, x: u16) -> ()\n", 2, "duplicate field 'x'" },
	{ "t.ifc", "interface t\nmessage a (x: bytes, x_len: u32) -> ()\n", 2, "clashes" },
	{ "t.ifc", "interface t\nmessage a (x_len: u32, x: string) -> ()\n", 2, "clashes" },
	{ "t.ifc", "interface t\nmessage a (int: u32) -> ()\n", 2, "reserved" },
	{ "t.ifc", "interface t\nmessage a (x: u8) -> (\n", 3, "expected a field name" },
	{ "t.ifc", "interface t\nmessage a (x: u8)\n\n-> (y u8)\n", 4, "expected ':'" },
	{ "t.ifc", "interface t\nmessage a (x: u8) (y: u8)\n", 2, "expected '->'" },
	{ "t.ifc", "interface t\nmessage a (x: u8,) -> ()\n", 2, "expected a field name" },
	{ "t.ifc", "interface t\nmessage A () -> ()\n", 2, "bad message name 'A'" },
	{ "t.ifc", "interface t\nmessage a-b () -> ()\n", 2, "bad message name" },
	{ "t.ifc", "interface t\nmessage a () -> ()\ninterface u\n", 3, "second 'interface'" },
	{ "t.ifc", "interface t\nmessage a () -> () ;\n", 2, "unexpected character ';'" },
	{ "t.ifc", "interface t\nmsg a () -> ()\n", 2, "expected 'message'" },
	{ "u.ifc", "interface t\nmessage a () -> ()\n", 1, "file named t.ifc" },
	{ "t_x.ifc", "interface t_x\nmessage a () -> ()\n", 1, "bad interface name" },
	{ "all.ifc", "interface all\nmessage a () -> ()\n", 1, "reserved" },
	{ NULL, NULL, 0, NULL },
};

static int test_ifgen_bad_definition_names_file_and_line(void)
{
	char dir[256], path[512], cmd[1024], out[4096], want[600];
	const bad_def *b;
	struct stat st;

	for (b = bad_defs; b->file; b++) {
		snprintf(dir, sizeof dir, "%s/bad%d", tmpdir, (int)(b - bad_defs));
		CHECK(mkdir(dir, 0700) == 0);
		snprintf(path, sizeof path, "%s/%s", dir, b->file);
		write_text(path, b->text);
		snprintf(cmd, sizeof cmd, "%s %s/gen %s", ifgen, dir, path);
		snprintf(want, sizeof want, "%s:%d: ", path, b->line);
		if (run(cmd, out, sizeof out) != 1 || strncmp(out, want, strlen(want)) != 0 ||
		    !strstr(out, b->reason)) {
			fprintf(stderr, "  %s: got \"%s\", want \"%s...%s...\"\n", b->text, out,
				want, b->reason);
			return 1;
		}
		/* nothing is written when a definition is bad */
		snprintf(path, sizeof path, "%s/gen", dir);
		CHECK(stat(path, &st) != 0);
	}
	return 0;
}

static int test_ifgen_generated_name_clash_across_files_is_an_error(void)
{
	char path[512], cmd[1024], out[4096], want[600];

	/* ifc_a + message b_c and ifc_a_b + message c both make ifc_a_b_c */
	snprintf(path, sizeof path, "%s/clash", tmpdir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof path, "%s/clash/a.ifc", tmpdir);
	write_text(path, "interface a\nmessage b_c () -> ()\n");
	snprintf(path, sizeof path, "%s/clash/a-b.ifc", tmpdir);
	write_text(path, "interface a-b\n\nmessage c () -> ()\n");
	snprintf(cmd, sizeof cmd, "%s %s/clash/gen %s/clash/a.ifc %s", ifgen, tmpdir, tmpdir, path);
	snprintf(want, sizeof want, "%s:3: generated name 'ifc_a_b_c'", path);
	CHECK(run(cmd, out, sizeof out) == 1);
	CHECK(strncmp(out, want, strlen(want)) == 0);
	/* and a message named like another's answer */
	snprintf(path, sizeof path, "%s/clash/b.ifc", tmpdir);
	write_text(path, "interface b\nmessage x () -> ()\nmessage x_answer () -> ()\n");
	snprintf(cmd, sizeof cmd, "%s %s/clash/gen %s", ifgen, tmpdir, path);
	snprintf(want, sizeof want, "%s:3: generated name 'ifc_b_x_answer'", path);
	CHECK(run(cmd, out, sizeof out) == 1);
	CHECK(strncmp(out, want, strlen(want)) == 0);
	return 0;
}

static int test_ifgen_multiline_message_and_comments_are_accepted(void)
{
	char path[512], cmd[1024], out[4096];

	snprintf(path, sizeof path, "%s/ml", tmpdir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof path, "%s/ml/ml.ifc", tmpdir);
	write_text(path, "  # lead\ninterface ml # trailing\n\nmessage m(a:u8,\n\tb: bytes)\n"
			 "  ->\n(c: id)# x\r\nmessage n()->()");
	snprintf(cmd, sizeof cmd, "%s --canonical %s", ifgen, path);
	CHECK(run(cmd, out, sizeof out) == 0);
	CHECK(strcmp(out, "interface ml\nmessage m(a:u8,b:bytes)->(c:id)\nmessage n()->()\n") == 0);
	return 0;
}

/* ---- runner ------------------------------------------------------------------------- */

#define T(name) { #name, name }
static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	T(test_ifc_every_field_type_round_trips),
	T(test_ifc_answer_round_trips_without_a_tag),
	T(test_ifc_encoding_is_little_endian_in_field_order),
	T(test_ifc_encode_into_small_buffer_writes_nothing),
	T(test_ifc_encode_of_huge_lengths_says_too_large),
	T(test_ifc_empty_message_and_answer),
	T(test_ifc_every_truncated_body_is_rejected),
	T(test_ifc_trailing_bytes_are_rejected),
	T(test_ifc_length_past_the_end_is_rejected),
	T(test_ifc_bool_other_than_0_or_1_is_rejected),
	T(test_ifc_nul_in_string_is_rejected),
	T(test_ifc_unknown_or_wrong_tag_is_rejected),
	T(test_ifc_hostile_bodies_stay_in_bounds),
	T(test_ifc_id_is_sha256_of_the_canonical_text),
	T(test_ifc_table_lists_every_interface),
	T(test_docs_show_every_current_id),
	T(test_ifgen_list_prints_every_id),
	T(test_ifgen_writes_the_files_of_a_definition),
	T(test_ifgen_bad_definition_names_file_and_line),
	T(test_ifgen_generated_name_clash_across_files_is_an_error),
	T(test_ifgen_multiline_message_and_comments_are_accepted),
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	char cmd[256];
	size_t i;

	if (argc > 1)
		ifgen = argv[1];
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int r = tests[i].fn();

		printf("%s %s\n", tests[i].name, r ? "FAIL" : "ok");
		if (r)
			failed++;
		else
			passed++;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
