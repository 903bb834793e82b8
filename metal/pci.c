/* pci.c: PCI configuration space through the legacy ports 0xCF8 (address) and 0xCFC
 * (data), "configuration mechanism #1", and the native handler of the pci interface.
 *
 * Every bus and device is probed; a vendor id of 0xFFFF means nothing answers there.
 * Functions 1-7 are probed only when function 0 says multi-function (header type bit
 * 7), as some single-function devices answer on every function number.  The scan runs
 * at each list message: it only reads, and it keeps no state that could go stale.
 * Records are laid out as interfaces/pci.ifc says.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_pci.h"

enum { PCI_ADDR = 0xCF8, PCI_DATA = 0xCFC };
enum { PCI_RECORD = 36, PCI_MAX_RECORDS = 256 };   /* 9 KiB answer at most */
enum { ERRNO_INVAL = 28, ERRNO_NOMEM = 48 };

static void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* The dword at register off (a multiple of 4) of bus:dev.fn. */
static uint32_t config_read(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xFC));
	return inl(PCI_DATA);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One record for bus:dev.fn into r; id is its register 0 (vendor, device). */
static void record(uint8_t *r, unsigned bus, unsigned dev, unsigned fn, uint32_t id)
{
	uint32_t class = config_read(bus, dev, fn, 0x08);   /* class, sub, prog-if, rev */
	uint8_t type = (uint8_t)(config_read(bus, dev, fn, 0x0C) >> 16) & 0x7F;
	unsigned nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
	memset(r, 0, PCI_RECORD);
	r[0] = (uint8_t)bus;
	r[1] = (uint8_t)dev;
	r[2] = (uint8_t)fn;
	r[3] = type;
	put32(r + 4, id);
	r[8] = (uint8_t)(class >> 24);
	r[9] = (uint8_t)(class >> 16);
	r[10] = (uint8_t)(class >> 8);
	r[11] = (uint8_t)class;
	for (unsigned i = 0; i < nbars; i++)
		put32(r + 12 + 4 * i, config_read(bus, dev, fn, 0x10 + 4 * i));
}

/* Fills out (room for max records) and returns how many functions were found. */
static size_t scan(uint8_t *out, size_t max)
{
	size_t n = 0;
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			uint32_t id = config_read(bus, dev, 0, 0);
			if ((id & 0xFFFF) == 0xFFFF)
				continue;
			unsigned nfn = config_read(bus, dev, 0, 0x0C) & 0x800000 ? 8 : 1;
			for (unsigned fn = 0; fn < nfn && n < max; fn++) {
				if (fn)
					id = config_read(bus, dev, fn, 0);
				if ((id & 0xFFFF) != 0xFFFF)
					record(out + PCI_RECORD * n++, bus, dev, fn, id);
			}
		}
	}
	return n;
}

static void pci_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	if (!d->id)
		return;
	if (ifc_pci_tag(d->body, d->len) != IFC_PCI_LIST) {
		uint8_t e[2] = { ERRNO_INVAL, 0 };
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
		return;
	}
	size_t cap = PCI_RECORD * PCI_MAX_RECORDS, outcap = cap + 8;
	uint8_t *recs = metal_heap_alloc(NULL, NULL, 0, cap);
	uint8_t *out = metal_heap_alloc(NULL, NULL, 0, outcap);
	if (!recs || !out) {
		uint8_t e[2] = { ERRNO_NOMEM, 0 };
		kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
	} else {
		ifc_pci_list_answer a = { .entries = recs,
					  .entries_len = (uint32_t)(PCI_RECORD * scan(recs, PCI_MAX_RECORDS)) };
		uint32_t len = ifc_pci_list_answer_encode(&a, out, (uint32_t)outcap);
		kern_answer(k, d->id, out, len, KERN_ANSWER_OK);
	}
	if (recs)
		metal_heap_alloc(NULL, recs, cap, 0);
	if (out)
		metal_heap_alloc(NULL, out, outcap, 0);
}

static const kern_native pci_ops = { pci_message, NULL };

int metal_pci_register(struct kern_state *k)
{
	return kern_native_register(k, ifc_pci_id, &pci_ops, NULL) ? -1 : 0;
}
