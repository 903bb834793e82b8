/* sha256.c: SHA-256 as FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3, 6.2) describes
 * it, written for clarity: one block at a time, big-endian words, no tables beyond K.
 *
 * Invariant: c->nbuf < 64 between calls; a full buffer is compressed at once.  The
 * message length is kept in bytes and turned into the 64-bit bit count when padding
 * (a message of 2^61 bytes or more is beyond SHA-256 and beyond any caller here).
 */
#include "sha256.h"

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes
 * (FIPS 180-4, 4.2.2). */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The first 32 bits of the fractional parts of the square roots of the first 8 primes
 * (FIPS 180-4, 5.3.3). */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* The functions of FIPS 180-4, 4.1.2. */
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

/* One block (FIPS 180-4, 6.2.2): the message schedule, 64 rounds, the addition. */
static void compress(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       (uint32_t)p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];

	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + BSIG1(e) + CH(e, f, g) + K[i] + w[i];
		t2 = BSIG0(a) + MAJ(a, b, c);
		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void wos_sha256_init(struct wos_sha256 *c)
{
	for (int i = 0; i < 8; i++)
		c->h[i] = H0[i];
	c->len = 0;
	c->nbuf = 0;
}

void wos_sha256_update(struct wos_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->len += len;
	/* Top up a partial block first; compress whole blocks straight from the input. */
	if (c->nbuf) {
		while (len && c->nbuf < WOS_SHA256_BLOCK) {
			c->buf[c->nbuf++] = *p++;
			len--;
		}
		if (c->nbuf < WOS_SHA256_BLOCK)
			return;
		compress(c->h, c->buf);
		c->nbuf = 0;
	}
	for (; len >= WOS_SHA256_BLOCK; p += WOS_SHA256_BLOCK, len -= WOS_SHA256_BLOCK)
		compress(c->h, p);
	while (len--)
		c->buf[c->nbuf++] = *p++;
}

void wos_sha256_final(struct wos_sha256 *c, uint8_t out[WOS_SHA256_SIZE])
{
	uint64_t bits = c->len * 8;
	int i;

	/* Padding (FIPS 180-4, 5.1.1): a 1 bit, zeros up to 56 bytes mod 64, then the
	 * length in bits as a 64-bit big-endian number. */
	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > WOS_SHA256_BLOCK - 8) {
		while (c->nbuf < WOS_SHA256_BLOCK)
			c->buf[c->nbuf++] = 0;
		compress(c->h, c->buf);
		c->nbuf = 0;
	}
	while (c->nbuf < WOS_SHA256_BLOCK - 8)
		c->buf[c->nbuf++] = 0;
	for (i = 0; i < 8; i++)
		c->buf[WOS_SHA256_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	compress(c->h, c->buf);
	c->nbuf = 0;

	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void wos_sha256(const void *data, size_t len, uint8_t out[WOS_SHA256_SIZE])
{
	struct wos_sha256 c;

	wos_sha256_init(&c);
	wos_sha256_update(&c, data, len);
	wos_sha256_final(&c, out);
}
