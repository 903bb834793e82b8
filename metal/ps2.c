/* ps2.c: the PS/2 keyboard (controller at ports 0x60 data, 0x64 status/command).
 *
 * The controller translates the keyboard's codes to scan code set 1 (the firmware
 * and QEMU leave translation on; init makes sure).  IRQ1 fires per byte: the handler
 * only moves the byte into a ring, because it runs on the IRQ stack in the middle of
 * metal_timer_wait; metal_ps2_poll, from the main loop with IF clear, turns the
 * bytes into text (US layout) and hands it to stdin.c.  The ring is single-producer
 * (the interrupt) single-consumer (the loop), and the loop only runs with IF clear,
 * so the indices need no lock.
 */
#include "metal.h"

#define PS2_DATA 0x60
#define PS2_STATUS 0x64   /* read: status; write: command */
#define PS2_OUT_FULL 0x01
#define PS2_IN_FULL 0x02

/* Set 1 make codes 0x00-0x39 to text, unshifted and shifted; 0: no text. */
static const char plain[0x3A] =
	"\0\0331234567890-=\b\tqwertyuiop[]\n\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
static const char shifted[0x3A] =
	"\0\033!@#$%^&*()_+\b\tQWERTYUIOP{}\n\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
enum { LSHIFT = 0x2A, RSHIFT = 0x36, CAPS = 0x3A, PREFIX = 0xE0 };

static volatile uint8_t ring[64];
static volatile uint32_t head, tail;   /* the irq writes head, the loop tail */
static int shift_l, shift_r, caps, prefixed;

/* Waits (bounded) until the controller takes a byte; a missing controller must not
 * hang the boot. */
static void wait_in_empty(void)
{
	for (int i = 0; i < 100000 && (metal_inb(PS2_STATUS) & PS2_IN_FULL); i++)
		;
}

static int read_reply(uint8_t *v)
{
	for (int i = 0; i < 100000; i++)
		if (metal_inb(PS2_STATUS) & PS2_OUT_FULL) {
			*v = metal_inb(PS2_DATA);
			return 0;
		}
	return -1;
}

void metal_ps2_init(void)
{
	while (metal_inb(PS2_STATUS) & PS2_OUT_FULL)   /* stale bytes from the firmware */
		(void)metal_inb(PS2_DATA);
	/* Configuration byte: bit 0 IRQ1 on, bit 6 translation to set 1. */
	uint8_t cfg;
	wait_in_empty();
	metal_outb(PS2_STATUS, 0x20);
	if (read_reply(&cfg) == 0) {
		wait_in_empty();
		metal_outb(PS2_STATUS, 0x60);
		wait_in_empty();
		metal_outb(PS2_DATA, (uint8_t)(cfg | 0x41));
	}
	metal_outb(0x21, metal_inb(0x21) & (uint8_t)~0x02);   /* unmask IRQ1 on PIC1 */
}

void metal_ps2_irq(void)
{
	uint8_t b = metal_inb(PS2_DATA);
	if (head - tail < sizeof ring)   /* full: the key is lost, as on a real PC */
		ring[head++ % sizeof ring] = b;
}

/* One scan code: shift state, or a character for stdin. */
static void scancode(uint8_t b)
{
	if (b == PREFIX) {   /* keypad enter, arrows, right ctrl...: none give text yet */
		prefixed = 1;
		return;
	}
	if (prefixed) {
		prefixed = 0;
		return;
	}
	int up = b & 0x80;
	b &= 0x7F;
	if (b == LSHIFT)
		shift_l = !up;
	else if (b == RSHIFT)
		shift_r = !up;
	else if (b == CAPS && !up)
		caps = !caps;
	else if (!up && b < sizeof plain) {
		char c = (shift_l || shift_r) ? shifted[b] : plain[b];
		if (caps && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			c ^= 0x20;
		if (c)
			metal_stdin_push(c);
	}
}

void metal_ps2_poll(void)
{
	while (tail != head)
		scancode(ring[tail++ % sizeof ring]);
}
