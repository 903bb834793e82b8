/* idt.c: the interrupt descriptor table, for now the 32 CPU exceptions only.
 *
 * An exception in the kernel is our bug ("blame the right party": no guest code runs
 * natively, Wasm traps are the engine's results), so the handler prints the vector,
 * its name, the error code, RIP (and CR2 for a page fault) on serial and ends the
 * machine with METAL_EXIT_FAULT for the tests to see.  The IDT is a singleton.
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

void metal_idt_fault(struct metal_frame *f);
void metal_idt_fault(struct metal_frame *f)
{
	const char *name = f->vector < 32 && names[f->vector] ? names[f->vector] : "reserved";
	metal_serial_puts("wasmos: exception ");
	metal_serial_dec(f->vector);
	metal_serial_puts(" (");
	metal_serial_puts(name);
	metal_serial_puts(") error ");
	metal_serial_hex(f->error);
	metal_serial_puts(" rip ");
	metal_serial_hex(f->rip);
	if (f->vector == 14) {
		uint64_t cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		metal_serial_puts(" cr2 ");
		metal_serial_hex(cr2);
		if (metal_stack_guard && cr2 - metal_stack_guard < METAL_FRAME_SIZE)
			metal_serial_puts(" (kernel stack overflow)");
	}
	metal_serial_puts("\n");
	metal_exit(METAL_EXIT_FAULT);
}
