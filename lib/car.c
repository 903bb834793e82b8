/* car.c: CARv1 in and out.
 *
 * The header is read with a small CBOR cursor that knows only what the header may
 * hold: a map, text keys, an array, tag 42, byte strings and an unsigned integer.
 * Indefinite lengths (which dag-cbor forbids) and anything else are a bad header.
 * Each block's CID is read from the start of its section, so the CID decides where
 * the data starts, and the data is hashed before the block is handed out.
 */
#include "car.h"

#include "mem.h"
#include "varint.h"

#define CBOR_UINT 0
#define CBOR_BYTES 2
#define CBOR_TEXT 3
#define CBOR_ARRAY 4
#define CBOR_MAP 5
#define CBOR_TAG 6
#define TAG_CID 42

const char *wos_car_error_text(int code)
{
	switch (code) {
	case WOS_CAR_OK: return "ok";
	case WOS_CAR_ERR_TRUNCATED: return "CAR: input ends inside the header or a block";
	case WOS_CAR_ERR_VARINT: return "CAR: a length is not a minimal varint";
	case WOS_CAR_ERR_HEADER: return "CAR: header is not the dag-cbor map {roots, version}";
	case WOS_CAR_ERR_VERSION: return "CAR: version is not 1 (CARv2 is not supported)";
	case WOS_CAR_ERR_ROOTS: return "CAR: not exactly one root (only one is supported)";
	case WOS_CAR_ERR_CID: return "CAR: malformed CID";
	case WOS_CAR_ERR_SECTION: return "CAR: block length is 0 or shorter than its CID";
	case WOS_CAR_ERR_HASH: return "CAR: block hash function not supported (sha2-256, identity)";
	case WOS_CAR_ERR_MISMATCH: return "CAR: block bytes do not match its CID";
	case WOS_CAR_ERR_OVERFLOW: return "CAR: output buffer full";
	case WOS_CAR_ERR_WRITE: return "CAR: write failed";
	default: return "CAR: unknown error";
	}
}

/* ---- the header: a CBOR cursor ------------------------------------------------------- */

typedef struct cbor {
	const uint8_t *p;
	size_t len, at;
} cbor;

/* Reads one item head: its major type and argument.  Returns 0 or -1. */
static int head(cbor *c, int *major, uint64_t *arg)
{
	uint8_t b, info;
	int n;

	if (c->at >= c->len)
		return -1;
	b = c->p[c->at++];
	*major = b >> 5;
	info = b & 31;
	if (info < 24) {
		*arg = info;
		return 0;
	}
	if (info > 27)
		return -1; /* indefinite lengths and reserved values */
	n = 1 << (info - 24);
	if (c->len - c->at < (size_t)n)
		return -1;
	*arg = 0;
	for (int i = 0; i < n; i++)
		*arg = (*arg << 8) | c->p[c->at++];
	return 0;
}

/* Reads a string of the given major type; *s points into the input. */
static int string(cbor *c, int want, const uint8_t **s, size_t *n)
{
	int major;
	uint64_t len;

	if (head(c, &major, &len) || major != want || len > c->len - c->at)
		return -1;
	*s = c->p + c->at;
	*n = (size_t)len;
	c->at += (size_t)len;
	return 0;
}

static int is_key(const uint8_t *s, size_t n, const char *key)
{
	size_t i = 0;

	while (key[i] && i < n && s[i] == (uint8_t)key[i])
		i++;
	return i == n && key[i] == 0;
}

/* Reads roots: [tag 42 (bytes 00 CID)], exactly one. */
static int roots(wos_car_reader *r, cbor *c)
{
	int major;
	uint64_t count, tag;
	const uint8_t *b;
	size_t n;
	int rc;

	if (head(c, &major, &count) || major != CBOR_ARRAY)
		return WOS_CAR_ERR_HEADER;
	if (count != 1)
		return WOS_CAR_ERR_ROOTS;
	if (head(c, &major, &tag) || major != CBOR_TAG || tag != TAG_CID)
		return WOS_CAR_ERR_HEADER;
	if (string(c, CBOR_BYTES, &b, &n) || n < 1 || b[0] != 0x00)
		return WOS_CAR_ERR_HEADER;
	rc = wos_cid_read(b + 1, n - 1, &r->root);
	if (rc == 0 && r->root.len != n - 1)
		rc = WOS_CID_ERR_LENGTH; /* bytes after the CID */
	if (rc) {
		r->cid_err = rc;
		return WOS_CAR_ERR_CID;
	}
	r->root_cid = b + 1;
	return 0;
}

static int header(wos_car_reader *r, const uint8_t *p, size_t len)
{
	cbor c = { p, len, 0 };
	int major, seen_roots = 0, seen_version = 0, rc;
	uint64_t entries, version;

	if (head(&c, &major, &entries) || major != CBOR_MAP || entries == 0 || entries > 2)
		return WOS_CAR_ERR_HEADER;
	for (uint64_t i = 0; i < entries; i++) {
		const uint8_t *key;
		size_t n;
		if (string(&c, CBOR_TEXT, &key, &n))
			return WOS_CAR_ERR_HEADER;
		if (is_key(key, n, "roots") && !seen_roots) {
			seen_roots = 1;
			if ((rc = roots(r, &c)) != 0)
				return rc;
		} else if (is_key(key, n, "version") && !seen_version) {
			seen_version = 1;
			if (head(&c, &major, &version) || major != CBOR_UINT)
				return WOS_CAR_ERR_HEADER;
			if (version != 1)
				return WOS_CAR_ERR_VERSION;
		} else {
			return WOS_CAR_ERR_HEADER;
		}
	}
	/* A CARv2 pragma is {version: 2} alone: report the version before the roots. */
	if (!seen_version)
		return WOS_CAR_ERR_HEADER;
	if (!seen_roots)
		return WOS_CAR_ERR_ROOTS;
	return c.at == len ? 0 : WOS_CAR_ERR_HEADER;
}

/* ---- reading ------------------------------------------------------------------------- */

/* Reads a section length at *at: a multiformats varint. */
static int length(const wos_car_reader *r, size_t *at, uint64_t *v)
{
	size_t left = r->len - *at;
	size_t n = wos_varint_get(r->p + *at, left, v);

	if (n == 0) {
		size_t i = 0;
		while (i < left && i < WOS_VARINT_MF_MAX && (r->p[*at + i] & 0x80))
			i++;
		return (i == left && i < WOS_VARINT_MF_MAX) ? WOS_CAR_ERR_TRUNCATED : WOS_CAR_ERR_VARINT;
	}
	*at += n;
	return 0;
}

static int fail(wos_car_reader *r, int err)
{
	r->err = err;
	return err;
}

int wos_car_open(wos_car_reader *r, const uint8_t *p, size_t len)
{
	size_t at = 0;
	uint64_t n;
	int rc;

	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = 0;
	r->cid_err = 0;
	r->check = 1;
	r->root_cid = NULL;
	if ((rc = length(r, &at, &n)) != 0)
		return fail(r, rc);
	if (n == 0 || n > WOS_CAR_HEADER_MAX)
		return fail(r, WOS_CAR_ERR_HEADER);
	if (n > len - at)
		return fail(r, WOS_CAR_ERR_TRUNCATED);
	if ((rc = header(r, p + at, (size_t)n)) != 0)
		return fail(r, rc);
	r->pos = at + (size_t)n;
	return 0;
}

int wos_car_next(wos_car_reader *r, wos_car_block *b)
{
	size_t at = r->pos;
	uint64_t n;
	int rc;

	if (r->err)
		return r->err;
	if (at == r->len)
		return 0;
	if ((rc = length(r, &at, &n)) != 0)
		return fail(r, rc);
	if (n == 0)
		return fail(r, WOS_CAR_ERR_SECTION);
	if (n > r->len - at)
		return fail(r, WOS_CAR_ERR_TRUNCATED);
	rc = wos_cid_read(r->p + at, (size_t)n, &b->cid);
	if (rc == WOS_CID_ERR_LENGTH)
		return fail(r, WOS_CAR_ERR_SECTION); /* the section ends inside its CID */
	if (rc) {
		r->cid_err = rc;
		return fail(r, WOS_CAR_ERR_CID);
	}
	b->cid_bytes = r->p + at;
	b->data = b->cid_bytes + b->cid.len;
	b->len = (size_t)n - b->cid.len;
	b->offset = r->pos;
	rc = r->check ? wos_cid_check(&b->cid, b->data, b->len) : 0;
	if (rc == WOS_CID_ERR_UNSUPPORTED)
		return fail(r, WOS_CAR_ERR_HASH);
	if (rc)
		return fail(r, WOS_CAR_ERR_MISMATCH);
	r->pos = at + (size_t)n;
	return 1;
}

/* ---- writing ------------------------------------------------------------------------- */

void wos_car_writer_init(wos_car_writer *w, uint8_t *buf, size_t cap)
{
	w->write = NULL;
	w->ctx = NULL;
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

void wos_car_writer_init_fn(wos_car_writer *w, wos_car_write_fn write, void *ctx)
{
	wos_car_writer_init(w, NULL, 0);
	w->write = write;
	w->ctx = ctx;
}

static void emit(wos_car_writer *w, const void *data, size_t n)
{
	if (!w->err) {
		if (w->write) {
			if (n && w->write(w->ctx, data, n) != 0)
				w->err = WOS_CAR_ERR_WRITE;
		} else if (n > w->cap - w->len) {
			w->err = WOS_CAR_ERR_OVERFLOW;
		} else {
			wos_memcpy(w->buf + w->len, data, n);
		}
	}
	w->len += n;
}

static void emit_varint(wos_car_writer *w, uint64_t v)
{
	uint8_t b[WOS_VARINT_MAX];

	emit(w, b, wos_varint_put(b, v));
}

/* A CBOR head with a 0- or 1-byte argument: all the header needs. */
static size_t cbor_head(uint8_t *out, int major, size_t arg)
{
	if (arg < 24) {
		out[0] = (uint8_t)(major << 5 | arg);
		return 1;
	}
	out[0] = (uint8_t)(major << 5 | 24);
	out[1] = (uint8_t)arg;
	return 2;
}

void wos_car_put_header(wos_car_writer *w, const uint8_t *cid, size_t cid_len)
{
	uint8_t h[32 + WOS_CID_BIN_MAX];
	size_t n = 0;

	if (cid_len > WOS_CID_BIN_MAX) {
		w->err = w->err ? w->err : WOS_CAR_ERR_CID;
		return;
	}
	/* cid_len <= WOS_CID_BIN_MAX < 255: one-byte CBOR lengths suffice. */
	n += cbor_head(h + n, CBOR_MAP, 2);
	n += cbor_head(h + n, CBOR_TEXT, 5);
	wos_memcpy(h + n, "roots", 5), n += 5;
	n += cbor_head(h + n, CBOR_ARRAY, 1);
	h[n++] = 0xd8, h[n++] = TAG_CID; /* tag 42, one-byte argument */
	n += cbor_head(h + n, CBOR_BYTES, cid_len + 1);
	h[n++] = 0x00; /* the multibase prefix for binary: identity */
	wos_memcpy(h + n, cid, cid_len), n += cid_len;
	n += cbor_head(h + n, CBOR_TEXT, 7);
	wos_memcpy(h + n, "version", 7), n += 7;
	n += cbor_head(h + n, CBOR_UINT, 1);
	emit_varint(w, n);
	emit(w, h, n);
}

void wos_car_put_block(wos_car_writer *w, const uint8_t *cid, size_t cid_len, const void *data,
		       size_t len)
{
	emit_varint(w, (uint64_t)cid_len + len);
	emit(w, cid, cid_len);
	emit(w, data, len);
}

long wos_car_writer_finish(const wos_car_writer *w)
{
	return w->err ? w->err : (long)w->len;
}
