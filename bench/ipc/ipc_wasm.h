/* ipc_wasm.h: the four wasmos imports, declared for the ping-pong benchmark programs
 * (import-only, no libc, so the benchmark measures the kernel and nothing else). */
#ifndef WASMOS_BENCH_IPC_WASM_H
#define WASMOS_BENCH_IPC_WASM_H

#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("wasmos"), import_name(name)))
IMPORT("emit_message") int32_t emit_message(const uint8_t *iface, const uint32_t *iov, uint32_t n,
					  uint32_t flags, uint64_t *id);
IMPORT("emit_answer") int32_t emit_answer(const uint64_t *id, const uint32_t *iov, uint32_t n,
					uint32_t status);
IMPORT("next_notification") int32_t next_notification(const uint64_t *ids, uint32_t n, uint8_t *out,
						    uint32_t out_len, uint32_t flags);

enum { EMIT_ANSWER = 1, EMIT_WAIT_HANDLER = 2, NEXT_BLOCK = 1, NOTE_MESSAGE = 2 };

static inline uint64_t note_id(const uint8_t *n)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = v << 8 | n[8 + i];
	return v;
}

#endif
