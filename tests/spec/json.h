/* json.h: a small JSON reader for the spec runner (the output of wabt's wast2json).
 *
 * Included by tests/spec/runner.c only.  Hosted code: it allocates with malloc.
 * Strings are decoded (escapes, \uXXXX with surrogate pairs, to UTF-8) and keep an
 * explicit length, since Wasm names may contain NUL.
 */
#ifndef WASMOS_TESTS_JSON_H
#define WASMOS_TESTS_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json json;
struct json {
	int type;         /* JSON_* */
	bool boolean;     /* JSON_BOOL */
	double number;    /* JSON_NUMBER */
	char *str;        /* JSON_STRING: decoded, NUL-terminated (may hold NULs) */
	size_t len;       /* JSON_STRING: length in bytes; ARRAY/OBJECT: member count */
	char *key;        /* set when this value is an object member */
	size_t key_len;
	json *child;      /* ARRAY/OBJECT: first member */
	json *next;       /* next sibling */
};

/* Parses text[0..len).  Returns the root, or NULL with a message in err (which says
 * where).  The caller frees the tree with json_free. */
json *json_parse(const char *text, size_t len, char *err, size_t err_size);
void json_free(json *v);

/* The member of object o named key, or NULL (also when o is NULL or not an object). */
json *json_get(const json *o, const char *key);
/* The string member key of o, or NULL when absent or not a string. */
const char *json_get_str(const json *o, const char *key);
/* The number member key of o, or def when absent or not a number. */
double json_get_num(const json *o, const char *key, double def);

#endif
