/* process.c: the native `process` handler: spawn, wait, kill, list
 * (interfaces/process.ifc, docs/interfaces.md).  Both platforms register it with
 * kern_process_register; it lives in the kernel because everything it does is the
 * kernel's, except reading a program named by a host path, which the platform's
 * kern_path_reader does (metal has none: it spawns by CID only).
 *
 * A spawned process never holds more than its spawner: an interface the spawner may
 * not emit to or handle, asked for explicitly, is refused with EACCES, and the kernel
 * clips what is left (defaults included) to the spawner's grant and gives the child
 * the spawner's limits (kern_spawn_args.within).  A CID is loaded through whoever
 * handles `loader` and checked by the kernel.
 *
 * Waits are kept here until their process ends (kern_process_ended, from
 * kern_proc_end).  A waiter that ends first has its wait answered at once (the kernel
 * drops that answer), so no message stays held for nobody.
 */
#include "internal.h"

#include "cid.h"
#include "str.h"
#include "ifc_process.h"

/* WASI errno values (docs/interfaces.md). */
enum {
	ERRNO_2BIG = 1, ERRNO_ACCES = 2, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_NOENT = 44,
	ERRNO_NOEXEC = 45, ERRNO_NOMEM = 48, ERRNO_NOSYS = 52,
};

/* Strings in one spawn's args or env. */
#define MAX_STRINGS 1024u
/* Bytes of a process.list answer: the records that fit in one message. */
#define LIST_MAX ((1u << 20) - 64)

typedef struct waiter {
	uint64_t id;       /* the wait message */
	uint64_t client;   /* who waits */
	uint64_t pid;      /* for whom */
	struct waiter *next;
} waiter;

struct kern_process {
	kern_path_reader paths;      /* read NULL: by CID only */
	waiter *waiters;
};

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id) kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

static int errno_of_kern(int rc)
{
	switch (rc) {
	case KERN_EINVAL: return ERRNO_INVAL;
	case KERN_ENOENT: return ERRNO_NOENT;
	case KERN_EDENIED: return ERRNO_ACCES;
	case KERN_ENOHANDLER: return ERRNO_NOSYS;
	case KERN_ETOOBIG: return ERRNO_2BIG;
	case KERN_ENOMEM: return ERRNO_NOMEM;
	case KERN_ELOAD: case KERN_EHASH: return ERRNO_NOEXEC;
	default: return ERRNO_IO;
	}
}

/* ---- spawn ------------------------------------------------------------------------- */

/* Counts the strings of "a\0b\0"; -1 unless every string ends in a NUL and there are
 * at most MAX_STRINGS. */
static int count_strings(const uint8_t *buf, uint32_t len, uint32_t *n)
{
	*n = 0;
	if (len && buf[len - 1] != 0) return -1;
	for (uint32_t at = 0; at < len; at++)
		if (buf[at] == 0 && ++*n > MAX_STRINGS) return -1;
	return 0;
}

/* Points out[i] at each string of buf (the message body, which outlives the spawn). */
static void split_strings(const uint8_t *buf, uint32_t len, const char **out)
{
	uint32_t n = 0;
	for (uint32_t at = 0; at < len; at += (uint32_t)wos_strlen((const char *)buf + at) + 1)
		out[n++] = (const char *)buf + at;
}

static void answer_pid(kern_state *k, uint64_t id, uint64_t pid)
{
	ifc_process_spawn_answer a = { .pid = pid };
	uint8_t b[8];
	uint32_t n = ifc_process_spawn_answer_encode(&a, b, sizeof b);
	kern_answer(k, id, b, n, KERN_ANSWER_OK);
}

/* The end of a spawn by CID: ud is the message id, boxed. */
static void spawned(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	uint64_t *id = ud;
	if (rc) {
		kern_logf(k, KERN_LOG_WARN, "process.spawn: %s", why);
		answer_errno(k, *id, errno_of_kern(rc));
	} else {
		answer_pid(k, *id, pid);
	}
	kern_mem_free(k, id, sizeof *id);
}

static const char *base_name(const char *path)
{
	const char *slash = wos_strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* An interface list of a spawn: each id must be one the spawner holds. */
static int check_ids(kern_state *k, uint64_t spawner, const uint8_t *ids, uint32_t len, int what)
{
	if (len % KERN_ID_SIZE) return ERRNO_INVAL;
	for (uint32_t i = 0; i < len; i += KERN_ID_SIZE)
		if (spawner && !kern_proc_granted(k, spawner, ids + i, what)) return ERRNO_ACCES;
	return 0;
}

/* Spawns the program at a host path through the platform's reader; the answer's errno
 * or 0 with *pid. */
static int spawn_path(kern_process *ps, kern_state *k, const char *program, const kern_spawn_args *args,
		      uint64_t *pid)
{
	if (!ps->paths.read) {
		kern_logf(k, KERN_LOG_WARN, "process.spawn: '%.64s' is not a CID, and this kernel reads no paths",
			  program);
		return ERRNO_NOENT;
	}
	uint8_t *bytes = NULL;
	size_t len = 0;
	char why[128];
	int e = ps->paths.read(ps->paths.ud, program, &bytes, &len, why, sizeof why);
	if (e) return e;
	kern_spawn_args a = *args;
	a.wasm = bytes;
	a.wasm_len = len;
	eng_error err;
	int rc = kern_spawn(k, &a, pid, &err);
	if (rc == KERN_ELOAD)
		kern_logf(k, KERN_LOG_WARN, "process.spawn: %s: %s: %s", program, eng_error_text(err.code), err.msg);
	if (ps->paths.release) ps->paths.release(ps->paths.ud, bytes, len);
	return rc ? errno_of_kern(rc) : 0;
}

static void spawn(kern_process *ps, kern_state *k, const kern_delivery *d)
{
	ifc_process_spawn m;
	uint32_t argc, envc;
	if (ifc_process_spawn_decode(d->body, d->len, &m) != 0 || m.program_len == 0 ||
	    count_strings(m.args, m.args_len, &argc) != 0 || count_strings(m.env, m.env_len, &envc) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	int e = check_ids(k, d->sender, m.grants, m.grants_len, KERN_GRANT_EMIT);
	if (!e) e = check_ids(k, d->sender, m.handles, m.handles_len, KERN_GRANT_HANDLE);
	if (e) {
		if (e == ERRNO_ACCES)
			kern_logf(k, KERN_LOG_WARN, "process.spawn: pid %llu may not pass on an interface it lacks",
				  (unsigned long long)d->sender);
		answer_errno(k, d->id, e);
		return;
	}
	/* one block: argv, envp, then the program ended by a NUL (the decoder checked it
	 * holds none) */
	size_t size = (argc + envc) * sizeof(char *) + m.program_len + 1;
	const char **strs = kern_mem_alloc(k, size);
	if (!strs) {
		answer_errno(k, d->id, ERRNO_NOMEM);
		return;
	}
	split_strings(m.args, m.args_len, strs);
	split_strings(m.env, m.env_len, strs + argc);
	char *program = (char *)(strs + argc + envc);
	__builtin_memcpy(program, m.program, m.program_len);
	kern_spawn_args a;
	__builtin_memset(&a, 0, sizeof a);
	a.name = argc ? base_name(strs[0]) : base_name(program);
	a.argv = strs;
	a.argc = argc;
	a.envp = strs + argc;
	a.envc = envc;
	a.allow = (const uint8_t(*)[KERN_ID_SIZE])m.grants;
	a.nallow = m.grants_len / KERN_ID_SIZE;
	a.handle = (const uint8_t(*)[KERN_ID_SIZE])m.handles;
	a.nhandle = m.handles_len / KERN_ID_SIZE;
	a.within = d->sender;
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	if (wos_cid_parse_file(program, m.program_len, &codec, digest) == 0) {
		uint64_t *box = d->id ? kern_mem_alloc(k, sizeof *box) : NULL;
		if (box) {
			*box = d->id;
			if (!argc) a.name = NULL; /* named by its CID */
			kern_spawn_cid(k, program, &a, spawned, box);
		} else {
			answer_errno(k, d->id, ERRNO_NOMEM);
		}
	} else {
		uint64_t pid = 0;
		e = spawn_path(ps, k, program, &a, &pid);
		if (e) answer_errno(k, d->id, e);
		else if (d->id) answer_pid(k, d->id, pid);
	}
	kern_mem_free(k, strs, size);
}

/* ---- wait, kill, list ------------------------------------------------------------------ */

static void answer_exit(kern_state *k, uint64_t id, int code)
{
	ifc_process_wait_answer a = { .exit_code = code };
	uint8_t b[4];
	uint32_t n = ifc_process_wait_answer_encode(&a, b, sizeof b);
	kern_answer(k, id, b, n, KERN_ANSWER_OK);
}

static void wait_for(kern_process *ps, kern_state *k, const kern_delivery *d)
{
	ifc_process_wait m;
	kern_proc_info info;
	if (!d->id) return;
	if (ifc_process_wait_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	if (kern_proc_get(k, m.pid, &info) != 0) {
		answer_errno(k, d->id, ERRNO_NOENT);
		return;
	}
	if (info.state == KERN_PROC_DEAD) {
		answer_exit(k, d->id, info.exit_code);
		return;
	}
	waiter *w = kern_mem_alloc(k, sizeof *w);
	if (!w) {
		answer_errno(k, d->id, ERRNO_NOMEM);
		return;
	}
	w->id = d->id;
	w->client = d->sender;
	w->pid = m.pid;
	w->next = ps->waiters;
	ps->waiters = w;
}

void kern_process_ended(kern_state *k, uint64_t pid, int code)
{
	kern_process *ps = k->process;
	if (!ps) return;
	for (waiter **pp = &ps->waiters; *pp;) {
		waiter *w = *pp;
		if (w->pid == pid) {
			*pp = w->next;
			answer_exit(k, w->id, code);
			kern_mem_free(k, w, sizeof *w);
		} else if (w->client == pid) {
			/* the waiter itself ended: end its wait (the answer goes nowhere) */
			*pp = w->next;
			answer_errno(k, w->id, ERRNO_NOENT);
			kern_mem_free(k, w, sizeof *w);
		} else {
			pp = &w->next;
		}
	}
}

static void kill_one(kern_state *k, const kern_delivery *d)
{
	ifc_process_kill m;
	if (ifc_process_kill_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	int rc = kern_kill(k, m.pid, "killed (process.kill)");
	if (rc) answer_errno(k, d->id, ERRNO_NOENT);
	else if (d->id) kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
}

/* The list answer being built: its 4-byte length prefix first (the answer is one
 * bytes field), then the records. */
typedef struct list_buf {
	kern_state *k;
	uint8_t *b;
	uint32_t len, cap;
	bool full;
} list_buf;

static void put(list_buf *l, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) l->b[l->len++] = (uint8_t)(v >> (8 * i));
}

/* One record per process, in the wire encoding (interfaces/process.ifc). */
static void list_one(void *ud, const kern_proc_info *info)
{
	list_buf *l = ud;
	uint32_t name_len = (uint32_t)wos_strlen(info->name);
	uint32_t need = 8 + 1 + 4 + 8 * 4 + 4 + name_len;
	if (l->full || name_len > LIST_MAX || l->len + need > LIST_MAX) {
		l->full = true; /* the rest would not fit in one message */
		return;
	}
	if (l->len + need > l->cap) {
		uint32_t cap = l->cap * 2 + need;
		uint8_t *nb = kern_mem_alloc(l->k, cap);
		if (!nb) {
			l->full = true;
			return;
		}
		if (l->len) __builtin_memcpy(nb, l->b, l->len);
		kern_mem_free(l->k, l->b, l->cap);
		l->b = nb;
		l->cap = cap;
	}
	put(l, info->pid, 8);
	put(l, (uint64_t)info->state, 1);
	put(l, (uint32_t)info->exit_code, 4);
	put(l, info->memory_bytes, 8);
	put(l, info->messages_sent, 8);
	put(l, info->messages_received, 8);
	put(l, info->fuel_used, 8);
	put(l, name_len, 4);
	__builtin_memcpy(l->b + l->len, info->name, name_len);
	l->len += name_len;
}

static void list(kern_state *k, const kern_delivery *d)
{
	ifc_process_list m;
	if (!d->id) return;
	if (ifc_process_list_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	list_buf l = { .k = k };
	kern_proc_each(k, list_one, &l);
	ifc_process_list_answer a = { .entries = l.b, .entries_len = l.len };
	uint32_t n = ifc_process_list_answer_encode(&a, NULL, 0);
	uint8_t *body = kern_mem_alloc(k, n);
	if (!body) {
		answer_errno(k, d->id, ERRNO_NOMEM);
	} else {
		ifc_process_list_answer_encode(&a, body, n);
		if (kern_answer(k, d->id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG) answer_errno(k, d->id, ERRNO_2BIG);
	}
	kern_mem_free(k, body, n);
	kern_mem_free(k, l.b, l.cap);
}

/* ---- the handler -------------------------------------------------------------------- */

static void process_message(void *ud, kern_state *k, const kern_delivery *d)
{
	kern_process *ps = ud;
	switch (ifc_process_tag(d->body, d->len)) {
	case IFC_PROCESS_SPAWN: spawn(ps, k, d); return;
	case IFC_PROCESS_WAIT: wait_for(ps, k, d); return;
	case IFC_PROCESS_KILL: kill_one(k, d); return;
	case IFC_PROCESS_LIST: list(k, d); return;
	}
	answer_errno(k, d->id, d->len ? ERRNO_NOSYS : ERRNO_INVAL);
}

static const kern_native process_ops = { process_message, NULL };

int kern_process_register(kern_state *k, const kern_path_reader *paths)
{
	if (k->process) return KERN_EEXIST;
	kern_process *ps = kern_mem_alloc(k, sizeof *ps);
	if (!ps) return KERN_ENOMEM;
	if (paths) ps->paths = *paths;
	int rc = kern_native_register(k, ifc_process_id, &process_ops, ps);
	if (rc) {
		kern_mem_free(k, ps, sizeof *ps);
		return rc;
	}
	k->process = ps;
	return 0;
}

void kern_process_free(kern_state *k)
{
	kern_process *ps = k->process;
	if (!ps) return;
	while (ps->waiters) {
		waiter *w = ps->waiters;
		ps->waiters = w->next;
		kern_mem_free(k, w, sizeof *w);
	}
	kern_mem_free(k, ps, sizeof *ps);
	k->process = NULL;
}
