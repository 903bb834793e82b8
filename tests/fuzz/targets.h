/* targets.h: the logic of the fuzz targets, shared by the libFuzzer wrappers
 * (fuzz_load.c, fuzz_run.c, fuzz_ipfs.c) and the regression replay (replay.c), so
 * that a saved input replays exactly what the fuzzer ran.
 *
 * Each function takes any bytes and returns 0, or 1 after printing to stderr which
 * engine contract broke (a wrong size told to the allocator, a leak, an error not
 * filled in).  Crashes, hangs and sanitizer reports are the other failures.
 */
#ifndef WASMOS_TESTS_FUZZ_TARGETS_H
#define WASMOS_TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* One pass of a target with the allocator refusing its fail_at-th call (0: none)
 * and, if for_good, every call after it.  *calls (may be NULL) gets the number of
 * allocation calls made.
 *
 * load: eng_module_load on the bytes, then a walk of the imports and exports.
 * run: load; instantiate with generated imports (host functions that return, trap
 * or suspend in turn; fresh memories, tables and globals) and small limits; run
 * the start function and every exported function with zero arguments under fuel. */
int fuzz_load_pass(const uint8_t *data, size_t len, unsigned long fail_at, int for_good,
		   unsigned long *calls);
int fuzz_run_pass(const uint8_t *data, size_t len, unsigned long fail_at, int for_good,
		  unsigned long *calls);

/* What the fuzzers run: a pass that counts the allocations, then one that refuses
 * one of them, chosen (with for_good) by a hash of the input. */
int fuzz_load_one(const uint8_t *data, size_t len);
int fuzz_run_one(const uint8_t *data, size_t len);

/* ipfs.c: the content formats of lib/ (protobuf, CAR, dag-pb, UnixFS, CIDs) on the
 * bytes, with their round trips checked.  Allocates nothing. */
int fuzz_ipfs_one(const uint8_t *data, size_t len);

#endif
