/* acpi_tables.c: the byte-level checks of ACPI tables that acpi.c needs (checksums,
 * the RSDP) and the one piece of AML it reads, the \_S5_ package.  Pure functions of
 * the bytes they are given, with no memory walks and no ports, so that a host unit
 * test (acpi_tables_test.c) can feed them broken and truncated tables.
 */
#include "metal.h"

#define SDT_HEADER 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* AML opcodes (ACPI 6.5, 20.2) that may start or fill the _S5_ package. */
enum {
	AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0A, AML_WORD = 0x0B,
	AML_DWORD = 0x0C, AML_QWORD = 0x0E, AML_PACKAGE = 0x12, AML_ROOT = 0x5C,
};

int metal_acpi_sum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int metal_acpi_rsdp_valid(const uint8_t *p, size_t avail)
{
	if (avail < RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) != 0 || !metal_acpi_sum_ok(p, RSDP_V1_LEN))
		return 0;
	/* Revision 2 and later: the extended checksum covers `length` bytes. */
	if (p[15] >= 2)
		return avail >= RSDP_V2_LEN && rd32(p + 20) >= RSDP_V2_LEN && rd32(p + 20) <= avail &&
		       metal_acpi_sum_ok(p, rd32(p + 20));
	return 1;
}

/* Reads one AML integer (ZeroOp, OneOp or a Byte/Word/DWord/QWord constant) at
 * aml[*i], bounded by n; -1 when it is something else or cut short. */
static int aml_integer(const uint8_t *aml, size_t n, size_t *i, uint64_t *v)
{
	static const uint8_t widths[] = { [AML_BYTE] = 1, [AML_WORD] = 2, [AML_DWORD] = 4, [AML_QWORD] = 8 };
	if (*i >= n)
		return -1;
	uint8_t op = aml[(*i)++];
	if (op == AML_ZERO || op == AML_ONE) {
		*v = op;
		return 0;
	}
	if (op >= sizeof widths || !widths[op] || n - *i < widths[op])
		return -1;
	*v = 0;
	for (int b = widths[op] - 1; b >= 0; b--)   /* little-endian */
		*v = *v << 8 | aml[*i + (size_t)b];
	*i += widths[op];
	return 0;
}

int metal_acpi_find_s5(const uint8_t *dsdt, size_t n, uint16_t *typa, uint16_t *typb)
{
	if (n < SDT_HEADER)
		return -1;
	for (size_t at = SDT_HEADER + 1; at + 4 <= n; at++) {
		if (memcmp(dsdt + at, "_S5_", 4) != 0)
			continue;
		/* A declaration: NameOp right before, or NameOp then the root prefix '\'.
		 * Anything else is a use of the name (in a method), passed over. */
		if (!(dsdt[at - 1] == AML_NAME ||
		      (dsdt[at - 1] == AML_ROOT && at >= SDT_HEADER + 2 && dsdt[at - 2] == AML_NAME)))
			continue;
		size_t i = at + 4;
		if (i >= n || dsdt[i++] != AML_PACKAGE || i >= n)
			return -1;
		i += 1 + (dsdt[i] >> 6);   /* PkgLength: bits 7-6 count its extra bytes */
		if (i >= n)
			return -1;
		uint8_t count = dsdt[i++];
		uint64_t a, b = 0;   /* a package of one leaves SLP_TYPb 0 */
		if (count < 1 || aml_integer(dsdt, n, &i, &a) != 0 ||
		    (count >= 2 && aml_integer(dsdt, n, &i, &b) != 0))
			return -1;
		*typa = (uint16_t)(a & 7);   /* SLP_TYP is 3 bits */
		*typb = (uint16_t)(b & 7);
		return 0;
	}
	return -1;
}
