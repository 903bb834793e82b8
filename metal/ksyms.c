/* ksyms.c: names for code addresses, from the kernel's own symbol table.
 *
 * metal/ksyms.sh writes the table from `nm -n` of the first link pass and the second
 * pass links it in (metal/metal.mk): rows (address, name) sorted by address.  An
 * address belongs to the last symbol at or below it, up to the end of .text; past
 * that, or before the first symbol, it has no name.  Read-only, so the exception
 * handler may use it whatever state the kernel is in.
 */
#include "metal.h"

struct ksym {
	uint64_t addr;
	const char *name;
};

extern const struct ksym metal_ksyms[], metal_ksyms_end[];
extern const char __text_end[];   /* linker.ld */

const char *metal_ksyms_find(uint64_t addr, uint64_t *start)
{
	size_t lo = 0, hi = (size_t)(metal_ksyms_end - metal_ksyms);
	if (hi == 0 || addr < metal_ksyms[0].addr || addr >= (uint64_t)(uintptr_t)__text_end)
		return NULL;
	/* Invariant: metal_ksyms[lo].addr <= addr, and every row from hi on is above it. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (metal_ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*start = metal_ksyms[lo].addr;
	return metal_ksyms[lo].name;
}

void metal_ksyms_print(uint64_t addr, uint64_t lookup)
{
	uint64_t start;
	const char *name = metal_ksyms_find(lookup, &start);
	if (!name) {
		metal_serial_puts("?");
		return;
	}
	metal_serial_puts(name);
	metal_serial_puts("+");
	metal_serial_xint(addr - start);
}
