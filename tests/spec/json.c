/* json.c: a recursive-descent JSON reader (RFC 8259), enough for wast2json output and
 * strict about the rest: anything malformed is an error with its byte offset.
 * Depth is limited so a hostile file cannot exhaust the C stack. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct parser {
	const char *p, *end, *start;
	char *err;
	size_t err_size;
	int depth;
} parser;

static json *value(parser *ps);

static void fail(parser *ps, const char *what)
{
	if (ps->err && ps->err[0] == 0)
		snprintf(ps->err, ps->err_size, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
}

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static json *node(parser *ps, int type)
{
	json *v = calloc(1, sizeof *v);
	if (!v)
		fail(ps, "out of memory");
	else
		v->type = type;
	return v;
}

static int hex4(parser *ps, uint32_t *out)
{
	uint32_t c = 0;
	if (ps->end - ps->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char h = *ps->p++;
		c <<= 4;
		if (h >= '0' && h <= '9')
			c |= (uint32_t)(h - '0');
		else if (h >= 'a' && h <= 'f')
			c |= (uint32_t)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			c |= (uint32_t)(h - 'A' + 10);
		else
			return -1;
	}
	*out = c;
	return 0;
}

static size_t put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Reads a string after its opening quote.  The decoded form is never longer than
 * the source, so one buffer of the source's size is enough. */
static int string(parser *ps, char **out, size_t *out_len)
{
	const char *q = ps->p;
	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end) {
		fail(ps, "unterminated string");
		return -1;
	}
	char *buf = malloc((size_t)(q - ps->p) + 1);
	if (!buf) {
		fail(ps, "out of memory");
		return -1;
	}
	size_t n = 0;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p++;
		if (c < 0x20) {
			ps->p--;
			fail(ps, "control character in string");
			goto out_free;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; break;
		case '/': buf[n++] = '/'; break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(ps, &cp) < 0) {
				fail(ps, "bad \\u escape");
				goto out_free;
			}
			/* A high surrogate followed by a low one is one code point; a lone
			 * surrogate is kept as its own 3-byte sequence (wast2json never makes
			 * one, and this keeps the reader total). */
			if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
			    ps->p[1] == 'u') {
				const char *save = ps->p;
				ps->p += 2;
				if (hex4(ps, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					ps->p = save;
			}
			n += put_utf8(buf + n, cp);
			break;
		}
		default:
			ps->p--;
			fail(ps, "bad escape");
			goto out_free;
		}
	}
	ps->p++; /* the closing quote */
	buf[n] = 0;
	*out = buf;
	*out_len = n;
	return 0;
out_free:
	free(buf);
	return -1;
}

static json *number(parser *ps)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		fail(ps, "bad number");
		return NULL;
	}
	while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
				   *ps->p == 'E' || *ps->p == '+' || *ps->p == '-'))
		ps->p++;
	char tmp[64];
	size_t n = (size_t)(ps->p - s);
	if (n >= sizeof tmp) {
		fail(ps, "number too long");
		return NULL;
	}
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *e;
	double d = strtod(tmp, &e);
	if (*e != 0) {
		ps->p = s;
		fail(ps, "bad number");
		return NULL;
	}
	json *v = node(ps, JSON_NUMBER);
	if (v)
		v->number = d;
	return v;
}

static bool literal(parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* Arrays and objects: members separated by commas; objects have "key": before each. */
static json *container(parser *ps, int type)
{
	char close = type == JSON_ARRAY ? ']' : '}';
	json *v = node(ps, type), **tail;
	if (!v)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		fail(ps, "nested too deeply");
		goto out_free;
	}
	tail = &v->child;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t key_len = 0;
		skip_ws(ps);
		if (type == JSON_OBJECT) {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a key");
				goto out_free;
			}
			ps->p++;
			if (string(ps, &key, &key_len) < 0)
				goto out_free;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':'");
				goto out_free;
			}
			ps->p++;
		}
		json *m = value(ps);
		if (!m) {
			free(key);
			goto out_free;
		}
		m->key = key;
		m->key_len = key_len;
		*tail = m;
		tail = &m->next;
		v->len++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		fail(ps, type == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
		goto out_free;
	}
out_free:
	json_free(v);
	return NULL;
}

static json *value(parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end");
		return NULL;
	}
	char c = *ps->p;
	if (c == '{' || c == '[') {
		ps->p++;
		return container(ps, c == '{' ? JSON_OBJECT : JSON_ARRAY);
	}
	if (c == '"') {
		json *v = node(ps, JSON_STRING);
		ps->p++;
		if (v && string(ps, &v->str, &v->len) < 0) {
			free(v);
			return NULL;
		}
		return v;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(ps);
	if (literal(ps, "true") || literal(ps, "false")) {
		json *v = node(ps, JSON_BOOL);
		if (v)
			v->boolean = c == 't';
		return v;
	}
	if (literal(ps, "null"))
		return node(ps, JSON_NULL);
	fail(ps, "unexpected character");
	return NULL;
}

json *json_parse(const char *text, size_t len, char *err, size_t err_size)
{
	parser ps = { text, text + len, text, err, err_size, 0 };
	if (err && err_size)
		err[0] = 0;
	json *v = value(&ps);
	if (!v)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "trailing characters");
		json_free(v);
		return NULL;
	}
	return v;
}

void json_free(json *v)
{
	while (v) {
		json *next = v->next;
		json_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

json *json_get(const json *o, const char *key)
{
	if (!o || o->type != JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (json *m = o->child; m; m = m->next)
		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}

const char *json_get_str(const json *o, const char *key)
{
	json *m = json_get(o, key);
	return m && m->type == JSON_STRING ? m->str : NULL;
}

double json_get_num(const json *o, const char *key, double def)
{
	json *m = json_get(o, key);
	return m && m->type == JSON_NUMBER ? m->number : def;
}
