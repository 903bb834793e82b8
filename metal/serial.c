/* serial.c: COM1 (the 16550 at 0x3F8), polled, output only.  It is the console and
 * the test channel: QEMU's -serial stdio carries it to the host. */
#include "metal.h"

#define COM1 0x3F8

void metal_serial_init(void)
{
	metal_outb(COM1 + 1, 0x00);  /* no interrupts: we poll */
	metal_outb(COM1 + 3, 0x80);  /* DLAB on to set the divisor */
	metal_outb(COM1 + 0, 0x01);  /* divisor 1: 115200 baud */
	metal_outb(COM1 + 1, 0x00);
	metal_outb(COM1 + 3, 0x03);  /* 8N1, DLAB off */
	metal_outb(COM1 + 2, 0xC7);  /* FIFO on, cleared */
	metal_outb(COM1 + 4, 0x03);  /* DTR | RTS */
}

static void putc_raw(char c)
{
	while (!(metal_inb(COM1 + 5) & 0x20))  /* transmit holding register empty */
		;
	metal_outb(COM1, (uint8_t)c);
	metal_vga_putc(c);   /* the screen mirrors serial (vga.c) */
	metal_fb_putc(c);    /* or the framebuffer does (fb.c) */
}

void metal_serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		putc_raw(s[i]);
}

void metal_serial_puts(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

void metal_serial_hex(uint64_t v)
{
	char buf[18] = "0x";
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF];
	metal_serial_write(buf, sizeof buf);
}

void metal_serial_dec(uint64_t v)
{
	char buf[20];
	int n = 0;
	do {
		buf[sizeof buf - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	metal_serial_write(buf + sizeof buf - n, (size_t)n);
}

void metal_serial_xint(uint64_t v)
{
	char buf[18];
	int n = 0;
	do {
		buf[sizeof buf - 1 - n++] = "0123456789abcdef"[v & 0xF];
		v >>= 4;
	} while (v);
	buf[sizeof buf - 1 - n++] = 'x';
	buf[sizeof buf - 1 - n++] = '0';
	metal_serial_write(buf + sizeof buf - n, (size_t)n);
}
