/* fb.c: the framebuffer console, the mirror of serial where there is no text mode:
 * GRUB under UEFI hands over a linear RGB framebuffer (the GOP's) in its multiboot2
 * framebuffer tag.  Text is drawn in 8x16 cells with font.c's glyphs, light grey on
 * black, and scrolls by moving the pixels up one cell row.  Only 24- and 32-bit
 * pixels are drawn (GRUB under OVMF gives 24); any other framebuffer leaves this off.  A
 * true singleton, like the screen it owns; vga.c handles EGA text tags instead.
 * framebuffer.c draws on the same pixels for programs (metal_fb_screen); whatever
 * they draw stays until the console writes or scrolls over it.
 */
#include "metal.h"
#include "multiboot.h"

#define CELL_W 8
#define CELL_H 16
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_FB_RGB 1

struct mb2_fb_tag {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, fb_type;
	uint16_t reserved;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __attribute__((packed));

static uint8_t *fb;   /* NULL: the console is off */
static uint32_t pitch, bypp, cols, rows, ink;   /* bypp: bytes a pixel */
static struct metal_screen screen;              /* for framebuffer.c */
static uint32_t row, col;

/* The channel at pos, size bits wide, at two thirds of full: VGA's light grey. */
static uint32_t grey(uint8_t pos, uint8_t size)
{
	return (((1u << size) - 1) * 2 / 3) << pos;
}

/* Whether a channel lies inside the pixel, so shifting by its position is defined. */
static int fits(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size <= 16 && pos + size <= bpp;
}

void metal_fb_init(uint32_t magic, uint32_t info_addr)
{
	if (magic != MB2_BOOT_MAGIC)
		return;
	const uint8_t *base = (const uint8_t *)(uintptr_t)info_addr;
	uint32_t total = *(const uint32_t *)base;
	const struct mb2_fb_tag *t = NULL;
	for (uint32_t off = 8; off + 8 <= total;) {
		const struct mb2_fb_tag *x = (const struct mb2_fb_tag *)(base + off);
		if (x->type == 0 || x->size < 8 || x->size > total - off)
			break;
		if (x->type == MB2_TAG_FRAMEBUFFER && x->size >= sizeof *x)
			t = x;
		off += (x->size + 7) & ~7u;
	}
	/* Only the low 4 GiB are mapped; the last byte must be there too. */
	if (!t || t->fb_type != MB2_FB_RGB || (t->bpp != 24 && t->bpp != 32) || t->width < CELL_W ||
	    t->height < CELL_H || t->addr + (uint64_t)t->pitch * t->height > 0x100000000ull ||
	    t->pitch < (uint64_t)t->width * (t->bpp / 8) || !fits(t->red_pos, t->red_size, t->bpp) ||
	    !fits(t->green_pos, t->green_size, t->bpp) || !fits(t->blue_pos, t->blue_size, t->bpp))
		return;
	fb = (uint8_t *)(uintptr_t)t->addr;
	pitch = t->pitch;
	bypp = t->bpp / 8;
	cols = t->width / CELL_W;
	rows = t->height / CELL_H;
	ink = grey(t->red_pos, t->red_size) | grey(t->green_pos, t->green_size) |
	      grey(t->blue_pos, t->blue_size);
	screen = (struct metal_screen){
		.base = fb, .width = t->width, .height = t->height, .pitch = pitch, .bpp = t->bpp,
		.pos = { t->red_pos, t->green_pos, t->blue_pos },
		.size = { t->red_size, t->green_size, t->blue_size },
	};
	/* The firmware's and GRUB's text is still there: start from black. */
	for (uint32_t y = 0; y < t->height; y++)
		memset(fb + (size_t)y * pitch, 0, (size_t)t->width * bypp);
	row = col = 0;
}

/* Draws c (printable ASCII; others as '?') at cell (r, c): each font row twice. */
static void draw(uint32_t r, uint32_t c, char ch)
{
	const uint8_t *g = metal_font[(ch >= 32 && ch < 127 ? ch : '?') - 32];
	for (uint32_t y = 0; y < CELL_H; y++) {
		uint8_t *p = fb + (size_t)(r * CELL_H + y) * pitch + (size_t)c * CELL_W * bypp;
		/* Rows 1..14 of the cell hold the 7 glyph rows; 0 and 15 stay blank. */
		uint8_t bits = (y >= 1 && y <= 14) ? g[(y - 1) / 2] : 0;
		for (uint32_t x = 0; x < CELL_W; x++) {
			uint32_t v = (x >= 1 && x <= 5 && (bits >> (5 - x)) & 1) ? ink : 0;
			for (uint32_t b = 0; b < bypp; b++)   /* little-endian, as the masks say */
				*p++ = (uint8_t)(v >> (8 * b));
		}
	}
}

const struct metal_screen *metal_fb_screen(void)
{
	return fb ? &screen : NULL;
}

void metal_fb_putc(char c)
{
	if (!fb)
		return;
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\r') {
		col = 0;
	} else if (c == '\t') {
		col = (col + 8) & ~7u;
	} else if (c == '\b') {   /* back one cell: the line discipline's erase */
		if (col)
			col--;
	} else {
		draw(row, col, c);
		col++;
	}
	if (col >= cols) {   /* a long line wraps */
		col = 0;
		row++;
	}
	if (row >= rows) {   /* up one cell row; the last one blanked */
		size_t line = (size_t)CELL_H * pitch;
		memmove(fb, fb + line, line * (rows - 1));
		memset(fb + line * (rows - 1), 0, line);
		row = rows - 1;
	}
}
