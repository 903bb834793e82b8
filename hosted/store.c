/* store.c: the local content store, a folder of blocks named by CID (see store.h).
 * Blocks are raw (bafkrei...) or dag-pb nodes of files (bafybei...): dag.c makes and
 * reads files of several blocks on top of this.
 *
 * Invariants: a file in blocks/ whose name is a CID holds bytes written whole (they
 * were renamed into place after an fsync); its bytes hash to its name unless something
 * outside wasmos changed them, which hosted_store_get detects every time.  Temporary
 * files start with '.', so no CID can collide with one and listings skip them.
 * Blocks are made read-only (0444), as they never change.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted.h"

#define HOME_SUFFIX "/.local/share/wasmos" /* under $HOME when WASMOS_HOME is unset */
#define BLOCKS_DIR "/blocks"
#define TEMP_NAME "/.tmp-XXXXXX"

const char *hosted_store_error_text(int code)
{
	switch (code) {
	case HOSTED_STORE_OK: return "ok";
	case HOSTED_STORE_ERR_IO: return "input/output error";
	case HOSTED_STORE_ERR_CID: return "malformed CID";
	case HOSTED_STORE_ERR_NOTFOUND: return "not in the store";
	case HOSTED_STORE_ERR_CORRUPT: return "corrupt block";
	case HOSTED_STORE_ERR_NOMEM: return "out of memory";
	case HOSTED_STORE_ERR_NOHOME: return "no home folder";
	case HOSTED_STORE_ERR_DAG: return "not a file the store can read";
	case HOSTED_STORE_ERR_TOOBIG: return "file too large";
	default: return "unknown store error";
	}
}

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

/* A malloc'd "a" "b" "c" (b and c may be ""), or NULL. */
static char *join(const char *a, const char *b, const char *c)
{
	size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
	char *s = malloc(na + nb + nc + 1);

	if (s) {
		memcpy(s, a, na);
		memcpy(s + na, b, nb);
		memcpy(s + na + nb, c, nc + 1);
	}
	return s;
}

/* mkdir -p: makes path and its missing parents.  path is modified and restored. */
static int make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;
		*p = 0;
		int r = mkdir(path, 0755);
		int e = errno;
		*p = saved;
		if (r < 0 && e != EEXIST) {
			errno = e;
			return -1;
		}
		if (saved == 0)
			break;
	}
	/* EEXIST also covers a file in the way: make sure it is a folder. */
	struct stat sb;
	if (stat(path, &sb) < 0)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int hosted_store_open(hosted_store *st, const char *home, hosted_store_error *err)
{
	const char *env;

	memset(st, 0, sizeof *st);
	if (home && *home)
		st->blocks = join(home, BLOCKS_DIR, "");
	else if ((env = getenv("WASMOS_HOME")) && *env)
		st->blocks = join(env, BLOCKS_DIR, "");
	else if ((env = getenv("HOME")) && *env)
		st->blocks = join(env, HOME_SUFFIX, BLOCKS_DIR);
	else
		return fail(err, HOSTED_STORE_ERR_NOHOME, "neither WASMOS_HOME nor HOME is set");
	if (!st->blocks)
		return fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
	if (make_dirs(st->blocks) < 0) {
		int e = errno;
		fail(err, HOSTED_STORE_ERR_IO, "cannot make the store folder %s: %s", st->blocks, strerror(e));
		hosted_store_close(st);
		return err->code;
	}
	return HOSTED_STORE_OK;
}

void hosted_store_close(hosted_store *st)
{
	free(st->blocks);
	st->blocks = NULL;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hosted_store_put(hosted_store *st, const void *bytes, size_t len, char cid[WOS_CID_MAX],
		     hosted_store_error *err)
{
	return hosted_store_put_block(st, WOS_CODEC_RAW, bytes, len, cid, err);
}

int hosted_store_put_block(hosted_store *st, uint64_t codec, const void *bytes, size_t len,
			   char cid[WOS_CID_MAX], hosted_store_error *err)
{
	uint8_t digest[WOS_SHA256_SIZE];
	char *tmp, *path = NULL;
	int fd, e, rc;

	wos_sha256(bytes, len, digest);
	wos_cid_format_file(codec, digest, cid);
	if (!(tmp = join(st->blocks, TEMP_NAME, "")) || !(path = join(st->blocks, "/", cid))) {
		rc = fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
		goto out_free_paths;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		rc = fail(err, HOSTED_STORE_ERR_IO, "cannot make a file in %s: %s", st->blocks, strerror(e));
		goto out_free_paths;
	}
	/* Whole and on disk before it takes the name: a reader sees all or nothing. */
	if (write_all(fd, bytes, len) < 0 || fchmod(fd, 0444) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		rc = fail(err, HOSTED_STORE_ERR_IO, "cannot write %s: %s", tmp, strerror(e));
		goto out_unlink;
	}
	if (close(fd) < 0) {
		e = errno;
		rc = fail(err, HOSTED_STORE_ERR_IO, "cannot write %s: %s", tmp, strerror(e));
		goto out_unlink;
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		rc = fail(err, HOSTED_STORE_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(e));
		goto out_unlink;
	}
	/* Best effort: the rename is atomic either way; only whether it survives a power
	 * cut depends on the folder reaching the disk, and some file systems refuse this. */
	if ((fd = open(st->blocks, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	rc = HOSTED_STORE_OK;
	goto out_free_paths;
out_unlink:
	unlink(tmp);
out_free_paths:
	free(path);
	free(tmp);
	return rc;
}

int hosted_store_get(hosted_store *st, const char *cid, size_t cid_len, uint8_t **bytes, size_t *len,
		     hosted_store_error *err)
{
	uint8_t digest[WOS_SHA256_SIZE], found_digest[WOS_SHA256_SIZE], *buf;
	char name[WOS_CID_MAX], found[WOS_CID_MAX], *path;
	uint64_t codec;
	size_t n;
	int code, e;

	if ((code = wos_cid_parse_file(cid, cid_len, &codec, digest)) != WOS_CID_OK)
		return fail(err, HOSTED_STORE_ERR_CID, "'%.*s' is not a CID: %s", (int)(cid_len > 200 ? 200 : cid_len),
			    cid, wos_cid_error_text(code));
	/* The canonical CIDv1 text, not the caller's (which may be a CIDv0): a path is
	 * built only from characters we wrote. */
	wos_cid_format_file(codec, digest, name);
	if (!(path = join(st->blocks, "/", name)))
		return fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
	if (hosted_file_read(path, &buf, &n) < 0) {
		e = errno;
		if (e == ENOENT)
			code = fail(err, HOSTED_STORE_ERR_NOTFOUND, "%s: not in the store (%s)", name, st->blocks);
		else if (e == ENOMEM)
			code = fail(err, HOSTED_STORE_ERR_NOMEM, "%s: out of memory reading %s", name, path);
		else
			code = fail(err, HOSTED_STORE_ERR_IO, "%s: cannot read %s: %s", name, path, strerror(e));
		free(path);
		return code;
	}
	if (wos_cid_verify(buf, n, digest) != WOS_CID_OK) {
		wos_sha256(buf, n, found_digest);
		wos_cid_format_file(codec, found_digest, found);
		code = fail(err, HOSTED_STORE_ERR_CORRUPT,
			    "corrupt block: %s should have CID %s, but its %zu bytes have CID %s", path, name, n,
			    found);
		free(buf);
		free(path);
		return code;
	}
	free(path);
	*bytes = buf;
	*len = n;
	return HOSTED_STORE_OK;
}

typedef struct entry {
	char cid[WOS_CID_MAX];
	uint64_t size;
} entry;

static int by_cid(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->cid, ((const entry *)b)->cid);
}

int hosted_store_list(hosted_store *st, hosted_store_list_fn fn, void *ud, hosted_store_error *err)
{
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	entry *list = NULL, *bigger;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = HOSTED_STORE_OK, e;

	if (!(d = opendir(st->blocks))) {
		e = errno;
		return fail(err, HOSTED_STORE_ERR_IO, "cannot read the store folder %s: %s", st->blocks, strerror(e));
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		size_t nlen = strlen(de->d_name);
		if (nlen != WOS_CID_LEN || wos_cid_parse_file(de->d_name, nlen, &codec, digest) != WOS_CID_OK)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(bigger = realloc(list, cap * sizeof *list))) {
				rc = fail(err, HOSTED_STORE_ERR_NOMEM, "out of memory");
				goto out_free_list;
			}
			list = bigger;
		}
		memcpy(list[n].cid, de->d_name, WOS_CID_MAX);
		list[n].size = (uint64_t)sb.st_size;
		n++;
	}
	if (errno) {
		e = errno;
		rc = fail(err, HOSTED_STORE_ERR_IO, "cannot read the store folder %s: %s", st->blocks, strerror(e));
		goto out_free_list;
	}
	if (n)
		qsort(list, n, sizeof *list, by_cid);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(ud, list[i].cid, list[i].size);
out_free_list:
	free(list);
	closedir(d);
	return rc;
}
