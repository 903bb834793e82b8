/* denied: emits to an interface it was not granted (`process`, which must be granted
 * explicitly) and prints what it got: without an answer wanted, emit_message itself
 * fails with WOS_EDENIED; with one, emit succeeds and the answer has status denied.
 * The program must never hang on a denied message.
 *
 *   emit without answer: -4 (denied)
 *   answer status: 2 (denied)
 */
#include <stdint.h>

#include "check.h"
#include "ifc_process.h"
#include "wasmos.h"

int main(void)
{
	uint8_t body[8];
	ifc_process_list m = { 0 };
	uint32_t n = ifc_process_list_encode(&m, body, sizeof body);
	wasmos_iovec iov = { body, n };

	int rc = wasmos_emit_message(ifc_process_id, &iov, 1, 0, NULL);
	printf("emit without answer: %d (%s)\n", rc, wasmos_error_text(rc));
	CHECK("emit without answer is denied", rc == WOS_EDENIED, "got %d", rc);

	uint64_t id = 0;
	rc = wasmos_emit_message(ifc_process_id, &iov, 1, WOS_EMIT_ANSWER, &id);
	CHECK("emit with answer succeeds", rc == 0, "got %d (%s)", rc, wasmos_error_text(rc));
	if (rc == 0) {
		static uint8_t buf[WASMOS_NOTE_HEADER + 256];
		int32_t size = wasmos_next_notification(&id, 1, buf, sizeof buf, WOS_NEXT_BLOCK);
		wasmos_notification note;
		int ok = size > 0 && (uint32_t)size <= sizeof buf &&
			 wasmos_note_parse(buf, (uint32_t)size, &note) == 0;
		CHECK("answer arrives", ok && note.kind == WOS_NOTE_ANSWER && note.id == id,
		      "size %d", (int)size);
		if (ok) {
			printf("answer status: %d (%s)\n", note.status, wasmos_status_text(note.status));
			CHECK("answer status is denied", note.status == WOS_STATUS_DENIED, "status %d",
			      note.status);
		}
	}
	return CHECK_DONE();
}
