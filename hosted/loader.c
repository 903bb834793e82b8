/* loader.c: the native `loader` handler: programs from the local content store
 * (store.h), named by CID.
 *
 * The store checks a block against its CID as it reads it, and the kernel checks the
 * bytes again before it instantiates them (kernel/load.c): defence in depth, since
 * any program may be the loader instead.  A block whose bytes hash to another CID is
 * refused here, with both CIDs on stderr.  The store is opened at the first request,
 * so a system that never loads by CID never touches $WASMOS_HOME.
 */
#include "control.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>

#include "ifc_loader.h"

/* WASI errno values (docs/interfaces.md). */
enum { ERRNO_2BIG = 1, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_NOENT = 44, ERRNO_NOMEM = 48 };

typedef struct hosted_loader {
	hosted_store store;
	bool open;
} hosted_loader;

static void answer_errno(kern_state *k, uint64_t id, int e)
{
	uint8_t b[2] = { (uint8_t)e, (uint8_t)(e >> 8) };
	kern_answer(k, id, b, 2, KERN_ANSWER_ERROR);
}

static int errno_of_store(int code)
{
	switch (code) {
	case HOSTED_STORE_ERR_CID: return ERRNO_INVAL;
	case HOSTED_STORE_ERR_NOTFOUND: return ERRNO_NOENT;
	case HOSTED_STORE_ERR_NOMEM: return ERRNO_NOMEM;
	default: return ERRNO_IO;
	}
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_loader *l = ud;
	hosted_store_error err;
	ifc_loader_get m;
	if (!d->id) return; /* nobody to give the bytes to */
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	if (!l->open) {
		if (hosted_store_open(&l->store, NULL, &err) != 0) {
			fprintf(stderr, "wasmos: loader: %s\n", err.msg);
			answer_errno(k, d->id, ERRNO_IO);
			return;
		}
		l->open = true;
	}
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = hosted_store_get(&l->store, (const char *)m.cid, m.cid_len, &bytes, &len, &err);
	if (rc != 0) {
		/* not found and not a CID are the caller's to report; a corrupt block, an I/O
		 * error are worth a line here */
		if (rc != HOSTED_STORE_ERR_NOTFOUND && rc != HOSTED_STORE_ERR_CID)
			fprintf(stderr, "wasmos: loader: %s\n", err.msg);
		answer_errno(k, d->id, errno_of_store(rc));
		return;
	}
	ifc_loader_get_answer a = { .bytes = bytes, .bytes_len = (uint32_t)len };
	uint32_t n = len < UINT32_MAX - 8 ? ifc_loader_get_answer_encode(&a, NULL, 0) : UINT32_MAX;
	uint8_t *body = n != UINT32_MAX ? malloc(n) : NULL;
	if (!body) {
		answer_errno(k, d->id, n == UINT32_MAX ? ERRNO_2BIG : ERRNO_NOMEM);
	} else {
		ifc_loader_get_answer_encode(&a, body, n);
		/* larger than the kernel's message limit: say so rather than hold it */
		if (kern_answer(k, d->id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG) answer_errno(k, d->id, ERRNO_2BIG);
	}
	free(body);
	free(bytes);
}

static const kern_native loader_ops = { loader_message, NULL };

int hosted_loader_init(hosted_sys *s)
{
	s->loader = calloc(1, sizeof *s->loader);
	if (!s->loader) return -1;
	return kern_native_register(s->k, ifc_loader_id, &loader_ops, s->loader) ? -1 : 0;
}

void hosted_loader_free(hosted_sys *s)
{
	if (!s->loader) return;
	if (s->loader->open) hosted_store_close(&s->loader->store);
	free(s->loader);
	s->loader = NULL;
}
