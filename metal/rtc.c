/* rtc.c: the wall clock from the CMOS real-time clock, and the native system-time
 * handler that serves it.
 *
 * The RTC is read once, at boot: its registers change while it updates, so we wait
 * for status A's update-in-progress bit to clear and read until two reads agree.
 * Status B says whether the fields are BCD or binary and whether hours are 12-hour
 * (bit 7 of the hour then means PM).  The result is turned into nanoseconds since
 * 1970 (the RTC keeps UTC on our machines; QEMU's default -rtc base=utc) and from
 * then on now = that boot time + the TSC clock's elapsed time (clock.c), so the wall
 * clock never goes back within one boot.  It is only as fine as one second at boot.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_system_time.h"

enum { RTC_INDEX = 0x70, RTC_DATA = 0x71 };
enum { RTC_SEC = 0x00, RTC_MIN = 0x02, RTC_HOUR = 0x04, RTC_DAY = 0x07, RTC_MONTH = 0x08,
       RTC_YEAR = 0x09, RTC_STATUS_A = 0x0A, RTC_STATUS_B = 0x0B };
enum { RTC_A_UIP = 0x80, RTC_B_24H = 0x02, RTC_B_BINARY = 0x04 };
enum { ERRNO_INVAL = 28 };

static uint64_t boot_wall_ns;    /* the RTC's time at boot, in ns since the epoch */
static uint64_t boot_clock_ns;   /* metal_clock_ns() at that moment */

static uint8_t cmos(uint8_t reg)
{
	/* Bit 7 of the index port is the NMI mask: keep NMIs enabled. */
	metal_outb(RTC_INDEX, reg & 0x7F);
	return metal_inb(RTC_DATA);
}

struct rtc_time { uint8_t sec, min, hour, day, month, year; };

static void read_raw(struct rtc_time *t)
{
	while (cmos(RTC_STATUS_A) & RTC_A_UIP)
		;
	t->sec = cmos(RTC_SEC);
	t->min = cmos(RTC_MIN);
	t->hour = cmos(RTC_HOUR);
	t->day = cmos(RTC_DAY);
	t->month = cmos(RTC_MONTH);
	t->year = cmos(RTC_YEAR);
}

static uint8_t from_bcd(uint8_t v) { return (uint8_t)((v >> 4) * 10 + (v & 0x0F)); }

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), Howard Hinnant's
 * days_from_civil: exact for every date, no tables. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void metal_rtc_init(void)
{
	struct rtc_time a, b;
	/* Two equal reads in a row: no update slipped in between the fields. */
	read_raw(&b);
	do {
		a = b;
		read_raw(&b);
	} while (memcmp(&a, &b, sizeof a) != 0);
	boot_clock_ns = metal_clock_ns();
	uint8_t status_b = cmos(RTC_STATUS_B);
	int pm = b.hour & 0x80;
	b.hour &= 0x7F;
	if (!(status_b & RTC_B_BINARY)) {
		b.sec = from_bcd(b.sec);
		b.min = from_bcd(b.min);
		b.hour = from_bcd(b.hour);
		b.day = from_bcd(b.day);
		b.month = from_bcd(b.month);
		b.year = from_bcd(b.year);
	}
	if (!(status_b & RTC_B_24H)) {   /* 12 AM is 0 h, 12 PM is 12 h */
		b.hour %= 12;
		if (pm)
			b.hour += 12;
	}
	if (b.month < 1 || b.month > 12 || b.day < 1 || b.day > 31) {
		metal_serial_puts("wasmos: rtc: nonsense date, wall clock starts at 1970\n");
		return;
	}
	/* The century register is not standard (ACPI FADT says where): assume 20xx. */
	int64_t days = days_from_civil(2000 + b.year, b.month, b.day);
	uint64_t secs = (uint64_t)days * 86400 + b.hour * 3600u + b.min * 60u + b.sec;
	boot_wall_ns = secs * 1000000000ull;
	metal_serial_puts("wasmos: rtc: ");
	metal_serial_dec(secs);
	metal_serial_puts(" s since the epoch\n");
}

uint64_t metal_rtc_now_ns(void)
{
	return boot_wall_ns + (metal_clock_ns() - boot_clock_ns);
}

static void answer_u64(kern_state *k, uint64_t id, uint64_t v)
{
	ifc_system_time_now_answer a = { .ns = v };
	uint8_t buf[8];
	uint32_t len = ifc_system_time_now_answer_encode(&a, buf, sizeof buf);
	kern_answer(k, id, buf, len, KERN_ANSWER_OK);
}

static void system_time_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	if (!d->id)
		return;
	switch (ifc_system_time_tag(d->body, d->len)) {
	case IFC_SYSTEM_TIME_NOW:
		answer_u64(k, d->id, metal_rtc_now_ns());
		return;
	case IFC_SYSTEM_TIME_RESOLUTION:
		answer_u64(k, d->id, 1000);   /* the TSC clock's step, as time.resolution says */
		return;
	}
	uint8_t e[2] = { ERRNO_INVAL, 0 };
	kern_answer(k, d->id, e, 2, KERN_ANSWER_ERROR);
}

static const kern_native system_time_ops = { system_time_message, NULL };

int metal_rtc_register(struct kern_state *k)
{
	return kern_native_register(k, ifc_system_time_id, &system_time_ops, NULL) ? -1 : 0;
}
