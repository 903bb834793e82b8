/* elf_test.c: the loader's ELF checks (elf.c) on images built here: a good one loads
 * byte for byte, and each kind of broken one is refused with its reason, without a
 * read outside the file (the sanitizer build would see one). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loader.h"
#include "../multiboot.h"

/* A kernel like linker.ld makes: one RWX segment at 1 MiB, the entry header 64 bytes
 * in, code after it, then .bss. */
enum { PHOFF = 64, DATA = 0x1000, FILESZ = 0x200, MEMSZ = 0x3000 };
#define PADDR 0x100000ull
#define ENTRY (PADDR + 0x80)

struct image {
	uint8_t b[DATA + FILESZ];
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void make(struct image *im)
{
	uint8_t *b = im->b;
	memset(b, 0, sizeof im->b);
	memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
	put16(b + 16, 2);        /* ET_EXEC */
	put16(b + 18, 62);       /* EM_X86_64 */
	put32(b + 20, 1);
	put64(b + 24, PADDR + 0x90);   /* the 32-bit entry: not what the loader uses */
	put64(b + 32, PHOFF);
	put16(b + 52, 64);
	put16(b + 54, 56);       /* phentsize */
	put16(b + 56, 1);        /* phnum */
	uint8_t *ph = b + PHOFF;
	put32(ph, 1);            /* PT_LOAD */
	put32(ph + 4, 7);        /* RWX */
	put64(ph + 8, DATA);
	put64(ph + 16, PADDR);
	put64(ph + 24, PADDR);
	put64(ph + 32, FILESZ);
	put64(ph + 40, MEMSZ);
	for (int i = 0; i < FILESZ; i++)
		b[DATA + i] = (uint8_t)(i * 7 + 1);
	memcpy(b + DATA + 0x40, METAL_ENTRY64_MAGIC, 8);
	put64(b + DATA + 0x48, ENTRY);
}

/* uefi_elf_check on a private copy of exactly n bytes, so that ASan sees overreads. */
static const char *check_bytes(const uint8_t *b, size_t n, struct uefi_kernel *k)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, b, n);
	const char *why = uefi_elf_check(copy, n, k);
	free(copy);
	return why;
}

static int test_elf_good_image_loads_its_segment_and_zeroes_bss(void)
{
	static struct image im;
	make(&im);
	struct uefi_kernel k;
	CHECK(uefi_elf_check(im.b, sizeof im.b, &k) == NULL);
	CHECK_EQ(k.lo, PADDR);
	CHECK_EQ(k.hi, PADDR + MEMSZ);
	CHECK_EQ(k.entry, ENTRY);
	uint8_t *mem = malloc(k.hi - k.lo);
	memset(mem, 0xAA, k.hi - k.lo);
	uefi_elf_load(im.b, &k, mem);
	CHECK(memcmp(mem, im.b + DATA, FILESZ) == 0);
	for (size_t i = FILESZ; i < MEMSZ; i++)
		CHECK_EQ(mem[i], 0);
	free(mem);
	return 0;
}

static int test_elf_every_truncation_is_refused(void)
{
	static struct image im;
	make(&im);
	struct uefi_kernel k;
	for (size_t n = 0; n < sizeof im.b; n++)
		CHECK(check_bytes(im.b, n, &k) != NULL);
	CHECK(check_bytes(im.b, DATA + 16, &k) != NULL);
	CHECK(strstr(check_bytes(im.b, DATA + 16, &k), "past the end of the file"));
	return 0;
}

/* Breaks one field of a good image; the check must name the reason. */
static int refused(void (*breakit)(uint8_t *), const char *reason)
{
	static struct image im;
	make(&im);
	breakit(im.b);
	struct uefi_kernel k;
	const char *why = check_bytes(im.b, sizeof im.b, &k);
	if (!why || !strstr(why, reason)) {
		fprintf(stderr, "  got '%s', want '%s'\n", why ? why : "(accepted)", reason);
		return 0;
	}
	return 1;
}

static void bad_magic(uint8_t *b) { b[1] = 'X'; }
static void elf32(uint8_t *b) { b[4] = 1; }
static void arm64(uint8_t *b) { put16(b + 18, 183); }
static void phoff_wraps(uint8_t *b) { put64(b + 32, UINT64_MAX - 16); }
static void phnum_huge(uint8_t *b) { put16(b + 56, 0xFFFF); }
static void offset_wraps(uint8_t *b) { put64(b + PHOFF + 8, UINT64_MAX - 8); }
static void filesz_huge(uint8_t *b) { put64(b + PHOFF + 32, UINT64_MAX); }
static void filesz_over_memsz(uint8_t *b) { put64(b + PHOFF + 40, FILESZ - 1); }
static void above_4gib(uint8_t *b) { put64(b + PHOFF + 24, 0xFFFFF000ull); }
static void paddr_wraps(uint8_t *b) { put64(b + PHOFF + 24, UINT64_MAX - 0x100); }
static void no_entry_header(uint8_t *b) { b[DATA + 0x40] = 'X'; }
static void entry_in_bss(uint8_t *b) { put64(b + DATA + 0x48, PADDR + FILESZ + 16); }
static void entry_outside(uint8_t *b) { put64(b + DATA + 0x48, 0x42); }
static void not_executable(uint8_t *b) { put32(b + PHOFF + 4, 6); }
static void not_load(uint8_t *b) { put32(b + PHOFF, 4); }

static int test_elf_broken_fields_are_refused_with_their_reason(void)
{
	CHECK(refused(bad_magic, "not an ELF file"));
	CHECK(refused(elf32, "not an x86_64 ELF64 executable"));
	CHECK(refused(arm64, "not an x86_64 ELF64 executable"));
	CHECK(refused(phoff_wraps, "program headers past the end"));
	CHECK(refused(phnum_huge, "program headers past the end"));
	CHECK(refused(offset_wraps, "past the end of the file"));
	CHECK(refused(filesz_huge, "past the end of the file"));
	CHECK(refused(filesz_over_memsz, "file size exceeds its memory size"));
	CHECK(refused(above_4gib, "above 4 GiB"));
	CHECK(refused(paddr_wraps, "above 4 GiB"));
	CHECK(refused(no_entry_header, "no 64-bit entry header"));
	CHECK(refused(entry_in_bss, "not in a loaded code segment"));
	CHECK(refused(entry_outside, "not in a loaded code segment"));
	CHECK(refused(not_executable, "not in a loaded code segment"));
	CHECK(refused(not_load, "no loadable segment"));
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_elf_good_image_loads_its_segment_and_zeroes_bss),
		TEST(test_elf_every_truncation_is_refused),
		TEST(test_elf_broken_fields_are_refused_with_their_reason),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
