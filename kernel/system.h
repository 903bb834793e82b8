/* system.h: systems, the part of the kernel's surface that reads a system file and
 * runs what it describes (docs/system.md).  Included by the platforms beside kernel.h
 * (hosted/cmd_boot.c, metal/main.c) and by the kernel tests.
 *
 *   kernel/sysfile.c  text -> kern_sysfile: keywords, names, interfaces, sizes;
 *                     everything that can be checked without a kernel.
 *   kernel/system.c   a kern_sysfile on a kernel: keeps the chosen natives, starts
 *                     the programs in file order with their args, env, grants, limits,
 *                     and supervises them (essential, restart).
 *
 * Only a few things differ between platforms, and they come in as hooks: reading a
 * program named by a host path, host folders (`dir`), listening sockets (`listen`)
 * and the network (`peer`, `gateway`, `p2p-listen`).  A platform without them rejects a system that uses them, with the line
 * that does.
 */
#ifndef WASMOS_KERNEL_SYSTEM_H
#define WASMOS_KERNEL_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "platform.h"   /* KERN_LOG_*, for kern_system_hooks.say */

/* ---- system files (sysfile.c) ------------------------------------------------------ */

/* Characters in a program's name. */
#define KERN_SYSFILE_NAME_MAX 32

/* An interface list with the line each id came from. */
typedef struct kern_sysfile_ids {
	uint8_t (*ids)[KERN_ID_SIZE];
	int *lines;
	uint32_t n;
} kern_sysfile_ids;

/* A host folder given to a WASI program as a preopened directory. */
typedef struct kern_sysfile_dir {
	char *guest;                 /* as the program sees it: "/data" */
	char *host;                  /* resolved against the system file's folder */
} kern_sysfile_dir;

/* Words of a system-wide line kept as text (a multiaddr, a URL), each with its line
 * so the platform that checks them can name it. */
typedef struct kern_sysfile_words {
	char **words;
	int *lines;
	uint32_t n;
} kern_sysfile_words;

typedef struct kern_sysfile_program {
	char *name;
	char *source;                /* as written: a CID or a path */
	char *path;                  /* a path resolved against the file's folder; NULL for a CID */
	int line;                    /* of its `program` line */
	char **argv;                 /* argv[0] is the name, then `args` */
	uint32_t argc;
	char **env;                  /* "K=V" */
	uint32_t nenv;
	kern_sysfile_ids allow, deny, handles;
	kern_sysfile_dir *dirs;
	uint32_t ndirs;
	int dirs_line;
	char **listens;              /* tcp addresses bound for a WASI program */
	uint32_t nlistens;
	int listens_line;
	kern_limits limits;          /* zero fields: the file's defaults, then the kernel's */
	bool essential;              /* when it ends, the system ends with its exit code */
	bool restart;                /* when it ends, it is started again */
	bool manual;                 /* never started by the system: only on demand, by name or CID */
} kern_sysfile_program;

typedef struct kern_sysfile {
	eng_alloc alloc;             /* what everything below was allocated with */
	char *file;                  /* the name it was read from, for messages */
	kern_sysfile_program *progs;
	uint32_t nprogs;
	kern_sysfile_ids natives;    /* `native` lines: the platform handlers to keep */
	kern_limits limits;          /* limits given before the first program */
	/* The network, before the first program; the parser keeps the words as written and
	 * the platform checks them (hosted: cmd_boot.c; metal has none and refuses them). */
	kern_sysfile_words peers;    /* `peer MULTIADDR...`: libp2p peers to dial */
	kern_sysfile_words gateways; /* `gateway URL...`: HTTP trustless gateways */
	kern_sysfile_words p2p_listens; /* `p2p-listen MULTIADDR...`: where the node accepts peers */
	int offline_line;            /* `offline`: no network at all; 0 when absent */
} kern_sysfile;

/* Parses len bytes of text read from `file` (a name for messages; its folder resolves
 * relative paths).  The text is untrusted: whatever the bytes, this returns.  0 with
 * *out (kern_sysfile_free releases it), or -1 with "FILE:LINE: reason" in err and
 * nothing allocated.  Out of memory is an error like the others. */
int kern_sysfile_parse(const eng_alloc *alloc, const char *file, const char *text, size_t len,
		       kern_sysfile **out, char *err, size_t errlen);
void kern_sysfile_free(kern_sysfile *f);

/* ---- systems (system.c) ------------------------------------------------------------ */

typedef struct kern_system kern_system;

/* What a system needs from its platform beyond the kernel.  Any hook may be NULL: the
 * platform lacks the thing, and a system that needs it is refused by kern_system_new
 * naming the line. */
typedef struct kern_system_hooks {
	/* Programs whose SOURCE is a path (hosted: files; metal: none, CIDs only). */
	kern_path_reader paths;
	/* `dir`: opens the host folder `host` for a WASI preopen, *key for
	 * kern_preopen.host_key; 0, or -1 with why.  dir_allow lets process pid use key
	 * (called after each start); 0 or -1 (out of memory). */
	int (*dir_grant)(void *ud, const char *host, uint32_t *key, char *why, size_t whylen);
	int (*dir_allow)(void *ud, uint32_t key, uint64_t pid);
	/* `listen`: binds addr for the program's next start and writes the address bound
	 * to `bound` (its port chosen when addr asks for 0); 0, or -1 with why. */
	int (*listen_bind)(void *ud, const char *addr, char *bound, size_t boundlen, char *why,
			   size_t whylen);
	/* A line for people, without its newline: a restart, a start that failed after the
	 * boot, a port chosen.  KERN_LOG_INFO lines are details (hosted shows them with -v). */
	void (*say)(void *ud, int level, const char *line);
	void *ud;                    /* of dir_grant, dir_allow, listen_bind and say */
	/* The platform applies the file's peer, gateway and p2p-listen lines itself (it has
	 * a network); false: a system with one is refused naming its line.  `offline` is
	 * taken everywhere: it asks for what a platform without a network is anyway. */
	bool network;
} kern_system_hooks;

enum {
	KERN_SYSTEM_STARTING,        /* a program waits for its loader's answer */
	KERN_SYSTEM_RUNNING,         /* every program was started */
	KERN_SYSTEM_ENDED,           /* an essential program ended, or every program did */
	KERN_SYSTEM_FAILED,          /* a program did not start: kern_system_why */
};

/* Prepares the system f describes on k: keeps the natives it asks for (unregistering
 * the others, and those a program handles), checks every program's source, folders
 * and host lines through the hooks; starts nothing.  f is borrowed and must outlive
 * the system; hooks is copied.  0 with *out, or -1 with "FILE:LINE: reason" in err. */
int kern_system_new(kern_state *k, const kern_sysfile *f, const kern_system_hooks *hooks, kern_system **out,
		    char *err, size_t errlen);
/* Parses text (as kern_sysfile_parse, with k's allocator), then kern_system_new and a
 * first kern_system_step: what a platform that has the file's text calls to boot.
 * The system owns the parsed file.  The file's default limits (fuel-slice,
 * max-memory... before the first program) apply to its programs; a platform that
 * wants them kernel-wide too (the hosted one) parses first and makes its kernel
 * with f->limits.  0 with *out (its state may already be FAILED or ENDED), or -1
 * with the reason in err. */
int kern_system_boot(kern_state *k, const char *file, const char *text, size_t len,
		     const kern_system_hooks *hooks, kern_system **out, char *err, size_t errlen);

/* Moves the system on and returns its state (KERN_SYSTEM_*).  Starting: programs start
 * in file order; one that handles interfaces gets turns until it has registered them
 * (or blocks, or ends) before the next starts; a program by CID waits for its loader,
 * and the call returns STARTING until the answer comes.  Running: an essential
 * program that ended ends the system; a `restart` one is started again (at most 100
 * times); when no process is left the system has ended with 0.  Call it once after
 * kern_system_new and then between rounds of kern_run_ready. */
int kern_system_step(kern_system *s);
/* The platform found that nothing can happen any more (every process waits on
 * nothing it can deliver): a system still STARTING fails ("the loader did not
 * answer").  Returns the state. */
int kern_system_stalled(kern_system *s);
/* ENDED: the essential program's exit code (0 when every program ended and none is
 * essential). */
int kern_system_exit_code(const kern_system *s);
/* FAILED: "FILE:LINE: program NAME: why"; "" otherwise.  Valid until the next call. */
const char *kern_system_why(const kern_system *s);
/* Stops supervising and frees the system; its processes live on.  Call before
 * kern_free of its kernel. */
void kern_system_free(kern_system *s);

#endif
