/* stdin.c: the stdin interface served natively: keyboard (ps2.c) and COM1 input
 * feed one byte stream, and stdin.read / stdin.ready are answered from it, as
 * hosted/natives.c answers them from fd 0.
 *
 * A line discipline ("cooked" input, as a terminal's): a program gets whole lines.
 * What is typed is echoed on the console (serial and the screen), backspace (or DEL,
 * which serial terminals send) erases the last character, Ctrl-U the whole line,
 * Enter (a serial terminal's "\r", "\n" or "\r\n") ends it, Ctrl-C drops it (and
 * shows "^C"; there are no signals to send), Ctrl-D hands over what is typed without
 * a newline and, on an empty line, is the end of input (a read answers empty, once).
 * Other control characters and a serial terminal's escape sequences (arrows: ESC [ A)
 * are dropped.
 *
 * Typing is cooked only while a program asks for input (a read or a ready waits):
 * until then it waits unechoed, so a program that takes keys from the keyboard
 * interface, or none, gets no echo in its output.  Waiting messages sit in fixed
 * tables (no allocation while waiting); metal_stdin_poll, which the main loop calls
 * after every wait, drains the sources and answers them.  State is a true singleton,
 * like the console it serves.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_stdin.h"

#define COM1 0x3F8
#define WAITERS 16
#define LINE_MAX 256
enum { ERRNO_INVAL = 28, ERRNO_NOMEM = 48 };
enum { CTRL_C = 0x03, CTRL_D = 0x04, CTRL_U = 0x15, ESC = 0x1b, DEL = 0x7f };

struct ring {
	char b[1024];
	uint32_t head, tail;   /* free-running: head - tail bytes are there */
};

static struct ring typed;         /* as typed, not yet cooked */
static struct ring lines;         /* cooked: ended lines, not yet read */
static char line[LINE_MAX];       /* the line being typed */
static uint32_t line_len;
static int eof_pending;           /* Ctrl-D on an empty line: at lines.head == eof_at */
static uint32_t eof_at;
static int esc_state;             /* 1 after ESC, 2 inside ESC [ or ESC O */
static int after_cr;              /* the last byte was "\r": a "\n" next is the same Enter */
static struct waiter { uint64_t id; uint32_t max; } reads[WAITERS];
static uint64_t readies[WAITERS];
static size_t nreads, nreadies;
static struct metal_sys *sys;

static uint32_t ring_len(const struct ring *r) { return r->head - r->tail; }

static int ring_put(struct ring *r, char c)
{
	if (ring_len(r) == sizeof r->b)
		return -1;   /* full: dropped */
	r->b[r->head++ % sizeof r->b] = c;
	return 0;
}

void metal_stdin_push(char c)
{
	ring_put(&typed, c);
}

static void echo(const char *s, size_t n)
{
	metal_serial_write(s, n);   /* and the screen, which mirrors serial */
}

/* Hands the line typed so far (and a newline, if nl) to the readers. */
static void end_line(int nl)
{
	if (ring_len(&lines) + line_len + 1 <= sizeof lines.b) {
		for (uint32_t i = 0; i < line_len; i++)
			ring_put(&lines, line[i]);
		if (nl)
			ring_put(&lines, '\n');
	}
	line_len = 0;
}

/* Erases the last character of the line, all of a UTF-8 sequence, from the screen too. */
static void erase_one(void)
{
	if (!line_len)
		return;
	while (line_len > 1 && (line[line_len - 1] & 0xC0) == 0x80)
		line_len--;
	line_len--;
	echo("\b \b", 3);
}

/* Cooks one typed byte; returns 1 when it ended a line (or the input). */
static int cook(char ch)
{
	uint8_t c = (uint8_t)ch;
	int cr = after_cr;
	after_cr = 0;
	if (esc_state == 1) {   /* ESC [ and ESC O start a sequence; ESC alone is dropped */
		esc_state = c == '[' || c == 'O' ? 2 : 0;
		if (esc_state)
			return 0;
	} else if (esc_state == 2) {
		if (c >= 0x40 && c <= 0x7E)   /* the final byte */
			esc_state = 0;
		return 0;
	}
	switch (c) {
	case '\r':
		after_cr = 1;
		/* fall through */
	case '\n':
		if (c == '\n' && cr)
			return 0;
		echo("\n", 1);
		end_line(1);
		return 1;
	case '\b':
	case DEL:
		erase_one();
		return 0;
	case CTRL_U:
		while (line_len)
			erase_one();
		return 0;
	case CTRL_C:
		echo("^C\n", 3);
		line_len = 0;
		return 0;
	case CTRL_D:
		if (line_len) {
			end_line(0);
		} else if (!eof_pending) {
			eof_pending = 1;
			eof_at = lines.head;
		}
		return 1;
	case ESC:
		esc_state = 1;
		return 0;
	}
	if ((c < 0x20 && c != '\t') || line_len == LINE_MAX)
		return 0;   /* other control characters, and a full line, are dropped */
	line[line_len++] = (char)c;
	echo(&ch, 1);
	return 0;
}

/* Bytes a read may take now: up to the end of input, when one is pending. */
static uint32_t readable(void)
{
	return eof_pending ? eof_at - lines.tail : ring_len(&lines);
}

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* Answers the oldest read with what is there (at most its max), or the end of input,
 * and every ready. */
static void answer_waiters(void)
{
	kern_state *k = sys->k;
	if (readable() || eof_pending) {
		for (size_t i = 0; i < nreadies; i++)
			kern_answer(k, readies[i], NULL, 0, KERN_ANSWER_OK);
		nreadies = 0;
	}
	while (nreads && (readable() || eof_pending)) {
		uint32_t n = readable(), max = reads[0].max ? reads[0].max : 1;
		if (n > max)
			n = max;
		if (n > LINE_MAX)
			n = LINE_MAX;
		uint8_t data[LINE_MAX], out[LINE_MAX + 8];
		for (uint32_t i = 0; i < n; i++)
			data[i] = (uint8_t)lines.b[lines.tail++ % sizeof lines.b];
		if (n == 0)
			eof_pending = 0;   /* this empty answer is the end of input */
		ifc_stdin_read_answer a = { .data = data, .data_len = n };
		uint32_t len = ifc_stdin_read_answer_encode(&a, out, sizeof out);
		kern_answer(k, reads[0].id, out, len, KERN_ANSWER_OK);
		memmove(reads, reads + 1, --nreads * sizeof reads[0]);
	}
}

size_t metal_stdin_poll(void)
{
	metal_ps2_poll();
	while (metal_inb(COM1 + 5) & 0x01)   /* line status: data ready */
		metal_stdin_push((char)metal_inb(COM1));
	if (!sys)
		return 0;
	answer_waiters();
	/* Cook only for someone who asks, a line at a time, answering between lines: a
	 * line typed ahead is echoed after the answer to the one before. */
	while ((nreads || nreadies) && ring_len(&typed)) {
		while (ring_len(&typed) && !cook(typed.b[typed.tail++ % sizeof typed.b]))
			;
		answer_waiters();
	}
	return nreads + nreadies;
}

static void stdin_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_stdin_read m;
	if (!d->id)
		return;
	if (ifc_stdin_tag(d->body, d->len) == IFC_STDIN_READY) {
		if (nreadies == WAITERS)
			answer_errno(k, d->id, ERRNO_NOMEM);
		else
			readies[nreadies++] = d->id;
	} else if (ifc_stdin_read_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	} else if (nreads == WAITERS) {
		answer_errno(k, d->id, ERRNO_NOMEM);
	} else {
		reads[nreads++] = (struct waiter){ d->id, m.max };
	}
	metal_stdin_poll();   /* input typed before the message answers it at once */
}

static const kern_native stdin_ops = { stdin_message, NULL };

int metal_stdin_init(struct metal_sys *s)
{
	sys = s;
	nreads = nreadies = 0;
	return kern_native_register(s->k, ifc_stdin_id, &stdin_ops, s) ? -1 : 0;
}
