/* internal.h: the kernel's objects, shared by the files of kernel/ only.
 *
 * Who owns a message (kernel/msg.c):
 *   emitted  -> the kernel: queued for its handler (a process's notification queue or
 *               the wait list when no handler is registered yet), or handed to a native
 *               handler at once;
 *   delivered-> held by the handler until it answers; the id table maps id -> message;
 *   answered -> the answer becomes a notification of the sender (or the kernel's
 *               callback), and the message is freed.
 * A message that wants no answer is freed when its handler takes it.  One from a
 * process that wants an answer carries the answer's notification from the start, so
 * an answer is never lost for want of memory (only its body may be).
 * Every message is in exactly one place: a queue, the wait list, or "held" (only in
 * the id table).  When its handler ends, held and queued messages are answered with
 * KERN_ANSWER_HANDLER_ENDED; when its sender ends, its answer is dropped on arrival.
 */
#ifndef WASMOS_KERNEL_INTERNAL_H
#define WASMOS_KERNEL_INTERNAL_H

#include "kernel.h"
#include "platform.h"
#include "params.h"

typedef struct kern_proc kern_proc;
typedef struct kern_msg kern_msg;

/* A small set of interface ids. */
typedef struct kern_idset {
	uint8_t (*ids)[KERN_ID_SIZE];
	uint32_t n, cap;
} kern_idset;

typedef struct kern_handler {
	uint8_t iface[KERN_ID_SIZE];
	kern_proc *proc;             /* a process handler, or */
	const kern_native *native;   /* a native one */
	void *native_ud;
	uint32_t queued;             /* messages delivered but not yet taken */
} kern_handler;

/* A kernel-originated message's answer goes to a callback instead of a process. */
typedef void (*kern_answer_fn)(kern_state *k, void *ud, int status, const uint8_t *body,
			       uint32_t len);

enum { MSG_QUEUED, MSG_WAITING_HANDLER, MSG_HELD };

struct kern_msg {
	uint64_t id;
	uint64_t sender;             /* pid; 0 for the kernel */
	uint8_t iface[KERN_ID_SIZE];
	uint8_t *body;
	uint32_t len;
	bool wants_answer;
	bool sender_gone;            /* the sender ended or cancelled: drop the answer */
	uint8_t state;               /* MSG_* */
	kern_handler *handler;       /* when queued or held */
	kern_answer_fn on_answer;    /* kernel-originated */
	void *on_answer_ud;
	struct kern_note *answer_note; /* a process's answer, reserved at emit: never lost */
	kern_msg *next;              /* queue or wait list */
	kern_msg *hnext;             /* id table chain */
};

/* A notification waiting in a process's queue. */
enum { NOTE_ANSWER = 1, NOTE_MESSAGE = 2, NOTE_CLIENT_ENDED = 3 };
typedef struct kern_note {
	uint8_t kind;
	uint8_t status;
	uint64_t id;
	uint8_t iface[KERN_ID_SIZE];
	uint64_t pid;
	uint8_t *body;               /* owned (answers) */
	uint32_t len;
	kern_msg *msg;               /* NOTE_MESSAGE: the message itself (body from it) */
	struct kern_note *next;
} kern_note;

enum { RUN_NEW, RUN_FUEL, RUN_BLOCKED };
enum { PHASE_START, PHASE_IN_START, PHASE_MAIN, PHASE_IN_MAIN };

/* How a blocked process computes the results of the host call it is suspended in,
 * once woken: 0 and the results, or KERN_ELIMIT meaning "still blocked". */
typedef int (*kern_resume_fn)(kern_state *k, kern_proc *p, eng_val *results);

struct kern_proc {
	kern_state *k;
	uint64_t pid;
	char *name;
	uint32_t name_len;
	int state;                   /* KERN_PROC_* */
	int run;                     /* RUN_*: how its next turn continues */
	int phase;                   /* PHASE_*: start function, then the entry */
	bool kill_pending;           /* killed during its own turn: end it after */
	bool woken;                  /* made ready during its own turn */
	int exit_code;
	bool exiting;                /* proc_exit: the trap that follows is the exit */
	const char *kill_reason;

	eng_store *store;
	eng_module *module;
	eng_instance *inst;
	eng_thread *thread;
	eng_func *entry;

	kern_limits limits;
	kern_idset allow;
	kern_idset handle;
	kern_idset contacted;        /* interfaces it sent messages to (client-ended notices) */

	kern_note *notes, *notes_tail;
	uint32_t outstanding;

	kern_resume_fn resume;       /* RUN_BLOCKED */
	bool wait_note;              /* blocked in next_notification */
	/* the arguments of a blocking next_notification */
	uint32_t wait_ids, wait_n, wait_out, wait_out_len;

	/* WASI state (kernel/wasi.c) */
	struct kern_wasi *wasi;

	/* counters */
	uint64_t sent, received, fuel_used;
	uint64_t cpu_ns;             /* time spent in its turns (platform clock) */

	bool in_ready;
	kern_proc *next_ready;
	kern_proc *next;             /* all processes, by pid */
};

struct kern_state {
	eng_alloc alloc;
	const kern_platform *plat;
	void *plat_ud;
	kern_limits limits;

	kern_proc *procs;            /* sorted by pid */
	uint64_t next_pid;
	kern_proc *ready_head, *ready_tail;

	kern_handler **handlers;     /* each allocated alone: messages point at them */
	uint32_t nhandlers, handlers_cap;

	kern_msg **table;            /* id -> message (held and queued) */
	uint32_t table_size, table_count;
	uint64_t next_msg_id;
	kern_msg *waiting;           /* messages waiting for a handler */

	kern_idset default_grant;
	kern_proc *current;          /* the process whose turn it is */
	struct kern_load *loads;     /* kern_spawn_cid requests awaiting their bytes (load.c) */
	struct kern_process *process; /* the native process handler, when registered (process.c) */
};

/* kernel.c */
void *kern_mem_alloc(kern_state *k, size_t n);   /* zeroed */
void kern_mem_free(kern_state *k, void *p, size_t n);
void kern_logf(kern_state *k, int level, const char *fmt, ...);
bool kern_id_equal(const uint8_t *a, const uint8_t *b);
void kern_id_copy(uint8_t *dst, const uint8_t *src);
int kern_idset_add(kern_state *k, kern_idset *s, const uint8_t *id);
void kern_idset_remove(kern_idset *s, const uint8_t *id);
bool kern_idset_has(const kern_idset *s, const uint8_t *id);
void kern_idset_free(kern_state *k, kern_idset *s);
void kern_id_hex(const uint8_t *id, char out[17]); /* first 8 bytes, for logs */

void kern_limits_resolve(kern_limits *l, const kern_limits *base);

/* proc.c */
kern_proc *kern_proc_find(kern_state *k, uint64_t pid);
void kern_proc_end(kern_state *k, kern_proc *p, int exit_code, const char *why);
void kern_proc_make_ready(kern_state *k, kern_proc *p);

/* sched.c */
void kern_sched_enqueue(kern_state *k, kern_proc *p);
void kern_sched_remove(kern_state *k, kern_proc *p);

/* msg.c */
int kern_msg_emit(kern_state *k, kern_proc *from, const uint8_t *iface, const uint8_t *body,
		  uint32_t len, uint32_t flags, kern_answer_fn on_answer, void *ud, uint64_t *id_out);
int kern_msg_answer_from(kern_state *k, kern_proc *from, uint64_t id, const uint8_t *body,
			 uint32_t len, int status);
int kern_msg_cancel(kern_state *k, kern_proc *from, uint64_t id);
/* The kernel's own cancel (WASI): also for messages with an answer callback, which
 * is then never called. */
void kern_msg_forget(kern_state *k, kern_proc *from, uint64_t id);
void kern_msg_handler_gone(kern_state *k, kern_handler *h);
void kern_msg_sender_gone(kern_state *k, kern_proc *p);
void kern_msg_deliver_waiting(kern_state *k, kern_handler *h);
void kern_msg_free_all(kern_state *k);
void kern_note_push(kern_state *k, kern_proc *p, kern_note *n);
void kern_note_free(kern_state *k, kern_note *n);
/* Takes the first qualifying note off p's queue (NULL if none). */
typedef bool (*kern_note_filter)(kern_state *k, kern_proc *p, const kern_note *n, void *ctx);
kern_note *kern_note_take(kern_state *k, kern_proc *p, kern_note_filter ok, void *ctx);
/* A message note was read by its handler: the message becomes held (or is freed). */
void kern_msg_taken(kern_state *k, kern_note *n);
bool kern_note_qualifies(kern_state *k, kern_proc *p, const kern_note *n);

/* iface.c */
kern_handler *kern_iface_handler(kern_state *k, const uint8_t *iface);
int kern_iface_register(kern_state *k, kern_proc *p, const uint8_t *iface);
int kern_iface_unregister(kern_state *k, kern_proc *p, const uint8_t *iface);
void kern_iface_drop_proc(kern_state *k, kern_proc *p);
bool kern_may_emit(kern_state *k, kern_proc *p, const uint8_t *iface);
int kern_iface_init(kern_state *k);

/* abi.c: the `wasmos` imports */
int kern_abi_resolve(kern_state *k, kern_proc *p, const eng_import_desc *imp, eng_extern *out);
/* checked access to guest memory: NULL when [ptr, ptr+len) is outside memory 0 */
uint8_t *kern_guest_ptr(kern_proc *p, uint32_t ptr, uint32_t len);

/* wasi.c */
int kern_wasi_resolve(kern_state *k, kern_proc *p, const eng_import_desc *imp, eng_extern *out);
int kern_wasi_init(kern_state *k, kern_proc *p, const kern_spawn_args *a);
void kern_wasi_free(kern_state *k, kern_proc *p);

/* load.c: ends the loads still waiting for their bytes (their callbacks are told). */
void kern_load_shutdown(kern_state *k);
/* The loads whose callback's ud is ud will call nobody (its owner is going away). */
void kern_load_forget(kern_state *k, void *ud);
uint32_t kern_load_count(kern_state *k);

/* process.c: answers the waits for pid (kern_proc_end calls it); frees the handler's
 * state (kern_free, after every process and load has ended). */
typedef struct kern_process kern_process;
void kern_process_ended(kern_state *k, uint64_t pid, int exit_code);
void kern_process_free(kern_state *k);

/* emit flags (docs/abi.md) */
#define KERN_EMIT_ANSWER 1u
#define KERN_EMIT_WAIT_HANDLER 2u
#define KERN_NEXT_BLOCK 1u

#endif
