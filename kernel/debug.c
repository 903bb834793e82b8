/* debug.c: the native `kernel-debug` handler: reports on the kernel for people
 * (interfaces/kernel-debug.ifc).  Both platforms register it with
 * kern_debug_register.  The text's layout may change; programs that need numbers use
 * process.list.
 *
 *   processes(): one line per process: pid, state, memory, messages sent and
 *                received, fuel used, name, and the interfaces it handles.
 *   stats():     counts of processes, handlers and messages (kern_stats_get).
 */
#include "internal.h"

#include "fmt.h"
#include "size.h"
#include "ifc_all.h"
#include "ifc_kernel_debug.h"

enum { ERRNO_INVAL = 28, ERRNO_NOMEM = 48, ERRNO_NOSYS = 52 };

/* A growing text; on a failed allocation it stays as it was and `failed` is set. */
typedef struct text {
	kern_state *k;
	char *s;
	size_t len, cap;
	bool failed;
} text;

static void addf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = wos_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->failed) return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
		char *ns = kern_mem_alloc(t->k, cap);
		if (!ns) {
			t->failed = true;
			return;
		}
		if (t->len) __builtin_memcpy(ns, t->s, t->len);
		kern_mem_free(t->k, t->s, t->cap);
		t->s = ns;
		t->cap = cap;
	}
	va_start(ap, fmt);
	wos_vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_free(text *t)
{
	kern_mem_free(t->k, t->s, t->cap);
	t->s = NULL;
	t->len = t->cap = 0;
}

static const char *state_name(int state)
{
	switch (state) {
	case KERN_PROC_READY: return "ready";
	case KERN_PROC_WAITING: return "waiting";
	default: return "dead";
	}
}

/* The interfaces pid handles, appended with a leading space each. */
typedef struct handles_of {
	text *t;
	uint64_t pid;
} handles_of;

static void add_handled(void *ud, const uint8_t *iface, uint64_t pid)
{
	handles_of *h = ud;
	if (pid != h->pid) return;
	const ifc_all_info *info = ifc_all_by_id(iface);
	if (info) {
		addf(h->t, " %s", info->name);
	} else {
		addf(h->t, " ");
		for (int i = 0; i < 8; i++) addf(h->t, "%02x", iface[i]);
	}
}

static void process_line(void *ud, const kern_proc_info *info)
{
	text *t = ud;
	char mem[24];
	wos_size_text(mem, sizeof mem, info->memory_bytes);
	addf(t, "%5llu %-8s", (unsigned long long)info->pid, state_name(info->state));
	if (info->state == KERN_PROC_DEAD) addf(t, " %6d", info->exit_code);
	else addf(t, " %6s", "");
	addf(t, " %6s %8llu %8llu %12llu %s", mem, (unsigned long long)info->messages_sent,
	     (unsigned long long)info->messages_received, (unsigned long long)info->fuel_used, info->name);
	if (info->state != KERN_PROC_DEAD) {
		text handled = { .k = t->k };
		handles_of h = { &handled, info->pid };
		kern_handler_each(t->k, add_handled, &h);
		if (handled.failed) t->failed = true;
		else if (handled.len) addf(t, "  (handles%s)", handled.s);
		text_free(&handled);
	}
	addf(t, "\n");
}

static void natives_line(void *ud, const uint8_t *iface, uint64_t pid)
{
	handles_of h = { ud, 0 };
	if (pid == 0) add_handled(&h, iface, pid);
}

static void report_processes(text *t)
{
	addf(t, "%5s %-8s %6s %6s %8s %8s %12s %s\n", "PID", "STATE", "EXIT", "MEMORY", "SENT", "RECEIVED",
	     "FUEL", "NAME");
	kern_proc_each(t->k, process_line, t);
	addf(t, "native handlers:");
	kern_handler_each(t->k, natives_line, t);
	addf(t, "\n");
}

static void report_stats(text *t)
{
	kern_stats s;
	kern_stats_get(t->k, &s);
	addf(t, "processes: %u listed, %u live (%u ready, %u waiting), %u ended\n", s.processes, s.live, s.ready,
	     s.waiting, s.processes - s.live);
	addf(t, "interfaces handled: %u (%u native, %u by programs)\n", s.handlers, s.native_handlers,
	     s.handlers - s.native_handlers);
	addf(t, "messages: %llu sent in all, %u awaiting an answer, %u waiting for a handler\n",
	     (unsigned long long)s.messages_total, s.messages_pending, s.messages_waiting);
	addf(t, "loads by CID in progress: %u\n", s.loads);
}

static void debug_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	uint8_t e[2] = { 0, 0 };
	if (!d->id) return;
	text t = { .k = k };
	int tag = ifc_kernel_debug_tag(d->body, d->len);
	if (tag == IFC_KERNEL_DEBUG_PROCESSES && d->len == 1) {
		report_processes(&t);
	} else if (tag == IFC_KERNEL_DEBUG_STATS && d->len == 1) {
		report_stats(&t);
	} else {
		e[0] = tag < 0 && d->len ? ERRNO_NOSYS : ERRNO_INVAL;
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
		return;
	}
	/* both answers are (text: string): a u32 length, then the text */
	uint32_t n = 4 + (uint32_t)t.len;
	uint8_t *body = t.failed ? NULL : kern_mem_alloc(k, n);
	if (!body) {
		e[0] = ERRNO_NOMEM;
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
	} else {
		if (tag == IFC_KERNEL_DEBUG_PROCESSES) {
			ifc_kernel_debug_processes_answer a = { .text = (const uint8_t *)t.s, .text_len = (uint32_t)t.len };
			ifc_kernel_debug_processes_answer_encode(&a, body, n);
		} else {
			ifc_kernel_debug_stats_answer a = { .text = (const uint8_t *)t.s, .text_len = (uint32_t)t.len };
			ifc_kernel_debug_stats_answer_encode(&a, body, n);
		}
		kern_answer(k, d->id, body, n, KERN_ANSWER_OK);
	}
	kern_mem_free(k, body, n);
	text_free(&t);
}

static const kern_native debug_ops = { debug_message, NULL };

int kern_debug_register(kern_state *k)
{
	return kern_native_register(k, ifc_kernel_debug_id, &debug_ops, NULL);
}
