/* metal.h: the internal interface of the bare-metal platform, grouped by file.
 * Included by the .c files of metal/ only. */
#ifndef WASMOS_METAL_H
#define WASMOS_METAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>   /* memcpy and friends: libc_shim.c */

/* Exit codes for isa-debug-exit: QEMU exits with (code << 1) | 1: 33, 35, 37. */
enum { METAL_EXIT_OK = 0x10, METAL_EXIT_FAIL = 0x11, METAL_EXIT_FAULT = 0x12 };

#define METAL_FRAME_SIZE 4096u

/* io.h-style port access, inline because each is one instruction. */
static inline void metal_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t metal_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* serial.c: COM1, 115200 8N1, polled. */
void metal_serial_init(void);
void metal_serial_write(const char *s, size_t len);
void metal_serial_puts(const char *s);
void metal_serial_hex(uint64_t v);   /* "0x" and 16 hex digits */
void metal_serial_dec(uint64_t v);
void metal_serial_xint(uint64_t v);  /* "0x" and as few hex digits as it takes */

/* vga.c: the VGA text console, a mirror of serial; on only when the loader left
 * 80x25 text (magic and info as boot.S passes them, before mb2.c translates). */
void metal_vga_init(uint32_t magic, uint32_t info_addr);
void metal_vga_putc(char c);   /* nothing while the console is off */

/* fb.c: the same mirror on a 32-bit RGB framebuffer from GRUB's multiboot2 tag
 * (UEFI's GOP), in 8x16 cells with font.c's glyphs; off for any other boot. */
void metal_fb_init(uint32_t magic, uint32_t info_addr);
void metal_fb_putc(char c);   /* nothing while the console is off */
struct metal_screen {         /* the framebuffer as the firmware laid it out */
	uint8_t *base;
	uint32_t width, height, pitch, bpp;   /* bpp 24 or 32 */
	uint8_t pos[3], size[3];              /* red, green, blue: bit position, bits */
};
const struct metal_screen *metal_fb_screen(void);   /* NULL: no framebuffer */

/* framebuffer.c: the framebuffer interface (interfaces/framebuffer.ifc) on fb.c's
 * screen; ENODEV answers without one.  -1 when registering fails. */
struct kern_state;
int metal_framebuffer_register(struct kern_state *k);

/* font.c: 5x7 glyphs for ASCII 32..126, rows top first, bit 4 leftmost. */
extern const uint8_t metal_font[95][7];

/* frames.c: 4 KiB physical frames below 4 GiB (identity-mapped). */
/* Frees what the multiboot memory map calls RAM, less the first MiB, the kernel
 * image and the modules.  -1 when the loader gave no memory map. */
int metal_frames_init(uint32_t info_addr);
/* n contiguous frames; their address, or 0 when no run is free. */
uint64_t metal_frames_alloc(size_t n);
void metal_frames_free(uint64_t addr, size_t n);
size_t metal_frames_free_count(void);

/* heap.c: the kernel's eng_alloc function (ud unused); blocks need no header, since
 * every free and resize says the old size. */
void *metal_heap_alloc(void *ud, void *ptr, size_t old_size, size_t new_size);
size_t metal_heap_live(void);   /* bytes in live blocks, as requested */

/* idt.c: a CPU exception prints a report (its name, where, the registers, a
 * backtrace), on serial and so on the screen, then exits with METAL_EXIT_FAULT. */
struct metal_frame {   /* as isr.S leaves the stack */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};
void metal_idt_init(void);
/* Points vector v at handler address a, on IST stack ist (0: the current stack). */
void metal_idt_set(int v, uint64_t a, int ist);
/* After a report, keep the machine up for 30 s before it exits (the "hold" boot word:
 * a screen test takes its screendump meanwhile). */
void metal_idt_hold(void);

/* ksyms.c: the kernel's text symbols (metal/ksyms.sh, linked in by metal.mk). */
/* The name of the function holding addr, its start in *start; NULL outside .text. */
const char *metal_ksyms_find(uint64_t addr, uint64_t *start);
/* Prints addr as "name+0xoff" (or "?"), naming the function that holds `lookup`. */
void metal_ksyms_print(uint64_t addr, uint64_t lookup);

/* backtrace.c: prints the frame-pointer chain of an interrupted kernel, a line a
 * frame, each checked to lie on a kernel stack before it is read. */
void metal_backtrace_print(const struct metal_frame *f);

/* timer.c: the PICs remapped to 32-47, the PIT ticking at 1 kHz on IRQ0 (irq.S). */
void metal_timer_init(void);
uint64_t metal_timer_ticks(void);
/* Enables interrupts for one hlt: returns after the next interrupt (a tick at most
 * 1 ms away).  The only place where IF is set. */
void metal_timer_wait(void);

/* tss.c: the GDT with a TSS whose IST stacks the exception vectors use (IST1; IST2
 * for the double fault; IST3 for interrupts), and the kernel stack. */
void metal_tss_init(void);
/* Runs fn on a fresh stack whose lowest page (metal_stack_guard) is unmapped, so an
 * overflow is a page fault there.  Needs frames.c initialised. */
_Noreturn void metal_stack_switch(void (*fn)(void));
extern uint64_t metal_stack_guard;   /* 0 until metal_stack_switch */
/* Whether addr lies on one of the kernel's stacks (boot, kernel, IST), and that
 * stack's bounds [*lo, *hi), all of it mapped. */
int metal_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi);

/* clock.c: monotonic nanoseconds from the TSC, calibrated against the PIT at init. */
void metal_clock_init(void);
uint64_t metal_clock_ns(void);

/* random.c: RDRAND or RDSEED mixed with TSC jitter and interrupt timing through
 * SHA-256; only timing (not cryptographic) where the CPU has neither (init says
 * which on serial). */
void metal_random_init(void);
void metal_random_event(void);   /* from metal_irq: folds the TSC into the pool */
int metal_random_fill(uint8_t *buf, size_t n);   /* -1 when the CPU's source failed */

/* rtc.c: the CMOS clock read once at boot (after metal_clock_init); the wall clock
 * is that plus the TSC clock's elapsed time.  metal_rtc_register serves system-time
 * natively on a kernel; -1 when registering fails. */
struct kern_state;
void metal_rtc_init(void);
uint64_t metal_rtc_now_ns(void);   /* ns since 1970-01-01 UTC */
int metal_rtc_register(struct kern_state *k);

/* pci.c: configuration space by ports 0xCF8/0xCFC, served natively as the pci
 * interface (interfaces/pci.ifc); -1 when registering fails. */
int metal_pci_register(struct kern_state *k);

/* natives.c: the kern_platform and the native handlers (log, time, random). */
struct kern_state;
struct kern_platform;
#define METAL_SLEEPERS 64
struct metal_sys {
	struct kern_state *k;
	uint64_t main_pid;    /* the program whose end ends the machine */
	int main_done;
	int main_exit;
	/* time.sleep_until messages held until their deadline (metal_natives_wake). */
	struct metal_sleeper { uint64_t id, deadline_ns; } sleepers[METAL_SLEEPERS];
	size_t nsleepers;
};
extern const struct kern_platform metal_platform;   /* its ud is a struct metal_sys */
int metal_natives_init(struct metal_sys *s);        /* -1 when registering fails */
/* Answers the sleepers whose deadline has passed; the main loop calls it after each
 * wait.  Returns how many still sleep. */
size_t metal_natives_wake(struct metal_sys *s);

/* ps2.c: the PS/2 keyboard, scan code set 1 to USB HID usages on IRQ1. */
void metal_ps2_init(void);   /* after metal_timer_init: unmasks IRQ1 */
void metal_ps2_irq(void);    /* from metal_irq: one byte into the ring */
void metal_ps2_poll(void);   /* from the loop: the ring's keys into keyboard.c */

/* keyboard.c: key events and their US text (to stdin.c too), served as the keyboard
 * interface (interfaces/keyboard.ifc). */
void metal_keyboard_key(uint16_t usage, int down);   /* a driver saw a key go down/up */
int metal_keyboard_init(struct metal_sys *s);        /* -1 when registering fails */
/* Drains the drivers, answers waiting `next` messages; returns how many still wait.
 * The main loop calls it after each wait. */
size_t metal_keyboard_poll(void);

/* stdin.c: the stdin interface, fed by ps2.c and COM1 input. */
int metal_stdin_init(struct metal_sys *s);   /* -1 when registering fails */
void metal_stdin_push(char c);
/* Drains keyboard and serial, answers what waits; returns how many messages still
 * wait for input.  The main loop calls it after each wait. */
size_t metal_stdin_poll(void);

/* bundle.c: the boot bundle, a CAR of the system file and its programs by CID, from
 * the first multiboot module or else the kernel image (docs/metal.md). */
/* Reads it and checks every block against its CID; a bad bundle stops the boot
 * (metal_panic, saying why).  Before metal_frames_init. */
void metal_bundle_init(uint32_t info_addr);
/* The bytes of the block of that codec (WOS_CODEC_RAW or _DAG_PB) whose SHA-256 is
 * digest, or NULL; valid forever. */
const uint8_t *metal_bundle_get(uint64_t codec, const uint8_t digest[32], size_t *len);
/* The system file, the bundle's root block (not NUL-terminated; valid forever). */
const char *metal_bundle_system(size_t *len);

/* loader.c: the loader interface served from the bundle; -1 when registering fails. */
int metal_loader_register(struct kern_state *k);
/* Programs by the name their system file gives them ("run spin" at the shell), for
 * kern_process_register: read from the bundle, `manual` programs too. */
struct kern_path_reader;
extern const struct kern_path_reader metal_loader_names;

/* mb2.c: the multiboot2 info (GRUB) translated into a multiboot1 info with the
 * command line and memory map copied out of it; returns the translation's address,
 * which stays valid forever.  Missing tags leave their MB1_INFO_ flag clear. */
uint32_t metal_mb2_to_mb1(uint32_t info_addr);

/* acpi.c: power-off by the ACPI S5 state (FADT PM1 control, \_S5_ from the DSDT). */
/* Keeps a copy of the RSDP a multiboot2 loader passed (tags 14 and 15; mb2.c). */
void metal_acpi_take_rsdp(const void *rsdp, size_t len);
/* acpi_tables.c: byte checks, pure (a host unit test drives them). */
int metal_acpi_sum_ok(const uint8_t *p, size_t n);   /* the n bytes sum to 0 mod 256 */
/* Whether p is an RSDP with valid checksums, reading at most avail bytes. */
int metal_acpi_rsdp_valid(const uint8_t *p, size_t avail);
/* SLP_TYPa and b from the first `Name (_S5_, Package () {a, b, ...})` in the DSDT of n
 * bytes (header included); -1 when there is none or it is cut short or not integers. */
int metal_acpi_find_s5(const uint8_t *dsdt, size_t n, uint16_t *typa, uint16_t *typb);
/* Powers the machine off, saying so on serial; returns only when it cannot, after a
 * line that says why (no RSDP, a bad table, no _S5_, ...). */
void metal_acpi_poweroff(void);

/* main.c */
/* Leaves QEMU through isa-debug-exit; where there is no such device, powers off by
 * ACPI (the code is lost then); where that fails too, halts forever. */
_Noreturn void metal_exit(uint8_t code);
/* A broken kernel invariant: prints "wasmos: panic: why" and exits METAL_EXIT_FAIL. */
_Noreturn void metal_panic(const char *why);

#endif
