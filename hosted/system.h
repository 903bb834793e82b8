/* system.h: system files, the text that says which programs a system runs
 * (docs/system.md), parsed.  Included by cmd_boot.c (and the parser's tests).
 *
 * Parsing checks everything that can be checked without a kernel: keywords, names,
 * interfaces, sizes, that no interface is both native and a program's.  Each error is one line,
 * "FILE:LINE: what is wrong".  Whatever the bytes, the parser returns: the file is
 * untrusted input.
 */
#ifndef WASMOS_HOSTED_SYSTEM_H
#define WASMOS_HOSTED_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* Characters in a program's name. */
#define HOSTED_SYSTEM_NAME_MAX 32

/* A host folder given to a WASI program as a preopened directory. */
typedef struct hosted_system_dir {
	char *guest;                 /* as the program sees it: "/data" */
	char *host;                  /* resolved against the system file's folder */
} hosted_system_dir;

/* An interface list with the line each id came from. */
typedef struct hosted_system_ids {
	uint8_t (*ids)[KERN_ID_SIZE];
	int *lines;
	uint32_t n;
} hosted_system_ids;

typedef struct hosted_system_program {
	char *name;
	char *source;                /* as written: a CID or a path */
	char *path;                  /* a path resolved against the file's folder; NULL for a CID */
	int line;                    /* of its `program` line */
	char **argv;                 /* argv[0] is the name, then `args` */
	uint32_t argc;
	char **env;                  /* "K=V" */
	uint32_t nenv;
	hosted_system_ids allow, deny, handles;
	hosted_system_dir *dirs;
	uint32_t ndirs;
	int dirs_line;
	char **listens;              /* tcp addresses bound for a WASI program */
	uint32_t nlistens;
	int listens_line;
	kern_limits limits;          /* zero fields: the file's defaults, then the kernel's */
	bool essential;              /* when it ends, the system ends with its exit code */
	bool restart;                /* when it ends, it is started again */
} hosted_system_program;

typedef struct hosted_system {
	char *file;                  /* the path it was read from, for messages */
	hosted_system_program *progs;
	uint32_t nprogs;
	hosted_system_ids natives;   /* `native` lines: the platform handlers to keep */
	kern_limits limits;          /* limits given before the first program */
} hosted_system;

/* Parses len bytes of text read from `file` (its folder resolves relative paths).
 * Returns 0 with *sys filled (hosted_system_free releases it), or -1 with "FILE:LINE:
 * reason" in err (sys is then empty).  Out of memory is an error like the others. */
int hosted_system_parse(const char *file, const char *text, size_t len, hosted_system *sys, char *err,
			size_t errlen);
/* Reads and parses the file at path; as hosted_system_parse ("FILE: reason" when it
 * cannot be read). */
int hosted_system_load(const char *path, hosted_system *sys, char *err, size_t errlen);
void hosted_system_free(hosted_system *sys);

#endif
