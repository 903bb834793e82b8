/* system.h: systems, the part of the kernel's surface that reads a system file
 * (docs/system.md).  Included by the platforms beside kernel.h (hosted/cmd_boot.c)
 * and by the kernel tests.
 *
 *   kernel/sysfile.c  text -> kern_sysfile: keywords, names, interfaces, sizes;
 *                     everything that can be checked without a kernel.
 */
#ifndef WASMOS_KERNEL_SYSTEM_H
#define WASMOS_KERNEL_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* ---- system files (sysfile.c) ------------------------------------------------------ */

/* Characters in a program's name. */
#define KERN_SYSFILE_NAME_MAX 32

/* An interface list with the line each id came from. */
typedef struct kern_sysfile_ids {
	uint8_t (*ids)[KERN_ID_SIZE];
	int *lines;
	uint32_t n;
} kern_sysfile_ids;

/* A host folder given to a WASI program as a preopened directory. */
typedef struct kern_sysfile_dir {
	char *guest;                 /* as the program sees it: "/data" */
	char *host;                  /* resolved against the system file's folder */
} kern_sysfile_dir;

typedef struct kern_sysfile_program {
	char *name;
	char *source;                /* as written: a CID or a path */
	char *path;                  /* a path resolved against the file's folder; NULL for a CID */
	int line;                    /* of its `program` line */
	char **argv;                 /* argv[0] is the name, then `args` */
	uint32_t argc;
	char **env;                  /* "K=V" */
	uint32_t nenv;
	kern_sysfile_ids allow, deny, handles;
	kern_sysfile_dir *dirs;
	uint32_t ndirs;
	int dirs_line;
	char **listens;              /* tcp addresses bound for a WASI program */
	uint32_t nlistens;
	int listens_line;
	kern_limits limits;          /* zero fields: the file's defaults, then the kernel's */
	bool essential;              /* when it ends, the system ends with its exit code */
	bool restart;                /* when it ends, it is started again */
} kern_sysfile_program;

typedef struct kern_sysfile {
	eng_alloc alloc;             /* what everything below was allocated with */
	char *file;                  /* the name it was read from, for messages */
	kern_sysfile_program *progs;
	uint32_t nprogs;
	kern_sysfile_ids natives;    /* `native` lines: the platform handlers to keep */
	kern_limits limits;          /* limits given before the first program */
} kern_sysfile;

/* Parses len bytes of text read from `file` (a name for messages; its folder resolves
 * relative paths).  The text is untrusted: whatever the bytes, this returns.  0 with
 * *out (kern_sysfile_free releases it), or -1 with "FILE:LINE: reason" in err and
 * nothing allocated.  Out of memory is an error like the others. */
int kern_sysfile_parse(const eng_alloc *alloc, const char *file, const char *text, size_t len,
		       kern_sysfile **out, char *err, size_t errlen);
void kern_sysfile_free(kern_sysfile *f);

#endif
