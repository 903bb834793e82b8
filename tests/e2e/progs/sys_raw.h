/* sys_raw.h: what the system tests' programs share (sys_kvcheck.c, sys_proc.c): a
 * message out and its answer back through the raw wasmos calls, so each answer's
 * status and pid are seen as the kernel gave them, and a check that prints a line.
 * Everything is static: each program includes it once.
 */
#ifndef WASMOS_TESTS_SYS_RAW_H
#define WASMOS_TESTS_SYS_RAW_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmos.h"

static int failures;
/* The body being built, and the last notification. */
static uint8_t body[1024], buf[1 << 17];

/* Prints "what: ok" or "what: WRONG" and counts the wrong ones. */
static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	fflush(stdout);
	if (!ok) failures++;
}

/* Sends len bytes of body to iface, wanting an answer; returns the message id. */
static uint64_t send(const uint8_t *iface, uint32_t len, uint32_t flags)
{
	uint64_t id = 0;
	wasmos_iovec iov = { body, len };
	int e = wasmos_emit_message(iface, &iov, 1, WOS_EMIT_ANSWER | flags, &id);
	if (e) {
		printf("emit: %s\n", wasmos_error_text(e));
		exit(1);
	}
	return id;
}

/* Waits for the answer to id (it points into buf until the next call). */
static wasmos_notification answer(uint64_t id)
{
	wasmos_notification n;
	int32_t got = wasmos_next_notification(&id, 1, buf, sizeof buf, WOS_NEXT_BLOCK);
	if (got <= 0 || got > (int32_t)sizeof buf || wasmos_note_parse(buf, (uint32_t)got, &n) != 0) {
		printf("next_notification: %d\n", (int)got);
		exit(1);
	}
	return n;
}

/* Whether n is an error answer with WASI errno e. */
static int is_errno(const wasmos_notification *n, int e)
{
	return n->status == WOS_STATUS_ERROR && n->body_len == 2 && (n->body[0] | n->body[1] << 8) == e;
}

#endif
