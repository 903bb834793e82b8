/* main.c: metal_main, where the 64-bit kernel starts (called by boot.S), and the exit
 * path.  It brings the machine up in order and reports each step on serial.
 *
 * By default it boots the boot bundle's system file (bundle.c) through the kernel
 * core (kern_system_boot), as `wasmos boot` does on Linux: the demo system, with the
 * shell on the console.  The command line (QEMU -append) may name a boot test
 * instead, "test=NAME", which
 * tests/metal/boot_test.sh uses: "heap" checks the frame allocator and the heap,
 * "fault" executes ud2 and "pagefault" writes above the 4 GiB identity map, to check
 * the exception handler, and "stackoverflow" recurses into the kernel stack's guard
 * page, to check that the handler still reports (on its IST stack); "badframe" and
 * "loopframe" fault with a broken frame-pointer chain.  "run=NAME" runs one embedded
 * program (metal/progs_wasm.S) instead of the system, and "run-cid=CID" the program
 * of that CID from the boot bundle, through kern_spawn_cid and the loader native
 * (loader.c).  "system" names the default.
 */
#include "metal.h"
#include "kernel.h"
#include "multiboot.h"
#include "ifc_pci.h"
#include "ifc_keyboard.h"
#include "ifc_framebuffer.h"
#include "cid.h"
#include "system.h"
#include "ifc_stdin.h"

extern const uint8_t metal_hello_wasm[], metal_hello_wasm_end[];
extern const uint8_t metal_sleep_wasm[], metal_sleep_wasm_end[];
extern const uint8_t metal_random_wasm[], metal_random_wasm_end[];
extern const uint8_t metal_readline_wasm[], metal_readline_wasm_end[];
extern const uint8_t metal_clocks_wasm[], metal_clocks_wasm_end[];
extern const uint8_t metal_lspci_wasm[], metal_lspci_wasm_end[];
extern const uint8_t metal_keys_wasm[], metal_keys_wasm_end[];
extern const uint8_t metal_fbdemo_wasm[], metal_fbdemo_wasm_end[];

/* The embedded programs "run=NAME" picks from (hello when none is named). */
static const struct program {
	const char *name, *word;
	const uint8_t *start, *end;
	const uint8_t (*allow)[KERN_ID_SIZE];   /* beyond the default grant */
	uint32_t nallow;
} programs[] = {
	{ "hello", "run=hello", metal_hello_wasm, metal_hello_wasm_end, NULL, 0 },
	{ "sleep", "run=sleep", metal_sleep_wasm, metal_sleep_wasm_end, NULL, 0 },
	{ "random", "run=random", metal_random_wasm, metal_random_wasm_end, NULL, 0 },
	{ "readline", "run=readline", metal_readline_wasm, metal_readline_wasm_end, NULL, 0 },
	{ "clocks", "run=clocks", metal_clocks_wasm, metal_clocks_wasm_end, NULL, 0 },
	{ "lspci", "run=lspci", metal_lspci_wasm, metal_lspci_wasm_end, &ifc_pci_id, 1 },
	{ "keys", "run=keys", metal_keys_wasm, metal_keys_wasm_end, &ifc_keyboard_id, 1 },
	{ "fbdemo", "run=fbdemo", metal_fbdemo_wasm, metal_fbdemo_wasm_end, &ifc_framebuffer_id, 1 },
};

_Noreturn void metal_exit(uint8_t code)
{
	/* isa-debug-exit at 0xf4: QEMU exits with (code << 1) | 1. */
	metal_outb(0xf4, code);
	/* Still here: no such device.  A real machine, or QEMU without it. */
	__asm__ volatile("cli");
	metal_acpi_poweroff();
	metal_serial_puts("wasmos: halted (exit code ");
	metal_serial_xint(code);
	metal_serial_puts(")\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

_Noreturn void metal_panic(const char *why)
{
	metal_serial_puts("wasmos: panic: ");
	metal_serial_puts(why);
	metal_serial_puts("\n");
	metal_exit(METAL_EXIT_FAIL);
}

/* Whether the command line holds the word `word`. */
static int has_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && strncmp(p, word, n) == 0 &&
		    (p[n] == ' ' || p[n] == 0))
			return 1;
	}
	return 0;
}

/* The rest of the word that starts with `prefix` ("run-cid=CID": the CID) in buf,
 * or NULL when no word does (or it does not fit). */
static const char *word_value(const char *cmdline, const char *prefix, char *buf, size_t cap)
{
	size_t n = strlen(prefix);
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && strncmp(p, prefix, n) == 0) {
			size_t i = 0;
			for (p += n; p[i] && p[i] != ' '; i++)
				if (i + 1 < cap)
					buf[i] = p[i];
			if (i + 1 > cap)
				return NULL;
			buf[i] = 0;
			return buf;
		}
	}
	return NULL;
}

/* Allocates, fills, resizes and frees blocks of every size class and some frame
 * runs; the heap must hand back what it took and never give one byte twice. */
static void test_heap(void)
{
	static const size_t sizes[] = { 1, 16, 17, 100, 2048, 2049, 4096, 70000, 300000 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	unsigned char *p[N];
	size_t frames_before = metal_frames_free_count();
	for (int i = 0; i < N; i++) {
		p[i] = metal_heap_alloc(NULL, NULL, 0, sizes[i]);
		if (!p[i] || ((uintptr_t)p[i] & 15))
			metal_panic("heap: allocation failed or misaligned");
		memset(p[i], i + 1, sizes[i]);
	}
	for (int i = 0; i < N; i++) {
		size_t grown = sizes[i] * 3;
		p[i] = metal_heap_alloc(NULL, p[i], sizes[i], grown);
		if (!p[i])
			metal_panic("heap: resize failed");
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[i][j] != i + 1)
				metal_panic("heap: resize lost or shared bytes");
		metal_heap_alloc(NULL, p[i], grown, 0);
	}
	if (metal_heap_live() != 0)
		metal_panic("heap: live bytes after freeing everything");
	/* Small blocks keep their frames; at most one per size class stays taken. */
	if (frames_before - metal_frames_free_count() > 8)
		metal_panic("heap: frames not given back");
	uint64_t big = metal_frames_alloc(metal_frames_free_count() + 1);
	if (big)
		metal_panic("frames: gave more than is free");
	metal_serial_puts("wasmos: heap ok\n");
}

/* A kernel with every native handler metal has. */
static void start_kernel(struct metal_sys *sys)
{
	kern_config cfg = {
		.alloc = { metal_heap_alloc, NULL },
		.plat = &metal_platform,
		.plat_ud = sys,
	};
	sys->k = kern_new(&cfg);
	if (!sys->k || metal_natives_init(sys) != 0 || metal_rtc_register(sys->k) != 0 ||
	    metal_pci_register(sys->k) != 0 || metal_framebuffer_register(sys->k) != 0 ||
	    metal_stdin_init(sys) != 0 || metal_keyboard_init(sys) != 0 ||
	    metal_loader_register(sys->k) != 0 || kern_process_register(sys->k, &metal_loader_names) != 0 ||
	    kern_debug_register(sys->k) != 0)
		metal_panic("kernel: out of memory at start");
}

/* Whether a native handler holds a message that an interrupt may answer.  Polling
 * may answer one, and so make a process ready: ask kern_has_ready after this. */
static int natives_waiting(struct metal_sys *sys)
{
	return sys->nsleepers + metal_stdin_poll() + metal_keyboard_poll() != 0;
}

/* Answers what the last interrupts brought. */
static void natives_wake(struct metal_sys *sys)
{
	metal_natives_wake(sys);
	metal_keyboard_poll();
	metal_stdin_poll();
}

/* How the program of "run-cid=" started (kern_spawn_cid): a failure ends the boot. */
static void spawned(kern_state *k, void *ud, int rc, uint64_t pid, const char *why)
{
	(void)k;
	struct metal_sys *s = ud;
	if (rc != 0) {
		metal_serial_puts("wasmos: did not start: ");
		metal_serial_puts(why);
		metal_serial_puts("\n");
		metal_exit(METAL_EXIT_FAIL);
	}
	s->main_pid = pid;
}

/* Runs prog, or with cid the program of that CID from the boot bundle, through the kernel core until it ends: whenever nothing
 * is ready, the CPU halts until the next timer tick and the sleepers whose deadline
 * passed are answered.  It must end with status 0, and freeing the kernel must free
 * every block. */
static void run_program(const struct program *prog, const char *cid)
{
	static struct metal_sys sys;
	start_kernel(&sys);
	/* One console, and the program run from the boot line is its user: the same
	 * grant hosted's "run" gives its program. */
	kern_grant_default(sys.k, ifc_stdin_id);
	const char *name = cid ? cid : prog->name, *argv[] = { name };
	kern_spawn_args a = {
		.name = name,
		.wasm = prog->start,
		.wasm_len = (size_t)(prog->end - prog->start),
		.argv = argv,
		.argc = 1,
		.allow = prog->allow,
		.nallow = prog->nallow,
	};
	eng_error err = { 0 };
	int rc = 0;
	if (cid)
		kern_spawn_cid(sys.k, cid, &a, spawned, &sys);   /* the bundle answers at once */
	else
		rc = kern_spawn(sys.k, &a, &sys.main_pid, &err);
	if (rc != 0) {
		metal_serial_puts("wasmos: ");
		metal_serial_puts(prog->name);
		metal_serial_puts(" did not start: ");
		metal_serial_puts(kern_error_text(rc));
		metal_serial_puts(": ");
		metal_serial_puts(err.msg);
		metal_serial_puts("\n");
		metal_exit(METAL_EXIT_FAIL);
	}
	for (;;) {
		if (kern_has_ready(sys.k))
			kern_run_ready(sys.k);
		if (sys.main_done)
			break;
		if (!natives_waiting(&sys) && !kern_has_ready(sys.k))
			metal_panic("the program waits for an event metal cannot give yet");
		if (!kern_has_ready(sys.k))
			metal_timer_wait();
		natives_wake(&sys);
	}
	metal_serial_puts("wasmos: ");
	metal_serial_puts(name);
	metal_serial_puts(" exited with status ");
	metal_serial_dec((uint64_t)(int64_t)sys.main_exit);
	metal_serial_puts("\n");
	kern_free(sys.k);
	if (metal_heap_live() != 0)
		metal_panic("kernel: heap blocks live after kern_free");
	if (sys.main_exit != 0)
		metal_exit(METAL_EXIT_FAIL);
}

static void say(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	metal_serial_puts("wasmos: system: ");
	metal_serial_puts(line);
	metal_serial_puts("\n");
}

/* Boots the system file of the boot bundle (bundle.c) through the kernel core
 * (kern_system_boot: the same parser and supervisor as `wasmos boot`), with programs
 * by CID from the bundle, until it ends: an essential program ended (its exit code),
 * every program did (0), or it failed or stalled (every process waits for something
 * no interrupt can bring). */
static void run_system(void)
{
	static struct metal_sys sys;
	start_kernel(&sys);
	size_t len;
	const char *text = metal_bundle_system(&len);
	kern_system_hooks hooks = { .say = say, .ud = &sys };
	kern_system *s;
	char err[256];
	if (kern_system_boot(sys.k, "system", text, len, &hooks, &s, err, sizeof err) != 0) {
		metal_serial_puts("wasmos: ");
		metal_serial_puts(err);
		metal_serial_puts("\n");
		metal_exit(METAL_EXIT_FAIL);
	}
	/* The natives are answered after every round, not only when nothing is ready: a
	 * program that never blocks (spin) must not starve the shell's input. */
	int st = kern_system_step(s);
	while (st < KERN_SYSTEM_ENDED) {
		if (kern_has_ready(sys.k)) {
			kern_run_ready(sys.k);
		} else if (!natives_waiting(&sys) && !kern_has_ready(sys.k)) {
			st = kern_system_stalled(s);
			break;
		} else if (!kern_has_ready(sys.k)) {
			metal_timer_wait();
		}
		natives_wake(&sys);
		st = kern_system_step(s);
	}
	int code = st == KERN_SYSTEM_ENDED ? kern_system_exit_code(s) : 1;
	metal_serial_puts("wasmos: system ");
	if (st == KERN_SYSTEM_ENDED) {
		metal_serial_puts("ended with status ");
		metal_serial_dec((uint64_t)(int64_t)code);
	} else {
		metal_serial_puts("failed: ");
		metal_serial_puts(st == KERN_SYSTEM_FAILED ? kern_system_why(s)
							   : "every program waits for something nothing can bring");
	}
	metal_serial_puts("\n");
	kern_system_free(s);
	kern_free(sys.k);
	if (metal_heap_live() != 0)
		metal_panic("kernel: heap blocks live after kern_free");
	if (code != 0)
		metal_exit(METAL_EXIT_FAIL);
}

/* Recurses until the kernel stack's guard page; the volatile limit keeps gcc from
 * turning the recursion into a loop or proving it infinite. */
static volatile uint64_t overflow_limit = UINT64_MAX;
static uint64_t __attribute__((noinline)) overflow(uint64_t depth)
{
	volatile uint8_t pad[512];
	pad[0] = (uint8_t)depth;
	if (depth == overflow_limit)
		return 0;
	return overflow(depth + 1) + pad[0];
}

static char cmdline_buf[256];
static const char *cmdline = "";

/* The rest of metal_main, on the guarded kernel stack (tss.c). */
static _Noreturn void kernel_main(void)
{
	metal_serial_puts("wasmos: booted, ");
	metal_serial_dec(metal_frames_free_count() * METAL_FRAME_SIZE / 1024);
	metal_serial_puts(" KiB free\n");
	metal_timer_init();
	metal_random_init();
	metal_ps2_init();
	if (has_word(cmdline, "hold"))
		metal_idt_hold();   /* an exception report stays on screen too */

	if (has_word(cmdline, "test=heap"))
		test_heap();
	else if (has_word(cmdline, "test=fault"))
		__asm__ volatile("ud2");
	else if (has_word(cmdline, "test=pagefault"))
		*(volatile uint64_t *)(uintptr_t)0x140000000ull = 1;
	else if (has_word(cmdline, "test=stackoverflow"))
		overflow(0);
	/* Bad frame pointers for the backtrace: unmapped, then one pointing at itself
	 * (ud2 never returns, so rbp need not survive). */
	else if (has_word(cmdline, "test=badframe"))
		__asm__ volatile("movabs $0x140000000, %%rbp; ud2" : : : "memory");
	else if (has_word(cmdline, "test=loopframe"))
		__asm__ volatile("sub $16, %%rsp; mov %%rsp, (%%rsp); movq $1, 8(%%rsp); mov %%rsp, %%rbp; ud2"
				 : : : "memory");
	else {
		const struct program *p = NULL;
		for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++)
			if (has_word(cmdline, programs[i].word))
				p = &programs[i];
		char cid[WOS_CID_MAX];
		const char *by_cid = word_value(cmdline, "run-cid=", cid, sizeof cid);
		if (p || by_cid)
			run_program(p ? p : &programs[0], by_cid);
		else
			run_system();
	}
	/* "hold": stay up, so that tests/metal/screen_test.c can take a screendump (it
	 * then quits QEMU).  For 30 s only: a QEMU whose test was killed still ends. */
	if (has_word(cmdline, "hold")) {
		uint64_t end = metal_timer_ticks() + 30000;   /* 1 kHz ticks */
		while (metal_timer_ticks() < end)
			metal_timer_wait();
	}
	metal_exit(METAL_EXIT_OK);
}

void metal_main(uint32_t magic, uint32_t info_addr);
void metal_main(uint32_t magic, uint32_t info_addr)
{
	metal_serial_init();
	metal_vga_init(magic, info_addr);
	metal_fb_init(magic, info_addr);
	if (magic == MB2_BOOT_MAGIC)
		info_addr = metal_mb2_to_mb1(info_addr);
	else if (magic != MB1_BOOT_MAGIC)
		metal_panic("not booted by a multiboot loader");
	metal_tss_init();
	metal_idt_init();
	const struct mb1_info *info = (const struct mb1_info *)(uintptr_t)info_addr;
	/* Copied: QEMU puts the command line just past the image, in memory frames.c
	 * hands out (the guard page of the kernel stack, as it happens). */
	if (info->flags & MB1_INFO_CMDLINE) {
		const char *c = (const char *)(uintptr_t)info->cmdline;
		for (size_t i = 0; i < sizeof cmdline_buf - 1 && c[i]; i++)
			cmdline_buf[i] = c[i];
		cmdline = cmdline_buf;
	}
	metal_bundle_init(info_addr);   /* before the frames: QEMU's module list is in them */
	if (metal_frames_init(info_addr) != 0)
		metal_panic("no multiboot memory map");
	metal_clock_init();
	metal_rtc_init();
	metal_stack_switch(kernel_main);
}
