/* loop.c: the event loop (loop.h).
 *
 * State: the calls awaiting answers (id -> function), the served interfaces (id ->
 * function), the client-ended function, and the notification buffer.  A call leaves
 * the table before its function runs, so the function may start new calls.
 *
 * Nesting: wasmos_call_sync dispatches notifications while it waits, possibly from
 * inside a callback.  The outer callback's notification still points into the shared
 * buffer, so a nested wait takes a buffer of its own and frees it when it returns.
 */
#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_interface.h"
#include "ifc_time.h"

/* First size of a notification buffer: a header and a small body. */
#define FIRST_BUF 4096u

typedef struct pending {
	uint64_t id;
	wasmos_answer_fn fn;
	void *ud;
} pending;

typedef struct served {
	uint8_t iface[WASMOS_ID_SIZE];
	wasmos_message_fn fn;
	void *ud;
} served;

static struct {
	pending *calls;
	uint32_t ncalls, calls_cap;
	served served[WASMOS_MAX_SERVED];
	uint32_t nserved;
	wasmos_ended_fn ended;
	void *ended_ud;
	uint8_t *buf;        /* the outermost wait's buffer, kept between waits */
	uint32_t buf_cap;
	bool buf_busy;       /* a callback is looking at buf */
	bool stop;
} L;

/* ---- errors ------------------------------------------------------------------------- */

int wasmos_errno_of(int wos_code)
{
	switch (wos_code) {
	case 0: return 0;
	case WOS_EFAULT: return EFAULT;
	case WOS_EINVAL: return EINVAL;
	case WOS_ENOENT: return ENOENT;
	case WOS_EDENIED: return ENOTCAPABLE;
	case WOS_ENOHANDLER: return ENOSYS;
	case WOS_ETOOBIG: return E2BIG;
	case WOS_ELIMIT: return EAGAIN;
	}
	return EIO;
}

int wasmos_note_errno(const wasmos_notification *a)
{
	switch (a->status) {
	case WOS_STATUS_OK: return 0;
	case WOS_STATUS_ERROR:
		if (a->body_len >= 2) {
			int e = a->body[0] | a->body[1] << 8;
			return e ? e : EIO;
		}
		return EIO;
	case WOS_STATUS_DENIED: return ENOTCAPABLE;
	case WOS_STATUS_NO_HANDLER: return ENOSYS;
	case WOS_STATUS_TOO_BIG: return E2BIG;
	}
	return EIO;
}

/* ---- calls -------------------------------------------------------------------------- */

/* Makes room for one more call, so that an emitted call always finds its place. */
static int reserve_call(void)
{
	if (L.ncalls < L.calls_cap) return 0;
	uint32_t ncap = L.calls_cap ? L.calls_cap * 2 : 16;
	pending *n = realloc(L.calls, ncap * sizeof *n);
	if (!n) return ENOMEM;
	L.calls = n;
	L.calls_cap = ncap;
	return 0;
}

/* Takes call id out of the table into *out; false when it is not there. */
static bool take_call(uint64_t id, pending *out)
{
	for (uint32_t i = 0; i < L.ncalls; i++) {
		if (L.calls[i].id == id) {
			*out = L.calls[i];
			L.calls[i] = L.calls[--L.ncalls];
			return true;
		}
	}
	return false;
}

int wasmos_callv(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
		 uint32_t flags, wasmos_answer_fn fn, void *ud, uint64_t *id)
{
	int e = reserve_call();
	if (e) return e;
	uint64_t mid = 0;
	int rc = wasmos_emit_message(iface, iov, n, flags | WOS_EMIT_ANSWER, &mid);
	if (rc) return wasmos_errno_of(rc);
	L.calls[L.ncalls++] = (pending){ mid, fn, ud };
	if (id) *id = mid;
	return 0;
}

int wasmos_call(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len,
		wasmos_answer_fn fn, void *ud)
{
	wasmos_iovec iov = { body, len };
	return wasmos_callv(iface, &iov, 1, 0, fn, ud, NULL);
}

int wasmos_cancel(uint64_t id)
{
	pending p;
	if (!take_call(id, &p)) return ENOENT;
	return wasmos_errno_of(wasmos_cancel_message(id));
}

int wasmos_send(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len)
{
	wasmos_iovec iov = { body, len };
	return wasmos_errno_of(wasmos_emit_message(iface, &iov, 1, 0, NULL));
}

/* ---- dispatching -------------------------------------------------------------------- */

static void dispatch(const wasmos_notification *note)
{
	switch (note->kind) {
	case WOS_NOTE_ANSWER: {
		pending p;
		if (take_call(note->id, &p)) p.fn(p.ud, note);
		return;
	}
	case WOS_NOTE_MESSAGE:
		for (uint32_t i = 0; i < L.nserved; i++) {
			if (!memcmp(L.served[i].iface, note->iface, WASMOS_ID_SIZE)) {
				L.served[i].fn(L.served[i].ud, note);
				return;
			}
		}
		/* Delivered just before an unserve: nobody here will answer it. */
		if (note->id) wasmos_answer_error(note->id, ENOSYS);
		return;
	case WOS_NOTE_CLIENT_ENDED:
		if (L.ended) L.ended(L.ended_ud, note->pid);
		return;
	}
}

/* Takes one notification (waiting when flags has WOS_NEXT_BLOCK) and dispatches it.
 * Returns 1, 0 when none was queued, or -errno. */
static int step(uint32_t flags)
{
	bool nested = L.buf_busy;
	uint8_t *buf = nested ? NULL : L.buf;
	uint32_t cap = nested ? 0 : L.buf_cap;
	int rc;
	if (!buf) {
		buf = malloc(FIRST_BUF);
		cap = buf ? FIRST_BUF : 0;
		if (!buf) return -ENOMEM;
	}
	if (!nested) L.buf_busy = true;
	int32_t size;
	for (;;) {
		size = wasmos_next_notification(NULL, 0, buf, cap, flags);
		if (size <= 0 || (uint32_t)size <= cap) break;
		/* Too small: the notification stays queued; grow to its size and ask again. */
		uint8_t *nbuf = realloc(buf, (uint32_t)size);
		if (!nbuf) {
			rc = -ENOMEM;
			goto out;
		}
		buf = nbuf;
		cap = (uint32_t)size;
	}
	if (size < 0) {
		rc = -wasmos_errno_of(size);
		goto out;
	}
	rc = 0;
	if (size > 0) {
		wasmos_notification note;
		if (wasmos_note_parse(buf, (uint32_t)size, &note) == 0) dispatch(&note);
		rc = 1;
	}
out:
	if (nested) {
		free(buf);
	} else {
		L.buf = buf;
		L.buf_cap = cap;
		L.buf_busy = false;
	}
	return rc;
}

int wasmos_loop_poll(void)
{
	return step(0);
}

int wasmos_loop_run(void)
{
	L.stop = false;
	while (!L.stop && (L.ncalls > 0 || L.nserved > 0)) {
		int rc = step(WOS_NEXT_BLOCK);
		if (rc < 0) return -rc;
	}
	L.stop = false;
	return 0;
}

void wasmos_loop_stop(void)
{
	L.stop = true;
}

/* ---- waiting for one answer --------------------------------------------------------- */

typedef struct sync_wait {
	bool done;
	int err;
	uint8_t *answer;
	uint32_t len;
	bool want_body;
} sync_wait;

static void on_sync_answer(void *ud, const wasmos_notification *a)
{
	sync_wait *w = ud;
	w->done = true;
	w->err = wasmos_note_errno(a);
	if (w->err || !w->want_body) return;
	/* malloc(0) may return NULL: keep one byte so an empty answer is not ENOMEM. */
	w->answer = malloc(a->body_len ? a->body_len : 1);
	if (!w->answer) {
		w->err = ENOMEM;
		return;
	}
	memcpy(w->answer, a->body, a->body_len);
	w->len = a->body_len;
}

int wasmos_call_syncv(const uint8_t iface[WASMOS_ID_SIZE], const wasmos_iovec *iov, uint32_t n,
		      uint32_t flags, uint8_t **answer, uint32_t *answer_len)
{
	sync_wait w = { .want_body = answer != NULL };
	if (answer) *answer = NULL;
	if (answer_len) *answer_len = 0;
	uint64_t id;
	int e = wasmos_callv(iface, iov, n, flags, on_sync_answer, &w, &id);
	if (e) return e;
	while (!w.done) {
		int rc = step(WOS_NEXT_BLOCK);
		if (rc < 0) {
			wasmos_cancel(id);
			return -rc;
		}
	}
	if (w.err) return w.err;
	if (answer) *answer = w.answer;
	if (answer_len) *answer_len = w.len;
	return 0;
}

int wasmos_call_sync(const uint8_t iface[WASMOS_ID_SIZE], const void *body, uint32_t len,
		     uint8_t **answer, uint32_t *answer_len)
{
	wasmos_iovec iov = { body, len };
	return wasmos_call_syncv(iface, &iov, 1, 0, answer, answer_len);
}

/* ---- serving ------------------------------------------------------------------------ */

/* register (unreg false) or unregister iface with the kernel's `interface` interface. */
static int registration(const uint8_t iface[WASMOS_ID_SIZE], bool unreg)
{
	uint8_t body[1 + WASMOS_ID_SIZE];
	uint32_t n;
	if (unreg) {
		ifc_interface_unregister m;
		memcpy(m.id, iface, WASMOS_ID_SIZE);
		n = ifc_interface_unregister_encode(&m, body, sizeof body);
	} else {
		ifc_interface_register m;
		memcpy(m.id, iface, WASMOS_ID_SIZE);
		n = ifc_interface_register_encode(&m, body, sizeof body);
	}
	return wasmos_call_sync(ifc_interface_id, body, n, NULL, NULL);
}

static bool drop_served(const uint8_t iface[WASMOS_ID_SIZE])
{
	for (uint32_t i = 0; i < L.nserved; i++) {
		if (!memcmp(L.served[i].iface, iface, WASMOS_ID_SIZE)) {
			L.served[i] = L.served[--L.nserved];
			return true;
		}
	}
	return false;
}

/* The route goes in before the register message: the kernel hands over messages that
 * were waiting for a handler as soon as it registers us, so they are queued before
 * the register's answer and dispatched while we wait for it. */
int wasmos_serve(const uint8_t iface[WASMOS_ID_SIZE], wasmos_message_fn fn, void *ud)
{
	if (L.nserved == WASMOS_MAX_SERVED) return ENOSPC;
	served *s = &L.served[L.nserved++];
	memcpy(s->iface, iface, WASMOS_ID_SIZE);
	s->fn = fn;
	s->ud = ud;
	int e = registration(iface, false);
	if (e) drop_served(iface);
	return e;
}

int wasmos_unserve(const uint8_t iface[WASMOS_ID_SIZE])
{
	if (!drop_served(iface)) return ENOENT;
	return registration(iface, true);
}

int wasmos_answer(uint64_t id, const void *body, uint32_t len, uint32_t status)
{
	wasmos_iovec iov = { body, len };
	return wasmos_errno_of(wasmos_emit_answer(id, &iov, 1, status));
}

int wasmos_answer_error(uint64_t id, int err)
{
	uint8_t body[2] = { (uint8_t)err, (uint8_t)(err >> 8) };
	return wasmos_answer(id, body, sizeof body, WOS_STATUS_ERROR);
}

void wasmos_on_client_ended(wasmos_ended_fn fn, void *ud)
{
	L.ended = fn;
	L.ended_ud = ud;
}

/* ---- time --------------------------------------------------------------------------- */

int wasmos_now(uint64_t *ns)
{
	uint8_t body[8];
	ifc_time_now m = { 0 };
	uint32_t n = ifc_time_now_encode(&m, body, sizeof body);
	uint8_t *ans;
	uint32_t len;
	int e = wasmos_call_sync(ifc_time_id, body, n, &ans, &len);
	if (e) return e;
	ifc_time_now_answer a;
	e = ifc_time_now_answer_decode(ans, len, &a) ? EINVAL : 0;
	free(ans);
	if (!e) *ns = a.ns;
	return e;
}

typedef struct timer {
	wasmos_timer_fn fn;
	void *ud;
	uint64_t delay;
} timer;

/* The timer fires on any answer: an error (which the default-granted clock should
 * never give) must not leave the program waiting for ever. */
static void on_deadline(void *ud, const wasmos_notification *a)
{
	(void)a;
	timer t = *(timer *)ud;
	free(ud);
	t.fn(t.ud);
}

static int sleep_until(uint64_t deadline, timer *t, uint64_t *id)
{
	uint8_t body[16];
	ifc_time_sleep_until m = { .deadline_ns = deadline };
	uint32_t n = ifc_time_sleep_until_encode(&m, body, sizeof body);
	wasmos_iovec iov = { body, n };
	return wasmos_callv(ifc_time_id, &iov, 1, 0, on_deadline, t, id);
}

int wasmos_at(uint64_t deadline_ns, wasmos_timer_fn fn, void *ud, uint64_t *id)
{
	timer *t = malloc(sizeof *t);
	if (!t) return ENOMEM;
	*t = (timer){ fn, ud, 0 };
	int e = sleep_until(deadline_ns, t, id);
	if (e) free(t);
	return e;
}

/* wasmos_after asks for the time, then sleeps until now + delay: two answers, no
 * waiting inside the caller. */
static void on_now(void *ud, const wasmos_notification *a)
{
	timer *t = ud;
	ifc_time_now_answer now = { 0 };
	if (a->status != WOS_STATUS_OK || ifc_time_now_answer_decode(a->body, a->body_len, &now) ||
	    sleep_until(now.ns + t->delay, t, NULL))
		on_deadline(t, a);
}

int wasmos_after(uint64_t ns, wasmos_timer_fn fn, void *ud)
{
	timer *t = malloc(sizeof *t);
	if (!t) return ENOMEM;
	*t = (timer){ fn, ud, ns };
	uint8_t body[8];
	ifc_time_now m = { 0 };
	uint32_t n = ifc_time_now_encode(&m, body, sizeof body);
	int e = wasmos_call(ifc_time_id, body, n, on_now, t);
	if (e) free(t);
	return e;
}
