/* noise.h: the libp2p Noise handshake (XX, 25519, ChaChaPoly, SHA256) and the secure
 * channel after it, initiator and responder, without I/O.
 *
 * Per libp2p/specs noise: every message, handshake and transport, is a u16 big-endian
 * length and at most 65535 bytes.  The handshake carries, encrypted, a
 * NoiseHandshakePayload {1: identity_key (PublicKey protobuf), 2: identity_sig}: the
 * Ed25519 signature of "noise-libp2p-static-key:" || the sender's static X25519 key.
 * We verify it, derive the remote's peer id from identity_key and, when we dialled a
 * known peer id, insist it is that one.  We send no extensions, so the muxer is then
 * agreed by multistream-select (a peer's early-muxer offer is ignored, as the spec
 * allows).  The prologue is empty (but still hashed).
 *
 *   initiator: net_noise_start -> msg 1;  input msg 2 -> msg 3, NET_NOISE_DONE
 *   responder: input msg 1 -> msg 2;      input msg 3 -> NET_NOISE_DONE
 * then net_noise_seal / net_noise_open for the transport frames.  Crypto from
 * libsodium.  Included by net/.
 */
#ifndef WASMOS_NET_NOISE_H
#define WASMOS_NET_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peerid.h"

#define NET_NOISE_FRAME_MAX 65535u                     /* bytes of one message after its length */
#define NET_NOISE_PLAIN_MAX (NET_NOISE_FRAME_MAX - 16) /* plaintext in one transport frame */
#define NET_NOISE_HS_OUT_MAX 512                       /* room for any handshake message we write */

enum {
	NET_NOISE_MORE = 0,  /* feed more bytes */
	NET_NOISE_DONE = 1,  /* handshake complete: the channel is open */
	NET_NOISE_FRAME = 2, /* net_noise_open: one plaintext frame is ready */
	NET_NOISE_ERR = -1,  /* broken: n->why says what; the connection must close */
	NET_NOISE_EPEER = -2 /* handshake fine, but the remote is not the peer we dialled */
};

typedef struct net_noise {
	bool initiator;
	uint8_t state;
	const net_identity *idn;       /* ours, borrowed: must outlive the channel */
	bool check_peer;
	net_peerid expected;           /* the peer we dialled (when check_peer) */
	net_peerid remote;             /* set once the handshake authenticated it */
	/* handshake state (Noise: h, ck, k, n; our keys and the remote's) */
	uint8_t h[32], ck[32], k[32];
	uint64_t n;
	bool has_k;
	uint8_t e_sk[32], e_pk[32], s_sk[32], s_pk[32], re[32], rs[32];
	/* the channel */
	uint8_t k_send[32], k_recv[32];
	uint64_t n_send, n_recv;
	/* one message being received: its length prefix and bytes */
	uint8_t frame[2 + NET_NOISE_FRAME_MAX];
	size_t flen;
	const char *why;
} net_noise;

/* Prepares a handshake with our identity idn; expected: the peer id we dialled, or
 * NULL (inbound: any authenticated peer).  net_noise is large (64 KiB): allocate it. */
void net_noise_init(net_noise *n, const net_identity *idn, bool initiator, const net_peerid *expected);
/* Initiator: writes message 1 (framed) to out, returns its length. */
size_t net_noise_start(net_noise *n, uint8_t out[NET_NOISE_HS_OUT_MAX]);
/* Takes handshake bytes (sets *used); may write the next handshake message to out
 * (*out_len, 0 when none).  Stops after NET_NOISE_DONE: later bytes are transport
 * frames for net_noise_open. */
int net_noise_handshake(net_noise *n, const uint8_t *in, size_t len, size_t *used,
	uint8_t out[NET_NOISE_HS_OUT_MAX], size_t *out_len);

/* Bytes net_noise_seal writes for len bytes of plaintext. */
size_t net_noise_sealed_size(size_t len);
/* Encrypts len bytes into frames (each at most NET_NOISE_PLAIN_MAX of plaintext)
 * written to out (net_noise_sealed_size(len) bytes); returns that size. */
size_t net_noise_seal(net_noise *n, const uint8_t *p, size_t len, uint8_t *out);
/* Takes transport bytes (sets *used) until one frame is whole, then decrypts it into
 * out (NET_NOISE_PLAIN_MAX bytes), sets *out_len and returns NET_NOISE_FRAME; returns
 * NET_NOISE_MORE when the input ended first, NET_NOISE_ERR when a frame does not
 * authenticate. */
int net_noise_open(net_noise *n, const uint8_t *in, size_t len, size_t *used, uint8_t *out, size_t *out_len);
/* Clears the keys. */
void net_noise_wipe(net_noise *n);

#endif
