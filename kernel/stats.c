/* stats.c: counts over the kernel's objects, for kernel-debug and for tests.
 * Read-only: nothing here changes a process, a handler or a message. */
#include "internal.h"

void kern_stats_get(kern_state *k, kern_stats *s)
{
	__builtin_memset(s, 0, sizeof *s);
	for (kern_proc *p = k->procs; p; p = p->next) {
		s->processes++;
		if (p->state == KERN_PROC_DEAD) continue;
		s->live++;
		if (p->state == KERN_PROC_READY) s->ready++;
		else s->waiting++;
	}
	s->handlers = k->nhandlers;
	for (uint32_t i = 0; i < k->nhandlers; i++)
		if (k->handlers[i]->native) s->native_handlers++;
	s->messages_pending = k->table_count;
	for (kern_msg *m = k->waiting; m; m = m->next) s->messages_waiting++;
	s->messages_total = k->next_msg_id - 1;
	s->loads = kern_load_count(k);
}

void kern_handler_each(kern_state *k, void (*fn)(void *ud, const uint8_t *iface, uint64_t pid),
		       void *ud)
{
	for (uint32_t i = 0; i < k->nhandlers; i++) {
		const kern_handler *h = k->handlers[i];
		fn(ud, h->iface, h->proc ? h->proc->pid : 0);
	}
}
