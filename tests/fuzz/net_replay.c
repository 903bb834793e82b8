/* net_replay.c: runs every network fuzz target (net_targets.c) over every saved input
 * (tests/fuzz/regress-net: seeds and inputs the fuzzers once broke), so that `make
 * test` keeps each fixed bug fixed without libFuzzer.
 *
 * Then the libp2p target's hand-made seeds, each with 300 mutations (libp2p.c).
 *
 * Usage: fuzz-net-replay DIR...   (--seeds DIR writes the libp2p seeds there)
 * Prints "name ok" or "name FAIL" per input and per libp2p seed, then
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

#define LIBP2P_MUTATIONS 300

int main(int argc, char **argv)
{
	/* --seeds DIR: write the libp2p target's seeds there, a corpus for fuzz_libp2p */
	if (argc == 3 && !strcmp(argv[1], "--seeds")) {
		for (int t = 0; t < FUZZ_LIBP2P_PARSERS; t++) {
			static uint8_t s[4096];
			char path[4096];
			snprintf(path, sizeof path, "%s/libp2p-seed-%d", argv[2], t);
			size_t len = fuzz_libp2p_seed(t, s);
			FILE *f = fopen(path, "wb");
			if (!f || fwrite(s, 1, len, f) != len || fclose(f) != 0) {
				perror(path);
				return 1;
			}
		}
		return 0;
	}
	/* the empty input, always */
	check("(empty)", (const uint8_t *)"", 0);
	for (int i = 1; i < argc; i++) replay_dir(argv[i]);
	/* the libp2p parsers: each seed and a fixed set of its mutations */
	for (int t = 0; t < FUZZ_LIBP2P_PARSERS; t++) {
		int bad = fuzz_libp2p_mutations(t, LIBP2P_MUTATIONS);
		printf("libp2p-parser-%d-seed-and-%d-mutations %s\n", t, LIBP2P_MUTATIONS, bad ? "FAIL" : "ok");
		bad ? failed++ : passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
