/* boot.S: the multiboot1 and multiboot2 headers and the 32-bit entry stub.
 *
 * QEMU -kernel (multiboot1) and GRUB's multiboot2 both enter _start in 32-bit protected
 * mode, paging off, eax = the loader's magic, ebx = physical address of its boot info;
 * metal_main tells the two apart by the magic (mb2.c translates the multiboot2 info).
 * The stub builds
 * page tables that identity-map 0..4 GiB with 2 MiB pages (the kernel, the multiboot
 * info and modules all live below 4 GiB), enables SSE (the engine computes with floats
 * and gcc emits SSE anyway), enters long mode and calls metal_main(magic, info).
 *
 * The header uses the a.out kludge (flag bit 16), so the loader copies the one PT_LOAD
 * segment as a flat image and does not need to read an ELF64; linker.ld keeps file
 * layout equal to memory layout for that reason.
 */
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

	.section .text
	.code32
	.global _start
_start:
	cli
	mov $boot_stack_top, %esp
	mov %eax, boot_magic
	mov %ebx, boot_info

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

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $((1 << 5) | (1 << 9) | (1 << 10)), %eax	/* PAE | OSFXSR | OSXMMEXCPT */
	mov %eax, %cr4
	mov $0xC0000080, %ecx				/* EFER */
	rdmsr
	or $(1 << 8), %eax				/* LME */
	wrmsr
	mov %cr0, %eax
	and $~(1 << 2), %eax				/* clear EM: no x87 emulation */
	or $((1 << 31) | (1 << 1) | 1), %eax		/* PG | MP | PE */
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_mode

	.code64
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
gdt_ptr:
	.short gdt_ptr - gdt - 1
	.long gdt

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
