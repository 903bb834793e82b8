/* ping: sends PING_ROUNDS kv.get messages to whoever handles kv, each awaiting its
 * answer before the next: a round trip per message. */
#include "ipc_wasm.h"
#include "ifc_kv.h"

#define PING_ROUNDS 200000

static uint8_t note[256];

__attribute__((export_name("_start"))) void start(void)
{
	uint8_t body[32];
	ifc_kv_get m = { (const uint8_t *)"key", 3 };
	uint32_t iov[2] = { (uint32_t)(uintptr_t)body, ifc_kv_get_encode(&m, body, sizeof body) };
	for (int i = 0; i < PING_ROUNDS; i++) {
		uint64_t id;
		/* the first waits for pong to register */
		if (emit_message(ifc_kv_id, iov, 1, EMIT_ANSWER | EMIT_WAIT_HANDLER, &id) != 0) __builtin_trap();
		if (next_notification(&id, 1, note, sizeof note, NEXT_BLOCK) <= 0 || note[1] != 0) __builtin_trap();
	}
}
