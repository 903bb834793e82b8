/* natives.h: the hosted kernel's native interface handlers and its platform.
 *
 * hosted_natives_new makes a kernel whose platform is this process (kernel log lines
 * to stderr, the monotonic clock) and registers the basic handlers: log (stdout,
 * stderr, line-buffered per process, optionally prefixed), time, system-time, random
 * (getrandom) and stdin.  The other handlers (files, tcp, loader) register
 * themselves in their own files; process and kernel-debug are the kernel's own
 * (kern_process_register, kern_debug_register).
 */
#ifndef WASMOS_HOSTED_NATIVES_H
#define WASMOS_HOSTED_NATIVES_H

#include "kernel.h"
#include "loop.h"

typedef struct hosted_sys {
	kern_state *k;
	hosted_loop *loop;
	bool prefix;              /* prefix each output line with "[pid name] " */
	bool quiet_kernel;        /* kernel info lines off (warnings and errors stay) */
	/* the process whose end ends `wasmos run` */
	uint64_t main_pid;
	bool main_done;
	int main_exit;
	struct hosted_natives *n; /* handler state */
	struct hosted_tcp *tcp;   /* the tcp handler (tcp.c) */
	struct hosted_files *files; /* the files handler (files.c) */
	struct hosted_loader *loader;   /* loader.c (control.h) */
} hosted_sys;

/* malloc, realloc and free as an eng_alloc: the hosted kernel's allocator. */
extern const eng_alloc hosted_alloc;

/* Makes the kernel and the basic handlers; 0 or -1 (out of memory). */
int hosted_sys_init(hosted_sys *s, const kern_limits *limits);
void hosted_sys_free(hosted_sys *s);

#endif
