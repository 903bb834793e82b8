/* platform.h: what the kernel core needs from the machine it runs on.
 *
 * Implemented once by hosted/ (Linux) and once by metal/ (x86_64).  Everything else a
 * platform offers (consoles, files, sockets, timers, devices) it offers as native
 * interface handlers (kern_native_register), so programs reach it by messages.
 */
#ifndef WASMOS_KERNEL_PLATFORM_H
#define WASMOS_KERNEL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

enum { KERN_LOG_INFO = 0, KERN_LOG_WARN = 1, KERN_LOG_ERROR = 2 };

struct kern_platform {
	/* The kernel's own diagnostics (a denied message, a trap and its backtrace):
	 * one line, without its newline. */
	void (*log)(void *ud, int level, const char *line, size_t len);
	/* Monotonic nanoseconds, for CPU-time accounting. */
	uint64_t (*now_ns)(void *ud);
	/* A process ended (may be NULL). */
	void (*proc_ended)(void *ud, uint64_t pid, int exit_code);
};

#endif
