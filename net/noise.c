/* noise.c: Noise XX for libp2p (see noise.h).  The symmetric state follows the Noise
 * Protocol Framework rev. 34 §5.2 (MixHash, MixKey, EncryptAndHash, Split); the XX
 * tokens are in the order of §7.5.  Every DH output is checked: an all-zero result
 * (a low-order remote key) fails the handshake. */
#include "noise.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"

/* Exactly 32 bytes, so h starts as the name itself (no hashing). */
static const char PROTOCOL_NAME[] = "Noise_XX_25519_ChaChaPoly_SHA256";
static const char SIG_PREFIX[] = "noise-libp2p-static-key:";

enum { S_MSG1, S_MSG2, S_MSG3, S_OPEN, S_FAILED };

static int fail(net_noise *n, const char *why)
{
	n->state = S_FAILED;
	n->why = why;
	return NET_NOISE_ERR;
}

static void mix_hash(net_noise *n, const uint8_t *p, size_t len)
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, n->h, 32);
	crypto_hash_sha256_update(&st, p, len);
	crypto_hash_sha256_final(&st, n->h);
}

static void hmac(const uint8_t key[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, a, alen);
	if (blen) crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
}

/* HKDF(ck, ikm) -> two outputs (Noise §4.3, with HMAC-SHA256). */
static void hkdf2(const uint8_t ck[32], const uint8_t *ikm, size_t len, uint8_t o1[32], uint8_t o2[32])
{
	uint8_t t[32], one = 1, two = 2, a[32];
	hmac(ck, ikm, len, NULL, 0, t);
	hmac(t, &one, 1, NULL, 0, a);
	hmac(t, a, 32, &two, 1, o2);
	memcpy(o1, a, 32);
	sodium_memzero(t, sizeof t);
	sodium_memzero(a, sizeof a);
}

static int mix_key_dh(net_noise *n, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t dh[32];
	if (crypto_scalarmult(dh, sk, pk) != 0) return fail(n, "noise: remote key of low order");
	hkdf2(n->ck, dh, 32, n->ck, n->k);
	sodium_memzero(dh, sizeof dh);
	n->has_k = true;
	n->n = 0;
	return 0;
}

static void nonce(uint8_t out[12], uint64_t v)
{
	memset(out, 0, 4);
	for (int i = 0; i < 8; i++) out[4 + i] = (uint8_t)(v >> (8 * i));
}

/* EncryptAndHash: writes len + 16 bytes (len when no key yet) to out. */
static size_t encrypt_and_hash(net_noise *n, const uint8_t *p, size_t len, uint8_t *out)
{
	size_t clen = len;
	if (n->has_k) {
		uint8_t iv[12];
		unsigned long long cl;
		nonce(iv, n->n++);
		crypto_aead_chacha20poly1305_ietf_encrypt(out, &cl, p, len, n->h, 32, NULL, iv, n->k);
		clen = (size_t)cl;
	} else {
		if (len) memmove(out, p, len);
	}
	mix_hash(n, out, clen);
	return clen;
}

/* DecryptAndHash: c (clen bytes) -> out (clen - 16 bytes when keyed).  -1 on a bad tag. */
static int decrypt_and_hash(net_noise *n, const uint8_t *c, size_t clen, uint8_t *out, size_t *len)
{
	if (n->has_k) {
		uint8_t iv[12];
		unsigned long long ml;
		if (clen < 16) return -1;
		nonce(iv, n->n);
		if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &ml, NULL, c, clen, n->h, 32, iv, n->k) != 0)
			return -1;
		n->n++;
		*len = (size_t)ml;
	} else {
		if (clen) memmove(out, c, clen);
		*len = clen;
	}
	mix_hash(n, c, clen);
	return 0;
}

void net_noise_init(net_noise *n, const net_identity *idn, bool initiator, const net_peerid *expected)
{
	if (sodium_init() < 0) abort(); /* cannot happen: libsodium has no failure mode here */
	memset(n, 0, offsetof(net_noise, frame));
	n->flen = 0;
	n->why = NULL;
	n->initiator = initiator;
	n->idn = idn;
	if (expected) {
		n->check_peer = true;
		n->expected = *expected;
	}
	memcpy(n->h, PROTOCOL_NAME, 32);
	memcpy(n->ck, n->h, 32);
	mix_hash(n, NULL, 0); /* the empty prologue */
	randombytes_buf(n->e_sk, 32);
	crypto_scalarmult_base(n->e_pk, n->e_sk);
	randombytes_buf(n->s_sk, 32);
	crypto_scalarmult_base(n->s_pk, n->s_sk);
	n->state = initiator ? S_MSG2 : S_MSG1;
}

/* Our NoiseHandshakePayload: identity key and the signature of our static key. */
static size_t write_payload(net_noise *n, uint8_t *out, size_t cap)
{
	uint8_t pk[NET_PUBKEY_PB_LEN], msg[sizeof SIG_PREFIX - 1 + 32], sig[64];
	net_pubkey_encode(n->idn->pk, pk);
	memcpy(msg, SIG_PREFIX, sizeof SIG_PREFIX - 1);
	memcpy(msg + sizeof SIG_PREFIX - 1, n->s_pk, 32);
	net_identity_sign(n->idn, msg, sizeof msg, sig);
	wos_pb_writer w;
	wos_pb_writer_init(&w, out, cap);
	wos_pb_put_bytes(&w, 1, pk, sizeof pk);
	wos_pb_put_bytes(&w, 2, sig, sizeof sig);
	long len = wos_pb_writer_finish(&w);
	return len < 0 ? 0 : (size_t)len;
}

/* Checks the remote's payload against its static key rs; sets n->remote. */
static int read_payload(net_noise *n, const uint8_t *p, size_t len)
{
	wos_pb_reader r;
	wos_pb_field f;
	const uint8_t *key = NULL, *sig = NULL;
	size_t key_len = 0, sig_len = 0;
	int rc;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num == 1 && f.wire == WOS_PB_BYTES) key = f.bytes, key_len = f.len;
		if (f.num == 2 && f.wire == WOS_PB_BYTES) sig = f.bytes, sig_len = f.len;
		/* 4: extensions (an early muxer offer): ignored, we agree by multistream */
	}
	if (rc < 0) return fail(n, "noise: handshake payload is not a protobuf");
	uint8_t pk[32];
	if (!key || net_pubkey_decode(key, key_len, pk) != 0)
		return fail(n, "noise: the remote's identity key is missing or not Ed25519");
	if (!sig || sig_len != 64) return fail(n, "noise: the remote's identity signature is missing");
	uint8_t msg[sizeof SIG_PREFIX - 1 + 32];
	memcpy(msg, SIG_PREFIX, sizeof SIG_PREFIX - 1);
	memcpy(msg + sizeof SIG_PREFIX - 1, n->rs, 32);
	if (!net_pubkey_verify(pk, msg, sizeof msg, sig))
		return fail(n, "noise: the remote's static key signature does not verify");
	net_peerid_from_pubkey(&n->remote, pk);
	return 0;
}

static size_t frame_out(uint8_t *out, size_t body)
{
	out[0] = (uint8_t)(body >> 8);
	out[1] = (uint8_t)body;
	return body + 2;
}

size_t net_noise_start(net_noise *n, uint8_t out[NET_NOISE_HS_OUT_MAX])
{
	/* -> e (and an empty payload, hashed: no key yet) */
	uint8_t *b = out + 2;
	memcpy(b, n->e_pk, 32);
	mix_hash(n, n->e_pk, 32);
	size_t len = 32 + encrypt_and_hash(n, NULL, 0, b + 32);
	return frame_out(out, len);
}

/* One whole handshake message m (len bytes) arrived. */
static int handshake_message(net_noise *n, uint8_t *m, size_t len, uint8_t *out, size_t *out_len)
{
	uint8_t payload[NET_NOISE_FRAME_MAX];
	size_t plen;
	*out_len = 0;
	if (n->state == S_MSG1) {
		/* responder: <- e */
		if (len < 32) return fail(n, "noise: message 1 too short");
		memcpy(n->re, m, 32);
		mix_hash(n, n->re, 32);
		if (decrypt_and_hash(n, m + 32, len - 32, payload, &plen) != 0) return fail(n, "noise: message 1");
		/* -> e, ee, s, es, payload */
		uint8_t *b = out + 2, pl[256];
		memcpy(b, n->e_pk, 32);
		mix_hash(n, n->e_pk, 32);
		if (mix_key_dh(n, n->e_sk, n->re)) return NET_NOISE_ERR;
		size_t w = 32 + encrypt_and_hash(n, n->s_pk, 32, b + 32);
		if (mix_key_dh(n, n->s_sk, n->re)) return NET_NOISE_ERR;
		size_t pn = write_payload(n, pl, sizeof pl);
		w += encrypt_and_hash(n, pl, pn, b + w);
		*out_len = frame_out(out, w);
		n->state = S_MSG3;
		return NET_NOISE_MORE;
	}
	if (n->state == S_MSG2) {
		/* initiator: <- e, ee, s, es, payload */
		if (len < 32 + 48 + 16) return fail(n, "noise: message 2 too short");
		memcpy(n->re, m, 32);
		mix_hash(n, n->re, 32);
		if (mix_key_dh(n, n->e_sk, n->re)) return NET_NOISE_ERR;
		size_t sl;
		if (decrypt_and_hash(n, m + 32, 48, n->rs, &sl) != 0) return fail(n, "noise: message 2 static key does not decrypt");
		if (mix_key_dh(n, n->e_sk, n->rs)) return NET_NOISE_ERR;
		if (decrypt_and_hash(n, m + 80, len - 80, payload, &plen) != 0) return fail(n, "noise: message 2 payload does not decrypt");
		if (read_payload(n, payload, plen)) return NET_NOISE_ERR;
		/* -> s, se, payload */
		uint8_t *b = out + 2, pl[256];
		size_t w = encrypt_and_hash(n, n->s_pk, 32, b);
		if (mix_key_dh(n, n->s_sk, n->re)) return NET_NOISE_ERR;
		size_t pn = write_payload(n, pl, sizeof pl);
		w += encrypt_and_hash(n, pl, pn, b + w);
		*out_len = frame_out(out, w);
	} else if (n->state == S_MSG3) {
		/* responder: <- s, se, payload */
		if (len < 48 + 16) return fail(n, "noise: message 3 too short");
		size_t sl;
		if (decrypt_and_hash(n, m, 48, n->rs, &sl) != 0) return fail(n, "noise: message 3 static key does not decrypt");
		if (mix_key_dh(n, n->e_sk, n->rs)) return NET_NOISE_ERR;
		if (decrypt_and_hash(n, m + 48, len - 48, payload, &plen) != 0) return fail(n, "noise: message 3 payload does not decrypt");
		if (read_payload(n, payload, plen)) return NET_NOISE_ERR;
	} else {
		return fail(n, "noise: handshake message out of turn");
	}
	/* Split: the initiator sends with the first key */
	uint8_t k1[32], k2[32];
	hkdf2(n->ck, NULL, 0, k1, k2);
	memcpy(n->k_send, n->initiator ? k1 : k2, 32);
	memcpy(n->k_recv, n->initiator ? k2 : k1, 32);
	sodium_memzero(k1, 32);
	sodium_memzero(k2, 32);
	sodium_memzero(n->e_sk, 32);
	sodium_memzero(n->s_sk, 32);
	sodium_memzero(n->k, 32);
	n->state = S_OPEN;
	if (n->check_peer && !net_peerid_equal(&n->remote, &n->expected)) {
		n->state = S_FAILED;
		n->why = "noise: the remote is not the peer we dialled";
		return NET_NOISE_EPEER;
	}
	return NET_NOISE_DONE;
}

/* Gathers one frame; returns 1 when n->frame holds a whole one (length in 0..1). */
static int gather(net_noise *n, const uint8_t *in, size_t len, size_t *used)
{
	while (*used < len) {
		size_t want = n->flen < 2 ? 2 : 2 + (((size_t)n->frame[0] << 8) | n->frame[1]);
		size_t take = want - n->flen;
		if (take > len - *used) take = len - *used;
		memcpy(n->frame + n->flen, in + *used, take);
		n->flen += take;
		*used += take;
		if (n->flen >= 2 && n->flen == 2 + (((size_t)n->frame[0] << 8) | n->frame[1])) return 1;
	}
	return n->flen >= 2 && n->flen == 2 + (((size_t)n->frame[0] << 8) | n->frame[1]);
}

int net_noise_handshake(net_noise *n, const uint8_t *in, size_t len, size_t *used,
	uint8_t out[NET_NOISE_HS_OUT_MAX], size_t *out_len)
{
	*used = 0;
	*out_len = 0;
	if (n->state == S_FAILED) return NET_NOISE_ERR;
	if (n->state == S_OPEN) return NET_NOISE_DONE;
	if (!gather(n, in, len, used)) return NET_NOISE_MORE;
	size_t body = n->flen - 2;
	n->flen = 0;
	return handshake_message(n, n->frame + 2, body, out, out_len);
}

size_t net_noise_sealed_size(size_t len)
{
	size_t frames = len ? (len + NET_NOISE_PLAIN_MAX - 1) / NET_NOISE_PLAIN_MAX : 0;
	return len + frames * 18;
}

size_t net_noise_seal(net_noise *n, const uint8_t *p, size_t len, uint8_t *out)
{
	size_t w = 0;
	while (len) {
		size_t chunk = len < NET_NOISE_PLAIN_MAX ? len : NET_NOISE_PLAIN_MAX;
		uint8_t iv[12];
		unsigned long long cl;
		nonce(iv, n->n_send++);
		crypto_aead_chacha20poly1305_ietf_encrypt(out + w + 2, &cl, p, chunk, NULL, 0, NULL, iv, n->k_send);
		w += frame_out(out + w, (size_t)cl);
		p += chunk;
		len -= chunk;
	}
	return w;
}

int net_noise_open(net_noise *n, const uint8_t *in, size_t len, size_t *used, uint8_t *out, size_t *out_len)
{
	*used = 0;
	*out_len = 0;
	if (n->state != S_OPEN) return fail(n, "noise: the channel is not open");
	if (!gather(n, in, len, used)) return NET_NOISE_MORE;
	size_t body = n->flen - 2;
	n->flen = 0;
	uint8_t iv[12];
	unsigned long long ml;
	if (body < 16) return fail(n, "noise: transport frame shorter than its tag");
	nonce(iv, n->n_recv);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &ml, NULL, n->frame + 2, body, NULL, 0, iv, n->k_recv) != 0)
		return fail(n, "noise: transport frame does not authenticate");
	n->n_recv++;
	*out_len = (size_t)ml;
	return NET_NOISE_FRAME;
}

void net_noise_wipe(net_noise *n)
{
	sodium_memzero(n, offsetof(net_noise, frame));
}
