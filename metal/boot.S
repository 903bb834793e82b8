/* boot.S: the multiboot1 and multiboot2 headers and the two entry stubs.
 *
 * QEMU -kernel (multiboot1) and GRUB's multiboot2 both enter _start in 32-bit protected
 * mode, paging off, eax = the loader's magic, ebx = physical address of its boot info;
 * metal_main tells the two apart by the magic (mb2.c translates the multiboot2 info).
 * The stub builds
 * page tables that identity-map 0..4 GiB with 2 MiB pages (the kernel, the multiboot
 * info and modules all live below 4 GiB), enables SSE (the engine computes with floats
 * and gcc emits SSE anyway), enters long mode and calls metal_main(magic, info).
 *
 * Our UEFI loader (metal/uefi) enters metal_start64 instead, already in long mode on
 * the firmware's page tables, interrupts off, rdi = the multiboot2 magic, rsi = its
 * multiboot2 info (below 4 GiB).  It builds the same tables with the same code (the
 * PAGE_TABLES macro assembles in both modes), loads them, the GDT and SSE, and joins
 * the 32-bit path at long_mode, so that metal_main is reached alike.  The loader finds
 * metal_start64 by the entry header after the multiboot2 header (multiboot.h).
 *
 * The header uses the a.out kludge (flag bit 16), so the loader copies the one PT_LOAD
 * segment as a flat image and does not need to read an ELF64; linker.ld keeps file
 * layout equal to memory layout for that reason.
 */
#include "multiboot.h"

	.section .multiboot, "a"
	.align 4
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00010003	/* page-align modules | memory map | a.out kludge */
mb1:	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
	.long mb1, __load_start, __load_end, __bss_end, _start

	/* Multiboot2 (spec 2.0, section 3.1): GRUB reads this one and loads the ELF64 by
	 * its program header, so only the end tag follows; the header must be 8-byte
	 * aligned and lie in the first 32 KiB, which the .multiboot section guarantees. */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH 0			/* i386 protected mode */
	.align 8
mb2:	.long MB2_MAGIC, MB2_ARCH, mb2_end - mb2
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH + (mb2_end - mb2))
	.short 0, 0			/* end tag: type 0, flags 0, size 8 */
	.long 8
mb2_end:

	/* The 64-bit entry header (multiboot.h): magic, then where metal_start64 is. */
	.align 8
	.ascii METAL_ENTRY64_MAGIC
	.quad metal_start64

/* Identity-maps 0..4 GiB with 2 MiB pages in pml4/pdpt/pd.  Valid as 32-bit and as
 * 64-bit code: every address is below 2 GiB, and the loop counters are zero-extended. */
.macro PAGE_TABLES
	/* The loader need not zero .bss: clear the page tables ourselves. */
	mov $pml4, %edi
	xor %eax, %eax
	mov $(6 * 4096 / 4), %ecx
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3 (present | writable). */
	movl $(pdpt + 3), pml4
	mov $pdpt, %edi
	mov $(pd + 3), %eax
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b

	/* 2048 PDEs, each a 2 MiB page (present | writable | huge): 0..4 GiB.  Every
	 * address is below 4 GiB, so each entry's high dword stays 0. */
	mov $pd, %edi
	mov $0x83, %eax
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b
.endm

#define CR4_SSE ((1 << 9) | (1 << 10))	/* OSFXSR | OSXMMEXCPT */
#define CR0_EM (1 << 2)			/* x87 emulation: cleared */
#define CR0_MP (1 << 1)

	.section .text
	.code32
	.global _start
_start:
	cli
	mov $boot_stack_top, %esp
	mov %eax, boot_magic
	mov %ebx, boot_info

	PAGE_TABLES

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $((1 << 5) | CR4_SSE), %eax			/* PAE, SSE */
	mov %eax, %cr4
	mov $0xC0000080, %ecx				/* EFER */
	rdmsr
	or $(1 << 8), %eax				/* LME */
	wrmsr
	mov %cr0, %eax
	and $~CR0_EM, %eax
	or $((1 << 31) | CR0_MP | 1), %eax		/* PG | MP | PE */
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_mode

	.code64
	.global metal_start64
metal_start64:
	cli
	mov $boot_stack_top, %rsp
	mov %edi, boot_magic(%rip)
	mov %esi, boot_info(%rip)
	PAGE_TABLES
	mov $pml4, %eax
	mov %rax, %cr3
	mov %cr4, %rax
	or $CR4_SSE, %rax
	mov %rax, %cr4
	mov %cr0, %rax
	and $~CR0_EM, %rax
	or $CR0_MP, %rax
	mov %rax, %cr0
	/* Our GDT, and cs from it by a far return (there is no far jump to an immediate
	 * in 64-bit mode). */
	lgdt gdt_ptr
	pushq $0x08
	lea long_mode(%rip), %rax
	push %rax
	lretq

long_mode:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp			/* the end of the frame-pointer chain (backtrace.c) */
	movl boot_magic(%rip), %edi
	movl boot_info(%rip), %esi
	call metal_main
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.align 8
	/* null, 64-bit code (L bit), data */
gdt:	.quad 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
gdt_ptr:	/* lgdt reads a 4-byte base in 32-bit mode, 8 bytes in 64-bit mode */
	.short gdt_ptr - gdt - 1
	.quad gdt

	.section .bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
boot_magic:	.skip 4
boot_info:	.skip 4
	.align 16
	.global boot_stack, boot_stack_top	/* tss.c names the kernel's stacks */
	/* The engine is stackless (Wasm frames live in its thread), but the kernel and the
	 * compiler still use C stack; 256 KiB leaves room. */
boot_stack:	.skip 256 * 1024
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
