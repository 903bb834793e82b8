/* random.c: bytes for the random interface, from the CPU.
 *
 * RDRAND (CPUID.1:ECX bit 30) is a hardware DRBG reseeded from the CPU's entropy
 * source; its output is what the random interface promises.  Intel allows it to fail
 * transiently (CF clear), so each draw retries a few times before giving up.
 * RDSEED (CPUID.7:EBX bit 18) is the raw source: used when RDRAND is absent.
 *
 * Without either (QEMU TCG's default qemu64 CPU, old CPUs) the bytes come from TSC
 * jitter: the low bits of rdtsc around a little work, mixed by a splitmix64
 * finaliser into a running state.  That is NOT cryptographic: the TSC of a virtual
 * machine may be predictable, and no entropy estimate is made.  It keeps WASI
 * programs that want a random seed running; the boot line says which source is in
 * use, so nobody mistakes it for more.
 */
#include "metal.h"

enum { SRC_JITTER, SRC_RDSEED, SRC_RDRAND };
static int source;
static uint64_t state;   /* the jitter mixer's */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t jitter64(void)
{
	for (int i = 0; i < 16; i++) {
		uint64_t t0 = rdtsc();
		for (volatile int j = 0; j < (int)(t0 & 15); j++)
			;
		state = mix(state + 0x9e3779b97f4a7c15ull + (rdtsc() - t0) + (t0 << 17));
	}
	return state;
}

/* One 64-bit draw; 0 in *ok when the instruction kept failing. */
static uint64_t hw64(int *ok)
{
	for (int tries = 0; tries < 32; tries++) {
		uint64_t v;
		uint8_t cf;
		if (source == SRC_RDRAND)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(cf));
		else
			__asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(cf));
		if (cf) {
			*ok = 1;
			return v;
		}
		__asm__ volatile("pause");
	}
	*ok = 0;
	return 0;
}

void metal_random_init(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	cpuid(1, 0, r);
	if (r[2] & (1u << 30)) {
		source = SRC_RDRAND;
	} else if (max >= 7) {
		cpuid(7, 0, r);
		if (r[1] & (1u << 18))
			source = SRC_RDSEED;
	}
	state = rdtsc();
	static const char *const names[] = { "TSC jitter (not cryptographic)", "rdseed", "rdrand" };
	metal_serial_puts("wasmos: entropy from ");
	metal_serial_puts(names[source]);
	metal_serial_puts("\n");
}

int metal_random_fill(uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		int ok = 1;
		uint64_t v = source == SRC_JITTER ? jitter64() : hw64(&ok);
		if (!ok)
			return -1;
		size_t k = n - i < 8 ? n - i : 8;
		memcpy(buf + i, &v, k);
	}
	return 0;
}
