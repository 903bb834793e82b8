/* metal.h: the internal interface of the bare-metal platform, grouped by file.
 * Included by the .c files of metal/ only. */
#ifndef WASMOS_METAL_H
#define WASMOS_METAL_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes for isa-debug-exit: QEMU exits with (code << 1) | 1. */
enum { METAL_EXIT_OK = 0x10, METAL_EXIT_FAIL = 0x11 };

/* io.h-style port access, inline because each is one instruction. */
static inline void metal_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t metal_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* serial.c: COM1, 115200 8N1, polled. */
void metal_serial_init(void);
void metal_serial_write(const char *s, size_t len);
void metal_serial_puts(const char *s);
void metal_serial_hex(uint64_t v);   /* "0x" and 16 hex digits */
void metal_serial_dec(uint64_t v);

/* main.c */
/* Leaves QEMU through isa-debug-exit; halts forever where there is no such device. */
_Noreturn void metal_exit(uint8_t code);

#endif
