/* engine.h: the public surface of the wasmos WebAssembly engine.
 *
 * Included by the kernel, the hosted command, the tests and the benchmarks; nothing
 * outside engine/ includes another engine header.  The engine is freestanding: it
 * allocates only through the eng_alloc it is given and keeps no global mutable state.
 *
 * Life cycle:
 *   eng_module_load   bytes -> validated, compiled module (or an error with byte offset)
 *   eng_store_new     a store owns every instance, memory, table, global and host function
 *                     created in it; eng_store_free releases them all at once
 *   eng_instantiate   module + resolver -> instance (segments applied, start not yet run)
 *   eng_thread_new    a stackless execution thread: Wasm frames live in it, not on C's stack
 *   eng_call/resume   run until finished, trapped, out of fuel, or suspended in a host call
 */
#ifndef WASMOS_ENGINE_H
#define WASMOS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- allocation ------------------------------------------------------------------ */

/* One door for memory, as lua_Alloc: (ptr, old, 0) frees, (NULL, 0, n) allocates,
 * otherwise resizes.  Returns NULL on failure (never for a free). */
typedef void *(*eng_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);
typedef struct eng_alloc {
	eng_alloc_fn fn;
	void *ud;
} eng_alloc;

/* ---- values ---------------------------------------------------------------------- */

enum {
	ENG_I32 = 0x7f,
	ENG_I64 = 0x7e,
	ENG_F32 = 0x7d,
	ENG_F64 = 0x7c,
	ENG_V128 = 0x7b,
	ENG_FUNCREF = 0x70,
	ENG_EXTERNREF = 0x6f,
};

/* A value as the API passes it.  Floats travel as their bits (u32/u64) so that NaN
 * payloads survive.  A reference is 0 when null; a funcref is an eng_func pointer,
 * an externref is whatever 64-bit value the host chose (the host must not use 0). */
typedef union eng_val {
	int32_t i32;
	int64_t i64;
	uint32_t u32;
	uint64_t u64;
	uint64_t ref;
	uint8_t v128[16];
} eng_val;

/* A function signature.  params and results point into the module (or host) memory
 * that owns the type. */
typedef struct eng_functype {
	uint32_t nparams;
	uint32_t nresults;
	const uint8_t *params;
	const uint8_t *results;
} eng_functype;

/* ---- errors ---------------------------------------------------------------------- */

enum {
	ENG_OK = 0,
	ENG_ERR_MALFORMED = -1,  /* the binary does not decode */
	ENG_ERR_INVALID = -2,    /* it decodes but does not validate */
	ENG_ERR_LINK = -3,       /* an import is missing or has the wrong type */
	ENG_ERR_TRAP = -4,       /* instantiation trapped (segment out of bounds) */
	ENG_ERR_NOMEM = -5,      /* the allocator refused */
	ENG_ERR_LIMIT = -6,      /* a configured limit was exceeded */
	ENG_ERR_NOTFOUND = -7,   /* no such export */
	ENG_ERR_ARG = -8,        /* the embedder passed something unusable */
};

#define ENG_ERROR_MSG_MAX 160

/* Filled by any call that can fail; never allocates.  offset is the byte offset in
 * the module for decode/validate errors, else 0. */
typedef struct eng_error {
	int code;
	uint32_t offset;
	char msg[ENG_ERROR_MSG_MAX];
} eng_error;

/* The fixed text of an error code ("malformed module", ...). */
const char *eng_error_text(int code);

/* ---- limits ---------------------------------------------------------------------- */

/* Zero in a field means "the default" (see engine/defaults.h). */
typedef struct eng_limits {
	uint32_t max_call_depth;   /* Wasm frames on one thread */
	uint32_t max_stack_slots;  /* 8-byte value slots on one thread */
	uint32_t max_memory_pages; /* 64 KiB pages per memory */
	uint32_t max_table_elems;  /* elements per table */
} eng_limits;

/* ---- modules --------------------------------------------------------------------- */

typedef struct eng_module eng_module;

/* Decodes, validates and compiles.  The bytes are copied: the caller keeps its buffer.
 * On failure *out is NULL and err says why and where. */
int eng_module_load(const eng_alloc *a, const uint8_t *bytes, size_t len,
		    eng_module **out, eng_error *err);
void eng_module_free(eng_module *m);

enum { ENG_EXTERN_FUNC = 0, ENG_EXTERN_TABLE = 1, ENG_EXTERN_MEMORY = 2, ENG_EXTERN_GLOBAL = 3 };

/* Import and export descriptions; strings point into the module and are not
 * NUL-terminated. */
typedef struct eng_import_desc {
	const char *module;
	uint32_t module_len;
	const char *name;
	uint32_t name_len;
	uint8_t kind;                 /* ENG_EXTERN_* */
	const eng_functype *func;     /* kind FUNC */
	uint8_t valtype;              /* kind GLOBAL: value type; kind TABLE: element type */
	bool mutable_;                /* kind GLOBAL */
	uint32_t min, max;            /* kind TABLE, MEMORY */
	bool has_max;
} eng_import_desc;

typedef struct eng_export_desc {
	const char *name;
	uint32_t name_len;
	uint8_t kind;
	uint32_t index;
} eng_export_desc;

uint32_t eng_module_num_imports(const eng_module *m);
void eng_module_import(const eng_module *m, uint32_t i, eng_import_desc *out);
uint32_t eng_module_num_exports(const eng_module *m);
void eng_module_export(const eng_module *m, uint32_t i, eng_export_desc *out);

/* ---- the store and its objects --------------------------------------------------- */

typedef struct eng_store eng_store;
typedef struct eng_instance eng_instance;
typedef struct eng_func eng_func;
typedef struct eng_table eng_table;
typedef struct eng_memory eng_memory;
typedef struct eng_global eng_global;
typedef struct eng_thread eng_thread;

typedef struct eng_extern {
	uint8_t kind;
	union {
		eng_func *func;
		eng_table *table;
		eng_memory *memory;
		eng_global *global;
	} u;
} eng_extern;

/* limits may be NULL (defaults).  Returns NULL when the allocator refuses. */
eng_store *eng_store_new(const eng_alloc *a, const eng_limits *limits);
/* Frees every object made in the store.  Modules are not owned by the store, and
 * must outlive every store they were instantiated in (even by a failed
 * eng_instantiate, which leaves its partial instance in the store). */
void eng_store_free(eng_store *s);

/* Host functions.  A host function reads its arguments and writes its results, then
 * returns ENG_HOST_OK; or returns ENG_HOST_TRAP after eng_thread_set_trap_msg; or
 * returns ENG_HOST_SUSPEND, and the thread's eng_call/eng_resume returns
 * ENG_SUSPENDED: the embedder later calls eng_resume with the results. */
enum { ENG_HOST_OK = 0, ENG_HOST_TRAP = 1, ENG_HOST_SUSPEND = 2 };
typedef int (*eng_host_fn)(void *ud, eng_thread *t, const eng_val *args, eng_val *results);

/* The type is copied.  name (may be NULL) is used in backtraces, and copied. */
eng_func *eng_host_func_new(eng_store *s, const eng_functype *type, eng_host_fn fn,
			    void *ud, const char *name);

eng_memory *eng_memory_new(eng_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max);
eng_table *eng_table_new(eng_store *s, uint8_t elem_type, uint32_t min, uint32_t max, bool has_max);
eng_global *eng_global_new(eng_store *s, uint8_t valtype, bool mutable_, eng_val init);

/* Resolves one import.  Fill *out and return 0, or return nonzero: "unknown import". */
typedef int (*eng_resolve_fn)(void *ud, const eng_import_desc *imp, eng_extern *out);

/* Links and allocates an instance, then applies element and data segments in order.
 * Link errors return ENG_ERR_LINK.  A segment out of bounds returns ENG_ERR_TRAP: as
 * the spec says, segments applied before it stay applied (in shared memories and
 * tables).  The start function is not run: see eng_instance_start. */
int eng_instantiate(eng_store *s, const eng_module *m, eng_resolve_fn resolve, void *ud,
		    eng_instance **out, eng_error *err);
/* The start function, or NULL. */
eng_func *eng_instance_start(eng_instance *inst);
int eng_instance_export(eng_instance *inst, const char *name, uint32_t name_len, eng_extern *out);
eng_memory *eng_instance_memory(eng_instance *inst, uint32_t index);
const eng_module *eng_instance_module(eng_instance *inst);

const eng_functype *eng_func_type(const eng_func *f);
/* Name from the name section, or the export name, or NULL. */
const char *eng_func_name(const eng_func *f, uint32_t *len);

uint8_t *eng_memory_data(eng_memory *mem);
uint64_t eng_memory_size(eng_memory *mem); /* bytes */
/* Grows by delta pages; returns the old size in pages, or -1. */
int64_t eng_memory_grow(eng_memory *mem, uint32_t delta);

uint8_t eng_global_type(const eng_global *g, bool *mutable_);
eng_val eng_global_get(const eng_global *g);
void eng_global_set(eng_global *g, eng_val v);

uint32_t eng_table_size(const eng_table *t);
uint8_t eng_table_type(const eng_table *t);

/* ---- threads and calls ----------------------------------------------------------- */

enum {
	ENG_DONE = 0,        /* finished: results are ready */
	ENG_TRAPPED = 1,     /* trapped: see eng_thread_trap */
	ENG_OUT_OF_FUEL = 2, /* stopped at a call, loop back-edge or bulk op: eng_resume continues */
	ENG_SUSPENDED = 3,   /* a host function suspended: eng_resume with its results */
};

/* Trap reasons; the texts are the spec's. */
enum {
	ENG_TRAP_NONE = 0,
	ENG_TRAP_UNREACHABLE,
	ENG_TRAP_DIV_ZERO,
	ENG_TRAP_INT_OVERFLOW,
	ENG_TRAP_INVALID_CONVERSION,
	ENG_TRAP_MEMORY_OOB,
	ENG_TRAP_TABLE_OOB,
	ENG_TRAP_UNDEFINED_ELEMENT,
	ENG_TRAP_UNINITIALIZED_ELEMENT,
	ENG_TRAP_INDIRECT_TYPE_MISMATCH,
	ENG_TRAP_STACK_EXHAUSTED,
	ENG_TRAP_HOST,       /* a host function trapped */
};
const char *eng_trap_text(int trap);

#define ENG_BACKTRACE_MAX 32

typedef struct eng_frame_info {
	const eng_func *func;
	uint32_t func_index;  /* index in its module, or UINT32_MAX for a host function */
	const char *name;     /* may be NULL */
	uint32_t name_len;
} eng_frame_info;

typedef struct eng_trap {
	int reason;                  /* ENG_TRAP_* */
	char msg[ENG_ERROR_MSG_MAX]; /* the reason's text, or the host's message */
	uint32_t depth;              /* frames in the backtrace, innermost first */
	eng_frame_info frames[ENG_BACKTRACE_MAX];
} eng_trap;

/* limits may be NULL (the store's).  Returns NULL when the allocator refuses. */
eng_thread *eng_thread_new(eng_store *s, const eng_limits *limits);
void eng_thread_free(eng_thread *t);

/* Calls f with nargs arguments (checked against its type: ENG_ERR_ARG).  Returns an
 * ENG_DONE.. status, or a negative ENG_ERR_* when the call could not start. */
int eng_call(eng_thread *t, eng_func *f, const eng_val *args, uint32_t nargs);
/* Continues a thread that ran out of fuel (results NULL) or suspended in a host
 * call (results: that host function's results). */
int eng_resume(eng_thread *t, const eng_val *results);
/* The results of the last finished call; *n gets their count. */
const eng_val *eng_thread_results(eng_thread *t, uint32_t *n);
const eng_trap *eng_thread_trap(const eng_thread *t);

/* Fuel: one unit per call and per loop back-edge, and one per KiB that a bulk memory
 * or table op (fill, copy, init) writes or a call zeroes for its locals.  A negative
 * value disables it. */
void eng_thread_set_fuel(eng_thread *t, int64_t fuel);
int64_t eng_thread_fuel(const eng_thread *t);

/* For host functions: the instance of the calling Wasm function, and a trap text. */
eng_instance *eng_thread_caller(eng_thread *t);
void eng_thread_set_trap_msg(eng_thread *t, const char *msg);

#endif
