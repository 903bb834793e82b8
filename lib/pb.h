/* pb.h: protobuf wire format: a field reader and a writer into a caller's buffer.
 *
 * No schema: the reader hands out one field at a time (number, wire type, and the
 * varint value or a view of the bytes), the caller decides what each number means.
 * The messages of IPFS and libp2p (dag-pb, UnixFS, bitswap, identify, Noise payloads,
 * kad) are built on these two.  Freestanding; nothing allocates.
 *
 * The reader refuses what no encoder writes: field number 0 or above 2^29-1, the
 * group wire types 3 and 4 and the unassigned 6 and 7, varints that are not minimal
 * or longer than 10 bytes, and lengths past the end of the input.
 *
 * The writer never writes past its buffer: once a field does not fit, it records the
 * overflow, writes nothing more, and keeps counting, so wos_pb_writer_finish reports
 * the size the message needs.  Included by lib/dagpb.c, lib/unixfs.c and net/.
 */
#ifndef WASMOS_LIB_PB_H
#define WASMOS_LIB_PB_H

#include <stddef.h>
#include <stdint.h>

/* Protobuf wire types. */
enum {
	WOS_PB_VARINT = 0,  /* int32, int64, uint32, uint64, sint*, bool, enum */
	WOS_PB_FIXED64 = 1, /* fixed64, sfixed64, double: 8 bytes, little endian */
	WOS_PB_BYTES = 2,   /* string, bytes, messages, packed repeated: varint length + bytes */
	WOS_PB_FIXED32 = 5, /* fixed32, sfixed32, float: 4 bytes, little endian */
};

#define WOS_PB_FIELD_MAX 536870911u /* 2^29 - 1: the largest field number */

/* Why input is not a protobuf message, or why a writer failed. */
enum {
	WOS_PB_OK = 0,
	WOS_PB_ERR_TRUNCATED = -1,  /* the input ends inside a field */
	WOS_PB_ERR_VARINT = -2,     /* a varint longer than 10 bytes or not minimal */
	WOS_PB_ERR_FIELD = -3,      /* field number 0 or above 2^29-1 */
	WOS_PB_ERR_WIRE_TYPE = -4,  /* wire type 3, 4 (groups), 6 or 7 */
	WOS_PB_ERR_LENGTH = -5,     /* a length past the end of the input */
	WOS_PB_ERR_OVERFLOW = -6,   /* writer: the message does not fit the buffer */
};

/* The fixed text of a WOS_PB_* code. */
const char *wos_pb_error_text(int code);

/* ---- reading ------------------------------------------------------------------------- */

/* A cursor over one message.  Borrows the bytes, which must outlive it and every
 * field view it hands out. */
typedef struct wos_pb_reader {
	const uint8_t *p;
	size_t len;
	size_t pos; /* offset of the next field; after an error, of the field that failed */
	int err;    /* 0, or the WOS_PB_ERR_* that stopped the reader (it stays stopped) */
} wos_pb_reader;

/* One field as read. */
typedef struct wos_pb_field {
	uint32_t num;         /* field number, 1..WOS_PB_FIELD_MAX */
	int wire;             /* WOS_PB_VARINT, _FIXED64, _BYTES or _FIXED32 */
	uint64_t value;       /* VARINT: the value; FIXED64/FIXED32: the little-endian value */
	const uint8_t *bytes; /* BYTES: the payload (inside the reader's input), else NULL */
	size_t len;           /* BYTES: payload length, else 0 */
} wos_pb_field;

/* Starts reading len bytes at p. */
void wos_pb_reader_init(wos_pb_reader *r, const uint8_t *p, size_t len);
/* Reads the next field into *f.  Returns 1 for a field, 0 at the clean end of the
 * input, or a negative WOS_PB_ERR_* (also kept in r->err, with r->pos at the field's
 * start; every later call returns it again). */
int wos_pb_next(wos_pb_reader *r, wos_pb_field *f);

/* ---- writing ------------------------------------------------------------------------- */

/* Writes a message into a caller's buffer.  len counts every byte asked for, also
 * those that did not fit. */
typedef struct wos_pb_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int overflow; /* set once something did not fit; nothing is written after it */
} wos_pb_writer;

/* Starts writing into cap bytes at buf (buf may be NULL when cap is 0: a dry run that
 * only measures). */
void wos_pb_writer_init(wos_pb_writer *w, uint8_t *buf, size_t cap);
/* A varint field (also for bool and enum; a negative int32 or int64 is cast to
 * uint64 by the caller and takes 10 bytes, as protobuf says). */
void wos_pb_put_varint(wos_pb_writer *w, uint32_t num, uint64_t v);
/* A bytes, string or embedded-message field of n bytes. */
void wos_pb_put_bytes(wos_pb_writer *w, uint32_t num, const void *data, size_t n);
/* A string field from a NUL-terminated string (the NUL is not written). */
void wos_pb_put_string(wos_pb_writer *w, uint32_t num, const char *s);
/* Fixed-width fields, little endian. */
void wos_pb_put_fixed64(wos_pb_writer *w, uint32_t num, uint64_t v);
void wos_pb_put_fixed32(wos_pb_writer *w, uint32_t num, uint32_t v);
/* Bytes with no tag: a length prefix before a message (wos_pb_put_raw_varint) or a
 * block of bytes already encoded. */
void wos_pb_put_raw_varint(wos_pb_writer *w, uint64_t v);
void wos_pb_put_raw(wos_pb_writer *w, const void *data, size_t n);

/* An embedded message written in place: wos_pb_begin writes the tag and reserves the
 * length, returns a mark; write the fields; wos_pb_end(w, mark) fills the length in
 * (its minimal varint) and moves the body up.  Marks nest, and must end in reverse
 * order of their begins. */
size_t wos_pb_begin(wos_pb_writer *w, uint32_t num);
void wos_pb_end(wos_pb_writer *w, size_t mark);

/* Returns the message length, or WOS_PB_ERR_OVERFLOW when it did not fit (w->len is
 * then the buffer size it needs). */
long wos_pb_writer_finish(const wos_pb_writer *w);

#endif
