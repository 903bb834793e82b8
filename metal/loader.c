/* loader.c: the native handler of the loader interface (interfaces/loader.ifc) on
 * metal: program bytes by CID from the boot bundle (bundle.c), which checked every
 * block at boot; the kernel checks them again before it runs them (kernel/load.c),
 * as for any loader.  Errors: EINVAL (not a CID), ENOENT (not in the bundle), E2BIG
 * (larger than the message limit), ENOMEM.
 */
#include "metal.h"
#include "kernel.h"

#include "cid.h"
#include "ifc_loader.h"

enum { ERRNO_2BIG = 1, ERRNO_INVAL = 28, ERRNO_NOENT = 44, ERRNO_NOMEM = 48 };

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	ifc_loader_get m;
	uint8_t digest[WOS_SHA256_SIZE];
	size_t len;
	if (!d->id)
		return;   /* nobody to give the bytes to */
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0 ||
	    wos_cid_parse((const char *)m.cid, m.cid_len, digest) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	const uint8_t *bytes = metal_bundle_get(digest, &len);
	if (!bytes) {
		answer_errno(k, d->id, ERRNO_NOENT);
		return;
	}
	if (len > UINT32_MAX - 8) {
		answer_errno(k, d->id, ERRNO_2BIG);
		return;
	}
	ifc_loader_get_answer a = { .bytes = bytes, .bytes_len = (uint32_t)len };
	uint32_t n = ifc_loader_get_answer_encode(&a, NULL, 0);
	uint8_t *body = metal_heap_alloc(NULL, NULL, 0, n);
	if (!body) {
		answer_errno(k, d->id, ERRNO_NOMEM);
		return;
	}
	ifc_loader_get_answer_encode(&a, body, n);
	/* larger than the kernel's message limit: say so rather than hold it */
	if (kern_answer(k, d->id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG)
		answer_errno(k, d->id, ERRNO_2BIG);
	metal_heap_alloc(NULL, body, n, 0);
}

static const kern_native loader_ops = { loader_message, NULL };

int metal_loader_register(struct kern_state *k)
{
	return kern_native_register(k, ifc_loader_id, &loader_ops, NULL) ? -1 : 0;
}
