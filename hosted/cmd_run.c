/* cmd_run.c: `wasmos run [OPTIONS] FILE.wasm|CID [ARGS...]`: runs one program as a
 * process of a hosted kernel and exits with its exit code.  (`--invoke` calls one
 * export without a kernel: run.c.)
 */
#define _GNU_SOURCE
#include "hosted.h"
#include "natives.h"
#include "tcp.h"
#include "files.h"
#include "control.h"
#include "fetch.h"
#include "p2p.h"
#include "ifc_all.h"
#include "size.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 64

typedef struct run_opts {
	const char *env[MAX_LIST];
	uint32_t nenv;
	uint8_t allow[MAX_LIST][KERN_ID_SIZE];
	uint32_t nallow;
	uint8_t deny[MAX_LIST][KERN_ID_SIZE];
	uint32_t ndeny;
	const char *listen[MAX_LIST];   /* --listen addresses */
	uint32_t nlisten;
	const char *dirs[MAX_LIST];      /* --dir HOST[::GUEST] */
	uint32_t ndirs;
	kern_limits limits;
	hosted_fetch_config fetch;       /* --gateway, --offline, --fetch-timeout */
	bool prefix;
	bool verbose;
	hosted_p2p_opts p2p;             /* --peer, --listen MULTIADDR */
} run_opts;

static hosted_sys *running;

static void on_sigint(int sig)
{
	(void)sig;
	if (running) hosted_loop_stop(running->loop);
}

static int parse_iface(const char *name, uint8_t out[KERN_ID_SIZE])
{
	const ifc_all_info *i = ifc_all_by_name(name, (uint32_t)strlen(name));
	if (!i) return -1;
	memcpy(out, i->id, KERN_ID_SIZE);
	return 0;
}

/* The end of a kern_spawn_cid. */
typedef struct spawn_wait {
	bool done;
	int rc;
	uint64_t pid;
	char why[256];
} spawn_wait;

static void spawned(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	(void)k;
	spawn_wait *w = ud;
	w->done = true;
	w->rc = rc;
	w->pid = pid;
	snprintf(w->why, sizeof w->why, "%s", why ? why : "");
}

static bool spawn_done(void *ud) { return ((spawn_wait *)ud)->done; }

static bool main_done(void *ud)
{
	hosted_sys *s = ud;
	return s->main_done;
}

int hosted_cmd_run_kernel(int argc, char **argv)
{
	static run_opts o;
	memset(&o, 0, sizeof o);
	o.fetch.progress = -1;
	int i = 1, fo;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			hosted_run_usage(stdout, true);
			return HOSTED_EXIT_OK;
		} else if (!strcmp(a, "--env") && v) {
			if (!strchr(v, '=') || o.nenv == MAX_LIST) {
				fprintf(stderr, "wasmos run: --env wants K=V, got '%s'\n", v);
				return HOSTED_EXIT_USAGE;
			}
			o.env[o.nenv++] = v;
			i++;
		} else if ((!strcmp(a, "--allow") || !strcmp(a, "--deny")) && v) {
			bool allow = a[2] == 'a';
			uint8_t(*list)[KERN_ID_SIZE] = allow ? o.allow : o.deny;
			uint32_t *n = allow ? &o.nallow : &o.ndeny;
			if (*n == MAX_LIST || parse_iface(v, list[*n]) != 0) {
				fprintf(stderr, "wasmos run: %s: unknown interface '%s' (see wasmos interfaces)\n", a, v);
				return HOSTED_EXIT_USAGE;
			}
			(*n)++;
			i++;
		} else if (!strcmp(a, "--dir") && v) {
			bool full = o.ndirs == MAX_LIST || (!o.ndirs && o.nallow == MAX_LIST);
			const char *sep = strstr(v, "::");
			if (full || sep == v || (sep && !sep[2])) {
				fprintf(stderr, "wasmos run: --dir wants HOST or HOST::GUEST (at most %d), got '%s'\n",
					MAX_LIST, v);
				return HOSTED_EXIT_USAGE;
			}
			if (!o.ndirs) memcpy(o.allow[o.nallow++], ifc_files_id, KERN_ID_SIZE);
			o.dirs[o.ndirs++] = v;
			i++;
		} else if (!strcmp(a, "--peer") || (!strcmp(a, "--listen") && v && v[0] == '/')) {
			/* the network node's flags (a multiaddr always starts with '/');
			 * --offline is the fetcher's, and keeps the node off too */
			if (hosted_p2p_flag(&o.p2p, "run", argc, argv, &i) < 0) return HOSTED_EXIT_USAGE;
		} else if (!strcmp(a, "--listen") && v) {
			if (o.nlisten == MAX_LIST) {
				fprintf(stderr, "wasmos run: at most %d --listen\n", MAX_LIST);
				return HOSTED_EXIT_USAGE;
			}
			o.listen[o.nlisten++] = v;
			i++;
		} else if ((!strcmp(a, "--max-queue") || !strcmp(a, "--max-outstanding")) && v) {
			char *end;
			long long n = strtoll(v, &end, 10);
			if (*end || end == v || n <= 0 || n > 1000000) {
				fprintf(stderr, "wasmos run: %s wants a number from 1 to 1000000, got '%s'\n", a, v);
				return HOSTED_EXIT_USAGE;
			}
			*(a[6] == 'q' ? &o.limits.max_queue : &o.limits.max_outstanding) = (uint32_t)n;
			i++;
		} else if (!strcmp(a, "--max-message") && v) {
			uint64_t bytes = wos_size_bytes(v);
			if (!bytes || bytes > (64u << 20)) {
				fprintf(stderr, "wasmos run: --max-message wants a size like 64K or 4M, at most 64M; "
						"got '%s'\n", v);
				return HOSTED_EXIT_USAGE;
			}
			o.limits.max_message = (uint32_t)bytes;
			i++;
		} else if (!strcmp(a, "--fuel-slice") && v) {
			char *end;
			long long n = strtoll(v, &end, 10);
			if (*end || n <= 0) {
				fprintf(stderr, "wasmos run: --fuel-slice wants a positive number, got '%s'\n", v);
				return HOSTED_EXIT_USAGE;
			}
			o.limits.fuel_slice = n;
			i++;
		} else if (!strcmp(a, "--max-memory") && v) {
			o.limits.max_memory_pages = wos_size_pages(v);
			if (!o.limits.max_memory_pages) {
				fprintf(stderr, "wasmos run: --max-memory wants a size like 64M, 1G or 100p (pages), "
						"at most 4G; got '%s'\n", v);
				return HOSTED_EXIT_USAGE;
			}
			i++;
		} else if ((fo = hosted_fetch_option("run", argc, argv, &i, &o.fetch)) != 0) {
			if (fo < 0) return HOSTED_EXIT_USAGE;
		} else if (!strcmp(a, "--prefix")) {
			o.prefix = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o.verbose = true;
		} else {
			fprintf(stderr, "wasmos run: unknown option '%s'%s\n", a, v ? "" : " (or its value is missing)");
			hosted_run_usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "wasmos run: no FILE.wasm or CID given\n");
		hosted_run_usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	const char *file = argv[i];
	uint8_t *bytes = NULL;
	size_t len = 0;
	/* a CID is the loader's to find: the store, else the network */
	int got = hosted_cmd_cid_arg("run", file);
	if (got < 0) return HOSTED_EXIT_ERROR;
	hosted_fetch_defaults(&o.fetch);
	if (got == 0 && hosted_file_read(file, &bytes, &len) != 0) {
		fprintf(stderr, "wasmos run: %s: %s\n", file, strerror(errno));
		return HOSTED_EXIT_ERROR;
	}

	hosted_sys sys;
	memset(&sys, 0, sizeof sys);
	hosted_fetch_net net = { 0 };
	sys.prefix = o.prefix;
	sys.quiet_kernel = !o.verbose;
	int status = HOSTED_EXIT_ERROR;
	if (hosted_sys_init(&sys, NULL) != 0) {
		fprintf(stderr, "wasmos run: out of memory\n");
		goto out;
	}
	char why[512];
	/* the network node runs on the same loop, beside the program; its peers are the
	 * loader's first source (bitswap, then the DHT), before any gateway */
	if (hosted_fetch_net_start(&net, sys.loop, &o.p2p, &o.fetch, "run") != 0) goto out;
	for (size_t l = 0; net.p2p && hosted_p2p_listen_text(net.p2p, l); l++)
		fprintf(stderr, "wasmos run: peer listening on %s\n", hosted_p2p_listen_text(net.p2p, l));
	if (hosted_loader_configure(&sys, &o.fetch, why, sizeof why) != 0) {
		fprintf(stderr, "wasmos run: %s\n", why);
		status = HOSTED_EXIT_USAGE;
		goto out;
	}
	kern_spawn_args sa;
	memset(&sa, 0, sizeof sa);
	const char *slash = strrchr(file, '/');
	sa.name = slash ? slash + 1 : file;
	sa.wasm = bytes;
	sa.wasm_len = len;
	sa.argv = (const char *const *)argv + i;
	sa.argc = (uint32_t)(argc - i);
	sa.envp = o.env;
	sa.envc = o.nenv;
	/* the terminal's input is the program's unless denied */
	uint8_t allow[MAX_LIST + 2][KERN_ID_SIZE];
	memcpy(allow, o.allow, sizeof o.allow);
	memcpy(allow[o.nallow], ifc_stdin_id, KERN_ID_SIZE);
	sa.allow = (const uint8_t(*)[KERN_ID_SIZE])allow;
	sa.nallow = o.nallow + 1;
	/* --listen: bound now (port 0 is told), claimed by the program's first accept */
	static char bound[MAX_LIST][HOSTED_TCP_ADDR_MAX];
	const char *listens[MAX_LIST];
	for (uint32_t l = 0; l < o.nlisten; l++) {
		int e = hosted_tcp_prebind(sys.tcp, o.listen[l], bound[l], sizeof bound[l]);
		if (e) {
			fprintf(stderr, "wasmos run: --listen %s: %s\n", o.listen[l],
				e == EINVAL ? "not an address like 127.0.0.1:8080 or [::1]:0" : strerror(e));
			goto out;
		}
		size_t al = strlen(o.listen[l]);
		if (al >= 2 && !strcmp(o.listen[l] + al - 2, ":0"))
			fprintf(stderr, "wasmos run: listening on %s\n", bound[l]);
		listens[l] = bound[l];
	}
	if (o.nlisten) memcpy(allow[sa.nallow++], ifc_tcp_id, KERN_ID_SIZE);
	sa.listens = listens;
	sa.nlistens = o.nlisten;
	sa.deny = (const uint8_t(*)[KERN_ID_SIZE])o.deny;
	sa.ndeny = o.ndeny;
	sa.limits = o.limits;
	/* --dir: each host directory opened now, preopened as GUEST, files granted */
	static kern_preopen preopens[MAX_LIST];
	static char guest[MAX_LIST][4096];
	for (uint32_t d = 0; d < o.ndirs; d++) {
		const char *sep = strstr(o.dirs[d], "::");
		size_t hl = sep ? (size_t)(sep - o.dirs[d]) : strlen(o.dirs[d]);
		snprintf(guest[d], sizeof guest[d], "%.*s", (int)hl, o.dirs[d]);
		if (hosted_files_grant(sys.files, guest[d], &preopens[d].host_key) != 0) {
			fprintf(stderr, "wasmos run: --dir %s: %s\n", guest[d], strerror(errno));
			goto out;
		}
		snprintf(guest[d], sizeof guest[d], "%s", sep ? sep + 2 : o.dirs[d]);
		preopens[d].guest_path = guest[d];
	}
	sa.preopens = preopens;
	sa.npreopens = o.ndirs;
	eng_error err;
	uint64_t pid;
	int rc;
	if (got == 1) {
		/* A CID: the kernel asks the loader for the bytes and checks them itself,
		 * as for every program named by its hash (the store checked them too). */
		spawn_wait w = { 0 };
		kern_spawn_cid(sys.k, file, &sa, spawned, &w);
		/* a fetch holds the loop while no process is alive */
		if (!w.done) hosted_loop_run(sys.loop, sys.k, spawn_done, &w);
		if (!w.done) snprintf(w.why, sizeof w.why, "%s: the loader did not answer", file);
		rc = w.done ? w.rc : KERN_ENOENT;
		pid = w.pid;
		if (rc) {
			fprintf(stderr, "wasmos run: %s: %s\n", file, w.why[0] ? w.why : kern_error_text(rc));
			goto out;
		}
	} else {
		rc = kern_spawn(sys.k, &sa, &pid, &err);
	}
	if (rc) {
		if (rc == KERN_ELOAD)
			fprintf(stderr, "wasmos run: %s: %s: %s (at byte offset 0x%" PRIx32 ")\n", file,
				eng_error_text(err.code), err.msg, err.offset);
		else
			fprintf(stderr, "wasmos run: %s: %s\n", file, kern_error_text(rc));
		goto out;
	}
	sys.main_pid = pid;
	for (uint32_t d = 0; d < o.ndirs; d++) {
		if (hosted_files_allow(sys.files, preopens[d].host_key, pid) != 0) {
			fprintf(stderr, "wasmos run: out of memory\n");
			goto out;
		}
	}
	running = &sys;
	signal(SIGINT, on_sigint);
	if (hosted_loop_run(sys.loop, sys.k, main_done, &sys) != 0 && !sys.main_done) {
		status = HOSTED_EXIT_ERROR;
		goto out;
	}
	if (!sys.main_done) {
		fprintf(stderr, "wasmos run: interrupted\n");
		status = 130;
		goto out;
	}
	status = sys.main_exit & 0xff;
out:
	running = NULL;
	if (net.p2p) {
		/* the loader's fetcher lets go of the network first (its wants end) */
		hosted_fetch_config none = { .offline = true };
		if (sys.loader) hosted_loader_configure(&sys, &none, why, sizeof why);
		hosted_fetch_net_stop(&net);
	}
	if (sys.k) hosted_sys_free(&sys);
	free(bytes);
	return status;
}
