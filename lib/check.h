/* check.h: the checks and the runner every unit test program uses (hosted; not part
 * of the freestanding library).  A test is `static int test_x(void)` returning 0 when
 * it passed; CHECK returns 1 from it with the file, line and failed condition.
 * engine/testing.h adds a checking allocator and a runner that also fails leaks. */
#ifndef WASMOS_LIB_CHECK_H
#define WASMOS_LIB_CHECK_H

#include <stddef.h>
#include <stdio.h>

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                \
			return 1;                                                \
		}                                                                \
	} while (0)

/* CHECK that prints two integers when they differ. */
#define CHECK_EQ(got, want)                                                      \
	do {                                                                     \
		long long g_ = (long long)(got), w_ = (long long)(want);        \
		if (g_ != w_) {                                                  \
			fprintf(stderr, "  %s:%d: %s is %lld, want %lld\n",       \
				__FILE__, __LINE__, #got, g_, w_);               \
			return 1;                                                \
		}                                                                \
	} while (0)

typedef struct test_case {
	const char *name;
	int (*fn)(void);
} test_case;

#define TEST(name) { #name, name }

/* Prints "name ok" or "name FAIL" for each test, then "N passed, N failed".
 * Returns the exit status. */
static inline int check_run_all(const test_case *tests, size_t n)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		int r = tests[i].fn();
		printf("%s %s\n", tests[i].name, r ? "FAIL" : "ok");
		fflush(stdout);
		if (r)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}

#endif
