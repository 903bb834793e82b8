/* elf.c: checks and copies the kernel image, an ELF64 executable (System V ABI,
 * chapter 4, and its x86_64 supplement).  The file comes from a USB stick, so every
 * field is checked before it is used, with overflow-safe sums; nothing is copied until
 * the whole image has passed.
 *
 * The segments are loaded at their physical addresses (p_paddr), all below 4 GiB
 * where the kernel's identity map reaches.  The loader reserves their whole span
 * [lo, hi) at once: linker.ld puts the kernel in one segment, and two segments sharing
 * a page would otherwise need that page allocated twice.
 */
#include "loader.h"
#include "../multiboot.h"

enum { ELF_PT_LOAD = 1, ELF_PF_X = 1, ELF_EM_X86_64 = 62, ELF_ET_EXEC = 2 };
#define FOUR_GIB (1ull << 32)
#define PAGE 4096ull

struct elf_header {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* The program header i; the caller checked that the table lies in the file.  Copied
 * out, because the file buffer need not be aligned for it. */
static struct elf_phdr phdr(const uint8_t *file, const struct elf_header *h, uint16_t i)
{
	struct elf_phdr p;
	memcpy(&p, file + h->phoff + (uint64_t)i * h->phentsize, sizeof p);
	return p;
}

/* Finds the entry header in the segment's first METAL_ENTRY64_SEARCH bytes of file;
 * its address, or 0. */
static uint64_t find_entry(const uint8_t *file, const struct elf_phdr *p)
{
	static const char magic[8] = METAL_ENTRY64_MAGIC;   /* no NUL: exactly 8 bytes */
	uint64_t n = p->filesz < METAL_ENTRY64_SEARCH ? p->filesz : METAL_ENTRY64_SEARCH;
	for (uint64_t off = 0; off + 16 <= n; off += 8) {
		const uint8_t *q = file + p->offset + off;
		int same = 1;
		for (int i = 0; i < 8; i++)
			same &= q[i] == (uint8_t)magic[i];
		if (same) {
			uint64_t entry;
			memcpy(&entry, q + 8, sizeof entry);
			return entry;
		}
	}
	return 0;
}

const char *uefi_elf_check(const uint8_t *file, size_t size, struct uefi_kernel *k)
{
	struct elf_header h;
	if (size < sizeof h)
		return "shorter than an ELF header";
	memcpy(&h, file, sizeof h);
	if (h.ident[0] != 0x7f || h.ident[1] != 'E' || h.ident[2] != 'L' || h.ident[3] != 'F')
		return "not an ELF file";
	if (h.ident[4] != 2 || h.ident[5] != 1 || h.machine != ELF_EM_X86_64 || h.type != ELF_ET_EXEC)
		return "not an x86_64 ELF64 executable";
	if (h.phentsize < sizeof(struct elf_phdr) || h.phnum == 0)
		return "no program headers";
	/* Both checks needed: phoff + the table's length can wrap. */
	if (h.phoff > size || (uint64_t)h.phnum * h.phentsize > size - h.phoff)
		return "program headers past the end of the file";
	uint64_t lo = UINT64_MAX, hi = 0, entry = 0;
	for (uint16_t i = 0; i < h.phnum; i++) {
		struct elf_phdr p = phdr(file, &h, i);
		if (p.type != ELF_PT_LOAD)
			continue;
		if (p.offset > size || p.filesz > size - p.offset)
			return "a segment lies past the end of the file (truncated?)";
		if (p.filesz > p.memsz)
			return "a segment's file size exceeds its memory size";
		if (p.paddr >= FOUR_GIB || p.memsz > FOUR_GIB - p.paddr)
			return "a segment lies above 4 GiB";
		if (p.memsz == 0)
			continue;
		if (p.paddr < lo)
			lo = p.paddr;
		if (p.paddr + p.memsz > hi)
			hi = p.paddr + p.memsz;
		if (!entry)
			entry = find_entry(file, &p);
	}
	if (hi == 0)
		return "no loadable segment";
	if (!entry)
		return "no 64-bit entry header (not a wasmos kernel, or one older than this loader)";
	/* The entry must be code that the file fills, not .bss or a gap between segments. */
	int in_code = 0;
	for (uint16_t i = 0; i < h.phnum; i++) {
		struct elf_phdr p = phdr(file, &h, i);
		if (p.type == ELF_PT_LOAD && (p.flags & ELF_PF_X) && entry >= p.paddr &&
		    entry - p.paddr < p.filesz)
			in_code = 1;
	}
	if (!in_code)
		return "the 64-bit entry is not in a loaded code segment";
	k->lo = lo & ~(PAGE - 1);
	k->hi = (hi + PAGE - 1) & ~(PAGE - 1);   /* hi <= 4 GiB: no wrap */
	k->entry = entry;
	return NULL;
}

void uefi_elf_load(const uint8_t *file, const struct uefi_kernel *k, uint8_t *base)
{
	struct elf_header h;
	memcpy(&h, file, sizeof h);
	/* Gaps between segments and the page ends hold zeroes, not old RAM. */
	memset(base, 0, k->hi - k->lo);
	for (uint16_t i = 0; i < h.phnum; i++) {
		struct elf_phdr p = phdr(file, &h, i);
		if (p.type == ELF_PT_LOAD && p.filesz)
			memcpy(base + (p.paddr - k->lo), file + p.offset, p.filesz);
	}
}
