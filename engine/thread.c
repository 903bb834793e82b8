/* thread.c: threads, calls into the engine, resumption, host calls and traps.
 *
 * A thread owns a growable array of 8-byte slots (the Wasm value stack) and an
 * array of frame records (the Wasm call stack).  eng_call sets up the outermost
 * frame and enters exec.c; eng_resume re-enters after fuel ran out or a host
 * function suspended.  States: IDLE -> RUNNING -> IDLE (done, trapped) or
 * OUT_OF_FUEL / SUSPENDED -> RUNNING again by eng_resume.
 */
#include "runtime.h"
#include "code.h"
#include "defaults.h"

eng_thread *eng_thread_new(eng_store *s, const eng_limits *limits)
{
	eng_thread *t = eng_mem_alloc(&s->alloc, sizeof *t);
	if (!t) return NULL;
	t->store = s;
	t->alloc = s->alloc;
	t->limits = s->limits;
	if (limits) {
		if (limits->max_call_depth) t->limits.max_call_depth = limits->max_call_depth;
		if (limits->max_stack_slots) t->limits.max_stack_slots = limits->max_stack_slots;
	}
	t->max_frames = t->limits.max_call_depth;
	t->frames_cap = ENG_INITIAL_FRAMES < t->max_frames ? ENG_INITIAL_FRAMES : t->max_frames;
	t->frames = eng_mem_alloc(&t->alloc, (size_t)t->frames_cap * sizeof *t->frames);
	t->nslots = ENG_INITIAL_STACK_SLOTS < t->limits.max_stack_slots ? ENG_INITIAL_STACK_SLOTS
									 : t->limits.max_stack_slots;
	t->slots = eng_mem_alloc(&t->alloc, (size_t)t->nslots * sizeof *t->slots);
	if (!t->frames || !t->slots) {
		eng_thread_free(t);
		return NULL;
	}
	t->fuel = INT64_MAX;
	t->state = THREAD_IDLE;
	return t;
}

void eng_thread_free(eng_thread *t)
{
	if (!t) return;
	eng_mem_free(&t->alloc, t->frames, (size_t)t->frames_cap * sizeof *t->frames);
	eng_mem_free(&t->alloc, t->slots, (size_t)t->nslots * sizeof *t->slots);
	if (t->big_results) eng_mem_free(&t->alloc, t->big_results, t->nresults * sizeof(eng_val));
	eng_mem_free(&t->alloc, t, sizeof *t);
}

bool eng_thread_grow_slots(eng_thread *t, uint64_t need)
{
	if (need > t->limits.max_stack_slots) return false;
	uint64_t n = t->nslots;
	while (n < need) n *= 2;
	if (n > t->limits.max_stack_slots) n = t->limits.max_stack_slots;
	eng_slot *s = eng_mem_realloc(&t->alloc, t->slots, (size_t)t->nslots * sizeof *s,
				      (size_t)n * sizeof *s);
	if (!s) return false;
	t->slots = s;
	t->nslots = (uint32_t)n;
	return true;
}

bool eng_thread_grow_frames(eng_thread *t)
{
	if (t->frames_cap >= t->max_frames) return false;
	uint64_t n = (uint64_t)t->frames_cap * 2;
	if (n > t->max_frames) n = t->max_frames;
	eng_frame *f = eng_mem_realloc(&t->alloc, t->frames, (size_t)t->frames_cap * sizeof *f,
				       (size_t)n * sizeof *f);
	if (!f) return false;
	t->frames = f;
	t->frames_cap = (uint32_t)n;
	return true;
}

void eng_thread_set_fuel(eng_thread *t, int64_t fuel)
{
	t->fuel_enabled = fuel >= 0;
	t->fuel = fuel >= 0 ? fuel : INT64_MAX;
}

int64_t eng_thread_fuel(const eng_thread *t) { return t->fuel_enabled ? t->fuel : -1; }

eng_instance *eng_thread_caller(eng_thread *t) { return t->caller; }

const eng_trap *eng_thread_trap(const eng_thread *t) { return &t->trap; }

static void copy_text(char *dst, const char *src)
{
	size_t i = 0;
	for (; src[i] && i < ENG_ERROR_MSG_MAX - 1; i++) dst[i] = src[i];
	dst[i] = 0;
}

void eng_thread_set_trap_msg(eng_thread *t, const char *msg) { copy_text(t->trap.msg, msg); }

static void frame_info(eng_frame_info *fi, const eng_func *f)
{
	fi->func = f;
	fi->func_index = f->host ? UINT32_MAX : f->index;
	fi->name = eng_func_name(f, &fi->name_len);
}

int eng_thread_trap_at(eng_thread *t, int reason, const char *msg)
{
	eng_trap *tr = &t->trap;
	tr->reason = reason;
	if (msg) copy_text(tr->msg, msg);
	else if (reason != ENG_TRAP_HOST || !tr->msg[0]) copy_text(tr->msg, eng_trap_text(reason));
	tr->depth = 0;
	if (reason == ENG_TRAP_HOST && t->host_func) frame_info(&tr->frames[tr->depth++], t->host_func);
	for (uint32_t i = t->nframes; i-- > 0 && tr->depth < ENG_BACKTRACE_MAX;)
		frame_info(&tr->frames[tr->depth++], t->frames[i].func);
	t->nframes = 0;
	t->host_func = NULL;
	t->state = THREAD_IDLE;
	return ENG_TRAPPED;
}

/* Host calls: arguments from slots[base..], results back to the same place. */
int eng_thread_call_host(eng_thread *t, eng_func *f, uint32_t base)
{
	const eng_functype *ty = f->type;
	eng_val args[ENG_HOST_MAX_VALUES], results[ENG_HOST_MAX_VALUES];
	uint32_t slot = base;
	for (uint32_t i = 0; i < ty->nparams; i++) {
		eng_slot_to_val(ty->params[i], &t->slots[slot], &args[i]);
		slot++;
	}
	t->trap.msg[0] = 0;
	t->host_func = f;
	int rc = f->host(f->host_ud, t, args, results);
	if (rc == ENG_HOST_OK) {
		t->host_func = NULL;
		slot = base;
		for (uint32_t i = 0; i < ty->nresults; i++) eng_val_to_slot(ty->results[i], &results[i], &t->slots[slot++]);
	}
	return rc;
}

static eng_val *result_buf(eng_thread *t, uint32_t n)
{
	if (t->big_results) {
		eng_mem_free(&t->alloc, t->big_results, t->nresults * sizeof(eng_val));
		t->big_results = NULL;
	}
	t->nresults = n;
	if (n <= 16) return t->results;
	t->big_results = eng_mem_alloc(&t->alloc, n * sizeof(eng_val));
	if (!t->big_results) t->nresults = 0;
	return t->big_results;
}

/* After exec returns: collect results, settle the state. */
static int finish(eng_thread *t, int rc)
{
	if (rc == ENG_DONE) {
		const eng_functype *ty = t->entry->type;
		eng_val *out = result_buf(t, ty->nresults);
		if (!out) return eng_thread_trap_at(t, ENG_TRAP_STACK_EXHAUSTED, "out of memory for results");
		for (uint32_t i = 0; i < ty->nresults; i++) eng_slot_to_val(ty->results[i], &t->slots[i], &out[i]);
		t->state = THREAD_IDLE;
	} else if (rc == ENG_OUT_OF_FUEL) {
		t->state = THREAD_OUT_OF_FUEL;
	} else if (rc == ENG_SUSPENDED) {
		t->state = THREAD_SUSPENDED;
	} else {
		t->state = THREAD_IDLE;
	}
	return rc;
}

int eng_call(eng_thread *t, eng_func *f, const eng_val *args, uint32_t nargs)
{
	if (t->state != THREAD_IDLE) return ENG_ERR_ARG;
	const eng_functype *ty = f->type;
	if (nargs != ty->nparams) return ENG_ERR_ARG;
	t->entry = f;
	t->trap.reason = ENG_TRAP_NONE;
	t->trap.depth = 0;
	t->state = THREAD_RUNNING;
	if (f->host) {
		/* a host function called directly: its arguments go through slot 0.. */
		uint32_t need = ty->nparams > ty->nresults ? ty->nparams : ty->nresults;
		if (need > t->nslots && !eng_thread_grow_slots(t, need))
			return finish(t, eng_thread_trap_at(t, ENG_TRAP_STACK_EXHAUSTED, NULL));
		for (uint32_t i = 0; i < nargs; i++) eng_val_to_slot(ty->params[i], &args[i], &t->slots[i]);
		t->nframes = 0;
		t->caller = NULL;
		int rc = eng_thread_call_host(t, f, 0);
		if (rc == ENG_HOST_OK) return finish(t, ENG_DONE);
		if (rc == ENG_HOST_SUSPEND) {
			t->pc = NULL;
			t->host_results = 0;
			return finish(t, ENG_SUSPENDED);
		}
		return finish(t, eng_thread_trap_at(t, ENG_TRAP_HOST, NULL));
	}
	const eng_code *code = f->code;
	if (code->frame_slots > t->nslots && !eng_thread_grow_slots(t, code->frame_slots))
		return finish(t, eng_thread_trap_at(t, ENG_TRAP_STACK_EXHAUSTED, NULL));
	for (uint32_t i = 0; i < nargs; i++) eng_val_to_slot(ty->params[i], &args[i], &t->slots[i]);
	for (uint32_t k = code->nparam_slots; k < code->nlocal_slots; k++) t->slots[k].u64 = 0;
	t->frames[0].ret_pc = NULL;
	t->frames[0].fp = 0;
	t->frames[0].func = f;
	t->nframes = 1;
	t->pc = code->words;
	return finish(t, eng_exec_run(t));
}

int eng_resume(eng_thread *t, const eng_val *results)
{
	if (t->state == THREAD_OUT_OF_FUEL) {
		t->state = THREAD_RUNNING;
		return finish(t, eng_exec_run(t));
	}
	if (t->state != THREAD_SUSPENDED) return ENG_ERR_ARG;
	eng_func *hf = t->host_func;
	const eng_functype *ty = hf->type;
	uint32_t slot = t->host_results;
	for (uint32_t i = 0; i < ty->nresults; i++) eng_val_to_slot(ty->results[i], &results[i], &t->slots[slot++]);
	t->host_func = NULL;
	t->state = THREAD_RUNNING;
	if (t->nframes == 0) return finish(t, ENG_DONE); /* the host function was the entry */
	return finish(t, eng_exec_run(t));
}

const eng_val *eng_thread_results(eng_thread *t, uint32_t *n)
{
	*n = t->nresults;
	return t->big_results ? t->big_results : t->results;
}

const char *eng_trap_text(int trap)
{
	switch (trap) {
	case ENG_TRAP_UNREACHABLE: return "unreachable";
	case ENG_TRAP_DIV_ZERO: return "integer divide by zero";
	case ENG_TRAP_INT_OVERFLOW: return "integer overflow";
	case ENG_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
	case ENG_TRAP_MEMORY_OOB: return "out of bounds memory access";
	case ENG_TRAP_TABLE_OOB: return "out of bounds table access";
	case ENG_TRAP_UNDEFINED_ELEMENT: return "undefined element";
	case ENG_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
	case ENG_TRAP_INDIRECT_TYPE_MISMATCH: return "indirect call type mismatch";
	case ENG_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
	case ENG_TRAP_HOST: return "host function trapped";
	}
	return "no trap";
}
