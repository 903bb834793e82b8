/* runtime.h: the run-time objects of a store (functions, memories, tables, globals,
 * instances) and the thread.  Internal to engine/: store.c, instance.c, thread.c
 * and exec.c share it.
 *
 * Ownership: every object is made in a store and linked into its list; the store
 * frees them all.  Instances point at memories, tables and globals rather than own
 * them, because imports share them between instances.
 */
#ifndef WASMOS_ENGINE_RUNTIME_H
#define WASMOS_ENGINE_RUNTIME_H

#include "engine.h"
#include "module.h"

enum { OBJ_FUNC, OBJ_MEMORY, OBJ_TABLE, OBJ_GLOBAL, OBJ_INSTANCE };

typedef struct eng_obj {
	struct eng_obj *next;
	size_t size;        /* bytes of the object itself, for the allocator */
	uint8_t kind;
} eng_obj;

/* One 8-byte value slot of a frame. */
typedef union eng_slot {
	uint64_t u64;
	int64_t i64;
	uint32_t u32;
	int32_t i32;
	float f32;
	double f64;
} eng_slot;

struct eng_store {
	eng_alloc alloc;
	eng_limits limits;
	eng_obj *objects;
};

struct eng_func {
	eng_obj obj;
	const eng_functype *type;
	uint32_t type_hash;       /* quick reject for call_indirect */
	eng_instance *inst;       /* NULL for a host function */
	uint32_t index;           /* index in the module */
	const eng_code *code;     /* Wasm functions */
	eng_host_fn host;
	void *host_ud;
	eng_functype host_type;   /* host functions own their type ... */
	uint8_t *host_types;      /* ... and its storage */
	char *host_name;
	uint32_t host_name_len;
};

struct eng_memory {
	eng_obj obj;
	eng_store *store;
	uint8_t *data;
	uint64_t size;            /* bytes: pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;       /* declared maximum, capped by the limits */
	bool has_max;             /* the declared type, for import matching */
	uint32_t decl_max;
};

struct eng_table {
	eng_obj obj;
	eng_store *store;
	uint64_t *elems;          /* references; 0 is null */
	uint32_t size;
	uint32_t max;             /* declared maximum, capped by the limits */
	uint8_t type;
	bool has_max;             /* the declared type, for import matching */
	uint32_t decl_max;
};

struct eng_global {
	eng_obj obj;
	uint8_t type;
	bool mutable_;
	eng_slot val;
};

/* An element segment at run time: its references, until elem.drop empties it. */
typedef struct eng_elem_rt {
	uint64_t *refs;
	uint32_t count;
} eng_elem_rt;

struct eng_instance {
	eng_obj obj;
	eng_store *store;
	const eng_module *module;
	eng_func **funcs;
	eng_table **tables;
	eng_memory **mems;
	eng_global **globals;
	eng_elem_rt *elems;
	bool *data_dropped;
	uint32_t *type_hashes;    /* one per module type */
	eng_memory *mem0;         /* memory 0 or NULL: the one exec.c caches */
};

#define ENG_PAGE_SIZE 65536u

/* A call record of the engine-owned call stack. */
typedef struct eng_frame {
	const uint32_t *ret_pc;   /* where the caller continues */
	uint32_t fp;              /* this frame's first slot (an index: slots grow) */
	eng_func *func;           /* the function running in this frame */
} eng_frame;

enum { THREAD_IDLE, THREAD_RUNNING, THREAD_OUT_OF_FUEL, THREAD_SUSPENDED };

struct eng_thread {
	eng_store *store;
	eng_alloc alloc;
	eng_limits limits;
	eng_slot *slots;
	uint32_t nslots;
	eng_frame *frames;
	uint32_t nframes;         /* frames[0] is the outermost Wasm frame */
	uint32_t frames_cap;      /* allocated records; grows on demand */
	uint32_t max_frames;      /* the call depth limit */
	int state;
	int64_t fuel;             /* remaining units; INT64_MAX when disabled */
	bool fuel_enabled;
	/* where to continue: */
	const uint32_t *pc;
	/* a suspended host call: its function and the slot its results go to */
	eng_func *host_func;
	uint32_t host_results;    /* slot index */
	eng_instance *caller;     /* during a host call */
	eng_func *entry;          /* the function eng_call started */
	eng_val results[16];
	eng_val *big_results;     /* when a function returns more than 16 values */
	uint32_t nresults;
	eng_trap trap;
};

/* store.c */
void *eng_store_obj_new(eng_store *s, uint8_t kind, size_t size);
uint32_t eng_functype_hash(const eng_functype *t);
int eng_memory_grow_pages(eng_memory *mem, uint32_t delta); /* old pages or -1 */
int64_t eng_table_grow_elems(eng_table *t, uint32_t delta, uint64_t init);
eng_memory *eng_memory_make(eng_store *s, uint32_t min, uint32_t max);
eng_table *eng_table_make(eng_store *s, uint8_t type, uint32_t min, uint32_t max);

/* exec.c: runs t from t->pc until done, trap, fuel or suspension. */
int eng_exec_run(eng_thread *t);
/* thread.c: makes room for `need` slots; false when the limit is reached. */
bool eng_thread_grow_slots(eng_thread *t, uint64_t need);
/* thread.c: doubles the frame records, up to max_frames; false at the limit. */
bool eng_thread_grow_frames(eng_thread *t);
/* thread.c: calls a host function with args/results in slots at `base`. */
int eng_thread_call_host(eng_thread *t, eng_func *f, uint32_t base);
/* thread.c: record a trap with a backtrace of the current frames. */
int eng_thread_trap_at(eng_thread *t, int reason, const char *msg);

/* A value slot <-> API value. */
static inline void eng_slot_to_val(uint8_t type, const eng_slot *s, eng_val *v)
{
	v->u64 = 0;
	if (type == ENG_I32 || type == ENG_F32)
		v->u32 = s->u32;
	else
		v->u64 = s->u64;
}
static inline void eng_val_to_slot(uint8_t type, const eng_val *v, eng_slot *s)
{
	if (type == ENG_I32 || type == ENG_F32)
		s->u64 = v->u32;
	else
		s->u64 = v->u64;
}

#endif
