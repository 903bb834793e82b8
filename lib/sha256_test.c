/* sha256_test.c: tests for sha256.c.  A hosted program: it prints each test's name and
 * ok or FAIL, then "N passed, N failed", and exits nonzero when a test failed.
 *
 * The expected digests are the FIPS 180-4 examples (csrc.nist.gov, "SHA256.pdf" and
 * the one-million-'a' vector) and, for the padding boundaries, values from Python's
 * hashlib.  Every test can fail: a digest that differs in any bit fails it.
 */
#include "sha256.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void hex(const uint8_t d[WOS_SHA256_SIZE], char out[2 * WOS_SHA256_SIZE + 1])
{
	for (int i = 0; i < WOS_SHA256_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Compares a digest with its hex form; prints both when they differ. */
static int digest_is(const uint8_t d[WOS_SHA256_SIZE], const char *want)
{
	char got[2 * WOS_SHA256_SIZE + 1];

	hex(d, got);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "  digest %s\n  want   %s\n", got, want);
		return 0;
	}
	return 1;
}

static int hashes_to(const char *msg, size_t len, const char *want)
{
	uint8_t d[WOS_SHA256_SIZE];

	wos_sha256(msg, len, d);
	return digest_is(d, want);
}

/* ---- the FIPS 180-4 examples ---------------------------------------------------------- */

static int test_sha256_empty(void)
{
	CHECK(hashes_to("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	return 0;
}

static int test_sha256_abc(void)
{
	CHECK(hashes_to("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	return 0;
}

static int test_sha256_448_bits(void)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	CHECK(strlen(m) == 56);
	CHECK(hashes_to(m, 56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	return 0;
}

static int test_sha256_896_bits(void)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	CHECK(strlen(m) == 112);
	CHECK(hashes_to(m, 112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
	return 0;
}

static int test_sha256_million_a(void)
{
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	char chunk[1000];
	uint8_t d[WOS_SHA256_SIZE];
	struct wos_sha256 c;
	char *all;

	/* In 1000 updates of 1000 bytes, and in one call over a million bytes. */
	memset(chunk, 'a', sizeof chunk);
	wos_sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		wos_sha256_update(&c, chunk, sizeof chunk);
	wos_sha256_final(&c, d);
	CHECK(digest_is(d, want));

	all = malloc(1000000);
	CHECK(all != NULL);
	memset(all, 'a', 1000000);
	wos_sha256(all, 1000000, d);
	free(all);
	CHECK(digest_is(d, want));
	return 0;
}

/* ---- padding boundaries: the length field fits in the last block or needs another ---- */

static int test_sha256_padding_boundaries(void)
{
	static const struct {
		size_t n;
		const char *want;
	} cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128];

	memset(a, 'a', sizeof a);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!hashes_to(a, cases[i].n, cases[i].want)) {
			fprintf(stderr, "  with %zu bytes of 'a'\n", cases[i].n);
			return 1;
		}
	}
	return 0;
}

/* ---- incremental updates -------------------------------------------------------------- */

#define SPLIT_LEN 200
#define SPLIT_DIGEST "2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46"

static void split_input(uint8_t m[SPLIT_LEN])
{
	for (int i = 0; i < SPLIT_LEN; i++)
		m[i] = (uint8_t)(i * 7 + 3);
}

static int test_sha256_split_at_every_offset(void)
{
	uint8_t m[SPLIT_LEN], d[WOS_SHA256_SIZE];
	struct wos_sha256 c;

	split_input(m);
	wos_sha256(m, SPLIT_LEN, d);
	CHECK(digest_is(d, SPLIT_DIGEST));
	for (size_t k = 0; k <= SPLIT_LEN; k++) {
		wos_sha256_init(&c);
		wos_sha256_update(&c, m, k);
		wos_sha256_update(&c, m + k, SPLIT_LEN - k);
		wos_sha256_final(&c, d);
		if (!digest_is(d, SPLIT_DIGEST)) {
			fprintf(stderr, "  split at %zu\n", k);
			return 1;
		}
	}
	return 0;
}

static int test_sha256_split_in_two_places(void)
{
	uint8_t m[SPLIT_LEN], d[WOS_SHA256_SIZE];
	struct wos_sha256 c;

	split_input(m);
	for (size_t j = 0; j <= SPLIT_LEN; j++) {
		for (size_t k = j; k <= SPLIT_LEN; k++) {
			wos_sha256_init(&c);
			wos_sha256_update(&c, m, j);
			wos_sha256_update(&c, m + j, k - j);
			wos_sha256_update(&c, m + k, SPLIT_LEN - k);
			wos_sha256_final(&c, d);
			if (!digest_is(d, SPLIT_DIGEST)) {
				fprintf(stderr, "  split at %zu and %zu\n", j, k);
				return 1;
			}
		}
	}
	return 0;
}

static int test_sha256_one_byte_at_a_time(void)
{
	uint8_t m[SPLIT_LEN], d[WOS_SHA256_SIZE];
	struct wos_sha256 c;

	split_input(m);
	wos_sha256_init(&c);
	for (size_t k = 0; k < SPLIT_LEN; k++)
		wos_sha256_update(&c, m + k, 1);
	wos_sha256_final(&c, d);
	CHECK(digest_is(d, SPLIT_DIGEST));
	return 0;
}

static int test_sha256_init_resets_a_used_context(void)
{
	uint8_t d[WOS_SHA256_SIZE];
	struct wos_sha256 c;

	wos_sha256_init(&c);
	wos_sha256_update(&c, "something else entirely", 23);
	wos_sha256_final(&c, d);
	wos_sha256_init(&c);
	wos_sha256_update(&c, "abc", 3);
	wos_sha256_final(&c, d);
	CHECK(digest_is(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	return 0;
}

/* ---- the runner ----------------------------------------------------------------------- */

static const test_case tests[] = {
	TEST(test_sha256_empty),
	TEST(test_sha256_abc),
	TEST(test_sha256_448_bits),
	TEST(test_sha256_896_bits),
	TEST(test_sha256_million_a),
	TEST(test_sha256_padding_boundaries),
	TEST(test_sha256_split_at_every_offset),
	TEST(test_sha256_split_in_two_places),
	TEST(test_sha256_one_byte_at_a_time),
	TEST(test_sha256_init_resets_a_used_context),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
