/* str.c: freestanding string helpers (str.h). */
#include "str.h"

size_t wos_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool wos_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const char *wos_strchr(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return s;
	return NULL;
}

const char *wos_strrchr(const char *s, char c)
{
	const char *last = NULL;

	for (; *s; s++)
		if (*s == c)
			last = s;
	return last;
}

const char *wos_strstr(const char *s, const char *sub)
{
	size_t n = wos_strlen(sub);

	for (;; s++) {
		size_t i = 0;

		while (i < n && s[i] == sub[i])
			i++;
		if (i == n)
			return s;
		if (!*s)
			return NULL;
	}
}

int wos_str_u64(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		/* x * 10 + d must stay below 2^64 */
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	*end = s;
	return 0;
}
