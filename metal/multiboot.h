/* multiboot.h: the parts of the multiboot1 info structure metal reads (Multiboot
 * Specification 0.6.96, section 3.3), and the 64-bit entry header.  Included by
 * main.c, frames.c, mb2.c, boot.S (the constants only) and metal/uefi. */
#ifndef WASMOS_METAL_MULTIBOOT_H
#define WASMOS_METAL_MULTIBOOT_H

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36D76289u   /* multiboot2: mb2.c translates its info */

/* The 64-bit entry header, our own: in boot.S's .multiboot section (the image's first
 * 32 KiB), 8-byte aligned, these 8 bytes and then the 64-bit address of metal_start64.
 * metal/uefi/elf.c looks for it, because ELF symbols are gone from a linked image and
 * the ELF entry point is the 32-bit multiboot one. */
#define METAL_ENTRY64_MAGIC "WOSENT64"
#define METAL_ENTRY64_SEARCH 32768   /* bytes from the image's start */

#ifndef __ASSEMBLER__
#include <stdint.h>

enum {
	MB1_INFO_CMDLINE = 1u << 2,
	MB1_INFO_MODS = 1u << 3,
	MB1_INFO_MMAP = 1u << 6,
};

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* One memory map entry; `size` does not count itself, so the next entry starts at
 * (char *)e + e->size + 4. */
struct mb1_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;   /* 1: available RAM */
} __attribute__((packed));

struct mb1_module {
	uint32_t start, end;   /* [start, end) physical */
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

#endif /* __ASSEMBLER__ */
#endif
