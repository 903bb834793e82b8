/* peerid.h: libp2p peer ids and a node's Ed25519 identity.
 *
 * A peer id is the multihash of the peer's serialized public key (libp2p/specs
 * peer-ids): for Ed25519 the key serializes to the PublicKey protobuf `08 01 12 20
 * <32 bytes>` (36 bytes, short enough to be inlined), so the id is the identity
 * multihash `00 24 08 01 12 20 <pk>`, written in text as base58btc: "12D3KooW...".
 * Larger keys (RSA) are named by a sha2-256 multihash ("Qm..."); we parse and compare
 * those ids but cannot verify their keys (libsodium has no RSA).
 *
 * The identity of a node is an Ed25519 seed of 32 bytes; hosted nodes keep theirs in
 * $WASMOS_HOME/identity (net_identity_load).  Crypto from libsodium.  Included by net/.
 */
#ifndef WASMOS_NET_PEERID_H
#define WASMOS_NET_PEERID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_PEERID_MAX 48       /* bytes of the longest multihash we keep (inline keys) */
#define NET_PEERID_TEXT_MAX 72  /* base58btc of NET_PEERID_MAX bytes, and the NUL */
#define NET_PUBKEY_PB_LEN 36    /* an Ed25519 PublicKey protobuf */

/* A peer id: its multihash bytes. */
typedef struct net_peerid {
	uint8_t len;
	uint8_t b[NET_PEERID_MAX];
} net_peerid;

/* An Ed25519 key pair made from a seed. */
typedef struct net_identity {
	uint8_t seed[32];
	uint8_t pk[32];         /* public key */
	uint8_t sk[64];         /* libsodium's secret key (seed followed by pk) */
	net_peerid id;
} net_identity;

/* Makes the key pair and peer id of a seed. */
void net_identity_from_seed(net_identity *idn, const uint8_t seed[32]);
/* Loads the seed kept in file path, or makes a random one and writes it there (mode
 * 0600, the folder made if missing).  Returns 0, or -1 with a reason in why (a file
 * that is not exactly 32 bytes, or an I/O error). */
int net_identity_load(net_identity *idn, const char *path, char *why, size_t why_len);
/* Ed25519 signature of msg under idn. */
void net_identity_sign(const net_identity *idn, const uint8_t *msg, size_t len, uint8_t sig[64]);

/* The PublicKey protobuf of an Ed25519 key (36 bytes into out). */
void net_pubkey_encode(const uint8_t pk[32], uint8_t out[NET_PUBKEY_PB_LEN]);
/* Reads a PublicKey protobuf: 0 with the Ed25519 key in pk, or -1 when it is not a
 * well-formed Ed25519 key (other key types are -1 too: we cannot verify them). */
int net_pubkey_decode(const uint8_t *p, size_t len, uint8_t pk[32]);
/* The peer id of an Ed25519 public key. */
void net_peerid_from_pubkey(net_peerid *id, const uint8_t pk[32]);
/* Verifies an Ed25519 signature of msg by the key pk: true when valid. */
bool net_pubkey_verify(const uint8_t pk[32], const uint8_t *msg, size_t len, const uint8_t sig[64]);

/* Peer id from its multihash bytes: 0, or -1 when they are not an identity or
 * sha2-256 multihash of a sane length. */
int net_peerid_from_bytes(net_peerid *id, const uint8_t *p, size_t len);
/* Peer id from text: base58btc ("12D3KooW...", "Qm...") or a CIDv1 of codec
 * libp2p-key in base32 ("bafz..."); 0 or -1. */
int net_peerid_parse(net_peerid *id, const char *text, size_t len);
/* Writes the base58btc text of id and its NUL into out (NET_PEERID_TEXT_MAX bytes). */
void net_peerid_format(const net_peerid *id, char out[NET_PEERID_TEXT_MAX]);
bool net_peerid_equal(const net_peerid *a, const net_peerid *b);

/* base58btc (lib/base58.h) in the shapes peer ids use: encode n bytes into out (cap
 * bytes with the NUL); returns the length, or 0 when out is too small.  Decode:
 * returns the byte count, or -1 for a bad character or more than cap bytes. */
size_t net_base58_encode(const uint8_t *p, size_t n, char *out, size_t cap);
long net_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
