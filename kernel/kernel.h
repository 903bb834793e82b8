/* kernel.h: the public surface of the wasmos kernel core.
 *
 * Included by the platforms (hosted/, metal/) and by kernel tests.  The kernel is
 * freestanding: it allocates through the eng_alloc in its config, reaches the machine
 * only through kern_platform (platform.h), and keeps no global mutable state, so many
 * kernels can live in one process (the tests do).
 *
 * Model: processes (instantiated programs, each with an engine thread) send messages to
 * interfaces (32-byte ids); one handler per interface: a process, or a native handler
 * the platform registers.  kern_run_ready runs processes in turn, each for a fuel slice,
 * until none is ready; the platform then waits for its events, and native handlers
 * answer messages with kern_answer.
 */
#ifndef WASMOS_KERNEL_H
#define WASMOS_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "engine.h"

typedef struct kern_state kern_state;
typedef struct kern_platform kern_platform;

#define KERN_ID_SIZE 32

/* Answer statuses, as in the notification header (docs/abi.md). */
enum {
	KERN_ANSWER_OK = 0,
	KERN_ANSWER_ERROR = 1,
	KERN_ANSWER_DENIED = 2,
	KERN_ANSWER_NO_HANDLER = 3,
	KERN_ANSWER_HANDLER_ENDED = 4,
	KERN_ANSWER_TOO_BIG = 5,
};

/* Kernel error codes (negative); also what the ABI returns to programs. */
enum {
	KERN_OK = 0,
	KERN_EFAULT = -1,
	KERN_EINVAL = -2,
	KERN_ENOENT = -3,
	KERN_EDENIED = -4,
	KERN_ENOHANDLER = -5,
	KERN_ETOOBIG = -6,
	KERN_ELIMIT = -7,
	KERN_ENOMEM = -8,
	KERN_EEXIST = -9,
	KERN_ELOAD = -10,   /* the program did not load or instantiate */
	KERN_EHASH = -11,   /* bytes do not match their CID */
};
const char *kern_error_text(int code);

/* Limits; zero fields mean the defaults of kernel/params.h. */
typedef struct kern_limits {
	uint32_t max_message;       /* bytes of one message or answer body */
	uint32_t max_queue;         /* messages queued for one handler */
	uint32_t max_outstanding;   /* messages a process awaits answers to */
	uint32_t max_memory_pages;  /* per process */
	int64_t fuel_slice;         /* units per turn */
	uint32_t max_call_depth;
} kern_limits;

/* ---- the kernel -------------------------------------------------------------------- */

typedef struct kern_config {
	eng_alloc alloc;
	const kern_platform *plat;  /* borrowed; must outlive the kernel */
	void *plat_ud;
	kern_limits limits;
} kern_config;

/* NULL when the allocator refuses. */
kern_state *kern_new(const kern_config *cfg);
/* Ends every process (answering what they held) and frees everything. */
void kern_free(kern_state *k);

/* ---- processes --------------------------------------------------------------------- */

enum { KERN_PROC_READY, KERN_PROC_WAITING, KERN_PROC_DEAD };

/* A host directory granted to a WASI program: the files handler resolves `host_key`
 * (an opaque token the platform understands) and the program sees it as `guest_path`. */
typedef struct kern_preopen {
	const char *guest_path;
	uint32_t host_key;
} kern_preopen;

typedef struct kern_spawn_args {
	const char *name;                 /* shown by ps and in logs; copied */
	const uint8_t *wasm;              /* the program; copied by the engine */
	size_t wasm_len;
	const char *const *argv;          /* copied */
	uint32_t argc;
	const char *const *envp;          /* "K=V" strings, copied */
	uint32_t envc;
	const uint8_t (*allow)[KERN_ID_SIZE]; /* interfaces it may emit to, beyond the default */
	uint32_t nallow;
	const uint8_t (*deny)[KERN_ID_SIZE];  /* removed from its grant, defaults included */
	uint32_t ndeny;
	const uint8_t (*handle)[KERN_ID_SIZE];/* interfaces it may register to handle */
	uint32_t nhandle;
	const kern_preopen *preopens;
	uint32_t npreopens;
	/* Listening sockets granted to a WASI program, as tcp addresses ("127.0.0.1:8080"):
	 * fds after the preopens; the first sock_accept sends tcp.listen for it, from the
	 * process itself (docs/wasi.md, Sockets).  Copied. */
	const char *const *listens;
	uint32_t nlistens;
	kern_limits limits;               /* zero fields: the kernel's (within's, below) */
	uint64_t within;                  /* nonzero: a live pid; the new process gets no
					   * interface to emit to or handle that this one
					   * lacks, and its limits by default */
} kern_spawn_args;

/* Loads, instantiates and queues a program (its start function runs in its first
 * turn, then `_start` for WASI programs, or the export `main`).  On failure returns a
 * KERN_E* code and, when err is not NULL, the engine's error. */
int kern_spawn(kern_state *k, const kern_spawn_args *a, uint64_t *pid, eng_error *err);
/* How a kern_spawn_cid ends: rc 0 and the new pid, or a KERN_E* code and `why`, one
 * line naming what failed (valid during the call only). */
typedef void (*kern_spawn_fn)(kern_state *k, void *ud, int rc, uint64_t pid, const char *why);
/* Starts the program named by `cid` (CIDv1 raw sha2-256, "bafkrei..."): asks the
 * handler of `loader` for its bytes (a message from the kernel), checks that they
 * hash to the CID BEFORE it instantiates them, then spawns them with `a` (a->wasm is
 * ignored; a->name defaults to the CID).  `a` and cid are copied.  done is called
 * exactly once, perhaps before this returns (a native loader answers at once):
 * KERN_EINVAL not a CID, KERN_ENOHANDLER no loader, KERN_ENOENT the loader has no
 * such program (or the kernel was freed first), KERN_EHASH the bytes hash to another
 * CID (why names both; also logged), KERN_ELOAD and the rest as kern_spawn. */
void kern_spawn_cid(kern_state *k, const char *cid, const kern_spawn_args *a, kern_spawn_fn done,
		    void *ud);
/* Ends a process as if it trapped with `reason`. */
int kern_kill(kern_state *k, uint64_t pid, const char *reason);

typedef struct kern_proc_info {
	uint64_t pid;
	const char *name;
	int state;                 /* KERN_PROC_* */
	int exit_code;             /* valid when DEAD */
	uint64_t memory_bytes;
	uint64_t messages_sent, messages_received;
	uint64_t fuel_used;
} kern_proc_info;
/* Fills info for pid; KERN_ENOENT when no such process was ever made (dead processes
 * stay listed until kern_reap). */
int kern_proc_get(kern_state *k, uint64_t pid, kern_proc_info *info);
/* Calls fn for every process, in pid order. */
void kern_proc_each(kern_state *k, void (*fn)(void *ud, const kern_proc_info *info), void *ud);
/* Forgets a dead process. */
void kern_reap(kern_state *k, uint64_t pid);
/* Live (not dead) processes. */
uint32_t kern_live_count(kern_state *k);

/* Counts for kernel-debug and tests (stats.c). */
typedef struct kern_stats {
	uint32_t processes;          /* listed: live and dead not yet reaped */
	uint32_t live, ready, waiting;
	uint32_t handlers;           /* registered interfaces */
	uint32_t native_handlers;    /* of which handled by the platform */
	uint32_t messages_pending;   /* queued or held, an answer owed */
	uint32_t messages_waiting;   /* waiting for a handler to register */
	uint64_t messages_total;     /* ids ever given out */
	uint32_t loads;              /* kern_spawn_cid requests awaiting their bytes */
} kern_stats;
void kern_stats_get(kern_state *k, kern_stats *s);
/* Calls fn for every registered interface with its handler: a pid, or 0 for a native
 * handler. */
void kern_handler_each(kern_state *k, void (*fn)(void *ud, const uint8_t *iface, uint64_t pid),
		       void *ud);

/* ---- running ----------------------------------------------------------------------- */

/* Runs one round: every process ready now gets one turn of one fuel slice (round
 * robin); call again while kern_has_ready.  Returns the number of turns given. */
uint32_t kern_run_ready(kern_state *k);
bool kern_has_ready(kern_state *k);

/* ---- native handlers --------------------------------------------------------------- */

/* A message delivered to a native handler.  body is valid only during the call. */
typedef struct kern_delivery {
	uint64_t id;               /* for kern_answer; 0 when no answer is wanted */
	uint64_t sender;           /* pid, 0 for the kernel */
	const uint8_t *iface;
	const uint8_t *body;
	uint32_t len;
} kern_delivery;

typedef struct kern_native {
	/* A message arrived.  Answer now or later with kern_answer (once). */
	void (*message)(void *ud, kern_state *k, const kern_delivery *d);
	/* A process that sent messages to this handler ended (may be NULL). */
	void (*client_ended)(void *ud, kern_state *k, uint64_t pid);
} kern_native;

/* Makes a native handler the handler of `iface`; ops and ud are borrowed.  KERN_EEXIST
 * when someone already handles it. */
int kern_native_register(kern_state *k, const uint8_t iface[KERN_ID_SIZE],
			 const kern_native *ops, void *ud);

/* Removes the native handler of `iface` (a platform's, so that a program may handle
 * it instead); messages it held are answered "handler ended".  KERN_ENOENT when no
 * native handler has it. */
int kern_native_unregister(kern_state *k, const uint8_t iface[KERN_ID_SIZE]);

/* Answers message `id` (held by a native handler).  The body is copied.  KERN_ENOENT
 * when the id is unknown or already answered. */
int kern_answer(kern_state *k, uint64_t id, const void *body, uint32_t len, int status);

/* ---- interfaces -------------------------------------------------------------------- */

/* The default grant every process gets (log, time, random, interface). */
void kern_grant_default(kern_state *k, const uint8_t iface[KERN_ID_SIZE]);

enum { KERN_GRANT_EMIT = 0, KERN_GRANT_HANDLE = 1 };
/* Whether live process pid may emit to (KERN_GRANT_EMIT) or register to handle
 * (KERN_GRANT_HANDLE) `iface`; false for an unknown or dead pid. */
bool kern_proc_granted(kern_state *k, uint64_t pid, const uint8_t iface[KERN_ID_SIZE], int what);

/* ---- system control: the process and kernel-debug handlers -------------------------- */

/* How a platform reads a program named by a path on its host (process.spawn, system
 * files).  A platform without files (metal) has none: it starts programs by CID only. */
typedef struct kern_path_reader {
	/* 0 with *bytes and *len, handed back to release once used; or a WASI errno
	 * (ENOENT 44, EACCES 2, EISDIR 31, EFBIG 22, EINVAL 28 not a regular file, EIO 29)
	 * with one line for people in why ("No such file or directory"). */
	int (*read)(void *ud, const char *path, uint8_t **bytes, size_t *len, char *why, size_t whylen);
	void (*release)(void *ud, uint8_t *bytes, size_t len);
	void *ud;
} kern_path_reader;

/* Registers the native `process` handler (kernel/process.c: spawn, wait, kill, list;
 * docs/interfaces.md).  paths (copied; NULL: by CID only) reads programs spawned by
 * path.  Its state is the kernel's, freed by kern_free.  0, KERN_EEXIST (registered
 * already, or someone handles process), KERN_ENOMEM. */
int kern_process_register(kern_state *k, const kern_path_reader *paths);
/* Registers the native `kernel-debug` handler (kernel/debug.c): reports for people.
 * 0, KERN_EEXIST or KERN_ENOMEM. */
int kern_debug_register(kern_state *k);

#endif
