/* pb_test.c: tests for pb.c.  Known encodings: the protobuf encoding guide's
 * examples (field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 "testing") and
 * the bitswap want message that ipfs-notes.md (section 4.7) shows Helia accepting.
 * Hostile inputs are copied into buffers of their exact size, so ASan sees any read
 * past the end. */
#include "pb.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* Reads every field of len bytes at p (copied to an exact-size buffer) into at most
 * max fields; returns the last wos_pb_next result (0 or an error). */
static int read_all(const uint8_t *p, size_t len, wos_pb_field *fields, size_t max, size_t *count)
{
	uint8_t *copy = malloc(len ? len : 1);
	wos_pb_reader r;
	wos_pb_field f;
	int rc;

	memcpy(copy, p, len);
	wos_pb_reader_init(&r, copy, len);
	*count = 0;
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		/* Views must lie inside the input. */
		if (f.wire == WOS_PB_BYTES && (f.bytes < copy || f.bytes + f.len > copy + len))
			rc = -100;
		if (rc != 1)
			break;
		if (*count < max) {
			fields[*count] = f;
			if (f.wire == WOS_PB_BYTES)
				fields[*count].bytes = p + (f.bytes - copy); /* point at the caller's */
		}
		(*count)++;
	}
	free(copy);
	return rc;
}

static int test_pb_reads_the_guide_examples(void)
{
	static const uint8_t msg[] = { 0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' };
	wos_pb_field f[4];
	size_t n;

	CHECK_EQ(read_all(msg, sizeof msg, f, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(f[0].num, 1);
	CHECK_EQ(f[0].wire, WOS_PB_VARINT);
	CHECK_EQ(f[0].value, 150);
	CHECK_EQ(f[1].num, 2);
	CHECK_EQ(f[1].wire, WOS_PB_BYTES);
	CHECK_EQ(f[1].len, 7);
	CHECK(memcmp(f[1].bytes, "testing", 7) == 0);
	return 0;
}

static int test_pb_writes_the_guide_examples(void)
{
	static const uint8_t want[] = { 0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' };
	uint8_t buf[32];
	wos_pb_writer w;

	wos_pb_writer_init(&w, buf, sizeof buf);
	wos_pb_put_varint(&w, 1, 150);
	wos_pb_put_string(&w, 2, "testing");
	CHECK_EQ(wos_pb_writer_finish(&w), sizeof want);
	CHECK(memcmp(buf, want, sizeof want) == 0);
	return 0;
}

/* The bitswap wantlist for one CID, length prefix included (ipfs-notes.md 4.7). */
static void bitswap_want(uint8_t cid[36], uint8_t want[49])
{
	static const uint8_t head[] = { 0x30, 0x0a, 0x2e, 0x0a, 0x2c, 0x0a, 0x24 };
	static const uint8_t tail[] = { 0x10, 0x01, 0x20, 0x00, 0x28, 0x01 };

	cid[0] = 0x01, cid[1] = 0x55, cid[2] = 0x12, cid[3] = 0x20;
	for (int i = 4; i < 36; i++)
		cid[i] = (uint8_t)(i * 7);
	memcpy(want, head, sizeof head);
	memcpy(want + 7, cid, 36);
	memcpy(want + 43, tail, sizeof tail);
}

static int test_pb_nested_writes_the_bitswap_want_message(void)
{
	uint8_t cid[36], want[49], buf[64], body[64];
	wos_pb_writer w, b;
	size_t list, entry;

	bitswap_want(cid, want);
	/* Built with nesting marks, the length prefix from a dry run of the body. */
	wos_pb_writer_init(&b, body, sizeof body);
	list = wos_pb_begin(&b, 1);
	entry = wos_pb_begin(&b, 1);
	wos_pb_put_bytes(&b, 1, cid, sizeof cid);
	wos_pb_put_varint(&b, 2, 1);
	wos_pb_put_varint(&b, 4, 0);
	wos_pb_put_varint(&b, 5, 1);
	wos_pb_end(&b, entry);
	wos_pb_end(&b, list);
	CHECK_EQ(wos_pb_writer_finish(&b), 48);

	wos_pb_writer_init(&w, buf, sizeof buf);
	wos_pb_put_raw_varint(&w, (uint64_t)b.len);
	wos_pb_put_raw(&w, body, b.len);
	CHECK_EQ(wos_pb_writer_finish(&w), 49);
	CHECK(memcmp(buf, want, 49) == 0);
	return 0;
}

static int test_pb_nested_length_is_minimal_at_every_size(void)
{
	static uint8_t payload[20000];
	static uint8_t a[20100], b[20100];
	size_t sizes[] = { 0, 1, 126, 127, 128, 16382, 16383, 16384, 20000 };

	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 13);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		wos_pb_writer wa, wb;
		size_t mark;
		wos_pb_writer_init(&wa, a, sizeof a);
		wos_pb_put_varint(&wa, 3, 7);
		mark = wos_pb_begin(&wa, 9);
		wos_pb_put_raw(&wa, payload, sizes[i]);
		wos_pb_end(&wa, mark);
		wos_pb_put_varint(&wa, 4, 8);
		wos_pb_writer_init(&wb, b, sizeof b);
		wos_pb_put_varint(&wb, 3, 7);
		wos_pb_put_bytes(&wb, 9, payload, sizes[i]);
		wos_pb_put_varint(&wb, 4, 8);
		CHECK(wos_pb_writer_finish(&wa) > 0);
		CHECK_EQ(wos_pb_writer_finish(&wa), wos_pb_writer_finish(&wb));
		CHECK(memcmp(a, b, wa.len) == 0);
	}
	return 0;
}

static int test_pb_overflow_never_writes_past_the_buffer(void)
{
	uint8_t cid[36], want[49], full[64];
	wos_pb_writer w;
	long need;

	bitswap_want(cid, want);
	for (size_t cap = 0; cap <= 60; cap++) {
		uint8_t *buf = malloc(cap + 8);
		size_t mark, entry;
		memset(buf, 0xee, cap + 8);
		wos_pb_writer_init(&w, buf, cap);
		mark = wos_pb_begin(&w, 1);
		entry = wos_pb_begin(&w, 1);
		wos_pb_put_bytes(&w, 1, cid, sizeof cid);
		wos_pb_put_varint(&w, 2, 1);
		wos_pb_end(&w, entry);
		wos_pb_end(&w, mark);
		wos_pb_put_fixed64(&w, 7, 0x0102030405060708ull);
		need = 2 + 2 + 38 + 2 + 9; /* two nested headers, cid, priority, fixed64 */
		for (size_t i = cap; i < cap + 8; i++)
			CHECK_EQ(buf[i], 0xee);
		CHECK_EQ(w.len, need);
		if (cap < (size_t)need) {
			CHECK_EQ(wos_pb_writer_finish(&w), WOS_PB_ERR_OVERFLOW);
		} else {
			CHECK_EQ(wos_pb_writer_finish(&w), need);
			memcpy(full, buf, (size_t)need);
		}
		free(buf);
	}
	/* The one that fit reads back. */
	{
		wos_pb_reader r;
		wos_pb_field f;
		wos_pb_reader_init(&r, full, 53);
		CHECK_EQ(wos_pb_next(&r, &f), 1);
		CHECK_EQ(f.num, 1);
		CHECK_EQ(f.len, 42);
		CHECK_EQ(wos_pb_next(&r, &f), 1);
		CHECK_EQ(f.wire, WOS_PB_FIXED64);
		CHECK(f.value == 0x0102030405060708ull);
		CHECK_EQ(wos_pb_next(&r, &f), 0);
	}
	return 0;
}

static int test_pb_dry_run_measures(void)
{
	wos_pb_writer w;

	wos_pb_writer_init(&w, NULL, 0);
	wos_pb_put_string(&w, 2, "testing");
	wos_pb_put_varint(&w, 1, 150);
	CHECK_EQ(wos_pb_writer_finish(&w), WOS_PB_ERR_OVERFLOW);
	CHECK_EQ(w.len, 12);
	return 0;
}

static int test_pb_fixed_and_negative_values_round_trip(void)
{
	uint8_t buf[64];
	wos_pb_writer w;
	wos_pb_reader r;
	wos_pb_field f;

	wos_pb_writer_init(&w, buf, sizeof buf);
	wos_pb_put_varint(&w, 5, (uint64_t)(int64_t)-1); /* int32 -1: ten bytes */
	wos_pb_put_fixed32(&w, 6, 0xdeadbeef);
	wos_pb_put_fixed64(&w, WOS_PB_FIELD_MAX, 0x8877665544332211ull);
	CHECK_EQ(wos_pb_writer_finish(&w), 1 + 10 + 1 + 4 + 5 + 8);
	CHECK(memcmp(buf + 12, "\xef\xbe\xad\xde", 4) == 0);
	wos_pb_reader_init(&r, buf, w.len);
	CHECK_EQ(wos_pb_next(&r, &f), 1);
	CHECK(f.value == UINT64_MAX);
	CHECK_EQ((int32_t)f.value, -1);
	CHECK_EQ(wos_pb_next(&r, &f), 1);
	CHECK_EQ(f.wire, WOS_PB_FIXED32);
	CHECK(f.value == 0xdeadbeef);
	CHECK_EQ(wos_pb_next(&r, &f), 1);
	CHECK_EQ(f.num, WOS_PB_FIELD_MAX);
	CHECK(f.value == 0x8877665544332211ull);
	CHECK_EQ(wos_pb_next(&r, &f), 0);
	CHECK_EQ(wos_pb_next(&r, &f), 0);
	return 0;
}

/* Each hostile message and the error it must give. */
static const struct {
	const char *what;
	uint8_t b[16];
	size_t len;
	int err;
} HOSTILE[] = {
	{ "field 0", { 0x00, 0x01 }, 2, WOS_PB_ERR_FIELD },
	{ "field 0, bytes", { 0x02, 0x00 }, 2, WOS_PB_ERR_FIELD },
	{ "field 2^29", { 0x80, 0x80, 0x80, 0x80, 0x10, 0x00 }, 6, WOS_PB_ERR_FIELD },
	{ "start group", { 0x0b }, 1, WOS_PB_ERR_WIRE_TYPE },
	{ "end group", { 0x0c }, 1, WOS_PB_ERR_WIRE_TYPE },
	{ "wire type 6", { 0x0e, 0x00 }, 2, WOS_PB_ERR_WIRE_TYPE },
	{ "wire type 7", { 0x0f, 0x00 }, 2, WOS_PB_ERR_WIRE_TYPE },
	{ "length past end", { 0x0a, 0x05, 'a', 'b' }, 4, WOS_PB_ERR_LENGTH },
	{ "length 2^63", { 0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, 11, WOS_PB_ERR_LENGTH },
	{ "length max", { 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 11, WOS_PB_ERR_LENGTH },
	{ "key cut", { 0x80 }, 1, WOS_PB_ERR_TRUNCATED },
	{ "value missing", { 0x08 }, 1, WOS_PB_ERR_TRUNCATED },
	{ "value cut", { 0x08, 0x96 }, 2, WOS_PB_ERR_TRUNCATED },
	{ "length missing", { 0x0a }, 1, WOS_PB_ERR_TRUNCATED },
	{ "fixed64 cut", { 0x09, 1, 2, 3, 4, 5, 6, 7 }, 8, WOS_PB_ERR_TRUNCATED },
	{ "fixed32 cut", { 0x0d, 1, 2, 3 }, 4, WOS_PB_ERR_TRUNCATED },
	{ "varint 11 bytes", { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, 12, WOS_PB_ERR_VARINT },
	{ "varint bit 64", { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02 }, 11, WOS_PB_ERR_VARINT },
	{ "varint not minimal", { 0x08, 0x80, 0x00 }, 3, WOS_PB_ERR_VARINT },
	{ "key not minimal", { 0x88, 0x00, 0x01 }, 3, WOS_PB_ERR_VARINT },
	{ "length not minimal", { 0x0a, 0x81, 0x00, 'a' }, 4, WOS_PB_ERR_VARINT },
};

static int test_pb_hostile_input_gives_its_error(void)
{
	for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++) {
		wos_pb_field f[2];
		size_t n;
		int rc = read_all(HOSTILE[i].b, HOSTILE[i].len, f, 2, &n);
		if (rc != HOSTILE[i].err)
			fprintf(stderr, "  %s: got %d (%s)\n", HOSTILE[i].what, rc, wos_pb_error_text(rc));
		CHECK_EQ(rc, HOSTILE[i].err);
		CHECK_EQ(n, 0);
	}
	return 0;
}

static int test_pb_error_is_sticky_and_names_the_field_offset(void)
{
	static const uint8_t msg[] = { 0x08, 0x01, 0x10, 0x02, 0x1b, 0x20, 0x03 };
	wos_pb_reader r;
	wos_pb_field f;

	wos_pb_reader_init(&r, msg, sizeof msg);
	CHECK_EQ(wos_pb_next(&r, &f), 1);
	CHECK_EQ(wos_pb_next(&r, &f), 1);
	CHECK_EQ(wos_pb_next(&r, &f), WOS_PB_ERR_WIRE_TYPE);
	CHECK_EQ(r.pos, 4);
	CHECK_EQ(r.err, WOS_PB_ERR_WIRE_TYPE);
	CHECK_EQ(wos_pb_next(&r, &f), WOS_PB_ERR_WIRE_TYPE);
	CHECK(wos_pb_error_text(WOS_PB_ERR_WIRE_TYPE) != NULL);
	return 0;
}

static int test_pb_every_prefix_is_safe(void)
{
	uint8_t cid[36], want[49];
	wos_pb_field f[8];
	size_t n;

	bitswap_want(cid, want);
	/* Cutting the message anywhere inside the outer field is an error, never a read
	 * past the end; only the empty prefix and the whole message end cleanly. */
	for (size_t len = 0; len <= 48; len++) {
		int rc = read_all(want + 1, len, f, 8, &n);
		if (len == 0 || len == 48)
			CHECK_EQ(rc, 0);
		else
			CHECK(rc < 0);
	}
	/* And inside the innermost message, field by field. */
	CHECK_EQ(read_all(want + 3, 46, f, 8, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(read_all(f[0].bytes, f[0].len, f, 8, &n), 0);
	CHECK_EQ(n, 4);
	CHECK_EQ(f[0].len, 36);
	CHECK(memcmp(f[0].bytes, cid, 36) == 0);
	CHECK_EQ(f[3].num, 5);
	CHECK_EQ(f[3].value, 1);
	return 0;
}

static int test_pb_flipped_bytes_never_read_outside(void)
{
	uint8_t cid[36], want[49], m[48];
	wos_pb_field f[8];
	size_t n;

	bitswap_want(cid, want);
	for (size_t i = 0; i < 48; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(m, want + 1, 48);
			m[i] ^= (uint8_t)(1 << bit);
			/* -100 would mean a view outside the input. */
			CHECK(read_all(m, 48, f, 8, &n) != -100);
		}
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_pb_reads_the_guide_examples),
	TEST(test_pb_writes_the_guide_examples),
	TEST(test_pb_nested_writes_the_bitswap_want_message),
	TEST(test_pb_nested_length_is_minimal_at_every_size),
	TEST(test_pb_overflow_never_writes_past_the_buffer),
	TEST(test_pb_dry_run_measures),
	TEST(test_pb_fixed_and_negative_values_round_trip),
	TEST(test_pb_hostile_input_gives_its_error),
	TEST(test_pb_error_is_sticky_and_names_the_field_offset),
	TEST(test_pb_every_prefix_is_safe),
	TEST(test_pb_flipped_bytes_never_read_outside),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
