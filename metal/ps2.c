/* ps2.c: the PS/2 keyboard (controller at ports 0x60 data, 0x64 status/command).
 *
 * The controller translates the keyboard's codes to scan code set 1 (the firmware
 * and QEMU leave translation on; init makes sure).  IRQ1 fires per byte: the handler
 * only moves the byte into a ring, because it runs on the IRQ stack in the middle of
 * metal_timer_wait; metal_ps2_poll, from the main loop with IF clear, turns the
 * bytes into keys (USB HID usages, so nothing past this file knows scan codes) and
 * hands them to keyboard.c, which makes the events and the text.  The ring is
 * single-producer (the interrupt) single-consumer (the loop), and the loop only runs
 * with IF clear, so the indices need no lock.
 */
#include "metal.h"

#define PS2_DATA 0x60
#define PS2_STATUS 0x64   /* read: status; write: command */
#define PS2_OUT_FULL 0x01
#define PS2_IN_FULL 0x02

/* Set 1 make codes 0x01-0x58 to USB HID usages (keyboard page); 0: none. */
static const uint8_t usage[0x59] = {
	0, 0x29, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2D, 0x2E, 0x2A, 0x2B,
	0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30, 0x28, 0xE0, 0x04, 0x16,
	0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34, 0x35, 0xE1, 0x31, 0x1D, 0x1B, 0x06, 0x19,
	0x05, 0x11, 0x10, 0x36, 0x37, 0x38, 0xE5, 0x55, 0xE2, 0x2C, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E,
	0x3F, 0x40, 0x41, 0x42, 0x43, 0x53, 0x47, 0x5F, 0x60, 0x61, 0x56, 0x5C, 0x5D, 0x5E, 0x57, 0x59,
	0x5A, 0x5B, 0x62, 0x63, 0, 0, 0x64, 0x44, 0x45,
};

/* The same after an 0xE0 prefix; the rest (0xE0 0x2A, the "fake shift" around print
 * screen and the arrows in some modes) is no key. */
static uint8_t usage_e0(uint8_t b)
{
	switch (b) {
	case 0x1C: return 0x58;   /* keypad enter */
	case 0x1D: return 0xE4;   /* right ctrl */
	case 0x35: return 0x54;   /* keypad / */
	case 0x37: return 0x46;   /* print screen */
	case 0x38: return 0xE6;   /* right alt */
	case 0x47: return 0x4A;   /* home */
	case 0x48: return 0x52;   /* up */
	case 0x49: return 0x4B;   /* page up */
	case 0x4B: return 0x50;   /* left */
	case 0x4D: return 0x4F;   /* right */
	case 0x4F: return 0x4D;   /* end */
	case 0x50: return 0x51;   /* down */
	case 0x51: return 0x4E;   /* page down */
	case 0x52: return 0x49;   /* insert */
	case 0x53: return 0x4C;   /* delete */
	case 0x5B: return 0xE3;   /* left GUI */
	case 0x5C: return 0xE7;   /* right GUI */
	case 0x5D: return 0x65;   /* menu */
	}
	return 0;
}
enum { PREFIX = 0xE0, PAUSE = 0xE1, HID_PAUSE = 0x48 };

static volatile uint8_t ring[64];
static volatile uint32_t head, tail;   /* the irq writes head, the loop tail */
static int prefixed, pause_left;   /* bytes of a pause sequence still to come */

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

/* One byte of set 1: a key down or up for keyboard.c.  Pause sends E1 1D 45 when
 * pressed and E1 9D C5 when released, with no prefix of its own after. */
static void scancode(uint8_t b)
{
	if (pause_left) {
		if (--pause_left == 0)
			metal_keyboard_key(HID_PAUSE, !(b & 0x80));
		return;
	}
	if (b == PAUSE) {
		pause_left = 2;
		return;
	}
	if (b == PREFIX) {
		prefixed = 1;
		return;
	}
	int up = b & 0x80;
	b &= 0x7F;
	uint8_t code = prefixed ? usage_e0(b) : b < sizeof usage ? usage[b] : 0;
	prefixed = 0;
	if (code)
		metal_keyboard_key(code, !up);
}

void metal_ps2_poll(void)
{
	while (tail != head)
		scancode(ring[tail++ % sizeof ring]);
}
