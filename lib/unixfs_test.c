/* unixfs_test.c: tests for unixfs.c: the importer's layout and the checking reader.
 *
 * The CIDs Helia gives the same files are compared in tests/ipfs/unixfs_test.sh; here
 * the structure is checked against the rules of ipfs-notes.md (section 2): the 21-byte
 * file is its raw block (bafkreic4et4f...), a 1 MiB + 123 byte file is a 104-byte
 * root over a 1 MiB and a 123-byte raw leaf.  Small layouts (a few bytes per leaf,
 * three links per node) build deep trees cheaply.
 */
#include "unixfs.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "car.h"
#include "dagpb.h"

/* ---- an in-memory block store ------------------------------------------------------------ */

typedef struct block {
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cid_len;
	uint8_t *data;
	size_t len;
} block;

typedef struct store {
	block *b;
	size_t n, cap;
	size_t puts;       /* blocks handed over, duplicates included */
	int fail_put_at;   /* put number that fails (1-based), 0: none */
} store;

static void store_free(store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->b[i].data);
	free(s->b);
	memset(s, 0, sizeof *s);
}

static block *find(store *s, const uint8_t *cid, size_t cid_len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->b[i].cid_len == cid_len && memcmp(s->b[i].cid, cid, cid_len) == 0)
			return &s->b[i];
	return NULL;
}

static int put(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *data, size_t len)
{
	store *s = ctx;

	s->puts++;
	if (s->fail_put_at && s->puts == (size_t)s->fail_put_at)
		return 7;
	if (find(s, cid, cid_len))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->b = realloc(s->b, s->cap * sizeof *s->b);
	}
	block *b = &s->b[s->n++];
	memcpy(b->cid, cid, cid_len);
	b->cid_len = cid_len;
	b->data = malloc(len ? len : 1);
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	return 0;
}

static int get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	block *b = find(ctx, cid, cid_len);

	if (!b)
		return -1;
	*data = b->data;
	*len = b->len;
	return 0;
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len ? len : 1);
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	return p;
}

/* Imports len bytes with layout p into s; root goes to root. */
static int import(const wos_unixfs_params *p, const uint8_t *data, size_t len, store *s,
		  uint8_t root[WOS_CID_BIN_MAX], size_t *root_len)
{
	size_t need = wos_unixfs_import_scratch(p, len);
	void *scratch = malloc(need);
	int rc = wos_unixfs_import(p, data, len, scratch, need, put, s, root, root_len);

	free(scratch);
	return rc;
}

/* Reads the file under root back from s into a new buffer of exactly limit bytes. */
static int read_back(store *s, const uint8_t *root, size_t root_len, uint64_t limit, uint8_t **out,
		     wos_unixfs_reader *r)
{
	memset(r, 0, sizeof *r);
	r->get = get;
	r->get_ctx = s;
	r->limit = limit;
	r->out = *out = malloc(limit ? limit : 1);
	return wos_unixfs_read(r, root, root_len);
}

/* ---- importing -------------------------------------------------------------------------- */

static int test_unixfs_small_file_is_its_raw_block(void)
{
	static const char hello[] = "hello-ipfs-from-c-os\n";
	uint8_t root[WOS_CID_BIN_MAX];
	char text[WOS_CID_TEXT_MAX];
	size_t root_len;
	store s = { 0 };

	CHECK_EQ(import(NULL, (const uint8_t *)hello, 21, &s, root, &root_len), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(wos_cid_text(root, root_len, text, sizeof text), WOS_CID_LEN);
	CHECK(strcmp(text, "bafkreic4et4fw24lpxceknmjnys7nzsyp6mwromctcxldxfarkdvfsfbp4") == 0);
	store_free(&s);
	/* Exactly one chunk is still one raw block; the empty file too. */
	uint8_t *mib = pattern(WOS_UNIXFS_CHUNK, 1);
	CHECK_EQ(import(NULL, mib, WOS_UNIXFS_CHUNK, &s, root, &root_len), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(root[1], WOS_CODEC_RAW);
	store_free(&s);
	free(mib);
	CHECK_EQ(import(NULL, NULL, 0, &s, root, &root_len), 0);
	CHECK_EQ(wos_cid_text(root, root_len, text, sizeof text), WOS_CID_LEN);
	CHECK(strcmp(text, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku") == 0);
	store_free(&s);
	return 0;
}

static int test_unixfs_one_mib_plus_123_has_helias_shape(void)
{
	size_t len = WOS_UNIXFS_CHUNK + 123, root_len;
	uint8_t *data = pattern(len, 2), root[WOS_CID_BIN_MAX], leaf[WOS_CID_BIN_MAX];
	store s = { 0 };
	block *r;
	wos_dagpb_node n;
	wos_dagpb_links it;
	wos_dagpb_link l;
	wos_unixfs_data d;
	uint8_t *car;
	wos_car_writer w;

	CHECK_EQ(import(NULL, data, len, &s, root, &root_len), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(root_len, 36);
	CHECK_EQ(root[1], WOS_CODEC_DAG_PB);
	r = find(&s, root, root_len);
	CHECK(r != NULL);
	CHECK_EQ(r->len, 104); /* the size of Helia's root for this length */
	CHECK_EQ(wos_dagpb_decode(r->data, r->len, &n), 0);
	CHECK_EQ(n.nlinks, 2);
	wos_dagpb_links_init(&it, &n);
	CHECK(wos_dagpb_next_link(&it, &l));
	wos_cid_make(WOS_CODEC_RAW, data, WOS_UNIXFS_CHUNK, leaf);
	CHECK(memcmp(l.cid_bytes, leaf, 36) == 0);
	CHECK_EQ(l.tsize, WOS_UNIXFS_CHUNK);
	CHECK_EQ(l.name_len, 0);
	CHECK(l.name != NULL);
	CHECK(wos_dagpb_next_link(&it, &l));
	wos_cid_make(WOS_CODEC_RAW, data + WOS_UNIXFS_CHUNK, 123, leaf);
	CHECK(memcmp(l.cid_bytes, leaf, 36) == 0);
	CHECK_EQ(l.tsize, 123);
	CHECK_EQ(wos_unixfs_data_decode(n.data, n.data_len, &d), 0);
	CHECK_EQ(d.type, WOS_UNIXFS_FILE);
	CHECK_EQ(d.filesize, len);
	CHECK_EQ(d.nblocksizes, 2);
	/* As a CAR of its three blocks: the 1 048 977 bytes Helia's gateway sent. */
	car = malloc(len + 1024);
	wos_car_writer_init(&w, car, len + 1024);
	wos_car_put_header(&w, root, root_len);
	wos_car_put_block(&w, root, root_len, r->data, r->len);
	for (size_t i = 0; i < s.n; i++)
		if (&s.b[i] != r)
			wos_car_put_block(&w, s.b[i].cid, s.b[i].cid_len, s.b[i].data, s.b[i].len);
	CHECK_EQ(wos_car_writer_finish(&w), 1048977);
	free(car);
	free(data);
	store_free(&s);
	return 0;
}

static int test_unixfs_three_mib_is_one_node_over_three_leaves(void)
{
	size_t len = 3 * WOS_UNIXFS_CHUNK, root_len;
	uint8_t *data = pattern(len, 3), *back, root[WOS_CID_BIN_MAX];
	store s = { 0 };
	wos_unixfs_reader r;
	uint64_t size;

	CHECK_EQ(import(NULL, data, len, &s, root, &root_len), 0);
	CHECK_EQ(s.n, 4);
	CHECK_EQ(s.puts, 4);
	CHECK_EQ(read_back(&s, root, root_len, len, &back, &r), 0);
	CHECK_EQ(r.size, len);
	CHECK(memcmp(back, data, len) == 0);
	CHECK_EQ(wos_unixfs_stat(&r, root, root_len, &size), 0);
	CHECK_EQ(size, len);
	free(back);
	free(data);
	store_free(&s);
	return 0;
}

static int test_unixfs_small_layouts_build_balanced_levels(void)
{
	/* 95 bytes in 10-byte leaves, 3 links a node: 10 leaves, 4 + 2 + 1 nodes. */
	const wos_unixfs_params p = { 10, 3 };
	uint8_t *data = pattern(95, 4), *back, root[WOS_CID_BIN_MAX];
	size_t root_len;
	store s = { 0 };
	wos_unixfs_reader r;
	wos_dagpb_node n;
	block *b;

	CHECK_EQ(import(&p, data, 95, &s, root, &root_len), 0);
	CHECK_EQ(s.puts, 17);
	b = find(&s, root, root_len);
	CHECK_EQ(wos_dagpb_decode(b->data, b->len, &n), 0);
	CHECK_EQ(n.nlinks, 2); /* a full subtree of 9 leaves and one of 1 */
	CHECK_EQ(read_back(&s, root, root_len, 95, &back, &r), 0);
	CHECK_EQ(r.size, 95);
	CHECK(memcmp(back, data, 95) == 0);
	free(back);
	store_free(&s);
	/* Every length from 0 to 100 round-trips. */
	for (size_t len = 0; len <= 100; len++) {
		CHECK_EQ(import(&p, data, len < 95 ? len : 95, &s, root, &root_len), 0);
		CHECK_EQ(read_back(&s, root, root_len, 95, &back, &r), 0);
		CHECK_EQ(r.size, len < 95 ? len : 95);
		CHECK(memcmp(back, data, r.size) == 0);
		free(back);
		store_free(&s);
	}
	free(data);
	return 0;
}

static int test_unixfs_import_stops_when_put_fails(void)
{
	const wos_unixfs_params p = { 10, 3 };
	uint8_t *data = pattern(95, 5), root[WOS_CID_BIN_MAX];
	size_t root_len;

	for (int at = 1; at <= 17; at++) {
		store s = { .fail_put_at = at };
		CHECK_EQ(import(&p, data, 95, &s, root, &root_len), 7);
		CHECK_EQ(s.puts, (size_t)at);
		store_free(&s);
	}
	/* Too little scratch, and layouts out of range. */
	{
		uint8_t small[16];
		const wos_unixfs_params one = { 10, 1 }, zero = { 0, 3 }, wide = { 10, WOS_UNIXFS_MAX_LINKS + 1 };
		store s = { 0 };
		CHECK_EQ(wos_unixfs_import(&p, data, 95, small, sizeof small, put, &s, root, &root_len), -1);
		CHECK_EQ(wos_unixfs_import(&one, data, 95, small, sizeof small, put, &s, root, &root_len), -1);
		CHECK_EQ(wos_unixfs_import(&zero, data, 95, small, sizeof small, put, &s, root, &root_len), -1);
		CHECK_EQ(wos_unixfs_import(&wide, data, 95, small, sizeof small, put, &s, root, &root_len), -1);
		CHECK_EQ(s.puts, 0);
	}
	free(data);
	return 0;
}

/* ---- reading hostile DAGs ---------------------------------------------------------------- */

static int test_unixfs_lying_store_is_caught_and_named(void)
{
	const wos_unixfs_params p = { 10, 3 };
	uint8_t *data = pattern(95, 6), *back, root[WOS_CID_BIN_MAX];
	char want[WOS_CID_TEXT_MAX];
	size_t root_len;
	store s = { 0 };
	wos_unixfs_reader r;

	CHECK_EQ(import(&p, data, 95, &s, root, &root_len), 0);
	/* Every block in turn lies by one bit: the read fails and names that block. */
	for (size_t i = 0; i < s.n; i++) {
		s.b[i].data[s.b[i].len / 2] ^= 0x10;
		CHECK_EQ(read_back(&s, root, root_len, 95, &back, &r), WOS_UNIXFS_ERR_MISMATCH);
		wos_cid_text(s.b[i].cid, s.b[i].cid_len, want, sizeof want);
		CHECK(strcmp(r.cid, want) == 0);
		free(back);
		s.b[i].data[s.b[i].len / 2] ^= 0x10;
	}
	/* A missing block is named too. */
	s.b[0].cid[5] ^= 1;
	CHECK_EQ(read_back(&s, root, root_len, 95, &back, &r), WOS_UNIXFS_ERR_MISSING);
	s.b[0].cid[5] ^= 1;
	wos_cid_text(s.b[0].cid, s.b[0].cid_len, want, sizeof want);
	CHECK(strcmp(r.cid, want) == 0);
	free(back);
	/* A limit one byte short. */
	CHECK_EQ(read_back(&s, root, root_len, 94, &back, &r), WOS_UNIXFS_ERR_TOO_BIG);
	free(back);
	free(data);
	store_free(&s);
	return 0;
}

/* Adds a hand-made node: the given links (all to child) with these blocksizes and
 * filesize (has_fs 0: none), type type.  Returns its CID in cid. */
static void add_node(store *s, const uint8_t *child, size_t nlinks, const uint64_t *sizes,
		     size_t nsizes, int has_fs, uint64_t fs, uint64_t type, uint8_t cid[36])
{
	static uint8_t buf[WOS_UNIXFS_NODE_MAX];
	wos_pb_writer w;
	size_t mark;

	wos_pb_writer_init(&w, buf, sizeof buf);
	for (size_t i = 0; i < nlinks; i++)
		wos_dagpb_put_link(&w, child, 36, "", 0, 0, 0);
	mark = wos_pb_begin(&w, 1);
	wos_pb_put_varint(&w, 1, type);
	if (has_fs)
		wos_pb_put_varint(&w, 3, fs);
	for (size_t i = 0; i < nsizes; i++)
		wos_pb_put_varint(&w, 4, sizes[i]);
	wos_pb_end(&w, mark);
	wos_cid_make(WOS_CODEC_DAG_PB, buf, w.len, cid);
	put(s, cid, 36, buf, w.len);
}

static int test_unixfs_inconsistent_sizes_are_refused(void)
{
	uint8_t leaf[36], node[36], *back;
	uint64_t sizes[2] = { 5, 5 };
	store s = { 0 };
	wos_unixfs_reader r;

	wos_cid_make(WOS_CODEC_RAW, "abcde", 5, leaf);
	put(&s, leaf, 36, (const uint8_t *)"abcde", 5);
	add_node(&s, leaf, 2, sizes, 2, 1, 10, WOS_UNIXFS_FILE, node);
	CHECK_EQ(read_back(&s, node, 36, 100, &back, &r), 0);
	CHECK_EQ(r.size, 10);
	CHECK(memcmp(back, "abcdeabcde", 10) == 0);
	free(back);
	/* filesize off by one, a blocksize off by one, one blocksize missing. */
	add_node(&s, leaf, 2, sizes, 2, 1, 11, WOS_UNIXFS_FILE, node);
	CHECK_EQ(read_back(&s, node, 36, 100, &back, &r), WOS_UNIXFS_ERR_SIZE);
	free(back);
	sizes[1] = 4;
	add_node(&s, leaf, 2, sizes, 2, 1, 9, WOS_UNIXFS_FILE, node);
	CHECK_EQ(read_back(&s, node, 36, 100, &back, &r), WOS_UNIXFS_ERR_SIZE);
	free(back);
	add_node(&s, leaf, 2, sizes, 1, 1, 10, WOS_UNIXFS_FILE, node);
	CHECK_EQ(read_back(&s, node, 36, 100, &back, &r), WOS_UNIXFS_ERR_SIZE);
	free(back);
	/* A directory is not a file. */
	add_node(&s, leaf, 0, NULL, 0, 0, 0, WOS_UNIXFS_DIRECTORY, node);
	CHECK_EQ(read_back(&s, node, 36, 100, &back, &r), WOS_UNIXFS_ERR_NOT_FILE);
	free(back);
	store_free(&s);
	return 0;
}

/* A kubo-style DAG: CIDv0 links, dag-pb File leaves that carry their bytes in
 * Data.Data, and a root with bytes of its own before its children. */
static int test_unixfs_cidv0_links_and_dag_pb_leaves_are_read(void)
{
	static const char *const parts[] = { "abc", "defg" };
	uint8_t leaf_cid[2][WOS_CID_BIN_MAX], buf[256], root[WOS_CID_BIN_MAX], *back;
	uint64_t sizes[2];
	store s = { 0 };
	wos_pb_writer w;
	wos_unixfs_reader r;
	size_t mark, inner;

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(parts[i]);
		wos_pb_writer_init(&w, buf, sizeof buf);
		mark = wos_pb_begin(&w, 1);
		wos_pb_put_varint(&w, 1, WOS_UNIXFS_FILE);
		wos_pb_put_bytes(&w, 2, parts[i], n);
		wos_pb_put_varint(&w, 3, n);
		wos_pb_end(&w, mark);
		wos_cid_make(WOS_CODEC_DAG_PB, buf, w.len, leaf_cid[i]);
		put(&s, leaf_cid[i] + 2, 34, buf, w.len); /* stored under its CIDv0 */
		sizes[i] = n;
	}
	wos_pb_writer_init(&w, buf, sizeof buf);
	for (int i = 0; i < 2; i++)
		wos_dagpb_put_link(&w, leaf_cid[i] + 2, 34, "", 0, 1, 10);
	mark = wos_pb_begin(&w, 1);
	wos_pb_put_varint(&w, 1, WOS_UNIXFS_FILE);
	wos_pb_put_bytes(&w, 2, "01", 2);
	wos_pb_put_varint(&w, 3, 9);
	inner = wos_pb_begin(&w, 4); /* blocksizes packed, as some writers do */
	for (int i = 0; i < 2; i++)
		wos_pb_put_raw_varint(&w, sizes[i]);
	wos_pb_end(&w, inner);
	wos_pb_end(&w, mark);
	wos_cid_make(WOS_CODEC_DAG_PB, buf, w.len, root);
	put(&s, root + 2, 34, buf, w.len);
	CHECK_EQ(read_back(&s, root + 2, 34, 100, &back, &r), 0);
	CHECK_EQ(r.size, 9);
	CHECK(memcmp(back, "01abcdefg", 9) == 0);
	free(back);
	store_free(&s);
	return 0;
}

static int test_unixfs_deep_chain_is_refused(void)
{
	uint8_t cid[36], next[36], *back;
	uint64_t one = 1;
	store s = { 0 };
	wos_unixfs_reader r;

	wos_cid_make(WOS_CODEC_RAW, "x", 1, cid);
	put(&s, cid, 36, (const uint8_t *)"x", 1);
	for (int i = 0; i < WOS_UNIXFS_MAX_DEPTH; i++) {
		add_node(&s, cid, 1, &one, 1, 1, 1, WOS_UNIXFS_FILE, next);
		memcpy(cid, next, 36);
	}
	/* The root is at depth 0: a chain of MAX_DEPTH nodes over a leaf is the most. */
	CHECK_EQ(read_back(&s, cid, 36, 10, &back, &r), 0);
	CHECK_EQ(r.size, 1);
	free(back);
	add_node(&s, cid, 1, &one, 1, 1, 1, WOS_UNIXFS_FILE, next);
	CHECK_EQ(read_back(&s, next, 36, 10, &back, &r), WOS_UNIXFS_ERR_DEPTH);
	free(back);
	store_free(&s);
	return 0;
}

static int test_unixfs_wide_empty_dag_runs_out_of_work(void)
{
	static uint64_t zeros[1000];
	uint8_t leaf[36], mid[36], top[36], *back;
	store s = { 0 };
	wos_unixfs_reader r;

	/* 1000 links to 1000 links to an empty block: a million visits, no bytes. */
	wos_cid_make(WOS_CODEC_RAW, "", 0, leaf);
	put(&s, leaf, 36, (const uint8_t *)"", 0);
	add_node(&s, leaf, 1000, zeros, 1000, 1, 0, WOS_UNIXFS_FILE, mid);
	add_node(&s, mid, 1000, zeros, 1000, 1, 0, WOS_UNIXFS_FILE, top);
	CHECK_EQ(read_back(&s, top, 36, 100, &back, &r), WOS_UNIXFS_ERR_WORK);
	CHECK(r.work <= 2 * 100 + WOS_UNIXFS_CHUNK + 64 + 40000);
	free(back);
	store_free(&s);
	return 0;
}

static int test_unixfs_other_codecs_and_bad_roots_are_refused(void)
{
	uint8_t cid[WOS_CID_BIN_MAX], *back;
	store s = { 0 };
	wos_unixfs_reader r;
	uint64_t size;

	wos_cid_make(WOS_CODEC_DAG_CBOR, "\xa0", 1, cid);
	put(&s, cid, 36, (const uint8_t *)"\xa0", 1);
	CHECK_EQ(read_back(&s, cid, 36, 100, &back, &r), WOS_UNIXFS_ERR_CODEC);
	free(back);
	CHECK_EQ(read_back(&s, cid, 35, 100, &back, &r), WOS_UNIXFS_ERR_CID);
	CHECK_EQ(r.detail, WOS_CID_ERR_LENGTH);
	free(back);
	/* A raw block that is not a dag-pb node, named as dag-pb. */
	wos_cid_make(WOS_CODEC_DAG_PB, "\x00\x00", 2, cid);
	put(&s, cid, 36, (const uint8_t *)"\x00\x00", 2);
	CHECK_EQ(read_back(&s, cid, 36, 100, &back, &r), WOS_UNIXFS_ERR_NODE);
	CHECK_EQ(r.detail, WOS_DAGPB_ERR_PB);
	free(back);
	CHECK_EQ(wos_unixfs_stat(&r, cid, 36, &size), WOS_UNIXFS_ERR_NODE);
	store_free(&s);
	return 0;
}

struct counter {
	size_t blocks, bytes;
	int stop_at;
};

static int count_block(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *data, size_t len)
{
	struct counter *c = ctx;

	(void)cid, (void)cid_len, (void)data;
	c->blocks++;
	c->bytes += len;
	return c->stop_at && (int)c->blocks == c->stop_at;
}

static int test_unixfs_walk_without_output_visits_every_block(void)
{
	const wos_unixfs_params p = { 10, 3 };
	uint8_t *data = pattern(95, 7), root[WOS_CID_BIN_MAX];
	size_t root_len;
	store s = { 0 };
	wos_unixfs_reader r;
	struct counter c = { 0 };

	CHECK_EQ(import(&p, data, 95, &s, root, &root_len), 0);
	memset(&r, 0, sizeof r);
	r.get = get;
	r.get_ctx = &s;
	r.on_block = count_block;
	r.block_ctx = &c;
	r.limit = 95;
	CHECK_EQ(wos_unixfs_read(&r, root, root_len), 0);
	CHECK_EQ(c.blocks, 17);
	CHECK_EQ(r.size, 95);
	c = (struct counter){ .stop_at = 5 };
	CHECK_EQ(wos_unixfs_read(&r, root, root_len), WOS_UNIXFS_ERR_STOPPED);
	CHECK_EQ(c.blocks, 5);
	free(data);
	store_free(&s);
	return 0;
}

static const test_case tests[] = {
	TEST(test_unixfs_small_file_is_its_raw_block),
	TEST(test_unixfs_one_mib_plus_123_has_helias_shape),
	TEST(test_unixfs_three_mib_is_one_node_over_three_leaves),
	TEST(test_unixfs_small_layouts_build_balanced_levels),
	TEST(test_unixfs_import_stops_when_put_fails),
	TEST(test_unixfs_lying_store_is_caught_and_named),
	TEST(test_unixfs_inconsistent_sizes_are_refused),
	TEST(test_unixfs_cidv0_links_and_dag_pb_leaves_are_read),
	TEST(test_unixfs_deep_chain_is_refused),
	TEST(test_unixfs_wide_empty_dag_runs_out_of_work),
	TEST(test_unixfs_other_codecs_and_bad_roots_are_refused),
	TEST(test_unixfs_walk_without_output_visits_every_block),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
