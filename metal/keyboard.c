/* keyboard.c: key events from physical keys, and the keyboard interface served from
 * them (interfaces/keyboard.ifc).
 *
 * A driver (ps2.c) reports each key as a USB HID usage (keyboard page) going down or
 * up; everything after that is the same for any keyboard: which keys are held (a
 * make for a key already down is the keyboard's repeat), the modifiers, caps lock,
 * and the text the key types in the US layout.  The text goes to stdin.c too, so
 * stdin and the keyboard interface see the same typing.
 *
 * Events wait in a ring that loses its oldest when full; `next` messages wait in a
 * fixed table (no allocation while waiting) and are answered oldest first, by
 * metal_keyboard_poll from the main loop and at once when an event is there.  State
 * is a true singleton, like the keyboard it describes.
 */
#include "metal.h"
#include "kernel.h"

#include "ifc_keyboard.h"

#define EVENTS 64
#define WAITERS 16
enum { ERRNO_INVAL = 28, ERRNO_NOMEM = 48, ERRNO_NOSYS = 52 };
enum { ACTION_UP = 0, ACTION_DOWN = 1, ACTION_REPEAT = 2 };
enum { MOD_CTRL = 0x11, MOD_SHIFT = 0x22, MOD_CAPS = 0x100 };
enum { HID_A = 0x04, HID_Z = 0x1D, HID_CAPS = 0x39, HID_LCTRL = 0xE0, HID_RGUI = 0xE7 };

struct event {
	uint16_t code, mods;
	uint8_t action, text_len;
	char text[2];
};

static struct event ring[EVENTS];
static uint32_t head, tail;
static struct waiter { uint64_t id, pid; } waiters[WAITERS];
static size_t nwaiters;
static uint64_t down[4];     /* one bit per usage: held now */
static uint16_t mods;
static struct metal_sys *sys;

/* US layout, usages 0x04 (a) to 0x38 (/), unshifted and shifted; 0: no text.  0x32
 * is the non-US # key, which a US keyboard lacks. */
#define LAYOUT_FIRST 0x04
static const char plain[] = "abcdefghijklmnopqrstuvwxyz1234567890\n\033\b\t -=[]\\\0;'`,./";
static const char shifted[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()\n\033\b\t _+{}|\0:\"~<>?";
_Static_assert(sizeof plain == 0x38 - LAYOUT_FIRST + 2, "one character per usage, and the NUL");
_Static_assert(sizeof shifted == sizeof plain, "both layers cover the same usages");

/* The character key `code` types with the current modifiers, or 0. */
static char text_of(uint16_t code)
{
	int shift = (mods & MOD_SHIFT) != 0;
	if (code >= HID_A && code <= HID_Z) {
		if (mods & MOD_CTRL)
			return (char)(code - HID_A + 1);   /* ctrl-a is 0x01 */
		if (mods & MOD_CAPS)
			shift = !shift;
	}
	if (code >= LAYOUT_FIRST && code - LAYOUT_FIRST < (int)sizeof plain - 1)
		return (shift ? shifted : plain)[code - LAYOUT_FIRST];
	switch (code) {   /* the keypad's operators and enter type the same with num lock off */
	case 0x54: return '/';
	case 0x55: return '*';
	case 0x56: return '-';
	case 0x57: return '+';
	case 0x58: return '\n';
	}
	return 0;
}

void metal_keyboard_key(uint16_t code, int is_down)
{
	if (code == 0 || code > 0xFF)
		return;
	int held = (down[code / 64] >> (code % 64)) & 1;
	if (!is_down && !held)
		return;   /* a release we never saw pressed (held before boot) */
	uint8_t action = !is_down ? ACTION_UP : held ? ACTION_REPEAT : ACTION_DOWN;
	if (is_down)
		down[code / 64] |= 1ull << (code % 64);
	else
		down[code / 64] &= ~(1ull << (code % 64));
	if (code >= HID_LCTRL && code <= HID_RGUI) {
		uint16_t bit = (uint16_t)(1u << (code - HID_LCTRL));
		mods = is_down ? (mods | bit) : (mods & ~bit);
	} else if (code == HID_CAPS && action == ACTION_DOWN) {
		mods ^= MOD_CAPS;
	}
	struct event e = { .code = code, .mods = mods, .action = action };
	char c = is_down ? text_of(code) : 0;
	if (c) {
		e.text[0] = c;
		e.text_len = 1;
		metal_stdin_push(c);
	}
	if (head - tail == EVENTS)
		tail++;   /* full: the oldest is lost */
	ring[head++ % EVENTS] = e;
}

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

size_t metal_keyboard_poll(void)
{
	metal_ps2_poll();
	while (sys && nwaiters && tail != head) {
		const struct event *e = &ring[tail++ % EVENTS];
		ifc_keyboard_next_answer a = {
			.code = e->code, .action = e->action, .mods = e->mods,
			.text = (const uint8_t *)e->text, .text_len = e->text_len,
		};
		uint8_t out[32];
		uint32_t len = ifc_keyboard_next_answer_encode(&a, out, sizeof out);
		kern_answer(sys->k, waiters[0].id, out, len, KERN_ANSWER_OK);
		memmove(waiters, waiters + 1, --nwaiters * sizeof waiters[0]);
	}
	return nwaiters;
}

static void keyboard_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_keyboard_next m;
	if (!d->id)
		return;
	if (ifc_keyboard_tag(d->body, d->len) != IFC_KEYBOARD_NEXT)
		answer_errno(k, d->id, ERRNO_NOSYS);
	else if (ifc_keyboard_next_decode(d->body, d->len, &m) != 0)
		answer_errno(k, d->id, ERRNO_INVAL);
	else if (nwaiters == WAITERS)
		answer_errno(k, d->id, ERRNO_NOMEM);
	else
		waiters[nwaiters++] = (struct waiter){ d->id, d->sender };
	metal_keyboard_poll();   /* an event already queued answers it at once */
}

/* A process that ended leaves the table, so that no event goes to it: its messages
 * are answered (the kernel drops those answers) and forgotten. */
static void keyboard_client_ended(void *ud, kern_state *k, uint64_t pid)
{
	(void)ud;
	for (size_t i = 0; i < nwaiters;) {
		if (waiters[i].pid == pid) {
			answer_errno(k, waiters[i].id, ERRNO_INVAL);
			memmove(waiters + i, waiters + i + 1, (--nwaiters - i) * sizeof waiters[0]);
		} else {
			i++;
		}
	}
}

static const kern_native keyboard_ops = { keyboard_message, keyboard_client_ended };

int metal_keyboard_init(struct metal_sys *s)
{
	sys = s;
	nwaiters = 0;
	return kern_native_register(s->k, ifc_keyboard_id, &keyboard_ops, s) ? -1 : 0;
}
