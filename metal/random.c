/* random.c: bytes for the random interface: the CPU's generator mixed with timing
 * jitter through SHA-256.
 *
 * RDRAND (CPUID.1:ECX bit 30) is a hardware DRBG reseeded from the CPU's entropy
 * source; RDSEED (CPUID.7:EBX bit 18) is the raw source, used when RDRAND is absent.
 * Intel allows both to fail transiently (CF clear), so each draw retries.  Neither
 * is trusted alone: every 32-byte block out is SHA-256 of a pool, 32 bytes from the
 * CPU's source, TSC jitter around a little work, the TSC of every interrupt since
 * the last draw (metal_random_event) and a counter; the pool then moves on by
 * another hash of the same, so an output never reveals the pool (and so earlier or
 * later outputs).  Whatever is unpredictable in any input makes the output so.
 *
 * Without RDRAND or RDSEED (QEMU TCG's default qemu64 CPU, old CPUs) only the
 * timing is left, which is NOT cryptographic: the TSC of a virtual machine may be
 * predictable, and no entropy estimate is made.  It keeps WASI programs that want a
 * random seed running; the boot line says which sources are in use, so nobody
 * mistakes it for more.
 */
#include "metal.h"

#include "sha256.h"

enum { SRC_JITTER, SRC_RDSEED, SRC_RDRAND };
static int source;
static uint64_t state;          /* the jitter mixer's */
static uint64_t events;         /* interrupt TSCs folded since the last draw */
static uint8_t pool[WOS_SHA256_SIZE];
static uint64_t draws;

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
	static const char *const names[] = {
		"TSC jitter (not cryptographic)", "rdseed mixed with TSC jitter", "rdrand mixed with TSC jitter"
	};
	metal_serial_puts("wasmos: entropy from ");
	metal_serial_puts(names[source]);
	metal_serial_puts("\n");
}

void metal_random_event(void)
{
	events = mix(events ^ rdtsc());
}

/* The next 32 bytes: 0, or -1 when the CPU's source kept failing. */
static int draw(uint8_t out[WOS_SHA256_SIZE])
{
	uint64_t in[4 + 3];
	for (int i = 0; i < 4; i++) {
		int ok = 1;
		in[i] = source == SRC_JITTER ? 0 : hw64(&ok);
		if (!ok)
			return -1;
	}
	in[4] = jitter64();
	in[5] = events;
	in[6] = ++draws;
	events = 0;
	struct wos_sha256 c;
	uint8_t seed[WOS_SHA256_SIZE];
	wos_sha256_init(&c);
	wos_sha256_update(&c, pool, sizeof pool);
	wos_sha256_update(&c, in, sizeof in);
	wos_sha256_final(&c, seed);
	/* Two hashes of the seed with different prefixes: one out, one kept. */
	wos_sha256_init(&c);
	wos_sha256_update(&c, "out", 3);
	wos_sha256_update(&c, seed, sizeof seed);
	wos_sha256_final(&c, out);
	wos_sha256_init(&c);
	wos_sha256_update(&c, "pool", 4);
	wos_sha256_update(&c, seed, sizeof seed);
	wos_sha256_final(&c, pool);
	return 0;
}

int metal_random_fill(uint8_t *buf, size_t n)
{
	uint8_t block[WOS_SHA256_SIZE];
	for (size_t i = 0; i < n; i += sizeof block) {
		if (draw(block) != 0)
			return -1;
		size_t k = n - i < sizeof block ? n - i : sizeof block;
		memcpy(buf + i, block, k);
	}
	memset(block, 0, sizeof block);
	return 0;
}
