/* loop.h: the SDK's event loop, the C form of futures.
 *
 * Included by programs that send messages and wait for answers, or handle interfaces.
 * A program starts work with wasmos_call (a message that wants an answer, and the
 * function to call with the answer), wasmos_serve (handle an interface: incoming
 * messages go to a function) and wasmos_after (a timer, through the `time` interface),
 * then calls wasmos_loop_run, which waits for notifications and calls those functions
 * until wasmos_loop_stop or until nothing is left to wait for.
 *
 * Errors: every function here returns 0 or a positive errno (wasi-libc's <errno.h>
 * values, which are WASI's, so strerror works): the handler's error answer (a u16
 * errno, docs/interfaces.md), the kernel's delivery statuses (denied: ENOTCAPABLE, no
 * handler: ENOSYS, too big: E2BIG, handler ended: EIO, as the kernel's WASI layer maps
 * them), or a failed emit (wasmos_errno_of).
 *
 * Memory: the loop grows one notification buffer (malloc) to the largest notification
 * seen.  A notification passed to a callback, and its body, are valid only during the
 * call: copy what must live longer.  Single-threaded, like every wasmos program.
 */
#ifndef WASMOS_SDK_LOOP_H
#define WASMOS_SDK_LOOP_H

#include <stdint.h>

#include "wasmos.h"

/* Interfaces one program can serve at once. */
#define WASMOS_MAX_SERVED 16

/* The answer to a wasmos_call arrived (or its delivery failed: see answer->status). */
typedef void (*wasmos_answer_fn)(void *ud, const wasmos_notification *answer);
/* A message arrived on a served interface.  Answer it with wasmos_answer, now or later
 * (keep msg->id; msg->id is 0 when the sender wants no answer). */
typedef void (*wasmos_message_fn)(void *ud, const wasmos_notification *msg);
/* A process that sent messages to this program's interfaces ended. */
typedef void (*wasmos_ended_fn)(void *ud, uint64_t pid);
/* A timer expired. */
typedef void (*wasmos_timer_fn)(void *ud);

/* ---- calls -------------------------------------------------------------------------- */

/* Sends body to iface wanting an answer; fn(ud, answer) is called from the loop exactly
 * once, unless the call is cancelled.  The body is copied before it returns. */
int wasmos_call(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len,
		wasmos_answer_fn fn, void *ud);
/* The same with a gathered body and emit flags (WOS_EMIT_WAIT_HANDLER: wait for a
 * handler to register rather than fail; WOS_EMIT_ANSWER is implied); *id (may be
 * NULL) receives the id for wasmos_cancel. */
int wasmos_callv(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
		 uint32_t flags, wasmos_answer_fn fn, void *ud, uint64_t *id);
/* Forgets call id: its function will not be called.  ENOENT when it already was. */
int wasmos_cancel(uint64_t id);
/* Sends body to iface, wanting no answer (nothing comes back, even on failure). */
int wasmos_send(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len);

/* Sends body to iface and waits for the answer.  On 0, *answer (when answer is not
 * NULL) is a malloc'd copy of the answer body, which the caller frees, and *len its
 * length; on an error they are NULL and 0.  While it waits, the loop dispatches every
 * other notification as wasmos_loop_run does, so callbacks may run inside it. */
int wasmos_call_sync(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len,
		     uint8_t **answer, uint32_t *answer_len);
/* The same with a gathered body and emit flags, as wasmos_callv. */
int wasmos_call_syncv(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
		      uint32_t flags, uint8_t **answer, uint32_t *answer_len);

/* ---- handling interfaces ------------------------------------------------------------ */

/* Registers this program as the handler of iface (the `interface` interface's
 * register, waited for) and routes its messages to fn(ud, msg); messages that were
 * waiting for a handler may reach fn before it returns.  EACCES: the program was not
 * granted iface; EEXIST: someone handles it; ENOSPC: WASMOS_MAX_SERVED. */
int wasmos_serve(const uint8_t iface[WASMOS_ID_SIZE], wasmos_message_fn fn, void *ud);
/* Stops handling iface (unregister, waited for). */
int wasmos_unserve(const uint8_t iface[WASMOS_ID_SIZE]);
/* Answers message id with body and status (WOS_STATUS_OK or WOS_STATUS_ERROR). */
int wasmos_answer(uint64_t id, const void *body, uint32_t len, uint32_t status);
/* Answers message id with status error and the u16 errno err as the body. */
int wasmos_answer_error(uint64_t id, int err);
/* fn(ud, pid) is called when a client of this program's interfaces ends (NULL: none). */
void wasmos_on_client_ended(wasmos_ended_fn fn, void *ud);

/* ---- time --------------------------------------------------------------------------- */

/* The monotonic clock (time.now), in nanoseconds; waits for the answer. */
int wasmos_now(uint64_t *ns);
/* Calls fn(ud) once the monotonic clock reaches deadline_ns (time.sleep_until); *id
 * (may be NULL) receives the id for wasmos_cancel. */
int wasmos_at(uint64_t deadline_ns, wasmos_timer_fn fn, void *ud, uint64_t *id);
/* Calls fn(ud) ns nanoseconds from now. */
int wasmos_after(uint64_t ns, wasmos_timer_fn fn, void *ud);

/* ---- the loop ----------------------------------------------------------------------- */

/* Waits for notifications and dispatches them until wasmos_loop_stop is called or no
 * call is outstanding and no interface is served.  Returns 0 or an errno. */
int wasmos_loop_run(void);
/* Makes wasmos_loop_run return after the current callback. */
void wasmos_loop_stop(void);
/* Dispatches one notification if one is queued, without waiting.  Returns 1 when it
 * dispatched one, 0 when none was queued, or -errno. */
int wasmos_loop_poll(void);

/* ---- errors ------------------------------------------------------------------------- */

/* The errno an answer stands for: 0 when its status is ok (see the top of this file). */
int wasmos_note_errno(const wasmos_notification *answer);
/* The errno for a negative WOS_E* code. */
int wasmos_errno_of(int wos_code);

#endif
