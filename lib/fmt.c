/* fmt.c: a small vsnprintf for freestanding code.
 *
 * Output goes through put(), which counts every character but stores only those that
 * fit, so a truncated result is still NUL-terminated and the return value tells the
 * caller how long the whole text would have been.
 */
#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

/* Not <limits.h>: engine/limits.h shadows it when engine/ is on the include path. */
#define FMT_INT_MAX ((int)(~0u >> 1))

typedef struct out {
	char *buf;
	size_t n;
	size_t pos;
} out;

static void put(out *o, char c)
{
	if (o->n && o->pos < o->n - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void pad(out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

typedef struct spec {
	bool left;   /* '-' */
	bool zero;   /* '0' */
	int width;   /* -1: none */
	int prec;    /* -1: none */
} spec;

/* Writes a string of len bytes padded to the field width. */
static void emit_str(out *o, const spec *sp, const char *s, size_t len)
{
	int fill = sp->width > 0 && (size_t)sp->width > len ? sp->width - (int)len : 0;

	if (!sp->left)
		pad(o, ' ', fill);
	while (len--)
		put(o, *s++);
	if (sp->left)
		pad(o, ' ', fill);
}

/* Writes an integer: sign, "0x" prefix, precision zeros, digits, within the width. */
static void emit_int(out *o, const spec *sp, unsigned long long v, bool neg,
		     unsigned base, bool upper, bool prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, zeros, len, fill;

	/* Precision 0 with value 0 prints no digits, as C says. */
	if (!(v == 0 && sp->prec == 0)) {
		do {
			tmp[nd++] = digits[v % base];
			v /= base;
		} while (v);
	}
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	len = nd + zeros + (neg ? 1 : 0) + (prefix ? 2 : 0);
	fill = sp->width > len ? sp->width - len : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	if (!sp->left)
		pad(o, ' ', fill);
	if (neg)
		put(o, '-');
	if (prefix) {
		put(o, '0');
		put(o, 'x');
	}
	pad(o, '0', zeros);
	while (nd)
		put(o, tmp[--nd]);
	if (sp->left)
		pad(o, ' ', fill);
}

/* Reads a decimal field (width or precision), saturating instead of overflowing. */
static int read_num(const char **f)
{
	int v = 0;

	while (**f >= '0' && **f <= '9') {
		if (v < FMT_INT_MAX / 10)
			v = v * 10 + (**f - '0');
		(*f)++;
	}
	return v;
}

int wos_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	out o = { buf, n, 0 };
	const char *f = fmt;

	while (*f) {
		const char *start = f;
		spec sp = { false, false, -1, -1 };
		int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */

		if (*f != '%') {
			put(&o, *f++);
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-')
				sp.left = true;
			else if (*f == '0')
				sp.zero = true;
			else
				break;
		}
		if (*f == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = sp.width < -FMT_INT_MAX ? FMT_INT_MAX : -sp.width;
			}
			f++;
		} else {
			sp.width = read_num(&f);
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1; /* a negative precision counts as none */
				f++;
			} else {
				sp.prec = read_num(&f);
			}
		}
		if (*f == 'h') {
			lng = -1;
			if (*++f == 'h') {
				lng = -2;
				f++;
			}
		} else if (*f == 'l') {
			lng = 1;
			if (*++f == 'l') {
				lng = 2;
				f++;
			}
		} else if (*f == 'z') {
			lng = 3;
			f++;
		}

		switch (*f) {
		case 'd':
		case 'i': {
			long long v;
			unsigned long long u;

			if (lng == 2)
				v = va_arg(ap, long long);
			else if (lng == 1)
				v = va_arg(ap, long);
			else if (lng == 3)
				v = (long long)va_arg(ap, size_t);
			else
				v = va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			/* Negate in unsigned arithmetic: -LLONG_MIN does not fit. */
			u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			emit_int(&o, &sp, u, v < 0, 10, false, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v;

			if (lng == 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else if (lng == 3)
				v = va_arg(ap, size_t);
			else
				v = va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			emit_int(&o, &sp, v, false, *f == 'u' ? 10 : 16, *f == 'X', false);
			break;
		}
		case 'p':
			emit_int(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, true);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.prec = -1;
			emit_str(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t len = 0;

			if (!s)
				s = "(null)";
			/* With a precision, s need not be NUL-terminated: stop at prec. */
			while ((sp.prec < 0 || len < (size_t)sp.prec) && s[len])
				len++;
			emit_str(&o, &sp, s, len);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion (or the format ended): copy it as written. */
			while (start < f)
				put(&o, *start++);
			if (*f)
				put(&o, *f);
			else
				continue;
			break;
		}
		f++;
	}
	if (n)
		buf[o.pos < n ? o.pos : n - 1] = '\0';
	return o.pos > (size_t)FMT_INT_MAX ? FMT_INT_MAX : (int)o.pos;
}

int wos_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = wos_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
