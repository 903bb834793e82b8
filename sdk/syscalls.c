/* syscalls.c: typed wrappers over the four `wasmos` imports, the notification parser
 * and the texts of the ABI's codes.  The imports take pointers where C callers would
 * rather pass values (the message id); the wrappers bridge that, nothing more. */
#include "wasmos.h"

#include <string.h>

int wasmos_emit_message(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
			uint32_t flags, uint64_t *id)
{
	return wasmos_import_emit_message(iface, iov, n, flags, id);
}

int wasmos_emit_answer(uint64_t id, const wasmos_iovec *iov, uint32_t n, uint32_t status)
{
	return wasmos_import_emit_answer(&id, iov, n, status);
}

int32_t wasmos_next_notification(const uint64_t *ids, uint32_t n, void *out, uint32_t out_len,
				 uint32_t flags)
{
	return wasmos_import_next_notification(ids, n, out, out_len, flags);
}

int wasmos_cancel_message(uint64_t id)
{
	return wasmos_import_cancel_message(&id);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int wasmos_note_parse(const void *buf, uint32_t len, wasmos_notification *note)
{
	const uint8_t *b = buf;
	if (len < WASMOS_NOTE_HEADER) return WOS_EINVAL;
	note->kind = b[0];
	note->status = b[1];
	note->body_len = get32(b + 4);
	note->id = get64(b + 8);
	memcpy(note->iface, b + 16, WASMOS_ID_SIZE);
	note->pid = get64(b + 48);
	note->body = b + WASMOS_NOTE_HEADER;
	if (note->body_len > len - WASMOS_NOTE_HEADER) return WOS_EINVAL;
	return 0;
}

const char *wasmos_error_text(int code)
{
	switch (code) {
	case 0: return "ok";
	case WOS_EFAULT: return "bad address";
	case WOS_EINVAL: return "invalid argument";
	case WOS_ENOENT: return "no such message";
	case WOS_EDENIED: return "denied";
	case WOS_ENOHANDLER: return "no handler";
	case WOS_ETOOBIG: return "too big";
	case WOS_ELIMIT: return "limit reached";
	}
	return "unknown error";
}

const char *wasmos_status_text(int status)
{
	switch (status) {
	case WOS_STATUS_OK: return "ok";
	case WOS_STATUS_ERROR: return "error";
	case WOS_STATUS_DENIED: return "denied";
	case WOS_STATUS_NO_HANDLER: return "no handler";
	case WOS_STATUS_HANDLER_ENDED: return "handler ended";
	case WOS_STATUS_TOO_BIG: return "too big";
	}
	return "unknown status";
}
