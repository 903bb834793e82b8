/* files_raw: messages to the `files` interface sent directly (wasmos imports), with
 * bodies no WASI call would make: empty, unknown tags, truncated, trailing bytes, bad
 * bools, NUL in strings, handles never given, keys never granted, huge sizes.  Each
 * must come back as an error answer with the right errno, and the kernel must go on.
 *
 * Run by tests/e2e/wasi_files_test.sh with one granted directory (key 0).  Prints
 * "name: STATUS ERRNO" per message (status 0 ok, 1 error; errno 0 for ok).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ifc_files.h"

#define WASMOS(name) __attribute__((import_module("wasmos"), import_name(#name)))
int32_t emit_message(const void *iface, const void *iov, int32_t n, int32_t flags, uint64_t *id) WASMOS(emit_message);
int32_t next_notification(const uint64_t *ids, int32_t n, void *out, int32_t out_len, int32_t flags) WASMOS(next_notification);

static uint8_t note[1 << 16];
static int last_status, last_errno;
static const uint8_t *last_body;
static uint32_t last_len;

/* Sends body and waits for its answer; prints the line. */
static void ask(const char *name, const void *body, uint32_t len)
{
	uint32_t iov[2] = { (uint32_t)(uintptr_t)body, len };
	uint64_t id = 0;
	int32_t rc = emit_message(ifc_files_id, iov, 1, 1, &id);
	if (rc) {
		printf("%s: emit %d\n", name, rc);
		return;
	}
	int32_t n = next_notification(&id, 1, note, sizeof note, 1);
	if (n < 56) {
		printf("%s: next %d\n", name, n);
		return;
	}
	last_status = note[1];
	last_body = note + 56;
	last_len = (uint32_t)n - 56;
	last_errno = last_status == 1 && last_len == 2 ? last_body[0] | last_body[1] << 8 : 0;
	printf("%s: %d %d\n", name, last_status, last_errno);
}

/* Encodes message NAME into buf and asks. */
#define ASK(label, name, ...)                                                            \
	do {                                                                             \
		ifc_files_##name m_ = { __VA_ARGS__ };                                   \
		static uint8_t b_[512];                                                  \
		uint32_t n_ = ifc_files_##name##_encode(&m_, b_, sizeof b_);             \
		ask(label, b_, n_);                                                      \
	} while (0)

int main(void)
{
	ask("empty body", "", 0);
	ask("unknown tag", "\xff", 1);
	ask("open truncated", "\x00\x01", 2);

	/* close(1) with a byte too many */
	uint8_t close_extra[6] = { IFC_FILES_CLOSE, 1, 0, 0, 0, 9 };
	ask("trailing byte", close_extra, sizeof close_extra);

	ASK("close never given", close, .handle = 12345);
	ASK("stat handle 0", stat, .handle = 0);
	ASK("preopen unknown key", preopen, .key = 7);
	ASK("preopen key 0", preopen, .key = 0);
	ifc_files_preopen_answer pa = { 0 };
	if (last_status == 0) ifc_files_preopen_answer_decode(last_body, last_len, &pa);
	uint32_t dir = pa.handle;
	printf("dir filetype: %d\n", pa.filetype);

	ASK("readdir huge max", readdir, .handle = dir, .cookie = 0, .max = 0xffffffffu);
	ASK("read a dir", read, .handle = dir, .len = 0xffffffffu);
	ASK("write a dir", write, .handle = dir, .data = (const uint8_t *)"x", .data_len = 1);
	ASK("seek a dir", seek, .handle = dir, .offset = 0, .whence = 0);
	ASK("open ../..", open, .dir = dir, .path = (const uint8_t *)"../..", .path_len = 5, .follow = 1,
	    .rights = 2);
	ASK("open absolute", open, .dir = dir, .path = (const uint8_t *)"/etc", .path_len = 4, .follow = 1,
	    .rights = 2);
	ASK("open bad oflags", open, .dir = dir, .path = (const uint8_t *)"f.txt", .path_len = 5,
	    .oflags = 0x40, .rights = 2);

	/* open(dir, "f.txt", follow = 2, ...): a bool that is neither 0 nor 1 */
	static uint8_t b[64];
	ifc_files_open o = { .dir = dir, .path = (const uint8_t *)"f.txt", .path_len = 5, .follow = 1, .rights = 2 };
	uint32_t n = ifc_files_open_encode(&o, b, sizeof b);
	b[1 + 4 + 4 + 5] = 2;
	ask("bool 2", b, n);
	/* the same with a NUL inside the path */
	n = ifc_files_open_encode(&o, b, sizeof b);
	b[1 + 4 + 4 + 2] = 0;
	ask("NUL in path", b, n);

	ASK("open f.txt", open, .dir = dir, .path = (const uint8_t *)"f.txt", .path_len = 5, .follow = 1,
	    .rights = 2);
	ifc_files_open_answer oa = { 0 };
	if (last_status == 0) ifc_files_open_answer_decode(last_body, last_len, &oa);
	ASK("pread past 2^63", pread, .handle = oa.handle, .offset = 0x8000000000000001ull, .len = 4);
	ASK("seek bad whence", seek, .handle = oa.handle, .offset = 0, .whence = 9);
	ASK("set_times bad flags", set_times, .handle = oa.handle, .flags = 0xff);
	ASK("set_times both", set_times, .handle = oa.handle, .flags = 3);
	ASK("truncate huge", truncate, .handle = oa.handle, .size = ~0ull);
	ASK("read f.txt", read, .handle = oa.handle, .len = 100);
	printf("data: %.*s", (int)(last_len > 4 ? last_len - 4 : 0), (const char *)last_body + 4);
	ASK("readdir a file", readdir, .handle = oa.handle, .cookie = 0, .max = 100);
	ASK("symlink absolute", symlink, .target = (const uint8_t *)"/etc", .target_len = 4, .dir = dir,
	    .path = (const uint8_t *)"s", .path_len = 1);
	ASK("rename out", rename, .dir = dir, .path = (const uint8_t *)"f.txt", .path_len = 5, .dir2 = dir,
	    .path2 = (const uint8_t *)"../f.txt", .path2_len = 8);
	ASK("link on a file handle", link, .dir = oa.handle, .path = (const uint8_t *)"x", .path_len = 1,
	    .dir2 = dir, .path2 = (const uint8_t *)"y", .path2_len = 1);

	/* a close that wants no answer still closes */
	ifc_files_close c = { .handle = oa.handle };
	n = ifc_files_close_encode(&c, b, sizeof b);
	uint32_t iov[2] = { (uint32_t)(uintptr_t)b, n };
	printf("close without answer: %d\n", emit_message(ifc_files_id, iov, 1, 0, NULL));
	ASK("stat after close", stat, .handle = oa.handle);
	ASK("stat dir", stat, .handle = dir);
	printf("done\n");
	return 0;
}
