/* unixfs.c: the UnixFS importer (Helia's layout) and the checking reader.
 *
 * The importer builds the balanced tree a level at a time.  Level 1 nodes each take
 * up to 1024 (max_links) consecutive leaves, hashed straight from the input; each
 * later level takes up to 1024 consecutive nodes of the level below, until one is left.  A level
 * is a list of (CID, Tsize, filesize) entries in the scratch buffer; the next level is
 * written over it in place, since entry g is written only after entries 1024g and on
 * have been read.  That is exactly Helia's balanced reduce (batch, reduce, repeat),
 * including its one-link node for a last batch of one.
 *
 * The reader is a depth-first walk that appends each raw block and each node's own
 * Data.Data to the output.  Before anything looks at a block, its bytes are hashed
 * against the CID that named it; then the node's blocksizes must match what each
 * child produced, and its filesize the total.
 */
#include "unixfs.h"

#include "dagpb.h"
#include "mem.h"
#include "pb.h"

/* One node (or, at level 0, leaf) of the level being built. */
typedef struct entry {
	uint8_t cid[36];
	uint64_t tsize;    /* the block's bytes and all its descendants' */
	uint64_t filesize; /* bytes of file below it */
} entry;

/* The scratch buffer: one node being written, its blocksizes, the leaves of a level 1
 * node, then the entries of the level being built. */
typedef struct scratch {
	uint8_t node[WOS_UNIXFS_NODE_MAX];
	uint64_t sizes[WOS_UNIXFS_MAX_LINKS];
	entry kids[WOS_UNIXFS_MAX_LINKS];
	entry entries[];
} scratch;

static const wos_unixfs_params HELIA = { WOS_UNIXFS_CHUNK, WOS_UNIXFS_MAX_LINKS };

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

size_t wos_unixfs_import_scratch(const wos_unixfs_params *p, uint64_t len)
{
	if (!p)
		p = &HELIA;
	if (p->chunk == 0 || p->max_links < 2)
		return SIZE_MAX;
	return sizeof(scratch) + (size_t)div_up(div_up(len, p->chunk), p->max_links) * sizeof(entry);
}

/* Writes the node over n children, hands it to put and fills *e, which may be one of
 * the children: it is written only after they have all been read. */
static int make_node(scratch *s, const entry *children, size_t n, wos_unixfs_put_fn put, void *ctx,
		     entry *e)
{
	wos_pb_writer w;
	uint64_t filesize = 0, tsize = 0;
	size_t mark;
	long len;

	wos_pb_writer_init(&w, s->node, sizeof s->node);
	for (size_t i = 0; i < n; i++) {
		wos_dagpb_put_link(&w, children[i].cid, sizeof children[i].cid, "", 0, 1, children[i].tsize);
		s->sizes[i] = children[i].filesize;
		filesize += children[i].filesize;
		tsize += children[i].tsize;
	}
	mark = wos_pb_begin(&w, 1);
	wos_unixfs_data_put_file(&w, filesize, s->sizes, n);
	wos_pb_end(&w, mark);
	len = wos_pb_writer_finish(&w);
	if (len < 0)
		return -1; /* cannot happen: WOS_UNIXFS_NODE_MAX bounds a node */
	wos_cid_make(WOS_CODEC_DAG_PB, s->node, (size_t)len, e->cid);
	e->tsize = tsize + (uint64_t)len;
	e->filesize = filesize;
	return put(ctx, e->cid, sizeof e->cid, s->node, (size_t)len);
}

int wos_unixfs_import(const wos_unixfs_params *p, const uint8_t *data, size_t len, void *scratch_buf,
		      size_t scratch_len, wos_unixfs_put_fn put, void *ctx, uint8_t root[WOS_CID_BIN_MAX],
		      size_t *root_len)
{
	scratch *s = scratch_buf;
	size_t nleaves, n = 0;
	int rc;

	if (!p)
		p = &HELIA;
	if (p->chunk == 0 || p->max_links < 2 || p->max_links > WOS_UNIXFS_MAX_LINKS)
		return -1;
	if (len <= p->chunk) {
		*root_len = wos_cid_make(WOS_CODEC_RAW, data, len, root);
		return put(ctx, root, *root_len, data, len);
	}
	if (scratch_len < wos_unixfs_import_scratch(p, len))
		return -1;
	nleaves = (size_t)div_up(len, p->chunk);
	/* Level 1: each node over up to max_links leaves, hashed and handed over in order. */
	for (size_t first = 0; first < nleaves; first += p->max_links) {
		size_t batch = min_size(nleaves - first, p->max_links);
		for (size_t i = 0; i < batch; i++) {
			size_t off = (first + i) * p->chunk;
			size_t clen = min_size(len - off, p->chunk);
			entry *k = &s->kids[i];
			wos_cid_make(WOS_CODEC_RAW, data + off, clen, k->cid);
			k->tsize = clen;
			k->filesize = clen;
			if ((rc = put(ctx, k->cid, sizeof k->cid, data + off, clen)) != 0)
				return rc;
		}
		if ((rc = make_node(s, s->kids, batch, put, ctx, &s->entries[n++])) != 0)
			return rc;
	}
	/* Later levels, in place, until one node is left. */
	while (n > 1) {
		size_t m = 0;
		for (size_t first = 0; first < n; first += p->max_links) {
			size_t batch = min_size(n - first, p->max_links);
			if ((rc = make_node(s, &s->entries[first], batch, put, ctx, &s->entries[m++])) != 0)
				return rc;
		}
		n = m;
	}
	wos_memcpy(root, s->entries[0].cid, sizeof s->entries[0].cid);
	*root_len = sizeof s->entries[0].cid;
	return 0;
}

/* ---- reading --------------------------------------------------------------------------- */

#define VISIT_COST 64 /* work charged per block on top of its bytes: bounds empty-block bombs */

const char *wos_unixfs_error_text(int code)
{
	switch (code) {
	case WOS_UNIXFS_OK: return "ok";
	case WOS_UNIXFS_ERR_MISSING: return "block not available";
	case WOS_UNIXFS_ERR_MISMATCH: return "block bytes do not match its CID";
	case WOS_UNIXFS_ERR_HASH: return "hash function not supported (sha2-256, identity)";
	case WOS_UNIXFS_ERR_CODEC: return "block is neither raw nor dag-pb";
	case WOS_UNIXFS_ERR_NODE: return "malformed dag-pb node or UnixFS Data";
	case WOS_UNIXFS_ERR_NOT_FILE: return "not a UnixFS file (a directory, symlink, ...)";
	case WOS_UNIXFS_ERR_SIZE: return "UnixFS sizes disagree with the content";
	case WOS_UNIXFS_ERR_TOO_BIG: return "file larger than the limit";
	case WOS_UNIXFS_ERR_DEPTH: return "DAG deeper than the limit";
	case WOS_UNIXFS_ERR_WORK: return "DAG holds far more block bytes than its file needs";
	case WOS_UNIXFS_ERR_CID: return "root is not a CID";
	case WOS_UNIXFS_ERR_STOPPED: return "stopped by the caller";
	default: return "unknown UnixFS error";
	}
}

/* Records an error and the CID it is about. */
static int fail(wos_unixfs_reader *r, int err, int detail, const uint8_t *cid, size_t cid_len)
{
	r->err = err;
	r->detail = detail;
	if (!cid || wos_cid_text(cid, cid_len, r->cid, sizeof r->cid) < 0)
		r->cid[0] = '\0';
	return err;
}

/* The work a file of limit bytes may cost: its blocks twice over, and a megabyte. */
static uint64_t budget(const wos_unixfs_reader *r)
{
	uint64_t b = r->limit > (UINT64_MAX >> 2) ? UINT64_MAX >> 1 : 2 * r->limit;

	return b + WOS_UNIXFS_CHUNK;
}

/* Gets a block and checks it against its CID; *c is the CID read. */
static int fetch(wos_unixfs_reader *r, const uint8_t *cid, size_t cid_len, wos_cid_info *c,
		 const uint8_t **data, size_t *len)
{
	int rc = wos_cid_read(cid, cid_len, c);

	if (rc || c->len != cid_len)
		return fail(r, WOS_UNIXFS_ERR_CID, rc ? rc : WOS_CID_ERR_LENGTH, NULL, 0);
	r->work += VISIT_COST;
	if (r->work > budget(r))
		return fail(r, WOS_UNIXFS_ERR_WORK, 0, cid, cid_len);
	if (r->get(r->get_ctx, cid, cid_len, data, len) != 0)
		return fail(r, WOS_UNIXFS_ERR_MISSING, 0, cid, cid_len);
	r->work += *len;
	if (r->work > budget(r))
		return fail(r, WOS_UNIXFS_ERR_WORK, 0, cid, cid_len);
	rc = wos_cid_check(c, *data, *len);
	if (rc == WOS_CID_ERR_UNSUPPORTED)
		return fail(r, WOS_UNIXFS_ERR_HASH, 0, cid, cid_len);
	if (rc)
		return fail(r, WOS_UNIXFS_ERR_MISMATCH, 0, cid, cid_len);
	if (c->codec != WOS_CODEC_RAW && c->codec != WOS_CODEC_DAG_PB)
		return fail(r, WOS_UNIXFS_ERR_CODEC, 0, cid, cid_len);
	return 0;
}

/* Decodes a dag-pb file node and its UnixFS Data. */
static int file_node(wos_unixfs_reader *r, const uint8_t *cid, size_t cid_len, const uint8_t *data,
		     size_t len, wos_dagpb_node *n, wos_unixfs_data *d)
{
	int rc = wos_dagpb_decode(data, len, n);

	if (rc == 0 && !n->data)
		rc = WOS_DAGPB_ERR_UNIXFS;
	if (rc == 0)
		rc = wos_unixfs_data_decode(n->data, n->data_len, d);
	if (rc)
		return fail(r, WOS_UNIXFS_ERR_NODE, rc, cid, cid_len);
	if (d->type != WOS_UNIXFS_FILE && d->type != WOS_UNIXFS_RAW)
		return fail(r, WOS_UNIXFS_ERR_NOT_FILE, 0, cid, cid_len);
	/* Each child has its size, or there are no children. */
	if (n->nlinks && d->nblocksizes != n->nlinks)
		return fail(r, WOS_UNIXFS_ERR_SIZE, 0, cid, cid_len);
	return 0;
}

/* Appends n bytes of file. */
static int append(wos_unixfs_reader *r, const uint8_t *cid, size_t cid_len, const uint8_t *p, size_t n)
{
	if (n > r->limit - r->size)
		return fail(r, WOS_UNIXFS_ERR_TOO_BIG, 0, cid, cid_len);
	if (r->out)
		wos_memcpy(r->out + r->size, p, n);
	r->size += n;
	return 0;
}

static int visit(wos_unixfs_reader *r, const uint8_t *cid, size_t cid_len, unsigned depth)
{
	wos_cid_info c;
	const uint8_t *data;
	size_t len;
	wos_dagpb_node n;
	wos_unixfs_data d;
	wos_dagpb_links links;
	wos_dagpb_link l;
	wos_unixfs_sizes sizes;
	uint64_t start = r->size, want;
	int rc;

	if (depth > WOS_UNIXFS_MAX_DEPTH)
		return fail(r, WOS_UNIXFS_ERR_DEPTH, 0, cid, cid_len);
	if ((rc = fetch(r, cid, cid_len, &c, &data, &len)) != 0)
		return rc;
	if (r->on_block && r->on_block(r->block_ctx, cid, cid_len, data, len) != 0)
		return fail(r, WOS_UNIXFS_ERR_STOPPED, 0, cid, cid_len);
	if (c.codec == WOS_CODEC_RAW)
		return append(r, cid, cid_len, data, len);
	if ((rc = file_node(r, cid, cid_len, data, len, &n, &d)) != 0)
		return rc;
	if (d.data && (rc = append(r, cid, cid_len, d.data, d.data_len)) != 0)
		return rc;
	wos_dagpb_links_init(&links, &n);
	wos_unixfs_sizes_init(&sizes, &d);
	while (wos_dagpb_next_link(&links, &l) && wos_unixfs_next_size(&sizes, &want)) {
		uint64_t before = r->size;
		/* The link's bytes live in data, which the getter keeps valid. */
		if ((rc = visit(r, l.cid_bytes, l.cid.len, depth + 1)) != 0)
			return rc;
		if (r->size - before != want)
			return fail(r, WOS_UNIXFS_ERR_SIZE, 0, l.cid_bytes, l.cid.len);
	}
	if (d.has_filesize && r->size - start != d.filesize)
		return fail(r, WOS_UNIXFS_ERR_SIZE, 0, cid, cid_len);
	return 0;
}

static void reset(wos_unixfs_reader *r)
{
	r->size = 0;
	r->work = 0;
	r->err = 0;
	r->detail = 0;
	r->cid[0] = '\0';
}

int wos_unixfs_read(wos_unixfs_reader *r, const uint8_t *root, size_t root_len)
{
	reset(r);
	return visit(r, root, root_len, 0);
}

int wos_unixfs_stat(wos_unixfs_reader *r, const uint8_t *root, size_t root_len, uint64_t *size)
{
	wos_cid_info c;
	const uint8_t *data;
	size_t len;
	wos_dagpb_node n;
	wos_unixfs_data d;
	int rc;

	reset(r);
	if ((rc = fetch(r, root, root_len, &c, &data, &len)) != 0)
		return rc;
	if (c.codec == WOS_CODEC_RAW) {
		*size = len;
		return 0;
	}
	if ((rc = file_node(r, root, root_len, data, len, &n, &d)) != 0)
		return rc;
	if (!d.has_filesize && n.nlinks)
		return fail(r, WOS_UNIXFS_ERR_SIZE, 0, root, root_len);
	*size = d.has_filesize ? d.filesize : d.data_len;
	return 0;
}
