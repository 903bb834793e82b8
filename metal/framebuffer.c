/* framebuffer.c: the native handler of the framebuffer interface
 * (interfaces/framebuffer.ifc): fill and blit on the screen fb.c found.
 *
 * Programs speak one pixel format, 0x00RRGGBB; each colour is converted here into the
 * screen's layout (channel positions and sizes from the firmware, 24 or 32 bits a
 * pixel).  Rectangles are clipped in 64-bit arithmetic, so no x, y, width or height
 * from a message can reach outside the screen; blit's pixel count must match its
 * size exactly.  Drawing is direct: the framebuffer is the screen, nothing to flush.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_framebuffer.h"

enum { ERRNO_INVAL = 28, ERRNO_NODEV = 43, ERRNO_NOSYS = 52 };

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	if (id)
		kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* An 8-bit channel scaled to `size` bits at `pos`. */
static uint32_t channel(uint32_t v8, uint8_t pos, uint8_t size)
{
	uint32_t v = size >= 8 ? v8 << (size - 8) : v8 >> (8 - size);
	return v << pos;
}

static uint32_t native(const struct metal_screen *s, uint32_t rgb)
{
	return channel((rgb >> 16) & 0xFF, s->pos[0], s->size[0]) |
	       channel((rgb >> 8) & 0xFF, s->pos[1], s->size[1]) |
	       channel(rgb & 0xFF, s->pos[2], s->size[2]);
}

static void put(const struct metal_screen *s, uint8_t *p, uint32_t v)
{
	if (s->bpp == 32) {
		memcpy(p, &v, 4);   /* little-endian, as the positions count */
	} else {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
	}
}

/* The on-screen part of the rectangle: [x0, x1) x [y0, y1), or 0 when none. */
struct clip { uint32_t x0, y0, x1, y1; };
static int clip(const struct metal_screen *s, int32_t x, int32_t y, uint32_t w, uint32_t h,
		struct clip *c)
{
	int64_t x0 = x, y0 = y, x1 = (int64_t)x + w, y1 = (int64_t)y + h;
	if (x0 < 0) x0 = 0;
	if (y0 < 0) y0 = 0;
	if (x1 > s->width) x1 = s->width;
	if (y1 > s->height) y1 = s->height;
	if (x0 >= x1 || y0 >= y1)
		return 0;
	*c = (struct clip){ (uint32_t)x0, (uint32_t)y0, (uint32_t)x1, (uint32_t)y1 };
	return 1;
}

static uint8_t *at(const struct metal_screen *s, uint32_t x, uint32_t y)
{
	return s->base + (size_t)y * s->pitch + (size_t)x * (s->bpp / 8);
}

static int fill(const struct metal_screen *s, const uint8_t *body, uint32_t len)
{
	ifc_framebuffer_fill m;
	struct clip c;
	if (ifc_framebuffer_fill_decode(body, len, &m) != 0)
		return ERRNO_INVAL;
	if (!clip(s, m.x, m.y, m.width, m.height, &c))
		return 0;
	uint32_t v = native(s, m.color);
	for (uint32_t y = c.y0; y < c.y1; y++)
		for (uint32_t x = c.x0; x < c.x1; x++)
			put(s, at(s, x, y), v);
	return 0;
}

static int blit(const struct metal_screen *s, const uint8_t *body, uint32_t len)
{
	ifc_framebuffer_blit m;
	struct clip c;
	if (ifc_framebuffer_blit_decode(body, len, &m) != 0 ||
	    (uint64_t)m.width * m.height * 4 != m.pixels_len)
		return ERRNO_INVAL;
	if (!clip(s, m.x, m.y, m.width, m.height, &c))
		return 0;
	for (uint32_t y = c.y0; y < c.y1; y++) {
		/* the source pixel of screen (x, y) is (x - m.x, y - m.y) */
		const uint8_t *src = m.pixels + ((uint64_t)((int64_t)y - m.y) * m.width +
						 (uint64_t)((int64_t)c.x0 - m.x)) * 4;
		for (uint32_t x = c.x0; x < c.x1; x++, src += 4) {
			uint32_t rgb = src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16;
			put(s, at(s, x, y), native(s, rgb));
		}
	}
	return 0;
}

static void framebuffer_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	const struct metal_screen *s = metal_fb_screen();
	int tag = ifc_framebuffer_tag(d->body, d->len), e;
	if (!s) {
		answer_errno(k, d->id, ERRNO_NODEV);
		return;
	}
	switch (tag) {
	case IFC_FRAMEBUFFER_INFO: {
		ifc_framebuffer_info m;
		if (ifc_framebuffer_info_decode(d->body, d->len, &m) != 0) {
			e = ERRNO_INVAL;
			break;
		}
		ifc_framebuffer_info_answer a = { s->width, s->height, s->pitch, (uint8_t)s->bpp };
		uint8_t out[16];
		uint32_t n = ifc_framebuffer_info_answer_encode(&a, out, sizeof out);
		if (d->id)
			kern_answer(k, d->id, out, n, KERN_ANSWER_OK);
		return;
	}
	case IFC_FRAMEBUFFER_FILL:
		e = fill(s, d->body, d->len);
		break;
	case IFC_FRAMEBUFFER_BLIT:
		e = blit(s, d->body, d->len);
		break;
	default:
		e = ERRNO_NOSYS;
	}
	if (e)
		answer_errno(k, d->id, e);
	else if (d->id)
		kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
}

static const kern_native framebuffer_ops = { framebuffer_message, NULL };

int metal_framebuffer_register(struct kern_state *k)
{
	return kern_native_register(k, ifc_framebuffer_id, &framebuffer_ops, NULL) ? -1 : 0;
}
