/* screen_test.c: checks that the VGA text console (metal/vga.c) draws what the kernel
 * wrote to serial, by looking at QEMU's real pixels.  Usage:
 *   screen_test QMP_SOCKET SERIAL_LOG OUT.ppm [--wait MARKER] [X,Y,RRGGBB...]
 * QEMU runs the kernel with "hold" (it stays up after the program, or after an
 * exception report) and -qmp on the socket.  Once the serial log holds MARKER (by
 * default "exited with status": the program's exit line), this asks QMP for a
 * screendump (PPM, QEMU's default format: P6, no zlib needed), then quits QEMU.
 *
 * The check: a 720x400 screen is VGA text, 80x25 cells of 9x16 pixels; any other
 * size is a framebuffer (metal/fb.c), in cells of 8x16 from the top left.  Serial line i,
 * counted from the kernel's first ("wasmos: ..."; GRUB writes before it), must be
 * row i on screen (wrapped at 80 columns), and a cell must have lit (non-black)
 * pixels exactly where its character is printable and not a space.  Rows below the
 * text must be black, but for the hardware cursor's cell.  A wrong character in the
 * right place passes; a missing, extra or shifted one fails.
 *
 * With X,Y,RRGGBB arguments it checks those pixels instead (programs/fbdemo's
 * pattern): pixel (X, Y) must have colour RRGGBB (hex); a negative X or Y counts
 * from the right or bottom edge, -1 being the last column or row.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

enum { MAX_COLS = 512, MAX_ROWS = 256 };
static int COLS, ROWS, CW, CH = 16, W, H;

static int fail(const char *why)
{
	fprintf(stderr, "screen_test: %s\n", why);
	return 1;
}

/* Reads QMP replies until one holds `want` ("return" or "error"); -1 on EOF. */
static int expect(FILE *qmp, const char *want)
{
	char line[4096];
	while (fgets(line, sizeof line, qmp)) {
		if (strstr(line, "\"error\""))
			return fprintf(stderr, "screen_test: qmp: %s", line), -1;
		if (strstr(line, want))
			return 0;
	}
	return -1;
}

/* Waits (bounded: 3000 * 10 ms) for the serial log to hold `marker`; its text in
 * buf, or -1. */
static long wait_serial(const char *path, const char *marker, char *buf, size_t cap)
{
	for (int tries = 0; tries < 3000; tries++) {
		FILE *f = fopen(path, "rb");
		if (f) {
			size_t n = fread(buf, 1, cap - 1, f);
			fclose(f);
			buf[n] = 0;
			if (strstr(buf, marker))
				return (long)n;
		}
		usleep(10000);
	}
	return -1;
}

/* Whether cell (r, c) has any pixel that is not black. */
static int lit(const unsigned char *px, int r, int c)
{
	for (int y = r * CH; y < (r + 1) * CH; y++)
		for (int x = c * CW; x < (c + 1) * CW; x++) {
			const unsigned char *p = px + 3 * (y * W + x);
			if (p[0] | p[1] | p[2])
				return 1;
		}
	return 0;
}

/* Each "X,Y,RRGGBB" must be that colour on the screen; 0 when all are. */
static int check_pixels(const unsigned char *px, int n, char **specs)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int x, y;
		unsigned want;
		if (sscanf(specs[i], "%d,%d,%x", &x, &y, &want) != 3)
			return fprintf(stderr, "screen_test: '%s' is not X,Y,RRGGBB\n", specs[i]), 1;
		if (x < 0) x += W;
		if (y < 0) y += H;
		if (x < 0 || y < 0 || x >= W || y >= H)
			return fprintf(stderr, "screen_test: '%s' is off the %dx%d screen\n", specs[i], W, H), 1;
		const unsigned char *p = px + 3 * ((size_t)y * W + x);
		unsigned got = (unsigned)p[0] << 16 | p[1] << 8 | p[2];
		if (got != want) {
			fprintf(stderr, "screen_test: pixel (%d, %d) is %06x, want %06x\n", x, y, got, want);
			bad++;
		}
	}
	if (bad)
		return fail("the screen does not show the pattern");
	printf("screen_test: %dx%d, %d pixels as expected\n", W, H, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return fail("usage: screen_test QMP_SOCKET SERIAL_LOG OUT.ppm [--wait MARKER] "
			    "[X,Y,RRGGBB...]");
	const char *marker = "exited with status";
	int nspecs = argc - 4;
	char **specs = argv + 4;
	if (nspecs >= 2 && strcmp(specs[0], "--wait") == 0) {
		marker = specs[1];
		nspecs -= 2, specs += 2;
	}
	static char serial[8192];
	if (wait_serial(argv[2], marker, serial, sizeof serial) < 0)
		return fprintf(stderr, "screen_test: the serial log never showed '%s'\n", marker), 1;

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return fail("cannot connect to the QMP socket");
	FILE *qmp = fdopen(fd, "r+");
	setvbuf(qmp, NULL, _IONBF, 0);
	if (expect(qmp, "\"QMP\"") != 0)
		return fail("no QMP greeting");
	fprintf(qmp, "{\"execute\":\"qmp_capabilities\"}\n");
	if (expect(qmp, "\"return\"") != 0)
		return fail("qmp_capabilities refused");
	fprintf(qmp, "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\"%s\"}}\n", argv[3]);
	if (expect(qmp, "\"return\"") != 0)
		return fail("screendump refused");
	fprintf(qmp, "{\"execute\":\"quit\"}\n");
	fclose(qmp);

	FILE *f = fopen(argv[3], "rb");
	int w = 0, h = 0, max = 0;
	if (!f || fscanf(f, "P6 %d %d %d", &w, &h, &max) != 3 || fgetc(f) == EOF)
		return fail("the screendump is not a PPM");
	CW = (w == 720 && h == 400) ? 9 : 8;
	W = w, H = h, COLS = w / CW, ROWS = h / CH;
	if (max != 255 || COLS < 1 || ROWS < 1 || COLS > MAX_COLS || ROWS > MAX_ROWS)
		return fprintf(stderr, "screen_test: a %dx%d screen is not one we draw on\n", w, h), 1;
	size_t npx = (size_t)w * h * 3;
	unsigned char *px = malloc(npx);
	if (!px || fread(px, 1, npx, f) != npx)
		return fail("the screendump is short");
	fclose(f);
	if (nspecs > 0) {
		int rc = check_pixels(px, nspecs, specs);
		free(px);
		return rc;
	}

	/* What the screen should hold: the serial text, wrapped like vga.c wraps it. */
	static char want[MAX_ROWS][MAX_COLS];
	memset(want, ' ', sizeof want);
	int r = 0, c = 0, rows_used;
	/* The kernel's first line starts with "wasmos: "; GRUB talks on serial before it. */
	const char *start = strstr(serial, "wasmos: ");
	if (!start)
		return fail("no kernel line on serial");
	for (const char *s = start; *s; s++) {
		if (*s == '\n') {
			r++, c = 0;
		} else if (*s != '\r') {
			if (r < ROWS)
				want[r][c] = *s;
			if (++c == COLS)
				r++, c = 0;
		}
	}
	if (r >= ROWS)
		return fail("the serial log is longer than a screen; this test expects no scrolling");
	rows_used = r;   /* the cursor waits at (r, c) */
	int bad = 0, checked = 0;
	for (r = 0; r < ROWS; r++)
		for (c = 0; c < COLS; c++) {
			if (r == rows_used && c == 0)
				continue;   /* the cursor blinks there */
			int ink = want[r][c] > ' ' && want[r][c] < 127;
			checked += ink;
			if (lit(px, r, c) != ink && bad++ < 10)
				fprintf(stderr, "screen_test: cell row %d col %d: %s, want '%c'\n", r, c,
					ink ? "blank" : "lit", want[r][c]);
		}
	if (bad || checked == 0)
		return fail("the screen does not show the serial text");
	printf("screen_test: %dx%d, %d rows, %d character cells as on serial\n", w, h, rows_used,
	       checked);
	free(px);
	return 0;
}
