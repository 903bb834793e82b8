/* timer.c: the 8259 PICs, the PIT's 1 kHz tick and the wait for the next interrupt.
 *
 * Interrupts are enabled only inside metal_timer_wait, around one hlt: the engine,
 * the kernel core and libgcc (built with a red zone) always run with IF clear, so
 * nothing they do can be interrupted and nothing needs locking.  "sti; hlt" is safe
 * against a lost wakeup because sti takes effect only after the next instruction: an
 * interrupt pending at the sti is taken in the hlt, which then returns.
 *
 * The tick only wakes the CPU and counts; time itself stays clock.c's TSC clock, and
 * the main loop compares deadlines with it.  All IRQs but 0 stay masked, and 1, which
 * ps2.c unmasks for the keyboard (metal_irq hands its byte to metal_ps2_irq).
 */
#include "metal.h"

#define PIC1 0x20      /* command; data is +1 */
#define PIC2 0xA0
#define PIC_EOI 0x20
#define PIT_HZ 1193182u
#define TICK_HZ 1000u

extern const uint64_t metal_irq_table[16];
static volatile uint64_t ticks;

/* Moves the PICs' vectors from 8-15 (the CPU's exceptions in protected mode) to
 * 32-47: the ICW1-ICW4 sequence, then the masks. */
static void pic_remap(void)
{
	metal_outb(PIC1, 0x11);        /* ICW1: init, ICW4 follows */
	metal_outb(PIC2, 0x11);
	metal_outb(PIC1 + 1, 32);      /* ICW2: vector base */
	metal_outb(PIC2 + 1, 40);
	metal_outb(PIC1 + 1, 4);       /* ICW3: slave on IRQ2 */
	metal_outb(PIC2 + 1, 2);
	metal_outb(PIC1 + 1, 0x01);    /* ICW4: 8086 mode */
	metal_outb(PIC2 + 1, 0x01);
	metal_outb(PIC1 + 1, 0xFE);    /* only IRQ0 */
	metal_outb(PIC2 + 1, 0xFF);
}

void metal_timer_init(void)
{
	for (int i = 0; i < 16; i++)
		metal_idt_set(32 + i, metal_irq_table[i], 3);
	pic_remap();
	uint16_t div = (PIT_HZ + TICK_HZ / 2) / TICK_HZ;
	metal_outb(0x43, 0x34);        /* channel 0, lo/hi, mode 2 (rate generator) */
	metal_outb(0x40, (uint8_t)div);
	metal_outb(0x40, (uint8_t)(div >> 8));
}

void metal_irq(struct metal_frame *f);
void metal_irq(struct metal_frame *f)
{
	unsigned irq = (unsigned)f->vector - 32;
	/* A masked line can still show up as a spurious IRQ 7 or 15: the PIC's
	 * in-service bit is clear then, and the spurious one gets no EOI of its own. */
	if (irq == 7 || irq == 15) {
		uint16_t pic = irq == 7 ? PIC1 : PIC2;
		metal_outb(pic, 0x0B);     /* OCW3: read the in-service register */
		if (!(metal_inb(pic) & 0x80)) {
			if (irq == 15)
				metal_outb(PIC1, PIC_EOI);   /* the master did see IRQ 2 */
			return;
		}
	}
	metal_random_event();   /* when an interrupt comes is a little entropy */
	if (irq == 0)
		ticks++;
	if (irq == 1)
		metal_ps2_irq();
	if (irq >= 8)
		metal_outb(PIC2, PIC_EOI);
	metal_outb(PIC1, PIC_EOI);
}

uint64_t metal_timer_ticks(void)
{
	return ticks;
}

void metal_timer_wait(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}
