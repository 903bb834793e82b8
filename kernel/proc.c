/* proc.c: processes: spawn, end, kill, information.
 *
 * A process is an instantiated program with its own engine store (so its memory
 * limit and its objects are its own), one engine thread, its grants and its queue of
 * notifications.  Only proc.c and sched.c change p->state.
 */
#include "internal.h"

kern_proc *kern_proc_find(kern_state *k, uint64_t pid)
{
	for (kern_proc *p = k->procs; p; p = p->next)
		if (p->pid == pid) return p;
	return NULL;
}

static int resolve(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	kern_proc *p = ud;
	static const char wasi[] = "wasi_snapshot_preview1";
	static const char wasmos[] = "wasmos";
	if (imp->module_len == sizeof wasmos - 1 && !__builtin_memcmp(imp->module, wasmos, imp->module_len))
		return kern_abi_resolve(p->k, p, imp, out);
	if (imp->module_len == sizeof wasi - 1 && !__builtin_memcmp(imp->module, wasi, imp->module_len))
		return kern_wasi_resolve(p->k, p, imp, out);
	return -1;
}

static char *copy_str(kern_state *k, const char *s, uint32_t *len_out)
{
	uint32_t len = 0;
	while (s[len]) len++;
	char *c = kern_mem_alloc(k, len + 1);
	if (!c) return NULL;
	for (uint32_t i = 0; i < len; i++) c[i] = s[i];
	*len_out = len;
	return c;
}

static void proc_release(kern_state *k, kern_proc *p)
{
	eng_thread_free(p->thread);
	eng_store_free(p->store);
	eng_module_free(p->module);
	p->thread = NULL;
	p->store = NULL;
	p->module = NULL;
	p->inst = NULL;
	kern_wasi_free(k, p);
	while (p->notes) {
		kern_note *n = p->notes;
		p->notes = n->next;
		kern_note_free(k, n);
	}
	p->notes_tail = NULL;
	kern_idset_free(k, &p->allow);
	kern_idset_free(k, &p->handle);
	kern_idset_free(k, &p->contacted);
}

static void proc_free(kern_state *k, kern_proc *p)
{
	proc_release(k, p);
	kern_mem_free(k, p->name, p->name_len + 1);
	kern_mem_free(k, p, sizeof *p);
}

static int grants(kern_state *k, kern_proc *p, const kern_spawn_args *a)
{
	for (uint32_t i = 0; i < k->default_grant.n; i++)
		if (kern_idset_add(k, &p->allow, k->default_grant.ids[i])) return KERN_ENOMEM;
	for (uint32_t i = 0; i < a->nallow; i++)
		if (kern_idset_add(k, &p->allow, a->allow[i])) return KERN_ENOMEM;
	for (uint32_t i = 0; i < a->ndeny; i++) kern_idset_remove(&p->allow, a->deny[i]);
	for (uint32_t i = 0; i < a->nhandle; i++)
		if (kern_idset_add(k, &p->handle, a->handle[i])) return KERN_ENOMEM;
	if (a->within) {
		/* never more than the spawner holds, defaults included */
		kern_proc *parent = kern_proc_find(k, a->within);
		if (!parent || parent->state == KERN_PROC_DEAD) return KERN_ENOENT;
		for (uint32_t i = p->allow.n; i-- > 0;)
			if (!kern_idset_has(&parent->allow, p->allow.ids[i])) kern_idset_remove(&p->allow, p->allow.ids[i]);
		for (uint32_t i = p->handle.n; i-- > 0;)
			if (!kern_idset_has(&parent->handle, p->handle.ids[i]))
				kern_idset_remove(&p->handle, p->handle.ids[i]);
	}
	return 0;
}

static eng_func *find_entry(eng_instance *inst)
{
	static const char *const names[] = { "_start", "main" };
	for (int i = 0; i < 2; i++) {
		eng_extern e;
		uint32_t len = 0;
		while (names[i][len]) len++;
		if (eng_instance_export(inst, names[i], len, &e) == 0 && e.kind == ENG_EXTERN_FUNC) {
			const eng_functype *t = eng_func_type(e.u.func);
			if (t->nparams == 0) return e.u.func;
		}
	}
	return NULL;
}

int kern_spawn(kern_state *k, const kern_spawn_args *a, uint64_t *pid_out, eng_error *err)
{
	eng_error local;
	if (!err) err = &local;
	err->code = 0;
	err->offset = 0;
	err->msg[0] = 0;
	kern_proc *p = kern_mem_alloc(k, sizeof *p);
	if (!p) return KERN_ENOMEM;
	p->k = k;
	p->limits = a->limits;
	kern_proc *parent = a->within ? kern_proc_find(k, a->within) : NULL;
	kern_limits_resolve(&p->limits, parent ? &parent->limits : &k->limits);
	int rc = KERN_ENOMEM;
	p->name = copy_str(k, a->name ? a->name : "program", &p->name_len);
	if (!p->name) goto out_free;
	rc = grants(k, p, a);
	if (rc) goto out_free;
	rc = KERN_ENOMEM;

	int erc = eng_module_load(&k->alloc, a->wasm, a->wasm_len, &p->module, err);
	if (erc) {
		rc = erc == ENG_ERR_NOMEM ? KERN_ENOMEM : KERN_ELOAD;
		goto out_free;
	}
	eng_limits el = { 0 };
	el.max_memory_pages = p->limits.max_memory_pages;
	el.max_call_depth = p->limits.max_call_depth;
	p->store = eng_store_new(&k->alloc, &el);
	if (!p->store) goto out_free;
	rc = kern_wasi_init(k, p, a);
	if (rc) goto out_free;
	erc = eng_instantiate(p->store, p->module, resolve, p, &p->inst, err);
	if (erc) {
		rc = erc == ENG_ERR_NOMEM ? KERN_ENOMEM : KERN_ELOAD;
		goto out_free;
	}
	p->entry = find_entry(p->inst);
	if (!p->entry) {
		static const char why[] = "no export _start or main (a function without parameters)";
		err->code = ENG_ERR_LINK;
		for (uint32_t i = 0; i < sizeof why; i++) err->msg[i] = why[i];
		rc = KERN_ELOAD;
		goto out_free;
	}
	p->thread = eng_thread_new(p->store, NULL);
	if (!p->thread) {
		rc = KERN_ENOMEM;
		goto out_free;
	}
	p->pid = k->next_pid++;
	p->state = KERN_PROC_READY;
	p->run = RUN_NEW;
	p->phase = PHASE_START;
	/* keep the list in pid order: new pids are the largest */
	kern_proc **pp = &k->procs;
	while (*pp) pp = &(*pp)->next;
	*pp = p;
	kern_sched_enqueue(k, p);
	if (pid_out) *pid_out = p->pid;
	return 0;
out_free:
	proc_free(k, p);
	return rc;
}

void kern_proc_make_ready(kern_state *k, kern_proc *p)
{
	if (p->state == KERN_PROC_DEAD) return;
	p->state = KERN_PROC_READY;
	if (k->current == p) p->woken = true; /* the turn requeues it */
	else kern_sched_enqueue(k, p);
}

/* Tells the handlers this process sent to that it ended. */
static void notify_handlers(kern_state *k, kern_proc *p)
{
	for (uint32_t i = 0; i < p->contacted.n; i++) {
		kern_handler *h = kern_iface_handler(k, p->contacted.ids[i]);
		if (!h) continue;
		if (h->native) {
			if (h->native->client_ended) h->native->client_ended(h->native_ud, k, p->pid);
		} else if (h->proc != p && h->proc->state != KERN_PROC_DEAD) {
			kern_note *n = kern_mem_alloc(k, sizeof *n);
			if (!n) continue;
			n->kind = NOTE_CLIENT_ENDED;
			n->pid = p->pid;
			kern_note_push(k, h->proc, n);
		}
	}
}

void kern_proc_end(kern_state *k, kern_proc *p, int exit_code, const char *why)
{
	if (p->state == KERN_PROC_DEAD) return;
	if (k->current == p) {
		/* its thread is on the C stack right now: end it when the turn returns */
		p->kill_pending = true;
		p->kill_reason = why;
		p->exit_code = exit_code;
		return;
	}
	p->state = KERN_PROC_DEAD;
	p->exit_code = exit_code;
	kern_sched_remove(k, p);
	if (why)
		kern_logf(k, KERN_LOG_INFO, "pid %llu (%.*s) ended: %s", (unsigned long long)p->pid,
			  (int)p->name_len, p->name, why);
	kern_iface_drop_proc(k, p);
	kern_msg_sender_gone(k, p);
	notify_handlers(k, p);
	proc_release(k, p);
	kern_process_ended(k, p->pid, exit_code);
	if (k->plat && k->plat->proc_ended) k->plat->proc_ended(k->plat_ud, p->pid, exit_code);
}

int kern_kill(kern_state *k, uint64_t pid, const char *reason)
{
	kern_proc *p = kern_proc_find(k, pid);
	if (!p || p->state == KERN_PROC_DEAD) return KERN_ENOENT;
	kern_proc_end(k, p, 137, reason ? reason : "killed");
	return 0;
}

int kern_proc_get(kern_state *k, uint64_t pid, kern_proc_info *info)
{
	kern_proc *p = kern_proc_find(k, pid);
	if (!p) return KERN_ENOENT;
	info->pid = p->pid;
	info->name = p->name;
	info->state = p->state;
	info->exit_code = p->exit_code;
	eng_memory *mem = p->inst ? eng_instance_memory(p->inst, 0) : NULL;
	info->memory_bytes = mem ? eng_memory_size(mem) : 0;
	info->messages_sent = p->sent;
	info->messages_received = p->received;
	info->fuel_used = p->fuel_used;
	return 0;
}

void kern_proc_each(kern_state *k, void (*fn)(void *ud, const kern_proc_info *info), void *ud)
{
	for (kern_proc *p = k->procs; p; p = p->next) {
		kern_proc_info info;
		kern_proc_get(k, p->pid, &info);
		fn(ud, &info);
	}
}

void kern_reap(kern_state *k, uint64_t pid)
{
	for (kern_proc **pp = &k->procs; *pp; pp = &(*pp)->next) {
		kern_proc *p = *pp;
		if (p->pid != pid) continue;
		if (p->state != KERN_PROC_DEAD) return;
		*pp = p->next;
		proc_free(k, p);
		return;
	}
}

uint32_t kern_live_count(kern_state *k)
{
	uint32_t n = 0;
	for (kern_proc *p = k->procs; p; p = p->next)
		if (p->state != KERN_PROC_DEAD) n++;
	return n;
}
