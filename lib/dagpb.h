/* dagpb.h: dag-pb nodes (PBNode, PBLink) and the UnixFS Data they carry.
 *
 *   PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }
 *   PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
 *   Data (UnixFS) { Type = 1 (Raw 0, Directory 1, File 2, Metadata 3, Symlink 4,
 *     HAMTShard 5); bytes Data = 2; uint64 filesize = 3; repeated uint64 blocksizes = 4;
 *     hashType = 5; fanout = 6; mode = 7; mtime = 8 }
 *
 * Decoding follows the IPLD dag-pb spec strictly, since a node's bytes are hashed and
 * two encodings of one node would be two CIDs: in a PBNode every Link comes before
 * Data, Data at most once, no other field; in a PBLink Hash (required, a valid CID),
 * Name, Tsize in that order, each at most once, no other field.  The UnixFS Data is
 * read more leniently, as implementations do: Type is required, fields 5 to 8 and
 * unknown fields are skipped, blocksizes may be packed.  Encoding writes the canonical
 * form (Links, then Data; fields in number order).  Freestanding; nothing allocates.
 * Included by lib/unixfs.c, the kernel (through it) and net/.
 */
#ifndef WASMOS_LIB_DAGPB_H
#define WASMOS_LIB_DAGPB_H

#include <stddef.h>
#include <stdint.h>

#include "cid.h"
#include "pb.h"

enum {
	WOS_DAGPB_OK = 0,
	WOS_DAGPB_ERR_PB = -1,      /* not protobuf (pb_err says how) */
	WOS_DAGPB_ERR_FIELD = -2,   /* a field dag-pb does not have, or of the wrong wire type */
	WOS_DAGPB_ERR_ORDER = -3,   /* Links after Data, a repeated Data/Hash/Name/Tsize, link fields out of order */
	WOS_DAGPB_ERR_HASH = -4,    /* a link without Hash, or whose Hash is not one whole CID */
	WOS_DAGPB_ERR_UNIXFS = -5,  /* the UnixFS Data is malformed (no Type, wrong wire types) */
};

/* The fixed text of a WOS_DAGPB_* code. */
const char *wos_dagpb_error_text(int code);

/* UnixFS node types. */
enum {
	WOS_UNIXFS_RAW = 0,
	WOS_UNIXFS_DIRECTORY = 1,
	WOS_UNIXFS_FILE = 2,
	WOS_UNIXFS_METADATA = 3,
	WOS_UNIXFS_SYMLINK = 4,
	WOS_UNIXFS_HAMT_SHARD = 5,
};

/* A decoded node; views point into the bytes decoded, which must outlive it. */
typedef struct wos_dagpb_node {
	const uint8_t *data; /* Data, or NULL when absent */
	size_t data_len;
	const uint8_t *links; /* the Links fields, back to back (they all come first) */
	size_t links_len;
	size_t nlinks;
	int pb_err;           /* with WOS_DAGPB_ERR_PB: the WOS_PB_ERR_* */
} wos_dagpb_node;

/* One link. */
typedef struct wos_dagpb_link {
	wos_cid_info cid;
	const uint8_t *cid_bytes; /* cid.len bytes */
	const uint8_t *name;      /* NULL when absent (an empty Name is not NULL) */
	size_t name_len;
	uint64_t tsize;
	int has_tsize;
} wos_dagpb_link;

/* Decodes and checks a whole node, links included.  Returns 0 or a WOS_DAGPB_ERR_*. */
int wos_dagpb_decode(const uint8_t *p, size_t len, wos_dagpb_node *n);
/* A cursor over the links of a node that decoded, in order. */
typedef struct wos_dagpb_links {
	wos_pb_reader r;
} wos_dagpb_links;
void wos_dagpb_links_init(wos_dagpb_links *it, const wos_dagpb_node *n);
/* The next link: returns 1, or 0 after the last (the node decoded, so no errors). */
int wos_dagpb_next_link(wos_dagpb_links *it, wos_dagpb_link *l);

/* Writing a node: every link first, then the data (this order is the canonical one).
 * name may be NULL (no Name field); has_tsize 0 leaves Tsize out. */
void wos_dagpb_put_link(wos_pb_writer *w, const uint8_t *cid, size_t cid_len, const char *name,
			size_t name_len, int has_tsize, uint64_t tsize);
void wos_dagpb_put_data(wos_pb_writer *w, const uint8_t *data, size_t len);

/* ---- UnixFS Data ----------------------------------------------------------------------- */

typedef struct wos_unixfs_data {
	uint64_t type;         /* WOS_UNIXFS_* (other values are passed on, for the caller to refuse) */
	const uint8_t *data;   /* Data.Data, or NULL */
	size_t data_len;
	uint64_t filesize;
	int has_filesize;
	size_t nblocksizes;
	const uint8_t *p;      /* the bytes decoded, for walking blocksizes */
	size_t len;
} wos_unixfs_data;

/* Decodes the UnixFS Data of a node (the PBNode's Data).  Returns 0 or
 * WOS_DAGPB_ERR_UNIXFS. */
int wos_unixfs_data_decode(const uint8_t *p, size_t len, wos_unixfs_data *d);
/* Walks blocksizes in order, packed or not. */
typedef struct wos_unixfs_sizes {
	wos_pb_reader r;
	const uint8_t *packed; /* inside a packed run: what is left of it */
	size_t packed_len;
} wos_unixfs_sizes;
void wos_unixfs_sizes_init(wos_unixfs_sizes *it, const wos_unixfs_data *d);
/* The next blocksize: returns 1, or 0 after the last (the Data decoded). */
int wos_unixfs_next_size(wos_unixfs_sizes *it, uint64_t *size);

/* Writes the UnixFS Data of a file node: Type File, filesize, then each blocksize
 * (unpacked, as Helia writes them). */
void wos_unixfs_data_put_file(wos_pb_writer *w, uint64_t filesize, const uint64_t *blocksizes,
			      size_t n);

#endif
