/* peerid_test.c: tests for peerid.c.  The peer id of the seed 00 01 .. 1f is the one
 * Helia gives the same seed (generateKeyPairFromSeed; ipfs-notes §2, and
 * tests/ipfs/helia_test.sh checks it against Helia on every run).  The base58 vectors
 * are the bitcoin alphabet's well-known ones. */
#define _GNU_SOURCE
#include "peerid.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED00_ID "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"

static void seed00(uint8_t seed[32])
{
	for (int i = 0; i < 32; i++) seed[i] = (uint8_t)i;
}

static int test_base58_known_vectors(void)
{
	char out[NET_PEERID_TEXT_MAX];
	CHECK_EQ(net_base58_encode((const uint8_t *)"Hello World!", 12, out, sizeof out), 17);
	CHECK(!strcmp(out, "2NEpo7TZRRrLZSi2U"));
	static const uint8_t z[] = { 0, 0, 0x28, 0x7f, 0xb4, 0xcd };
	CHECK(net_base58_encode(z, sizeof z, out, sizeof out) && !strcmp(out, "11233QC4"));
	uint8_t back[16];
	CHECK_EQ(net_base58_decode("11233QC4", 8, back, sizeof back), 6);
	CHECK(!memcmp(back, z, 6));
	CHECK_EQ(net_base58_encode(NULL, 0, out, sizeof out), 0);
	CHECK_EQ(net_base58_decode("", 0, back, sizeof back), 0);
	return 0;
}

static int test_base58_rejects_bad_characters_and_overflow(void)
{
	uint8_t b[4];
	CHECK_EQ(net_base58_decode("12D0", 4, b, sizeof b), -1);   /* 0 is not in the alphabet */
	CHECK_EQ(net_base58_decode("abIl", 4, b, sizeof b), -1);   /* nor I, l */
	CHECK_EQ(net_base58_decode("2NEpo7TZRRrLZSi2U", 17, b, sizeof b), -1); /* 12 bytes > 4 */
	char small[4];
	CHECK_EQ(net_base58_encode((const uint8_t *)"Hello", 5, small, sizeof small), 0);
	return 0;
}

static int test_peerid_of_seed00_is_helias(void)
{
	uint8_t seed[32];
	seed00(seed);
	net_identity idn;
	net_identity_from_seed(&idn, seed);
	char text[NET_PEERID_TEXT_MAX];
	net_peerid_format(&idn.id, text);
	CHECK(!strcmp(text, SEED00_ID));
	CHECK_EQ(idn.id.len, 38);
	CHECK(idn.id.b[0] == 0 && idn.id.b[1] == 36 && idn.id.b[2] == 8 && idn.id.b[3] == 1);
	return 0;
}

static int test_peerid_parse_round_trips(void)
{
	net_peerid id;
	CHECK_EQ(net_peerid_parse(&id, SEED00_ID, strlen(SEED00_ID)), 0);
	char text[NET_PEERID_TEXT_MAX];
	net_peerid_format(&id, text);
	CHECK(!strcmp(text, SEED00_ID));
	/* an RSA-key id (sha2-256 multihash) */
	const char *qm = "QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN";
	CHECK_EQ(net_peerid_parse(&id, qm, strlen(qm)), 0);
	CHECK(id.len == 34 && id.b[0] == 0x12 && id.b[1] == 0x20);
	net_peerid_format(&id, text);
	CHECK(!strcmp(text, qm));
	return 0;
}

static int test_peerid_parse_rejects_what_is_no_peer_id(void)
{
	net_peerid id;
	CHECK_EQ(net_peerid_parse(&id, "", 0), -1);
	CHECK_EQ(net_peerid_parse(&id, "12D3KooW", 8), -1);                 /* truncated */
	CHECK_EQ(net_peerid_parse(&id, "2NEpo7TZRRrLZSi2U", 17), -1);        /* no multihash */
	CHECK_EQ(net_peerid_parse(&id, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 59), -1); /* raw CID */
	/* one character changed: still base58, but the identity length no longer fits */
	CHECK_EQ(net_peerid_parse(&id, "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSBB", 53), -1);
	return 0;
}

static int test_pubkey_protobuf_and_signature(void)
{
	uint8_t seed[32];
	seed00(seed);
	net_identity idn;
	net_identity_from_seed(&idn, seed);
	uint8_t pb[NET_PUBKEY_PB_LEN], pk[32];
	net_pubkey_encode(idn.pk, pb);
	CHECK_EQ(net_pubkey_decode(pb, sizeof pb, pk), 0);
	CHECK(!memcmp(pk, idn.pk, 32));
	pb[1] = 0; /* RSA: not one we verify */
	CHECK_EQ(net_pubkey_decode(pb, sizeof pb, pk), -1);
	CHECK_EQ(net_pubkey_decode(pb, 35, pk), -1);
	uint8_t sig[64];
	net_identity_sign(&idn, (const uint8_t *)"abc", 3, sig);
	CHECK(net_pubkey_verify(idn.pk, (const uint8_t *)"abc", 3, sig));
	CHECK(!net_pubkey_verify(idn.pk, (const uint8_t *)"abd", 3, sig));
	return 0;
}

static int test_identity_file_is_made_once_and_kept(void)
{
	char dir[] = "/tmp/peerid_test.XXXXXX";
	CHECK(mkdtemp(dir));
	char path[256], why[256];
	snprintf(path, sizeof path, "%s/sub/identity", dir);
	net_identity a, b;
	CHECK_EQ(net_identity_load(&a, path, why, sizeof why), 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0600);
	CHECK_EQ(net_identity_load(&b, path, why, sizeof why), 0);
	CHECK(net_peerid_equal(&a.id, &b.id));
	/* a file of the wrong size is refused, not replaced */
	FILE *f = fopen(path, "ab");
	CHECK(f && fputc(1, f) == 1 && fclose(f) == 0);
	CHECK_EQ(net_identity_load(&b, path, why, sizeof why), -1);
	CHECK(strstr(why, "32 bytes"));
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_base58_known_vectors),
		TEST(test_base58_rejects_bad_characters_and_overflow),
		TEST(test_peerid_of_seed00_is_helias),
		TEST(test_peerid_parse_round_trips),
		TEST(test_peerid_parse_rejects_what_is_no_peer_id),
		TEST(test_pubkey_protobuf_and_signature),
		TEST(test_identity_file_is_made_once_and_kept),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
