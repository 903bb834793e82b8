/* defaults.h: the engine's default limits and fixed sizes, in one place. */
#ifndef WASMOS_ENGINE_DEFAULTS_H
#define WASMOS_ENGINE_DEFAULTS_H

/* Wasm frames on one thread: deep enough for real recursive programs, shallow
 * enough that runaway recursion traps in well under a second. */
#define ENG_DEFAULT_CALL_DEPTH 50000u
/* 8-byte value slots on one thread (64 MiB); the slot array grows on demand. */
#define ENG_DEFAULT_STACK_SLOTS (8u * 1024 * 1024)
/* The frame records' first count (they grow on demand up to the call depth). */
#define ENG_INITIAL_FRAMES 256u
/* The slot array's first size. */
#define ENG_INITIAL_STACK_SLOTS 4096u
/* The spec's maximum: 4 GiB of memory. */
#define ENG_DEFAULT_MEMORY_PAGES 65536u
/* Table elements: 2^24 (128 MiB of references) unless the embedder says otherwise. */
#define ENG_DEFAULT_TABLE_ELEMS (1u << 24)
/* Locals of one function (params included), and operand stack depth. */
#define ENG_MAX_LOCALS 50000u
#define ENG_MAX_STACK_HEIGHT 65536u
/* Nesting of blocks in one function. */
#define ENG_MAX_BLOCK_DEPTH 65536u

/* Fuel: bulk memory and table ops cost one unit per this many bytes they write,
 * about the time of one short loop iteration (a unit is a call or a back-edge). */
#define ENG_FUEL_BULK_BYTES 1024u

/* Parameters or results of one host function (they travel through a C array). */
#define ENG_HOST_MAX_VALUES 16u

#endif
