/* fbdemo: draws a known pattern through the framebuffer interface
 * (interfaces/framebuffer.ifc), for people to look at and for the boot test to check
 * pixel by pixel (tests/metal/boot_test.sh).  In the bottom right corner, W and H
 * the screen's size:
 *   fill  (W-256, H-128) 128x128 red
 *   blit  (W-128, H-128) 128x128: quarters green, blue (top), white, 0x123456
 *   blit  (W-32, H-160) 64x16 yellow: half off the right edge, clipped
 *   fill  (-32, H-16) 64x16 magenta: half off the left edge, clipped
 * and it checks that garbage is refused: a blit whose pixels do not match its size,
 * one whose width*height overflows 32 bits.  Prints "fbdemo: WxH pitch P bpp B", then
 * "fbdemo: drew the pattern"; exits 1 (with strerror) when something fails, such as
 * info on a machine without a framebuffer (ENODEV).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_framebuffer.h"
#include "loop.h"

enum { QUARTER = 64 };

static int call(const uint8_t *body, uint32_t n, uint8_t **ans, uint32_t *len)
{
	return wasmos_call_sync(ifc_framebuffer_id, body, n, ans, len);
}

static int fill(int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t color)
{
	ifc_framebuffer_fill m = { x, y, w, h, color };
	uint8_t body[32];
	return call(body, ifc_framebuffer_fill_encode(&m, body, sizeof body), NULL, NULL);
}

static int blit(int32_t x, int32_t y, uint32_t w, uint32_t h, const uint32_t *px, uint32_t len)
{
	ifc_framebuffer_blit m = { x, y, w, h, (const uint8_t *)px, len };
	uint32_t n = ifc_framebuffer_blit_encode(&m, NULL, 0);
	uint8_t *body = malloc(n);
	if (!body)
		return ENOMEM;
	ifc_framebuffer_blit_encode(&m, body, n);
	int e = call(body, n, NULL, NULL);
	free(body);
	return e;
}

static int failed(const char *what, int e)
{
	printf("fbdemo: %s: %s\n", what, strerror(e));
	return 1;
}

int main(void)
{
	uint8_t body[8], *ans;
	uint32_t len;
	ifc_framebuffer_info m = { 0 };
	int e = call(body, ifc_framebuffer_info_encode(&m, body, sizeof body), &ans, &len);
	if (e)
		return failed("framebuffer", e);
	ifc_framebuffer_info_answer info;
	e = ifc_framebuffer_info_answer_decode(ans, len, &info);
	free(ans);
	if (e)
		return failed("info", EINVAL);
	printf("fbdemo: %ux%u pitch %u bpp %u\n", info.width, info.height, info.pitch, info.bpp);
	int32_t W = (int32_t)info.width, H = (int32_t)info.height;

	static uint32_t px[2 * QUARTER * 2 * QUARTER];   /* wasm32 is little-endian, as the wire */
	for (int y = 0; y < 2 * QUARTER; y++)
		for (int x = 0; x < 2 * QUARTER; x++)
			px[y * 2 * QUARTER + x] = y < QUARTER ? (x < QUARTER ? 0x00ff00 : 0x0000ff)
							      : (x < QUARTER ? 0xffffff : 0x123456);
	if ((e = fill(W - 256, H - 128, 128, 128, 0xff0000)))
		return failed("fill", e);
	if ((e = blit(W - 128, H - 128, 128, 128, px, sizeof px)))
		return failed("blit", e);
	for (int i = 0; i < 64 * 16; i++)
		px[i] = 0xffff00;
	if ((e = blit(W - 32, H - 160, 64, 16, px, 64 * 16 * 4)))
		return failed("blit off the right edge", e);
	if ((e = fill(-32, H - 16, 64, 16, 0xff00ff)))
		return failed("fill off the left edge", e);
	if ((e = fill(W + 10, 0, 10, 10, 0xffffff)))
		return failed("fill wholly outside", e);

	e = blit(0, 0, 16, 16, px, 16 * 16 * 4 - 4);
	printf("fbdemo: a short blit: %s\n", strerror(e));
	if (e != EINVAL)
		return 1;
	e = blit(0, 0, 0x10000, 0x10000, px, 4);
	printf("fbdemo: a blit of 2^32 pixels: %s\n", strerror(e));
	if (e != EINVAL)
		return 1;
	printf("fbdemo: drew the pattern\n");
	return 0;
}
