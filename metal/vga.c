/* vga.c: the VGA text console (80x25 cells at 0xB8000), a mirror of COM1.  Every byte
 * serial.c sends is also drawn here, so a machine without a serial cable shows the
 * kernel log and the programs' log output on its screen.
 *
 * It is on only when the loader left the card in text mode: always under multiboot1
 * (QEMU -kernel: SeaBIOS's mode 3), and under multiboot2 when GRUB's framebuffer tag
 * says EGA text.  Under UEFI, or in a graphics mode, 0xB8000 is not the screen and
 * writing there would be wrong, so it stays off and only serial speaks.  A true
 * singleton, like the screen it owns.
 */
#include "metal.h"
#include "multiboot.h"

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700         /* light grey on black */
#define VGA_CRTC 0x3D4          /* CRT controller index port; data is +1 */
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_FB_EGA_TEXT 2

static volatile uint16_t *screen;   /* NULL: the console is off */
static int row, col;

/* The multiboot2 framebuffer tag: EGA text at its address, or not text at all. */
struct mb2_fb_tag {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, fb_type;
} __attribute__((packed));

/* The text screen's address in the multiboot2 info, or 0 when GRUB gave none. */
static uint64_t mb2_text_screen(uint32_t info_addr)
{
	const uint8_t *base = (const uint8_t *)(uintptr_t)info_addr;
	uint32_t total = *(const uint32_t *)base;
	for (uint32_t off = 8; off + 8 <= total;) {
		const struct mb2_fb_tag *t = (const struct mb2_fb_tag *)(base + off);
		if (t->type == 0 || t->size < 8 || t->size > total - off)
			break;
		if (t->type == MB2_TAG_FRAMEBUFFER && t->size >= sizeof *t &&
		    t->fb_type == MB2_FB_EGA_TEXT && t->width == VGA_COLS && t->height == VGA_ROWS)
			return t->addr;
		off += (t->size + 7) & ~7u;
	}
	return 0;
}

/* Moves the blinking hardware cursor to (row, col). */
static void place_cursor(void)
{
	uint16_t pos = (uint16_t)(row * VGA_COLS + col);
	metal_outb(VGA_CRTC, 0x0F);
	metal_outb(VGA_CRTC + 1, (uint8_t)pos);
	metal_outb(VGA_CRTC, 0x0E);
	metal_outb(VGA_CRTC + 1, (uint8_t)(pos >> 8));
}

void metal_vga_init(uint32_t magic, uint32_t info_addr)
{
	uint64_t addr = 0;
	if (magic == MB1_BOOT_MAGIC)
		addr = 0xB8000;
	else if (magic == MB2_BOOT_MAGIC)
		addr = mb2_text_screen(info_addr);
	if (!addr || addr >= 0x100000000ull)   /* only the low 4 GiB are mapped */
		return;
	screen = (volatile uint16_t *)(uintptr_t)addr;
	/* The firmware's banner is still there: start from a blank screen. */
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
		screen[i] = VGA_ATTR | ' ';
	row = col = 0;
	place_cursor();
}

/* Moves every line up one and blanks the last. */
static void scroll(void)
{
	for (int i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
		screen[i] = screen[i + VGA_COLS];
	for (int i = 0; i < VGA_COLS; i++)
		screen[VGA_COLS * (VGA_ROWS - 1) + i] = VGA_ATTR | ' ';
	row = VGA_ROWS - 1;
}

void metal_vga_putc(char c)
{
	if (!screen)
		return;
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\r') {
		col = 0;
	} else if (c == '\t') {
		col = (col + 8) & ~7;
	} else if (c == '\b') {   /* back one cell: the line discipline's erase */
		if (col)
			col--;
	} else {
		/* Bytes outside printable ASCII (UTF-8 parts) would show as code page 437
		 * symbols: a '?' says more honestly that something is not drawn. */
		uint8_t ch = (c >= 32 && c < 127) ? (uint8_t)c : '?';
		screen[row * VGA_COLS + col] = VGA_ATTR | ch;
		col++;
	}
	if (col >= VGA_COLS) {   /* a long line wraps */
		col = 0;
		row++;
	}
	if (row >= VGA_ROWS)
		scroll();
	place_cursor();
}
