/* loader.c: the native handler of the loader interface (interfaces/loader.ifc) on
 * metal: programs by CID from the boot bundle (bundle.c), which checked every block
 * at boot; the kernel checks them again before it runs them (kernel/load.c), as for
 * any loader.  A raw CID's answer is its block; a dag-pb CID's (a program over 1 MiB,
 * a UnixFS file) is a CAR of the file's blocks, root first, found by walking the DAG
 * through the bundle (lib/unixfs.h), as the hosted loader answers from its store.
 * Errors: EINVAL (not a CID), ENOENT (not in the bundle, or a block of it missing),
 * E2BIG (larger than the kernel takes), ENOMEM.
 *
 * It also reads programs by name for the process handler (metal_loader_names): a
 * word that is not a CID, "spin", is the program of that name in the bundle's system
 * file, so the shell's `run spin` works without the CID.
 */
#include "metal.h"
#include "kernel.h"
#include "params.h"   /* KERN_MAX_PROGRAM */
#include "system.h"

#include "car.h"
#include "cid.h"
#include "fmt.h"
#include "str.h"
#include "unixfs.h"
#include "ifc_loader.h"

enum { ERRNO_2BIG = 1, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_NOENT = 44, ERRNO_NOMEM = 48 };

static void *alloc(size_t n) { return metal_heap_alloc(NULL, NULL, 0, n ? n : 1); }
static void unalloc(void *p, size_t n) { metal_heap_alloc(NULL, p, n ? n : 1, 0); }

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

/* The unixfs reader's way to blocks: from the bundle, by binary CID. */
static int get_block(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	(void)ctx;
	wos_cid_info c;
	if (wos_cid_read(cid, cid_len, &c) != 0 || c.hash != WOS_MH_SHA2_256 || c.digest_len != WOS_SHA256_SIZE)
		return -1;
	*data = metal_bundle_get(c.codec, c.digest, len);
	return *data ? 0 : -1;
}

static int put_block(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *data, size_t len)
{
	wos_car_put_block(ctx, cid, cid_len, data, len);
	return 0;
}

/* Walks the file named by the binary CID root through the bundle into w: a CAR of
 * its blocks.  0, or the WOS_UNIXFS_ERR_*. */
static int dag_car(const uint8_t *root, size_t root_len, wos_car_writer *w)
{
	wos_unixfs_reader u;
	memset(&u, 0, sizeof u);
	u.get = get_block;
	u.on_block = put_block;
	u.block_ctx = w;
	u.limit = KERN_MAX_PROGRAM;
	wos_car_put_header(w, root, root_len);
	return wos_unixfs_read(&u, root, root_len);
}

/* The answer for the dag-pb CID of cid_len characters at cid: a CAR of the file's
 * blocks, in *car (heap). */
static int answer_dag(const char *cid, size_t cid_len, uint8_t **car, size_t *len)
{
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len;
	if (wos_cid_decode_text(cid, cid_len, root, &root_len) != 0)
		return ERRNO_INVAL;
	wos_car_writer w;
	wos_car_writer_init(&w, NULL, 0);   /* a dry run: how long */
	int rc = dag_car(root, root_len, &w);
	if (rc == WOS_UNIXFS_ERR_MISSING)
		return ERRNO_NOENT;
	if (rc == WOS_UNIXFS_ERR_TOO_BIG || rc == WOS_UNIXFS_ERR_WORK)
		return ERRNO_2BIG;
	if (rc)
		return ERRNO_IO;   /* bad nodes: the kernel would refuse them anyway */
	size_t n = w.len;
	if (n > UINT32_MAX - 16)
		return ERRNO_2BIG;
	*car = alloc(n);
	if (!*car)
		return ERRNO_NOMEM;
	wos_car_writer_init(&w, *car, n);
	if (dag_car(root, root_len, &w) != 0 || wos_car_writer_finish(&w) != (long)n) {
		unalloc(*car, n);
		return ERRNO_IO;
	}
	*len = n;
	return 0;
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_loader_get m;
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	uint8_t *car = NULL;
	size_t len = 0;
	const uint8_t *bytes;
	if (!d->id)
		return;   /* nobody to give the bytes to */
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0 ||
	    wos_cid_parse_file((const char *)m.cid, m.cid_len, &codec, digest) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	if (codec == WOS_CODEC_DAG_PB) {
		int e = answer_dag((const char *)m.cid, m.cid_len, &car, &len);
		if (e) {
			answer_errno(k, d->id, e);
			return;
		}
		bytes = car;
	} else if (!(bytes = metal_bundle_get(WOS_CODEC_RAW, digest, &len))) {
		answer_errno(k, d->id, ERRNO_NOENT);
		return;
	}
	ifc_loader_get_answer a = { .bytes = bytes, .bytes_len = (uint32_t)len };
	uint32_t n = len < UINT32_MAX - 16 ? ifc_loader_get_answer_encode(&a, NULL, 0) : 0;
	uint8_t *body = n ? alloc(n) : NULL;
	if (!body) {
		answer_errno(k, d->id, n ? ERRNO_NOMEM : ERRNO_2BIG);
	} else {
		ifc_loader_get_answer_encode(&a, body, n);
		/* larger than the kernel takes: say so rather than hold it */
		if (kern_answer(k, d->id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG)
			answer_errno(k, d->id, ERRNO_2BIG);
		unalloc(body, n);
	}
	if (car)
		unalloc(car, len);
}

static const kern_native loader_ops = { loader_message, NULL };

int metal_loader_register(struct kern_state *k)
{
	return kern_native_register(k, ifc_loader_id, &loader_ops, NULL) ? -1 : 0;
}

/* ---- programs by name --------------------------------------------------------------- */

/* The CID text the bundle's system file gives program `name`, in cid; 0 or an errno. */
static int cid_of_name(const char *name, char cid[WOS_CID_MAX], char *why, size_t whylen)
{
	size_t len;
	const char *text = metal_bundle_system(&len);
	eng_alloc a = { metal_heap_alloc, NULL };
	kern_sysfile *f;
	char err[160];
	if (!text || kern_sysfile_parse(&a, "system", text, len, &f, err, sizeof err) != 0) {
		wos_snprintf(why, whylen, "the bundle's system file does not parse");
		return ERRNO_IO;
	}
	int e = ERRNO_NOENT;
	for (uint32_t i = 0; i < f->nprogs; i++) {
		if (wos_streq(f->progs[i].name, name) && !f->progs[i].path &&
		    strlen(f->progs[i].source) < WOS_CID_MAX) {
			memcpy(cid, f->progs[i].source, strlen(f->progs[i].source) + 1);
			e = 0;
		}
	}
	kern_sysfile_free(f);
	if (e)
		wos_snprintf(why, whylen, "no program of that name in the bundle (a CID, or a name of its system file)");
	return e;
}

static uint8_t *joined;   /* the file name_read joined on the heap, until released */

/* A program by name: a raw block is served from the bundle as it is, a dag-pb file
 * joined on the heap (every block checked by the reader). */
static int name_read(void *ud, const char *name, uint8_t **bytes, size_t *len, char *why, size_t whylen)
{
	(void)ud;
	char cid[WOS_CID_MAX];
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	int e = cid_of_name(name, cid, why, whylen);
	if (e)
		return e;
	if (wos_cid_parse_file(cid, strlen(cid), &codec, digest) != 0)
		return ERRNO_INVAL;
	if (codec == WOS_CODEC_RAW) {
		*bytes = (uint8_t *)metal_bundle_get(codec, digest, len);
		if (!*bytes)
			wos_snprintf(why, whylen, "%s is not in the bundle", cid);
		return *bytes ? 0 : ERRNO_NOENT;
	}
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len = 0;
	uint64_t size;
	wos_cid_decode_text(cid, strlen(cid), root, &root_len);
	wos_unixfs_reader u;
	memset(&u, 0, sizeof u);
	u.get = get_block;
	u.limit = KERN_MAX_PROGRAM;
	if (wos_unixfs_stat(&u, root, root_len, &size) != 0 || size > KERN_MAX_PROGRAM) {
		wos_snprintf(why, whylen, "%s: not a file of the bundle", cid);
		return ERRNO_NOENT;
	}
	if (!(u.out = alloc((size_t)size)))
		return ERRNO_NOMEM;
	u.limit = size;
	if (wos_unixfs_read(&u, root, root_len) != 0) {
		wos_snprintf(why, whylen, "%s: block %s: %s", cid, u.cid, wos_unixfs_error_text(u.err));
		unalloc(u.out, (size_t)size);
		return ERRNO_IO;
	}
	*bytes = joined = u.out;
	*len = (size_t)size;
	return 0;
}

/* Only a joined file came from the heap (the process handler releases each read before
 * the next): a raw block lies in the bundle. */
static void name_release(void *ud, uint8_t *bytes, size_t len)
{
	(void)ud;
	if (bytes == joined) {
		unalloc(bytes, len);
		joined = NULL;
	}
}

const kern_path_reader metal_loader_names = { name_read, name_release, NULL };
