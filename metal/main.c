/* main.c: metal_main, where the 64-bit kernel starts (called by boot.S), and the exit
 * path.  It brings the machine up in order and reports each step on serial. */
#include "metal.h"

#define MB1_BOOT_MAGIC 0x2BADB002u

_Noreturn void metal_exit(uint8_t code)
{
	/* isa-debug-exit at 0xf4: QEMU exits with (code << 1) | 1. */
	metal_outb(0xf4, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void metal_main(uint32_t magic, uint32_t info);
void metal_main(uint32_t magic, uint32_t info)
{
	metal_serial_init();
	if (magic != MB1_BOOT_MAGIC) {
		metal_serial_puts("wasmos: not booted by a multiboot1 loader\n");
		metal_exit(METAL_EXIT_FAIL);
	}
	(void)info;
	metal_serial_puts("wasmos: booted\n");
	metal_exit(METAL_EXIT_OK);
}
