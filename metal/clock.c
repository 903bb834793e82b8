/* clock.c: a monotonic clock from the TSC, calibrated once against the PIT.
 *
 * The PIT's channel 2 counts at 1193182 Hz whatever the CPU does; gating it for
 * CALIB_TICKS (about 10 ms) in mode 0 and watching its output bit (port 0x61 bit 5)
 * measures how many TSC cycles pass in that time.  Under QEMU's TCG the TSC follows
 * host time only roughly, so this clock is rough too; it is used for CPU-time
 * accounting and for WASI clocks, where rough is enough for now.
 */
#include "metal.h"

#define PIT_HZ 1193182u
#define CALIB_TICKS 11932u   /* 10 ms */

static uint64_t tsc_start;
static uint64_t tsc_per_ms;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void metal_clock_init(void)
{
	uint8_t gate = metal_inb(0x61);
	metal_outb(0x61, (uint8_t)((gate & ~0x02) | 0x01));  /* speaker off, gate on */
	metal_outb(0x43, 0xB0);                               /* channel 2, lo/hi, mode 0 */
	metal_outb(0x42, CALIB_TICKS & 0xFF);
	metal_outb(0x42, CALIB_TICKS >> 8);
	/* Restart the count: mode 0 starts on the gate's rising edge. */
	metal_outb(0x61, (uint8_t)(metal_inb(0x61) & ~0x01));
	metal_outb(0x61, (uint8_t)(metal_inb(0x61) | 0x01));
	uint64_t t0 = rdtsc();
	while (!(metal_inb(0x61) & 0x20))   /* OUT goes high when the count reaches 0 */
		;
	uint64_t cycles = rdtsc() - t0;
	metal_outb(0x61, gate);
	tsc_per_ms = cycles * PIT_HZ / ((uint64_t)CALIB_TICKS * 1000);
	if (tsc_per_ms == 0)
		tsc_per_ms = 1;
	tsc_start = rdtsc();
}

uint64_t metal_clock_ns(void)
{
	uint64_t d = rdtsc() - tsc_start;
	/* Split so d * 1e6 cannot overflow for any realistic uptime. */
	return d / tsc_per_ms * 1000000u + d % tsc_per_ms * 1000000u / tsc_per_ms;
}
