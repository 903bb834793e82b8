/* files.h: the hosted kernel's native handler of the `files` interface: host
 * directories granted to programs (`wasmos run --dir HOST[::GUEST]`).
 *
 * Included by natives.c (which makes the handler with the kernel) and by the commands
 * that grant directories (cmd_run.c).  interfaces/files.ifc is the contract; docs/wasi.md
 * says how WASI maps onto it and how a path is kept inside its directory.
 */
#ifndef WASMOS_HOSTED_FILES_H
#define WASMOS_HOSTED_FILES_H

#include <stdint.h>
#include "natives.h"

typedef struct hosted_files hosted_files;

/* Makes the handler and registers it with s->k as the handler of `files`; sets
 * s->files.  0, or -1 (out of memory, or `files` already handled). */
int hosted_files_init(hosted_sys *s);
/* Closes every host file and directory it holds; s->files becomes NULL. */
void hosted_files_free(hosted_sys *s);

/* Grants the host directory `host_path`: opens it now and returns its key (for
 * kern_preopen.host_key).  -1 with errno set when it cannot be opened as a directory
 * (or no memory). */
int hosted_files_grant(hosted_files *f, const char *host_path, uint32_t *key);
/* Lets process pid turn `key` into a handle (files.preopen).  No one else can: a key
 * is not a capability by itself.  0, or -1 for an unknown key (or no memory). */
int hosted_files_allow(hosted_files *f, uint32_t key, uint64_t pid);

#endif
