/* dagpb_test.c: tests for dagpb.c.
 *
 * The known node is the one ipfs-notes.md (section 2) shows Helia making for the
 * 21-byte file "hello-ipfs-from-c-os\n" with reduceSingleLeafToSelf off: 52 bytes,
 * one link to the raw leaf, CID bafybeih7rj6ujgwendxtv2tnntfk66xlceegddhnp3ijehdghsrr5igm4e.
 * The empty directory 0a 02 08 01 is the well-known QmUNLLsP.../bafybeiczsscd... block.
 */
#include "dagpb.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static const char HELLO[] = "hello-ipfs-from-c-os\n";
#define HELLO_PB_CID "bafybeih7rj6ujgwendxtv2tnntfk66xlceegddhnp3ijehdghsrr5igm4e"

/* Builds Helia's one-link root over the hello leaf. */
static long hello_root(uint8_t *out, size_t cap)
{
	uint8_t leaf[WOS_CID_BIN_MAX];
	uint64_t sizes[1] = { 21 };
	wos_pb_writer w;
	size_t mark, n = wos_cid_make(WOS_CODEC_RAW, HELLO, 21, leaf);

	wos_pb_writer_init(&w, out, cap);
	wos_dagpb_put_link(&w, leaf, n, "", 0, 1, 21);
	mark = wos_pb_begin(&w, 1);
	wos_unixfs_data_put_file(&w, 21, sizes, 1);
	wos_pb_end(&w, mark);
	return wos_pb_writer_finish(&w);
}

static int decode_copy(const uint8_t *p, size_t len, wos_dagpb_node *n)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, p, len);
	rc = wos_dagpb_decode(copy, len, n);
	free(copy);
	return rc;
}

static int test_dagpb_helia_single_leaf_root_has_its_cid(void)
{
	uint8_t node[128], cid[WOS_CID_BIN_MAX];
	char text[WOS_CID_TEXT_MAX];

	CHECK_EQ(hello_root(node, sizeof node), 52);
	wos_cid_make(WOS_CODEC_DAG_PB, node, 52, cid);
	CHECK_EQ(wos_cid_text(cid, 36, text, sizeof text), WOS_CID_LEN);
	CHECK(strcmp(text, HELLO_PB_CID) == 0);
	return 0;
}

static int test_dagpb_decodes_the_helia_root(void)
{
	uint8_t node[128], leaf[WOS_CID_BIN_MAX];
	wos_dagpb_node n;
	wos_dagpb_links it;
	wos_dagpb_link l;
	wos_unixfs_data d;
	wos_unixfs_sizes sizes;
	uint64_t size;

	CHECK_EQ(hello_root(node, sizeof node), 52);
	wos_cid_make(WOS_CODEC_RAW, HELLO, 21, leaf);
	CHECK_EQ(wos_dagpb_decode(node, 52, &n), 0);
	CHECK_EQ(n.nlinks, 1);
	wos_dagpb_links_init(&it, &n);
	CHECK_EQ(wos_dagpb_next_link(&it, &l), 1);
	CHECK_EQ(l.cid.len, 36);
	CHECK(memcmp(l.cid_bytes, leaf, 36) == 0);
	CHECK(l.name != NULL);
	CHECK_EQ(l.name_len, 0);
	CHECK_EQ(l.has_tsize, 1);
	CHECK_EQ(l.tsize, 21);
	CHECK_EQ(wos_dagpb_next_link(&it, &l), 0);
	CHECK(n.data != NULL);
	CHECK_EQ(wos_unixfs_data_decode(n.data, n.data_len, &d), 0);
	CHECK_EQ(d.type, WOS_UNIXFS_FILE);
	CHECK_EQ(d.has_filesize, 1);
	CHECK_EQ(d.filesize, 21);
	CHECK(d.data == NULL);
	CHECK_EQ(d.nblocksizes, 1);
	wos_unixfs_sizes_init(&sizes, &d);
	CHECK_EQ(wos_unixfs_next_size(&sizes, &size), 1);
	CHECK_EQ(size, 21);
	CHECK_EQ(wos_unixfs_next_size(&sizes, &size), 0);
	return 0;
}

static int test_dagpb_empty_directory_decodes(void)
{
	static const uint8_t dir[] = { 0x0a, 0x02, 0x08, 0x01 };
	wos_dagpb_node n;
	wos_unixfs_data d;

	CHECK_EQ(wos_dagpb_decode(dir, sizeof dir, &n), 0);
	CHECK_EQ(n.nlinks, 0);
	CHECK_EQ(n.data_len, 2);
	CHECK_EQ(wos_unixfs_data_decode(n.data, n.data_len, &d), 0);
	CHECK_EQ(d.type, WOS_UNIXFS_DIRECTORY);
	CHECK_EQ(d.has_filesize, 0);
	/* The empty node is a valid dag-pb node too. */
	CHECK_EQ(decode_copy(dir, 0, &n), 0);
	CHECK(n.data == NULL);
	return 0;
}

static int test_dagpb_packed_blocksizes_and_unknown_fields_are_read(void)
{
	/* Type File, mode 0644 (field 7), blocksizes packed [3, 300], filesize 303, fanout. */
	static const uint8_t data[] = { 0x08, 0x02, 0x38, 0xa4, 0x03, 0x22, 0x03, 0x03, 0xac, 0x02,
					0x18, 0xaf, 0x02, 0x30, 0x05, 0x20, 0x07 };
	wos_unixfs_data d;
	wos_unixfs_sizes it;
	uint64_t v;

	CHECK_EQ(wos_unixfs_data_decode(data, sizeof data, &d), 0);
	CHECK_EQ(d.filesize, 303);
	CHECK_EQ(d.nblocksizes, 3);
	wos_unixfs_sizes_init(&it, &d);
	CHECK_EQ(wos_unixfs_next_size(&it, &v), 1);
	CHECK_EQ(v, 3);
	CHECK_EQ(wos_unixfs_next_size(&it, &v), 1);
	CHECK_EQ(v, 300);
	CHECK_EQ(wos_unixfs_next_size(&it, &v), 1); /* the unpacked one after */
	CHECK_EQ(v, 7);
	CHECK_EQ(wos_unixfs_next_size(&it, &v), 0);
	return 0;
}

static int test_dagpb_bad_unixfs_data_is_refused(void)
{
	static const struct {
		uint8_t b[8];
		size_t len;
	} BAD[] = {
		{ { 0x18, 0x05 }, 2 },                   /* no Type */
		{ { 0x08, 0x02, 0x08, 0x02 }, 4 },       /* Type twice */
		{ { 0x0a, 0x01, 0x02 }, 3 },             /* Type as bytes */
		{ { 0x08, 0x02, 0x10, 0x01 }, 4 },       /* Data as a varint */
		{ { 0x08, 0x02, 0x1a, 0x00 }, 4 },       /* filesize as bytes */
		{ { 0x08, 0x02, 0x18, 1, 0x18, 2 }, 6 }, /* filesize twice */
		{ { 0x08, 0x02, 0x22, 0x01, 0x80 }, 5 }, /* packed blocksizes cut */
		{ { 0x08, 0x02, 0x25, 1, 2, 3, 4 }, 7 }, /* blocksizes as fixed32 */
		{ { 0x08, 0x02, 0x18 }, 3 },             /* cut */
	};
	wos_unixfs_data d;

	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		if (wos_unixfs_data_decode(BAD[i].b, BAD[i].len, &d) != WOS_DAGPB_ERR_UNIXFS) {
			fprintf(stderr, "  case %zu accepted\n", i);
			return 1;
		}
	}
	return 0;
}

static int test_dagpb_non_canonical_nodes_are_refused(void)
{
	uint8_t cid[WOS_CID_BIN_MAX];
	uint8_t b[128];
	wos_dagpb_node n;
	size_t k;

	wos_cid_make(WOS_CODEC_RAW, "x", 1, cid);
	/* Data before a link. */
	k = 0;
	b[k++] = 0x0a, b[k++] = 0x02, b[k++] = 0x08, b[k++] = 0x02;
	b[k++] = 0x12, b[k++] = 38, b[k++] = 0x0a, b[k++] = 36;
	memcpy(b + k, cid, 36), k += 36;
	CHECK_EQ(decode_copy(b, k, &n), WOS_DAGPB_ERR_ORDER);
	/* The link alone is fine. */
	CHECK_EQ(decode_copy(b + 4, k - 4, &n), 0);
	CHECK_EQ(n.nlinks, 1);
	/* Data twice. */
	b[4] = 0x0a, b[5] = 0x00;
	CHECK_EQ(decode_copy(b, 6, &n), WOS_DAGPB_ERR_ORDER);
	/* Field 3 in the node; Data as a varint. */
	b[0] = 0x1a, b[1] = 0x00;
	CHECK_EQ(decode_copy(b, 2, &n), WOS_DAGPB_ERR_FIELD);
	b[0] = 0x08, b[1] = 0x00;
	CHECK_EQ(decode_copy(b, 2, &n), WOS_DAGPB_ERR_FIELD);
	/* Field 0 and a cut length: not protobuf. */
	b[0] = 0x00, b[1] = 0x00;
	CHECK_EQ(decode_copy(b, 2, &n), WOS_DAGPB_ERR_PB);
	CHECK_EQ(n.pb_err, WOS_PB_ERR_FIELD);
	b[0] = 0x0a, b[1] = 0x05;
	CHECK_EQ(decode_copy(b, 2, &n), WOS_DAGPB_ERR_PB);
	CHECK_EQ(n.pb_err, WOS_PB_ERR_LENGTH);
	return 0;
}

/* Decodes a node of one link whose fields are the k bytes at f. */
static int one_link(const uint8_t *f, size_t k)
{
	uint8_t b[128];
	wos_dagpb_node n;

	b[0] = 0x12;
	b[1] = (uint8_t)k;
	memcpy(b + 2, f, k);
	return decode_copy(b, k + 2, &n);
}

static int test_dagpb_bad_links_are_refused(void)
{
	uint8_t cid[WOS_CID_BIN_MAX], f[96];
	size_t k;

	wos_cid_make(WOS_CODEC_RAW, "x", 1, cid);
	/* Hash, Name, Tsize: fine, and each alone but Hash. */
	k = 0;
	f[k++] = 0x0a, f[k++] = 36;
	memcpy(f + k, cid, 36), k += 36;
	f[k++] = 0x12, f[k++] = 1, f[k++] = 'a';
	f[k++] = 0x18, f[k++] = 0x05;
	CHECK_EQ(one_link(f, k), 0);
	CHECK_EQ(one_link(f, 38), 0);
	CHECK_EQ(one_link(f + 38, k - 38), WOS_DAGPB_ERR_HASH); /* no Hash */
	CHECK_EQ(one_link(f + 41, 2), WOS_DAGPB_ERR_HASH);
	/* Name before Hash, Hash twice. */
	memmove(f + 3, f, 38);
	f[0] = 0x12, f[1] = 1, f[2] = 'a';
	CHECK_EQ(one_link(f, 41), WOS_DAGPB_ERR_ORDER);
	memmove(f, f + 3, 38);
	memcpy(f + 38, f, 38);
	CHECK_EQ(one_link(f, 76), WOS_DAGPB_ERR_ORDER);
	/* A Hash that is not a CID, or a CID with bytes after it. */
	f[1] = 35;
	CHECK_EQ(one_link(f, 37), WOS_DAGPB_ERR_HASH);
	f[1] = 37;
	f[38] = 0;
	CHECK_EQ(one_link(f, 39), WOS_DAGPB_ERR_HASH);
	/* Tsize as bytes; an unknown field 4. */
	f[1] = 36;
	f[38] = 0x1a, f[39] = 0x00;
	CHECK_EQ(one_link(f, 40), WOS_DAGPB_ERR_FIELD);
	f[38] = 0x20, f[39] = 0x00;
	CHECK_EQ(one_link(f, 40), WOS_DAGPB_ERR_FIELD);
	return 0;
}

static int test_dagpb_flipped_bits_never_read_outside(void)
{
	uint8_t node[128], m[52];
	wos_dagpb_node n;

	CHECK_EQ(hello_root(node, sizeof node), 52);
	for (size_t i = 0; i < 52; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t *copy = malloc(52);
			memcpy(m, node, 52);
			m[i] ^= (uint8_t)(1 << bit);
			memcpy(copy, m, 52);
			if (wos_dagpb_decode(copy, 52, &n) == 0) {
				/* What decodes walks cleanly, views inside. */
				wos_dagpb_links it;
				wos_dagpb_link l;
				wos_unixfs_data d;
				size_t count = 0;
				wos_dagpb_links_init(&it, &n);
				while (wos_dagpb_next_link(&it, &l)) {
					CHECK(l.cid_bytes >= copy && l.cid_bytes + l.cid.len <= copy + 52);
					count++;
				}
				CHECK_EQ(count, n.nlinks);
				if (n.data)
					(void)wos_unixfs_data_decode(n.data, n.data_len, &d);
			}
			free(copy);
		}
	}
	return 0;
}

static const test_case tests[] = {
	TEST(test_dagpb_helia_single_leaf_root_has_its_cid),
	TEST(test_dagpb_decodes_the_helia_root),
	TEST(test_dagpb_empty_directory_decodes),
	TEST(test_dagpb_packed_blocksizes_and_unknown_fields_are_read),
	TEST(test_dagpb_bad_unixfs_data_is_refused),
	TEST(test_dagpb_non_canonical_nodes_are_refused),
	TEST(test_dagpb_bad_links_are_refused),
	TEST(test_dagpb_flipped_bits_never_read_outside),
};

int main(void)
{
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
