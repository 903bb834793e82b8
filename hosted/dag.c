/* dag.c: files of several blocks in the local store.
 *
 * The importer and the reader are lib/unixfs.c; this file connects them to the store:
 * blocks go in through hosted_store_put_block, and come out through hosted_store_get,
 * which checks each against its CID as it reads it (the reader checks again: both are
 * cheap next to the disk).  A reader's blocks stay in memory until it returns, since
 * the links it walks point into them.
 */
#include "dag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "car.h"
#include "unixfs.h"

/* Fills err with code and a formatted message; returns code. */
static int fail(hosted_store_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- adding ------------------------------------------------------------------------------ */

typedef struct adder {
	hosted_store *st;
	hosted_store_error *err;
} adder;

static int put(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *block, size_t len)
{
	adder *a = ctx;
	char text[WOS_CID_MAX];
	wos_cid_info c;

	(void)cid_len;
	wos_cid_read(cid, cid_len, &c); /* the importer's own CIDs: raw or dag-pb */
	return hosted_store_put_block(a->st, c.codec, block, len, text, a->err) ? 1 : 0;
}

int hosted_dag_add(hosted_store *st, const uint8_t *bytes, size_t len, char cid[WOS_CID_MAX],
		   hosted_store_error *err)
{
	size_t need = wos_unixfs_import_scratch(NULL, len), root_len;
	uint8_t root[WOS_CID_BIN_MAX];
	adder a = { st, err };
	void *scratch = len > WOS_UNIXFS_CHUNK ? malloc(need) : NULL;
	int rc;

	err->code = 0;
	if (len > WOS_UNIXFS_CHUNK && !scratch)
		return fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
	rc = wos_unixfs_import(NULL, bytes, len, scratch, need, put, &a, root, &root_len);
	free(scratch);
	if (rc)
		return err->code ? err->code : fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
	wos_cid_text(root, root_len, cid, WOS_CID_MAX);
	return HOSTED_STORE_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct getter {
	hosted_store *st;
	hosted_store_error err; /* the store's error for the block last refused */
	uint8_t **blocks;       /* every block read, freed at the end */
	size_t n, cap;
} getter;

static int get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	getter *g = ctx;
	char text[WOS_CID_TEXT_MAX];
	uint8_t *bytes, **more;
	long t = wos_cid_text(cid, cid_len, text, sizeof text);

	if (t < 0)
		return -1;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		if (!(more = realloc(g->blocks, g->cap * sizeof *more))) {
			fail(&g->err, HOSTED_STORE_ERR_NOMEM, "out of memory");
			return -1;
		}
		g->blocks = more;
	}
	if (hosted_store_get(g->st, text, (size_t)t, &bytes, len, &g->err) != 0)
		return -1;
	g->blocks[g->n++] = bytes;
	*data = bytes;
	return 0;
}

static void getter_free(getter *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->blocks[i]);
	free(g->blocks);
}

/* The store error for a reader's failure: the store's own when a block was refused. */
static int reader_fail(const getter *g, const wos_unixfs_reader *r, const char *cid, size_t cid_len,
		       hosted_store_error *err)
{
	if (r->err == WOS_UNIXFS_ERR_MISSING && g->err.code) {
		*err = g->err;
		if (err->code == HOSTED_STORE_ERR_NOTFOUND)
			fail(err, err->code, "%s: a block of this file is not in the store: %s", r->cid, g->err.msg);
		return err->code;
	}
	return fail(err, r->err == WOS_UNIXFS_ERR_TOO_BIG ? HOSTED_STORE_ERR_TOOBIG : HOSTED_STORE_ERR_DAG,
		    "%.*s: block %s: %s", (int)(cid_len > 200 ? 200 : cid_len), cid, r->cid[0] ? r->cid : "?",
		    wos_unixfs_error_text(r->err));
}

/* Reads the root of a file by its text; fills root/root_len and *codec. */
static int root_of(const char *cid, size_t cid_len, uint8_t root[WOS_CID_BIN_MAX], size_t *root_len,
		   uint64_t *codec, hosted_store_error *err)
{
	uint8_t digest[WOS_SHA256_SIZE];
	char text[WOS_CID_MAX];
	int code = wos_cid_parse_file(cid, cid_len, codec, digest);

	if (code)
		return fail(err, HOSTED_STORE_ERR_CID, "'%.*s' is not a CID: %s", (int)(cid_len > 200 ? 200 : cid_len),
			    cid, wos_cid_error_text(code));
	wos_cid_format_file(*codec, digest, text);
	wos_cid_decode_text(text, WOS_CID_LEN, root, root_len);
	return 0;
}

int hosted_dag_read(hosted_store *st, const char *cid, size_t cid_len, uint8_t **bytes, size_t *len,
		    hosted_store_error *err)
{
	uint8_t root[WOS_CID_BIN_MAX], *out;
	size_t root_len;
	uint64_t codec, size;
	getter g = { .st = st };
	wos_unixfs_reader r;
	int rc;

	if ((rc = root_of(cid, cid_len, root, &root_len, &codec, err)) != 0)
		return rc;
	if (codec == WOS_CODEC_RAW)
		return hosted_store_get(st, cid, cid_len, bytes, len, err);
	memset(&r, 0, sizeof r);
	r.get = get;
	r.get_ctx = &g;
	r.limit = HOSTED_DAG_FILE_MAX;
	if (wos_unixfs_stat(&r, root, root_len, &size) != 0) {
		rc = reader_fail(&g, &r, cid, cid_len, err);
		getter_free(&g);
		return rc;
	}
	getter_free(&g);
	memset(&g, 0, sizeof g);
	g.st = st;
	if (size > HOSTED_DAG_FILE_MAX)
		return fail(err, HOSTED_STORE_ERR_TOOBIG, "%.*s: a file of %llu bytes, more than %u",
			    (int)(cid_len > 200 ? 200 : cid_len), cid, (unsigned long long)size, HOSTED_DAG_FILE_MAX);
	if (!(out = malloc(size ? size : 1)))
		return fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
	r.out = out;
	r.limit = size;
	if (wos_unixfs_read(&r, root, root_len) != 0) {
		rc = reader_fail(&g, &r, cid, cid_len, err);
		getter_free(&g);
		free(out);
		return rc;
	}
	getter_free(&g);
	*bytes = out;
	*len = (size_t)size;
	return HOSTED_STORE_OK;
}

/* ---- CAR --------------------------------------------------------------------------------- */

typedef struct growing {
	uint8_t *buf;
	size_t len, cap;
} growing;

static int append(void *ctx, const void *data, size_t n)
{
	growing *b = ctx;

	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *more;
		while (cap - b->len < n)
			cap *= 2;
		if (!(more = realloc(b->buf, cap)))
			return -1;
		b->buf = more;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

static int car_block(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *data, size_t len)
{
	wos_car_writer *w = ctx;

	wos_car_put_block(w, cid, cid_len, data, len);
	return w->err != 0;
}

int hosted_dag_car(hosted_store *st, const char *cid, size_t cid_len, uint8_t **car, size_t *len,
		   hosted_store_error *err)
{
	uint8_t root[WOS_CID_BIN_MAX];
	size_t root_len;
	uint64_t codec;
	getter g = { .st = st };
	growing out = { 0 };
	wos_car_writer w;
	wos_unixfs_reader r;
	int rc;

	if ((rc = root_of(cid, cid_len, root, &root_len, &codec, err)) != 0)
		return rc;
	wos_car_writer_init_fn(&w, append, &out);
	wos_car_put_header(&w, root, root_len);
	memset(&r, 0, sizeof r);
	r.get = get;
	r.get_ctx = &g;
	r.on_block = car_block;
	r.block_ctx = &w;
	r.limit = HOSTED_DAG_FILE_MAX;
	rc = wos_unixfs_read(&r, root, root_len);
	if (rc == 0 && w.err)
		rc = WOS_UNIXFS_ERR_STOPPED;
	if (rc) {
		rc = w.err ? fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory") : reader_fail(&g, &r, cid, cid_len, err);
		getter_free(&g);
		free(out.buf);
		return rc;
	}
	getter_free(&g);
	*car = out.buf;
	*len = out.len;
	return HOSTED_STORE_OK;
}
