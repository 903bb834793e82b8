/* loader.h: the internal interface of the UEFI loader (metal/uefi), grouped by file.
 * elf.c and bootinfo.c touch no firmware, so that host unit tests run them. */
#ifndef WASMOS_METAL_UEFI_LOADER_H
#define WASMOS_METAL_UEFI_LOADER_H

#include <stddef.h>
#include <stdint.h>

/* elf.c: the kernel image, an ELF64 executable checked before anything is copied. */
struct uefi_kernel {
	uint64_t lo, hi;   /* physical span of the PT_LOAD segments, rounded out to pages */
	uint64_t entry;    /* metal_start64, from the entry header (metal/multiboot.h) */
};
/* Checks that file[0..size) is an x86_64 ELF64 executable whose PT_LOAD segments lie in
 * the file and below 4 GiB, and that it holds the 64-bit entry header pointing into
 * loaded code.  Fills *k and returns NULL, or returns why not (a fixed text). */
const char *uefi_elf_check(const uint8_t *file, size_t size, struct uefi_kernel *k);
/* Copies the checked file's segments to base + (paddr - k->lo) and zeroes what the
 * file does not fill (the .bss).  base is k->lo itself on the machine. */
void uefi_elf_load(const uint8_t *file, const struct uefi_kernel *k, uint8_t *base);

/* bootinfo.c: the multiboot2 boot information, as GRUB builds it (Multiboot2
 * Specification, section 3.6), for metal_main. */
struct uefi_fb {   /* a 32-bit RGB framebuffer; width 0: none */
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};
struct uefi_boot {   /* everything but the memory map, gathered while firmware runs */
	const char *cmdline;      /* never NULL; borrowed until uefi_bootinfo_build returns */
	struct uefi_fb fb;
	const uint8_t *rsdp_v1;   /* 20 bytes, or NULL */
	const uint8_t *rsdp_v2;   /* rsdp_v2_len bytes, or NULL */
	uint32_t rsdp_v2_len;
	uint64_t system_table;    /* the EFI system table's address */
	uint32_t module_start, module_end;   /* the boot bundle, [start, end); end 0: none */
	const char *module_name;  /* its command line in the module tag; NULL: none */
};
/* An upper bound of the info's size with a memory map of at most n descriptors. */
size_t uefi_bootinfo_size(const struct uefi_boot *b, size_t n);
/* Writes the info into buf (cap bytes, 8-aligned): the command line, the loader's
 * name, the module, basic memory, the memory map converted from the EFI one (map_size bytes of
 * desc_size descriptors) as after ExitBootServices, sorted and merged, the framebuffer,
 * the EFI64 system table and the ACPI RSDPs.  Allocates nothing and calls no firmware,
 * so it can run between GetMemoryMap and ExitBootServices.  Returns the info's size,
 * or 0 when it does not fit in cap. */
size_t uefi_bootinfo_build(void *buf, size_t cap, const struct uefi_boot *b, const void *map,
			   size_t map_size, size_t desc_size);

/* libc.c: what clang may call in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
