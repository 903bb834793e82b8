/* spectest.h: the `spectest` module that the spec tests import from (print functions,
 * globals, a table and a memory), built in one store.  Included by runner.c. */
#ifndef WASMOS_TESTS_SPECTEST_H
#define WASMOS_TESTS_SPECTEST_H

#include "engine.h"

#define SPECTEST_MAX 16

typedef struct spectest {
	uint32_t n;
	struct {
		const char *name;
		eng_extern ext;
	} items[SPECTEST_MAX];
} spectest;

/* Creates the module's objects in s.  Returns 0, or -1 when the engine refused one. */
int spectest_init(spectest *st, eng_store *s);
/* Finds export name[0..len); returns 0 and fills *out, or -1 when there is none. */
int spectest_lookup(const spectest *st, const char *name, uint32_t len, eng_extern *out);

#endif
