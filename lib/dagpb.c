/* dagpb.c: dag-pb nodes and UnixFS Data, strict where the bytes are hashed.
 *
 * wos_dagpb_decode walks the node once and checks every link completely (field
 * order, a Hash that is one whole CID), so the link cursor afterwards has no error
 * cases: it re-reads fields already known to be good.
 */
#include "dagpb.h"

#include "varint.h"

#define NODE_DATA 1
#define NODE_LINKS 2
#define LINK_HASH 1
#define LINK_NAME 2
#define LINK_TSIZE 3

#define UFS_TYPE 1
#define UFS_DATA 2
#define UFS_FILESIZE 3
#define UFS_BLOCKSIZES 4

const char *wos_dagpb_error_text(int code)
{
	switch (code) {
	case WOS_DAGPB_OK: return "ok";
	case WOS_DAGPB_ERR_PB: return "dag-pb: not a protobuf message";
	case WOS_DAGPB_ERR_FIELD: return "dag-pb: unknown field or wrong wire type";
	case WOS_DAGPB_ERR_ORDER: return "dag-pb: fields out of canonical order or repeated";
	case WOS_DAGPB_ERR_HASH: return "dag-pb: link without a valid CID in Hash";
	case WOS_DAGPB_ERR_UNIXFS: return "dag-pb: malformed UnixFS Data";
	default: return "dag-pb: unknown error";
	}
}

/* Reads one PBLink's fields; with l NULL it only checks them. */
static int link(const uint8_t *p, size_t len, wos_dagpb_link *l, int *pb_err)
{
	wos_pb_reader r;
	wos_pb_field f;
	uint32_t last = 0;
	int rc, has_hash = 0;
	wos_dagpb_link tmp;

	if (!l)
		l = &tmp;
	l->name = NULL;
	l->name_len = 0;
	l->tsize = 0;
	l->has_tsize = 0;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.num <= last)
			return f.num <= LINK_TSIZE ? WOS_DAGPB_ERR_ORDER : WOS_DAGPB_ERR_FIELD;
		last = f.num;
		switch (f.num) {
		case LINK_HASH:
			if (f.wire != WOS_PB_BYTES)
				return WOS_DAGPB_ERR_FIELD;
			if (wos_cid_read(f.bytes, f.len, &l->cid) != 0 || l->cid.len != f.len)
				return WOS_DAGPB_ERR_HASH;
			l->cid_bytes = f.bytes;
			has_hash = 1;
			break;
		case LINK_NAME:
			if (f.wire != WOS_PB_BYTES)
				return WOS_DAGPB_ERR_FIELD;
			l->name = f.bytes;
			l->name_len = f.len;
			break;
		case LINK_TSIZE:
			if (f.wire != WOS_PB_VARINT)
				return WOS_DAGPB_ERR_FIELD;
			l->tsize = f.value;
			l->has_tsize = 1;
			break;
		default:
			return WOS_DAGPB_ERR_FIELD;
		}
	}
	if (rc < 0) {
		*pb_err = rc;
		return WOS_DAGPB_ERR_PB;
	}
	return has_hash ? 0 : WOS_DAGPB_ERR_HASH;
}

int wos_dagpb_decode(const uint8_t *p, size_t len, wos_dagpb_node *n)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc;

	n->data = NULL;
	n->data_len = 0;
	n->links = p;
	n->links_len = 0;
	n->nlinks = 0;
	n->pb_err = 0;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		if (f.wire != WOS_PB_BYTES || (f.num != NODE_DATA && f.num != NODE_LINKS))
			return WOS_DAGPB_ERR_FIELD;
		if (n->data)
			return WOS_DAGPB_ERR_ORDER; /* nothing may follow Data */
		if (f.num == NODE_DATA) {
			n->data = f.bytes;
			n->data_len = f.len;
			continue;
		}
		if ((rc = link(f.bytes, f.len, NULL, &n->pb_err)) != 0)
			return rc;
		n->nlinks++;
		n->links_len = r.pos;
	}
	if (rc < 0) {
		n->pb_err = rc;
		return WOS_DAGPB_ERR_PB;
	}
	return 0;
}

void wos_dagpb_links_init(wos_dagpb_links *it, const wos_dagpb_node *n)
{
	wos_pb_reader_init(&it->r, n->links, n->links_len);
}

int wos_dagpb_next_link(wos_dagpb_links *it, wos_dagpb_link *l)
{
	wos_pb_field f;
	int pb_err;

	if (wos_pb_next(&it->r, &f) != 1)
		return 0;
	return link(f.bytes, f.len, l, &pb_err) == 0;
}

void wos_dagpb_put_link(wos_pb_writer *w, const uint8_t *cid, size_t cid_len, const char *name,
			size_t name_len, int has_tsize, uint64_t tsize)
{
	size_t mark = wos_pb_begin(w, NODE_LINKS);

	wos_pb_put_bytes(w, LINK_HASH, cid, cid_len);
	if (name)
		wos_pb_put_bytes(w, LINK_NAME, name, name_len);
	if (has_tsize)
		wos_pb_put_varint(w, LINK_TSIZE, tsize);
	wos_pb_end(w, mark);
}

void wos_dagpb_put_data(wos_pb_writer *w, const uint8_t *data, size_t len)
{
	wos_pb_put_bytes(w, NODE_DATA, data, len);
}

/* ---- UnixFS Data ----------------------------------------------------------------------- */

/* Counts the varints of a packed run; -1 when one is malformed. */
static long packed_count(const uint8_t *p, size_t len)
{
	long count = 0;
	uint64_t v;

	for (size_t at = 0; at < len; count++) {
		size_t n = wos_varint_get_u64(p + at, len - at, &v);
		if (n == 0)
			return -1;
		at += n;
	}
	return count;
}

int wos_unixfs_data_decode(const uint8_t *p, size_t len, wos_unixfs_data *d)
{
	wos_pb_reader r;
	wos_pb_field f;
	int rc, has_type = 0;
	long k;

	d->type = 0;
	d->data = NULL;
	d->data_len = 0;
	d->filesize = 0;
	d->has_filesize = 0;
	d->nblocksizes = 0;
	d->p = p;
	d->len = len;
	wos_pb_reader_init(&r, p, len);
	while ((rc = wos_pb_next(&r, &f)) == 1) {
		switch (f.num) {
		case UFS_TYPE:
			if (f.wire != WOS_PB_VARINT || has_type)
				return WOS_DAGPB_ERR_UNIXFS;
			d->type = f.value;
			has_type = 1;
			break;
		case UFS_DATA:
			if (f.wire != WOS_PB_BYTES || d->data)
				return WOS_DAGPB_ERR_UNIXFS;
			d->data = f.bytes;
			d->data_len = f.len;
			break;
		case UFS_FILESIZE:
			if (f.wire != WOS_PB_VARINT || d->has_filesize)
				return WOS_DAGPB_ERR_UNIXFS;
			d->filesize = f.value;
			d->has_filesize = 1;
			break;
		case UFS_BLOCKSIZES:
			if (f.wire == WOS_PB_VARINT) {
				d->nblocksizes++;
			} else if (f.wire == WOS_PB_BYTES && (k = packed_count(f.bytes, f.len)) >= 0) {
				d->nblocksizes += (size_t)k;
			} else {
				return WOS_DAGPB_ERR_UNIXFS;
			}
			break;
		default:
			break; /* hashType, fanout, mode, mtime and newer fields: not ours to judge */
		}
	}
	return rc == 0 && has_type ? 0 : WOS_DAGPB_ERR_UNIXFS;
}

void wos_unixfs_sizes_init(wos_unixfs_sizes *it, const wos_unixfs_data *d)
{
	wos_pb_reader_init(&it->r, d->p, d->len);
	it->packed = NULL;
	it->packed_len = 0;
}

int wos_unixfs_next_size(wos_unixfs_sizes *it, uint64_t *size)
{
	wos_pb_field f;

	for (;;) {
		if (it->packed_len) {
			size_t n = wos_varint_get_u64(it->packed, it->packed_len, size);
			if (n == 0)
				return 0; /* cannot happen once the Data decoded */
			it->packed += n;
			it->packed_len -= n;
			return 1;
		}
		if (wos_pb_next(&it->r, &f) != 1)
			return 0;
		if (f.num != UFS_BLOCKSIZES)
			continue;
		if (f.wire == WOS_PB_VARINT) {
			*size = f.value;
			return 1;
		}
		it->packed = f.bytes;
		it->packed_len = f.len;
	}
}

void wos_unixfs_data_put_file(wos_pb_writer *w, uint64_t filesize, const uint64_t *blocksizes,
			      size_t n)
{
	wos_pb_put_varint(w, UFS_TYPE, WOS_UNIXFS_FILE);
	wos_pb_put_varint(w, UFS_FILESIZE, filesize);
	for (size_t i = 0; i < n; i++)
		wos_pb_put_varint(w, UFS_BLOCKSIZES, blocksizes[i]);
}
