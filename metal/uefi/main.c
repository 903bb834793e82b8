/* main.c: efi_main, the UEFI loader of the metal kernel (built as BOOTX64.EFI).
 *
 * It does what GRUB's multiboot2 does under UEFI, and no more: reads the kernel
 * (\EFI\BOOT\WASMOS.ELF, beside itself), its command line and, when there is one,
 * a boot bundle to pass as a module (BUNDLE.CAR), loads the kernel's segments at
 * their physical addresses, picks a 32-bit GOP mode, builds the
 * multiboot2 info (bootinfo.c), leaves boot services and jumps to the kernel's 64-bit
 * entry (metal_start64 in boot.S) with rdi = the multiboot2 magic, rsi = the info.
 *
 * The kernel is a file on the ESP, not a blob inside this PE: one loader serves any
 * kernel build, a stick is updated by copying one file, and the command line can sit
 * in a text file beside it (CMDLINE.TXT) for machines whose firmware passes no load
 * options; the boot tests make their variants the same way, with mtools alone.
 *
 * Every failure before ExitBootServices prints "wasmos-uefi: error: ..." on the
 * firmware console (which OVMF mirrors on COM1), writes metal's fail code to QEMU's
 * isa-debug-exit port, and after 10 s returns to the firmware.  After the first
 * ExitBootServices call no boot service may be used, so the messages go to COM1.
 */
#include "loader.h"
#include "efi.h"
#include "../multiboot.h"

#define KERNEL_FILE "\\EFI\\BOOT\\WASMOS.ELF"
#define CMDLINE_FILE "\\EFI\\BOOT\\CMDLINE.TXT"
#define BUNDLE_FILE "\\EFI\\BOOT\\BUNDLE.CAR"
#define EXIT_FAIL 0x11          /* METAL_EXIT_FAIL (metal/metal.h): QEMU exits 35 */
#define INFO_BELOW 0x100000ull  /* frames.c never hands out the first MiB */
#define FOUR_GIB 0x100000000ull
#define EXIT_TRIES 8            /* ExitBootServices retries on a changed map */
#define MAX_CMDLINE 1024

static efi_system_table *sys;
static efi_boot_services *bs;
static char cmdline[MAX_CMDLINE];

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ASCII to the firmware console, '\n' as CR LF. */
static void say(const char *s)
{
	efi_char16 buf[130];
	size_t n = 0;
	for (; *s; s++) {
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = (efi_char16)(uint8_t)*s;
		if (n >= 128 || !s[1]) {
			buf[n] = 0;
			sys->con_out->output_string(sys->con_out, buf);
			n = 0;
		}
	}
}

static void say_hex(uint64_t v)
{
	char buf[19] = "0x";
	int digits = 1;
	while (digits < 16 && v >> (4 * digits))
		digits++;
	for (int i = 0; i < digits; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 15];
	buf[2 + digits] = 0;
	say(buf);
}

static void say_dec(uint64_t v)
{
	char buf[21];
	int i = 20;
	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	say(buf + i);
}

static const char *status_text(efi_status s)
{
	switch (s & ~EFI_ERROR_BIT) {
	case 1: return "load error";
	case 2: return "invalid parameter";
	case 3: return "unsupported";
	case 5: return "buffer too small";
	case 7: return "device error";
	case 9: return "out of resources";
	case 10: return "volume corrupted";
	case 14: return "not found";
	case 15: return "access denied";
	default: return "EFI error";
	}
}

/* Starts an error line; the caller adds details with say and returns stop(status). */
static void error(const char *what)
{
	say("wasmos-uefi: error: ");
	say(what);
}

/* Ends an error line with the status (0: none), ends QEMU with the fail code and, on
 * a machine without that port, gives the firmware back its boot menu after 10 s. */
static efi_status stop(efi_status s)
{
	if (s) {
		say(" (");
		say(status_text(s));
		say(")");
	}
	say("\n");
	outb(0xf4, EXIT_FAIL);
	bs->stall(10 * 1000 * 1000);
	return s ? s : EFI_ERR(EFI_LOAD_ERROR);
}

/* After ExitBootServices: COM1 directly (an absent UART reads 0xFF: no wait), then
 * the fail code, then halt. */
static _Noreturn void stop_late(const char *why)
{
	static const char prefix[] = "wasmos-uefi: error: ";
	for (int part = 0; part < 3; part++) {
		const char *s = part == 0 ? prefix : part == 1 ? why : "\r\n";
		for (; *s; s++) {
			for (int i = 0; i < 100000 && !(inb(0x3FD) & 0x20); i++)
				;
			outb(0x3F8, (uint8_t)*s);
		}
	}
	outb(0xf4, EXIT_FAIL);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Reads path from root into pool memory (*data, *size; the caller frees).  Returns 0
 * or the failing call's status (EFI_NOT_FOUND: no such file). */
static efi_status read_file(efi_file *root, const efi_char16 *path, uint8_t **data, uint64_t *size)
{
	efi_file *f;
	efi_status s = root->open(root, &f, path, EFI_FILE_MODE_READ, 0);
	if (s)
		return s;
	uint64_t n = 0;
	/* Position ~0 is the end of the file: its size, without EFI_FILE_INFO. */
	if ((s = f->set_position(f, ~0ull)) || (s = f->get_position(f, &n)) || (s = f->set_position(f, 0)))
		goto out_close;
	if ((s = bs->allocate_pool(EFI_LOADER_DATA, n ? n : 1, (void **)data)))
		goto out_close;
	for (uint64_t got = 0; got < n;) {
		uint64_t chunk = n - got;
		if ((s = f->read(f, &chunk, *data + got)))
			goto out_free;
		if (chunk == 0) {   /* shorter than its size said */
			s = EFI_ERR(EFI_LOAD_ERROR);
			goto out_free;
		}
		got += chunk;
	}
	*size = n;
	f->close(f);
	return 0;
out_free:
	bs->free_pool(*data);
out_close:
	f->close(f);
	return s;
}

/* The command line: the load options when they are text (the UEFI shell passes its
 * whole command line, program name first; the kernel looks for words), else
 * CMDLINE.TXT's first 1023 bytes, else empty.  Control characters become spaces. */
static void take_cmdline(const efi_loaded_image *li, efi_file *root)
{
	size_t n = 0;
	const efi_char16 *o = li->load_options;
	uint32_t len = li->load_options_size / 2;
	for (uint32_t i = 0; o && i < len && o[i] && n < MAX_CMDLINE - 1; i++) {
		if (o[i] > 126) {   /* binary option data, as some boot entries carry */
			n = 0;
			break;
		}
		cmdline[n++] = o[i] < 32 ? ' ' : (char)o[i];
	}
	if (n == 0) {
		uint8_t *text;
		uint64_t size;
		if (read_file(root, u"" CMDLINE_FILE, &text, &size) == 0) {
			for (uint64_t i = 0; i < size && text[i] && n < MAX_CMDLINE - 1; i++)
				cmdline[n++] = text[i] < 32 || text[i] > 126 ? ' ' : (char)text[i];
			bs->free_pool(text);
		}
	}
	while (n > 0 && cmdline[n - 1] == ' ')
		n--;
	cmdline[n] = 0;
}

/* BUNDLE.CAR, when present, goes to the kernel as a multiboot module (a boot bundle
 * that replaces the one in the kernel image, as GRUB's module2 does): copied into
 * pages below 4 GiB, which frames.c keeps as it keeps every module.  Returns 0 (also
 * when there is no such file) or the failing call's status. */
static efi_status take_bundle(efi_file *root, struct uefi_boot *b)
{
	uint8_t *data;
	uint64_t size;
	efi_status s = read_file(root, u"" BUNDLE_FILE, &data, &size);
	if (s == EFI_ERR(EFI_NOT_FOUND))
		return 0;
	if (s)
		return s;
	uint64_t at = FOUR_GIB - 1;
	s = bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA,
			       (size + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE + (size == 0), &at);
	if (s == 0) {
		memcpy((void *)(uintptr_t)at, data, size);
		b->module_start = (uint32_t)at;
		b->module_end = (uint32_t)(at + size);
		b->module_name = "BUNDLE.CAR";
	}
	bs->free_pool(data);
	return s;
}

/* A channel's position and width from its mask; 0 when the mask is not one run. */
static int channel(uint32_t mask, uint8_t *pos, uint8_t *size)
{
	if (!mask)
		return 0;
	uint8_t p = 0, n = 0;
	while (!(mask >> p & 1))
		p++;
	while (p + n < 32 && (mask >> (p + n) & 1))
		n++;
	*pos = p;
	*size = n;
	return (uint64_t)mask >> (p + n) == 0;
}

/* Fills fb from a mode with 32-bit RGB pixels; 0 when the mode has none. */
static int rgb_mode(const efi_gop_mode_info *m, struct uefi_fb *fb)
{
	struct uefi_fb f = { .width = m->width, .height = m->height, .pitch = m->pixels_per_scan_line * 4 };
	f.red_size = f.green_size = f.blue_size = 8;
	f.green_pos = 8;
	if (m->pixel_format == EFI_PIXEL_RGBX)
		f.blue_pos = 16;
	else if (m->pixel_format == EFI_PIXEL_BGRX)
		f.red_pos = 16;
	else if (m->pixel_format != EFI_PIXEL_BITMASK || !channel(m->red_mask, &f.red_pos, &f.red_size) ||
		 !channel(m->green_mask, &f.green_pos, &f.green_size) ||
		 !channel(m->blue_mask, &f.blue_pos, &f.blue_size))
		return 0;
	*fb = f;
	return 1;
}

/* The GOP framebuffer: the current mode when its pixels are 32-bit RGB, else the
 * largest such mode.  Without one the kernel's console is serial only. */
static void take_framebuffer(struct uefi_fb *fb)
{
	efi_guid guid = EFI_GOP_GUID;
	efi_gop *gop;
	if (bs->locate_protocol(&guid, NULL, (void **)&gop) || !gop->mode || !gop->mode->info) {
		say("wasmos-uefi: no graphics output; the kernel's console is serial only\n");
		return;
	}
	if (!rgb_mode(gop->mode->info, fb)) {
		uint32_t best = UINT32_MAX;
		uint64_t best_area = 0;
		for (uint32_t m = 0; m < gop->mode->max_mode; m++) {
			efi_gop_mode_info *info;
			uint64_t info_size;
			struct uefi_fb f;
			if (gop->query_mode(gop, m, &info_size, &info))
				continue;
			if (rgb_mode(info, &f) && (uint64_t)f.width * f.height > best_area) {
				best = m;
				best_area = (uint64_t)f.width * f.height;
			}
			bs->free_pool(info);
		}
		if (best == UINT32_MAX || gop->set_mode(gop, best) || !rgb_mode(gop->mode->info, fb)) {
			*fb = (struct uefi_fb){ 0 };
			say("wasmos-uefi: no 32-bit RGB graphics mode; the kernel's console is serial only\n");
			return;
		}
	}
	fb->addr = gop->mode->frame_buffer_base;
}

static int same_guid(const efi_guid *a, const efi_guid *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	for (size_t i = 0; i < sizeof *a; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* The ACPI RSDPs from the configuration table, each only when its signature and
 * (version 2) length are sane. */
static void take_rsdp(struct uefi_boot *b)
{
	static const efi_guid v1 = EFI_ACPI_10_TABLE_GUID, v2 = EFI_ACPI_20_TABLE_GUID;
	static const char sig[8] = "RSD PTR ";
	for (uint64_t i = 0; i < sys->n_configuration_tables; i++) {
		const efi_configuration_table *t = &sys->configuration_tables[i];
		const uint8_t *r = t->table;
		int ok = r != NULL;
		for (int j = 0; ok && j < 8; j++)
			ok = r[j] == (uint8_t)sig[j];
		if (!ok)
			continue;
		if (same_guid(&t->guid, &v1)) {
			b->rsdp_v1 = r;
		} else if (same_guid(&t->guid, &v2) && r[15] >= 2) {
			uint32_t len;
			memcpy(&len, r + 20, sizeof len);
			if (len >= 36 && len <= 1024) {
				b->rsdp_v2 = r;
				b->rsdp_v2_len = len;
			}
		}
	}
}

efi_status EFIAPI efi_main(efi_handle image, efi_system_table *st);
efi_status EFIAPI efi_main(efi_handle image, efi_system_table *st)
{
	sys = st;
	bs = st->boot_services;
	/* The firmware resets a boot application that runs 5 minutes; the kernel does. */
	bs->set_watchdog_timer(0, 0, 0, NULL);

	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1u << 12)) {
		error("the firmware runs 5-level paging; the kernel's page tables are 4-level");
		return stop(0);
	}

	efi_guid li_guid = EFI_LOADED_IMAGE_GUID, fs_guid = EFI_SIMPLE_FILE_SYSTEM_GUID;
	efi_loaded_image *li;
	efi_simple_file_system *fs;
	efi_file *root;
	efi_status s;
	if ((s = bs->handle_protocol(image, &li_guid, (void **)&li)) ||
	    (s = bs->handle_protocol(li->device, &fs_guid, (void **)&fs)) ||
	    (s = fs->open_volume(fs, &root))) {
		error("cannot open the volume this loader came from");
		return stop(s);
	}

	uint8_t *file;
	uint64_t size;
	if ((s = read_file(root, u"" KERNEL_FILE, &file, &size))) {
		error("cannot read " KERNEL_FILE);
		return stop(s);
	}
	struct uefi_kernel k;
	const char *why = uefi_elf_check(file, size, &k);
	if (why) {
		error(KERNEL_FILE ": ");
		say(why);
		return stop(0);
	}
	uint64_t at = k.lo;
	if ((s = bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, (k.hi - k.lo) / EFI_PAGE_SIZE, &at))) {
		error("cannot have the kernel's memory ");
		say_hex(k.lo);
		say("..");
		say_hex(k.hi);
		say(" from the firmware");
		return stop(s);
	}
	uefi_elf_load(file, &k, (uint8_t *)(uintptr_t)k.lo);
	bs->free_pool(file);

	struct uefi_boot boot = { .cmdline = cmdline, .system_table = (uint64_t)(uintptr_t)st };
	take_cmdline(li, root);
	if ((s = take_bundle(root, &boot))) {
		error("cannot load " BUNDLE_FILE);
		return stop(s);
	}
	take_framebuffer(&boot.fb);
	take_rsdp(&boot);
	say("wasmos-uefi: kernel at ");
	say_hex(k.lo);
	say("..");
	say_hex(k.hi);
	say(", framebuffer ");
	say_dec(boot.fb.width);
	say("x");
	say_dec(boot.fb.height);
	say(", command line '");
	say(cmdline);
	say("'");
	if (boot.module_end) {
		say(", bundle ");
		say_dec(boot.module_end - boot.module_start);
		say(" bytes");
	}
	say("\n");

	/* The map grows with the allocations below (and the firmware's own): room for a
	 * few more descriptors than it has now. */
	uint64_t map_size = 0, key, desc_size = 0;
	uint32_t desc_version;
	s = bs->get_memory_map(&map_size, NULL, &key, &desc_size, &desc_version);
	if (s != EFI_ERR(EFI_BUFFER_TOO_SMALL) || desc_size < sizeof(efi_memory_descriptor)) {
		error("GetMemoryMap");
		return stop(s);
	}
	uint64_t map_cap = map_size + 32 * desc_size;
	efi_memory_descriptor *map;
	if ((s = bs->allocate_pool(EFI_LOADER_DATA, map_cap, (void **)&map))) {
		error("no memory for the memory map");
		return stop(s);
	}
	/* The info goes below 1 MiB, which frames.c keeps, so that it stays intact while
	 * the kernel reads it; else anywhere below 4 GiB, where mb2.c copies it in time. */
	size_t info_cap = uefi_bootinfo_size(&boot, map_cap / desc_size);
	uint64_t info_pages = (info_cap + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE, info = INFO_BELOW - 1;
	if (bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, info_pages, &info)) {
		info = FOUR_GIB - 1;
		if ((s = bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, info_pages, &info))) {
			error("no memory below 4 GiB for the boot information");
			return stop(s);
		}
	}

	/* From here until the kernel runs, nothing may allocate or print: either would
	 * change the map whose key ExitBootServices checks.  A changed map is retried as
	 * the specification says, with GetMemoryMap only. */
	for (int tries = 0;; tries++) {
		map_size = map_cap;
		s = bs->get_memory_map(&map_size, map, &key, &desc_size, &desc_version);
		if (s && tries == 0) {
			error("GetMemoryMap");
			return stop(s);
		}
		if (s)
			stop_late("GetMemoryMap failed after ExitBootServices failed");
		if (!uefi_bootinfo_build((void *)(uintptr_t)info, info_cap, &boot, map, map_size, desc_size)) {
			if (tries == 0) {
				error("the boot information does not fit");
				return stop(0);
			}
			stop_late("the boot information does not fit");
		}
		s = bs->exit_boot_services(image, key);
		if (s == 0)
			break;
		if (s != EFI_ERR(EFI_INVALID_PARAMETER) || tries == EXIT_TRIES)
			stop_late("ExitBootServices failed");
	}
	__asm__ volatile("cli\n\tjmp *%0" : : "r"(k.entry), "D"((uint64_t)MB2_BOOT_MAGIC), "S"(info)
			 : "memory");
	__builtin_unreachable();
}
