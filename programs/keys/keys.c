/* keys: prints the keyboard's events (interfaces/keyboard.ifc), one line each, until
 * escape is released:
 *   "keys: 0x04 down mods 0x0002 text 'A'"
 * the key's HID usage, what happened (down, up, repeat), the modifiers after it, and
 * the text it typed (bytes outside printable ASCII as \xNN), if any.  Prints "keys:
 * ready" first, so a test knows when to type.  Needs the grant to emit to keyboard;
 * exits 1 when an event cannot be had (no handler on hosted) or is malformed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_keyboard.h"
#include "loop.h"

enum { ESCAPE = 0x29, RELEASED = 0 };

static const char *action_name(uint8_t a)
{
	static const char *const names[] = { "up", "down", "repeat" };
	return a < 3 ? names[a] : "?";
}

int main(void)
{
	printf("keys: ready\n");
	fflush(stdout);
	for (;;) {
		uint8_t body[8], *ans;
		uint32_t len;
		ifc_keyboard_next m = { 0 };
		uint32_t n = ifc_keyboard_next_encode(&m, body, sizeof body);
		int e = wasmos_call_sync(ifc_keyboard_id, body, n, &ans, &len);
		if (e) {
			printf("keys: %s\n", strerror(e));
			return 1;
		}
		ifc_keyboard_next_answer a;
		if (ifc_keyboard_next_answer_decode(ans, len, &a)) {
			printf("keys: malformed answer\n");
			free(ans);
			return 1;
		}
		printf("keys: 0x%02x %s mods 0x%04x", a.code, action_name(a.action), a.mods);
		if (a.text_len) {
			printf(" text '");
			for (uint32_t i = 0; i < a.text_len; i++) {
				uint8_t c = a.text[i];
				if (c >= 32 && c < 127 && c != '\\')
					putchar(c);
				else
					printf("\\x%02x", c);
			}
			putchar('\'');
		}
		putchar('\n');
		int done = a.code == ESCAPE && a.action == RELEASED;
		free(ans);
		if (done)
			return 0;
	}
}
