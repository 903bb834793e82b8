/* isr.S: the entry stubs of the 32 CPU exception vectors.
 *
 * Each stub makes the stack look the same whatever the vector: the CPU pushes an
 * error code for some vectors only, so the others push a 0 in its place; then the
 * vector number.  isr_common saves the general registers in the order of struct
 * metal_frame (metal.h) and calls metal_idt_fault with a pointer to it.  The stack
 * is 16-byte aligned at that call: the CPU aligns before its 5 pushes (40 bytes),
 * then error + vector (16) and 15 registers (120) make 176.
 */
	.section .text
	.code64

.macro isr_noerr n
isr\n:	pushq $0
	pushq $\n
	jmp isr_common
.endm
.macro isr_err n
isr\n:	pushq $\n
	jmp isr_common
.endm

/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30 (Intel SDM vol. 3, 6.3.1). */
.irp n, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	isr_noerr \n
.endr
.irp n, 8,10,11,12,13,14,17,21,29,30
	isr_err \n
.endr

isr_common:
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
	call metal_idt_fault
	/* Exceptions do not return yet (metal_idt_fault ends the machine); when
	 * interrupts come, they will pop back through here. */
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
	add $16, %rsp
	iretq

	.section .rodata
	.align 8
	.global metal_isr_table
metal_isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr\n
.endr

	.section .note.GNU-stack, "", @progbits
