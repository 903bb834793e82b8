/* ipfs.c: the content-format fuzz target (fuzz_ipfs_one, targets.h): the protobuf,
 * CAR, dag-pb, UnixFS, CID and base58/base32 readers of lib/ on any bytes.
 *
 * Besides crashes and sanitizer reports, it checks the round trips that the readers'
 * strictness promises: a message pb.c reads whole is re-encoded to the very same
 * bytes (minimal varints only), a dag-pb node dagpb.c accepts is re-encoded to the
 * same bytes (canonical form only), a CAR's block sections are rewritten to the same
 * bytes, and a binary CID's text reads back to it.  A CAR that opens is also read as
 * a UnixFS file from its root, over its own blocks, with a small limit; and the input
 * itself is read as a UnixFS root whose links may be identity CIDs.  Nothing here
 * allocates: the readers are freestanding, and the store is a fixed table.
 */
#include "targets.h"

#include <stdio.h>
#include <string.h>

#include "base32.h"
#include "base58.h"
#include "blockset.h"
#include "car.h"
#include "cid.h"
#include "dagpb.h"
#include "pb.h"
#include "unixfs.h"

#define MAX_DEPTH 6       /* nested messages tried per input */
#define MAX_BLOCKS 256    /* CAR blocks kept for the UnixFS read */
#define READ_LIMIT 65536  /* the largest file the UnixFS read accepts */

static int fail(const char *what)
{
	fprintf(stderr, "fuzz_ipfs: %s\n", what);
	return 1;
}

/* ---- protobuf: read, then write back --------------------------------------------------- */

static int pb_round_trip(const uint8_t *p, size_t len, int depth)
{
	static uint8_t out[MAX_DEPTH][1 << 16];
	wos_pb_reader r;
	wos_pb_writer w;
	wos_pb_field f;
	int rc, bad = 0;

	if (depth >= MAX_DEPTH || len > sizeof out[0])
		return 0;
	wos_pb_reader_init(&r, p, len);
	wos_pb_writer_init(&w, out[depth], sizeof out[depth]);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		switch (f.wire) {
		case WOS_PB_VARINT: wos_pb_put_varint(&w, f.num, f.value); break;
		case WOS_PB_FIXED64: wos_pb_put_fixed64(&w, f.num, f.value); break;
		case WOS_PB_FIXED32: wos_pb_put_fixed32(&w, f.num, (uint32_t)f.value); break;
		case WOS_PB_BYTES:
			if (f.bytes < p || f.bytes + f.len > p + len)
				return fail("pb: a bytes view outside the input");
			wos_pb_put_bytes(&w, f.num, f.bytes, f.len);
			bad |= pb_round_trip(f.bytes, f.len, depth + 1);
			break;
		default: return fail("pb: a wire type the reader should have refused");
		}
	}
	if (rc != 0 && rc != r.err)
		return fail("pb: error not kept in the reader");
	if (rc == 0 && (wos_pb_writer_finish(&w) != (long)len || memcmp(out[depth], p, len) != 0))
		return fail("pb: a message read whole does not re-encode to its bytes");
	return bad;
}

/* ---- dag-pb: decode, then encode back ----------------------------------------------------- */

static int dagpb_round_trip(const uint8_t *p, size_t len)
{
	static uint8_t out[1 << 16];
	wos_dagpb_node n;
	wos_dagpb_links it;
	wos_dagpb_link l;
	wos_unixfs_data d;
	wos_unixfs_sizes sizes;
	wos_pb_writer w;
	uint64_t v;
	size_t count = 0;

	if (wos_dagpb_decode(p, len, &n) != 0 || len > sizeof out)
		return 0;
	wos_pb_writer_init(&w, out, sizeof out);
	wos_dagpb_links_init(&it, &n);
	while (wos_dagpb_next_link(&it, &l)) {
		wos_dagpb_put_link(&w, l.cid_bytes, l.cid.len, (const char *)l.name, l.name_len,
				   l.has_tsize, l.tsize);
		count++;
	}
	if (count != n.nlinks)
		return fail("dag-pb: the link cursor disagrees with the count");
	if (n.data)
		wos_dagpb_put_data(&w, n.data, n.data_len);
	if (wos_pb_writer_finish(&w) != (long)len || memcmp(out, p, len) != 0)
		return fail("dag-pb: an accepted node does not re-encode to its bytes");
	if (n.data && wos_unixfs_data_decode(n.data, n.data_len, &d) == 0) {
		count = 0;
		wos_unixfs_sizes_init(&sizes, &d);
		while (wos_unixfs_next_size(&sizes, &v))
			count++;
		if (count != d.nblocksizes)
			return fail("unixfs: the blocksizes cursor disagrees with the count");
	}
	return 0;
}

/* ---- CAR: read, rewrite, and read as a file ---------------------------------------------- */

typedef struct table {
	wos_car_block b[MAX_BLOCKS];
	size_t n;
} table;

static int table_get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	const table *t = ctx;

	for (size_t i = 0; i < t->n; i++) {
		if (t->b[i].cid.len == cid_len && memcmp(t->b[i].cid_bytes, cid, cid_len) == 0) {
			*data = t->b[i].data;
			*len = t->b[i].len;
			return 0;
		}
	}
	return -1;
}

/* The same read through a blockset (what the kernel does, hashing only the blocks the
 * read uses).  When every block of the CAR checked (clean) and the table kept them all,
 * the result must be the same. */
static int blockset_read(const uint8_t *p, size_t len, int clean, int want_rc, uint64_t want_size)
{
	static wos_blockset_entry e[MAX_BLOCKS];
	static uint8_t file[READ_LIMIT];
	wos_car_reader r;
	wos_blockset s;
	wos_unixfs_reader u;
	size_t n;
	int rc;

	if (wos_blockset_count(&r, p, len, &n) != 0 || n > MAX_BLOCKS)
		return 0;
	wos_blockset_fill(&s, p, len, e, n);
	if (s.n != n)
		return fail("blockset: filled a different number of blocks than it counted");
	for (size_t i = 1; i < n; i++)
		if (e[i - 1].cid_len > e[i].cid_len ||
		    (e[i - 1].cid_len == e[i].cid_len && memcmp(e[i - 1].cid, e[i].cid, e[i].cid_len) > 0))
			return fail("blockset: not sorted");
	memset(&u, 0, sizeof u);
	u.get = wos_blockset_get;
	u.get_ctx = &s;
	u.out = file;
	u.limit = sizeof file;
	rc = wos_unixfs_read(&u, r.root_cid, r.root.len);
	if (clean && (rc != want_rc || (rc == 0 && u.size != want_size)))
		return fail("blockset: a read through it differs from a linear lookup");
	return 0;
}

static int car_round_trip(const uint8_t *p, size_t len)
{
	static table t;
	static uint8_t out[1 << 16], file[READ_LIMIT];
	wos_car_reader r;
	wos_car_writer w;
	wos_unixfs_reader u;
	size_t first = 0;
	int rc, clean;

	if (wos_car_open(&r, p, len) != 0)
		return r.err == 0 ? fail("car: open failed without an error") : 0;
	first = r.pos;
	t.n = 0;
	wos_car_writer_init(&w, out, sizeof out);
	while ((rc = wos_car_next(&r, &t.b[t.n < MAX_BLOCKS ? t.n : MAX_BLOCKS - 1])) == 1) {
		const wos_car_block *b = &t.b[t.n < MAX_BLOCKS ? t.n : MAX_BLOCKS - 1];
		if (b->data < p || b->data + b->len > p + len)
			return fail("car: a block view outside the input");
		if (wos_cid_check(&b->cid, b->data, b->len) != 0)
			return fail("car: a block handed out that does not match its CID");
		wos_car_put_block(&w, b->cid_bytes, b->cid.len, b->data, b->len);
		if (t.n < MAX_BLOCKS)
			t.n++;
	}
	clean = rc == 0 && t.n < MAX_BLOCKS;
	if (rc == 0 && len - first <= sizeof out &&
	    (wos_car_writer_finish(&w) != (long)(len - first) || memcmp(out, p + first, len - first) != 0))
		return fail("car: the block sections do not rewrite to their bytes");
	memset(&u, 0, sizeof u);
	u.get = table_get;
	u.get_ctx = &t;
	u.out = file;
	u.limit = sizeof file;
	rc = wos_unixfs_read(&u, r.root_cid, r.root.len);
	if (rc != u.err || (rc == 0 && u.size > sizeof file))
		return fail("unixfs: result and reader state disagree");
	return blockset_read(p, len, clean, rc, u.size);
}

/* ---- CIDs and their texts ------------------------------------------------------------------ */

static int cid_round_trip(const uint8_t *p, size_t len)
{
	char text[WOS_CID_TEXT_MAX];
	uint8_t back[WOS_CID_BIN_MAX];
	wos_cid_info c;
	size_t n;
	long t;

	if (wos_cid_read(p, len, &c) == 0 && c.len == len) {
		t = wos_cid_text(p, len, text, sizeof text);
		if (t < 0)
			return fail("cid: a CID that reads has no text");
		if (wos_cid_decode_text(text, (size_t)t, back, &n) != 0 || n != len || memcmp(back, p, len) != 0)
			return fail("cid: a CID's text does not read back to it");
	}
	/* The input as text, too. */
	(void)wos_cid_decode_text((const char *)p, len, back, &n);
	if (len < 200) {
		uint8_t bytes[200];
		(void)wos_base58_decode((const char *)p, len, bytes, sizeof bytes, &n);
		(void)wos_base32_decode((const char *)p, len, bytes, sizeof bytes, &n);
	}
	return 0;
}

/* ---- UnixFS past the hash wall ---------------------------------------------------------------
 *
 * Random bytes rarely match a sha2-256 digest, so DAGs from CARs stop at the first
 * link.  Here the input is a dag-pb root named by its own hash, and its links may be
 * identity CIDs (multihash 0x00), whose "digest" is the child block itself: the fuzzer
 * builds whole DAGs inside one input, and the reader checks them as it must. */

typedef struct identity_src {
	const uint8_t *root;
	uint8_t root_cid[WOS_CID_BIN_MAX];
	size_t root_len, root_cid_len;
} identity_src;

static int identity_get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	const identity_src *s = ctx;
	wos_cid_info c;

	if (cid_len == s->root_cid_len && memcmp(cid, s->root_cid, cid_len) == 0) {
		*data = s->root;
		*len = s->root_len;
		return 0;
	}
	if (wos_cid_read(cid, cid_len, &c) != 0 || c.hash != WOS_MH_IDENTITY)
		return -1;
	*data = c.digest;
	*len = c.digest_len;
	return 0;
}

static int unixfs_identity_read(const uint8_t *p, size_t len)
{
	static uint8_t file[READ_LIMIT];
	identity_src s = { .root = p, .root_len = len };
	wos_unixfs_reader u;
	int rc;

	s.root_cid_len = wos_cid_make(WOS_CODEC_DAG_PB, p, len, s.root_cid);
	memset(&u, 0, sizeof u);
	u.get = identity_get;
	u.get_ctx = &s;
	u.out = file;
	u.limit = sizeof file;
	rc = wos_unixfs_read(&u, s.root_cid, s.root_cid_len);
	if (rc != u.err || u.size > sizeof file || (rc != 0) != (u.err != 0))
		return fail("unixfs: result and reader state disagree");
	if (u.work > 2 * (uint64_t)sizeof file + WOS_UNIXFS_CHUNK + 64 + WOS_CID_DIGEST_MAX)
		return fail("unixfs: the reader worked past its budget");
	return 0;
}

int fuzz_ipfs_one(const uint8_t *data, size_t len)
{
	int bad = pb_round_trip(data, len, 0);

	bad |= dagpb_round_trip(data, len);
	bad |= car_round_trip(data, len);
	bad |= unixfs_identity_read(data, len);
	bad |= cid_round_trip(data, len);
	return bad;
}
