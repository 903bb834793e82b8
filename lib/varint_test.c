/* varint_test.c: tests for varint.c.  The encodings are from the multiformats
 * unsigned-varint spec's examples (1, 127, 128, 255, 300, 16384) and from the rule
 * itself (seven bits per byte, low group first) for the 64-bit edges. */
#include "varint.h"
#include "check.h"

#include <string.h>

static const struct {
	uint64_t v;
	size_t n;
	uint8_t b[10];
} KNOWN[] = {
	{ 0, 1, { 0x00 } },
	{ 1, 1, { 0x01 } },
	{ 127, 1, { 0x7f } },
	{ 128, 2, { 0x80, 0x01 } },
	{ 255, 2, { 0xff, 0x01 } },
	{ 300, 2, { 0xac, 0x02 } },
	{ 16384, 3, { 0x80, 0x80, 0x01 } },
	{ 0x7fffffffffffffffull, 9, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f } },
	{ 0x8000000000000000ull, 10, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 } },
	{ 0xffffffffffffffffull, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
};
#define NKNOWN (sizeof KNOWN / sizeof KNOWN[0])

static int test_varint_put_writes_the_spec_examples(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		uint8_t out[WOS_VARINT_MAX + 2];
		memset(out, 0xee, sizeof out);
		CHECK_EQ(wos_varint_put(out, KNOWN[i].v), KNOWN[i].n);
		CHECK_EQ(wos_varint_size(KNOWN[i].v), KNOWN[i].n);
		CHECK(memcmp(out, KNOWN[i].b, KNOWN[i].n) == 0);
		CHECK_EQ(out[KNOWN[i].n], 0xee); /* nothing past what it said */
	}
	return 0;
}

static int test_varint_get_reads_the_spec_examples(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		uint64_t v = 12345;
		size_t want = KNOWN[i].n <= WOS_VARINT_MF_MAX ? KNOWN[i].n : 0;
		CHECK_EQ(wos_varint_get(KNOWN[i].b, KNOWN[i].n, &v), want);
		if (want)
			CHECK(v == KNOWN[i].v);
		CHECK_EQ(wos_varint_get_u64(KNOWN[i].b, KNOWN[i].n, &v), KNOWN[i].n);
		CHECK(v == KNOWN[i].v);
	}
	return 0;
}

static int test_varint_round_trips_around_every_power_of_two(void)
{
	for (int bit = 0; bit < 64; bit++) {
		uint64_t base = (uint64_t)1 << bit;
		uint64_t vals[3] = { base - 1, base, base + 1 };
		for (int j = 0; j < 3; j++) {
			uint8_t out[WOS_VARINT_MAX];
			uint64_t back;
			size_t n = wos_varint_put(out, vals[j]);
			CHECK_EQ(wos_varint_get_u64(out, n, &back), n);
			CHECK(back == vals[j]);
			if (vals[j] < 0x8000000000000000ull) {
				CHECK_EQ(wos_varint_get(out, n, &back), n);
				CHECK(back == vals[j]);
			} else {
				CHECK_EQ(wos_varint_get(out, n, &back), 0);
			}
			/* One byte short is always refused. */
			CHECK_EQ(wos_varint_get_u64(out, n - 1, &back), 0);
		}
	}
	return 0;
}

static int test_varint_not_minimal_is_refused(void)
{
	static const uint8_t bad[][4] = {
		{ 0x80, 0x00 }, { 0x81, 0x00 }, { 0xff, 0x80, 0x00 }, { 0x80, 0x80, 0x80, 0x00 },
	};
	static const size_t len[] = { 2, 2, 3, 4 };
	uint64_t v;

	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(wos_varint_get(bad[i], len[i], &v), 0);
		CHECK_EQ(wos_varint_get_u64(bad[i], len[i], &v), 0);
	}
	return 0;
}

static int test_varint_truncated_is_refused(void)
{
	static const uint8_t cont[] = { 0x80, 0xff, 0xff };
	uint64_t v;

	CHECK_EQ(wos_varint_get(cont, 0, &v), 0);
	CHECK_EQ(wos_varint_get(cont, 1, &v), 0);
	CHECK_EQ(wos_varint_get(cont, 3, &v), 0);
	CHECK_EQ(wos_varint_get_u64(cont, 3, &v), 0);
	return 0;
}

static int test_varint_past_the_byte_limits_is_refused(void)
{
	uint8_t p[12];
	uint64_t v;

	/* Ten bytes: too long for multiformats; for protobuf the tenth must be 0x01. */
	memset(p, 0x80, sizeof p);
	p[9] = 0x01;
	CHECK_EQ(wos_varint_get(p, 10, &v), 0);
	CHECK_EQ(wos_varint_get_u64(p, 10, &v), 10);
	p[9] = 0x02; /* bit 64: would overflow */
	CHECK_EQ(wos_varint_get_u64(p, 10, &v), 0);
	p[9] = 0x7f;
	CHECK_EQ(wos_varint_get_u64(p, 10, &v), 0);
	p[9] = 0x81; /* an eleventh byte */
	p[10] = 0x01;
	CHECK_EQ(wos_varint_get_u64(p, 11, &v), 0);
	return 0;
}

static int test_varint_get_stops_at_the_last_byte(void)
{
	static const uint8_t p[] = { 0xac, 0x02, 0x05, 0x80 };
	uint64_t v;

	CHECK_EQ(wos_varint_get(p, sizeof p, &v), 2);
	CHECK_EQ(v, 300);
	CHECK_EQ(wos_varint_get(p + 2, 2, &v), 1);
	CHECK_EQ(v, 5);
	return 0;
}

static const test_case tests[] = {
	TEST(test_varint_put_writes_the_spec_examples),
	TEST(test_varint_get_reads_the_spec_examples),
	TEST(test_varint_round_trips_around_every_power_of_two),
	TEST(test_varint_not_minimal_is_refused),
	TEST(test_varint_truncated_is_refused),
	TEST(test_varint_past_the_byte_limits_is_refused),
	TEST(test_varint_get_stops_at_the_last_byte),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
