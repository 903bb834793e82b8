/* decode_test.c: unit tests for decode.c and module.c (and the lib/fmt.c formatting
 * their error messages use).  A hosted program: it prints each test's name and ok or
 * FAIL, then "N passed, N failed", and exits nonzero when a test failed.
 *
 * Every load goes through a counting allocator, and every test checks that no byte
 * is live afterwards.  Modules are byte strings; MOD() passes one with its length.
 */
#include "module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define HDR "\x00\x61\x73\x6d\x01\x00\x00\x00"
#define MOD(s) (const uint8_t *)(s), sizeof(s) - 1

/* ---- a counting allocator that can be told to fail --------------------------------- */

typedef struct counter {
	size_t live;      /* bytes allocated and not freed */
	long calls;       /* allocations and resizes so far */
	long fail_at;     /* 0: never; else fail that call... */
	bool fail_after;  /* ...and, if set, every call after it too */
} counter;

static void *count_alloc(void *ud, void *ptr, size_t old, size_t n)
{
	counter *c = ud;
	void *p;

	if (n == 0) {
		if (ptr)
			c->live -= old;
		free(ptr);
		return NULL;
	}
	c->calls++;
	if (c->fail_at && (c->calls == c->fail_at || (c->fail_after && c->calls > c->fail_at)))
		return NULL;
	p = realloc(ptr, n);
	if (p)
		c->live += n - (ptr ? old : 0);
	return p;
}

static counter g_count;
static const eng_alloc g_alloc = { count_alloc, &g_count };

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                \
			return 1;                                                \
		}                                                                \
	} while (0)

/* Loads a module that must fail with `code` and a message starting with `msg`. */
static int expect_fail(int line, const uint8_t *b, size_t n, int code, const char *msg)
{
	eng_module *m = (eng_module *)1;
	eng_error err;
	int rc;

	memset(&err, 0, sizeof err);
	rc = eng_module_load(&g_alloc, b, n, &m, &err);
	if (rc != code || err.code != code || m != NULL ||
	    strncmp(err.msg, msg, strlen(msg)) != 0 || g_count.live != 0) {
		fprintf(stderr, "  line %d: got rc %d code %d \"%s\" at %u (live %zu), want %d \"%s\"\n",
			line, rc, err.code, err.msg, err.offset, g_count.live, code, msg);
		return 1;
	}
	return 0;
}

#define FAILS(mod, code, msg) CHECK(expect_fail(__LINE__, MOD(mod), code, msg) == 0)
#define MALFORMED(mod, msg) FAILS(mod, ENG_ERR_MALFORMED, msg)
#define INVALID(mod, msg) FAILS(mod, ENG_ERR_INVALID, msg)

static eng_module *load_ok(const uint8_t *b, size_t n)
{
	eng_module *m = NULL;
	eng_error err;

	memset(&err, 0, sizeof err);
	if (eng_module_load(&g_alloc, b, n, &m, &err) != ENG_OK) {
		fprintf(stderr, "  load failed: %s at %u\n", err.msg, err.offset);
		return NULL;
	}
	return m;
}

/* A module with names, imports of every kind, both kinds of data and element
 * segments, a start function: built by wat2wasm --debug-names from
 *   (module $rich (type $v (func)) (type $ii (func (param i32) (result i32)))
 *     (import "env" "f" (func $imp (type $ii)))
 *     (import "env" "t" (table 1 10 funcref)) (import "env" "g" (global $gi i32))
 *     (import "env" "m" (memory 1 2))
 *     (func $a (type $v)) (func $b (type $ii) (local i64 i64) local.get 0)
 *     (table $t2 2 externref)
 *     (global $g1 (mut i64) (i64.const -5)) (global $g2 funcref (ref.func $a))
 *     (global $g3 i32 (global.get $gi))
 *     (export "a" (func $a)) (export "mem" (memory 0)) (export "g1" (global $g1))
 *     (start $a) (elem (i32.const 0) $b) (elem funcref (ref.null func) (ref.func $imp))
 *     (elem declare func $a) (data (i32.const 8) "hi") (data "passive"))
 */
static const char rich[] =
	"\x00\x61\x73\x6d\x01\x00\x00\x00\x01\x09\x02\x60\x00\x00\x60\x01"
	"\x7f\x01\x7f\x02\x27\x04\x03\x65\x6e\x76\x01\x66\x00\x01\x03\x65"
	"\x6e\x76\x01\x74\x01\x70\x01\x01\x0a\x03\x65\x6e\x76\x01\x67\x03"
	"\x7f\x00\x03\x65\x6e\x76\x01\x6d\x02\x01\x01\x02\x03\x03\x02\x00"
	"\x01\x04\x04\x01\x6f\x00\x02\x06\x10\x03\x7e\x01\x42\x7b\x0b\x70"
	"\x00\xd2\x01\x0b\x7f\x00\x23\x00\x0b\x07\x10\x03\x01\x61\x00\x01"
	"\x03\x6d\x65\x6d\x02\x00\x02\x67\x31\x03\x01\x08\x01\x01\x09\x14"
	"\x03\x00\x41\x00\x0b\x01\x02\x05\x70\x02\xd0\x70\x0b\xd2\x00\x0b"
	"\x03\x00\x01\x01\x0a\x0b\x02\x02\x00\x0b\x06\x01\x02\x7e\x20\x00"
	"\x0b\x0b\x11\x02\x00\x41\x08\x0b\x02\x68\x69\x01\x07\x70\x61\x73"
	"\x73\x69\x76\x65\x00\x47\x04\x6e\x61\x6d\x65\x00\x05\x04\x72\x69"
	"\x63\x68\x01\x0c\x03\x00\x03\x69\x6d\x70\x01\x01\x61\x02\x01\x62"
	"\x02\x07\x03\x00\x00\x01\x00\x02\x00\x04\x08\x02\x00\x01\x76\x01"
	"\x02\x69\x69\x05\x05\x01\x01\x02\x74\x32\x07\x11\x04\x00\x02\x67"
	"\x69\x01\x02\x67\x31\x02\x02\x67\x32\x03\x02\x67\x33";

static bool name_is(const char *s, uint32_t n, const char *want)
{
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

static bool ref_declared(const eng_module *m, uint32_t f)
{
	return (m->declared_refs[f / 8] >> (f % 8)) & 1;
}

/* ---- header and integers --------------------------------------------------------- */

static int test_decode_empty_module_is_valid(void)
{
	eng_module *m = load_ok(MOD(HDR));

	CHECK(m);
	CHECK(m->nfuncs == 0 && m->ntypes == 0 && m->nexports == 0);
	CHECK(m->start == ENG_NO_INDEX);
	CHECK(m->declared_refs == NULL);
	eng_module_free(m);
	return 0;
}

static int test_decode_truncated_header_is_malformed(void)
{
	MALFORMED("", "unexpected end");
	MALFORMED("\x00\x61\x73", "unexpected end");
	MALFORMED("\x00\x61\x73\x6d\x01\x00\x00", "unexpected end");
	return 0;
}

static int test_decode_bad_magic_or_version_is_malformed(void)
{
	MALFORMED("\x00\x41\x53\x4d\x01\x00\x00\x00", "magic header not detected");
	MALFORMED("\x00\x61\x73\x6d\x02\x00\x00\x00", "unknown binary version");
	MALFORMED("\x00\x61\x73\x6d\x00\x00\x00\x01", "unknown binary version");
	return 0;
}

static int test_decode_truncated_leb_is_malformed(void)
{
	/* Memory minimum cut after a continuation byte: at the end of the module... */
	MALFORMED(HDR "\x05\x03\x01\x00\x82", "unexpected end");
	/* ...and at the end of its section, with more sections after it. */
	MALFORMED(HDR "\x05\x03\x01\x00\x82" "\x00\x02\x01\x61", "unexpected end of section");
	return 0;
}

static int test_decode_overlong_leb_is_malformed(void)
{
	MALFORMED(HDR "\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00", "integer representation too long");
	MALFORMED(HDR "\x06\x0b\x01\x7f\x00\x41\x80\x80\x80\x80\x80\x00\x0b",
		  "integer representation too long");
	return 0;
}

static int test_decode_leb_unused_bits_are_malformed(void)
{
	MALFORMED(HDR "\x05\x07\x01\x00\x82\x80\x80\x80\x70", "integer too large");
	/* s32 whose unused bits are not the sign's copies, both ways. */
	MALFORMED(HDR "\x06\x0a\x01\x7f\x00\x41\xff\xff\xff\xff\x0f\x0b", "integer too large");
	MALFORMED(HDR "\x06\x0a\x01\x7f\x00\x41\x80\x80\x80\x80\x70\x0b", "integer too large");
	MALFORMED(HDR "\x06\x0f\x01\x7e\x00\x42\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x0b",
		  "integer too large");
	return 0;
}

static int test_decode_leb_values_are_exact(void)
{
	/* Non-minimal but in-range encodings are fine: i32 -1 in five bytes, i64 min in
	 * ten, memory minimum 2 in five. */
	eng_module *m = load_ok(MOD(HDR
		"\x05\x07\x01\x00\x82\x80\x80\x80\x00"
		"\x06\x18\x02"
		"\x7f\x00\x41\xff\xff\xff\xff\x7f\x0b"
		"\x7e\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f\x0b"));

	CHECK(m);
	CHECK(m->nmems == 1 && m->mems[0].min == 2 && !m->mems[0].has_max);
	CHECK(m->nglobals == 2);
	CHECK(m->globals[0].init.kind == CONST_I32 && m->globals[0].init.value.i32 == -1);
	CHECK(m->globals[1].init.kind == CONST_I64 && m->globals[1].init.value.i64 == INT64_MIN);
	eng_module_free(m);
	return 0;
}

/* ---- sections ---------------------------------------------------------------------- */

static int test_decode_section_out_of_order_is_malformed(void)
{
	MALFORMED(HDR "\x03\x01\x00" "\x01\x01\x00", "unexpected content after last section");
	/* The data count section goes before the code section. */
	MALFORMED(HDR "\x0a\x01\x00" "\x0c\x01\x00", "unexpected content after last section");
	return 0;
}

static int test_decode_duplicate_section_is_malformed(void)
{
	MALFORMED(HDR "\x01\x01\x00" "\x01\x01\x00", "unexpected content after last section");
	return 0;
}

static int test_decode_custom_sections_go_anywhere(void)
{
	eng_module *m = load_ok(MOD(HDR "\x00\x02\x01\x61" "\x01\x01\x00" "\x00\x03\x01\x62\xff"
				    "\x03\x01\x00" "\x00\x01\x00"));

	CHECK(m);
	eng_module_free(m);
	return 0;
}

static int test_decode_bad_section_id_is_malformed(void)
{
	MALFORMED(HDR "\x0d\x00", "malformed section id");
	MALFORMED(HDR "\x80\x00\x01\x00", "malformed section id");
	return 0;
}

static int test_decode_section_size_mismatch_is_malformed(void)
{
	MALFORMED(HDR "\x01\x05\x01\x60\x00\x00\x00", "section size mismatch");
	/* A section longer than the module. */
	MALFORMED(HDR "\x01\x07\x02\x60\x00\x00", "length out of bounds");
	return 0;
}

static int test_decode_function_code_count_mismatch_is_malformed(void)
{
	const char *msg = "function and code section have inconsistent lengths";

	MALFORMED(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x03\x02\x00\x00", msg);
	MALFORMED(HDR "\x0a\x04\x01\x02\x00\x0b", msg);
	MALFORMED(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x03\x02\x00\x00" "\x0a\x04\x01\x02\x00\x0b", msg);
	return 0;
}

static int test_decode_datacount_mismatch_is_malformed(void)
{
	const char *msg = "data count and data section have inconsistent lengths";

	MALFORMED(HDR "\x0c\x01\x01", msg);
	MALFORMED(HDR "\x0c\x01\x01" "\x0b\x05\x02\x01\x00\x01\x00", msg);
	return 0;
}

static int test_decode_too_many_locals_is_malformed(void)
{
	MALFORMED(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
		  "\x0a\x0c\x01\x0a\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e\x0b", "too many locals");
	/* Each group fits in 32 bits but the sum does not. */
	MALFORMED(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
		  "\x0a\x10\x01\x0e\x02\x80\x80\x80\x80\x08\x7f\x80\x80\x80\x80\x08\x7e\x0b",
		  "too many locals");
	/* A local count that is not a u32 at all. */
	MALFORMED(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
		  "\x0a\x0c\x01\x0a\x02\x80\x80\x80\x80\x10\x7f\x02\x7e\x0b", "integer too large");
	return 0;
}

static int test_decode_bad_utf8_name_is_malformed(void)
{
	/* An overlong NUL as an import's module name; a surrogate as a custom name. */
	MALFORMED(HDR "\x02\x08\x01\x02\xc0\x80\x01\x66\x00\x00", "malformed UTF-8 encoding");
	MALFORMED(HDR "\x00\x04\x03\xed\xa0\x80", "malformed UTF-8 encoding");
	return 0;
}

static int test_decode_bad_bytes_are_malformed(void)
{
	MALFORMED(HDR "\x02\x04\x01\x00\x00\x04", "malformed import kind");
	MALFORMED(HDR "\x04\x04\x01\x70\x02\x00", "integer too large");         /* limits flag */
	MALFORMED(HDR "\x04\x05\x01\x70\x81\x00\x00", "integer representation too long");
	MALFORMED(HDR "\x06\x06\x01\x7f\x02\x41\x00\x0b", "malformed mutability");
	MALFORMED(HDR "\x04\x04\x01\x7f\x00\x00", "malformed reference type");
	MALFORMED(HDR "\x01\x05\x01\x60\x01\x40\x00", "malformed value type");
	MALFORMED(HDR "\x01\x05\x01\xe0\x7f\x00\x00", "integer representation too long");
	MALFORMED(HDR "\x0b\x04\x01\x03\x00\x00", "malformed data segment kind");
	MALFORMED(HDR "\x09\x04\x01\x08\x00\x00", "malformed elements segment kind");
	/* An opcode that does not exist in a constant expression. */
	MALFORMED(HDR "\x06\x05\x01\x7f\x00\xf3\x0b", "illegal opcode");
	return 0;
}

/* ---- validation -------------------------------------------------------------------- */

static int test_decode_duplicate_export_is_invalid(void)
{
	INVALID(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
		"\x07\x09\x02\x01\x61\x00\x00\x01\x61\x00\x00" "\x0a\x04\x01\x02\x00\x0b",
		"duplicate export name");
	return 0;
}

/* Many exports exercise the name set's probing; the last repeats an early one. */
static int test_decode_many_exports_find_the_duplicate(void)
{
	uint8_t buf[16 + 5 + 6 * 1000];
	size_t n = 0, body;
	uint32_t i, count = 1000;
	eng_module *m;

	memcpy(buf, HDR "\x06\x06\x01\x7f\x00\x41\x00\x0b", 16);
	n = 16;
	buf[n++] = 0x07;
	body = n;
	n += 2; /* section size, as a 2-byte LEB128, filled below */
	buf[n++] = (uint8_t)(0x80 | (count & 0x7f));
	buf[n++] = (uint8_t)(count >> 7);
	for (i = 0; i < count; i++) {
		buf[n++] = 3;
		buf[n++] = (uint8_t)('a' + i % 26);
		buf[n++] = (uint8_t)('a' + i / 26 % 26);
		buf[n++] = (uint8_t)('a' + i / 676);
		buf[n++] = ENG_EXTERN_GLOBAL;
		buf[n++] = 0;
	}
	buf[body] = (uint8_t)(0x80 | ((n - body - 2) & 0x7f));
	buf[body + 1] = (uint8_t)((n - body - 2) >> 7);
	m = load_ok(buf, n);
	CHECK(m);
	CHECK(m->nexports == count);
	eng_module_free(m);
	CHECK(g_count.live == 0);
	/* Rename the last export to the name of export 77. */
	buf[n - 5] = (uint8_t)('a' + 77 % 26);
	buf[n - 4] = (uint8_t)('a' + 77 / 26 % 26);
	buf[n - 3] = (uint8_t)('a' + 77 / 676);
	CHECK(expect_fail(__LINE__, buf, n, ENG_ERR_INVALID, "duplicate export name") == 0);
	return 0;
}

static int test_decode_unknown_indices_are_invalid(void)
{
	INVALID(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x01" "\x0a\x04\x01\x02\x00\x0b",
		"unknown type");
	INVALID(HDR "\x02\x07\x01\x01\x61\x01\x62\x00\x00", "unknown type");
	INVALID(HDR "\x07\x05\x01\x01\x61\x00\x00", "unknown function 0");
	INVALID(HDR "\x07\x05\x01\x01\x61\x01\x00", "unknown table 0");
	INVALID(HDR "\x07\x05\x01\x01\x61\x02\x00", "unknown memory 0");
	INVALID(HDR "\x07\x05\x01\x01\x61\x03\x00", "unknown global 0");
	INVALID(HDR "\x08\x01\x00", "unknown function 0");
	/* An active data segment needs memory 0; an element segment table 0. */
	INVALID(HDR "\x0b\x06\x01\x00\x41\x00\x0b\x00", "unknown memory 0");
	INVALID(HDR "\x09\x06\x01\x00\x41\x00\x0b\x00", "unknown table 0");
	return 0;
}

static int test_decode_memory_limits_are_validated(void)
{
	INVALID(HDR "\x05\x05\x01\x00\x81\x80\x04", "memory size must be at most 65536 pages");
	INVALID(HDR "\x05\x06\x01\x01\x00\x81\x80\x04", "memory size must be at most 65536 pages");
	INVALID(HDR "\x05\x04\x01\x01\x02\x01", "size minimum must not be greater than maximum");
	INVALID(HDR "\x04\x05\x01\x70\x01\x02\x01", "size minimum must not be greater than maximum");
	INVALID(HDR "\x05\x05\x02\x00\x00\x00\x00", "multiple memories");
	INVALID(HDR "\x02\x08\x01\x01\x61\x01\x62\x02\x00\x00" "\x05\x03\x01\x00\x00", "multiple memories");
	/* Exactly 65536 pages is fine, and so are many tables. */
	{
		eng_module *m = load_ok(MOD(HDR "\x04\x07\x02\x70\x00\x00\x6f\x00\x05"
					    "\x05\x05\x01\x00\x80\x80\x04"));

		CHECK(m);
		CHECK(m->mems[0].min == 65536 && m->ntables == 2);
		CHECK(m->tables[1].elem_type == ENG_EXTERNREF && m->tables[1].limits.min == 5);
		eng_module_free(m);
	}
	return 0;
}

static int test_decode_constant_expressions_are_validated(void)
{
	/* global.get may name only an imported global, and an immutable one. */
	INVALID(HDR "\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b", "unknown global");
	INVALID(HDR "\x02\x08\x01\x01\x61\x01\x62\x03\x7f\x01" "\x06\x06\x01\x7f\x00\x23\x00\x0b",
		"constant expression required");
	INVALID(HDR "\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b", "constant expression required");
	INVALID(HDR "\x06\x07\x01\x7f\x00\x41\x00\x01\x0b", "constant expression required");
	INVALID(HDR "\x06\x09\x01\x7f\x00\x43\x00\x00\x00\x00\x0b", "type mismatch");
	INVALID(HDR "\x06\x08\x01\x7f\x00\x41\x00\x41\x00\x0b", "type mismatch");
	INVALID(HDR "\x06\x04\x01\x7f\x00\x0b", "type mismatch");
	INVALID(HDR "\x06\x06\x01\x70\x00\xd0\x6f\x0b", "type mismatch");
	INVALID(HDR "\x06\x06\x01\x70\x00\xd2\x00\x0b", "unknown function 0");
	return 0;
}

static int test_decode_v128_constant_is_decoded(void)
{
	eng_module *m = load_ok(MOD(HDR "\x06\x16\x01\x7b\x00\xfd\x0c"
				    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x0b"));

	CHECK(m);
	CHECK(m->globals[0].type == ENG_V128 && m->globals[0].init.kind == CONST_V128);
	CHECK(m->globals[0].init.value.v128[0] == 0 && m->globals[0].init.value.v128[15] == 15);
	eng_module_free(m);
	return 0;
}

static int test_decode_start_function_type_is_invalid(void)
{
	INVALID(HDR "\x01\x05\x01\x60\x01\x7f\x00" "\x03\x02\x01\x00" "\x08\x01\x00"
		"\x0a\x04\x01\x02\x00\x0b", "start function");
	return 0;
}

static int test_decode_elem_type_mismatch_is_invalid(void)
{
	/* A function-index segment into an externref table. */
	INVALID(HDR "\x04\x04\x01\x6f\x00\x01" "\x09\x06\x01\x00\x41\x00\x0b\x00", "type mismatch");
	/* A ref.null extern item in a funcref segment. */
	INVALID(HDR "\x09\x07\x01\x05\x70\x01\xd0\x6f\x0b", "type mismatch");
	return 0;
}

/* A later decoding error wins over an earlier validation error. */
static int test_decode_malformed_beats_invalid(void)
{
	MALFORMED(HDR "\x07\x05\x01\x01\x61\x00\x07" "\x0b\x01\x02", "unexpected end");
	return 0;
}

static int test_decode_error_offsets(void)
{
	eng_module *m = NULL;
	eng_error err;

	CHECK(eng_module_load(&g_alloc, MOD(HDR "\x01\x01\x00" "\x0d\x00"), &m, &err) ==
	      ENG_ERR_MALFORMED);
	CHECK(err.offset == 11);
	/* The overlong byte is the sixth of the LEB128 at offset 12. */
	CHECK(eng_module_load(&g_alloc, MOD(HDR "\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00"), &m,
			      &err) == ENG_ERR_MALFORMED);
	CHECK(err.offset == 17);
	/* The export whose name repeats starts at offset 23. */
	CHECK(eng_module_load(&g_alloc, MOD(HDR "\x06\x06\x01\x7f\x00\x41\x00\x0b"
					    "\x07\x09\x02\x01\x61\x03\x00\x01\x61\x03\x00"), &m, &err) ==
	      ENG_ERR_INVALID);
	CHECK(err.offset == 23);
	CHECK(strcmp(err.msg, "duplicate export name") == 0);
	CHECK(g_count.live == 0);
	/* A NULL error pointer is allowed. */
	CHECK(eng_module_load(&g_alloc, MOD("\x01"), &m, NULL) == ENG_ERR_MALFORMED);
	CHECK(m == NULL);
	return 0;
}

/* ---- what a valid module holds ----------------------------------------------------- */

static int test_decode_valid_module_fields(void)
{
	eng_module *m = load_ok(MOD(rich));
	eng_import_desc id;
	eng_export_desc ed;

	CHECK(m);
	CHECK(m->ntypes == 2 && m->types[1].nparams == 1 && m->types[1].params[0] == ENG_I32);
	CHECK(m->types[1].nresults == 1 && m->types[1].results[0] == ENG_I32);
	CHECK(m->nimports == 4);
	CHECK(m->nfuncs == 3 && m->nfunc_imports == 1);
	CHECK(m->funcs[0].type == 1 && m->funcs[1].type == 0 && m->funcs[2].type == 1);
	CHECK(m->funcs[2].body_len == 6);
	CHECK(memcmp(m->bytes + m->funcs[2].body_offset, "\x01\x02\x7e\x20\x00\x0b", 6) == 0);
	CHECK(m->ntables == 2 && m->ntable_imports == 1);
	CHECK(m->tables[0].elem_type == ENG_FUNCREF && m->tables[0].limits.max == 10);
	CHECK(m->tables[1].elem_type == ENG_EXTERNREF && !m->tables[1].limits.has_max);
	CHECK(m->nmems == 1 && m->nmem_imports == 1 && m->mems[0].min == 1 && m->mems[0].max == 2);
	CHECK(m->nglobals == 4 && m->nglobal_imports == 1);
	CHECK(m->globals[1].type == ENG_I64 && m->globals[1].mutable_);
	CHECK(m->globals[1].init.kind == CONST_I64 && m->globals[1].init.value.i64 == -5);
	CHECK(m->globals[2].init.kind == CONST_REF_FUNC && m->globals[2].init.index == 1);
	CHECK(m->globals[3].init.kind == CONST_GLOBAL_GET && m->globals[3].init.index == 0);
	CHECK(m->start == 1);
	CHECK(m->nelems == 3);
	CHECK(m->elems[0].mode == SEG_ACTIVE && m->elems[0].offset.value.i32 == 0);
	CHECK(m->elems[0].count == 1 && m->elems[0].items[0].index == 2);
	CHECK(m->elems[1].mode == SEG_PASSIVE && m->elems[1].count == 2);
	CHECK(m->elems[1].items[0].kind == CONST_REF_NULL && m->elems[1].items[1].index == 0);
	CHECK(m->elems[2].mode == SEG_DECLARATIVE);
	CHECK(m->ndatas == 2);
	CHECK(m->datas[0].mode == SEG_ACTIVE && m->datas[0].offset.value.i32 == 8);
	CHECK(m->datas[0].len == 2 && memcmp(m->bytes + m->datas[0].data_offset, "hi", 2) == 0);
	CHECK(m->datas[1].mode == SEG_PASSIVE && m->datas[1].len == 7);
	CHECK(!m->has_datacount);
	CHECK(ref_declared(m, 0) && ref_declared(m, 1) && ref_declared(m, 2));

	CHECK(eng_module_num_imports(m) == 4);
	eng_module_import(m, 0, &id);
	CHECK(name_is(id.module, id.module_len, "env") && name_is(id.name, id.name_len, "f"));
	CHECK(id.kind == ENG_EXTERN_FUNC && id.func == &m->types[1]);
	eng_module_import(m, 1, &id);
	CHECK(id.kind == ENG_EXTERN_TABLE && id.valtype == ENG_FUNCREF);
	CHECK(id.min == 1 && id.max == 10 && id.has_max);
	eng_module_import(m, 2, &id);
	CHECK(id.kind == ENG_EXTERN_GLOBAL && id.valtype == ENG_I32 && !id.mutable_);
	eng_module_import(m, 3, &id);
	CHECK(id.kind == ENG_EXTERN_MEMORY && id.min == 1 && id.max == 2 && id.has_max);
	CHECK(eng_module_num_exports(m) == 3);
	eng_module_export(m, 1, &ed);
	CHECK(name_is(ed.name, ed.name_len, "mem") && ed.kind == ENG_EXTERN_MEMORY && ed.index == 0);
	eng_module_export(m, 2, &ed);
	CHECK(name_is(ed.name, ed.name_len, "g1") && ed.kind == ENG_EXTERN_GLOBAL && ed.index == 1);
	eng_module_free(m);
	return 0;
}

static int test_decode_elem_all_encodings(void)
{
	static const char mod[] =
		"\x00\x61\x73\x6d\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x03"
		"\x02\x00\x00\x04\x07\x02\x70\x00\x04\x70\x00\x04\x09\x39\x08\x00"
		"\x41\x00\x0b\x02\x00\x01\x01\x00\x01\x01\x02\x01\x41\x01\x0b\x00"
		"\x01\x00\x03\x00\x01\x00\x04\x41\x02\x0b\x01\xd2\x01\x0b\x05\x70"
		"\x01\xd0\x70\x0b\x06\x01\x41\x03\x0b\x70\x02\xd2\x00\x0b\xd0\x70"
		"\x0b\x07\x70\x01\xd2\x01\x0b\x0a\x07\x02\x02\x00\x0b\x02\x00\x0b";
	static const uint8_t mode[8] = { SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE,
					 SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE };
	static const uint32_t table[8] = { 0, 0, 1, 0, 0, 0, 1, 0 };
	static const uint32_t count[8] = { 2, 1, 1, 1, 1, 1, 2, 1 };
	eng_module *m = load_ok(MOD(mod));
	int i;

	CHECK(m);
	CHECK(m->nelems == 8);
	for (i = 0; i < 8; i++) {
		CHECK(m->elems[i].mode == mode[i]);
		CHECK(m->elems[i].elem_type == ENG_FUNCREF);
		CHECK(m->elems[i].count == count[i]);
		if (mode[i] == SEG_ACTIVE)
			CHECK(m->elems[i].table == table[i] && m->elems[i].offset.kind == CONST_I32);
	}
	CHECK(m->elems[0].items[1].kind == CONST_REF_FUNC && m->elems[0].items[1].index == 1);
	CHECK(m->elems[6].offset.value.i32 == 3);
	CHECK(m->elems[6].items[0].kind == CONST_REF_FUNC && m->elems[6].items[0].index == 0);
	CHECK(m->elems[6].items[1].kind == CONST_REF_NULL && m->elems[6].items[1].type == ENG_FUNCREF);
	CHECK(m->elems[7].items[0].index == 1);
	eng_module_free(m);
	return 0;
}

static int test_decode_declared_refs_are_only_those_named(void)
{
	/* Two functions; only function 1 is exported. */
	eng_module *m = load_ok(MOD(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x03\x02\x00\x00"
				    "\x07\x05\x01\x01\x66\x00\x01" "\x0a\x07\x02\x02\x00\x0b\x02\x00\x0b"));

	CHECK(m);
	CHECK(!ref_declared(m, 0) && ref_declared(m, 1));
	eng_module_free(m);
	return 0;
}

static int test_decode_name_section_function_names(void)
{
	eng_module *m = load_ok(MOD(rich));

	CHECK(m);
	CHECK(name_is(m->name, m->name_len, "rich"));
	CHECK(name_is(m->funcs[0].name, m->funcs[0].name_len, "imp"));
	CHECK(name_is(m->funcs[1].name, m->funcs[1].name_len, "a"));
	CHECK(name_is(m->funcs[2].name, m->funcs[2].name_len, "b"));
	eng_module_free(m);
	return 0;
}

static int test_decode_malformed_name_section_is_ignored(void)
{
	/* Function 0 named "f", then a name with bad UTF-8: the module loads without names. */
	eng_module *m = load_ok(MOD(HDR "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"
				    "\x0a\x04\x01\x02\x00\x0b"
				    "\x00\x0e\x04\x6e\x61\x6d\x65" "\x01\x07\x02\x00\x01\x66\x01\x01\xff"));

	CHECK(m);
	CHECK(m->funcs[0].name == NULL && m->name == NULL);
	eng_module_free(m);
	/* A subsection size past the section's end. */
	m = load_ok(MOD(HDR "\x00\x08\x04\x6e\x61\x6d\x65" "\x00\x09\x01"));
	CHECK(m);
	CHECK(m->name == NULL);
	eng_module_free(m);
	return 0;
}

/* ---- out of memory --------------------------------------------------------------- */

/* Fail the 1st allocation, then the 2nd, ... until the load succeeds; each failure
 * must be a clean ENG_ERR_NOMEM with nothing left allocated. */
static int oom_loop(const uint8_t *b, size_t n, bool fail_after)
{
	long at;

	for (at = 1;; at++) {
		eng_module *m = NULL;
		eng_error err;
		int rc;

		g_count.calls = 0;
		g_count.fail_at = at;
		g_count.fail_after = fail_after;
		rc = eng_module_load(&g_alloc, b, n, &m, &err);
		g_count.fail_at = 0;
		if (rc == ENG_OK) {
			CHECK(at > 3); /* the loop must have failed something */
			eng_module_free(m);
			CHECK(g_count.live == 0);
			return 0;
		}
		CHECK(rc == ENG_ERR_NOMEM && err.code == ENG_ERR_NOMEM && m == NULL);
		CHECK(g_count.live == 0);
		CHECK(at < 1000);
	}
}

static int test_decode_out_of_memory_is_clean(void)
{
	CHECK(oom_loop(MOD(rich), false) == 0);
	CHECK(oom_loop(MOD(rich), true) == 0);
	return 0;
}

/* ---- lib/fmt.c, as error messages use it ----------------------------------------- */

static int test_fmt_conversions(void)
{
	char buf[128];
	int n;

	n = wos_snprintf(buf, sizeof buf, "%d %u %x %X %c %% %s", -42, 42u, 255u, 255u, 'z', "ok");
	CHECK(strcmp(buf, "-42 42 ff FF z % ok") == 0 && n == (int)strlen(buf));
	wos_snprintf(buf, sizeof buf, "%lld %llu %llx %zu", (long long)INT64_MIN,
		     (unsigned long long)UINT64_MAX, 0x123456789abcdefULL, (size_t)7);
	CHECK(strcmp(buf, "-9223372036854775808 18446744073709551615 123456789abcdef 7") == 0);
	wos_snprintf(buf, sizeof buf, "[%.*s] [%5d] [%-4s] [%03u] [%s]", 3, "abcdef", 12, "x", 7u,
		     (char *)NULL);
	CHECK(strcmp(buf, "[abc] [   12] [x   ] [007] [(null)]") == 0);
	/* Truncation keeps a NUL and reports the full length. */
	n = wos_snprintf(buf, 5, "unknown function %u", 12345u);
	CHECK(n == 22 && strcmp(buf, "unkn") == 0);
	CHECK(wos_snprintf(NULL, 0, "%s", "abc") == 3);
	return 0;
}

/* ---- runner ---------------------------------------------------------------------- */

#define T(name) { #name, name }
static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	T(test_decode_empty_module_is_valid),
	T(test_decode_truncated_header_is_malformed),
	T(test_decode_bad_magic_or_version_is_malformed),
	T(test_decode_truncated_leb_is_malformed),
	T(test_decode_overlong_leb_is_malformed),
	T(test_decode_leb_unused_bits_are_malformed),
	T(test_decode_leb_values_are_exact),
	T(test_decode_section_out_of_order_is_malformed),
	T(test_decode_duplicate_section_is_malformed),
	T(test_decode_custom_sections_go_anywhere),
	T(test_decode_bad_section_id_is_malformed),
	T(test_decode_section_size_mismatch_is_malformed),
	T(test_decode_function_code_count_mismatch_is_malformed),
	T(test_decode_datacount_mismatch_is_malformed),
	T(test_decode_too_many_locals_is_malformed),
	T(test_decode_bad_utf8_name_is_malformed),
	T(test_decode_bad_bytes_are_malformed),
	T(test_decode_duplicate_export_is_invalid),
	T(test_decode_many_exports_find_the_duplicate),
	T(test_decode_unknown_indices_are_invalid),
	T(test_decode_memory_limits_are_validated),
	T(test_decode_constant_expressions_are_validated),
	T(test_decode_v128_constant_is_decoded),
	T(test_decode_start_function_type_is_invalid),
	T(test_decode_elem_type_mismatch_is_invalid),
	T(test_decode_malformed_beats_invalid),
	T(test_decode_error_offsets),
	T(test_decode_valid_module_fields),
	T(test_decode_elem_all_encodings),
	T(test_decode_declared_refs_are_only_those_named),
	T(test_decode_name_section_function_names),
	T(test_decode_malformed_name_section_is_ignored),
	T(test_decode_out_of_memory_is_clean),
	T(test_fmt_conversions),
};

int main(void)
{
	int passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int r;

		g_count.live = 0;
		g_count.fail_at = 0;
		r = tests[i].fn();
		if (r == 0 && g_count.live != 0) {
			fprintf(stderr, "  %zu bytes leaked\n", g_count.live);
			r = 1;
		}
		printf("%s %s\n", tests[i].name, r ? "FAIL" : "ok");
		if (r)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
