/* backtrace.c: the return addresses of an interrupted kernel, by its frame pointers.
 *
 * metal is compiled with -fno-omit-frame-pointer (metal.mk), so every C frame begins
 * with the caller's rbp, saved at [rbp], above it the return address at [rbp + 8].
 * The walk runs inside the exception handler, on a stack that may be the broken
 * thing, so it dereferences nothing it has not checked: each frame pointer must be
 * 8-byte aligned and its 16 bytes inside one of the kernel's stacks (tss.c), and
 * within one stack each next frame must lie above the last, so the walk ends.  It may
 * step to another stack (kernel_main's caller is on the boot stack) a few times only.
 * A deep chain (a runaway recursion) prints its first and last frames.
 */
#include "metal.h"

#define SHOW_FIRST 12        /* frames printed from the top ... */
#define SHOW_LAST 4          /* ... and from the bottom of a longer chain */
#define MAX_STACK_CHANGES 4  /* more than the stacks there are */

struct walk {
	uint64_t fp;        /* the next frame pointer; 0 at the end */
	uint64_t lo, hi;    /* the stack it is on: [lo, hi) */
	int changes;
};

/* The next return address into *ret, or 0 at the end of the chain. */
static int step(struct walk *w, uint64_t *ret)
{
	uint64_t fp = w->fp, lo, hi;
	if (fp == 0 || (fp & 7))
		return 0;
	if (fp < w->lo || fp >= w->hi || w->hi - fp < 16) {   /* left the current stack */
		if (w->changes == MAX_STACK_CHANGES || !metal_stack_bounds(fp, &lo, &hi) ||
		    hi - fp < 16)
			return 0;
		w->lo = lo, w->hi = hi;
		w->changes++;
	}
	const uint64_t *frame = (const uint64_t *)(uintptr_t)fp;
	*ret = frame[1];
	w->fp = frame[0];
	/* A pointer back down the same stack would loop: end there. */
	if (w->fp >= w->lo && w->fp < w->hi && w->fp <= fp)
		w->fp = 0;
	return *ret != 0;
}

/* One line: "  #n 0x... name+0xoff".  A return address is looked up one byte back:
 * a call to a _Noreturn function may be the last instruction of its caller, and the
 * address after it is then the next function's. */
static void line(int n, uint64_t addr, int is_return)
{
	metal_serial_puts("  #");
	metal_serial_dec((uint64_t)n);
	metal_serial_puts(n < 10 ? "  " : " ");
	metal_serial_hex(addr);
	metal_serial_puts(" ");
	metal_ksyms_print(addr, is_return ? addr - 1 : addr);
	metal_serial_puts("\n");
}

/* The return address a function that faulted in its first instruction (push %rbp) or
 * right after it has not yet chained into rbp: at [rsp] or [rsp + 8].  0 when rip is
 * elsewhere or rsp is not on a kernel stack. */
static uint64_t unchained_return(const struct metal_frame *f)
{
	uint64_t start, lo, hi, at;
	if (!metal_ksyms_find(f->rip, &start))
		return 0;
	if (f->rip == start)
		at = f->rsp;
	else if (f->rip == start + 1 && *(const uint8_t *)(uintptr_t)start == 0x55)   /* push %rbp */
		at = f->rsp + 8;
	else
		return 0;
	if ((at & 7) || !metal_stack_bounds(at, &lo, &hi) || hi - at < 8)
		return 0;
	return *(const uint64_t *)(uintptr_t)at;
}

void metal_backtrace_print(const struct metal_frame *f)
{
	uint64_t first = unchained_return(f), ret;
	int total = 1 + (first != 0), n = 0;
	struct walk w = { .fp = f->rbp };
	while (step(&w, &ret))
		total++;

	metal_serial_puts("  backtrace (");
	metal_serial_dec((uint64_t)total);
	metal_serial_puts(total == 1 ? " frame):\n" : " frames):\n");
	line(n++, f->rip, 0);
	if (first)
		line(n++, first, 1);
	w = (struct walk){ .fp = f->rbp };
	while (step(&w, &ret)) {
		if (n < SHOW_FIRST || n >= total - SHOW_LAST)
			line(n, ret, 1);
		else if (n == SHOW_FIRST) {
			metal_serial_puts("  ... ");
			metal_serial_dec((uint64_t)(total - SHOW_FIRST - SHOW_LAST));
			metal_serial_puts(" frames ...\n");
		}
		n++;
	}
}
