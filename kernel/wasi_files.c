/* wasi_files.c: WASI files and directories, as messages to the `files` interface.  (First form: every call answers ENOSYS; the translation is being
 * written — see issue 3.) */
#include "wasi.h"

#define WASI_NOSYS(name)                                                             \
	int wasi_##name(void *ud, eng_thread *t, const eng_val *a, eng_val *r)       \
	{                                                                            \
		(void)ud; (void)t; (void)a;                                          \
		return wasi_ret(r, WASI_ENOSYS);                                     \
	}
WASI_FILE_FUNCS(WASI_NOSYS)

int wasi_file_read(kern_state *k, kern_proc *p, wasi_fd *f, eng_val *r)
{
	(void)k; (void)p; (void)f;
	return wasi_ret(r, WASI_ENOSYS);
}

int wasi_file_write(kern_state *k, kern_proc *p, wasi_fd *f, const uint8_t *data, uint32_t len,
		    eng_val *r)
{
	(void)k; (void)p; (void)f; (void)data; (void)len;
	return wasi_ret(r, WASI_ENOSYS);
}
