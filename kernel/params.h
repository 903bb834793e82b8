/* params.h: the kernel's limits and fixed sizes, in one place (as xv6's param.h). */
#ifndef WASMOS_KERNEL_PARAMS_H
#define WASMOS_KERNEL_PARAMS_H

/* Bytes of one message or answer body. */
#define KERN_DEFAULT_MAX_MESSAGE (1u << 20)
/* Bytes of a program loaded by CID (kernel/load.c), and so of the loader's answer to
 * the kernel's own request: for a dag-pb CID that answer is a CAR of every block.  The
 * kernel, not a process queue, holds it, so it may exceed the message limit. */
#define KERN_MAX_PROGRAM (64u << 20)
/* Messages waiting in one handler's queue. */
#define KERN_DEFAULT_MAX_QUEUE 1024u
/* Messages one process awaits answers to. */
#define KERN_DEFAULT_MAX_OUTSTANDING 1024u
/* Memory per process: 256 MiB in 64 KiB pages. */
#define KERN_DEFAULT_MAX_PAGES 4096u
/* Fuel units per turn: about a millisecond of work, so a spinning program yields often. */
#define KERN_DEFAULT_FUEL_SLICE 100000
/* Wasm call depth per process. */
#define KERN_DEFAULT_CALL_DEPTH 20000u
/* iovecs in one emit. */
#define KERN_MAX_IOVECS 64u
/* Results of one host call the kernel implements. */
#define KERN_MAX_RESULTS 16u
/* Notification header bytes (docs/abi.md). */
#define KERN_NOTE_HEADER 56u

#endif
