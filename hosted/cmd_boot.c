/* cmd_boot.c: `wasmos boot [OPTIONS] SYSTEM-FILE`: starts the programs a system file
 * names (docs/system.md) in one hosted kernel and runs them until an essential one
 * ends (the exit status is its exit code), every program has ended, or Ctrl-C.
 *
 * Order: programs start in file order.  A program that handles interfaces gets
 * turns until it has registered them (or blocks, or ends) before the next one
 * starts, so later programs find their handlers; a program that might still race
 * one can send with WOS_EMIT_WAIT_HANDLER.  A program named by CID is loaded through
 * whoever handles `loader` (the native store loader unless a program took it) and
 * checked against its CID by the kernel.  Any failure to start stops the boot with
 * "FILE:LINE: program NAME: why".
 *
 * Natives: without `native` lines every native handler of this platform stays,
 * except those a program handles; with them, exactly the named ones stay (the
 * kernel's own `interface` always does).
 */
#define _GNU_SOURCE
#include "hosted.h"
#include "natives.h"
#include "system.h"
#include "files.h"
#include "tcp.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ifc_all.h"

/* Turns a handler gets to register its interfaces before the next program starts. */
#define BOOT_REGISTER_ROUNDS 10000
/* Restarts of one `restart` program before boot gives up on it. */
#define BOOT_MAX_RESTARTS 100

typedef struct boot boot;

typedef struct boot_prog {
	boot *b;
	const kern_sysfile_program *g;
	uint8_t (*allow)[KERN_ID_SIZE];  /* g's allow, plus files and tcp for dir and listen */
	uint32_t nallow;
	kern_preopen *preopens;          /* host_key from hosted_files_grant, made once */
	uint64_t pid;                    /* 0: not started (yet) */
	bool loading;                    /* a start by CID waits for its loader */
	bool failed;                     /* the last start failed (why says how) */
	char why[512];
	uint32_t restarts;
} boot_prog;

struct boot {
	hosted_sys sys;
	kern_sysfile *file;
	boot_prog *progs;
	bool verbose;
	bool running;                    /* every program was started: failures are only told */
	bool shutting_down;              /* kern_free may still call back: do nothing then */
	bool ended;                      /* an essential program ended */
	int status;
};

static boot *running;

static void on_sigint(int sig)
{
	(void)sig;
	if (running) hosted_loop_stop(running->sys.loop);
}

static void usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos boot [OPTIONS] SYSTEM-FILE\n");
	if (!full) {
		fprintf(f, "(wasmos boot --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Boots the system SYSTEM-FILE describes (docs/system.md) in one hosted wasmos\n"
		"kernel: starts its programs in file order, by path or by CID (loaded from the\n"
		"local store through the loader interface and checked against the CID), with\n"
		"their arguments, environment, folders, grants and limits, and runs them until an\n"
		"essential program ends, every program has ended, or Ctrl-C.\n"
		"\n"
		"A system file, line by line ('#' starts a comment):\n"
		"  native IFACE...             platform handlers to keep (default: all)\n"
		"  fuel-slice N / max-memory SIZE   before any program: every program's default\n"
		"  program NAME SOURCE         SOURCE is a CID (bafkrei...) or a path, relative to\n"
		"                              the system file; the lines after it describe it:\n"
		"    args WORD...              its arguments (\"quoted words\" may hold spaces)\n"
		"    env KEY=VALUE...          its environment\n"
		"    allow IFACE...            interfaces it may use beyond log, time, random\n"
		"    deny IFACE...             interfaces it may not use, defaults included\n"
		"    handles IFACE...          interfaces it may register to handle\n"
		"    dir HOST[::GUEST]...      host folders it may use (WASI preopens)\n"
		"    listen ADDR...            listening TCP sockets for a WASI program\n"
		"    fuel-slice N              fuel per turn before another program runs\n"
		"    max-memory SIZE           memory limit: 64M, 1G, or pages as 100p\n"
		"    max-message SIZE          largest message body it may send (default 1M)\n"
		"    max-queue N               messages queued for it as a handler (default 1024)\n"
		"    max-outstanding N         messages it may await answers to (default 1024)\n"
		"    essential                 when it ends, the system ends with its exit code\n"
		"    restart                   when it ends, start it again\n"
		"\n"
		"  --check          read the file and check it (programs' files, natives), start nothing\n"
		"  --prefix         prefix each output line with [pid name]\n"
		"  -v, --verbose    the kernel's own info lines on stderr\n"
		"\n"
		"Exit status: the essential program's exit code; 0 when every program ended\n"
		"and none is essential; 1 a bad system file or a program that did not start;\n"
		"130 Ctrl-C; 64 bad usage.\n");
}

/* ---- starting a program --------------------------------------------------------------- */

static int bootf_at(boot_prog *bp, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define bootf(bp, ...) bootf_at(bp, (bp)->g->line, __VA_ARGS__)

/* Records why bp did not start, as FILE:LINE: program NAME: ... */
static int bootf_at(boot_prog *bp, int line, const char *fmt, ...)
{
	int n = snprintf(bp->why, sizeof bp->why, "%s:%d: program %s: ", bp->b->file->file, line, bp->g->name);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof bp->why) vsnprintf(bp->why + n, sizeof bp->why - (size_t)n, fmt, ap);
	va_end(ap);
	bp->failed = true;
	return -1;
}

/* What a start needs once the pid is known: its folders. */
static int started(boot_prog *bp, uint64_t pid)
{
	bp->pid = pid;
	bp->failed = false;
	for (uint32_t d = 0; d < bp->g->ndirs; d++)
		if (hosted_files_allow(bp->b->sys.files, bp->preopens[d].host_key, pid) != 0)
			return bootf(bp, "out of memory");
	return 0;
}

static void on_loaded(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	(void)k;
	boot_prog *bp = ud;
	bp->loading = false;
	if (bp->b->shutting_down) return;
	if (rc) bootf(bp, "%s", why);
	else started(bp, pid);
	/* a restart by CID that failed after the boot: nobody waits to print it */
	if (bp->failed && bp->b->running) fprintf(stderr, "wasmos boot: %s\n", bp->why);
}

/* Starts bp's program (again).  0 when started or, by CID, asked for (bp->loading);
 * -1 with bp->why. */
static int start(boot_prog *bp)
{
	boot *b = bp->b;
	const kern_sysfile_program *g = bp->g;
	kern_spawn_args a;
	memset(&a, 0, sizeof a);
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
	/* listening sockets: bound at each start (the last holder's closed when it ended) */
	char (*bound)[HOSTED_TCP_ADDR_MAX] = NULL;
	const char **listens = NULL;
	int rc = -1;
	if (g->nlistens) {
		bound = calloc(g->nlistens, sizeof *bound);
		listens = calloc(g->nlistens, sizeof *listens);
		if (!bound || !listens) {
			bootf(bp, "out of memory");
			goto out;
		}
	}
	for (uint32_t l = 0; l < g->nlistens; l++) {
		int e = hosted_tcp_prebind(b->sys.tcp, g->listens[l], bound[l], sizeof bound[l]);
		if (e) {
			bootf_at(bp, g->listens_line, "listen %s: %s", g->listens[l],
			      e == EINVAL ? "not an address like 127.0.0.1:8080 or [::1]:0" : strerror(e));
			goto out;
		}
		listens[l] = bound[l];
		if (strcmp(bound[l], g->listens[l]))
			fprintf(stderr, "wasmos boot: %s listens on %s\n", g->name, bound[l]);
	}
	a.listens = listens;
	a.nlistens = g->nlistens;
	bp->pid = 0;
	if (!g->path) {
		bp->loading = true;
		bp->failed = false;
		kern_spawn_cid(b->sys.k, g->source, &a, on_loaded, bp);
		rc = bp->failed ? -1 : 0;
		goto out;
	}
	uint8_t *bytes;
	size_t len;
	if (hosted_file_read(g->path, &bytes, &len) != 0) {
		bootf(bp, "%s: %s", g->path, strerror(errno));
		goto out;
	}
	a.wasm = bytes;
	a.wasm_len = len;
	eng_error err;
	uint64_t pid;
	int krc = kern_spawn(b->sys.k, &a, &pid, &err);
	free(bytes);
	if (krc == KERN_ELOAD)
		bootf(bp, "%s: %s: %s (at byte offset 0x%" PRIx32 ")", g->path, eng_error_text(err.code), err.msg,
		      err.offset);
	else if (krc)
		bootf(bp, "%s: %s", g->path, kern_error_text(krc));
	else
		rc = started(bp, pid);
out:
	free(bound);
	free(listens);
	return rc;
}

static bool load_done(void *ud)
{
	boot_prog *bp = ud;
	return !bp->loading;
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
	if (!memcmp(iface, h->id, KERN_ID_SIZE)) h->found = true;
}

static bool registered(boot_prog *bp)
{
	for (uint32_t i = 0; i < bp->g->handles.n; i++) {
		handled h = { bp->g->handles.ids[i], false };
		kern_handler_each(bp->b->sys.k, find_handler, &h);
		if (!h.found) return false;
	}
	return true;
}

static bool alive(boot_prog *bp)
{
	kern_proc_info info;
	return bp->pid && kern_proc_get(bp->b->sys.k, bp->pid, &info) == 0 && info.state != KERN_PROC_DEAD;
}

/* Starts bp at boot: waits for its loader, then for its registrations. */
static int boot_one(boot_prog *bp)
{
	boot *b = bp->b;
	if (start(bp) != 0) return -1;
	if (bp->loading) {
		hosted_loop_run(b->sys.loop, b->sys.k, load_done, bp);
		if (bp->loading) return bootf(bp, "%s: the loader did not answer", bp->g->source);
		if (bp->failed) return -1;
	}
	for (int r = 0; r < BOOT_REGISTER_ROUNDS && !registered(bp) && alive(bp) && kern_has_ready(b->sys.k); r++)
		kern_run_ready(b->sys.k);
	return 0;
}

/* ---- the natives ------------------------------------------------------------------------ */

typedef struct natives {
	uint8_t ids[64][KERN_ID_SIZE];
	uint32_t n;
} natives;

static void collect_native(void *ud, const uint8_t *iface, uint64_t pid)
{
	natives *n = ud;
	if (pid == 0 && n->n < 64 && memcmp(iface, ifc_interface_id, KERN_ID_SIZE))
		memcpy(n->ids[n->n++], iface, KERN_ID_SIZE);
}

static bool has_id(const kern_sysfile_ids *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (!memcmp(s->ids[i], id, KERN_ID_SIZE)) return true;
	return false;
}

static const char *iface_name(const uint8_t *id)
{
	const ifc_all_info *info = ifc_all_by_id(id);
	return info ? info->name : "(an interface without a definition here)";
}

/* Keeps the natives the file asks for; prints why and returns -1 when it names one
 * this platform lacks. */
static int choose_natives(boot *b)
{
	natives have = { .n = 0 };
	kern_handler_each(b->sys.k, collect_native, &have);
	const kern_sysfile_ids *want = &b->file->natives;
	for (uint32_t i = 0; i < want->n; i++) {
		bool found = false;
		for (uint32_t j = 0; j < have.n; j++) found |= !memcmp(have.ids[j], want->ids[i], KERN_ID_SIZE);
		if (!found) {
			fprintf(stderr, "wasmos boot: %s:%d: no native handler for %s here; natives:", b->file->file,
				want->lines[i], iface_name(want->ids[i]));
			for (uint32_t j = 0; j < have.n; j++) fprintf(stderr, " %s", iface_name(have.ids[j]));
			fprintf(stderr, "\n");
			return -1;
		}
	}
	for (uint32_t j = 0; j < have.n; j++) {
		bool keep = want->n ? has_id(want, have.ids[j]) : true;
		for (uint32_t p = 0; p < b->file->nprogs; p++) keep &= !has_id(&b->file->progs[p].handles, have.ids[j]);
		if (!keep) kern_native_unregister(b->sys.k, have.ids[j]);
	}
	return 0;
}

/* ---- preparing each program -------------------------------------------------------------- */

static int prepare(boot *b, boot_prog *bp, const kern_sysfile_program *g)
{
	bp->b = b;
	bp->g = g;
	bp->allow = calloc(g->allow.n + 2, KERN_ID_SIZE);
	bp->preopens = calloc(g->ndirs + 1, sizeof *bp->preopens);
	if (!bp->allow || !bp->preopens) return bootf(bp, "out of memory");
	if (g->allow.n) memcpy(bp->allow, g->allow.ids, g->allow.n * (size_t)KERN_ID_SIZE);
	bp->nallow = g->allow.n;
	if (g->ndirs) memcpy(bp->allow[bp->nallow++], ifc_files_id, KERN_ID_SIZE);
	if (g->nlistens) memcpy(bp->allow[bp->nallow++], ifc_tcp_id, KERN_ID_SIZE);
	for (uint32_t d = 0; d < g->ndirs; d++) {
		if (!b->sys.files) return bootf_at(bp, g->dirs_line, "dir: this wasmos has no files handler");
		if (hosted_files_grant(b->sys.files, g->dirs[d].host, &bp->preopens[d].host_key) != 0)
			return bootf_at(bp, g->dirs_line, "dir %s: %s", g->dirs[d].host, strerror(errno));
		bp->preopens[d].guest_path = g->dirs[d].guest;
	}
	if (g->path && access(g->path, R_OK) != 0) return bootf(bp, "%s: %s", g->path, strerror(errno));
	return 0;
}

/* ---- running ---------------------------------------------------------------------------- */

/* Between rounds: an essential program that ended ends the system; a `restart` one is
 * started again. */
static bool boot_done(void *ud)
{
	boot *b = ud;
	for (uint32_t i = 0; i < b->file->nprogs; i++) {
		boot_prog *bp = &b->progs[i];
		kern_proc_info info;
		if (!bp->pid || bp->loading || kern_proc_get(b->sys.k, bp->pid, &info) != 0 ||
		    info.state != KERN_PROC_DEAD)
			continue;
		if (bp->g->essential) {
			b->ended = true;
			b->status = info.exit_code & 0xff;
			if (b->verbose)
				fprintf(stderr, "wasmos boot: essential program %s ended (exit %d)\n", bp->g->name,
					info.exit_code);
			return true;
		}
		if (!bp->g->restart) continue;
		uint64_t old = bp->pid;
		bp->pid = 0;
		if (bp->restarts++ == BOOT_MAX_RESTARTS) {
			fprintf(stderr, "wasmos boot: %s ended %d times: not restarting it\n", bp->g->name,
				BOOT_MAX_RESTARTS + 1);
			continue;
		}
		fprintf(stderr, "wasmos boot: %s (pid %" PRIu64 ") ended with exit code %d: restarting it\n",
			bp->g->name, old, info.exit_code);
		kern_reap(b->sys.k, old);
		/* (a start by CID tells its own failure, in on_loaded) */
		if (start(bp) != 0 && bp->g->path) fprintf(stderr, "wasmos boot: %s\n", bp->why);
	}
	return false;
}

/* Reads and parses the system file at path; as kern_sysfile_parse ("PATH: reason"
 * when it cannot be read). */
static int load_file(const char *path, kern_sysfile **out, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	*out = NULL;
	if (hosted_file_read(path, &text, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = kern_sysfile_parse(&hosted_alloc, path, (const char *)text, len, out, err, errlen);
	free(text);
	return rc;
}

int hosted_cmd_boot(int argc, char **argv)
{
	bool check = false, prefix = false, verbose = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, true);
			return HOSTED_EXIT_OK;
		} else if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "--prefix")) {
			prefix = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
		} else {
			fprintf(stderr, "wasmos boot: unknown option '%s'\n", a);
			usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (i + 1 != argc) {
		fprintf(stderr, "wasmos boot: %s\n", i == argc ? "no SYSTEM-FILE given" : "one SYSTEM-FILE only");
		usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	static boot b;
	memset(&b, 0, sizeof b);
	b.verbose = verbose;
	int status = HOSTED_EXIT_ERROR;
	char err[1024];
	if (load_file(argv[i], &b.file, err, sizeof err) != 0) {
		fprintf(stderr, "wasmos boot: %s\n", err);
		return HOSTED_EXIT_ERROR;
	}
	b.sys.prefix = prefix;
	b.sys.quiet_kernel = !verbose;
	b.progs = calloc(b.file->nprogs, sizeof *b.progs);
	if (!b.progs || hosted_sys_init(&b.sys, &b.file->limits) != 0) {
		fprintf(stderr, "wasmos boot: out of memory\n");
		goto out;
	}
	if (choose_natives(&b) != 0) goto out;
	for (uint32_t p = 0; p < b.file->nprogs; p++) {
		if (prepare(&b, &b.progs[p], &b.file->progs[p]) != 0) {
			fprintf(stderr, "wasmos boot: %s\n", b.progs[p].why);
			goto out;
		}
	}
	if (check) {
		printf("%s: ok, %u program%s\n", b.file->file, b.file->nprogs, b.file->nprogs == 1 ? "" : "s");
		status = HOSTED_EXIT_OK;
		goto out;
	}
	running = &b;
	signal(SIGINT, on_sigint);
	for (uint32_t p = 0; p < b.file->nprogs; p++) {
		if (boot_one(&b.progs[p]) != 0) {
			fprintf(stderr, "wasmos boot: %s\n", b.progs[p].why);
			goto out;
		}
	}
	b.running = true;
	int rc = hosted_loop_run(b.sys.loop, b.sys.k, boot_done, &b);
	if (b.ended) {
		status = b.status;
	} else if (rc != 0) {
		status = HOSTED_EXIT_ERROR;
	} else if (kern_live_count(b.sys.k) == 0) {
		status = HOSTED_EXIT_OK;
	} else {
		fprintf(stderr, "wasmos boot: interrupted\n");
		status = 130;
	}
out:
	running = NULL;
	b.shutting_down = true;
	if (b.sys.k) hosted_sys_free(&b.sys);
	for (uint32_t p = 0; b.progs && p < b.file->nprogs; p++) {
		free(b.progs[p].allow);
		free(b.progs[p].preopens);
	}
	free(b.progs);
	kern_sysfile_free(b.file);
	return status;
}
