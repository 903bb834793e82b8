/* idt.c: the interrupt descriptor table, for now the 32 CPU exceptions only.
 *
 * An exception in the kernel is our bug ("blame the right party": no guest code runs
 * natively, Wasm traps are the engine's results), so the handler prints a report and
 * ends the machine with METAL_EXIT_FAULT for the tests to see.  The report names the
 * exception and the function it hit (ksyms.c), gives the error code (decoded for a
 * page fault, with CR2 and CR3), every general register, and a backtrace
 * (backtrace.c); it goes out through serial, which the screen mirrors (vga.c, fb.c),
 * and ends with "wasmos: end of exception report".  The IDT is a singleton.
 *
 * Every exception runs on an IST stack (tss.c), so one raised by a broken kernel
 * stack still has a stack to report on: IST1, and IST2 for the double fault, which
 * may come while IST1 is in use.  A page fault in the guard page below the kernel
 * stack is named as the stack overflow it is.
 */
#include "metal.h"

struct gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;      /* present | ring 0 | 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct gate idt[48];   /* exceptions, then the IRQs (timer.c) */
extern const uint64_t metal_isr_table[32];

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};

void metal_idt_set(int v, uint64_t a, int ist)
{
	idt[v] = (struct gate){
		.off_lo = (uint16_t)a,
		.selector = 0x08,   /* boot.S's code segment */
		.ist = (uint8_t)ist,
		.type = 0x8E,       /* an interrupt gate: IF is cleared on entry */
		.off_mid = (uint16_t)(a >> 16),
		.off_hi = (uint32_t)(a >> 32),
	};
}

void metal_idt_init(void)
{
	for (int v = 0; v < 32; v++)
		metal_idt_set(v, metal_isr_table[v], v == 8 ? 2 : 1);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

static int hold;          /* the "hold" boot word: metal_idt_hold */
static int reporting;     /* set while a report is being printed */

void metal_idt_hold(void)
{
	hold = 1;
}

/* "  name 0x0123456789abcdef" for each of n registers, on one line. */
static void regs(const char *const labels[], const uint64_t *vals[], int n)
{
	for (int i = 0; i < n; i++) {
		metal_serial_puts("  ");
		metal_serial_puts(labels[i]);
		metal_serial_puts(" ");
		metal_serial_hex(*vals[i]);
	}
	metal_serial_puts("\n");
}

/* The page fault error code's bits (Intel SDM vol. 3, 4.7), in words. */
static void page_fault_bits(uint64_t e)
{
	metal_serial_puts(e & 1 ? " (protection, " : " (not present, ");
	metal_serial_puts(e & 2 ? "write, " : "read, ");
	metal_serial_puts(e & 4 ? "user" : "kernel");
	if (e & 8)
		metal_serial_puts(", reserved bit");
	if (e & 16)
		metal_serial_puts(", instruction fetch");
	metal_serial_puts(")");
}

static void report(struct metal_frame *f)
{
	const char *name = f->vector < 32 && names[f->vector] ? names[f->vector] : "reserved";
	metal_serial_puts("wasmos: exception ");
	metal_serial_dec(f->vector);
	metal_serial_puts(" (");
	metal_serial_puts(name);
	metal_serial_puts(") in ");
	metal_ksyms_print(f->rip, f->rip);
	metal_serial_puts("\n  error ");
	metal_serial_xint(f->error);
	if (f->vector == 14)
		page_fault_bits(f->error);
	metal_serial_puts("  cs ");
	metal_serial_xint(f->cs);
	metal_serial_puts("  ss ");
	metal_serial_xint(f->ss);
	metal_serial_puts("\n");
	if (f->vector == 14) {
		uint64_t cr2, cr3;
		__asm__ volatile("mov %%cr2, %0; mov %%cr3, %1" : "=r"(cr2), "=r"(cr3));
		metal_serial_puts("  cr2 ");
		metal_serial_hex(cr2);
		metal_serial_puts("  cr3 ");
		metal_serial_hex(cr3);
		if (metal_stack_guard && cr2 - metal_stack_guard < METAL_FRAME_SIZE)
			metal_serial_puts(" (kernel stack overflow)");
		metal_serial_puts("\n");
	}
	static const char *const reg_names[18] = {
		"rip", "rsp", "rfl", "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
		"rbp", "r8 ", "r9 ", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	const uint64_t *vals[18] = {
		&f->rip, &f->rsp, &f->rflags, &f->rax, &f->rbx, &f->rcx, &f->rdx, &f->rsi, &f->rdi,
		&f->rbp, &f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13, &f->r14, &f->r15,
	};
	for (int i = 0; i < 18; i += 3)
		regs(reg_names + i, vals + i, 3);
	metal_backtrace_print(f);
	metal_serial_puts("wasmos: end of exception report\n");
}

/* Busy-waits 30 s on the TSC clock: interrupts stay off in the handler. */
static void hold_on(void)
{
	uint64_t end = metal_clock_ns() + 30000000000ull;
	while (metal_clock_ns() < end)
		__asm__ volatile("pause");
}

void metal_idt_fault(struct metal_frame *f);
void metal_idt_fault(struct metal_frame *f)
{
	/* A fault inside the report or the exit after it (a bug there) must not report
	 * itself forever: one line, and a halt that tries nothing more. */
	if (reporting) {
		metal_serial_puts("wasmos: exception ");
		metal_serial_dec(f->vector);
		metal_serial_puts(" while reporting one, rip ");
		metal_serial_hex(f->rip);
		metal_serial_puts("\n");
		metal_outb(0xf4, METAL_EXIT_FAULT);   /* isa-debug-exit, as metal_exit does */
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	reporting = 1;
	report(f);
	if (hold)
		hold_on();
	metal_exit(METAL_EXIT_FAULT);
}
