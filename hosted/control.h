/* control.h: the hosted kernel's native handlers of system control: `loader`
 * (loader.c: programs from the local store, by CID), `process` (process.c: spawn,
 * wait, kill, list) and `kernel-debug` (debug.c: reports for people).
 *
 * hosted_sys_init registers all three; none is in the default grant, so a program
 * reaches them only when a system file or --allow grants them.  Included by
 * natives.c and the files above.
 */
#ifndef WASMOS_HOSTED_CONTROL_H
#define WASMOS_HOSTED_CONTROL_H

#include "natives.h"

/* Each registers its handler on s->k; 0, or -1 when out of memory (or the interface
 * is handled already). */
int hosted_loader_init(hosted_sys *s);
int hosted_process_init(hosted_sys *s);
int hosted_debug_init(hosted_sys *s);
/* Free their state (s->loader, s->process); call after kern_free, which may still
 * reach the handlers. */
void hosted_loader_free(hosted_sys *s);
void hosted_process_free(hosted_sys *s);

/* Process pid ended with code: answers the process.wait messages for it (natives.c
 * calls it from the platform's proc_ended). */
void hosted_process_ended(hosted_sys *s, uint64_t pid, int code);

/* Errno for a KERN_E* code, as process.spawn answers it (WASI values). */
int hosted_errno_of_kern(int rc);

#endif
