/* sched.c: the scheduler: a round-robin queue of ready processes, each run for one
 * fuel slice per turn.
 *
 * A turn ends when the program finishes, traps, exhausts its slice (back of the
 * queue), or blocks in a host call (it waits until a notification or an answer wakes
 * it).  So a runaway loop costs others one slice, never the machine.
 */
#include "internal.h"

void kern_sched_enqueue(kern_state *k, kern_proc *p)
{
	if (p->in_ready || p->state == KERN_PROC_DEAD) return;
	p->in_ready = true;
	p->next_ready = NULL;
	if (k->ready_tail) k->ready_tail->next_ready = p;
	else k->ready_head = p;
	k->ready_tail = p;
}

void kern_sched_remove(kern_state *k, kern_proc *p)
{
	if (!p->in_ready) return;
	kern_proc *prev = NULL;
	for (kern_proc *q = k->ready_head; q; prev = q, q = q->next_ready) {
		if (q != p) continue;
		if (prev) prev->next_ready = q->next_ready;
		else k->ready_head = q->next_ready;
		if (k->ready_tail == q) k->ready_tail = prev;
		break;
	}
	p->in_ready = false;
	p->next_ready = NULL;
}

static kern_proc *dequeue(kern_state *k)
{
	kern_proc *p = k->ready_head;
	if (!p) return NULL;
	k->ready_head = p->next_ready;
	if (!k->ready_head) k->ready_tail = NULL;
	p->in_ready = false;
	p->next_ready = NULL;
	return p;
}

bool kern_has_ready(kern_state *k) { return k->ready_head != NULL; }

static void log_trap(kern_state *k, kern_proc *p)
{
	const eng_trap *tr = eng_thread_trap(p->thread);
	kern_logf(k, KERN_LOG_ERROR, "pid %llu (%.*s): trap: %s", (unsigned long long)p->pid,
		  (int)p->name_len, p->name, tr->msg);
	for (uint32_t i = 0; i < tr->depth; i++) {
		const eng_frame_info *f = &tr->frames[i];
		if (f->func_index == UINT32_MAX)
			kern_logf(k, KERN_LOG_ERROR, "  #%u  host %.*s", i, (int)f->name_len,
				  f->name ? f->name : "?");
		else
			kern_logf(k, KERN_LOG_ERROR, "  #%u  func[%u] %.*s", i, f->func_index,
				  (int)f->name_len, f->name ? f->name : "");
	}
}

/* Starts or continues p's thread; returns the engine's status. */
static int step(kern_state *k, kern_proc *p)
{
	eng_val results[KERN_MAX_RESULTS];
	switch (p->run) {
	case RUN_NEW:
		if (p->phase == PHASE_START) {
			eng_func *start = eng_instance_start(p->inst);
			if (start) {
				p->phase = PHASE_IN_START;
				return eng_call(p->thread, start, NULL, 0);
			}
			p->phase = PHASE_MAIN;
		}
		p->phase = PHASE_IN_MAIN;
		return eng_call(p->thread, p->entry, NULL, 0);
	case RUN_FUEL:
		return eng_resume(p->thread, NULL);
	default: /* RUN_BLOCKED */
		if (p->resume(k, p, results) != 0) return -1000; /* still blocked */
		p->wait_note = false;
		p->resume = NULL;
		return eng_resume(p->thread, results);
	}
}

static void turn(kern_state *k, kern_proc *p)
{
	int64_t slice = p->limits.fuel_slice;
	eng_thread_set_fuel(p->thread, slice);
	k->current = p;
	p->woken = false;
	uint64_t t0 = k->plat && k->plat->now_ns ? k->plat->now_ns(k->plat_ud) : 0;
	int rc = step(k, p);
	if (k->plat && k->plat->now_ns) p->cpu_ns += k->plat->now_ns(k->plat_ud) - t0;
	k->current = NULL;
	int64_t left = eng_thread_fuel(p->thread);
	if (left >= 0 && left <= slice) p->fuel_used += (uint64_t)(slice - left);

	if (p->kill_pending) {
		p->kill_pending = false;
		kern_proc_end(k, p, p->exit_code, p->kill_reason);
		return;
	}
	switch (rc) {
	case -1000:
		/* a finish that sent its next message may have its answer already */
		if (p->woken) kern_sched_enqueue(k, p);
		else p->state = KERN_PROC_WAITING;
		return;
	case ENG_DONE:
		if (p->phase == PHASE_IN_START) {
			p->phase = PHASE_MAIN;
			p->run = RUN_NEW;
			kern_sched_enqueue(k, p);
			return;
		}
		kern_proc_end(k, p, 0, NULL);
		return;
	case ENG_OUT_OF_FUEL:
		p->run = RUN_FUEL;
		kern_sched_enqueue(k, p);
		return;
	case ENG_SUSPENDED:
		p->run = RUN_BLOCKED;
		/* a host call that can finish at once woke it already (sched_yield, or a
		 * notification that arrived during the turn) */
		if (p->woken) kern_sched_enqueue(k, p);
		else p->state = KERN_PROC_WAITING;
		return;
	case ENG_TRAPPED:
		if (p->exiting) {
			kern_proc_end(k, p, p->exit_code, NULL);
			return;
		}
		log_trap(k, p);
		kern_proc_end(k, p, 134, "trap");
		return;
	default:
		kern_logf(k, KERN_LOG_ERROR, "pid %llu (%.*s): cannot run: engine error %d",
			  (unsigned long long)p->pid, (int)p->name_len, p->name, rc);
		kern_proc_end(k, p, 1, "engine error");
	}
}

/* One round: each process ready at the call gets one turn.  Those made ready during
 * the round (a spinning program requeued) wait for the next, so a platform gets to
 * its events between rounds even when a program never blocks. */
uint32_t kern_run_ready(kern_state *k)
{
	uint32_t turns = 0, round = 0;
	kern_proc *p;
	for (p = k->ready_head; p; p = p->next_ready) round++;
	while (round-- > 0 && (p = dequeue(k)) != NULL) {
		if (p->state == KERN_PROC_DEAD) continue;
		p->state = KERN_PROC_READY;
		turn(k, p);
		turns++;
	}
	return turns;
}
