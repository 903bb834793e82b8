/* control.h: the hosted kernel's native handlers of system control: `loader`
 * (loader.c: programs from the local store, by CID), and the reader of programs by
 * host path that the kernel's `process` handler (kernel/process.c) and system files
 * use (file.c).  `process` and `kernel-debug` are the kernel's own handlers.
 *
 * hosted_sys_init registers loader, process and kernel-debug; none is in the default
 * grant, so a program reaches them only when a system file or --allow grants them.
 * Included by natives.c and the files above.
 */
#ifndef WASMOS_HOSTED_CONTROL_H
#define WASMOS_HOSTED_CONTROL_H

#include "natives.h"

/* Registers the loader on s->k; 0, or -1 when out of memory (or the interface is
 * handled already). */
int hosted_loader_init(hosted_sys *s);
/* Where the loader looks for a CID that is not in the store (fetch.h; by default
 * nowhere).  0, or -1 with why filled (cap bytes) when the configuration is bad; an
 * earlier configuration is replaced (fetches in flight under it end unanswered, so
 * configure before anything loads). */
struct hosted_fetch_config;
int hosted_loader_configure(hosted_sys *s, const struct hosted_fetch_config *c, char *why, size_t cap);
/* Frees its state (s->loader); call after kern_free, which may still reach it. */
void hosted_loader_free(hosted_sys *s);

/* Programs by host path (file.c): a regular file of at most HOSTED_MAX_PROGRAM bytes,
 * relative to the folder wasmos runs in. */
#define HOSTED_MAX_PROGRAM (256 << 20)
extern const kern_path_reader hosted_program_reader;

#endif
