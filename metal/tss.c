/* tss.c: the GDT with a TSS, the IST stacks, and a kernel stack with a guard page.
 *
 * Why: a fault that the CPU cannot push onto the current stack (a kernel stack
 * overflow) becomes a double fault, and a double fault on the same broken stack
 * becomes a triple fault, which resets the machine without a word.  The TSS's
 * interrupt stack table gives the exception vectors stacks of their own (idt.c picks
 * them), so an overflow is reported like any other fault.  An overflow must also be
 * noticed at all: the boot stack (boot.S) has only more .bss below it, so
 * metal_stack_switch moves the kernel to a stack from frames.c whose lowest page is
 * unmapped; running into it is a page fault with cr2 in that page.
 *
 * boot.S's GDT (code 0x08, data 0x10) is in .rodata and has no TSS slot, so this file
 * loads a copy with the same two segments plus the TSS at 0x18; the selectors in use
 * stay valid across the lgdt.
 */
#include "metal.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];    /* ring 1-3 stacks: unused, everything runs in ring 0 */
	uint64_t reserved1;
	uint64_t ist[7];    /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap;     /* past the limit: no I/O bitmap */
} __attribute__((packed));

#define IST_SIZE (16 * 1024)
#define KSTACK_FRAMES 64   /* 256 KiB, as boot.S's stack */

static struct tss tss;
static uint64_t gdt[5] = { 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF };
static uint8_t ist_stacks[3][IST_SIZE] __attribute__((aligned(16)));

uint64_t metal_stack_guard;

void metal_tss_init(void)
{
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[i] + IST_SIZE);
	tss.iomap = sizeof tss;
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
	/* A 16-byte system descriptor: present, type 9 (available 64-bit TSS). */
	gdt[3] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |
		 (limit >> 16 & 0xF) << 48 | (base >> 24 & 0xFF) << 56;
	gdt[4] = base >> 32;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(ptr), "r"(0x18) : "memory");
}

/* Unmaps the 4 KiB page at addr, splitting the 2 MiB page boot.S mapped it with into
 * a page table of 4 KiB pages (the rest of the 2 MiB stays mapped as before). */
static void unmap_page(uint64_t addr)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xFFFull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[addr >> 39 & 511] & ~0xFFFull);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[addr >> 30 & 511] & ~0xFFFull);
	uint64_t *pde = &pd[addr >> 21 & 511];
	if (*pde & 0x80) {   /* a huge page: split it */
		uint64_t pt_addr = metal_frames_alloc(1);
		if (!pt_addr)
			metal_panic("no frame for a page table");
		uint64_t *pt = (uint64_t *)(uintptr_t)pt_addr;
		uint64_t big = *pde & ~0x1FFFFFull;
		for (int i = 0; i < 512; i++)
			pt[i] = (big + (uint64_t)i * METAL_FRAME_SIZE) | 0x3;   /* present | writable */
		*pde = pt_addr | 0x3;
		/* The whole 2 MiB translation may be cached: flush it all. */
		__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	}
	uint64_t *pt = (uint64_t *)(uintptr_t)(*pde & ~0xFFFull);
	pt[addr >> 12 & 511] = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/* boot.S's stack, where metal_main runs until metal_stack_switch. */
extern const char boot_stack[], boot_stack_top[];

int metal_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	uint64_t stacks[5][2] = {
		{ (uint64_t)(uintptr_t)boot_stack, (uint64_t)(uintptr_t)boot_stack_top },
		/* Without its guard page, which is unmapped. */
		{ metal_stack_guard + METAL_FRAME_SIZE,
		  metal_stack_guard + (KSTACK_FRAMES + 1) * (uint64_t)METAL_FRAME_SIZE },
	};
	for (int i = 0; i < 3; i++) {
		stacks[2 + i][0] = (uint64_t)(uintptr_t)ist_stacks[i];
		stacks[2 + i][1] = (uint64_t)(uintptr_t)(ist_stacks[i] + IST_SIZE);
	}
	for (int i = 0; i < 5; i++) {
		if (i == 1 && !metal_stack_guard)
			continue;   /* no kernel stack yet */
		if (addr >= stacks[i][0] && addr < stacks[i][1]) {
			*lo = stacks[i][0];
			*hi = stacks[i][1];
			return 1;
		}
	}
	return 0;
}

_Noreturn void metal_stack_switch(void (*fn)(void))
{
	/* The guard frame stays allocated for good, so nothing else is put there. */
	uint64_t base = metal_frames_alloc(KSTACK_FRAMES + 1);
	if (!base)
		metal_panic("no frames for the kernel stack");
	unmap_page(base);
	metal_stack_guard = base;
	uint64_t top = base + (KSTACK_FRAMES + 1) * (uint64_t)METAL_FRAME_SIZE;
	/* fn never returns, so nothing of the old stack is needed; call keeps the ABI's
	 * alignment (rsp + 8 a multiple of 16 at fn's entry). */
	__asm__ volatile("mov %0, %%rsp; call *%1" : : "r"(top), "r"(fn) : "memory");
	__builtin_unreachable();
}
