/* bundle.c: the boot bundle: the system file and its programs, named by CID, in one
 * CARv1 (lib/car.h) that `wasmos pack` writes (docs/metal.md).
 *
 * The kernel image carries one (build/metal/system.car, bundle_car.S); a multiboot
 * module, when the loader passes one (QEMU -initrd, GRUB module2), replaces it.  It
 * is read once at boot, before the frame allocator runs (QEMU keeps the module list
 * in memory frames.c hands out; the module's own bytes stay reserved): every block
 * is hashed against its CID then, and a bundle with one bad block, or that is not a
 * CAR of raw or dag-pb sha2-256 blocks whose root (a raw block: the system file) is
 * among them, is refused whole: the boot
 * stops, saying why.  So what the loader native later serves (loader.c) is known
 * good, and the kernel checks it once more in kern_spawn_cid.
 *
 * The index keeps pointers into the bundle, which lives as long as the machine: a
 * true singleton, like the boot it came with.
 */
#include "metal.h"
#include "multiboot.h"

#include "car.h"
#include "fmt.h"
#include "sha256.h"
#include "varint.h"

/* Blocks past this many are refused: a bundle holds one system's programs. */
#define BUNDLE_MAX_BLOCKS 256

extern const uint8_t metal_bundle_car[], metal_bundle_car_end[];

static struct bundle_block {
	uint64_t codec;          /* WOS_CODEC_RAW or WOS_CODEC_DAG_PB (a UnixFS node) */
	const uint8_t *digest;   /* 32 bytes of SHA-256, inside the bundle */
	const uint8_t *data;
	size_t len;
} blocks[BUNDLE_MAX_BLOCKS];
static size_t nblocks;
static const struct bundle_block *root;
static char why[320];

static const struct bundle_block *find(uint64_t codec, const uint8_t digest[WOS_SHA256_SIZE])
{
	for (size_t i = 0; i < nblocks; i++)
		if (blocks[i].codec == codec && memcmp(blocks[i].digest, digest, WOS_SHA256_SIZE) == 0)
			return &blocks[i];
	return NULL;
}

/* "CIDv1 sha2-256", of a raw block or a dag-pb node: the blocks a bundle holds. */
static int is_sha256(const wos_cid_info *c)
{
	return c->version == 1 && c->hash == WOS_MH_SHA2_256 && c->digest_len == WOS_SHA256_SIZE;
}

static int is_raw_sha256(const wos_cid_info *c)
{
	return is_sha256(c) && c->codec == WOS_CODEC_RAW;
}

static int is_file_block(const wos_cid_info *c)
{
	return is_sha256(c) && (c->codec == WOS_CODEC_RAW || c->codec == WOS_CODEC_DAG_PB);
}

/* Names the block whose section starts at pos, for a refusal: its CID, and the CID
 * its bytes have.  Only reached for a block the reader found bad. */
static void name_mismatch(const uint8_t *p, size_t len, size_t pos, const char *from)
{
	uint64_t n;
	size_t k = wos_varint_get(p + pos, len - pos, &n);
	wos_cid_info c;
	char want[WOS_CID_MAX] = "?", got[WOS_CID_MAX] = "?";
	if (k && n <= len - pos - k && wos_cid_read(p + pos + k, (size_t)n, &c) == 0 && is_file_block(&c)) {
		uint8_t digest[WOS_SHA256_SIZE];
		wos_sha256(p + pos + k + c.len, (size_t)n - c.len, digest);
		wos_cid_format_file(c.codec, c.digest, want);
		wos_cid_format_file(c.codec, digest, got);
	}
	wos_snprintf(why, sizeof why, "bundle (%s): the block at byte %zu has CID %s but its bytes are %s",
		     from, pos, want, got);
}

/* Reads and checks the CAR of len bytes at p; 0, or -1 with `why` filled. */
static int load(const uint8_t *p, size_t len, const char *from)
{
	wos_car_reader r;
	wos_car_block b;
	int rc = wos_car_open(&r, p, len);
	nblocks = 0;
	root = NULL;
	while (rc == 0 && (rc = wos_car_next(&r, &b)) == 1) {
		if (!is_file_block(&b.cid)) {
			wos_snprintf(why, sizeof why, "bundle (%s): the block at byte %zu is not raw or dag-pb sha2-256",
				     from, b.offset);
			return -1;
		}
		if (nblocks == BUNDLE_MAX_BLOCKS) {
			wos_snprintf(why, sizeof why, "bundle (%s): more than %d blocks", from, BUNDLE_MAX_BLOCKS);
			return -1;
		}
		blocks[nblocks++] = (struct bundle_block){ b.cid.codec, b.cid.digest, b.data, b.len };
		rc = 0;
	}
	if (rc == WOS_CAR_ERR_MISMATCH) {
		name_mismatch(p, len, r.pos, from);
		return -1;
	}
	if (rc < 0) {
		wos_snprintf(why, sizeof why, "bundle (%s): not a CAR we read, at byte %zu: %s", from, r.pos,
			     wos_car_error_text(rc));
		return -1;
	}
	if (!is_raw_sha256(&r.root)) {
		wos_snprintf(why, sizeof why, "bundle (%s): the root is not a raw sha2-256 CID", from);
		return -1;
	}
	root = find(WOS_CODEC_RAW, r.root.digest);
	if (!root) {
		wos_snprintf(why, sizeof why, "bundle (%s): the root block (the system file) is missing", from);
		return -1;
	}
	return 0;
}

void metal_bundle_init(uint32_t info_addr)
{
	const struct mb1_info *info = (const struct mb1_info *)(uintptr_t)info_addr;
	const uint8_t *p = metal_bundle_car;
	size_t len = (size_t)(metal_bundle_car_end - metal_bundle_car);
	const char *from = "kernel image";
	if ((info->flags & MB1_INFO_MODS) && info->mods_count > 0) {
		const struct mb1_module *m = (const struct mb1_module *)(uintptr_t)info->mods_addr;
		p = (const uint8_t *)(uintptr_t)m[0].start;
		len = m[0].end > m[0].start ? m[0].end - m[0].start : 0;
		from = "module";
	}
	if (load(p, len, from) != 0)
		metal_panic(why);
	char cid[WOS_CID_MAX];
	wos_cid_from_digest(root->digest, cid);
	metal_serial_puts("wasmos: bundle: ");
	metal_serial_dec(nblocks);
	metal_serial_puts(" blocks from the ");
	metal_serial_puts(from);
	metal_serial_puts(", system ");
	metal_serial_puts(cid);
	metal_serial_puts("\n");
}

const uint8_t *metal_bundle_get(uint64_t codec, const uint8_t digest[32], size_t *len)
{
	const struct bundle_block *b = find(codec, digest);
	*len = b ? b->len : 0;
	return b ? b->data : NULL;
}

const char *metal_bundle_system(size_t *len)
{
	*len = root ? root->len : 0;
	return root ? (const char *)root->data : NULL;
}
