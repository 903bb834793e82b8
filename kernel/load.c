/* load.c: starting a program named by its CID (kern_spawn_cid).
 *
 * The kernel asks whoever handles `loader` for the bytes: a message from the kernel
 * itself (sender 0) whose answer comes to on_bytes.  It checks them against the CID
 * before anything else looks at them, and only then spawns them, so a loader need
 * not be trusted: a native one over a local store, a program fetching from a
 * network, anything that answers.
 *
 * A raw CID names the program's bytes.  A dag-pb CID names the root of a UnixFS file
 * of several blocks (lib/unixfs.h): the loader answers a CAR of its blocks, and the
 * kernel reads the file from the root through them, hashing every block it uses
 * against the CID that named it, so a lying loader is caught at the block it lied
 * about.  Either way the program is at most KERN_MAX_PROGRAM bytes.
 *
 * A request (kern_load) owns a copy of the spawn arguments, made when it is sent,
 * since the answer comes later.  It lives on k->loads until its answer arrives (or
 * kern_free ends it) and its callback is called exactly once, then it is freed.
 */
#include "internal.h"
#include "blockset.h"
#include "cid.h"
#include "fmt.h"
#include "mem.h"
#include "unixfs.h"
#include "ifc_loader.h"

typedef struct kern_load {
	kern_state *k;
	char cid[WOS_CID_MAX];           /* the CIDv1 text, whatever form the caller used */
	uint64_t codec;                  /* WOS_CODEC_RAW or WOS_CODEC_DAG_PB */
	uint8_t digest[WOS_SHA256_SIZE];
	kern_spawn_args a;           /* its pointers point into blob */
	uint8_t *blob;
	size_t blob_len;
	kern_spawn_fn done;
	void *ud;
	struct kern_load *next;
} kern_load;

/* WASI errno values a loader answers with (docs/interfaces.md). */
enum { ERRNO_INVAL = 28, ERRNO_NOENT = 44 };

/* ---- copying the arguments ---------------------------------------------------------- */

/* A bump allocator over one blob: with base NULL it only measures. */
typedef struct bump {
	uint8_t *base;
	size_t at;
} bump;

static void *take(bump *b, size_t n)
{
	b->at = (b->at + 7) & ~(size_t)7;
	void *p = b->base ? b->base + b->at : NULL;
	b->at += n;
	return p;
}

static const char *str(bump *b, const char *s)
{
	size_t n = 0;
	while (s[n]) n++;
	char *c = take(b, n + 1);
	if (c)
		for (size_t i = 0; i <= n; i++) c[i] = s[i];
	return c;
}

static const char *const *strs(bump *b, const char *const *v, uint32_t n)
{
	const char **c = take(b, n * sizeof *c);
	for (uint32_t i = 0; i < n; i++) {
		const char *s = str(b, v[i]);
		if (c) c[i] = s;
	}
	return c;
}

static const uint8_t (*ids(bump *b, const uint8_t (*v)[KERN_ID_SIZE], uint32_t n))[KERN_ID_SIZE]
{
	uint8_t (*c)[KERN_ID_SIZE] = take(b, n * sizeof *c);
	if (c)
		for (uint32_t i = 0; i < n; i++) kern_id_copy(c[i], v[i]);
	return (const uint8_t (*)[KERN_ID_SIZE])c;
}

/* Copies what src points to into b (or measures it), filling dst. */
static void copy_args(bump *b, const kern_spawn_args *src, kern_spawn_args *dst)
{
	*dst = *src;
	dst->wasm = NULL;
	dst->wasm_len = 0;
	dst->name = src->name ? str(b, src->name) : NULL;
	dst->argv = strs(b, src->argv, src->argc);
	dst->envp = strs(b, src->envp, src->envc);
	dst->allow = ids(b, src->allow, src->nallow);
	dst->deny = ids(b, src->deny, src->ndeny);
	dst->handle = ids(b, src->handle, src->nhandle);
	kern_preopen *po = take(b, src->npreopens * sizeof *po);
	for (uint32_t i = 0; i < src->npreopens; i++) {
		const char *g = str(b, src->preopens[i].guest_path);
		if (po) {
			po[i].guest_path = g;
			po[i].host_key = src->preopens[i].host_key;
		}
	}
	dst->preopens = po;
	dst->listens = strs(b, src->listens, src->nlistens);
}

/* ---- the request --------------------------------------------------------------------- */

static void load_free(kern_state *k, kern_load *l)
{
	kern_mem_free(k, l->blob, l->blob_len);
	kern_mem_free(k, l, sizeof *l);
}

static void unlink_load(kern_state *k, kern_load *l)
{
	for (kern_load **pp = &k->loads; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			return;
		}
	}
}

/* Calls the request's callback, then frees it. */
static void finish(kern_load *l, int rc, uint64_t pid, const char *why)
{
	kern_state *k = l->k;
	kern_spawn_fn done = l->done;
	void *ud = l->ud;
	load_free(k, l);
	if (done) done(k, ud, rc, pid, why);
}

/* Spawns bytes already checked against the CID, then finishes the request. */
static void spawn_checked(kern_load *l, const uint8_t *bytes, size_t len)
{
	kern_state *k = l->k;
	char why[256];
	kern_spawn_args a = l->a;
	a.wasm = bytes;
	a.wasm_len = len;
	if (!a.name) a.name = l->cid;
	eng_error err;
	uint64_t pid = 0;
	int rc = kern_spawn(k, &a, &pid, &err);
	if (rc == KERN_ELOAD)
		wos_snprintf(why, sizeof why, "%s: %s: %s (at byte offset 0x%x)", l->cid,
			     eng_error_text(err.code), err.msg, err.offset);
	else if (rc)
		wos_snprintf(why, sizeof why, "%s: %s", l->cid, kern_error_text(rc));
	finish(l, rc, pid, rc ? why : NULL);
}

/* Refuses the request: logs why and finishes with rc. */
static void refuse(kern_load *l, int rc, const char *why)
{
	kern_logf(l->k, KERN_LOG_ERROR, "load %s refused: %s", l->cid, why);
	finish(l, rc, 0, why);
}

static void spawn_bytes(kern_load *l, const uint8_t *bytes, uint32_t len)
{
	char why[256];
	/* the check comes first: nothing reads bytes that are not what the CID names */
	if (wos_cid_verify(bytes, len, l->digest) != 0) {
		char got[WOS_CID_MAX];
		wos_cid_of(bytes, len, got);
		wos_snprintf(why, sizeof why, "loader gave bytes whose CID is %s, not %s", got, l->cid);
		refuse(l, KERN_EHASH, why);
		return;
	}
	spawn_checked(l, bytes, len);
}

/* The kernel's error for a UnixFS read that failed. */
static int unixfs_rc(int err)
{
	switch (err) {
	case WOS_UNIXFS_ERR_MISMATCH:
	case WOS_UNIXFS_ERR_HASH: return KERN_EHASH;
	case WOS_UNIXFS_ERR_TOO_BIG:
	case WOS_UNIXFS_ERR_WORK: return KERN_ETOOBIG;
	default: return KERN_ELOAD;
	}
}

/* For a dag-pb CID the answer is a CAR of the file's blocks (docs/interfaces.md):
 * index them, read the file from the root checking every block, spawn it. */
static void spawn_dag(kern_load *l, const uint8_t *car, uint32_t len)
{
	kern_state *k = l->k;
	char why[256];
	wos_car_reader r;
	wos_blockset set;
	wos_blockset_entry *e;
	wos_unixfs_reader u;
	uint8_t root[WOS_CID_BIN_MAX];
	uint64_t size;
	size_t n, root_len = 0;
	int rc = wos_blockset_count(&r, car, len, &n);

	wos_cid_decode_text(l->cid, WOS_CID_LEN, root, &root_len); /* it parsed before */
	if (rc) {
		wos_snprintf(why, sizeof why, "%s: the loader's answer is not a CAR of its blocks: %s (at byte %u)",
			     l->cid, wos_car_error_text(rc), (unsigned)r.pos);
		refuse(l, KERN_ELOAD, why);
		return;
	}
	if (r.root.len != root_len || wos_memcmp(r.root_cid, root, root_len) != 0) {
		wos_snprintf(why, sizeof why, "%s: the loader's CAR is for another root", l->cid);
		refuse(l, KERN_EHASH, why);
		return;
	}
	e = kern_mem_alloc(k, (n ? n : 1) * sizeof *e);
	if (!e) {
		finish(l, KERN_ENOMEM, 0, "out of memory");
		return;
	}
	wos_blockset_fill(&set, car, len, e, n);
	__builtin_memset(&u, 0, sizeof u);
	u.get = wos_blockset_get;
	u.get_ctx = &set;
	u.limit = KERN_MAX_PROGRAM;
	uint8_t *out = NULL;
	rc = wos_unixfs_stat(&u, root, root_len, &size);
	if (rc == 0 && size > KERN_MAX_PROGRAM) {
		u.err = rc = WOS_UNIXFS_ERR_TOO_BIG;
		wos_snprintf(u.cid, sizeof u.cid, "%s", l->cid);
	}
	if (rc == 0 && !(out = kern_mem_alloc(k, size ? (size_t)size : 1))) {
		kern_mem_free(k, e, (n ? n : 1) * sizeof *e);
		finish(l, KERN_ENOMEM, 0, "out of memory");
		return;
	}
	if (rc == 0) {
		u.out = out;
		u.limit = size;
		rc = wos_unixfs_read(&u, root, root_len);
	}
	kern_mem_free(k, e, (n ? n : 1) * sizeof *e);
	if (rc) {
		if (out) kern_mem_free(k, out, size ? (size_t)size : 1);
		wos_snprintf(why, sizeof why, "%s: block %s from the loader: %s", l->cid, u.cid[0] ? u.cid : "?",
			     wos_unixfs_error_text(rc));
		refuse(l, unixfs_rc(rc), why);
		return;
	}
	spawn_checked(l, out, (size_t)size);
	kern_mem_free(k, out, size ? (size_t)size : 1);
}

/* The loader's answer (or the kernel's, when delivery failed). */
static void on_bytes(kern_state *k, void *ud, int status, const uint8_t *body, uint32_t len)
{
	kern_load *l = ud;
	char why[256];
	int rc = KERN_ELOAD;
	unlink_load(k, l);
	switch (status) {
	case KERN_ANSWER_OK: {
		ifc_loader_get_answer ans;
		if (ifc_loader_get_answer_decode(body, len, &ans) == 0) {
			if (l->codec == WOS_CODEC_RAW)
				spawn_bytes(l, ans.bytes, ans.bytes_len);
			else
				spawn_dag(l, ans.bytes, ans.bytes_len);
			return;
		}
		wos_snprintf(why, sizeof why, "%s: the loader's answer is not a loader.get answer", l->cid);
		break;
	}
	case KERN_ANSWER_ERROR: {
		int e = len >= 2 ? body[0] | body[1] << 8 : 0;
		rc = e == ERRNO_NOENT ? KERN_ENOENT : e == ERRNO_INVAL ? KERN_EINVAL : KERN_ELOAD;
		if (e == ERRNO_NOENT)
			wos_snprintf(why, sizeof why, "%s: the loader has no such program", l->cid);
		else
			wos_snprintf(why, sizeof why, "%s: the loader failed (errno %d)", l->cid, e);
		break;
	}
	case KERN_ANSWER_NO_HANDLER:
		rc = KERN_ENOHANDLER;
		wos_snprintf(why, sizeof why, "%s: no loader (nothing handles the loader interface)", l->cid);
		break;
	case KERN_ANSWER_TOO_BIG:
		rc = KERN_ETOOBIG;
		wos_snprintf(why, sizeof why, "%s: the loader's answer is larger than the kernel takes (%u bytes)",
			     l->cid, KERN_MAX_PROGRAM);
		break;
	default:
		wos_snprintf(why, sizeof why, "%s: the loader ended before it answered", l->cid);
	}
	finish(l, rc, 0, why);
}

void kern_spawn_cid(kern_state *k, const char *cid, const kern_spawn_args *a, kern_spawn_fn done,
		    void *ud)
{
	char why[160];
	size_t n = 0;
	while (cid[n] && n <= WOS_CID_LEN) n++;
	kern_load *l = kern_mem_alloc(k, sizeof *l);
	if (!l) {
		done(k, ud, KERN_ENOMEM, 0, "out of memory");
		return;
	}
	l->k = k;
	l->done = done;
	l->ud = ud;
	int crc = wos_cid_parse_file(cid, n, &l->codec, l->digest);
	if (crc) {
		wos_snprintf(why, sizeof why, "'%.*s' is not a CID: %s", (int)(n > 64 ? 64 : n), cid,
			     wos_cid_error_text(crc));
		finish(l, KERN_EINVAL, 0, why);
		return;
	}
	/* the loader is always asked by the CIDv1 text, also for a CIDv0 */
	wos_cid_format_file(l->codec, l->digest, l->cid);
	n = WOS_CID_LEN;
	bump measure = { NULL, 0 };
	copy_args(&measure, a, &l->a);
	l->blob_len = measure.at;
	l->blob = kern_mem_alloc(k, l->blob_len);
	if (!l->blob) {
		finish(l, KERN_ENOMEM, 0, "out of memory");
		return;
	}
	bump fill = { l->blob, 0 };
	copy_args(&fill, a, &l->a);

	ifc_loader_get m = { .cid = (const uint8_t *)l->cid, .cid_len = (uint32_t)n };
	uint8_t body[8 + WOS_CID_LEN];
	uint32_t len = ifc_loader_get_encode(&m, body, sizeof body);
	l->next = k->loads;
	k->loads = l;
	/* the answer may come inside this call: l belongs to on_bytes from here on */
	int rc = kern_msg_emit(k, NULL, ifc_loader_id, body, len, KERN_EMIT_ANSWER, on_bytes, l, NULL);
	if (rc) {
		unlink_load(k, l);
		wos_snprintf(why, sizeof why, "%s: cannot ask the loader: %s", l->cid, kern_error_text(rc));
		finish(l, rc, 0, why);
	}
}

void kern_load_shutdown(kern_state *k)
{
	/* their messages are freed next without a callback: nothing points at l after */
	while (k->loads) {
		kern_load *l = k->loads;
		k->loads = l->next;
		char why[96];
		wos_snprintf(why, sizeof why, "%s: the kernel shut down", l->cid);
		finish(l, KERN_ENOENT, 0, why);
	}
}

void kern_load_forget(kern_state *k, void *ud)
{
	for (kern_load *l = k->loads; l; l = l->next)
		if (l->ud == ud) l->done = NULL;
}

uint32_t kern_load_count(kern_state *k)
{
	uint32_t n = 0;
	for (kern_load *l = k->loads; l; l = l->next) n++;
	return n;
}
