/* blockset_test.c: tests for blockset.c: a CAR's blocks found by CID, and a UnixFS
 * file read from a CAR through them, as the kernel and the metal boot bundle do. */
#include "blockset.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "unixfs.h"

typedef struct car_buf {
	wos_car_writer w;
	uint8_t *buf;
	size_t cap;
} car_buf;

static int put_block(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *block, size_t len)
{
	wos_car_put_block(&((car_buf *)ctx)->w, cid, cid_len, block, len);
	return 0;
}

/* A CAR of the file (small layout: 7-byte leaves, 3 links a node), root first in
 * the header and its blocks children first.  Returns its length. */
static size_t file_car(const uint8_t *data, size_t len, uint8_t *out, size_t cap,
		       uint8_t root[WOS_CID_BIN_MAX], size_t *root_len)
{
	const wos_unixfs_params p = { 7, 3 };
	size_t need = wos_unixfs_import_scratch(&p, len);
	void *scratch = malloc(need);
	car_buf c;
	uint8_t hdr[256];
	wos_car_writer h;
	long n;

	/* The header needs the root, known only at the end: blocks first, then both. */
	wos_car_writer_init(&c.w, out + 256, cap - 256);
	wos_unixfs_import(&p, data, len, scratch, need, put_block, &c, root, root_len);
	free(scratch);
	if (wos_car_writer_finish(&c.w) < 0)
		return 0; /* too small a buffer: the tests see an empty CAR and fail */
	wos_car_writer_init(&h, hdr, sizeof hdr);
	wos_car_put_header(&h, root, *root_len);
	n = wos_car_writer_finish(&h);
	memmove(out + n, out + 256, c.w.len);
	memcpy(out, hdr, (size_t)n);
	return (size_t)n + c.w.len;
}

static int test_blockset_finds_every_block_and_reads_the_file(void)
{
	static uint8_t car[65536], data[500], out[500];
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len, len, n;
	wos_car_reader r;
	wos_blockset s;
	wos_blockset_entry *e;
	wos_unixfs_reader u;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	len = file_car(data, sizeof data, car, sizeof car, root, &root_len);
	CHECK_EQ(wos_blockset_count(&r, car, len, &n), 0);
	CHECK(n > 72); /* 72 leaves and their nodes */
	e = malloc(n * sizeof *e);
	wos_blockset_fill(&s, car, len, e, n);
	CHECK_EQ(s.n, n);
	for (size_t i = 1; i < n; i++)
		CHECK(e[i - 1].cid_len < e[i].cid_len ||
		      (e[i - 1].cid_len == e[i].cid_len && memcmp(e[i - 1].cid, e[i].cid, e[i].cid_len) <= 0));
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d;
		size_t dl;
		CHECK_EQ(wos_blockset_get(&s, e[i].cid, e[i].cid_len, &d, &dl), 0);
		CHECK(d == e[i].data);
	}
	memset(&u, 0, sizeof u);
	u.get = wos_blockset_get;
	u.get_ctx = &s;
	u.out = out;
	u.limit = sizeof out;
	CHECK_EQ(wos_unixfs_read(&u, root, root_len), 0);
	CHECK_EQ(u.size, sizeof data);
	CHECK(memcmp(out, data, sizeof data) == 0);
	/* A CID not in the set. */
	{
		uint8_t other[WOS_CID_BIN_MAX];
		const uint8_t *d;
		size_t dl;
		wos_cid_make(WOS_CODEC_RAW, "nope", 4, other);
		CHECK(wos_blockset_get(&s, other, 36, &d, &dl) != 0);
		CHECK(wos_blockset_get(&s, other, 35, &d, &dl) != 0);
	}
	free(e);
	return 0;
}

static int test_blockset_lying_block_is_caught_by_the_reader(void)
{
	static uint8_t car[8192], data[100], out[100];
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len, len, n;
	wos_car_reader r;
	wos_blockset s;
	wos_blockset_entry e[64];
	wos_unixfs_reader u;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	len = file_car(data, sizeof data, car, sizeof car, root, &root_len);
	car[len - 1] ^= 1; /* the last byte of the last block: the root node */
	/* Counting reads structure only: the change is not seen yet... */
	CHECK_EQ(wos_blockset_count(&r, car, len, &n), 0);
	CHECK(n <= 64);
	wos_blockset_fill(&s, car, len, e, n);
	/* ...the reader hashes what it uses. */
	memset(&u, 0, sizeof u);
	u.get = wos_blockset_get;
	u.get_ctx = &s;
	u.out = out;
	u.limit = sizeof out;
	CHECK_EQ(wos_unixfs_read(&u, root, root_len), WOS_UNIXFS_ERR_MISMATCH);
	CHECK(strncmp(u.cid, "bafybei", 7) == 0);
	return 0;
}

static int test_blockset_count_reports_a_broken_car(void)
{
	static uint8_t car[8192], data[100];
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len, len, n;
	wos_car_reader r;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	len = file_car(data, sizeof data, car, sizeof car, root, &root_len);
	CHECK_EQ(wos_blockset_count(&r, car, len - 1, &n), WOS_CAR_ERR_TRUNCATED);
	CHECK_EQ(wos_blockset_count(&r, car + 1, len - 1, &n), WOS_CAR_ERR_HEADER);
	return 0;
}

static const test_case tests[] = {
	TEST(test_blockset_finds_every_block_and_reads_the_file),
	TEST(test_blockset_lying_block_is_caught_by_the_reader),
	TEST(test_blockset_count_reports_a_broken_car),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
