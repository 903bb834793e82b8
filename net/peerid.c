/* peerid.c: peer ids, base58btc and the node's Ed25519 identity (see peerid.h). */
#define _GNU_SOURCE
#include "peerid.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base32.h"
#include "base58.h"

size_t net_base58_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	long len = wos_base58_encode(p, n, out, cap);
	return len < 0 ? 0 : (size_t)len;
}

long net_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t got;
	if (memchr(s, 0, len)) return -1;
	return wos_base58_decode(s, len, out, cap, &got) == 0 ? (long)got : -1;
}

void net_pubkey_encode(const uint8_t pk[32], uint8_t out[NET_PUBKEY_PB_LEN])
{
	/* KeyType Ed25519 (field 1 = 1), Data (field 2, 32 bytes): the deterministic
	 * encoding the spec asks for, always these 36 bytes */
	out[0] = 0x08;
	out[1] = 0x01;
	out[2] = 0x12;
	out[3] = 0x20;
	memcpy(out + 4, pk, 32);
}

int net_pubkey_decode(const uint8_t *p, size_t len, uint8_t pk[32])
{
	if (len != NET_PUBKEY_PB_LEN || p[0] != 0x08 || p[1] != 0x01 || p[2] != 0x12 || p[3] != 0x20)
		return -1;
	memcpy(pk, p + 4, 32);
	return 0;
}

void net_peerid_from_pubkey(net_peerid *id, const uint8_t pk[32])
{
	id->len = 2 + NET_PUBKEY_PB_LEN;
	id->b[0] = 0x00; /* identity multihash */
	id->b[1] = NET_PUBKEY_PB_LEN;
	net_pubkey_encode(pk, id->b + 2);
}

bool net_pubkey_verify(const uint8_t pk[32], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
	return crypto_sign_ed25519_verify_detached(sig, msg, len, pk) == 0;
}

int net_peerid_from_bytes(net_peerid *id, const uint8_t *p, size_t len)
{
	/* identity (0x00) of an inlined key up to 42 bytes, or sha2-256 (0x12, 32) */
	bool identity = len >= 2 && p[0] == 0x00 && p[1] <= 42 && (size_t)p[1] + 2 == len && p[1] > 0;
	bool sha = len == 34 && p[0] == 0x12 && p[1] == 0x20;
	if (!identity && !sha) return -1;
	id->len = (uint8_t)len;
	memcpy(id->b, p, len);
	return 0;
}

int net_peerid_parse(net_peerid *id, const char *text, size_t len)
{
	uint8_t b[64];
	if (len > 0 && text[0] == 'b') {
		/* CIDv1 libp2p-key: 01 72 <multihash> */
		size_t n;
		if (wos_base32_decode(text + 1, len - 1, b, sizeof b, &n) != 0) return -1;
		if (n < 3 || b[0] != 0x01 || b[1] != 0x72) return -1;
		return net_peerid_from_bytes(id, b + 2, n - 2);
	}
	long n = net_base58_decode(text, len, b, sizeof b);
	if (n < 0) return -1;
	return net_peerid_from_bytes(id, b, (size_t)n);
}

void net_peerid_format(const net_peerid *id, char out[NET_PEERID_TEXT_MAX])
{
	if (!net_base58_encode(id->b, id->len, out, NET_PEERID_TEXT_MAX)) out[0] = 0;
}

bool net_peerid_equal(const net_peerid *a, const net_peerid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

void net_identity_from_seed(net_identity *idn, const uint8_t seed[32])
{
	if (sodium_init() < 0) abort(); /* cannot happen: libsodium has no failure mode here */
	memcpy(idn->seed, seed, 32);
	crypto_sign_ed25519_seed_keypair(idn->pk, idn->sk, seed);
	net_peerid_from_pubkey(&idn->id, idn->pk);
}

void net_identity_sign(const net_identity *idn, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	crypto_sign_ed25519_detached(sig, NULL, msg, len, idn->sk);
}

/* mkdir -p of the folder of path. */
static int make_parent(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return -1;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) return 0;
	*slash = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int net_identity_load(net_identity *idn, const char *path, char *why, size_t why_len)
{
	uint8_t seed[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		uint8_t extra;
		ssize_t n = read(fd, seed, sizeof seed);
		ssize_t m = n == 32 ? read(fd, &extra, 1) : 0;
		close(fd);
		if (n != 32 || m != 0) {
			snprintf(why, why_len, "%s: not an identity (want exactly 32 bytes)", path);
			return -1;
		}
		net_identity_from_seed(idn, seed);
		sodium_memzero(seed, sizeof seed);
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (make_parent(path) != 0) {
		snprintf(why, why_len, "%s: cannot make its folder: %s", path, strerror(errno));
		return -1;
	}
	/* written whole to a temporary file, then renamed: never half an identity */
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	randombytes_buf(seed, sizeof seed);
	bool ok = write(fd, seed, sizeof seed) == (ssize_t)sizeof seed && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	net_identity_from_seed(idn, seed);
	sodium_memzero(seed, sizeof seed);
	return 0;
}
