/* process.c: the native `process` handler: spawn, wait, kill, list
 * (interfaces/process.ifc, docs/interfaces.md).
 *
 * A spawned process never holds more than its spawner: an interface the spawner may
 * not emit to or handle, asked for explicitly, is refused with EACCES, and the kernel
 * clips what is left (defaults included) to the spawner's grant and gives the child
 * the spawner's limits (kern_spawn_args.within).  A program is a CID, loaded through
 * whoever handles `loader` and checked by the kernel, or a path on the host, read
 * relative to the directory wasmos runs in.
 *
 * Waits are kept here until their process ends (hosted_process_ended).  A waiter that
 * ends first has its wait answered at once (the kernel drops that answer), so no
 * message stays held for nobody.
 */
#include "control.h"
#include "hosted.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cid.h"
#include "ifc_process.h"

/* WASI errno values (docs/interfaces.md). */
enum {
	ERRNO_2BIG = 1, ERRNO_ACCES = 2, ERRNO_FBIG = 22, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_ISDIR = 31,
	ERRNO_NOENT = 44,
	ERRNO_NOEXEC = 45, ERRNO_NOMEM = 48, ERRNO_NOSYS = 52,
};

/* Strings in one spawn's args or env. */
#define MAX_STRINGS 1024
/* Bytes of a program spawned by path. */
#define HOSTED_PROCESS_MAX_PROGRAM (256 << 20)

typedef struct waiter {
	uint64_t id;       /* the wait message */
	uint64_t client;   /* who waits */
	uint64_t pid;      /* for whom */
	struct waiter *next;
} waiter;

typedef struct hosted_process {
	hosted_sys *sys;
	waiter *waiters;
} hosted_process;

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id) kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

int hosted_errno_of_kern(int rc)
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

/* Splits "a\0b\0" into at most max pointers into buf; -1 unless every string ends in
 * a NUL.  The strings stay in buf (the message body). */
static int split(const uint8_t *buf, uint32_t len, const char **out, uint32_t max, uint32_t *n)
{
	*n = 0;
	if (len && buf[len - 1] != 0) return -1;
	for (uint32_t at = 0; at < len;) {
		if (*n == max) return -1;
		out[(*n)++] = (const char *)buf + at;
		at += (uint32_t)strlen((const char *)buf + at) + 1;
	}
	return 0;
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
		fprintf(stderr, "wasmos: process.spawn: %s\n", why);
		answer_errno(k, *id, hosted_errno_of_kern(rc));
	} else {
		answer_pid(k, *id, pid);
	}
	free(id);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
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

static void spawn(kern_state *k, const kern_delivery *d)
{
	ifc_process_spawn m;
	static const char *argv[MAX_STRINGS], *envp[MAX_STRINGS];
	uint32_t argc, envc;
	if (ifc_process_spawn_decode(d->body, d->len, &m) != 0 || m.program_len == 0 ||
	    split(m.args, m.args_len, argv, MAX_STRINGS, &argc) != 0 ||
	    split(m.env, m.env_len, envp, MAX_STRINGS, &envc) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	int e = check_ids(k, d->sender, m.grants, m.grants_len, KERN_GRANT_EMIT);
	if (!e) e = check_ids(k, d->sender, m.handles, m.handles_len, KERN_GRANT_HANDLE);
	if (e) {
		if (e == ERRNO_ACCES)
			fprintf(stderr, "wasmos: process.spawn: pid %llu may not pass on an interface it lacks\n",
				(unsigned long long)d->sender);
		answer_errno(k, d->id, e);
		return;
	}
	/* program: a string without NUL (the decoder checked); copy it to end it */
	char *program = malloc(m.program_len + 1);
	if (!program) {
		answer_errno(k, d->id, ERRNO_NOMEM);
		return;
	}
	memcpy(program, m.program, m.program_len);
	program[m.program_len] = 0;
	kern_spawn_args a;
	memset(&a, 0, sizeof a);
	a.name = argc ? base_name(argv[0]) : base_name(program);
	a.argv = argv;
	a.argc = argc;
	a.envp = envp;
	a.envc = envc;
	a.allow = (const uint8_t(*)[KERN_ID_SIZE])m.grants;
	a.nallow = m.grants_len / KERN_ID_SIZE;
	a.handle = (const uint8_t(*)[KERN_ID_SIZE])m.handles;
	a.nhandle = m.handles_len / KERN_ID_SIZE;
	a.within = d->sender;
	uint8_t digest[WOS_SHA256_SIZE];
	if (wos_cid_parse(program, m.program_len, digest) == 0) {
		uint64_t *box = malloc(sizeof *box);
		if (!box || !d->id) {
			free(box);
			if (d->id) answer_errno(k, d->id, ERRNO_NOMEM);
			free(program);
			return;
		}
		*box = d->id;
		if (!argc) a.name = NULL; /* named by its CID */
		kern_spawn_cid(k, program, &a, spawned, box);
		free(program);
		return;
	}
	/* a regular file of a sane size: /dev/zero or a FIFO would stall the kernel */
	struct stat st;
	if (stat(program, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > HOSTED_PROCESS_MAX_PROGRAM)) {
		answer_errno(k, d->id, S_ISDIR(st.st_mode) ? ERRNO_ISDIR : S_ISREG(st.st_mode) ? ERRNO_FBIG : ERRNO_INVAL);
		free(program);
		return;
	}
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (hosted_file_read(program, &bytes, &len) != 0) {
		int err = errno == ENOENT || errno == ENOTDIR ? ERRNO_NOENT : errno == EACCES ? ERRNO_ACCES : ERRNO_IO;
		answer_errno(k, d->id, err);
		free(program);
		return;
	}
	a.wasm = bytes;
	a.wasm_len = len;
	eng_error err;
	uint64_t pid = 0;
	int rc = kern_spawn(k, &a, &pid, &err);
	if (rc == KERN_ELOAD)
		fprintf(stderr, "wasmos: process.spawn: %s: %s: %s\n", program, eng_error_text(err.code), err.msg);
	if (rc) answer_errno(k, d->id, hosted_errno_of_kern(rc));
	else if (d->id) answer_pid(k, d->id, pid);
	free(bytes);
	free(program);
}

/* ---- wait, kill, list ------------------------------------------------------------------ */

static void answer_exit(kern_state *k, uint64_t id, int code)
{
	ifc_process_wait_answer a = { .exit_code = code };
	uint8_t b[4];
	uint32_t n = ifc_process_wait_answer_encode(&a, b, sizeof b);
	kern_answer(k, id, b, n, KERN_ANSWER_OK);
}

static void wait_for(hosted_process *ps, kern_state *k, const kern_delivery *d)
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
	waiter *w = malloc(sizeof *w);
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

void hosted_process_ended(hosted_sys *s, uint64_t pid, int code)
{
	hosted_process *ps = s->process;
	if (!ps) return;
	for (waiter **pp = &ps->waiters; *pp;) {
		waiter *w = *pp;
		if (w->pid == pid) {
			*pp = w->next;
			answer_exit(s->k, w->id, code);
			free(w);
		} else if (w->client == pid) {
			/* the waiter itself ended: end its wait (the answer goes nowhere) */
			*pp = w->next;
			answer_errno(s->k, w->id, ERRNO_NOENT);
			free(w);
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

typedef struct list_buf {
	uint8_t *b;
	size_t len, cap;
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
	size_t name_len = strlen(info->name);
	size_t need = 8 + 1 + 4 + 8 * 4 + 4 + name_len;
	if (l->full || l->len + need > (1u << 20) - 64) {
		l->full = true; /* the rest would not fit in one message */
		return;
	}
	if (l->len + need > l->cap) {
		size_t cap = (l->cap ? l->cap * 2 : 1024) + need;
		uint8_t *nb = realloc(l->b, cap);
		if (!nb) {
			l->full = true;
			return;
		}
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
	memcpy(l->b + l->len, info->name, name_len);
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
	list_buf l = { 0 };
	kern_proc_each(k, list_one, &l);
	ifc_process_list_answer a = { .entries = l.b, .entries_len = (uint32_t)l.len };
	uint32_t n = ifc_process_list_answer_encode(&a, NULL, 0);
	uint8_t *body = malloc(n);
	if (!body) {
		answer_errno(k, d->id, ERRNO_NOMEM);
	} else {
		ifc_process_list_answer_encode(&a, body, n);
		if (kern_answer(k, d->id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG) answer_errno(k, d->id, ERRNO_2BIG);
	}
	free(body);
	free(l.b);
}

/* ---- the handler -------------------------------------------------------------------- */

static void process_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_process *ps = ud;
	switch (ifc_process_tag(d->body, d->len)) {
	case IFC_PROCESS_SPAWN: spawn(k, d); return;
	case IFC_PROCESS_WAIT: wait_for(ps, k, d); return;
	case IFC_PROCESS_KILL: kill_one(k, d); return;
	case IFC_PROCESS_LIST: list(k, d); return;
	}
	answer_errno(k, d->id, d->len ? ERRNO_NOSYS : ERRNO_INVAL);
}

static const kern_native process_ops = { process_message, NULL };

int hosted_process_init(hosted_sys *s)
{
	s->process = calloc(1, sizeof *s->process);
	if (!s->process) return -1;
	s->process->sys = s;
	return kern_native_register(s->k, ifc_process_id, &process_ops, s->process) ? -1 : 0;
}

void hosted_process_free(hosted_sys *s)
{
	if (!s->process) return;
	while (s->process->waiters) {
		waiter *w = s->process->waiters;
		s->process->waiters = w->next;
		free(w);
	}
	free(s->process);
	s->process = NULL;
}
