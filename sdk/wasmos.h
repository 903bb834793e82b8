/* wasmos.h: the program side of the wasmos ABI (docs/abi.md).
 *
 * Included by programs, and by the SDK's own loop.h.  It declares the four functions a
 * program imports from module `wasmos`, typed wrappers around them, the ABI's constants
 * and a parser for the 56-byte notification header.  Nothing here allocates.
 * The values below are the ABI's: they must match docs/abi.md and kernel/kernel.h.
 */
#ifndef WASMOS_SDK_WASMOS_H
#define WASMOS_SDK_WASMOS_H

#include <stdint.h>
#include "abi_calls.h"

/* Bytes of an interface id (SHA-256 of its definition). */
#define WASMOS_ID_SIZE 32
/* Bytes of the notification header; the body follows it. */
#define WASMOS_NOTE_HEADER 56
/* iovecs in one emit. */
#define WASMOS_MAX_IOVECS 64

/* emit_message flags. */
#define WOS_EMIT_ANSWER 1u        /* an answer is wanted; the id is written to id_out */
#define WOS_EMIT_WAIT_HANDLER 2u  /* keep the message until a handler registers */

/* next_notification flags. */
#define WOS_NEXT_BLOCK 1u         /* wait until a notification qualifies */

/* Notification kinds (header byte 0). */
enum {
	WOS_NOTE_ANSWER = 1,
	WOS_NOTE_MESSAGE = 2,
	WOS_NOTE_CLIENT_ENDED = 3,
};

/* Answer statuses (header byte 1), and the status argument of emit_answer (ok, error). */
enum {
	WOS_STATUS_OK = 0,
	WOS_STATUS_ERROR = 1,          /* the handler's own error; the body may say more */
	WOS_STATUS_DENIED = 2,         /* the sender may not emit to that interface */
	WOS_STATUS_NO_HANDLER = 3,
	WOS_STATUS_HANDLER_ENDED = 4,
	WOS_STATUS_TOO_BIG = 5,
};

/* Errors the four functions return (negative). */
enum {
	WOS_EFAULT = -1,      /* a pointer or length falls outside the program's memory */
	WOS_EINVAL = -2,      /* bad flags, too many iovecs */
	WOS_ENOENT = -3,      /* no such message id (or not this process's to answer) */
	WOS_EDENIED = -4,     /* may not emit to that interface (no answer wanted) */
	WOS_ENOHANDLER = -5,  /* no handler, no WOS_EMIT_WAIT_HANDLER (no answer wanted) */
	WOS_ETOOBIG = -6,     /* the body is larger than the message size limit */
	WOS_ELIMIT = -7,      /* too many outstanding messages, or the handler's queue is full */
};

/* One piece of a body; its layout is the ABI's {u32 ptr, u32 len}. */
typedef struct wasmos_iovec {
	const void *ptr;
	uint32_t len;
} wasmos_iovec;

_Static_assert(sizeof(wasmos_iovec) == 8, "wasmos_iovec must be the ABI's {u32, u32}");

/* ---- the imports, exactly as docs/abi.md gives them ------------------------------- */

/* One declaration per row of the kernel's own list (kernel/abi_calls.h). */
#define WASMOS_DECLARE_IMPORT(name, n, params)                                         \
	__attribute__((import_module("wasmos"), import_name(#name))) int32_t wasmos_import_##name params;
WASMOS_ABI_CALLS(WASMOS_DECLARE_IMPORT)
#undef WASMOS_DECLARE_IMPORT

/* ---- typed wrappers (syscalls.c) ---------------------------------------------------- */

/* Sends the concatenated iovecs to interface iface.  With WOS_EMIT_ANSWER, *id receives
 * the message id and exactly one answer will follow (delivery failures too).  Returns 0
 * or a WOS_E* code.  The body is copied before it returns. */
int wasmos_emit_message(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
			uint32_t flags, uint64_t *id);
/* Answers message id (received by this process) with status WOS_STATUS_OK or
 * WOS_STATUS_ERROR.  Returns 0 or a WOS_E* code (WOS_ENOENT: not ours to answer). */
int wasmos_emit_answer(uint64_t id, const wasmos_iovec *iov, uint32_t n, uint32_t status);
/* Takes the next qualifying notification into out (see docs/abi.md).  Returns its size
 * (header + body), 0 when none qualifies and WOS_NEXT_BLOCK is not set, or a WOS_E*
 * code.  A size above out_len means nothing was written: retry with that much room. */
int32_t wasmos_next_notification(const uint64_t *ids, uint32_t n, void *out, uint32_t out_len,
				 uint32_t flags);
/* Forgets the answer to message id.  Returns 0 or WOS_ENOENT. */
int wasmos_cancel_message(uint64_t id);

/* ---- notifications ------------------------------------------------------------------ */

/* A notification, parsed.  body points into the buffer that was parsed. */
typedef struct wasmos_notification {
	uint8_t kind;                    /* WOS_NOTE_* */
	uint8_t status;                  /* WOS_STATUS_* (answers) */
	uint32_t body_len;
	uint64_t id;                     /* answered id; id to answer with (0: none wanted) */
	uint8_t iface[WASMOS_ID_SIZE];   /* where the message went; zeros for client ended */
	uint64_t pid;                    /* sender; ended process; handler (0: the kernel) */
	const uint8_t *body;
} wasmos_notification;

/* Parses the len bytes next_notification wrote into buf.  Returns 0, or WOS_EINVAL
 * when len is shorter than the header plus the body length it announces. */
int wasmos_note_parse(const void *buf, uint32_t len, wasmos_notification *note);

/* ---- texts -------------------------------------------------------------------------- */

/* "denied", "no such message", ...: fixed strings for a WOS_E* code (0: "ok"). */
const char *wasmos_error_text(int code);
/* "ok", "error", "denied", "no handler", "handler ended", "too big". */
const char *wasmos_status_text(int status);

#endif
