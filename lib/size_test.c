/* size_test.c: tests for size.c and str.c.  A hosted program: it prints each test's
 * name and ok or FAIL, then "N passed, N failed".
 *
 * wos_size_text promises printf's "%.3g" of the quotient: it is compared with the C
 * library's own output over every size of a wide sweep.
 */
#include "size.h"
#include "str.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

/* ---- str.c ------------------------------------------------------------------------------ */

static int test_str_helpers_agree_with_libc(void)
{
	static const char *const words[] = { "", "a", "ab", "program", "dir::guest", "::", "a::b::c" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		const char *w = words[i];
		CHECK_EQ(wos_strlen(w), strlen(w));
		for (size_t j = 0; j < sizeof words / sizeof words[0]; j++) {
			CHECK_EQ(wos_streq(w, words[j]), strcmp(w, words[j]) == 0);
			CHECK(wos_strstr(w, words[j]) == strstr(w, words[j]));
		}
		for (const char *c = "a:b?"; *c; c++) {
			CHECK(wos_strchr(w, *c) == strchr(w, *c));
			CHECK(wos_strrchr(w, *c) == strrchr(w, *c));
		}
	}
	return 0;
}

static int test_str_u64_reads_digits_and_refuses_overflow(void)
{
	uint64_t v;
	const char *end;
	CHECK_EQ(wos_str_u64("123abc", &v, &end), 0);
	CHECK_EQ(v, 123);
	CHECK(strcmp(end, "abc") == 0);
	CHECK_EQ(wos_str_u64("18446744073709551615", &v, &end), 0);
	CHECK(v == UINT64_MAX && *end == 0);
	CHECK_EQ(wos_str_u64("18446744073709551616", &v, &end), -1);
	CHECK_EQ(wos_str_u64("99999999999999999999", &v, &end), -1);
	CHECK_EQ(wos_str_u64("", &v, &end), -1);
	CHECK_EQ(wos_str_u64("-1", &v, &end), -1);
	CHECK_EQ(wos_str_u64("+1", &v, &end), -1);
	CHECK_EQ(wos_str_u64(" 1", &v, &end), -1);
	return 0;
}

/* ---- parsing sizes --------------------------------------------------------------------- */

static int test_size_bytes_units_and_suffixes(void)
{
	CHECK_EQ(wos_size_bytes("65536"), 65536);
	CHECK_EQ(wos_size_bytes("64K"), 64 << 10);
	CHECK_EQ(wos_size_bytes("64k"), 64 << 10);
	CHECK_EQ(wos_size_bytes("4M"), 4 << 20);
	CHECK_EQ(wos_size_bytes("4MB"), 4 << 20);
	CHECK_EQ(wos_size_bytes("4MiB"), 4 << 20);
	CHECK_EQ(wos_size_bytes("1g"), 1ll << 30);
	static const char *const bad[] = { "", "K", "-1", "+1", " 1", "1 K", "1KK", "1Ki", "1iB", "5Q",
					   "1.5M", "0x10", "12b", "17179869185G", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (wos_size_bytes(bad[i]) != 0) {
			fprintf(stderr, "  '%s' was taken\n", bad[i]);
			return 1;
		}
	CHECK_EQ(wos_size_bytes("0"), 0);
	return 0;
}

static int test_size_pages_round_up_and_stop_at_4g(void)
{
	CHECK_EQ(wos_size_pages("1"), 1);
	CHECK_EQ(wos_size_pages("65536"), 1);
	CHECK_EQ(wos_size_pages("65537"), 2);
	CHECK_EQ(wos_size_pages("64M"), 1024);
	CHECK_EQ(wos_size_pages("4G"), 65536);
	CHECK_EQ(wos_size_pages("100p"), 100);
	CHECK_EQ(wos_size_pages("65536p"), 65536);
	CHECK_EQ(wos_size_pages("65537p"), 0);
	CHECK_EQ(wos_size_pages("0p"), 0);
	CHECK_EQ(wos_size_pages("p"), 0);
	CHECK_EQ(wos_size_pages("1xp"), 0);
	CHECK_EQ(wos_size_pages("4097M"), 0);
	CHECK_EQ(wos_size_pages("0"), 0);
	/* 2^34 + 1 GiB would wrap to 1 GiB in 64 bits */
	CHECK_EQ(wos_size_pages("17179869185G"), 0);
	return 0;
}

/* ---- writing sizes --------------------------------------------------------------------- */

/* What printf writes for the same size. */
static void libc_size(uint64_t n, char out[32])
{
	if (n < 1024) snprintf(out, 32, "%llu", (unsigned long long)n);
	else if (n < (1u << 20)) snprintf(out, 32, "%.3gK", (double)n / 1024);
	else if (n < (1u << 30)) snprintf(out, 32, "%.3gM", (double)n / (1 << 20));
	else snprintf(out, 32, "%.3gG", (double)n / (1 << 30));
}

static int check_size_text(uint64_t n)
{
	char want[32], got[32];
	libc_size(n, want);
	int len = wos_size_text(got, sizeof got, n);
	if (strcmp(got, want) != 0 || len != (int)strlen(want)) {
		fprintf(stderr, "  %llu: got '%s', want '%s'\n", (unsigned long long)n, got, want);
		return 1;
	}
	return 0;
}

static int test_size_text_matches_printf_g(void)
{
	/* every size to 2 MiB, around each unit, ties (1.125K is exact), and a sweep
	 * that reaches far past 1G; doubles hold every n below 2^53 exactly */
	for (uint64_t n = 0; n < (2u << 20); n++)
		if (check_size_text(n)) return 1;
	for (uint64_t n = 1; n < (1ull << 52); n = n * 3 / 2 + 7)
		for (uint64_t d = 0; d < 4; d++)
			if (check_size_text(n + d) || check_size_text((n << 1) - d)) return 1;
	for (int s = 10; s < 52; s++)
		for (int64_t d = -3; d <= 3; d++)
			if (check_size_text((1ull << s) + (uint64_t)d)) return 1;
	char got[8];
	CHECK_EQ(wos_size_text(got, sizeof got, 1572864), 4);
	CHECK(strcmp(got, "1.5M") == 0);
	/* truncated like snprintf */
	CHECK_EQ(wos_size_text(got, 3, 1572864), 4);
	CHECK(strcmp(got, "1.") == 0);
	return 0;
}

static const test_case tests[] = {
	TEST(test_str_helpers_agree_with_libc),
	TEST(test_str_u64_reads_digits_and_refuses_overflow),
	TEST(test_size_bytes_units_and_suffixes),
	TEST(test_size_pages_round_up_and_stop_at_4g),
	TEST(test_size_text_matches_printf_g),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
