/* pb.c: protobuf fields in and out.
 *
 * The reader checks each field completely before it hands it out, so a caller never
 * sees a view past the end of its input.  The writer's nested messages reserve five
 * bytes for the length (enough for any message below 32 GiB) and move the body up
 * by what the minimal varint did not use: the output is the canonical encoding, the
 * same bytes a writer that knew the length in advance would produce.
 */
#include "pb.h"

#include "mem.h"
#include "varint.h"

#define NEST_RESERVE 5 /* bytes reserved for a nested message's length */

const char *wos_pb_error_text(int code)
{
	switch (code) {
	case WOS_PB_OK: return "ok";
	case WOS_PB_ERR_TRUNCATED: return "protobuf: input ends inside a field";
	case WOS_PB_ERR_VARINT: return "protobuf: varint longer than 10 bytes or not minimal";
	case WOS_PB_ERR_FIELD: return "protobuf: field number 0 or above 2^29-1";
	case WOS_PB_ERR_WIRE_TYPE: return "protobuf: wire type is not 0, 1, 2 or 5";
	case WOS_PB_ERR_LENGTH: return "protobuf: length past the end of the input";
	case WOS_PB_ERR_OVERFLOW: return "protobuf: message does not fit the buffer";
	default: return "protobuf: unknown error";
	}
}

/* ---- reading ------------------------------------------------------------------------- */

void wos_pb_reader_init(wos_pb_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = 0;
}

/* Reads a varint at *at and advances it; tells a short input from a bad varint. */
static int varint(const wos_pb_reader *r, size_t *at, uint64_t *v)
{
	size_t left = r->len - *at;
	size_t n = wos_varint_get_u64(r->p + *at, left, v);

	if (n == 0) {
		/* Short means every remaining byte continues and there is room for more. */
		size_t i = 0;
		while (i < left && i < WOS_VARINT_MAX && (r->p[*at + i] & 0x80))
			i++;
		return (i == left && i < WOS_VARINT_MAX) ? WOS_PB_ERR_TRUNCATED : WOS_PB_ERR_VARINT;
	}
	*at += n;
	return 0;
}

static uint64_t little_endian(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int fail(wos_pb_reader *r, int err)
{
	r->err = err;
	return err;
}

int wos_pb_next(wos_pb_reader *r, wos_pb_field *f)
{
	size_t at = r->pos;
	uint64_t key, n;
	int rc;

	if (r->err)
		return r->err;
	if (at == r->len)
		return 0;
	rc = varint(r, &at, &key);
	if (rc)
		return fail(r, rc);
	if ((key >> 3) == 0 || (key >> 3) > WOS_PB_FIELD_MAX)
		return fail(r, WOS_PB_ERR_FIELD);
	f->num = (uint32_t)(key >> 3);
	f->wire = (int)(key & 7);
	f->value = 0;
	f->bytes = NULL;
	f->len = 0;
	switch (f->wire) {
	case WOS_PB_VARINT:
		rc = varint(r, &at, &f->value);
		if (rc)
			return fail(r, rc);
		break;
	case WOS_PB_FIXED64:
	case WOS_PB_FIXED32:
		n = f->wire == WOS_PB_FIXED64 ? 8 : 4;
		if (r->len - at < n)
			return fail(r, WOS_PB_ERR_TRUNCATED);
		f->value = little_endian(r->p + at, (int)n);
		at += n;
		break;
	case WOS_PB_BYTES:
		rc = varint(r, &at, &n);
		if (rc)
			return fail(r, rc);
		if (n > r->len - at)
			return fail(r, WOS_PB_ERR_LENGTH);
		f->bytes = r->p + at;
		f->len = (size_t)n;
		at += n;
		break;
	default:
		return fail(r, WOS_PB_ERR_WIRE_TYPE);
	}
	r->pos = at;
	return 1;
}

/* ---- writing ------------------------------------------------------------------------- */

void wos_pb_writer_init(wos_pb_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = 0;
}

/* Appends n bytes, or only counts them once anything has not fit. */
static void emit(wos_pb_writer *w, const void *data, size_t n)
{
	if (!w->overflow && n > w->cap - w->len)
		w->overflow = 1;
	if (!w->overflow)
		wos_memcpy(w->buf + w->len, data, n);
	w->len += n;
}

void wos_pb_put_raw(wos_pb_writer *w, const void *data, size_t n)
{
	emit(w, data, n);
}

void wos_pb_put_raw_varint(wos_pb_writer *w, uint64_t v)
{
	uint8_t b[WOS_VARINT_MAX];

	emit(w, b, wos_varint_put(b, v));
}

static void tag(wos_pb_writer *w, uint32_t num, int wire)
{
	wos_pb_put_raw_varint(w, ((uint64_t)num << 3) | (unsigned)wire);
}

void wos_pb_put_varint(wos_pb_writer *w, uint32_t num, uint64_t v)
{
	tag(w, num, WOS_PB_VARINT);
	wos_pb_put_raw_varint(w, v);
}

void wos_pb_put_bytes(wos_pb_writer *w, uint32_t num, const void *data, size_t n)
{
	tag(w, num, WOS_PB_BYTES);
	wos_pb_put_raw_varint(w, n);
	emit(w, data, n);
}

void wos_pb_put_string(wos_pb_writer *w, uint32_t num, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	wos_pb_put_bytes(w, num, s, n);
}

static void fixed(wos_pb_writer *w, uint32_t num, int wire, uint64_t v, int n)
{
	uint8_t b[8];

	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	tag(w, num, wire);
	emit(w, b, (size_t)n);
}

void wos_pb_put_fixed64(wos_pb_writer *w, uint32_t num, uint64_t v)
{
	fixed(w, num, WOS_PB_FIXED64, v, 8);
}

void wos_pb_put_fixed32(wos_pb_writer *w, uint32_t num, uint32_t v)
{
	fixed(w, num, WOS_PB_FIXED32, v, 4);
}

size_t wos_pb_begin(wos_pb_writer *w, uint32_t num)
{
	static const uint8_t zeros[NEST_RESERVE] = { 0 };

	tag(w, num, WOS_PB_BYTES);
	emit(w, zeros, NEST_RESERVE);
	return w->len;
}

void wos_pb_end(wos_pb_writer *w, size_t mark)
{
	size_t body = w->len - mark;
	uint8_t b[WOS_VARINT_MAX];
	size_t k = wos_varint_put(b, body);
	size_t start = mark - NEST_RESERVE;

	/* A body of 32 GiB or more would need a sixth length byte: no message is that big. */
	if (k > NEST_RESERVE) {
		w->overflow = 1;
		return;
	}
	if (!w->overflow) {
		wos_memcpy(w->buf + start, b, k);
		wos_memmove(w->buf + start + k, w->buf + mark, body);
	}
	w->len -= NEST_RESERVE - k;
}

long wos_pb_writer_finish(const wos_pb_writer *w)
{
	return w->overflow ? WOS_PB_ERR_OVERFLOW : (long)w->len;
}
