/* loop.h: the hosted kernel's event loop: one epoll set for file descriptors, a list
 * of timers, and the kernel's scheduler between them.  Native handlers (natives.c,
 * files.c, tcp.c, ...) register what they wait for here and answer messages from the
 * callbacks.  Single-threaded: nothing here needs a lock.
 */
#ifndef WASMOS_HOSTED_LOOP_H
#define WASMOS_HOSTED_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel.h"

typedef struct hosted_loop hosted_loop;
typedef void (*hosted_fd_fn)(void *ud, int fd, uint32_t events);
typedef void (*hosted_timer_fn)(void *ud, uint64_t id);

hosted_loop *hosted_loop_new(void);
void hosted_loop_free(hosted_loop *l);
/* Monotonic nanoseconds (the clock of the time interface and of timers). */
uint64_t hosted_now_ns(void);

/* Watches fd for events (EPOLLIN/EPOLLOUT bits); replaces an earlier watch of it.
 * Returns 0 or -1 (errno). */
int hosted_loop_watch(hosted_loop *l, int fd, uint32_t events, hosted_fd_fn fn, void *ud);
void hosted_loop_unwatch(hosted_loop *l, int fd);
/* Calls fn(ud, id) once the monotonic clock reaches deadline_ns.  Returns the timer's
 * id (never 0), or 0 when out of memory. */
uint64_t hosted_loop_timer(hosted_loop *l, uint64_t deadline_ns, hosted_timer_fn fn, void *ud);
void hosted_loop_cancel(hosted_loop *l, uint64_t id);

/* Work in flight outside the kernel (a network fetch a loader answer waits for):
 * while held, hosted_loop_run goes on even when no process is alive.  Each hold is
 * released once. */
void hosted_loop_hold(hosted_loop *l);
void hosted_loop_release(hosted_loop *l);

/* Runs the kernel's ready processes and the loop's events until done(ud) is true,
 * no process is alive and nothing holds the loop, or every live process waits on
 * something nothing can wake (then it returns -1 after saying so on stderr).
 * Returns 0 otherwise.  k may be NULL: the loop's events alone, until done(ud) or
 * hosted_loop_stop (`wasmos fetch`, the network commands). */
int hosted_loop_run(hosted_loop *l, kern_state *k, bool (*done)(void *ud), void *ud);
/* Ends hosted_loop_run at its next turn (from a signal handler too). */
void hosted_loop_stop(hosted_loop *l);

#endif
