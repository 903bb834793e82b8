/* cmd_boot.c: `wasmos boot [OPTIONS] SYSTEM-FILE`: boots the system a system file
 * describes (docs/system.md) in one hosted kernel and runs it until an essential
 * program ends (the exit status is its exit code), every program has ended, or Ctrl-C.
 *
 * The system itself is the kernel's (kernel/system.c: the natives kept, the
 * programs started in order, restarts); this file is what is Linux: the command
 * line, reading the file, the hooks for host paths, folders and listening sockets,
 * SIGINT, and the epoll loop that runs it (loop.c).
 */
#define _GNU_SOURCE
#include "hosted.h"
#include "natives.h"
#include "control.h"
#include "system.h"
#include "files.h"
#include "tcp.h"
#include "fetch.h"
#include "p2p.h"
#include "http.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct boot {
	hosted_sys sys;
	kern_sysfile *file;
	kern_system *system;
	bool verbose;
} boot;

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
		"  peer MULTIADDR...           before any program: peers to fetch from, as --peer\n"
		"  gateway URL...              before any program: gateways, as --gateway\n"
		"  p2p-listen MULTIADDR...     before any program: where the node accepts peers, as --listen\n"
		"  offline                     before any program: no network, as --offline\n"
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
		"A program named by a CID the store lacks is fetched from the network (its\n"
		"peers over bitswap and the DHT providers they know, then gateways).  These\n"
		"options add to the file's peer, gateway and p2p-listen lines (asked first);\n"
		"--offline or an offline line turns the network off:\n"
		"%s%s"
		"\n"
		"Exit status: the essential program's exit code; 0 when every program ended\n"
		"and none is essential; 1 a bad system file or a program that did not start;\n"
		"130 Ctrl-C; 64 bad usage.\n",
		hosted_fetch_options_help, hosted_p2p_flags_help);
}

/* ---- the hooks: what only Linux has -------------------------------------------------- */

static int dir_grant(void *ud, const char *host, uint32_t *key, char *why, size_t whylen)
{
	boot *b = ud;
	if (hosted_files_grant(b->sys.files, host, key) == 0) return 0;
	snprintf(why, whylen, "%s", strerror(errno));
	return -1;
}

static int dir_allow(void *ud, uint32_t key, uint64_t pid)
{
	boot *b = ud;
	return hosted_files_allow(b->sys.files, key, pid);
}

static int listen_bind(void *ud, const char *addr, char *bound, size_t boundlen, char *why, size_t whylen)
{
	boot *b = ud;
	int e = hosted_tcp_prebind(b->sys.tcp, addr, bound, boundlen);
	if (!e) return 0;
	snprintf(why, whylen, "%s", e == EINVAL ? "not an address like 127.0.0.1:8080 or [::1]:0" : strerror(e));
	return -1;
}

static void say(void *ud, int level, const char *line)
{
	boot *b = ud;
	if (level == KERN_LOG_INFO && !b->verbose) return;
	fprintf(stderr, "wasmos boot: %s\n", line);
}

/* Between rounds: the system moves on; the loop ends with it. */
static bool boot_done(void *ud)
{
	boot *b = ud;
	int state = kern_system_step(b->system);
	return state == KERN_SYSTEM_ENDED || state == KERN_SYSTEM_FAILED;
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

/* The file's network lines, checked (naming their line) and added after the
 * command line's: its --peer, --listen and --gateway come first (gateways are asked
 * in order), the file's after them; --offline or an `offline` line turns off all of
 * it.  The strings stay the file's (it outlives the node and the fetcher). */
static int apply_network(const kern_sysfile *f, hosted_p2p_opts *o, hosted_fetch_config *c, char *err,
			 size_t errlen)
{
	const kern_sysfile_words *maddrs[] = { &f->peers, &f->p2p_listens };
	for (int k = 0; k < 2; k++) {
		bool peer = k == 0;
		const char *key = peer ? "peer" : "p2p-listen";
		for (uint32_t i = 0; i < maddrs[k]->n; i++) {
			const char *v = maddrs[k]->words[i];
			int line = maddrs[k]->lines[i];
			const char *why = hosted_p2p_check(peer, v);
			if (why) {
				snprintf(err, errlen, "%s:%d: %s: bad multiaddr %s: %s", f->file, line, key, v, why);
				return -1;
			}
			size_t *n = peer ? &o->npeers : &o->nlistens;
			if (*n == HOSTED_P2P_MAX_FLAGS) {
				snprintf(err, errlen, "%s:%d: %s: at most %d, with the command line's", f->file, line, key,
					 HOSTED_P2P_MAX_FLAGS);
				return -1;
			}
			(peer ? o->peers : o->listens)[(*n)++] = v;
		}
	}
	for (uint32_t i = 0; i < f->gateways.n; i++) {
		const char *v = f->gateways.words[i];
		int line = f->gateways.lines[i];
		net_http_url u;
		char why[256];
		if (net_http_url_parse(v, &u, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%d: gateway: bad URL %s: %s", f->file, line, v, why);
			return -1;
		}
		if (c->ngateways == HOSTED_FETCH_MAX_SOURCES) {
			snprintf(err, errlen, "%s:%d: gateway: at most %u, with the command line's", f->file, line,
				 HOSTED_FETCH_MAX_SOURCES);
			return -1;
		}
		c->gateways[c->ngateways++] = v;
	}
	if (f->offline_line) {
		o->offline = true;
		c->offline = true;
	}
	return 0;
}

int hosted_cmd_boot(int argc, char **argv)
{
	bool check = false, prefix = false, verbose = false;
	hosted_fetch_config fetch;
	memset(&fetch, 0, sizeof fetch);
	fetch.progress = -1;
	hosted_p2p_opts p2o;
	memset(&p2o, 0, sizeof p2o);
	hosted_fetch_net net = { 0 };
	int i = 1, fo;
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
		} else if ((fo = hosted_fetch_option("boot", argc, argv, &i, &fetch)) != 0 ||
			   (fo = hosted_p2p_flag(&p2o, "boot", argc, argv, &i)) != 0) {
			if (fo < 0) return HOSTED_EXIT_USAGE;
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
	if (apply_network(b.file, &p2o, &fetch, err, sizeof err) != 0) {
		fprintf(stderr, "wasmos boot: %s\n", err);
		goto out;
	}
	b.sys.prefix = prefix;
	b.sys.quiet_kernel = !verbose;
	/* the file's limits are the whole kernel's: loads by CID answer within them too */
	if (hosted_sys_init(&b.sys, &b.file->limits) != 0) {
		fprintf(stderr, "wasmos boot: out of memory\n");
		goto out;
	}
	hosted_fetch_defaults(&fetch);
	if (hosted_fetch_net_start(&net, b.sys.loop, &p2o, &fetch, "boot") != 0) goto out;
	if (hosted_loader_configure(&b.sys, &fetch, err, sizeof err) != 0) {
		fprintf(stderr, "wasmos boot: %s\n", err);
		status = HOSTED_EXIT_USAGE;
		goto out;
	}
	kern_system_hooks hooks = {
		.paths = hosted_program_reader,
		.dir_grant = dir_grant,
		.dir_allow = dir_allow,
		.listen_bind = listen_bind,
		.say = say,
		.ud = &b,
		.network = true,
	};
	if (kern_system_new(b.sys.k, b.file, &hooks, &b.system, err, sizeof err) != 0) {
		fprintf(stderr, "wasmos boot: %s\n", err);
		goto out;
	}
	if (check) {
		printf("%s: ok, %u program%s\n", b.file->file, b.file->nprogs, b.file->nprogs == 1 ? "" : "s");
		status = HOSTED_EXIT_OK;
		goto out;
	}
	running = &b;
	signal(SIGINT, on_sigint);
	int rc = 0;
	int state = kern_system_step(b.system);
	if (state == KERN_SYSTEM_STARTING || state == KERN_SYSTEM_RUNNING)
		rc = hosted_loop_run(b.sys.loop, b.sys.k, boot_done, &b);
	/* the loop gave up (nothing can wake anyone) or was stopped while starting */
	state = kern_system_stalled(b.system);
	if (state == KERN_SYSTEM_FAILED) {
		fprintf(stderr, "wasmos boot: %s\n", kern_system_why(b.system));
		status = HOSTED_EXIT_ERROR;
	} else if (state == KERN_SYSTEM_ENDED) {
		status = kern_system_exit_code(b.system) & 0xff;
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
	kern_system_free(b.system); /* before the kernel: it may still hold a load for it */
	if (net.p2p) {
		/* the loader's fetcher lets go of the network first (its wants end) */
		hosted_fetch_config none = { .offline = true };
		if (b.sys.loader) hosted_loader_configure(&b.sys, &none, err, sizeof err);
		hosted_fetch_net_stop(&net);
	}
	if (b.sys.k) hosted_sys_free(&b.sys);
	kern_sysfile_free(b.file);
	return status;
}
