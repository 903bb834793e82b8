/* acpi.c: power-off by ACPI, for machines without QEMU's isa-debug-exit (a real PC,
 * or QEMU started without the device): metal_exit tries it second.
 *
 * The path (ACPI 6.5: 5.2 the tables, 7.4.2 the \_S5 object, 4.8 the PM1 registers):
 * the RSDP, either the copy a multiboot2 loader put in its tag 14 or 15 (mb2.c hands
 * it over: GRUB, the UEFI loader) or, without one, found by its "RSD PTR " signature
 * on a 16-byte boundary in the EBDA's first KiB and then in 0xE0000-0xFFFFF (the BIOS
 * areas); the RSDT or XSDT it points at; the FADT ("FACP") there, which gives the PM1a
 * and PM1b control ports and the DSDT; in the DSDT's AML, the package named _S5_,
 * whose first two elements are SLP_TYPa and SLP_TYPb.  Writing SLP_TYP | SLP_EN into
 * the PM1 control registers then turns the machine off.
 *
 * The tables are firmware input, so nothing is trusted: every table's length and
 * checksum are checked, and that it lies inside the identity map (the low 4 GiB,
 * boot.S), before a byte of it is read; the AML is searched for the one name and
 * its package decoded with bounds checks, not interpreted (acpi_tables.c holds those
 * byte checks, apart so that a host unit test can feed them broken tables).  Anything
 * missing or broken ends in one line that says what, and metal_exit halts instead.
 */
#include "metal.h"

#define MAPPED_LIMIT 0x100000000ull   /* boot.S identity-maps the low 4 GiB */
#define MAX_TABLE (16u << 20)         /* a larger "table" is a wrong pointer */
#define SDT_HEADER 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* FADT offsets (ACPI 6.5, table 5.9). */
enum {
	FADT_DSDT = 40, FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_PM1A_CNT = 64,
	FADT_PM1B_CNT = 68, FADT_X_DSDT = 140, FADT_X_PM1A_CNT = 172, FADT_X_PM1B_CNT = 184,
};
#define GAS_SYSTEM_IO 1   /* a generic address structure's address space: I/O ports */
#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000

static uint8_t rsdp_copy[RSDP_V2_LEN];   /* from the multiboot2 tag, when there was one */
static size_t rsdp_copy_len;

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static int mapped(uint64_t addr, uint64_t len)
{
	return addr != 0 && addr < MAPPED_LIMIT && len <= MAPPED_LIMIT - addr;
}

void metal_acpi_take_rsdp(const void *rsdp, size_t len)
{
	/* Tag 15 (ACPI 2.0+) says more than tag 14 (1.0): the first keeps its place. */
	if (len < RSDP_V1_LEN || len <= rsdp_copy_len)
		return;
	if (len > sizeof rsdp_copy)
		len = sizeof rsdp_copy;
	memcpy(rsdp_copy, rsdp, len);
	rsdp_copy_len = len;
}

/* The EBDA's real-mode segment, from the BIOS data area at 0x40E.  The asm hides
 * the constant address from gcc, which takes a pointer below 4 KiB for a null one. */
static uint16_t ebda_segment(void)
{
	const volatile uint16_t *p;
	__asm__("" : "=r"(p) : "0"((uintptr_t)0x40E));
	return *p;
}

/* The first valid RSDP on a 16-byte boundary in [start, end), or NULL. */
static const uint8_t *scan(uint64_t start, uint64_t end)
{
	for (uint64_t a = (start + 15) & ~15ull; a + RSDP_V1_LEN <= end; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;
		if (metal_acpi_rsdp_valid(p, (size_t)(end - a)))
			return p;
	}
	return NULL;
}

/* The table with signature sig at addr, checked; NULL with *why set when it is not. */
static const uint8_t *table(uint64_t addr, const char *sig, const char **why)
{
	if (!mapped(addr, SDT_HEADER)) {
		*why = "a table pointer is outside the mapped 4 GiB";
		return NULL;
	}
	const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
	uint32_t len = rd32(t + 4);
	if (memcmp(t, sig, 4) != 0) {
		*why = "a table has the wrong signature";
		return NULL;
	}
	if (len < SDT_HEADER || len > MAX_TABLE || !mapped(addr, len)) {
		*why = "a table's length is wrong or outside the mapped 4 GiB";
		return NULL;
	}
	if (!metal_acpi_sum_ok(t, len)) {
		*why = "a table's checksum is wrong";
		return NULL;
	}
	return t;
}

/* The FADT, through the XSDT when the RSDP has one, else the RSDT. */
static const uint8_t *find_fadt(const uint8_t *rsdp, const char **why)
{
	int wide = rsdp[15] >= 2 && rd64(rsdp + 24) != 0;
	const uint8_t *root = wide ? table(rd64(rsdp + 24), "XSDT", why) :
				     table(rd32(rsdp + 16), "RSDT", why);
	if (!root)
		return NULL;
	size_t step = wide ? 8 : 4, n = (rd32(root + 4) - SDT_HEADER) / step;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = root + SDT_HEADER + i * step;
		uint64_t addr = wide ? rd64(e) : rd32(e);
		if (mapped(addr, 4) && memcmp((const void *)(uintptr_t)addr, "FACP", 4) == 0)
			return table(addr, "FACP", why);
	}
	*why = "no FADT in the root table";
	return NULL;
}

/* A PM1 control port: the 32-bit block field, else the extended one when it is in
 * I/O space.  0 when there is none (PM1b is optional; PM1a is not). */
static uint16_t pm1_port(const uint8_t *fadt, uint32_t len, int block, int x_block)
{
	uint64_t port = rd32(fadt + block);
	if (port == 0 && len >= (uint32_t)x_block + 12 && fadt[x_block] == GAS_SYSTEM_IO)
		port = rd64(fadt + x_block + 4);   /* the GAS's address follows 4 bytes of kind */
	return port <= 0xFFFF ? (uint16_t)port : 0;
}

/* Switches the chipset to ACPI mode if the firmware left it in legacy mode: SCI_EN
 * clear and an SMI command port to ask on.  Bounded: a chipset that never answers
 * gets the sleep write anyway. */
static void enable_acpi(const uint8_t *fadt, uint16_t pm1a)
{
	uint32_t smi_cmd = rd32(fadt + FADT_SMI_CMD);
	uint8_t enable = fadt[FADT_ACPI_ENABLE];
	if ((inw(pm1a) & PM1_SCI_EN) || smi_cmd == 0 || smi_cmd > 0xFFFF || enable == 0)
		return;
	metal_outb((uint16_t)smi_cmd, enable);
	for (uint32_t tries = 0; tries < (1u << 20) && !(inw(pm1a) & PM1_SCI_EN); tries++)
		__asm__ volatile("pause");
}

static void sleep_write(uint16_t port, uint16_t typ)
{
	uint16_t v = inw(port) & (uint16_t)~(7u << PM1_SLP_TYP_SHIFT);
	outw(port, (uint16_t)(v | typ << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
}

void metal_acpi_poweroff(void)
{
	const char *why = NULL, *from = "the multiboot2 tag";
	const uint8_t *rsdp = NULL;
	if (rsdp_copy_len && metal_acpi_rsdp_valid(rsdp_copy, rsdp_copy_len))
		rsdp = rsdp_copy;
	if (!rsdp) {
		from = "the BIOS area";
		uint64_t ebda = (uint64_t)ebda_segment() << 4;
		if (ebda >= 0x80000 && ebda < 0xA0000)   /* where an EBDA can be */
			rsdp = scan(ebda, ebda + 1024);
		if (!rsdp)
			rsdp = scan(0xE0000, 0x100000);
	}
	const uint8_t *fadt = NULL, *dsdt = NULL;
	uint16_t pm1a = 0, pm1b = 0, typa = 0, typb = 0;
	if (!rsdp) {
		why = "no RSDP";
		goto out_fail;
	}
	if (!(fadt = find_fadt(rsdp, &why)))
		goto out_fail;
	uint32_t flen = rd32(fadt + 4);
	if (flen < FADT_PM1B_CNT + 4) {
		why = "the FADT is too short";
		goto out_fail;
	}
	uint64_t dsdt_addr = flen >= FADT_X_DSDT + 8 ? rd64(fadt + FADT_X_DSDT) : 0;
	if (dsdt_addr == 0)
		dsdt_addr = rd32(fadt + FADT_DSDT);
	if (!(dsdt = table(dsdt_addr, "DSDT", &why)))
		goto out_fail;
	if (metal_acpi_find_s5(dsdt, rd32(dsdt + 4), &typa, &typb) != 0) {
		why = "no readable _S5_ package in the DSDT";
		goto out_fail;
	}
	pm1a = pm1_port(fadt, flen, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	pm1b = pm1_port(fadt, flen, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	if (!pm1a) {
		why = "no PM1a control port in I/O space";
		goto out_fail;
	}
	metal_serial_puts("wasmos: powering off by ACPI (S5, RSDP from ");
	metal_serial_puts(from);
	metal_serial_puts(")\n");
	enable_acpi(fadt, pm1a);
	sleep_write(pm1a, typa);
	if (pm1b)
		sleep_write(pm1b, typb);
	/* The chipset acts at once; give it a moment before calling it a failure. */
	for (uint32_t tries = 0; tries < (1u << 24); tries++)
		__asm__ volatile("pause");
	why = "the machine is still on after the S5 write";
out_fail:
	metal_serial_puts("wasmos: ACPI power-off failed: ");
	metal_serial_puts(why);
	metal_serial_puts("\n");
}
