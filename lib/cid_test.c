/* cid_test.c: tests for cid.c and base32.c.  A hosted program: it prints each test's
 * name and ok or FAIL, then "N passed, N failed", and exits nonzero when a test failed.
 *
 * The known CIDs were computed apart from this code: sha256sum for the digest, and
 * Python's base64.b32encode over 01 55 12 20 + digest, lowercased and unpadded.  The
 * CID of the empty file is the well-known bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku.
 * The malformed CIDs (dag-pb, version 2, blake2b, sha1, ...) were made the same way.
 */
#include "cid.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base32.h"
#include "base58.h"



#define EMPTY_CID "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"

/* The module of tests/e2e/store_test.sh: (func (export "add") (param i32 i32) (result i32)). */
static const uint8_t ADD_WASM[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f,
	0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00,
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
};

static int parse_str(const char *s, uint8_t digest[WOS_SHA256_SIZE])
{
	return wos_cid_parse(s, strlen(s), digest);
}

/* ---- base32 ------------------------------------------------------------------------- */

static int test_base32_rfc4648_vectors(void)
{
	/* RFC 4648 section 10, lowercased and without padding. */
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi" };
	char text[32];
	uint8_t bytes[16];
	size_t n;

	for (int i = 0; i < 7; i++) {
		size_t len = strlen(in[i]);
		CHECK_EQ(wos_base32_encoded_len(len), strlen(out[i]));
		CHECK_EQ(wos_base32_encode((const uint8_t *)in[i], len, text, sizeof text), (long)strlen(out[i]));
		CHECK(strcmp(text, out[i]) == 0);
		CHECK_EQ(wos_base32_decode(out[i], strlen(out[i]), bytes, sizeof bytes, &n), WOS_BASE32_OK);
		CHECK_EQ(n, len);
		CHECK(memcmp(bytes, in[i], len) == 0);
	}
	return 0;
}

static int test_base32_round_trips_every_length(void)
{
	uint8_t in[64], back[64];
	char text[128];
	size_t n;

	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 37 + 101);
	for (size_t len = 0; len <= sizeof in; len++) {
		long t = wos_base32_encode(in, len, text, sizeof text);
		CHECK_EQ(t, wos_base32_encoded_len(len));
		CHECK_EQ(wos_base32_decode(text, (size_t)t, back, sizeof back, &n), WOS_BASE32_OK);
		CHECK_EQ(n, len);
		CHECK(memcmp(in, back, len) == 0);
	}
	return 0;
}

static int test_base32_bad_character_is_refused_with_its_index(void)
{
	static const char bad[] = { 'A', 'Z', '0', '1', '8', '9', '=', ' ', '\0', '\n', '/', (char)0xc3 };
	char text[] = "mzxw6ytboi";
	uint8_t out[16];
	size_t at;

	for (size_t b = 0; b < sizeof bad; b++) {
		for (size_t i = 0; i < sizeof text - 1; i++) {
			char saved = text[i];
			text[i] = bad[b];
			CHECK_EQ(wos_base32_decode(text, sizeof text - 1, out, sizeof out, &at), WOS_BASE32_ERR_CHAR);
			CHECK_EQ(at, i);
			text[i] = saved;
		}
	}
	return 0;
}

static int test_base32_impossible_length_is_not_canonical(void)
{
	uint8_t out[16];
	size_t at;

	/* 1, 3 and 6 characters (mod 8) are what no byte count encodes to. */
	CHECK_EQ(wos_base32_decode("m", 1, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(wos_base32_decode("mzx", 3, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(wos_base32_decode("mzxw6y", 6, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(wos_base32_decode("mzxw6ytbm", 9, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(at, 9);
	return 0;
}

static int test_base32_nonzero_unused_bits_are_not_canonical(void)
{
	uint8_t out[16];
	size_t at;

	/* "my" is "f" (01100 11000: the last 2 bits unused); "mz" sets one of them. */
	CHECK_EQ(wos_base32_decode("my", 2, out, sizeof out, &at), WOS_BASE32_OK);
	CHECK_EQ(wos_base32_decode("mz", 2, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(at, 1);
	CHECK_EQ(wos_base32_decode("mzxr", 4, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	CHECK_EQ(wos_base32_decode("mzxw7", 5, out, sizeof out, &at), WOS_BASE32_ERR_FORM);
	return 0;
}

static int test_base32_small_buffers_are_refused(void)
{
	char text[11];
	uint8_t out[6];
	size_t at;

	/* "foobar" needs 10 characters and a NUL: 11 fits, 10 does not. */
	CHECK_EQ(wos_base32_encode((const uint8_t *)"foobar", 6, text, 10), WOS_BASE32_ERR_SPACE);
	CHECK_EQ(wos_base32_encode((const uint8_t *)"foobar", 6, text, 11), 10);
	CHECK_EQ(wos_base32_decode("mzxw6ytboi", 10, out, 5, &at), WOS_BASE32_ERR_SPACE);
	CHECK_EQ(wos_base32_decode("mzxw6ytboi", 10, out, 6, &at), WOS_BASE32_OK);
	return 0;
}

/* ---- making CIDs ---------------------------------------------------------------------- */

static int test_cid_of_known_files(void)
{
	static const struct {
		const char *data;
		size_t len;
		const char *cid;
	} cases[] = {
		{ "", 0, EMPTY_CID },
		{ "hello world\n", 12, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4" },
		{ "abc", 3, "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu" },
		{ (const char *)ADD_WASM, sizeof ADD_WASM,
		  "bafkreihwd7lc6v6ecju4hqr7gyhov4ijbmo3tq4gkeigm5gurpdf3ouixi" },
	};
	char cid[WOS_CID_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(cid, 'x', sizeof cid);
		wos_cid_of(cases[i].data, cases[i].len, cid);
		if (strcmp(cid, cases[i].cid) != 0) {
			fprintf(stderr, "  case %zu: got  %.*s\n  want %s\n", i, WOS_CID_MAX, cid, cases[i].cid);
			return 1;
		}
		CHECK_EQ(strlen(cid), WOS_CID_LEN);
	}
	return 0;
}

static int test_cid_round_trips(void)
{
	uint8_t data[100], digest[WOS_SHA256_SIZE], parsed[WOS_SHA256_SIZE];
	char cid[WOS_CID_MAX], again[WOS_CID_MAX];

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	for (size_t len = 0; len <= sizeof data; len++) {
		wos_sha256(data, len, digest);
		wos_cid_of(data, len, cid);
		CHECK(strncmp(cid, "bafkrei", 7) == 0);
		CHECK_EQ(parse_str(cid, parsed), WOS_CID_OK);
		CHECK(memcmp(parsed, digest, sizeof digest) == 0);
		wos_cid_from_digest(parsed, again);
		CHECK(strcmp(again, cid) == 0);
		CHECK_EQ(wos_cid_verify(data, len, parsed), WOS_CID_OK);
	}
	return 0;
}

static int test_cid_parse_needs_no_nul(void)
{
	/* A CID inside a longer text (a path, a system file line): only len counts. */
	const char buf[] = EMPTY_CID "/x.wasm";
	uint8_t digest[WOS_SHA256_SIZE], want[WOS_SHA256_SIZE];

	CHECK_EQ(wos_cid_parse(buf, WOS_CID_LEN, digest), WOS_CID_OK);
	wos_sha256("", 0, want);
	CHECK(memcmp(digest, want, sizeof want) == 0);
	return 0;
}

/* ---- verifying bytes ------------------------------------------------------------------ */

static int test_cid_verify_refuses_changed_bytes(void)
{
	uint8_t data[sizeof ADD_WASM], digest[WOS_SHA256_SIZE];

	memcpy(data, ADD_WASM, sizeof data);
	CHECK_EQ(parse_str("bafkreihwd7lc6v6ecju4hqr7gyhov4ijbmo3tq4gkeigm5gurpdf3ouixi", digest), WOS_CID_OK);
	CHECK_EQ(wos_cid_verify(data, sizeof data, digest), WOS_CID_OK);
	/* Every flipped bit, a byte less and a byte more. */
	for (size_t i = 0; i < sizeof data * 8; i++) {
		data[i / 8] ^= (uint8_t)(1u << (i % 8));
		CHECK_EQ(wos_cid_verify(data, sizeof data, digest), WOS_CID_ERR_MISMATCH);
		data[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	CHECK_EQ(wos_cid_verify(data, sizeof data - 1, digest), WOS_CID_ERR_MISMATCH);
	CHECK_EQ(wos_cid_verify(ADD_WASM, sizeof ADD_WASM, digest), WOS_CID_OK);
	digest[31] ^= 1;
	CHECK_EQ(wos_cid_verify(ADD_WASM, sizeof ADD_WASM, digest), WOS_CID_ERR_MISMATCH);
	return 0;
}

/* ---- malformed CIDs ------------------------------------------------------------------- */

static int test_cid_malformed_forms_name_their_reason(void)
{
	static const struct {
		const char *s;
		int code;
	} cases[] = {
		{ "", WOS_CID_ERR_MULTIBASE },
		{ "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", WOS_CID_ERR_V0 },
		/* base32 upper (multibase 'B'), base58btc ('z'), base16 ('f'), a leading space */
		{ "BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU", WOS_CID_ERR_MULTIBASE },
		{ "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", WOS_CID_ERR_MULTIBASE },
		{ "f01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", WOS_CID_ERR_MULTIBASE },
		{ " " EMPTY_CID, WOS_CID_ERR_MULTIBASE },
		/* right multibase, wrong letters */
		{ "bAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU", WOS_CID_ERR_BASE32 },
		{ "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk=", WOS_CID_ERR_BASE32 },
		{ EMPTY_CID "\n", WOS_CID_ERR_BASE32 },
		/* one character short (57: no byte count), a nonzero unused bit in the last */
		{ "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk", WOS_CID_ERR_FORM },
		{ "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv", WOS_CID_ERR_FORM },
		{ "ba", WOS_CID_ERR_FORM },
		/* the header, field by field */
		{ "bajkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", WOS_CID_ERR_VERSION },
		{ "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", WOS_CID_ERR_CODEC },
		{ "bafk2bzacedr3brcctd6byfe27p2mrglpxescplsb4rsjxe2muskzsg3ykk4fk", WOS_CID_ERR_HASH },
		{ "bafkrcfhdwdcefgh4dqkjv67uzcmw7ojee6xedza", WOS_CID_ERR_HASH },
		{ "bafkreh7dwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvy", WOS_CID_ERR_DIGEST_SIZE },
		/* 31 digest bytes, 33 digest bytes, no bytes at all, part of a header */
		{ "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvy", WOS_CID_ERR_LENGTH },
		{ "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa", WOS_CID_ERR_LENGTH },
		{ "b", WOS_CID_ERR_LENGTH },
		{ "bafkq", WOS_CID_ERR_LENGTH },
	};
	uint8_t digest[WOS_SHA256_SIZE];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = parse_str(cases[i].s, digest);
		if (rc != cases[i].code) {
			fprintf(stderr, "  '%s': got %d (%s), want %d (%s)\n", cases[i].s, rc, wos_cid_error_text(rc),
				cases[i].code, wos_cid_error_text(cases[i].code));
			return 1;
		}
	}
	return 0;
}

static int test_cid_every_truncation_and_extension_is_refused(void)
{
	char s[WOS_CID_LEN + 2];
	uint8_t digest[WOS_SHA256_SIZE];
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

	for (size_t len = 0; len < WOS_CID_LEN; len++)
		CHECK(wos_cid_parse(EMPTY_CID, len, digest) < 0);
	memcpy(s, EMPTY_CID, WOS_CID_LEN);
	for (size_t a = 0; a < 32; a++) {
		s[WOS_CID_LEN] = alphabet[a];
		CHECK(wos_cid_parse(s, WOS_CID_LEN + 1, digest) < 0);
	}
	return 0;
}

static int test_cid_every_substitution_fails_or_names_other_bytes(void)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	char s[WOS_CID_MAX], back[WOS_CID_MAX];
	uint8_t orig[WOS_SHA256_SIZE], digest[WOS_SHA256_SIZE];
	int accepted = 0;

	CHECK_EQ(parse_str(EMPTY_CID, orig), WOS_CID_OK);
	for (size_t i = 0; i < WOS_CID_LEN; i++) {
		for (size_t a = 0; a < 32; a++) {
			memcpy(s, EMPTY_CID, WOS_CID_MAX);
			if (s[i] == alphabet[a])
				continue;
			s[i] = alphabet[a];
			if (wos_cid_parse(s, WOS_CID_LEN, digest) != WOS_CID_OK)
				continue;
			/* Accepted: then it names other bytes, and it is that digest's one text. */
			accepted++;
			CHECK(memcmp(digest, orig, sizeof orig) != 0);
			wos_cid_from_digest(digest, back);
			CHECK(strcmp(back, s) == 0);
		}
	}
	/* The digest characters (positions 8..57) are free, so many are accepted. */
	CHECK(accepted > 1000);
	return 0;
}

static int test_cid_long_text_is_refused_without_overflow(void)
{
	char s[4096];
	uint8_t digest[WOS_SHA256_SIZE];

	s[0] = 'b';
	memset(s + 1, 'a', sizeof s - 1);
	CHECK_EQ(wos_cid_parse(s, sizeof s, digest), WOS_CID_ERR_LENGTH);
	/* A valid header followed by far too much. */
	memcpy(s, EMPTY_CID, WOS_CID_LEN);
	CHECK_EQ(wos_cid_parse(s, sizeof s, digest), WOS_CID_ERR_LENGTH);
	return 0;
}

static int test_cid_every_code_has_its_own_text(void)
{
	for (int a = WOS_CID_ERR_BASE58; a <= WOS_CID_OK; a++) {
		CHECK(strcmp(wos_cid_error_text(a), "unknown CID error") != 0);
		for (int b = a + 1; b <= WOS_CID_OK; b++)
			CHECK(strcmp(wos_cid_error_text(a), wos_cid_error_text(b)) != 0);
	}
	CHECK(strcmp(wos_cid_error_text(WOS_CID_ERR_BASE58 - 1), "unknown CID error") == 0);
	return 0;
}

/* ---- binary CIDs ------------------------------------------------------------------------ */

static int test_cid_read_knows_v1_v0_and_identity(void)
{
	uint8_t bin[WOS_CID_BIN_MAX];
	wos_cid_info c;
	static const uint8_t ident[] = { 0x01, 0x55, 0x00, 0x00 }; /* bafkqaaa: the empty file inline */

	CHECK_EQ(wos_cid_make(WOS_CODEC_RAW, ADD_WASM, sizeof ADD_WASM, bin), 36);
	CHECK_EQ(wos_cid_read(bin, 36, &c), 0);
	CHECK_EQ(c.version, 1);
	CHECK_EQ(c.codec, WOS_CODEC_RAW);
	CHECK_EQ(c.hash, WOS_MH_SHA2_256);
	CHECK_EQ(c.digest_len, 32);
	CHECK_EQ(c.len, 36);
	CHECK(c.digest == bin + 4);
	CHECK_EQ(wos_cid_check(&c, ADD_WASM, sizeof ADD_WASM), 0);
	CHECK_EQ(wos_cid_check(&c, ADD_WASM, sizeof ADD_WASM - 1), WOS_CID_ERR_MISMATCH);

	CHECK_EQ(wos_cid_make(WOS_CODEC_DAG_PB, ADD_WASM, sizeof ADD_WASM, bin), 36);
	CHECK_EQ(bin[1], 0x70);
	/* Bytes after the CID are not read. */
	CHECK_EQ(wos_cid_read(bin, WOS_CID_BIN_MAX, &c), 0);
	CHECK_EQ(c.codec, WOS_CODEC_DAG_PB);
	CHECK_EQ(c.len, 36);
	/* The same digest as a CIDv0: the multihash alone, which means dag-pb. */
	CHECK_EQ(wos_cid_read(bin + 2, 34, &c), 0);
	CHECK_EQ(c.version, 0);
	CHECK_EQ(c.codec, WOS_CODEC_DAG_PB);
	CHECK_EQ(c.len, 34);
	CHECK_EQ(wos_cid_check(&c, ADD_WASM, sizeof ADD_WASM), 0);

	CHECK_EQ(wos_cid_read(ident, sizeof ident, &c), 0);
	CHECK_EQ(c.hash, WOS_MH_IDENTITY);
	CHECK_EQ(c.digest_len, 0);
	CHECK_EQ(wos_cid_check(&c, "", 0), 0);
	CHECK_EQ(wos_cid_check(&c, "x", 1), WOS_CID_ERR_MISMATCH);
	return 0;
}

static int test_cid_read_malformed_binary_names_its_reason(void)
{
	static const struct {
		uint8_t b[8];
		size_t len;
		int err;
	} BAD[] = {
		{ { 0 }, 0, WOS_CID_ERR_LENGTH },
		{ { 0x01 }, 1, WOS_CID_ERR_LENGTH },
		{ { 0x01, 0x55, 0x12 }, 3, WOS_CID_ERR_LENGTH },
		{ { 0x01, 0x55, 0x12, 0x20, 1, 2 }, 6, WOS_CID_ERR_LENGTH },
		{ { 0x12, 0x20, 1, 2 }, 4, WOS_CID_ERR_LENGTH },
		{ { 0x02, 0x55, 0x00, 0x00 }, 4, WOS_CID_ERR_VERSION },
		{ { 0x00, 0x55, 0x00, 0x00 }, 4, WOS_CID_ERR_VERSION },
		{ { 0x81, 0x00, 0x55, 0x00, 0x00 }, 5, WOS_CID_ERR_VARINT },
		{ { 0x01, 0xd5, 0x00, 0x00, 0x00 }, 5, WOS_CID_ERR_VARINT },
		{ { 0x01, 0x55, 0x13, 0x41 }, 4, WOS_CID_ERR_DIGEST_SIZE },
		{ { 0x01, 0x55, 0x12, 0x80, 0x80, 0x01 }, 6, WOS_CID_ERR_DIGEST_SIZE },
	};
	wos_cid_info c;

	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		uint8_t *copy = malloc(BAD[i].len ? BAD[i].len : 1);
		int rc;
		memcpy(copy, BAD[i].b, BAD[i].len);
		rc = wos_cid_read(copy, BAD[i].len, &c);
		free(copy);
		if (rc != BAD[i].err)
			fprintf(stderr, "  case %zu: %s\n", i, wos_cid_error_text(rc));
		CHECK_EQ(rc, BAD[i].err);
	}
	return 0;
}

static int test_cid_check_refuses_hashes_it_cannot_compute(void)
{
	uint8_t bin[4 + 64] = { 0x01, 0x55, 0x13, 0x40 }; /* sha2-512 */
	wos_cid_info c;

	CHECK_EQ(wos_cid_read(bin, sizeof bin, &c), 0);
	CHECK_EQ(wos_cid_check(&c, "", 0), WOS_CID_ERR_UNSUPPORTED);
	bin[2] = 0x12, bin[3] = 0x14; /* sha2-256 cut to 20 bytes */
	CHECK_EQ(wos_cid_read(bin, 24, &c), 0);
	CHECK_EQ(wos_cid_check(&c, "", 0), WOS_CID_ERR_UNSUPPORTED);
	return 0;
}

/* ---- base58 and text CIDs of any codec ---------------------------------------------------- */

/* The examples of the base58 IETF draft (draft-msporny-base58). */
static int test_base58_draft_vectors(void)
{
	static const uint8_t zeros[] = { 0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd };
	static const char *const fox = "The quick brown fox jumps over the lazy dog.";
	char out[128];
	uint8_t back[64];
	size_t n;

	CHECK_EQ(wos_base58_encode((const uint8_t *)"Hello World!", 12, out, sizeof out), 17);
	CHECK(strcmp(out, "2NEpo7TZRRrLZSi2U") == 0);
	CHECK(wos_base58_encode((const uint8_t *)fox, strlen(fox), out, sizeof out) > 0);
	CHECK(strcmp(out, "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z") == 0);
	CHECK_EQ(wos_base58_encode(zeros, sizeof zeros, out, sizeof out), 8);
	CHECK(strcmp(out, "11233QC4") == 0);
	CHECK_EQ(wos_base58_decode("11233QC4", 8, back, sizeof back, &n), 0);
	CHECK_EQ(n, sizeof zeros);
	CHECK(memcmp(back, zeros, n) == 0);
	CHECK_EQ(wos_base58_decode("2NEpo7TZRRrLZSi2U", 17, back, sizeof back, &n), 0);
	CHECK_EQ(n, 12);
	CHECK(memcmp(back, "Hello World!", 12) == 0);
	CHECK_EQ(wos_base58_encode(NULL, 0, out, sizeof out), 0);
	CHECK_EQ(out[0], 0);
	return 0;
}

static int test_base58_round_trips_and_refuses(void)
{
	uint8_t in[40], back[40];
	char text[64];
	size_t n;

	for (size_t len = 0; len <= sizeof in; len++) {
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)(i < 3 ? 0 : i * 71 + len);
		long t = wos_base58_encode(in, len, text, sizeof text);
		CHECK(t >= 0);
		CHECK_EQ(wos_base58_decode(text, (size_t)t, back, sizeof back, &n), 0);
		CHECK_EQ(n, len);
		CHECK(memcmp(in, back, len) == 0);
		/* One byte or character of room too few. */
		if (len)
			CHECK_EQ(wos_base58_decode(text, (size_t)t, back, len - 1, &n), WOS_BASE58_ERR_SPACE);
		CHECK_EQ(wos_base58_encode(in, len, text, (size_t)t), WOS_BASE58_ERR_SPACE);
	}
	CHECK_EQ(wos_base58_decode("2NEp0", 5, back, sizeof back, &n), WOS_BASE58_ERR_CHAR);
	CHECK_EQ(wos_base58_decode("2NEpO", 5, back, sizeof back, &n), WOS_BASE58_ERR_CHAR);
	CHECK_EQ(wos_base58_decode("2NEpl", 5, back, sizeof back, &n), WOS_BASE58_ERR_CHAR);
	CHECK_EQ(wos_base58_decode("2NEpI", 5, back, sizeof back, &n), WOS_BASE58_ERR_CHAR);
	CHECK_EQ(wos_base58_decode("2N p", 4, back, sizeof back, &n), WOS_BASE58_ERR_CHAR);
	return 0;
}

/* The empty UnixFS directory, 0a 02 08 01: the best-known dag-pb block. */
#define EMPTY_DIR_V1 "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
#define EMPTY_DIR_V0 "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"

static int test_cid_text_of_the_empty_directory_v1_and_v0(void)
{
	static const uint8_t dir[] = { 0x0a, 0x02, 0x08, 0x01 };
	uint8_t bin[WOS_CID_BIN_MAX], back[WOS_CID_BIN_MAX], digest[WOS_SHA256_SIZE];
	char text[WOS_CID_TEXT_MAX], file[WOS_CID_MAX];
	uint64_t codec;
	size_t n;

	CHECK_EQ(wos_cid_make(WOS_CODEC_DAG_PB, dir, sizeof dir, bin), 36);
	CHECK_EQ(wos_cid_text(bin, 36, text, sizeof text), WOS_CID_LEN);
	CHECK(strcmp(text, EMPTY_DIR_V1) == 0);
	CHECK_EQ(wos_cid_text(bin + 2, 34, text, sizeof text), 46);
	CHECK(strcmp(text, EMPTY_DIR_V0) == 0);

	CHECK_EQ(wos_cid_decode_text(EMPTY_DIR_V1, WOS_CID_LEN, back, &n), 0);
	CHECK_EQ(n, 36);
	CHECK(memcmp(back, bin, 36) == 0);
	CHECK_EQ(wos_cid_decode_text(EMPTY_DIR_V0, 46, back, &n), 0);
	CHECK_EQ(n, 34);
	CHECK(memcmp(back, bin + 2, 34) == 0);

	/* Both name a file (dag-pb); the v1 text is what wos_cid_format_file writes. */
	CHECK_EQ(wos_cid_parse_file(EMPTY_DIR_V0, 46, &codec, digest), 0);
	CHECK_EQ(codec, WOS_CODEC_DAG_PB);
	wos_cid_format_file(codec, digest, file);
	CHECK(strcmp(file, EMPTY_DIR_V1) == 0);
	CHECK_EQ(wos_cid_parse_file(EMPTY_CID, WOS_CID_LEN, &codec, digest), 0);
	CHECK_EQ(codec, WOS_CODEC_RAW);
	wos_cid_format_file(codec, digest, file);
	CHECK(strcmp(file, EMPTY_CID) == 0);
	/* The old reader still takes only raw. */
	CHECK_EQ(parse_str(EMPTY_DIR_V1, digest), WOS_CID_ERR_CODEC);
	return 0;
}

static int test_cid_text_of_other_codecs_and_bad_texts(void)
{
	uint8_t bin[WOS_CID_BIN_MAX], back[WOS_CID_BIN_MAX], digest[WOS_SHA256_SIZE];
	char text[WOS_CID_TEXT_MAX], z[WOS_CID_TEXT_MAX];
	uint64_t codec;
	size_t n;
	long t;

	/* dag-cbor reads as a CID, not as a file. */
	wos_cid_make(WOS_CODEC_DAG_CBOR, "x", 1, bin);
	t = wos_cid_text(bin, 36, text, sizeof text);
	CHECK_EQ(t, WOS_CID_LEN);
	CHECK(strncmp(text, "bafyrei", 7) == 0);
	CHECK_EQ(wos_cid_decode_text(text, (size_t)t, back, &n), 0);
	CHECK_EQ(wos_cid_parse_file(text, (size_t)t, &codec, digest), WOS_CID_ERR_NOT_FILE);
	/* The same CID in base58btc with the multibase 'z'. */
	z[0] = 'z';
	t = wos_base58_encode(bin, 36, z + 1, sizeof z - 1);
	CHECK(t > 0);
	CHECK_EQ(wos_cid_decode_text(z, (size_t)t + 1, back, &n), 0);
	CHECK_EQ(n, 36);
	CHECK(memcmp(back, bin, 36) == 0);
	z[5] = '0';
	CHECK_EQ(wos_cid_decode_text(z, (size_t)t + 1, back, &n), WOS_CID_ERR_BASE58);
	/* A CIDv0 inside multibase, and a bare multihash that is not 46 characters. */
	t = wos_cid_text(bin, 36, text, sizeof text);
	text[0] = 'b';
	CHECK_EQ(wos_base32_encode(bin + 2, 34, text + 1, sizeof text - 1), 55);
	bin[2] = 0x12, bin[3] = 0x20;
	wos_base32_encode(bin + 2, 34, text + 1, sizeof text - 1);
	CHECK_EQ(wos_cid_decode_text(text, 56, back, &n), WOS_CID_ERR_VERSION);
	CHECK_EQ(wos_cid_decode_text("Qm", 2, back, &n), WOS_CID_ERR_MULTIBASE);
	CHECK_EQ(wos_cid_decode_text("", 0, back, &n), WOS_CID_ERR_MULTIBASE);
	CHECK_EQ(wos_cid_decode_text("Fabc", 4, back, &n), WOS_CID_ERR_MULTIBASE);
	/* Extra bytes after a whole CID. */
	wos_cid_make(WOS_CODEC_RAW, "x", 1, bin);
	bin[36] = 0;
	text[0] = 'b';
	wos_base32_encode(bin, 37, text + 1, sizeof text - 1);
	CHECK_EQ(wos_cid_decode_text(text, strlen(text), back, &n), WOS_CID_ERR_LENGTH);
	CHECK_EQ(wos_cid_text(bin, 37, text, sizeof text), WOS_CID_ERR_LENGTH);
	/* Too small an output. */
	CHECK_EQ(wos_cid_text(bin, 36, text, WOS_CID_LEN), WOS_CID_ERR_SPACE);
	CHECK_EQ(wos_cid_text(bin, 36, text, 1), WOS_CID_ERR_SPACE);
	/* A huge text is refused before decoding. */
	{
		char big[400];
		memset(big, 'a', sizeof big);
		big[0] = 'b';
		CHECK_EQ(wos_cid_decode_text(big, sizeof big, back, &n), WOS_CID_ERR_LENGTH);
		big[0] = 'z';
		memset(big + 1, '2', sizeof big - 1);
		CHECK_EQ(wos_cid_decode_text(big, 150, back, &n), WOS_CID_ERR_LENGTH);
	}
	/* sha2-512 dag-pb is not a file CID we can check. */
	{
		uint8_t b512[4 + 64] = { 0x01, 0x70, 0x13, 0x40 };
		t = wos_cid_text(b512, sizeof b512, text, sizeof text);
		CHECK(t > 0);
		CHECK_EQ(wos_cid_parse_file(text, (size_t)t, &codec, digest), WOS_CID_ERR_HASH);
	}
	return 0;
}

/* ---- the runner ----------------------------------------------------------------------- */

static const test_case tests[] = {
	TEST(test_base32_rfc4648_vectors),
	TEST(test_base32_round_trips_every_length),
	TEST(test_base32_bad_character_is_refused_with_its_index),
	TEST(test_base32_impossible_length_is_not_canonical),
	TEST(test_base32_nonzero_unused_bits_are_not_canonical),
	TEST(test_base32_small_buffers_are_refused),
	TEST(test_cid_of_known_files),
	TEST(test_cid_round_trips),
	TEST(test_cid_parse_needs_no_nul),
	TEST(test_cid_verify_refuses_changed_bytes),
	TEST(test_cid_malformed_forms_name_their_reason),
	TEST(test_cid_every_truncation_and_extension_is_refused),
	TEST(test_cid_every_substitution_fails_or_names_other_bytes),
	TEST(test_cid_long_text_is_refused_without_overflow),
	TEST(test_cid_every_code_has_its_own_text),
	TEST(test_cid_read_knows_v1_v0_and_identity),
	TEST(test_cid_read_malformed_binary_names_its_reason),
	TEST(test_cid_check_refuses_hashes_it_cannot_compute),
	TEST(test_base58_draft_vectors),
	TEST(test_base58_round_trips_and_refuses),
	TEST(test_cid_text_of_the_empty_directory_v1_and_v0),
	TEST(test_cid_text_of_other_codecs_and_bad_texts),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
