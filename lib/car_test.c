/* car_test.c: tests for car.c and the binary CIDs of cid.c.
 *
 * The header bytes are the ones ipfs-notes.md (section 3) shows Helia's gateway
 * writing: a2 65 'roots' 81 d8 2a 58 25 00 <36-byte CID> 67 'version' 01.  The CARv2
 * pragma is the one in the CARv2 spec (0a a1 67 'version' 02).  Every input is read
 * from a buffer of its exact size, so ASan sees any read past the end.
 */
#include "car.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static const char HELLO[] = "hello-ipfs-from-c-os\n"; /* 21 bytes: ipfs-notes.md section 2 */
#define HELLO_CID "bafkreic4et4fw24lpxceknmjnys7nzsyp6mwromctcxldxfarkdvfsfbp4"

/* Reads a whole CAR from an exact-size copy: the blocks' data lengths go to lens,
 * their count to *count.  Returns the open error, or the last wos_car_next result. */
static uint8_t cids_read[1024]; /* the binary CIDs of the blocks last read, end to end */
static size_t cids_len;

static int read_car(const uint8_t *p, size_t len, size_t *lens, size_t max, size_t *count,
		    wos_car_reader *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	wos_car_reader r;
	wos_car_block b;
	int rc;

	memcpy(copy, p, len);
	*count = 0;
	cids_len = 0;
	rc = wos_car_open(&r, copy, len);
	if (rc == 0) {
		while ((rc = wos_car_next(&r, &b)) == 1) {
			if (cids_len + b.cid.len <= sizeof cids_read)
				memcpy(cids_read + cids_len, b.cid_bytes, b.cid.len);
			cids_len += b.cid.len;
			if (*count < max)
				lens[*count] = b.len;
			(*count)++;
		}
	}
	if (out)
		*out = r;
	free(copy);
	return rc;
}

/* A CAR of three blocks: hello (raw), 300 bytes (raw), 5 bytes as an identity CID. */
static size_t sample(uint8_t *out, size_t cap, uint8_t root[WOS_CID_BIN_MAX], size_t *root_len)
{
	static uint8_t big[300];
	uint8_t cid[WOS_CID_BIN_MAX];
	static const uint8_t ident[] = { 0x01, 0x55, 0x00, 0x05, 'w', 'a', 's', 'm', 'o' };
	wos_car_writer w;
	size_t n;

	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 31);
	*root_len = wos_cid_make(WOS_CODEC_RAW, HELLO, 21, root);
	wos_car_writer_init(&w, out, cap);
	wos_car_put_header(&w, root, *root_len);
	wos_car_put_block(&w, root, *root_len, HELLO, 21);
	n = wos_cid_make(WOS_CODEC_RAW, big, sizeof big, cid);
	wos_car_put_block(&w, cid, n, big, sizeof big);
	wos_car_put_block(&w, ident, sizeof ident, "wasmo", 5);
	return (size_t)wos_car_writer_finish(&w);
}

static int test_car_header_is_the_bytes_helia_writes(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len);
	static const uint8_t head[] = { 0x3a, 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x58, 0x25, 0x00 };
	static const uint8_t tail[] = { 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01 };

	CHECK(n > 0);
	CHECK_EQ(root_len, 36);
	CHECK(memcmp(car, head, sizeof head) == 0);
	CHECK(memcmp(car + sizeof head, root, 36) == 0);
	CHECK(memcmp(car + sizeof head + 36, tail, sizeof tail) == 0);
	CHECK_EQ(car[0], sizeof head - 1 + 36 + sizeof tail); /* 58 */
	return 0;
}

static int test_car_round_trips_blocks(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count;
	wos_car_reader r;
	char text[WOS_CID_MAX];

	CHECK_EQ(read_car(car, n, lens, 4, &count, &r), 0);
	CHECK_EQ(count, 3);
	CHECK_EQ(lens[0], 21);
	CHECK_EQ(lens[1], 300);
	CHECK_EQ(lens[2], 5);
	CHECK_EQ(r.root.version, 1);
	CHECK_EQ(r.root.codec, WOS_CODEC_RAW);
	CHECK_EQ(r.root.len, 36);
	/* The root is the 21-byte file's CID as Helia names it. */
	wos_cid_from_digest(root + 4, text);
	CHECK(strcmp(text, HELLO_CID) == 0);
	return 0;
}

static int test_car_keys_in_either_order_are_read(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count;
	uint8_t swapped[1024];
	/* header: 3a | a2 | 65 roots <array 40 bytes> | 67 version 01 */
	size_t roots_end = 2 + 6 + 1 + 2 + 2 + 37;

	swapped[0] = car[0];
	swapped[1] = car[1];
	memcpy(swapped + 2, car + roots_end, 9);
	memcpy(swapped + 11, car + 2, roots_end - 2);
	memcpy(swapped + 59, car + 59, n - 59);
	CHECK(memcmp(swapped, car, n) != 0);
	CHECK_EQ(read_car(swapped, n, lens, 4, &count, NULL), 0);
	CHECK_EQ(count, 3);
	return 0;
}

static int test_car_every_prefix_is_truncated_or_clean(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count;
	size_t ends[] = { 59, 59 + 2 + 36 + 21 - 1, 0, 0 };

	/* Cut at a block boundary: clean end with fewer blocks; anywhere else: truncated. */
	ends[1] = 59 + 1 + 36 + 21;
	ends[2] = ends[1] + 2 + 36 + 300;
	ends[3] = n;
	for (size_t len = 0; len <= n; len++) {
		int rc = read_car(car, len, lens, 4, &count, NULL);
		int boundary = 0;
		for (int i = 0; i < 4; i++)
			boundary |= len == ends[i];
		if (boundary) {
			CHECK_EQ(rc, 0);
		} else if (rc != WOS_CAR_ERR_TRUNCATED) {
			fprintf(stderr, "  prefix %zu: %s\n", len, wos_car_error_text(rc));
			return 1;
		}
	}
	return 0;
}

static int test_car_flipped_bit_is_an_error_or_a_checked_block(void)
{
	uint8_t car[1024], copy[1024], root[WOS_CID_BIN_MAX], cids[1024];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count, ncids;

	/* Any flipped bit in a block's CID or data is caught by its hash, its length
	 * field or the CID's form; only the codec is outside the hash, so a flip there
	 * may read as another CID of the same bytes.  In the header, some flips only
	 * rename the root. */
	CHECK_EQ(read_car(car, n, lens, 4, &count, NULL), 0);
	memcpy(cids, cids_read, cids_len);
	ncids = cids_len;
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int rc;
			memcpy(copy, car, n);
			copy[i] ^= (uint8_t)(1 << bit);
			rc = read_car(copy, n, lens, 4, &count, NULL);
			if (i >= 59 && rc == 0 && cids_len == ncids && memcmp(cids, cids_read, ncids) == 0) {
				fprintf(stderr, "  flip at %zu bit %d read as %zu blocks\n", i, bit, count);
				return 1;
			}
		}
	}
	return 0;
}

static int test_car_wrong_block_bytes_are_a_mismatch(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count;
	wos_car_reader r;

	car[59 + 1 + 36 + 3] ^= 0x20; /* a letter of hello */
	CHECK_EQ(read_car(car, n, lens, 4, &count, &r), WOS_CAR_ERR_MISMATCH);
	CHECK_EQ(count, 0);
	CHECK_EQ(r.pos, 59);
	return 0;
}

/* Builds a CAR from a hand-written header and the hello block. */
static size_t with_header(uint8_t *out, const uint8_t *h, size_t hlen)
{
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t n = 0, c = wos_cid_make(WOS_CODEC_RAW, HELLO, 21, cid);

	out[n++] = (uint8_t)hlen;
	memcpy(out + n, h, hlen), n += hlen;
	out[n++] = (uint8_t)(c + 21);
	memcpy(out + n, cid, c), n += c;
	memcpy(out + n, HELLO, 21), n += 21;
	return n;
}

static int test_car_bad_headers_are_refused(void)
{
	static const struct {
		const char *what;
		uint8_t h[80];
		size_t len;
		int err;
	} BAD[] = {
		{ "CARv2 pragma", { 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02 }, 10, WOS_CAR_ERR_VERSION },
		{ "no roots", { 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01 }, 10, WOS_CAR_ERR_ROOTS },
		{ "empty roots", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x80, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01 }, 17, WOS_CAR_ERR_ROOTS },
		{ "two roots", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x82 }, 8, WOS_CAR_ERR_ROOTS },
		{ "not a map", { 0x82, 0x01, 0x02 }, 3, WOS_CAR_ERR_HEADER },
		{ "empty map", { 0xa0 }, 1, WOS_CAR_ERR_HEADER },
		{ "indefinite map", { 0xbf, 0xff }, 2, WOS_CAR_ERR_HEADER },
		{ "other key", { 0xa1, 0x64, 'r', 'o', 'o', 't', 0x01 }, 7, WOS_CAR_ERR_HEADER },
		{ "version twice", { 0xa2, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01 }, 19, WOS_CAR_ERR_HEADER },
		{ "version as text", { 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x61, '1' }, 11, WOS_CAR_ERR_HEADER },
		{ "version 0x100", { 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x19, 0x01, 0x00 }, 12, WOS_CAR_ERR_VERSION },
		{ "version cut", { 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x19, 0x01 }, 11, WOS_CAR_ERR_HEADER },
		{ "key longer than header", { 0xa1, 0x78, 0xff, 'v' }, 4, WOS_CAR_ERR_HEADER },
		{ "root without tag", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0x42, 0x00, 0x01 }, 11, WOS_CAR_ERR_HEADER },
		{ "root tag 43", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2b, 0x42, 0x00, 0x01 }, 13, WOS_CAR_ERR_HEADER },
		{ "root without 00", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x41, 0x01 }, 12, WOS_CAR_ERR_HEADER },
		{ "root empty bytes", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x40 }, 11, WOS_CAR_ERR_HEADER },
		{ "root CID cut", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x45, 0x00, 0x01, 0x55, 0x12, 0x20 }, 16, WOS_CAR_ERR_CID },
		{ "root CIDv2", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x45, 0x00, 0x02, 0x55, 0x00, 0x00 }, 16, WOS_CAR_ERR_CID },
		{ "bytes after root CID", { 0xa2, 0x65, 'r', 'o', 'o', 't', 's', 0x81, 0xd8, 0x2a, 0x46, 0x00, 0x01, 0x55, 0x00, 0x00, 0x00 }, 17, WOS_CAR_ERR_CID },
	};
	uint8_t car[256];
	size_t lens[2], count;

	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		size_t n = with_header(car, BAD[i].h, BAD[i].len);
		int rc = read_car(car, n, lens, 2, &count, NULL);
		if (rc != BAD[i].err)
			fprintf(stderr, "  %s: got %s\n", BAD[i].what, wos_car_error_text(rc));
		CHECK_EQ(rc, BAD[i].err);
	}
	/* The header length itself: zero, too long, past the end. */
	car[0] = 0x00;
	CHECK_EQ(read_car(car, 10, lens, 2, &count, NULL), WOS_CAR_ERR_HEADER);
	car[0] = 0x81, car[1] = 0x08; /* 1025 */
	CHECK_EQ(read_car(car, 200, lens, 2, &count, NULL), WOS_CAR_ERR_HEADER);
	car[0] = 0x80, car[1] = 0x00;
	CHECK_EQ(read_car(car, 200, lens, 2, &count, NULL), WOS_CAR_ERR_VARINT);
	CHECK_EQ(read_car(car, 0, lens, 2, &count, NULL), WOS_CAR_ERR_TRUNCATED);
	return 0;
}

static int test_car_bad_sections_are_refused(void)
{
	uint8_t car[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(car, sizeof car, root, &root_len), lens[4], count;
	wos_car_reader r;
	static const uint8_t sha512[] = { 0x44, 0x01, 0x55, 0x13, 0x40 }; /* + 64 bytes, no data */
	uint8_t bad[256];

	/* A zero-length section after the header. */
	memcpy(bad, car, 59);
	bad[59] = 0x00;
	CHECK_EQ(read_car(bad, 60, lens, 4, &count, NULL), WOS_CAR_ERR_SECTION);
	/* A section shorter than its CID. */
	bad[59] = 10;
	memcpy(bad + 60, root, 10);
	CHECK_EQ(read_car(bad, 70, lens, 4, &count, NULL), WOS_CAR_ERR_SECTION);
	/* A sha2-512 block: well formed, but we cannot check it. */
	memcpy(bad + 59, sha512, sizeof sha512);
	memset(bad + 59 + sizeof sha512, 7, 64);
	CHECK_EQ(read_car(bad, 59 + sizeof sha512 + 64, lens, 4, &count, NULL), WOS_CAR_ERR_HASH);
	/* A CID of version 3. */
	bad[59] = 4, bad[60] = 0x03, bad[61] = 0x55, bad[62] = 0x00, bad[63] = 0x00;
	CHECK_EQ(read_car(bad, 64, lens, 4, &count, &r), WOS_CAR_ERR_CID);
	CHECK_EQ(r.cid_err, WOS_CID_ERR_VERSION);
	/* A section length past the end. */
	bad[59] = 0x7f;
	CHECK_EQ(read_car(bad, 64, lens, 4, &count, NULL), WOS_CAR_ERR_TRUNCATED);
	(void)n;
	return 0;
}

static int test_car_cidv0_block_is_checked(void)
{
	uint8_t car[256], cid[WOS_CID_BIN_MAX];
	wos_car_writer w;
	size_t lens[2], count;
	wos_car_reader r;

	/* A CIDv0 is the multihash alone: 12 20 <sha256>. */
	wos_cid_make(WOS_CODEC_DAG_PB, HELLO, 21, cid);
	wos_car_writer_init(&w, car, sizeof car);
	wos_car_put_header(&w, cid + 2, 34);
	wos_car_put_block(&w, cid + 2, 34, HELLO, 21);
	CHECK(wos_car_writer_finish(&w) > 0);
	CHECK_EQ(read_car(car, w.len, lens, 2, &count, &r), 0);
	CHECK_EQ(count, 1);
	CHECK_EQ(r.root.version, 0);
	CHECK_EQ(r.root.codec, WOS_CODEC_DAG_PB);
	car[w.len - 1] ^= 1;
	CHECK_EQ(read_car(car, w.len, lens, 2, &count, NULL), WOS_CAR_ERR_MISMATCH);
	return 0;
}

static int test_car_writer_overflow_counts_and_stops(void)
{
	uint8_t full[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(full, sizeof full, root, &root_len);

	(void)n;
	for (size_t cap = 0; cap < 59 + 2 * 58; cap += 7) {
		uint8_t *buf = malloc(cap + 4);
		wos_car_writer w;
		memset(buf, 0xee, cap + 4);
		wos_car_writer_init(&w, buf, cap);
		wos_car_put_header(&w, root, root_len);
		wos_car_put_block(&w, root, root_len, HELLO, 21);
		wos_car_put_block(&w, root, root_len, HELLO, 21);
		CHECK_EQ(wos_car_writer_finish(&w), WOS_CAR_ERR_OVERFLOW);
		CHECK_EQ(w.len, 59 + 2 * (1 + 36 + 21));
		for (size_t i = cap; i < cap + 4; i++)
			CHECK_EQ(buf[i], 0xee);
		free(buf);
	}
	return 0;
}

struct sink {
	uint8_t buf[1024];
	size_t len;
	int fail_after; /* calls that succeed before one fails; -1: never */
};

static int sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	if (s->fail_after == 0)
		return -1;
	if (s->fail_after > 0)
		s->fail_after--;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

static int test_car_callback_writer_gives_the_same_bytes(void)
{
	uint8_t full[1024], root[WOS_CID_BIN_MAX];
	size_t root_len, n = sample(full, sizeof full, root, &root_len);
	struct sink s = { .len = 0, .fail_after = -1 };
	wos_car_writer w;

	wos_car_writer_init_fn(&w, sink_write, &s);
	wos_car_put_header(&w, root, root_len);
	wos_car_put_block(&w, root, root_len, HELLO, 21);
	CHECK_EQ(wos_car_writer_finish(&w), 59 + 58);
	CHECK_EQ(s.len, 59 + 58);
	CHECK(memcmp(s.buf, full, s.len) == 0);
	(void)n;

	s.len = 0;
	s.fail_after = 2;
	wos_car_writer_init_fn(&w, sink_write, &s);
	wos_car_put_header(&w, root, root_len);
	wos_car_put_block(&w, root, root_len, HELLO, 21);
	CHECK_EQ(wos_car_writer_finish(&w), WOS_CAR_ERR_WRITE);
	CHECK_EQ(s.len, 59);
	return 0;
}

static int test_car_oversized_root_cid_is_refused_by_the_writer(void)
{
	uint8_t big[WOS_CID_BIN_MAX + 1] = { 0 };
	uint8_t out[512];
	wos_car_writer w;

	wos_car_writer_init(&w, out, sizeof out);
	wos_car_put_header(&w, big, sizeof big);
	CHECK_EQ(wos_car_writer_finish(&w), WOS_CAR_ERR_CID);
	return 0;
}

static const test_case tests[] = {
	TEST(test_car_header_is_the_bytes_helia_writes),
	TEST(test_car_round_trips_blocks),
	TEST(test_car_keys_in_either_order_are_read),
	TEST(test_car_every_prefix_is_truncated_or_clean),
	TEST(test_car_flipped_bit_is_an_error_or_a_checked_block),
	TEST(test_car_wrong_block_bytes_are_a_mismatch),
	TEST(test_car_bad_headers_are_refused),
	TEST(test_car_bad_sections_are_refused),
	TEST(test_car_cidv0_block_is_checked),
	TEST(test_car_writer_overflow_counts_and_stops),
	TEST(test_car_callback_writer_gives_the_same_bytes),
	TEST(test_car_oversized_root_cid_is_refused_by_the_writer),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
