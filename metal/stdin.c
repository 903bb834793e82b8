/* stdin.c: the stdin interface served natively: keyboard (ps2.c) and COM1 input
 * feed one byte stream, and stdin.read / stdin.ready are answered from it, as
 * hosted/natives.c answers them from fd 0.
 *
 * No line discipline: programs get the bytes as typed, with no echo (a serial
 * terminal sends "\r" for enter, turned into "\n" here so both sources agree).  There
 * is no end of input on a machine, so a read waits until a byte is there.  Waiting
 * messages sit in fixed tables (no allocation while waiting); metal_stdin_poll, which
 * the main loop calls after every wait, drains the sources and answers them.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_stdin.h"

#define COM1 0x3F8
#define WAITERS 16
enum { ERRNO_INVAL = 28, ERRNO_NOMEM = 48 };

static char text[256];            /* typed and not yet read */
static uint32_t text_head, text_tail;
static struct waiter { uint64_t id; uint32_t max; } reads[WAITERS];
static uint64_t readies[WAITERS];
static size_t nreads, nreadies;
static struct metal_sys *sys;

void metal_stdin_push(char c)
{
	if (text_head - text_tail < sizeof text)   /* full: dropped */
		text[text_head++ % sizeof text] = c;
}

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* Answers the oldest read with what is there (at most its max), and every ready. */
static void answer_waiters(void)
{
	kern_state *k = sys->k;
	for (size_t i = 0; i < nreadies && text_head != text_tail; i++)
		kern_answer(k, readies[i], NULL, 0, KERN_ANSWER_OK);
	if (text_head != text_tail)
		nreadies = 0;
	while (nreads && text_head != text_tail) {
		uint32_t n = text_head - text_tail, max = reads[0].max ? reads[0].max : 1;
		if (n > max)
			n = max;
		uint8_t data[sizeof text], out[sizeof text + 8];
		for (uint32_t i = 0; i < n; i++)
			data[i] = (uint8_t)text[text_tail++ % sizeof text];
		ifc_stdin_read_answer a = { .data = data, .data_len = n };
		uint32_t len = ifc_stdin_read_answer_encode(&a, out, sizeof out);
		kern_answer(k, reads[0].id, out, len, KERN_ANSWER_OK);
		memmove(reads, reads + 1, --nreads * sizeof reads[0]);
	}
}

size_t metal_stdin_poll(void)
{
	metal_ps2_poll();
	while (metal_inb(COM1 + 5) & 0x01) {   /* line status: data ready */
		char c = (char)metal_inb(COM1);
		metal_stdin_push(c == '\r' ? '\n' : c);
	}
	if (sys)
		answer_waiters();
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
