/* irq.S: the entry stubs of the 16 legacy IRQ vectors, 32-47 (timer.c remaps the
 * 8259 PICs there, past the CPU exceptions).
 *
 * Unlike an exception, an interrupt returns: the stub saves every general register
 * (the interrupted code expects all of them back; C saves only the callee-saved
 * ones) in the layout of struct metal_frame, calls metal_irq with the frame, and
 * restores them.  The IDT gives these vectors IST3 (tss.c), a stack of their own, so
 * the interrupted stack's red zone is never written (libgcc is built with one);
 * interrupt gates clear IF, so a stub never interrupts itself on that stack.  Stack
 * alignment at the call is 16 bytes, as in isr.S: 40 + 16 + 120 = 176.
 */
	.section .text
	.code64

.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
irq\n:	pushq $0
	pushq $\n
	jmp irq_common
.endr

irq_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call metal_irq
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.align 8
	.global metal_irq_table
metal_irq_table:
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad irq\n
.endr

	.section .note.GNU-stack, "", @progbits
