/* acpi_tables_test.c: the ACPI byte checks and the \_S5_ decoding (acpi_tables.c) on
 * tables built here: the encodings firmware uses are read, and every broken or
 * truncated one is refused without a read past its end (the sanitizer build would
 * see one: each input sits in a heap block of exactly its length). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metal.h"

/* A copy of n bytes in a block of its own, so that ASan catches a read past it. */
static uint8_t *copy(const void *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	if (b)
		memcpy(b, p, n);
	return b;
}

/* A DSDT: the 36-byte header (checksum left 0: find_s5 does not check it), then aml. */
static uint8_t *dsdt(const uint8_t *aml, size_t n, size_t *len)
{
	uint8_t buf[256] = "DSDT";
	*len = 36 + n;
	uint32_t l = (uint32_t)*len;
	memcpy(buf + 4, &l, 4);
	memcpy(buf + 36, aml, n);
	return copy(buf, *len);
}

/* find_s5 on aml; its result, with the two types in *a and *b. */
static int s5(const uint8_t *aml, size_t n, uint16_t *a, uint16_t *b)
{
	size_t len;
	uint8_t *t = dsdt(aml, n, &len);
	*a = *b = 0xFFFF;
	int rc = t ? metal_acpi_find_s5(t, len, a, b) : -2;
	free(t);
	return rc;
}

/* Makes the first n bytes of p sum to zero by its byte at `at`. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

static void rsdp(uint8_t *p, int revision)
{
	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "WASMOS", 6);
	p[15] = (uint8_t)revision;
	p[16] = 0x10;   /* the RSDT at 0x10 */
	fix_sum(p, 20, 8);
	if (revision >= 2) {
		p[20] = 36;
		p[24] = 0x20;   /* the XSDT at 0x20 */
		fix_sum(p, 36, 32);
	}
}

static int rsdp_ok(const uint8_t *p, size_t avail)
{
	uint8_t *b = copy(p, avail);
	int ok = b && metal_acpi_rsdp_valid(b, avail);
	free(b);
	return ok;
}

static int test_acpi_rsdp_v1_and_v2_valid(void)
{
	uint8_t p[36];
	rsdp(p, 0);
	CHECK(rsdp_ok(p, 20));
	rsdp(p, 2);
	CHECK(rsdp_ok(p, 36));
	return 0;
}

static int test_acpi_rsdp_broken_is_refused(void)
{
	uint8_t p[36];
	rsdp(p, 0);
	CHECK(!rsdp_ok(p, 19));          /* shorter than an RSDP */
	p[0] = 'X';
	CHECK(!rsdp_ok(p, 20));          /* signature */
	rsdp(p, 0);
	p[10] ^= 1;
	CHECK(!rsdp_ok(p, 20));          /* first checksum */
	rsdp(p, 2);
	CHECK(!rsdp_ok(p, 20));          /* revision 2 needs 36 bytes */
	p[30] ^= 1;
	CHECK(!rsdp_ok(p, 36));          /* extended checksum */
	rsdp(p, 2);
	p[20] = 200;                     /* a length past what may be read */
	fix_sum(p, 20, 8);
	CHECK(!rsdp_ok(p, 36));
	rsdp(p, 2);
	p[20] = 8;                       /* a length shorter than the fields */
	fix_sum(p, 20, 8);
	CHECK(!rsdp_ok(p, 36));
	return 0;
}

static int test_acpi_sum(void)
{
	uint8_t p[5] = { 1, 2, 3, 4, 0 };
	fix_sum(p, 5, 4);
	CHECK(metal_acpi_sum_ok(p, 5));
	p[0]++;
	CHECK(!metal_acpi_sum_ok(p, 5));
	return 0;
}

/* QEMU's: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }). */
static int test_acpi_s5_zero_ops(void)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
	uint16_t a, b;
	CHECK_EQ(s5(aml, sizeof aml, &a, &b), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 0);
	return 0;
}

/* Root prefix and byte constants: Name (\_S5, Package () { 0x05, 0x05, ... }). */
static int test_acpi_s5_root_prefix_and_bytes(void)
{
	static const uint8_t aml[] = { 0x10, 0x08, 0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				       0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00 };
	uint16_t a, b;
	CHECK_EQ(s5(aml, sizeof aml, &a, &b), 0);
	CHECK_EQ(a, 5);
	CHECK_EQ(b, 6);
	return 0;
}

/* OneOp, a word and a 2-byte PkgLength; dword and qword keep their low 3 bits. */
static int test_acpi_s5_other_encodings(void)
{
	static const uint8_t one_word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02,
					    0x01, 0x0B, 0x07, 0x00 };
	static const uint8_t wide[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x10, 0x02, 0x0C, 0x0D,
					0, 0, 0, 0x0E, 0x0B, 0, 0, 0, 0, 0, 0, 0x80 };
	static const uint8_t single[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0A, 0x03 };
	uint16_t a, b;
	CHECK_EQ(s5(one_word, sizeof one_word, &a, &b), 0);
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 7);
	CHECK_EQ(s5(wide, sizeof wide, &a, &b), 0);
	CHECK_EQ(a, 5);
	CHECK_EQ(b, 3);
	CHECK_EQ(s5(single, sizeof single, &a, &b), 0);   /* SLP_TYPb absent: 0 */
	CHECK_EQ(a, 3);
	CHECK_EQ(b, 0);
	return 0;
}

/* "_S5_" that is not a name declaration (a reference in a method) is passed over. */
static int test_acpi_s5_reference_is_not_the_declaration(void)
{
	static const uint8_t aml[] = { 0x70, '_', 'S', '5', '_', 0x60,
				       0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x02, 0x01 };
	uint16_t a, b;
	CHECK_EQ(s5(aml, sizeof aml, &a, &b), 0);
	CHECK_EQ(a, 2);
	CHECK_EQ(b, 1);
	return 0;
}

/* Each truncation of a good package, and each unknown element, is refused. */
static int test_acpi_s5_truncated_or_unknown_is_refused(void)
{
	static const uint8_t good[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x02, 0x0C, 0x05,
					0, 0, 0, 0x0B, 0x05, 0x00 };
	uint16_t a, b;
	for (size_t n = 0; n < sizeof good; n++)
		CHECK_EQ(s5(good, n, &a, &b), -1);
	CHECK_EQ(s5(good, sizeof good, &a, &b), 0);
	static const uint8_t ones[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xFF, 0x00 };
	CHECK_EQ(s5(ones, sizeof ones, &a, &b), -1);   /* OnesOp: not a sleep type */
	static const uint8_t empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };
	CHECK_EQ(s5(empty, sizeof empty, &a, &b), -1);
	static const uint8_t not_package[] = { 0x08, '_', 'S', '5', '_', 0x0A, 0x05 };
	CHECK_EQ(s5(not_package, sizeof not_package, &a, &b), -1);
	uint16_t x;
	CHECK_EQ(metal_acpi_find_s5((const uint8_t *)"DSDT", 4, &x, &x), -1);   /* no header */
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_acpi_rsdp_v1_and_v2_valid),
		TEST(test_acpi_rsdp_broken_is_refused),
		TEST(test_acpi_sum),
		TEST(test_acpi_s5_zero_ops),
		TEST(test_acpi_s5_root_prefix_and_bytes),
		TEST(test_acpi_s5_other_encodings),
		TEST(test_acpi_s5_reference_is_not_the_declaration),
		TEST(test_acpi_s5_truncated_or_unknown_is_refused),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
