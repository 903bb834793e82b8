/* net_targets.h: the fuzz targets of the network parsers in net/ (net_targets.c),
 * shared by their libFuzzer wrappers (fuzz_http.c, ...) and the regression replay
 * (net_replay.c), so that a saved input replays exactly what the fuzzer ran.
 *
 * Each takes any bytes and returns 0, or 1 after printing to stderr which contract
 * broke (a result outside the parser's list, an error without a reason, a body past
 * its cap).  Crashes, hangs and sanitizer reports are the other failures.
 */
#ifndef WASMOS_TESTS_FUZZ_NET_TARGETS_H
#define WASMOS_TESTS_FUZZ_NET_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* http: the bytes as an HTTP response, fed in pieces whose sizes come from the
 * input, then the end of the connection; and as a gateway URL. */
int fuzz_http_one(const uint8_t *data, size_t len);

/* bitswap: the bytes as a bitswap message: decoded, taken in by a client that wants
 * a block from the sending peer, and served from a store of two blocks. */
int fuzz_bitswap_one(const uint8_t *data, size_t len);

/* kad: the bytes as a kad message: decoded, re-encoded and decoded again (the same
 * parts), its peers put in a routing table and fed to a lookup. */
int fuzz_kad_one(const uint8_t *data, size_t len);

/* libp2p (libp2p.c): the first byte picks the parser, the rest is what a hostile
 * remote sends: 0 multistream listener, 1 multistream dialer, 2 yamux session, 3 Noise
 * responder handshake, 4 Noise channel frames, 5 multiaddr bytes and text, 6 peer id
 * text, 7 a whole node fed raw bytes on an inbound connection, 8 a whole node after a
 * real Noise handshake, fed the bytes as plaintext after multistream /yamux/1.0.0 (so
 * they reach yamux, streams, multistream per stream, identify and ping). */
#define FUZZ_LIBP2P_PARSERS 9
int fuzz_libp2p_one(const uint8_t *data, size_t len);
/* The hand-made seed of parser `target` (its first byte is target) into out; its
 * length.  fuzz_libp2p_mutations runs the seed and `count` mutations of it (flipped,
 * cut and inserted bytes from a fixed generator: every run tests the same inputs);
 * 0, or 1 when one broke a contract (printed). */
size_t fuzz_libp2p_seed(int target, uint8_t out[4096]);
int fuzz_libp2p_mutations(int target, int count);

/* Every target above, for the replay. */
typedef struct fuzz_net_target {
	const char *name;
	int (*one)(const uint8_t *data, size_t len);
} fuzz_net_target;
extern const fuzz_net_target fuzz_net_targets[];
extern const size_t fuzz_net_ntargets;

#endif
