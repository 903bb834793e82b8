/* pong: handles the kv interface and answers every message at once, empty. */
#include "ipc_wasm.h"
#include "ifc_interface.h"
#include "ifc_kv.h"

static uint8_t note[256];

__attribute__((export_name("_start"))) void start(void)
{
	uint8_t body[64];
	ifc_interface_register reg;
	for (int i = 0; i < 32; i++) reg.id[i] = ifc_kv_id[i];
	uint32_t iov[2] = { (uint32_t)(uintptr_t)body, ifc_interface_register_encode(&reg, body, sizeof body) };
	uint64_t id;
	if (emit_message(ifc_interface_id, iov, 1, EMIT_ANSWER, &id) != 0) __builtin_trap();
	if (next_notification(&id, 1, note, sizeof note, NEXT_BLOCK) <= 0 || note[1] != 0) __builtin_trap();
	for (;;) {
		int32_t n = next_notification(0, 0, note, sizeof note, NEXT_BLOCK);
		if (n <= 0) __builtin_trap();
		if (note[0] != NOTE_MESSAGE) continue;
		uint64_t mid = note_id(note);
		emit_answer(&mid, 0, 0, 0);
	}
}
