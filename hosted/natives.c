/* natives.c: the hosted platform and the basic native handlers (log, time,
 * system-time, random, stdin).  See natives.h.
 *
 * Every handler decodes with the generated decoders and answers every message it
 * takes, with an error answer (body: a u16 WASI errno) when the body is garbage.
 */
#define _GNU_SOURCE
#include "natives.h"
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ifc_log.h"
#include "ifc_random.h"
#include "ifc_stdin.h"
#include "ifc_system_time.h"
#include "ifc_time.h"
#include "tcp.h"
#include "files.h"
#include "control.h"

enum { ERRNO_INVAL = 28, ERRNO_IO = 29 };

/* The unfinished output line of one process on one stream.  Output is line-buffered
 * per process, so two programs' lines never mix; a partial line (a prompt) goes out
 * after LOG_PARTIAL_NS without more output, and the rest of its line follows it. */
typedef struct line_buf {
	struct hosted_natives *n;
	uint64_t pid;
	int stream;
	char *buf;
	size_t len;
	uint64_t timer;           /* the partial line's flush, or 0 */
	bool continued;           /* its start went out already (no prefix again) */
	struct line_buf *next;
} line_buf;

#define LOG_PARTIAL_NS 20000000ull

/* A stdin read waiting for input. */
typedef struct stdin_req {
	uint64_t id;
	uint32_t max;
	struct stdin_req *next;
} stdin_req;

typedef struct sleeper sleeper;

typedef struct hosted_natives {
	hosted_sys *sys;
	sleeper *sleepers;        /* sleep_until waiting for its timer */
	line_buf *lines;
	stdin_req *reads, *reads_tail;
	stdin_req *readies;       /* stdin.ready: answered when a read would not wait */
	bool stdin_eof, stdin_watched;
} hosted_natives;

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id) kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* ---- the platform ------------------------------------------------------------------ */

static void plat_log(void *ud, int level, const char *line, size_t len)
{
	hosted_sys *s = ud;
	if (level == KERN_LOG_INFO && s->quiet_kernel) return;
	fprintf(stderr, "wasmos: %.*s\n", (int)len, line);
}

static uint64_t plat_now(void *ud)
{
	(void)ud;
	return hosted_now_ns();
}

static void plat_proc_ended(void *ud, uint64_t pid, int code)
{
	hosted_sys *s = ud;
	if (pid == s->main_pid) {
		s->main_done = true;
		s->main_exit = code;
	}
}

static const kern_platform hosted_platform = { plat_log, plat_now, plat_proc_ended };

/* ---- log --------------------------------------------------------------------------- */

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return;
		c += w;
		n -= (size_t)w;
	}
}

static line_buf *line_of(hosted_natives *n, uint64_t pid, int stream)
{
	for (line_buf *b = n->lines; b; b = b->next)
		if (b->pid == pid && b->stream == stream) return b;
	line_buf *b = calloc(1, sizeof *b);
	if (!b) return NULL;
	b->n = n;
	b->pid = pid;
	b->stream = stream;
	b->next = n->lines;
	n->lines = b;
	return b;
}

static void emit_line(hosted_natives *n, int fd, uint64_t pid, const char *text, size_t len,
		      bool continued)
{
	if (n->sys->prefix && !continued) {
		char head[96];
		kern_proc_info info;
		const char *name = "?";
		if (kern_proc_get(n->sys->k, pid, &info) == 0) name = info.name;
		int h = snprintf(head, sizeof head, "[%llu %s] ", (unsigned long long)pid, name);
		write_all(fd, head, (size_t)h);
	}
	write_all(fd, text, len);
}

/* A partial line waited long enough: out it goes. */
static void flush_partial(void *ud, uint64_t timer)
{
	(void)timer;
	line_buf *b = ud;
	b->timer = 0;
	if (!b->len) return;
	emit_line(b->n, b->stream == 1 ? 1 : 2, b->pid, b->buf, b->len, b->continued);
	b->continued = true;
	b->len = 0;
}

static void log_write(hosted_natives *n, uint64_t pid, int stream, const uint8_t *text, uint32_t len)
{
	int fd = stream == 1 ? 1 : 2;
	line_buf *b = line_of(n, pid, stream);
	char *nb = b ? realloc(b->buf, b->len + len) : NULL;
	if (!nb) {
		/* no room to buffer: out as it came, rather than lost */
		emit_line(n, fd, pid, (const char *)text, len, b && b->continued);
		return;
	}
	memcpy(nb + b->len, text, len);
	b->buf = nb;
	b->len += len;
	size_t start = 0;
	for (size_t i = 0; i < b->len; i++) {
		if (b->buf[i] != '\n') continue;
		emit_line(n, fd, pid, b->buf + start, i + 1 - start, b->continued);
		b->continued = false;
		start = i + 1;
	}
	memmove(b->buf, b->buf + start, b->len - start);
	b->len -= start;
	if (b->len && !b->timer)
		b->timer = hosted_loop_timer(n->sys->loop, hosted_now_ns() + LOG_PARTIAL_NS, flush_partial, b);
	if (!b->len && b->timer) {
		hosted_loop_cancel(n->sys->loop, b->timer);
		b->timer = 0;
	}
}

static void log_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_natives *n = ud;
	ifc_log_write m;
	if (ifc_log_write_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	if (m.stream == 0) {
		fprintf(stderr, "wasmos: log: pid %llu: %.*s%s", (unsigned long long)d->sender,
			(int)m.text_len, (const char *)m.text,
			m.text_len && m.text[m.text_len - 1] == '\n' ? "" : "\n");
	} else {
		log_write(n, d->sender, m.stream, m.text, m.text_len);
	}
	if (d->id) kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
}

/* A process ended: its unfinished lines go out as they are. */
static void log_client_ended(void *ud, kern_state *k, uint64_t pid)
{
	(void)k;
	hosted_natives *n = ud;
	for (line_buf **pp = &n->lines; *pp;) {
		line_buf *b = *pp;
		if (b->pid != pid) {
			pp = &b->next;
			continue;
		}
		if (b->len) {
			emit_line(n, b->stream == 1 ? 1 : 2, pid, b->buf, b->len, b->continued);
			/* prefixed, the next line must start on its own line */
			if (n->sys->prefix) write_all(b->stream == 1 ? 1 : 2, "\n", 1);
		}
		if (b->timer) hosted_loop_cancel(n->sys->loop, b->timer);
		*pp = b->next;
		free(b->buf);
		free(b);
	}
}

static const kern_native log_ops = { log_message, log_client_ended };

/* ---- time and system-time ------------------------------------------------------------ */

static void answer_u64(kern_state *k, uint64_t id, uint64_t v)
{
	ifc_time_now_answer a = { .ns = v };
	uint8_t buf[8];
	uint32_t len = ifc_time_now_answer_encode(&a, buf, sizeof buf);
	kern_answer(k, id, buf, len, KERN_ANSWER_OK);
}

struct sleeper {
	hosted_natives *n;
	uint64_t id;
	sleeper *next;
};

static void sleep_done(void *ud, uint64_t timer)
{
	(void)timer;
	sleeper *s = ud;
	for (sleeper **pp = &s->n->sleepers; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	kern_answer(s->n->sys->k, s->id, NULL, 0, KERN_ANSWER_OK);
	free(s);
}

static void time_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_natives *n = ud;
	if (!d->id) return; /* every time message wants its answer */
	switch (ifc_time_tag(d->body, d->len)) {
	case IFC_TIME_NOW:
		answer_u64(k, d->id, hosted_now_ns());
		return;
	case IFC_TIME_RESOLUTION: {
		struct timespec ts;
		clock_getres(CLOCK_MONOTONIC, &ts);
		answer_u64(k, d->id, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
		return;
	}
	case IFC_TIME_SLEEP_UNTIL: {
		ifc_time_sleep_until m;
		if (ifc_time_sleep_until_decode(d->body, d->len, &m) != 0) break;
		if (m.deadline_ns <= hosted_now_ns()) {
			kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
			return;
		}
		sleeper *s = malloc(sizeof *s);
		if (!s || !hosted_loop_timer(n->sys->loop, m.deadline_ns, sleep_done, s)) {
			free(s);
			answer_errno(k, d->id, 48);
			return;
		}
		s->n = n;
		s->id = d->id;
		s->next = n->sleepers;
		n->sleepers = s;
		return;
	}
	}
	answer_errno(k, d->id, ERRNO_INVAL);
}

static const kern_native time_ops = { time_message, NULL };

static void system_time_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	if (!d->id) return;
	struct timespec ts;
	switch (ifc_system_time_tag(d->body, d->len)) {
	case IFC_SYSTEM_TIME_NOW:
		clock_gettime(CLOCK_REALTIME, &ts);
		answer_u64(k, d->id, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
		return;
	case IFC_SYSTEM_TIME_RESOLUTION:
		clock_getres(CLOCK_REALTIME, &ts);
		answer_u64(k, d->id, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
		return;
	}
	answer_errno(k, d->id, ERRNO_INVAL);
}

static const kern_native system_time_ops = { system_time_message, NULL };

/* ---- random ---------------------------------------------------------------------------- */

static void random_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_random_get m;
	if (!d->id) return;
	if (ifc_random_get_decode(d->body, d->len, &m) != 0 || m.len > (1u << 16)) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	uint8_t *bytes = malloc(m.len ? m.len : 1);
	uint32_t cap = m.len + 8;
	uint8_t *out = malloc(cap);
	size_t got = 0;
	while (bytes && got < m.len) {
		ssize_t r = getrandom(bytes + got, m.len - got, 0);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) break;
		got += (size_t)r;
	}
	if (!bytes || !out || got < m.len) {
		answer_errno(k, d->id, ERRNO_IO);
	} else {
		ifc_random_get_answer a = { .bytes = bytes, .bytes_len = m.len };
		uint32_t len = ifc_random_get_answer_encode(&a, out, cap);
		kern_answer(k, d->id, out, len, KERN_ANSWER_OK);
	}
	free(bytes);
	free(out);
}

static const kern_native random_ops = { random_message, NULL };

/* ---- stdin ----------------------------------------------------------------------------- */

static void stdin_ready(void *ud, int fd, uint32_t events);

static void stdin_answer_reads(hosted_natives *n, const uint8_t *data, uint32_t len)
{
	kern_state *k = n->sys->k;
	stdin_req *r = n->reads;
	if (!r) return;
	n->reads = r->next;
	if (!n->reads) n->reads_tail = NULL;
	uint32_t cap = len + 8;
	uint8_t *out = malloc(cap);
	if (!out) {
		answer_errno(k, r->id, 48);
	} else {
		ifc_stdin_read_answer a = { .data = data, .data_len = len };
		uint32_t l = ifc_stdin_read_answer_encode(&a, out, cap);
		kern_answer(k, r->id, out, l, KERN_ANSWER_OK);
	}
	free(out);
	free(r);
}

/* Answers every stdin.ready: a read would not wait now. */
static void stdin_answer_readies(hosted_natives *n)
{
	while (n->readies) {
		stdin_req *r = n->readies;
		n->readies = r->next;
		kern_answer(n->sys->k, r->id, NULL, 0, KERN_ANSWER_OK);
		free(r);
	}
}

static void stdin_update_watch(hosted_natives *n)
{
	bool want = (n->reads || n->readies) && !n->stdin_eof;
	if (want && !n->stdin_watched) {
		if (hosted_loop_watch(n->sys->loop, 0, EPOLLIN, stdin_ready, n) == 0) {
			n->stdin_watched = true;
		} else {
			/* a regular file or /dev/null cannot be polled: it is always ready */
			stdin_answer_readies(n);
			while (n->reads) stdin_ready(n, 0, EPOLLIN);
		}
	} else if (!want && n->stdin_watched) {
		hosted_loop_unwatch(n->sys->loop, 0);
		n->stdin_watched = false;
	}
}

static void stdin_ready(void *ud, int fd, uint32_t events)
{
	(void)events;
	hosted_natives *n = ud;
	stdin_answer_readies(n);
	if (!n->reads) {
		stdin_update_watch(n);
		return;
	}
	if (!n->reads) return;
	uint32_t max = n->reads->max ? n->reads->max : 1;
	if (max > 65536) max = 65536;
	uint8_t *buf = malloc(max);
	if (!buf) return;
	ssize_t r;
	do {
		r = read(fd, buf, max);
	} while (r < 0 && errno == EINTR);
	if (r <= 0) {
		n->stdin_eof = true;
		while (n->reads) stdin_answer_reads(n, NULL, 0);
	} else {
		stdin_answer_reads(n, buf, (uint32_t)r);
	}
	free(buf);
	stdin_update_watch(n);
}

static void stdin_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_natives *n = ud;
	ifc_stdin_read m;
	if (!d->id) return;
	if (ifc_stdin_tag(d->body, d->len) == IFC_STDIN_READY) {
		stdin_req *r = calloc(1, sizeof *r);
		if (!r) {
			answer_errno(k, d->id, 48);
			return;
		}
		r->id = d->id;
		r->next = n->readies;
		n->readies = r;
		if (n->stdin_eof) stdin_answer_readies(n);
		else stdin_update_watch(n);
		return;
	}
	if (ifc_stdin_read_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	stdin_req *r = calloc(1, sizeof *r);
	if (!r) {
		answer_errno(k, d->id, 48);
		return;
	}
	r->id = d->id;
	r->max = m.max;
	if (n->reads_tail) n->reads_tail->next = r;
	else n->reads = r;
	n->reads_tail = r;
	if (n->stdin_eof) {
		while (n->reads) stdin_answer_reads(n, NULL, 0);
		return;
	}
	stdin_update_watch(n);
}

static const kern_native stdin_ops = { stdin_message, NULL };

/* ---- the system ------------------------------------------------------------------------ */

static void *libc_alloc(void *ud, void *ptr, size_t old, size_t n)
{
	(void)ud;
	(void)old;
	if (n == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, n);
}

const eng_alloc hosted_alloc = { libc_alloc, NULL };

int hosted_sys_init(hosted_sys *s, const kern_limits *limits)
{
	s->n = calloc(1, sizeof *s->n);
	s->loop = hosted_loop_new();
	if (!s->n || !s->loop) return -1;
	s->n->sys = s;
	kern_config cfg = { .alloc = hosted_alloc, .plat = &hosted_platform, .plat_ud = s };
	if (limits) cfg.limits = *limits;
	s->k = kern_new(&cfg);
	if (!s->k) return -1;
	if (kern_native_register(s->k, ifc_log_id, &log_ops, s->n) ||
	    kern_native_register(s->k, ifc_time_id, &time_ops, s->n) ||
	    kern_native_register(s->k, ifc_system_time_id, &system_time_ops, s->n) ||
	    kern_native_register(s->k, ifc_random_id, &random_ops, s->n) ||
	    kern_native_register(s->k, ifc_stdin_id, &stdin_ops, s->n))
		return -1;
	s->tcp = hosted_tcp_new(s->k, s->loop, limits ? limits->max_message : 0);
	if (!s->tcp) return -1;
	if (hosted_files_init(s)) return -1;
	/* system control: registered, but in nobody's default grant */
	if (hosted_loader_init(s) || kern_process_register(s->k, &hosted_program_reader) ||
	    kern_debug_register(s->k))
		return -1;
	return 0;
}

void hosted_sys_free(hosted_sys *s)
{
	kern_free(s->k);
	hosted_tcp_free(s->tcp); /* after kern_free: its clients are gone */
	s->tcp = NULL;
	hosted_files_free(s); /* after kern_free: its clients are gone */
	hosted_loader_free(s);
	hosted_loop_free(s->loop);
	if (s->n) {
		while (s->n->lines) {
			line_buf *b = s->n->lines;
			s->n->lines = b->next;
			free(b->buf);
			free(b);
		}
		while (s->n->sleepers) {
			sleeper *z = s->n->sleepers;
			s->n->sleepers = z->next;
			free(z);
		}
		while (s->n->readies) {
			stdin_req *r = s->n->readies;
			s->n->readies = r->next;
			free(r);
		}
		while (s->n->reads) {
			stdin_req *r = s->n->reads;
			s->n->reads = r->next;
			free(r);
		}
		free(s->n);
	}
	s->k = NULL;
	s->loop = NULL;
	s->n = NULL;
}
