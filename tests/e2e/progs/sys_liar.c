/* sys_liar: a `loader` that lies: whatever CID it is asked for, it answers with the
 * bytes of one fixed module (an empty Wasm module with an export "main").  The kernel
 * must refuse them, naming the CID asked for and the CID of these bytes
 * (tests/e2e/system_test.sh).  It prints "liar: serving loader" once it handles the
 * interface; it needs the grant to handle loader.
 */
#include <stdio.h>
#include <string.h>

#include "ifc_loader.h"
#include "loop.h"

/* (module (func (export "main"))): its CID is bafkrei... of these 34 bytes. */
static const uint8_t OTHER[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
	0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x04,
	0x01, 0x02, 0x00, 0x0b,
};

static void on_get(void *ud, const wasmos_notification *msg)
{
	(void)ud;
	ifc_loader_get_answer a = { .bytes = OTHER, .bytes_len = sizeof OTHER };
	uint8_t body[64];
	uint32_t n = ifc_loader_get_answer_encode(&a, body, sizeof body);
	printf("liar: asked for %.*s\n", (int)(msg->body_len > 5 ? msg->body_len - 5 : 0),
	       (const char *)msg->body + 5);
	fflush(stdout);
	if (msg->id) wasmos_answer(msg->id, body, n, WOS_STATUS_OK);
}

int main(void)
{
	int e = wasmos_serve(ifc_loader_id, on_get, NULL);
	if (e) {
		printf("liar: cannot handle loader: %s\n", strerror(e));
		return 1;
	}
	printf("liar: serving loader\n");
	fflush(stdout);
	return wasmos_loop_run() ? 1 : 0;
}
