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

/* Every target above, for the replay. */
typedef struct fuzz_net_target {
	const char *name;
	int (*one)(const uint8_t *data, size_t len);
} fuzz_net_target;
extern const fuzz_net_target fuzz_net_targets[];
extern const size_t fuzz_net_ntargets;

#endif
