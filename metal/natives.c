/* natives.c: the metal platform for the kernel core (kern_platform) and its first
 * native handlers: log (to serial), time (the TSC clock) and random (random.c: the
 * CPU's RDRAND or RDSEED; where the CPU has neither, TSC jitter, which is not
 * cryptographic, and the boot log says so).
 *
 * Every handler answers each message that wants an answer; garbage gets an error
 * answer with a u16 WASI errno, as on hosted.  sleep_until with a future deadline
 * is held in struct metal_sys's sleepers and answered by metal_natives_wake, which
 * the main loop calls each time the timer (timer.c) wakes the CPU.
 */
#include "metal.h"
#include "kernel.h"
#include "platform.h"

#include "ifc_log.h"
#include "ifc_time.h"
#include "ifc_random.h"

enum { ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_NOMEM = 48 };

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id)
		kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* ---- the platform ------------------------------------------------------------------ */

static void plat_log(void *ud, int level, const char *line, size_t len)
{
	(void)ud;
	(void)level;
	metal_serial_puts("wasmos: ");
	metal_serial_write(line, len);
	metal_serial_puts("\n");
}

static uint64_t plat_now(void *ud)
{
	(void)ud;
	return metal_clock_ns();
}

static void plat_proc_ended(void *ud, uint64_t pid, int code)
{
	struct metal_sys *s = ud;
	if (pid == s->main_pid) {
		s->main_done = 1;
		s->main_exit = code;
	}
}

const kern_platform metal_platform = { plat_log, plat_now, plat_proc_ended };

/* ---- log --------------------------------------------------------------------------- */

static void log_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_log_write m;
	if (ifc_log_write_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	/* One console: stdout, stderr and the log stream all go to serial. */
	metal_serial_write((const char *)m.text, m.text_len);
	if (d->id)
		kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
}

static const kern_native log_ops = { log_message, NULL };

/* ---- time -------------------------------------------------------------------------- */

static void answer_u64(kern_state *k, uint64_t id, uint64_t v)
{
	ifc_time_now_answer a = { .ns = v };
	uint8_t buf[8];
	uint32_t len = ifc_time_now_answer_encode(&a, buf, sizeof buf);
	kern_answer(k, id, buf, len, KERN_ANSWER_OK);
}

static void time_message(void *ud, kern_state *k, const kern_delivery *d)
{
	struct metal_sys *s = ud;
	if (!d->id)
		return;
	switch (ifc_time_tag(d->body, d->len)) {
	case IFC_TIME_NOW:
		answer_u64(k, d->id, metal_clock_ns());
		return;
	case IFC_TIME_RESOLUTION:
		answer_u64(k, d->id, 1000);   /* honest enough for a PIT-calibrated TSC */
		return;
	case IFC_TIME_SLEEP_UNTIL: {
		ifc_time_sleep_until m;
		if (ifc_time_sleep_until_decode(d->body, d->len, &m) != 0)
			break;
		if (m.deadline_ns <= metal_clock_ns())
			kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
		else if (s->nsleepers == METAL_SLEEPERS)
			answer_errno(k, d->id, ERRNO_NOMEM);   /* a fixed table: no allocation */
		else
			s->sleepers[s->nsleepers++] = (struct metal_sleeper){ d->id, m.deadline_ns };
		return;
	}
	}
	answer_errno(k, d->id, ERRNO_INVAL);
}

/* A sleeper whose process ended is still answered at its deadline: the kernel holds
 * the message until then (as on hosted) and drops the answer. */
static const kern_native time_ops = { time_message, NULL };

size_t metal_natives_wake(struct metal_sys *s)
{
	uint64_t now = metal_clock_ns();
	for (size_t i = 0; i < s->nsleepers;) {
		if (s->sleepers[i].deadline_ns <= now) {
			kern_answer(s->k, s->sleepers[i].id, NULL, 0, KERN_ANSWER_OK);
			s->sleepers[i] = s->sleepers[--s->nsleepers];
		} else {
			i++;
		}
	}
	return s->nsleepers;
}

/* ---- random ------------------------------------------------------------------------ */

static void random_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_random_get m;
	if (!d->id)
		return;
	/* The same 64 KiB bound as hosted: one answer, one heap block. */
	if (ifc_random_get_decode(d->body, d->len, &m) != 0 || m.len > (1u << 16)) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	size_t nb = m.len ? m.len : 1, cap = (size_t)m.len + 8;
	uint8_t *bytes = metal_heap_alloc(NULL, NULL, 0, nb);
	uint8_t *out = metal_heap_alloc(NULL, NULL, 0, cap);
	if (!bytes || !out || metal_random_fill(bytes, m.len) != 0) {
		answer_errno(k, d->id, ERRNO_IO);
	} else {
		ifc_random_get_answer a = { .bytes = bytes, .bytes_len = m.len };
		uint32_t len = ifc_random_get_answer_encode(&a, out, (uint32_t)cap);
		kern_answer(k, d->id, out, len, KERN_ANSWER_OK);
	}
	if (bytes)
		metal_heap_alloc(NULL, bytes, nb, 0);
	if (out)
		metal_heap_alloc(NULL, out, cap, 0);
}

static const kern_native random_ops = { random_message, NULL };

int metal_natives_init(struct metal_sys *s)
{
	if (kern_native_register(s->k, ifc_log_id, &log_ops, s) ||
	    kern_native_register(s->k, ifc_time_id, &time_ops, s) ||
	    kern_native_register(s->k, ifc_random_id, &random_ops, s))
		return -1;
	return 0;
}
