/* system.c: a system on a kernel: the natives it keeps, its programs started in file
 * order, and their supervision (system.h, docs/system.md).
 *
 * A system is a small state machine the platform's loop drives with
 * kern_system_step between rounds of kern_run_ready:
 *
 *   STARTING  programs start in file order (a `manual` one is checked, not started).
 *             One that handles interfaces gets turns until it has registered them
 *             (or blocks, or ends) before the next one starts, so later programs
 *             find their handlers.  A program by CID is loaded through whoever
 *             handles `loader` (kern_spawn_cid): the step returns, and the next
 *             one goes on once the answer came.  Any failure to start fails the
 *             system: "FILE:LINE: program NAME: why".
 *   RUNNING   between rounds: an essential program that ended ends the system with
 *             its exit code; a `restart` one is started again; when no process is
 *             left, the system has ended (with 0).
 *   ENDED, FAILED  final.
 *
 * What only a platform can do comes through kern_system_hooks: reading a program by
 * host path, host folders, listening sockets, and telling people.
 */
#include "system.h"
#include "internal.h"

#include "fmt.h"
#include "str.h"
#include "ifc_all.h"

/* Turns a handler gets to register its interfaces before the next program starts. */
#define SYSTEM_REGISTER_ROUNDS 10000
/* Restarts of one `restart` program before the system gives up on it. */
#define SYSTEM_MAX_RESTARTS 100
/* Bytes of a bound address ("[ffff:...:ffff]:65535" and its NUL). */
#define SYSTEM_ADDR_MAX 64
/* Natives one platform may have. */
#define SYSTEM_MAX_NATIVES 64
#define WHY_MAX 512

typedef struct sys_prog {
	kern_system *s;
	const kern_sysfile_program *g;
	uint8_t (*allow)[KERN_ID_SIZE];  /* g's allow, plus files and tcp for dir and listen */
	uint32_t nallow;
	kern_preopen *preopens;          /* host_key from dir_grant, made once */
	uint64_t pid;                    /* 0: not started (yet) */
	bool asked;                      /* its first start was asked for */
	bool loading;                    /* a start by CID waits for its loader */
	bool failed;                     /* the last start failed (why says how) */
	char why[WHY_MAX];
	uint32_t restarts;
} sys_prog;

struct kern_system {
	kern_state *k;
	eng_alloc alloc;
	const kern_sysfile *f;
	kern_sysfile *owned;             /* kern_system_boot parsed it */
	kern_system_hooks h;
	sys_prog *progs;
	uint32_t next;                   /* STARTING: the program to start next */
	int state;
	int exit_code;
	char why[WHY_MAX];
};

static void *mem(kern_system *s, size_t n)
{
	void *p = s->alloc.fn(s->alloc.ud, NULL, 0, n ? n : 1);
	if (p) __builtin_memset(p, 0, n ? n : 1);
	return p;
}

static void unmem(kern_system *s, void *p, size_t n)
{
	if (p) s->alloc.fn(s->alloc.ud, p, n ? n : 1, 0);
}

static void say(kern_system *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(kern_system *s, int level, const char *fmt, ...)
{
	if (!s->h.say) return;
	char line[WHY_MAX];
	va_list ap;
	va_start(ap, fmt);
	wos_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->h.say(s->h.ud, level, line);
}

/* Records why bp did not start, as FILE:LINE: program NAME: ...; returns -1. */
static int failf(sys_prog *bp, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(sys_prog *bp, int line, const char *fmt, ...)
{
	int n = wos_snprintf(bp->why, sizeof bp->why, "%s:%d: program %s: ", bp->s->f->file, line, bp->g->name);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof bp->why) wos_vsnprintf(bp->why + n, sizeof bp->why - (size_t)n, fmt, ap);
	va_end(ap);
	bp->failed = true;
	return -1;
}

static void fail_system(kern_system *s, const char *why)
{
	s->state = KERN_SYSTEM_FAILED;
	wos_snprintf(s->why, sizeof s->why, "%s", why);
}

/* ---- starting a program --------------------------------------------------------------- */

/* What a start needs once the pid is known: its folders. */
static int started(sys_prog *bp, uint64_t pid)
{
	kern_system *s = bp->s;
	bp->pid = pid;
	bp->failed = false;
	for (uint32_t d = 0; d < bp->g->ndirs; d++)
		if (s->h.dir_allow(s->h.ud, bp->preopens[d].host_key, pid) != 0) return failf(bp, bp->g->line, "out of memory");
	return 0;
}

static void on_loaded(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	(void)k;
	sys_prog *bp = ud;
	bp->loading = false;
	if (rc) failf(bp, bp->g->line, "%s", why);
	else started(bp, pid);
	/* a restart by CID that failed after the boot: nobody waits to report it */
	if (bp->failed && bp->s->state == KERN_SYSTEM_RUNNING) say(bp->s, KERN_LOG_WARN, "%s", bp->why);
}

/* Binds bp's listening sockets for this start (the last holder's closed when it
 * ended); bound is nlistens addresses. */
static int bind_listens(sys_prog *bp, char (*bound)[SYSTEM_ADDR_MAX], const char **listens)
{
	kern_system *s = bp->s;
	const kern_sysfile_program *g = bp->g;
	for (uint32_t l = 0; l < g->nlistens; l++) {
		char why[256];
		if (s->h.listen_bind(s->h.ud, g->listens[l], bound[l], SYSTEM_ADDR_MAX, why, sizeof why) != 0)
			return failf(bp, g->listens_line, "listen %s: %s", g->listens[l], why);
		listens[l] = bound[l];
		if (!wos_streq(bound[l], g->listens[l]))
			say(s, KERN_LOG_WARN, "%s listens on %s", g->name, bound[l]);
	}
	return 0;
}

/* Starts bp's program by path: read through the platform, then spawned. */
static int start_path(sys_prog *bp, kern_spawn_args *a)
{
	kern_system *s = bp->s;
	const kern_sysfile_program *g = bp->g;
	uint8_t *bytes = NULL;
	size_t len = 0;
	char why[256];
	if (s->h.paths.read(s->h.paths.ud, g->path, &bytes, &len, why, sizeof why) != 0)
		return failf(bp, g->line, "%s: %s", g->path, why);
	a->wasm = bytes;
	a->wasm_len = len;
	eng_error err;
	uint64_t pid;
	int krc = kern_spawn(s->k, a, &pid, &err);
	if (s->h.paths.release) s->h.paths.release(s->h.paths.ud, bytes, len);
	if (krc == KERN_ELOAD)
		return failf(bp, g->line, "%s: %s: %s (at byte offset 0x%x)", g->path, eng_error_text(err.code), err.msg,
			     (unsigned)err.offset);
	if (krc) return failf(bp, g->line, "%s: %s", g->path, kern_error_text(krc));
	return started(bp, pid);
}

/* Starts bp's program (again).  0 when started or, by CID, asked for (bp->loading);
 * -1 with bp->why. */
static int start(sys_prog *bp)
{
	kern_system *s = bp->s;
	const kern_sysfile_program *g = bp->g;
	kern_spawn_args a;
	__builtin_memset(&a, 0, sizeof a);
	a.name = g->name;
	a.argv = (const char *const *)g->argv;
	a.argc = g->argc;
	a.envp = (const char *const *)g->env;
	a.envc = g->nenv;
	a.allow = (const uint8_t(*)[KERN_ID_SIZE])bp->allow;
	a.nallow = bp->nallow;
	a.deny = (const uint8_t(*)[KERN_ID_SIZE])g->deny.ids;
	a.ndeny = g->deny.n;
	a.handle = (const uint8_t(*)[KERN_ID_SIZE])g->handles.ids;
	a.nhandle = g->handles.n;
	a.preopens = bp->preopens;
	a.npreopens = g->ndirs;
	a.limits = g->limits;
	/* the file's defaults, for a kernel made without them */
	kern_limits_resolve(&a.limits, &s->f->limits);
	kern_limits_resolve(&a.limits, &s->k->limits);
	size_t bound_size = g->nlistens * (size_t)SYSTEM_ADDR_MAX, listens_size = g->nlistens * sizeof(char *);
	char (*bound)[SYSTEM_ADDR_MAX] = NULL;
	const char **listens = NULL;
	int rc = -1;
	bp->pid = 0;
	if (g->nlistens) {
		bound = mem(s, bound_size);
		listens = mem(s, listens_size);
		if (!bound || !listens) {
			failf(bp, g->line, "out of memory");
			goto out;
		}
		if (bind_listens(bp, bound, listens) != 0) goto out;
	}
	a.listens = listens;
	a.nlistens = g->nlistens;
	if (g->path) {
		rc = start_path(bp, &a);
	} else {
		bp->loading = true;
		bp->failed = false;
		kern_spawn_cid(s->k, g->source, &a, on_loaded, bp);
		rc = bp->failed ? -1 : 0;
	}
out:
	unmem(s, bound, bound_size);
	unmem(s, listens, listens_size);
	return rc;
}

/* Whether every interface bp handles has a handler now. */
typedef struct handled {
	const uint8_t *id;
	bool found;
} handled;

static void find_handler(void *ud, const uint8_t *iface, uint64_t pid)
{
	(void)pid;
	handled *h = ud;
	if (kern_id_equal(iface, h->id)) h->found = true;
}

static bool registered(sys_prog *bp)
{
	for (uint32_t i = 0; i < bp->g->handles.n; i++) {
		handled h = { bp->g->handles.ids[i], false };
		kern_handler_each(bp->s->k, find_handler, &h);
		if (!h.found) return false;
	}
	return true;
}

static bool alive(sys_prog *bp)
{
	kern_proc_info info;
	return bp->pid && kern_proc_get(bp->s->k, bp->pid, &info) == 0 && info.state != KERN_PROC_DEAD;
}

/* STARTING: starts programs until one waits for its loader, one fails, or all run. */
static void boot_more(kern_system *s)
{
	kern_state *k = s->k;
	while (s->next < s->f->nprogs) {
		sys_prog *bp = &s->progs[s->next];
		if (bp->g->manual) {   /* checked, and left for someone to start by name or CID */
			s->next++;
			continue;
		}
		if (!bp->asked) {
			bp->asked = true;
			if (start(bp) != 0) {
				fail_system(s, bp->why);
				return;
			}
		}
		if (bp->loading) return;
		if (bp->failed) {
			fail_system(s, bp->why);
			return;
		}
		for (int r = 0; r < SYSTEM_REGISTER_ROUNDS && !registered(bp) && alive(bp) && kern_has_ready(k); r++)
			kern_run_ready(k);
		s->next++;
	}
	s->state = KERN_SYSTEM_RUNNING;
}

/* ---- running ---------------------------------------------------------------------------- */

/* RUNNING, between rounds: an essential program that ended ends the system; a
 * `restart` one is started again. */
static void supervise(kern_system *s)
{
	kern_state *k = s->k;
	bool waiting = false;          /* a restart by CID waits for its loader */
	for (uint32_t i = 0; i < s->f->nprogs; i++) {
		sys_prog *bp = &s->progs[i];
		kern_proc_info info;
		waiting |= bp->loading;
		if (!bp->pid || bp->loading || kern_proc_get(k, bp->pid, &info) != 0 || info.state != KERN_PROC_DEAD)
			continue;
		if (bp->g->essential) {
			s->state = KERN_SYSTEM_ENDED;
			s->exit_code = info.exit_code;
			say(s, KERN_LOG_INFO, "essential program %s ended (exit %d)", bp->g->name, info.exit_code);
			return;
		}
		if (!bp->g->restart) continue;
		uint64_t old = bp->pid;
		bp->pid = 0;
		if (bp->restarts++ == SYSTEM_MAX_RESTARTS) {
			say(s, KERN_LOG_WARN, "%s ended %d times: not restarting it", bp->g->name, SYSTEM_MAX_RESTARTS + 1);
			continue;
		}
		say(s, KERN_LOG_WARN, "%s (pid %llu) ended with exit code %d: restarting it", bp->g->name,
		    (unsigned long long)old, info.exit_code);
		kern_reap(k, old);
		/* (a start by CID tells its own failure, in on_loaded) */
		if (start(bp) != 0 && bp->g->path) say(s, KERN_LOG_WARN, "%s", bp->why);
		waiting |= bp->loading;
	}
	if (!waiting && kern_live_count(k) == 0) {
		s->state = KERN_SYSTEM_ENDED;
		s->exit_code = 0;
	}
}

int kern_system_step(kern_system *s)
{
	if (s->state == KERN_SYSTEM_STARTING) boot_more(s);
	else if (s->state == KERN_SYSTEM_RUNNING) supervise(s);
	return s->state;
}

int kern_system_stalled(kern_system *s)
{
	if (s->state == KERN_SYSTEM_STARTING) {
		sys_prog *bp = &s->progs[s->next];
		failf(bp, bp->g->line, "%s: the loader did not answer", bp->g->source);
		fail_system(s, bp->why);
	}
	return s->state;
}

int kern_system_exit_code(const kern_system *s) { return s->exit_code; }

const char *kern_system_why(const kern_system *s) { return s->state == KERN_SYSTEM_FAILED ? s->why : ""; }

/* ---- the natives ------------------------------------------------------------------------ */

typedef struct natives {
	uint8_t ids[SYSTEM_MAX_NATIVES][KERN_ID_SIZE];
	uint32_t n;
} natives;

static void collect_native(void *ud, const uint8_t *iface, uint64_t pid)
{
	natives *n = ud;
	if (pid == 0 && n->n < SYSTEM_MAX_NATIVES && !kern_id_equal(iface, ifc_interface_id))
		kern_id_copy(n->ids[n->n++], iface);
}

static bool has_id(const kern_sysfile_ids *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (kern_id_equal(s->ids[i], id)) return true;
	return false;
}

static const char *iface_name(const uint8_t *id)
{
	const ifc_all_info *info = ifc_all_by_id(id);
	return info ? info->name : "(an interface without a definition here)";
}

/* Keeps the natives the file asks for; -1 with why in err when it names one this
 * platform lacks. */
static int choose_natives(kern_system *s, char *err, size_t errlen)
{
	natives have = { .n = 0 };
	kern_handler_each(s->k, collect_native, &have);
	const kern_sysfile_ids *want = &s->f->natives;
	for (uint32_t i = 0; i < want->n; i++) {
		bool found = false;
		for (uint32_t j = 0; j < have.n; j++) found |= kern_id_equal(have.ids[j], want->ids[i]);
		if (found) continue;
		int n = wos_snprintf(err, errlen, "%s:%d: no native handler for %s here; natives:", s->f->file,
				     want->lines[i], iface_name(want->ids[i]));
		for (uint32_t j = 0; j < have.n && n >= 0 && (size_t)n < errlen; j++)
			n += wos_snprintf(err + n, errlen - (size_t)n, " %s", iface_name(have.ids[j]));
		return -1;
	}
	for (uint32_t j = 0; j < have.n; j++) {
		bool keep = want->n ? has_id(want, have.ids[j]) : true;
		for (uint32_t p = 0; p < s->f->nprogs; p++) keep &= !has_id(&s->f->progs[p].handles, have.ids[j]);
		if (!keep) kern_native_unregister(s->k, have.ids[j]);
	}
	return 0;
}

/* ---- preparing each program -------------------------------------------------------------- */

static int prepare(kern_system *s, sys_prog *bp, const kern_sysfile_program *g)
{
	const kern_system_hooks *h = &s->h;
	bp->s = s;
	bp->g = g;
	bp->allow = mem(s, (g->allow.n + 2) * (size_t)KERN_ID_SIZE);
	bp->preopens = mem(s, (g->ndirs + 1) * sizeof *bp->preopens);
	if (!bp->allow || !bp->preopens) return failf(bp, g->line, "out of memory");
	for (uint32_t i = 0; i < g->allow.n; i++) kern_id_copy(bp->allow[i], g->allow.ids[i]);
	bp->nallow = g->allow.n;
	if (g->ndirs) kern_id_copy(bp->allow[bp->nallow++], ifc_files_id);
	if (g->nlistens) kern_id_copy(bp->allow[bp->nallow++], ifc_tcp_id);
	if (g->ndirs && (!h->dir_grant || !h->dir_allow))
		return failf(bp, g->dirs_line, "dir: this kernel has no host folders");
	if (g->nlistens && !h->listen_bind)
		return failf(bp, g->listens_line, "listen: this kernel has no host sockets");
	for (uint32_t d = 0; d < g->ndirs; d++) {
		char why[256];
		if (h->dir_grant(h->ud, g->dirs[d].host, &bp->preopens[d].host_key, why, sizeof why) != 0)
			return failf(bp, g->dirs_line, "dir %s: %s", g->dirs[d].host, why);
		bp->preopens[d].guest_path = g->dirs[d].guest;
	}
	if (g->path) {
		/* read once now, so that no program starts when one of them cannot */
		if (!h->paths.read)
			return failf(bp, g->line, "%s: this kernel starts programs by CID only", g->path);
		uint8_t *bytes = NULL;
		size_t len = 0;
		char why[256];
		if (h->paths.read(h->paths.ud, g->path, &bytes, &len, why, sizeof why) != 0)
			return failf(bp, g->line, "%s: %s", g->path, why);
		if (h->paths.release) h->paths.release(h->paths.ud, bytes, len);
	}
	return 0;
}

/* A platform without a network: the file's first network line is refused. */
static int refuse_network(const kern_sysfile *f, char *err, size_t errlen)
{
	const kern_sysfile_words *lists[] = { &f->peers, &f->gateways, &f->p2p_listens };
	const char *keys[] = { "peer", "gateway", "p2p-listen" };
	int first = -1;
	for (int i = 0; i < 3; i++)
		if (lists[i]->n && (first < 0 || lists[i]->lines[0] < lists[first]->lines[0])) first = i;
	if (first < 0) return 0;
	wos_snprintf(err, errlen, "%s:%d: %s: this kernel has no network", f->file, lists[first]->lines[0],
		     keys[first]);
	return -1;
}

int kern_system_new(kern_state *k, const kern_sysfile *f, const kern_system_hooks *hooks, kern_system **out,
		    char *err, size_t errlen)
{
	*out = NULL;
	if (errlen) err[0] = 0;
	kern_system *s = k->alloc.fn(k->alloc.ud, NULL, 0, sizeof *s);
	if (!s) {
		wos_snprintf(err, errlen, "%s: out of memory", f->file);
		return -1;
	}
	__builtin_memset(s, 0, sizeof *s);
	s->k = k;
	s->alloc = k->alloc;
	s->f = f;
	s->h = *hooks;
	s->progs = mem(s, f->nprogs * sizeof *s->progs);
	if (!s->progs) {
		wos_snprintf(err, errlen, "%s: out of memory", f->file);
		goto out_free;
	}
	if (choose_natives(s, err, errlen) != 0) goto out_free;
	if (!hooks->network && refuse_network(f, err, errlen) != 0) goto out_free;
	for (uint32_t p = 0; p < f->nprogs; p++) {
		if (prepare(s, &s->progs[p], &f->progs[p]) != 0) {
			wos_snprintf(err, errlen, "%s", s->progs[p].why);
			goto out_free;
		}
	}
	*out = s;
	return 0;
out_free:
	kern_system_free(s);
	return -1;
}

int kern_system_boot(kern_state *k, const char *file, const char *text, size_t len,
		     const kern_system_hooks *hooks, kern_system **out, char *err, size_t errlen)
{
	kern_sysfile *f;
	*out = NULL;
	if (kern_sysfile_parse(&k->alloc, file, text, len, &f, err, errlen) != 0) return -1;
	if (kern_system_new(k, f, hooks, out, err, errlen) != 0) {
		kern_sysfile_free(f);
		return -1;
	}
	(*out)->owned = f;
	kern_system_step(*out);
	return 0;
}

void kern_system_free(kern_system *s)
{
	if (!s) return;
	for (uint32_t p = 0; s->progs && p < s->f->nprogs; p++) {
		sys_prog *bp = &s->progs[p];
		/* a load still on its way must not call back into freed memory */
		if (bp->loading) kern_load_forget(s->k, bp);
		unmem(s, bp->allow, (bp->g ? bp->g->allow.n + 2 : 0) * (size_t)KERN_ID_SIZE);
		unmem(s, bp->preopens, (bp->g ? bp->g->ndirs + 1 : 0) * sizeof *bp->preopens);
	}
	unmem(s, s->progs, s->f->nprogs * sizeof *s->progs);
	kern_sysfile_free(s->owned);
	eng_alloc a = s->alloc;
	a.fn(a.ud, s, sizeof *s, 0);
}
