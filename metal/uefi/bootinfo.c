/* bootinfo.c: the multiboot2 boot information the loader hands the kernel, laid out as
 * GRUB lays it out under UEFI (Multiboot2 Specification, section 3.6), so that
 * metal_main, mb2.c and fb.c take one path whoever booted them.
 *
 * The info is a header (total size, reserved) and tags, each 8-byte aligned: type,
 * size (without the padding), payload; type 0 ends it.  The memory map describes the
 * machine after ExitBootServices, as GRUB's does: loader and boot services memory is
 * free then, so it counts as available RAM.  Entries are sorted by address and
 * neighbours of one type merged, which keeps the map within mb2.c's 128 entries
 * (OVMF's raw map has about a hundred descriptors, most of them boot services ones).
 */
#include "loader.h"
#include "efi.h"
#include "../multiboot.h"

enum {
	TAG_END = 0,
	TAG_CMDLINE = 1,
	TAG_LOADER_NAME = 2,
	TAG_MODULE = 3,
	TAG_BASIC_MEMINFO = 4,
	TAG_MMAP = 6,
	TAG_FRAMEBUFFER = 8,
	TAG_EFI64 = 12,
	TAG_ACPI_OLD = 14,
	TAG_ACPI_NEW = 15,
};
enum { MB2_AVAILABLE = 1, MB2_RESERVED = 2, MB2_ACPI_RECLAIMABLE = 3, MB2_NVS = 4, MB2_BADRAM = 5 };
enum { MB2_FB_RGB = 1 };
enum { RSDP_V1_LEN = 20 };

static const char loader_name[] = "wasmos-uefi";

struct mmap_entry {
	uint64_t addr, len;
	uint32_t type, reserved;
};

struct fb_tag {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, fb_type;
	uint16_t reserved;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __attribute__((packed));

/* Where the next tag goes; full once a tag did not fit. */
struct cursor {
	uint8_t *buf;
	size_t cap, used;
	int full;
};

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Starts a tag of `size` bytes (header included), zeroes its padding and returns its
 * start, or NULL when it does not fit.  The caller writes the payload. */
static uint8_t *tag(struct cursor *c, uint32_t type, size_t size)
{
	if (c->full || size > c->cap - c->used || pad8(size) > c->cap - c->used) {
		c->full = 1;
		return NULL;
	}
	uint8_t *t = c->buf + c->used;
	memset(t + size, 0, pad8(size) - size);
	uint32_t hdr[2] = { type, (uint32_t)size };
	memcpy(t, hdr, sizeof hdr);
	c->used += pad8(size);
	return t;
}

static size_t length(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* The multiboot2 type of EFI memory once boot services have exited. */
static uint32_t mb2_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB2_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MB2_ACPI_RECLAIMABLE;
	case EFI_ACPI_MEMORY_NVS:
		return MB2_NVS;
	case EFI_UNUSABLE_MEMORY:
		return MB2_BADRAM;
	default:   /* runtime services, MMIO, reserved, persistent: not RAM to hand out */
		return MB2_RESERVED;
	}
}

/* Converts, sorts and merges the EFI map into e (room for every descriptor); returns
 * how many entries remain. */
static size_t convert_map(struct mmap_entry *e, const uint8_t *map, size_t map_size, size_t desc_size)
{
	size_t n = 0;
	for (size_t off = 0; off + sizeof(efi_memory_descriptor) <= map_size; off += desc_size) {
		efi_memory_descriptor d;
		memcpy(&d, map + off, sizeof d);
		if (d.pages == 0 || d.pages > (UINT64_MAX - d.physical_start) / EFI_PAGE_SIZE)
			continue;   /* empty, or a range that wraps: nothing we could use */
		struct mmap_entry x = { d.physical_start, d.pages * EFI_PAGE_SIZE, mb2_type(d.type), 0 };
		size_t i = n++;   /* insertion sort: maps are short and nearly sorted already */
		for (; i > 0 && e[i - 1].addr > x.addr; i--)
			e[i] = e[i - 1];
		e[i] = x;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && e[m - 1].type == e[i].type && e[m - 1].addr + e[m - 1].len == e[i].addr)
			e[m - 1].len += e[i].len;
		else
			e[m++] = e[i];
	}
	return m;
}

size_t uefi_bootinfo_size(const struct uefi_boot *b, size_t n)
{
	size_t module = b->module_end ? pad8(16 + length(b->module_name ? b->module_name : "") + 1) : 0;
	return 8 + pad8(8 + length(b->cmdline) + 1) + pad8(8 + sizeof loader_name) + module + pad8(16) +
	       pad8(16 + n * sizeof(struct mmap_entry)) + pad8(sizeof(struct fb_tag)) + pad8(16) +
	       pad8(8 + RSDP_V1_LEN) + pad8(8 + (size_t)b->rsdp_v2_len) + 8;
}

size_t uefi_bootinfo_build(void *buf, size_t cap, const struct uefi_boot *b, const void *map,
			   size_t map_size, size_t desc_size)
{
	struct cursor c = { buf, cap, 8, cap < 8 };
	uint8_t *t;
	size_t cmdline_len = length(b->cmdline);
	if ((t = tag(&c, TAG_CMDLINE, 8 + cmdline_len + 1)))
		memcpy(t + 8, b->cmdline, cmdline_len + 1);
	if ((t = tag(&c, TAG_LOADER_NAME, 8 + sizeof loader_name)))
		memcpy(t + 8, loader_name, sizeof loader_name);
	if (b->module_end) {   /* start, end, then the module's command line */
		const char *name = b->module_name ? b->module_name : "";
		size_t name_len = length(name);
		if ((t = tag(&c, TAG_MODULE, 16 + name_len + 1))) {
			uint32_t range[2] = { b->module_start, b->module_end };
			memcpy(t + 8, range, sizeof range);
			memcpy(t + 16, name, name_len + 1);
		}
	}
	uint8_t *meminfo = tag(&c, TAG_BASIC_MEMINFO, 16);

	/* The map is converted in place at the end of the buffer first, to learn its
	 * length after merging; its tag then takes exactly that. */
	size_t ndesc = desc_size ? map_size / desc_size : 0;
	size_t room = ndesc * sizeof(struct mmap_entry);
	if (c.full || desc_size < sizeof(efi_memory_descriptor) || room + 16 > cap - c.used)
		return 0;
	struct mmap_entry *e = (struct mmap_entry *)(void *)(c.buf + c.used + 16);
	size_t n = convert_map(e, map, map_size, desc_size);
	uint8_t *mt = tag(&c, TAG_MMAP, 16 + n * sizeof *e);
	if (!mt)
		return 0;
	uint32_t mhdr[2] = { sizeof *e, 0 };   /* entry size, entry version */
	memcpy(mt + 8, mhdr, sizeof mhdr);

	/* Basic memory: the available RAM from 0 (at most 640 KiB) and from 1 MiB up to
	 * the first hole, in KiB. */
	uint32_t lower = 0, upper = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t end = e[i].addr + e[i].len;
		if (e[i].type != MB2_AVAILABLE)
			continue;
		if (e[i].addr == 0)
			lower = (uint32_t)((end < 640 * 1024 ? end : 640 * 1024) / 1024);
		if (e[i].addr <= 0x100000 && end > 0x100000) {
			uint64_t kib = (end - 0x100000) / 1024;
			upper = kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib;
		}
	}
	if (meminfo) {
		uint32_t m[2] = { lower, upper };
		memcpy(meminfo + 8, m, sizeof m);
	}

	if (b->fb.width) {
		struct fb_tag f = {
			.type = TAG_FRAMEBUFFER, .size = sizeof f, .addr = b->fb.addr,
			.pitch = b->fb.pitch, .width = b->fb.width, .height = b->fb.height,
			.bpp = 32, .fb_type = MB2_FB_RGB,
			.red_pos = b->fb.red_pos, .red_size = b->fb.red_size,
			.green_pos = b->fb.green_pos, .green_size = b->fb.green_size,
			.blue_pos = b->fb.blue_pos, .blue_size = b->fb.blue_size,
		};
		if ((t = tag(&c, TAG_FRAMEBUFFER, sizeof f)))
			memcpy(t, &f, sizeof f);
	}
	if ((t = tag(&c, TAG_EFI64, 16)))
		memcpy(t + 8, &b->system_table, 8);
	if (b->rsdp_v1 && (t = tag(&c, TAG_ACPI_OLD, 8 + RSDP_V1_LEN)))
		memcpy(t + 8, b->rsdp_v1, RSDP_V1_LEN);
	if (b->rsdp_v2 && (t = tag(&c, TAG_ACPI_NEW, 8 + (size_t)b->rsdp_v2_len)))
		memcpy(t + 8, b->rsdp_v2, b->rsdp_v2_len);
	tag(&c, TAG_END, 8);
	if (c.full)
		return 0;
	uint32_t hdr[2] = { (uint32_t)c.used, 0 };
	memcpy(c.buf, hdr, sizeof hdr);
	return c.used;
}
