/* check.h: the output convention of the WASI test programs, shared by all of them.
 *
 * Each check prints one line, "ok NAME" or "FAIL NAME: detail", so the kernel's
 * end-to-end tests (and a person) can compare the output line by line; CHECK_DONE
 * prints "N passed, N failed" and gives the exit status (0 when nothing failed).
 */
#ifndef WASI_TESTS_CHECK_H
#define WASI_TESTS_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

/* Records one check; detail is printed only when it failed.  errno is kept across
 * the printing (stdio may change it), so the detail and later code can read it. */
#define CHECK(name, cond, ...)                                                   \
	do {                                                                     \
		int check_ok_ = (cond), check_errno_ = errno;                    \
		if (check_ok_) {                                                 \
			check_passed++;                                          \
			printf("ok %s\n", name);                                 \
		} else {                                                         \
			check_failed++;                                          \
			printf("FAIL %s: ", name);                               \
			errno = check_errno_;                                    \
			printf(__VA_ARGS__);                                     \
			printf("\n");                                            \
		}                                                                \
		errno = check_errno_;                                            \
	} while (0)

/* A check on a call that returns -1 and sets errno. */
#define CHECK_SYS(name, expr)                                                    \
	do {                                                                     \
		errno = 0;                                                       \
		CHECK(name, (expr) != -1, "%s", strerror(errno));               \
	} while (0)

#define CHECK_DONE()                                                             \
	(printf("%d passed, %d failed\n", check_passed, check_failed),           \
	 check_failed ? 1 : 0)

#endif
