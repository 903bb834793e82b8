/* noise_test.c: tests for noise.c: our initiator against our responder (both ways of
 * the channel, frames split at 65519 bytes), and every kind of tampering refused:
 * flipped bytes in each handshake message, a wrong dialled peer id, a forged
 * identity signature, transport frames flipped, replayed or cut. */
#include "noise.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static net_identity ida, idb;

static void identities(void)
{
	uint8_t s[32];
	for (int i = 0; i < 32; i++) s[i] = (uint8_t)i;
	net_identity_from_seed(&ida, s);
	s[0] = 0xaa;
	net_identity_from_seed(&idb, s);
}

/* A handshake between i (initiator) and r; tamper(msg, len, which) may alter message
 * `which` (1..3) on the wire.  Returns 0 and sets ri, rr to both sides' last results. */
typedef void (*tamper_fn)(uint8_t *m, size_t len, int which);

static void handshake(net_noise *i, net_noise *r, const net_peerid *expect, tamper_fn tamper, int *ri, int *rr)
{
	uint8_t m[NET_NOISE_HS_OUT_MAX], out[NET_NOISE_HS_OUT_MAX];
	size_t used, olen;
	identities();
	net_noise_init(i, &ida, true, expect);
	net_noise_init(r, &idb, false, NULL);
	size_t len = net_noise_start(i, m);
	if (tamper) tamper(m, len, 1);
	*ri = NET_NOISE_MORE;
	*rr = net_noise_handshake(r, m, len, &used, out, &olen);
	if (*rr != NET_NOISE_MORE || olen == 0) return;
	if (tamper) tamper(out, olen, 2);
	*ri = net_noise_handshake(i, out, olen, &used, m, &len);
	if (*ri != NET_NOISE_DONE) return;
	if (tamper) tamper(m, len, 3);
	*rr = net_noise_handshake(r, m, len, &used, out, &olen);
}

static int test_handshake_authenticates_both_sides(void)
{
	static net_noise i, r;
	int ri, rr;
	handshake(&i, &r, &idb.id, NULL, &ri, &rr);
	CHECK_EQ(ri, NET_NOISE_DONE);
	CHECK_EQ(rr, NET_NOISE_DONE);
	CHECK(net_peerid_equal(&i.remote, &idb.id));
	CHECK(net_peerid_equal(&r.remote, &ida.id));
	CHECK(!memcmp(i.k_send, r.k_recv, 32) && !memcmp(i.k_recv, r.k_send, 32));
	CHECK(memcmp(i.k_send, i.k_recv, 32) != 0);
	return 0;
}

static int test_handshake_messages_have_the_sizes_libp2p_sends(void)
{
	static net_noise i, r;
	identities();
	net_noise_init(&i, &ida, true, NULL);
	net_noise_init(&r, &idb, false, NULL);
	uint8_t m[NET_NOISE_HS_OUT_MAX], out[NET_NOISE_HS_OUT_MAX];
	size_t used, olen, len = net_noise_start(&i, m);
	CHECK(len == 34 && m[0] == 0 && m[1] == 32);
	CHECK_EQ(net_noise_handshake(&r, m, len, &used, out, &olen), NET_NOISE_MORE);
	/* e 32, enc(s) 48, enc(payload: 2+36 key, 2+64 signature) 120 */
	CHECK_EQ(olen, 2 + 200);
	CHECK_EQ(net_noise_handshake(&i, out, olen, &used, m, &len), NET_NOISE_DONE);
	CHECK_EQ(len, 2 + 168);
	/* fed one byte at a time, the responder finishes too */
	size_t done = 0;
	int rc = NET_NOISE_MORE;
	while (done < len && rc == NET_NOISE_MORE) {
		rc = net_noise_handshake(&r, m + done, 1, &used, out, &olen);
		done += used;
	}
	CHECK_EQ(rc, NET_NOISE_DONE);
	CHECK_EQ(done, len);
	return 0;
}

static int test_channel_carries_both_ways_and_splits_large_writes(void)
{
	static net_noise i, r;
	int ri, rr;
	handshake(&i, &r, NULL, NULL, &ri, &rr);
	CHECK(ri == NET_NOISE_DONE && rr == NET_NOISE_DONE);
	size_t big = 200000;
	uint8_t *p = malloc(big), *wire = malloc(net_noise_sealed_size(big)), *back = malloc(big);
	uint8_t *plain = malloc(NET_NOISE_PLAIN_MAX);
	CHECK(p && wire && back && plain);
	for (size_t k = 0; k < big; k++) p[k] = (uint8_t)(k * 7);
	size_t w = net_noise_seal(&i, p, big, wire);
	CHECK_EQ(w, big + 4 * 18);
	size_t off = 0, got = 0, used, pl;
	while (off < w) {
		/* odd pieces, so frames arrive split */
		size_t piece = w - off < 1000 ? w - off : 1000;
		int rc = net_noise_open(&r, wire + off, piece, &used, plain, &pl);
		CHECK(rc == NET_NOISE_FRAME || rc == NET_NOISE_MORE);
		off += used;
		if (rc == NET_NOISE_FRAME) {
			CHECK(pl <= NET_NOISE_PLAIN_MAX && got + pl <= big);
			memcpy(back + got, plain, pl);
			got += pl;
		}
	}
	CHECK_EQ(got, big);
	CHECK(!memcmp(back, p, big));
	/* and back */
	w = net_noise_seal(&r, (const uint8_t *)"pong", 4, wire);
	CHECK_EQ(net_noise_open(&i, wire, w, &used, plain, &pl), NET_NOISE_FRAME);
	CHECK(pl == 4 && !memcmp(plain, "pong", 4));
	free(p);
	free(wire);
	free(back);
	free(plain);
	return 0;
}

static int flip_at;
static int flip_which;
static bool flipped;
static void flip(uint8_t *m, size_t len, int which)
{
	if (which == flip_which && (size_t)flip_at < len) {
		m[flip_at] ^= 0x01;
		flipped = true;
	}
}

static int test_any_flipped_handshake_byte_fails(void)
{
	static net_noise i, r;
	int ri, rr;
	/* message 1: the ephemeral key changes, so message 3 no longer decrypts */
	for (flip_which = 1; flip_which <= 3; flip_which++) {
		for (flip_at = 2; flip_at < 200; flip_at += 13) {
			flipped = false;
			handshake(&i, &r, NULL, flip, &ri, &rr);
			if (!flipped) continue; /* past the end of that message */
			bool both_done = ri == NET_NOISE_DONE && rr == NET_NOISE_DONE;
			if (both_done) {
				fprintf(stderr, "  message %d byte %d: accepted\n", flip_which, flip_at);
				return 1;
			}
			CHECK(ri < 0 || rr < 0);
		}
	}
	return 0;
}

static int test_wrong_dialled_peer_is_refused(void)
{
	static net_noise i, r;
	int ri, rr;
	handshake(&i, &r, &ida.id, NULL, &ri, &rr); /* we dialled ourselves, reached b */
	CHECK_EQ(ri, NET_NOISE_EPEER);
	CHECK(strstr(i.why, "not the peer"));
	return 0;
}

static int test_forged_signature_is_refused(void)
{
	/* the responder claims b's identity key but signs with a's */
	static net_noise i, r;
	static net_identity forged;
	identities();
	forged = idb;
	memcpy(forged.sk, ida.sk, 64);
	net_noise_init(&i, &ida, true, NULL);
	net_noise_init(&r, &forged, false, NULL);
	uint8_t m[NET_NOISE_HS_OUT_MAX], out[NET_NOISE_HS_OUT_MAX];
	size_t used, olen, len = net_noise_start(&i, m);
	CHECK_EQ(net_noise_handshake(&r, m, len, &used, out, &olen), NET_NOISE_MORE);
	CHECK_EQ(net_noise_handshake(&i, out, olen, &used, m, &len), NET_NOISE_ERR);
	CHECK(strstr(i.why, "signature does not verify"));
	return 0;
}

static int test_transport_tampering_is_refused(void)
{
	static net_noise i, r;
	int ri, rr;
	handshake(&i, &r, NULL, NULL, &ri, &rr);
	uint8_t wire[64], plain[NET_NOISE_PLAIN_MAX];
	size_t used, pl;
	size_t w = net_noise_seal(&i, (const uint8_t *)"hello", 5, wire);
	uint8_t copy[64];
	memcpy(copy, wire, w);
	copy[5] ^= 0x80;
	CHECK_EQ(net_noise_open(&r, copy, w, &used, plain, &pl), NET_NOISE_ERR);
	/* after an error the channel stays failed */
	CHECK_EQ(net_noise_open(&r, wire, w, &used, plain, &pl), NET_NOISE_ERR);

	handshake(&i, &r, NULL, NULL, &ri, &rr);
	w = net_noise_seal(&i, (const uint8_t *)"hello", 5, wire);
	CHECK_EQ(net_noise_open(&r, wire, w, &used, plain, &pl), NET_NOISE_FRAME);
	/* the same frame again: the nonce moved on */
	CHECK_EQ(net_noise_open(&r, wire, w, &used, plain, &pl), NET_NOISE_ERR);

	handshake(&i, &r, NULL, NULL, &ri, &rr);
	/* a frame shorter than its tag */
	static const uint8_t tiny[] = { 0, 3, 1, 2, 3 };
	CHECK_EQ(net_noise_open(&r, tiny, sizeof tiny, &used, plain, &pl), NET_NOISE_ERR);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_handshake_authenticates_both_sides),
		TEST(test_handshake_messages_have_the_sizes_libp2p_sends),
		TEST(test_channel_carries_both_ways_and_splits_large_writes),
		TEST(test_any_flipped_handshake_byte_fails),
		TEST(test_wrong_dialled_peer_is_refused),
		TEST(test_forged_signature_is_refused),
		TEST(test_transport_tampering_is_refused),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
