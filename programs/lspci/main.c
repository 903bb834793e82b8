/* lspci: lists the machine's PCI functions through the pci interface, one line each:
 * "bus:dev.fn vendor:device class CC SS" ("00:01.0 8086:7000 class 06 01"), then how
 * many.  The records are interfaces/pci.ifc's.  Needs the grant to emit to pci; exits
 * 1 when the list cannot be had (no handler on hosted) or is malformed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_pci.h"
#include "loop.h"

enum { RECORD = 36 };

static unsigned u16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

int main(void)
{
	uint8_t body[8], *ans;
	uint32_t len;
	ifc_pci_list m = { 0 };
	uint32_t n = ifc_pci_list_encode(&m, body, sizeof body);
	int e = wasmos_call_sync(ifc_pci_id, body, n, &ans, &len);
	if (e) {
		printf("lspci: %s\n", strerror(e));
		return 1;
	}
	ifc_pci_list_answer a;
	if (ifc_pci_list_answer_decode(ans, len, &a) || a.entries_len % RECORD) {
		printf("lspci: malformed answer\n");
		free(ans);
		return 1;
	}
	for (uint32_t i = 0; i < a.entries_len; i += RECORD) {
		const uint8_t *r = a.entries + i;
		printf("%02x:%02x.%u %04x:%04x class %02x %02x\n", r[0], r[1], r[2], u16(r + 4),
		       u16(r + 6), r[8], r[9]);
	}
	printf("lspci: %u functions\n", (unsigned)(a.entries_len / RECORD));
	free(ans);
	return 0;
}
