/* bootinfo_test.c: the multiboot2 info the loader builds (bootinfo.c), read back tag
 * by tag as the kernel reads it: the EFI memory map converted, sorted and merged; the
 * module, framebuffer, ACPI and EFI tags; and a buffer too small for it refused without a
 * write past its end (the sanitizer build would see one). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "efi.h"
#include "loader.h"

enum { DESC_SIZE = 48 };   /* larger than the struct, as OVMF's descriptors are */

struct entry {
	uint64_t addr, len;
	uint32_t type, reserved;
};

static uint8_t map[32 * DESC_SIZE];
static size_t map_size;

static void add(uint32_t type, uint64_t start, uint64_t pages)
{
	efi_memory_descriptor d = { .type = type, .physical_start = start, .pages = pages };
	memset(map + map_size, 0xEE, DESC_SIZE);   /* the unknown tail of each descriptor */
	memcpy(map + map_size, &d, sizeof d);
	map_size += DESC_SIZE;
}

/* An OVMF-like map, out of order in places. */
static void make_map(void)
{
	map_size = 0;
	add(EFI_BOOT_SERVICES_DATA, 0x0, 1);
	add(EFI_CONVENTIONAL_MEMORY, 0x1000, 0x9F);            /* to 640 KiB */
	add(EFI_LOADER_DATA, 0x200000, 0x100);                  /* sorted in below */
	add(EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100);          /* 1..2 MiB */
	add(EFI_BOOT_SERVICES_CODE, 0x300000, 0x500);           /* to 8 MiB */
	add(EFI_ACPI_MEMORY_NVS, 0x800000, 0x8);
	add(EFI_CONVENTIONAL_MEMORY, 0x808000, 0x10);
	add(EFI_RUNTIME_SERVICES_DATA, 0x818000, 0x10);
	add(EFI_ACPI_RECLAIM_MEMORY, 0x828000, 0x4);
	add(EFI_UNUSABLE_MEMORY, 0x82C000, 0x1);
	add(EFI_CONVENTIONAL_MEMORY, 0x900000, 0);              /* empty: dropped */
	add(EFI_MEMORY_MAPPED_IO, 0xFFC00000, 0x400);
	add(EFI_CONVENTIONAL_MEMORY, UINT64_MAX - 0xFFF, 2);    /* wraps: dropped */
}

static const uint8_t rsdp1[20] = "RSD PTR \x01\x02\x03\x04\x05\x06\x07\x00\x00\x00\x00\x00";
static uint8_t rsdp2[36] = "RSD PTR 2nd-version-rsdp-of-36-bytes";

static struct uefi_boot full_boot(void)
{
	return (struct uefi_boot){
		.cmdline = "test=heap hold",
		.fb = { .addr = 0x80000000, .pitch = 5120, .width = 1280, .height = 800,
			.red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8, .blue_pos = 0, .blue_size = 8 },
		.rsdp_v1 = rsdp1,
		.rsdp_v2 = rsdp2,
		.rsdp_v2_len = sizeof rsdp2,
		.system_table = 0x7F9EE018,
		.module_start = 0x7E000000,
		.module_end = 0x7E001234,
		.module_name = "BUNDLE.CAR",
	};
}

/* The tag of `type` in info, or NULL; checks the walk on the way: sizes in bounds,
 * tags 8-aligned, the end tag last. */
static const uint8_t *find(const uint8_t *info, uint32_t type)
{
	uint32_t total, off = 8;
	memcpy(&total, info, 4);
	while (off + 8 <= total) {
		uint32_t t[2];
		memcpy(t, info + off, 8);
		if (t[1] < 8 || t[1] > total - off || off % 8)
			return NULL;
		if (t[0] == type)
			return info + off;
		if (t[0] == 0)
			return NULL;
		off += (t[1] + 7) & ~7u;
	}
	return NULL;
}

static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int test_bootinfo_tags_read_back_as_built(void)
{
	make_map();
	struct uefi_boot b = full_boot();
	size_t cap = uefi_bootinfo_size(&b, map_size / DESC_SIZE);
	uint8_t *info = malloc(cap);
	size_t n = uefi_bootinfo_build(info, cap, &b, map, map_size, DESC_SIZE);
	CHECK(n > 0 && n <= cap);
	CHECK_EQ(u32(info), n);
	CHECK(find(info, 0) == info + n - 8);   /* the end tag, last */
	CHECK_EQ(u32(info + n - 4), 8);

	const uint8_t *t = find(info, 1);
	CHECK(t && strcmp((const char *)t + 8, "test=heap hold") == 0);
	CHECK_EQ(u32(t + 4), 8 + strlen("test=heap hold") + 1);
	CHECK((t = find(info, 2)) && strcmp((const char *)t + 8, "wasmos-uefi") == 0);
	CHECK((t = find(info, 3)));
	CHECK_EQ(u32(t + 4), 16 + strlen("BUNDLE.CAR") + 1);
	CHECK_EQ(u32(t + 8), 0x7E000000);
	CHECK_EQ(u32(t + 12), 0x7E001234);
	CHECK(strcmp((const char *)t + 16, "BUNDLE.CAR") == 0);
	CHECK((t = find(info, 4)));
	CHECK_EQ(u32(t + 8), 640);                 /* mem_lower: 0..640 KiB, merged */
	CHECK_EQ(u32(t + 12), 7 * 1024);           /* mem_upper: 1..8 MiB */

	CHECK((t = find(info, 6)));
	CHECK_EQ(u32(t + 8), 24);                  /* entry size */
	CHECK_EQ(u32(t + 12), 0);                  /* entry version */
	static const struct entry want[] = {
		{ 0x0, 0xA0000, 1, 0 },            /* boot services data + conventional */
		{ 0x100000, 0x700000, 1, 0 },      /* conventional + loader + boot services */
		{ 0x800000, 0x8000, 4, 0 },
		{ 0x808000, 0x10000, 1, 0 },
		{ 0x818000, 0x10000, 2, 0 },
		{ 0x828000, 0x4000, 3, 0 },
		{ 0x82C000, 0x1000, 5, 0 },
		{ 0xFFC00000, 0x400000, 2, 0 },
	};
	size_t nwant = sizeof want / sizeof want[0];
	CHECK_EQ(u32(t + 4), 16 + nwant * 24);
	for (size_t i = 0; i < nwant; i++) {
		struct entry e;
		memcpy(&e, t + 16 + i * 24, sizeof e);
		CHECK_EQ(e.addr, want[i].addr);
		CHECK_EQ(e.len, want[i].len);
		CHECK_EQ(e.type, want[i].type);
		CHECK_EQ(e.reserved, 0);
	}

	CHECK((t = find(info, 8)));
	CHECK_EQ(u32(t + 4), 38);
	CHECK_EQ(u64(t + 8), 0x80000000);
	CHECK_EQ(u32(t + 16), 5120);
	CHECK_EQ(u32(t + 20), 1280);
	CHECK_EQ(u32(t + 24), 800);
	CHECK_EQ(t[28], 32);                       /* bpp */
	CHECK_EQ(t[29], 1);                        /* RGB */
	CHECK(t[32] == 16 && t[33] == 8 && t[34] == 8 && t[35] == 8 && t[36] == 0 && t[37] == 8);

	CHECK((t = find(info, 12)) && u64(t + 8) == 0x7F9EE018);
	CHECK((t = find(info, 14)) && u32(t + 4) == 28 && memcmp(t + 8, rsdp1, 20) == 0);
	CHECK((t = find(info, 15)) && u32(t + 4) == 44 && memcmp(t + 8, rsdp2, 36) == 0);
	free(info);
	return 0;
}

static int test_bootinfo_leaves_out_what_the_firmware_lacks(void)
{
	make_map();
	struct uefi_boot b = { .cmdline = "", .system_table = 1 };
	size_t cap = uefi_bootinfo_size(&b, map_size / DESC_SIZE);
	uint8_t *info = malloc(cap);
	CHECK(uefi_bootinfo_build(info, cap, &b, map, map_size, DESC_SIZE) > 0);
	const uint8_t *t = find(info, 1);
	CHECK(t && u32(t + 4) == 9 && t[8] == 0);   /* an empty command line, as GRUB's */
	CHECK(find(info, 3) == NULL);
	CHECK(find(info, 8) == NULL);
	CHECK(find(info, 14) == NULL);
	CHECK(find(info, 15) == NULL);
	CHECK(find(info, 6) != NULL);
	free(info);
	return 0;
}

static int test_bootinfo_too_small_a_buffer_is_refused(void)
{
	make_map();
	struct uefi_boot b = full_boot();
	size_t cap = uefi_bootinfo_size(&b, map_size / DESC_SIZE);
	uint8_t *big = malloc(cap);
	size_t need = uefi_bootinfo_build(big, cap, &b, map, map_size, DESC_SIZE);
	free(big);
	CHECK(need > 0);
	for (size_t c = 0; c < need; c++) {
		uint8_t *info = malloc(c ? c : 1);
		size_t n = uefi_bootinfo_build(info, c, &b, map, map_size, DESC_SIZE);
		free(info);
		CHECK_EQ(n, 0);
	}
	return 0;
}

static int test_bootinfo_descriptor_size_below_the_struct_is_refused(void)
{
	make_map();
	struct uefi_boot b = full_boot();
	static uint8_t info[4096];
	CHECK_EQ(uefi_bootinfo_build(info, sizeof info, &b, map, map_size, 8), 0);
	CHECK_EQ(uefi_bootinfo_build(info, sizeof info, &b, map, map_size, 0), 0);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_bootinfo_tags_read_back_as_built),
		TEST(test_bootinfo_leaves_out_what_the_firmware_lacks),
		TEST(test_bootinfo_too_small_a_buffer_is_refused),
		TEST(test_bootinfo_descriptor_size_below_the_struct_is_refused),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
