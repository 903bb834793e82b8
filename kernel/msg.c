/* msg.c: messages, answers, the id table and notification queues.
 *
 * See internal.h for who owns a message at each step.  Every failure a program causes
 * is returned or answered, never a crash: ids are looked up, never trusted; a message
 * is answered at most once; an answer to a sender that ended or cancelled is dropped.
 */
#include "internal.h"

/* ---- the id table ------------------------------------------------------------------ */

static uint32_t slot_of(const kern_state *k, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (k->table_size - 1);
}

static int table_insert(kern_state *k, kern_msg *m)
{
	if (k->table_count + 1 > k->table_size / 2 * 3 / 2 || !k->table_size) {
		uint32_t nsize = k->table_size ? k->table_size * 2 : 64;
		kern_msg **nt = kern_mem_alloc(k, nsize * sizeof *nt);
		if (!nt) return KERN_ENOMEM;
		uint32_t old = k->table_size;
		kern_msg **ot = k->table;
		k->table = nt;
		k->table_size = nsize;
		for (uint32_t i = 0; i < old; i++) {
			for (kern_msg *e = ot[i], *next; e; e = next) {
				next = e->hnext;
				uint32_t s = slot_of(k, e->id);
				e->hnext = nt[s];
				nt[s] = e;
			}
		}
		kern_mem_free(k, ot, old * sizeof *ot);
	}
	uint32_t s = slot_of(k, m->id);
	m->hnext = k->table[s];
	k->table[s] = m;
	k->table_count++;
	return 0;
}

static kern_msg *table_find(kern_state *k, uint64_t id)
{
	if (!k->table_size) return NULL;
	for (kern_msg *e = k->table[slot_of(k, id)]; e; e = e->hnext)
		if (e->id == id) return e;
	return NULL;
}

static void table_remove(kern_state *k, kern_msg *m)
{
	kern_msg **pp = &k->table[slot_of(k, m->id)];
	while (*pp && *pp != m) pp = &(*pp)->hnext;
	if (*pp) {
		*pp = m->hnext;
		k->table_count--;
	}
}

static void msg_free(kern_state *k, kern_msg *m)
{
	kern_mem_free(k, m->answer_note, sizeof *m->answer_note);
	kern_mem_free(k, m->body, m->len);
	kern_mem_free(k, m, sizeof *m);
}

/* ---- notifications ----------------------------------------------------------------- */

void kern_note_free(kern_state *k, kern_note *n)
{
	if (n->kind != NOTE_MESSAGE) kern_mem_free(k, n->body, n->len);
	kern_mem_free(k, n, sizeof *n);
}

void kern_note_push(kern_state *k, kern_proc *p, kern_note *n)
{
	n->next = NULL;
	if (p->notes_tail) p->notes_tail->next = n;
	else p->notes = n;
	p->notes_tail = n;
	if (p->run == RUN_BLOCKED && p->wait_note && kern_note_qualifies(k, p, n))
		kern_proc_make_ready(k, p);
}

kern_note *kern_note_take(kern_state *k, kern_proc *p, kern_note_filter ok, void *ctx)
{
	kern_note *prev = NULL;
	for (kern_note *n = p->notes; n; prev = n, n = n->next) {
		if (!ok(k, p, n, ctx)) continue;
		if (prev) prev->next = n->next;
		else p->notes = n->next;
		if (p->notes_tail == n) p->notes_tail = prev;
		n->next = NULL;
		return n;
	}
	return NULL;
}

/* Gives the sender of m its answer: a notification, or the kernel's callback (for
 * WASI calls and the kernel's own requests).  Dropped when the sender is gone. */
static void answer_sender(kern_state *k, kern_msg *m, int status, const uint8_t *body, uint32_t len)
{
	if (m->sender_gone) return;
	kern_proc *s = m->sender ? kern_proc_find(k, m->sender) : NULL;
	if (m->sender && (!s || s->state == KERN_PROC_DEAD)) return;
	if (s && s->outstanding) s->outstanding--;
	if (m->on_answer) {
		m->on_answer(k, m->on_answer_ud, status, body, len);
		return;
	}
	if (!s) return;
	kern_note *n = m->answer_note;
	m->answer_note = NULL;
	if (!n) n = kern_mem_alloc(k, sizeof *n);
	uint8_t *copy = len ? kern_mem_alloc(k, len) : NULL;
	if (!n || (len && !copy)) {
		/* no room for the answer: the sender is told it failed, without the body */
		kern_mem_free(k, copy, len);
		if (!n) {
			kern_logf(k, KERN_LOG_ERROR, "pid %llu: answer to message %llu lost: out of memory",
				  (unsigned long long)s->pid, (unsigned long long)m->id);
			return;
		}
		status = KERN_ANSWER_ERROR;
		len = 0;
	}
	for (uint32_t i = 0; i < len; i++) copy[i] = body[i];
	n->kind = NOTE_ANSWER;
	n->status = (uint8_t)status;
	n->id = m->id;
	kern_id_copy(n->iface, m->iface);
	n->pid = m->handler && m->handler->proc ? m->handler->proc->pid : 0;
	n->body = copy;
	n->len = len;
	kern_note_push(k, s, n);
}

/* ---- delivery ---------------------------------------------------------------------- */

static void deliver(kern_state *k, kern_msg *m, kern_handler *h)
{
	m->handler = h;
	if (h->native) {
		m->state = MSG_HELD;
		kern_delivery d = { m->wants_answer ? m->id : 0, m->sender, m->iface, m->body, m->len };
		bool wants = m->wants_answer;
		/* the handler may answer (and so free m) inside this call */
		h->native->message(h->native_ud, k, &d);
		if (!wants) msg_free(k, m);
		return;
	}
	kern_note *n = kern_mem_alloc(k, sizeof *n);
	if (!n) {
		if (m->wants_answer) {
			table_remove(k, m);
			answer_sender(k, m, KERN_ANSWER_ERROR, NULL, 0);
		}
		msg_free(k, m);
		return;
	}
	m->state = MSG_QUEUED;
	h->queued++;
	n->kind = NOTE_MESSAGE;
	n->id = m->wants_answer ? m->id : 0;
	kern_id_copy(n->iface, m->iface);
	n->pid = m->sender;
	n->msg = m;
	n->body = m->body;
	n->len = m->len;
	h->proc->received++;
	kern_note_push(k, h->proc, n);
}

void kern_msg_taken(kern_state *k, kern_note *n)
{
	kern_msg *m = n->msg;
	if (m->handler && m->handler->queued) m->handler->queued--;
	if (m->wants_answer) m->state = MSG_HELD;
	else msg_free(k, m);
}

/* Fails a message at once: the sender gets an answer with `status`. */
static int fail_now(kern_state *k, kern_msg *m, int status, uint64_t *id_out)
{
	if (id_out) *id_out = m->id;
	answer_sender(k, m, status, NULL, 0);
	msg_free(k, m);
	return 0;
}

/* Messages waiting for a handler of iface. */
static uint32_t waiting_for(kern_state *k, const uint8_t *iface)
{
	uint32_t n = 0;
	for (kern_msg *m = k->waiting; m; m = m->next)
		if (kern_id_equal(m->iface, iface)) n++;
	return n;
}

int kern_msg_emit(kern_state *k, kern_proc *from, const uint8_t *iface, const uint8_t *body,
		  uint32_t len, uint32_t flags, kern_answer_fn on_answer, void *ud, uint64_t *id_out)
{
	const kern_limits *lim = from ? &from->limits : &k->limits;
	bool wants = (flags & KERN_EMIT_ANSWER) || on_answer;
	char hex[17];
	if (len > lim->max_message) return KERN_ETOOBIG;
	if (from && wants && from->outstanding >= lim->max_outstanding) return KERN_ELIMIT;
	kern_handler *h = kern_iface_handler(k, iface);
	bool denied = from && !kern_may_emit(k, from, iface);
	if (denied) {
		kern_id_hex(iface, hex);
		kern_logf(k, KERN_LOG_WARN, "pid %llu (%.*s): denied a message to interface %s",
			  (unsigned long long)from->pid, (int)from->name_len, from->name, hex);
		if (!wants) return KERN_EDENIED;
	} else if (!h && !(flags & KERN_EMIT_WAIT_HANDLER) && !wants) {
		return KERN_ENOHANDLER;
	}
	if (!denied && h && h->proc && h->queued >= h->proc->limits.max_queue) return KERN_ELIMIT;
	/* the wait list is the queue of a handler still to come: bounded the same */
	if (!denied && !h && (flags & KERN_EMIT_WAIT_HANDLER) && waiting_for(k, iface) >= k->limits.max_queue)
		return KERN_ELIMIT;

	kern_msg *m = kern_mem_alloc(k, sizeof *m);
	if (!m) return KERN_ENOMEM;
	if (len) {
		m->body = kern_mem_alloc(k, len);
		if (!m->body) {
			kern_mem_free(k, m, sizeof *m);
			return KERN_ENOMEM;
		}
		for (uint32_t i = 0; i < len; i++) m->body[i] = body[i];
	}
	m->len = len;
	if (from && wants && !on_answer) {
		m->answer_note = kern_mem_alloc(k, sizeof *m->answer_note);
		if (!m->answer_note) {
			msg_free(k, m);
			return KERN_ENOMEM;
		}
	}
	m->id = k->next_msg_id++;
	m->sender = from ? from->pid : 0;
	kern_id_copy(m->iface, iface);
	m->wants_answer = wants;
	m->on_answer = on_answer;
	m->on_answer_ud = ud;
	if (from) {
		from->sent++;
		if (wants) from->outstanding++;
	}
	if (denied) return fail_now(k, m, KERN_ANSWER_DENIED, id_out);
	if (!h && !(flags & KERN_EMIT_WAIT_HANDLER)) return fail_now(k, m, KERN_ANSWER_NO_HANDLER, id_out);
	/* only now is it a client of the interface: its handler is told when it ends */
	if (from && kern_idset_add(k, &from->contacted, iface) != 0) goto out_unsend;
	if (wants && table_insert(k, m) != 0) goto out_unsend;
	if (id_out) *id_out = wants ? m->id : 0;
	if (!h) {
		/* at the end: the handler gets them in the order they were sent */
		m->state = MSG_WAITING_HANDLER;
		kern_msg **pp = &k->waiting;
		while (*pp) pp = &(*pp)->next;
		*pp = m;
		return 0;
	}
	deliver(k, m, h);
	return 0;
out_unsend:
	if (from) {
		from->sent--;
		if (wants) from->outstanding--;
	}
	msg_free(k, m);
	return KERN_ENOMEM;
}

void kern_msg_deliver_waiting(kern_state *k, kern_handler *h)
{
	kern_msg **pp = &k->waiting;
	while (*pp) {
		kern_msg *m = *pp;
		if (!kern_id_equal(m->iface, h->iface)) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		m->next = NULL;
		deliver(k, m, h);
	}
}

/* ---- answers ------------------------------------------------------------------------ */

int kern_msg_answer_from(kern_state *k, kern_proc *from, uint64_t id, const uint8_t *body,
			 uint32_t len, int status)
{
	kern_msg *m = table_find(k, id);
	if (!m || m->state != MSG_HELD || !m->handler) return KERN_ENOENT;
	if (from ? m->handler->proc != from : !m->handler->native) return KERN_ENOENT;
	/* the kernel's own requests (a program for kern_spawn_cid) may bring more back */
	uint32_t max = k->limits.max_message;
	if (m->sender == 0 && max < KERN_MAX_PROGRAM) max = KERN_MAX_PROGRAM;
	if (len > max) return KERN_ETOOBIG;
	table_remove(k, m);
	answer_sender(k, m, status, body, len);
	msg_free(k, m);
	return 0;
}

int kern_answer(kern_state *k, uint64_t id, const void *body, uint32_t len, int status)
{
	return kern_msg_answer_from(k, NULL, id, body, len, status);
}

static bool is_answer_to(kern_state *k, kern_proc *p, const kern_note *n, void *ctx)
{
	(void)k;
	(void)p;
	return n->kind == NOTE_ANSWER && n->id == *(const uint64_t *)ctx;
}

/* The sender no longer wants m's answer: it is dropped when it comes. */
static void forget(kern_state *k, kern_proc *from, kern_msg *m)
{
	m->sender_gone = true;
	if (from->outstanding) from->outstanding--;
	if (m->state == MSG_WAITING_HANDLER) {
		for (kern_msg **pp = &k->waiting; *pp; pp = &(*pp)->next) {
			if (*pp == m) { *pp = m->next; break; }
		}
		table_remove(k, m);
		msg_free(k, m);
	}
}

void kern_msg_forget(kern_state *k, kern_proc *from, uint64_t id)
{
	kern_msg *m = table_find(k, id);
	if (m && m->sender == from->pid && !m->sender_gone) forget(k, from, m);
}

int kern_msg_cancel(kern_state *k, kern_proc *from, uint64_t id)
{
	kern_msg *m = table_find(k, id);
	if (m && m->sender == from->pid && !m->on_answer && !m->sender_gone) {
		forget(k, from, m);
		return 0;
	}
	/* already answered: drop the queued answer */
	kern_note *n = kern_note_take(k, from, is_answer_to, &id);
	if (!n) return KERN_ENOENT;
	kern_note_free(k, n);
	return 0;
}

/* ---- endings ------------------------------------------------------------------------ */

void kern_msg_handler_gone(kern_state *k, kern_handler *h)
{
	/* held messages: answered "handler ended" */
	for (uint32_t i = 0; i < k->table_size; i++) {
		kern_msg *m = k->table[i];
		while (m) {
			kern_msg *next = m->hnext;
			if (m->handler == h && m->state == MSG_HELD) {
				table_remove(k, m);
				answer_sender(k, m, KERN_ANSWER_HANDLER_ENDED, NULL, 0);
				msg_free(k, m);
			}
			m = next;
		}
	}
	/* queued messages: in the handler process's notes */
	if (h->proc) {
		kern_note **pp = &h->proc->notes;
		while (*pp) {
			kern_note *n = *pp;
			if (n->kind == NOTE_MESSAGE && n->msg->handler == h) {
				*pp = n->next;
				kern_msg *m = n->msg;
				if (m->wants_answer) {
					table_remove(k, m);
					answer_sender(k, m, KERN_ANSWER_HANDLER_ENDED, NULL, 0);
				}
				msg_free(k, m);
				kern_mem_free(k, n, sizeof *n);
				continue;
			}
			pp = &n->next;
		}
		h->proc->notes_tail = NULL;
		for (kern_note *n = h->proc->notes; n; n = n->next) h->proc->notes_tail = n;
	}
	h->queued = 0;
}

void kern_msg_sender_gone(kern_state *k, kern_proc *p)
{
	for (uint32_t i = 0; i < k->table_size; i++)
		for (kern_msg *m = k->table[i]; m; m = m->hnext)
			if (m->sender == p->pid) m->sender_gone = true;
	/* a waiting request goes with its sender, as a cancelled one does; a message that
	 * wants no answer is all its sender meant, and stays for the handler to come */
	kern_msg **pp = &k->waiting;
	while (*pp) {
		kern_msg *m = *pp;
		if (m->sender == p->pid && m->wants_answer) {
			*pp = m->next;
			table_remove(k, m);
			msg_free(k, m);
			continue;
		}
		pp = &m->next;
	}
}

void kern_msg_free_all(kern_state *k)
{
	while (k->waiting) {
		kern_msg *m = k->waiting;
		k->waiting = m->next;
		if (m->wants_answer) table_remove(k, m);
		msg_free(k, m);
	}
	for (uint32_t i = 0; i < k->table_size; i++) {
		while (k->table[i]) {
			kern_msg *m = k->table[i];
			k->table[i] = m->hnext;
			msg_free(k, m);
		}
	}
	k->table_count = 0;
}
