/* loader.c: the native `loader` handler: programs from the local content store
 * (store.h), named by CID, and from the network (fetch.h) when the store lacks one
 * and a source is configured (hosted_loader_configure).  A raw CID's answer is the
 * block; a dag-pb CID's is a CAR of every block of the file (hosted/dag.h), which the
 * kernel checks and joins; the fetcher brings either kind.
 *
 * The store checks a block against its CID as it reads it, and the kernel checks the
 * bytes again before it instantiates them (kernel/load.c): defence in depth, since
 * any program may be the loader instead.  A block whose bytes hash to another CID is
 * refused here, with both CIDs on stderr.  The store is opened at the first request,
 * so a system that never loads by CID never touches $WASMOS_HOME.  A fetch runs on
 * the event loop while other processes run; its message is answered when the block is
 * in the store (checked by the fetcher, again by the store, again by the kernel), or
 * with an error after a line on stderr that names the CID and why.
 */
#include "control.h"
#include "dag.h"
#include "fetch.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_loader.h"

/* WASI errno values (docs/interfaces.md). */
enum { ERRNO_2BIG = 1, ERRNO_INVAL = 28, ERRNO_IO = 29, ERRNO_NOENT = 44, ERRNO_NOMEM = 48 };

/* A loader.get waiting for a fetch. */
typedef struct pending {
	struct hosted_loader *l;
	uint64_t id;
	struct pending *next;
} pending;

typedef struct hosted_loader {
	hosted_store store;
	bool open;
	kern_state *k;
	hosted_fetch *fetch;     /* NULL: the store only */
	pending *pendings;
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
	case HOSTED_STORE_ERR_TOOBIG: return ERRNO_2BIG;
	default: return ERRNO_IO;
	}
}

/* Answers id with the block of cid from the store, or with the store's error; but
 * when may_fetch and the block is missing or corrupt, answers nothing and returns
 * that code (the network may have it).  Returns 0 when answered. */
static int answer_from_store(hosted_loader *l, kern_state *k, uint64_t id, const char *cid, size_t cid_len,
			     bool may_fetch)
{
	hosted_store_error err;
	if (!l->open) {
		if (hosted_store_open(&l->store, NULL, &err) != 0) {
			fprintf(stderr, "wasmos: loader: %s\n", err.msg);
			answer_errno(k, id, ERRNO_IO);
			return 0;
		}
		l->open = true;
	}
	uint8_t *bytes = NULL, digest[WOS_SHA256_SIZE];
	uint64_t codec = WOS_CODEC_RAW;
	size_t len = 0;
	/* a dag-pb CID names a file of several blocks: the answer is a CAR of them all */
	(void)wos_cid_parse_file(cid, cid_len, &codec, digest);
	int rc = codec == WOS_CODEC_DAG_PB ? hosted_dag_car(&l->store, cid, cid_len, &bytes, &len, &err)
					   : hosted_store_get(&l->store, cid, cid_len, &bytes, &len, &err);
	if (rc != 0) {
		/* not found and not a CID are the caller's to report; a corrupt block, an I/O
		 * error are worth a line here */
		if (rc != HOSTED_STORE_ERR_NOTFOUND && rc != HOSTED_STORE_ERR_CID)
			fprintf(stderr, "wasmos: loader: %s\n", err.msg);
		if (may_fetch && (rc == HOSTED_STORE_ERR_NOTFOUND || rc == HOSTED_STORE_ERR_CORRUPT)) return rc;
		answer_errno(k, id, errno_of_store(rc));
		return 0;
	}
	ifc_loader_get_answer a = { .bytes = bytes, .bytes_len = (uint32_t)len };
	uint32_t n = len < UINT32_MAX - 8 ? ifc_loader_get_answer_encode(&a, NULL, 0) : UINT32_MAX;
	uint8_t *body = n != UINT32_MAX ? malloc(n) : NULL;
	if (!body) {
		answer_errno(k, id, n == UINT32_MAX ? ERRNO_2BIG : ERRNO_NOMEM);
	} else {
		ifc_loader_get_answer_encode(&a, body, n);
		/* larger than the kernel's message limit: say so rather than hold it */
		if (kern_answer(k, id, body, n, KERN_ANSWER_OK) == KERN_ETOOBIG) answer_errno(k, id, ERRNO_2BIG);
	}
	free(body);
	free(bytes);
	return 0;
}

static void unlink_pending(hosted_loader *l, pending *p)
{
	for (pending **pp = &l->pendings; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

/* A fetch for a pending loader.get ended. */
static void fetched(void *ud, int rc, const char *why)
{
	pending *p = ud;
	hosted_loader *l = p->l;
	unlink_pending(l, p);
	if (rc == HOSTED_FETCH_OK) {
		/* the fetcher named the block by the CID's canonical text: ask for that */
		char cid[WOS_CID_MAX];
		uint8_t digest[WOS_SHA256_SIZE];
		uint64_t codec;
		memcpy(cid, p + 1, WOS_CID_MAX);
		if (wos_cid_parse_file(cid, strlen(cid), &codec, digest) == WOS_CID_OK) {
			answer_from_store(l, l->k, p->id, cid, strlen(cid), false);
			free(p);
			return;
		}
	}
	fprintf(stderr, "wasmos: loader: fetch %s\n", why ? why : "failed");
	answer_errno(l->k, p->id, rc == HOSTED_FETCH_ERR_NOTFOUND ? ERRNO_NOENT : ERRNO_IO);
	free(p);
}

static void loader_message(void *ud, kern_state *k, const kern_delivery *d)
{
	hosted_loader *l = ud;
	ifc_loader_get m;
	if (!d->id) return; /* nobody to give the bytes to */
	if (ifc_loader_get_decode(d->body, d->len, &m) != 0) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	const char *cid = (const char *)m.cid;
	uint8_t digest[WOS_SHA256_SIZE];
	char canon[WOS_CID_MAX];
	uint64_t codec = WOS_CODEC_RAW;
	bool may_fetch = l->fetch && hosted_fetch_has_sources(l->fetch);
	if (answer_from_store(l, k, d->id, cid, m.cid_len, may_fetch) == 0) return;
	/* the store parsed it: a CID of a file (raw block or dag-pb root) */
	if (wos_cid_parse_file(cid, m.cid_len, &codec, digest) != WOS_CID_OK) {
		answer_errno(k, d->id, ERRNO_INVAL);
		return;
	}
	wos_cid_format_file(codec, digest, canon);
	/* not here: the network; the CID's text rides after the record */
	pending *p = calloc(1, sizeof *p + WOS_CID_MAX);
	char why[512];
	if (!p) {
		answer_errno(k, d->id, ERRNO_NOMEM);
		return;
	}
	memcpy(p + 1, canon, WOS_CID_MAX);
	p->l = l;
	p->id = d->id;
	p->next = l->pendings;
	l->pendings = p;
	int rc = hosted_fetch_start(l->fetch, canon, WOS_CID_LEN, fetched, p, why, sizeof why);
	if (rc != 0) {
		unlink_pending(l, p);
		free(p);
		fprintf(stderr, "wasmos: loader: fetch %s\n", why);
		answer_errno(k, d->id, rc == HOSTED_FETCH_ERR_NOSOURCE ? ERRNO_NOENT : ERRNO_IO);
	}
}

static const kern_native loader_ops = { loader_message, NULL };

int hosted_loader_init(hosted_sys *s)
{
	s->loader = calloc(1, sizeof *s->loader);
	if (!s->loader) return -1;
	s->loader->k = s->k;
	return kern_native_register(s->k, ifc_loader_id, &loader_ops, s->loader) ? -1 : 0;
}

void hosted_loader_free(hosted_sys *s)
{
	if (!s->loader) return;
	hosted_fetch_free(s->loader->fetch); /* no callbacks: the kernel is gone */
	while (s->loader->pendings) {
		pending *p = s->loader->pendings;
		s->loader->pendings = p->next;
		free(p);
	}
	if (s->loader->open) hosted_store_close(&s->loader->store);
	free(s->loader);
	s->loader = NULL;
}

int hosted_loader_configure(hosted_sys *s, const hosted_fetch_config *c, char *why, size_t cap)
{
	hosted_fetch *f = hosted_fetch_new(s->loop, c, why, cap);
	if (!f) return -1;
	hosted_fetch_free(s->loader->fetch);
	s->loader->fetch = f;
	return 0;
}
