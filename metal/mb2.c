/* mb2.c: accepts the multiboot2 boot information (GRUB's `multiboot2`) by translating
 * it into the multiboot1 form the rest of metal already reads (multiboot.h), so that
 * frames.c and main.c keep one input format.
 *
 * The info is a list of tags, each 8-byte aligned: type, size, then the payload, ending
 * with type 0 (Multiboot2 spec, section 3.6).  Only the command line (type 1), the
 * modules (type 3: GRUB's `module2`), the memory map (type 6) and the RSDP copies
 * (types 14, 15: acpi.c keeps them) are read.  The first three are copied into static
 * buffers here: GRUB may place its info anywhere in RAM, above the kernel too, where
 * frames.c would hand it out, so nothing may point into it once the frame allocator
 * runs.  (A module's bytes stay where GRUB put them; frames.c keeps them out of the
 * free frames.)  The translated info is a true singleton of the machine, like the
 * boot it describes.
 */
#include "metal.h"
#include "multiboot.h"

enum {
	MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_MODULE = 3, MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14, MB2_TAG_ACPI_NEW = 15,   /* a copy of the RSDP */
};

/* A memory map longer than this loses its tail (that RAM stays unused).  GRUB merges
 * adjacent ranges of one type; OVMF maps give a few dozen. */
#define MB2_MAX_MMAP 128
#define MB2_MAX_CMDLINE 1024
/* Modules past this many are ignored (their frames stay free for others to use). */
#define MB2_MAX_MODS 8

struct mb2_tag {
	uint32_t type, size;   /* size counts this header, not the padding to 8 */
};

struct mb2_mmap_entry {
	uint64_t addr, len;
	uint32_t type, reserved;   /* type 1: available RAM, as in multiboot1 */
};

static struct mb1_info info;
static struct mb1_mmap mmap[MB2_MAX_MMAP];
static char cmdline[MB2_MAX_CMDLINE];
static struct mb1_module mods[MB2_MAX_MODS];

/* Copies the memory map tag's entries; entry_size may grow in later versions of the
 * spec, so entries are stepped by it and only the fields we know are read. */
static void take_mmap(const struct mb2_tag *t)
{
	const uint8_t *p = (const uint8_t *)t + 16, *end = (const uint8_t *)t + t->size;
	uint32_t entry_size = ((const uint32_t *)t)[2];
	size_t n = 0;
	if (t->size < 16 || entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (; p + sizeof(struct mb2_mmap_entry) <= end && n < MB2_MAX_MMAP; p += entry_size, n++) {
		const struct mb2_mmap_entry *e = (const struct mb2_mmap_entry *)p;
		mmap[n] = (struct mb1_mmap){
			.size = sizeof(struct mb1_mmap) - 4, .addr = e->addr, .len = e->len, .type = e->type,
		};
	}
	info.flags |= MB1_INFO_MMAP;
	info.mmap_addr = (uint32_t)(uintptr_t)mmap;
	info.mmap_length = (uint32_t)(n * sizeof(struct mb1_mmap));
}

static void take_cmdline(const struct mb2_tag *t)
{
	size_t n = t->size - sizeof *t;
	if (n >= MB2_MAX_CMDLINE)
		n = MB2_MAX_CMDLINE - 1;
	memcpy(cmdline, t + 1, n);
	cmdline[n] = 0;   /* the tag's string is NUL-terminated; this bounds a bad one */
	info.flags |= MB1_INFO_CMDLINE;
	info.cmdline = (uint32_t)(uintptr_t)cmdline;
}

/* A module tag: start, end, then its command line.  The line is not kept (mb1's
 * string is left 0): nothing reads it, and it lives in memory frames.c hands out. */
static void take_module(const struct mb2_tag *t)
{
	const uint32_t *w = (const uint32_t *)(t + 1);
	if (t->size < sizeof *t + 8 || info.mods_count == MB2_MAX_MODS || w[1] < w[0])
		return;
	mods[info.mods_count++] = (struct mb1_module){ .start = w[0], .end = w[1] };
	info.flags |= MB1_INFO_MODS;
	info.mods_addr = (uint32_t)(uintptr_t)mods;
}

uint32_t metal_mb2_to_mb1(uint32_t info_addr)
{
	const uint8_t *base = (const uint8_t *)(uintptr_t)info_addr;
	uint32_t total = *(const uint32_t *)base;
	info = (struct mb1_info){ 0 };
	/* Tags start after total_size and reserved; a tag must fit inside total. */
	for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = (const struct mb2_tag *)(base + off);
		if (t->type == MB2_TAG_END || t->size < sizeof *t || t->size > total - off)
			break;
		if (t->type == MB2_TAG_CMDLINE)
			take_cmdline(t);
		else if (t->type == MB2_TAG_MMAP)
			take_mmap(t);
		else if (t->type == MB2_TAG_ACPI_OLD || t->type == MB2_TAG_ACPI_NEW)
			metal_acpi_take_rsdp(t + 1, t->size - sizeof *t);   /* acpi.c copies it */
		else if (t->type == MB2_TAG_MODULE)
			take_module(t);
		off += (t->size + 7) & ~7u;
	}
	return (uint32_t)(uintptr_t)&info;
}
