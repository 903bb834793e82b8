/* net_replay.c: runs every network fuzz target (net_targets.c) over every saved input
 * (tests/fuzz/regress-net: seeds and inputs the fuzzers once broke), so that `make
 * test` keeps each fixed bug fixed without libFuzzer.
 *
 * Usage: fuzz-net-replay DIR...   Prints "name ok" or "name FAIL" per input, then
 * "N passed, N failed".  A crash or a sanitizer report ends the program, which
 * tests/run.sh counts as a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_targets.h"

static int passed, failed;

static void check(const char *name, const uint8_t *data, size_t len)
{
	int bad = 0;
	for (size_t t = 0; t < fuzz_net_ntargets; t++) bad |= fuzz_net_targets[t].one(data, len);
	printf("%s %s\n", name, bad ? "FAIL" : "ok");
	fflush(stdout);
	if (bad)
		failed++;
	else
		passed++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long len;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(data = malloc(len ? (size_t)len : 1)) || fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		failed++;
	} else {
		check(path, data, (size_t)len);
	}
	free(data);
	if (f) fclose(f);
}

static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	if (!d) {
		perror(dir);
		failed++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more) break;
		names = more;
		if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) break;
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n) qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	/* the empty input, always */
	check("(empty)", (const uint8_t *)"", 0);
	for (int i = 1; i < argc; i++) replay_dir(argv[i]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
