/* cmd_interfaces.c: `wasmos interfaces [NAME...]`: every interface this wasmos knows
 * (build/gen/ifc_all.h, made from the files in interfaces/), with its id and its messages.
 *
 * Each message is printed with its tag and its canonical signature, the text the id
 * is the hash of (docs/interfaces.md), so what is printed is exactly what is named.
 */
#include "hosted.h"

#include <string.h>

#include "ifc_all.h"

static void usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos interfaces [NAME...]\n");
	if (!full) {
		fprintf(f, "(wasmos interfaces --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Lists the interfaces this wasmos knows, or only those named: each one's name and\n"
		"id (the SHA-256 of its canonical definition, in hex), then its messages, one a\n"
		"line: the tag, then the message's fields and its answer's fields, as hashed.\n"
		"These names are what --allow, --deny and system files take.\n"
		"\n"
		"Exit status: 0, or 1 when a NAME is not an interface, 64 bad usage.\n");
}

static void print_one(const ifc_all_info *info)
{
	printf("%s  ", info->name);
	for (int i = 0; i < 32; i++) printf("%02x", info->id[i]);
	printf("\n");
	/* the canonical text: "interface NAME\n", then "message SIG\n" per message */
	const char *s = info->canonical, *end = info->canonical + info->canonical_len;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	uint32_t tag = 0;
	static const char msg[] = "message ";
	for (s = nl ? nl + 1 : end; s < end; s = nl + 1, tag++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) nl = end;
		if ((size_t)(nl - s) > sizeof msg - 1 && !memcmp(s, msg, sizeof msg - 1)) s += sizeof msg - 1;
		printf("  %3u %.*s\n", tag, (int)(nl - s), s);
	}
}

int hosted_cmd_interfaces(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, true);
			return HOSTED_EXIT_OK;
		}
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		fprintf(stderr, "wasmos interfaces: unknown option '%s'\n", argv[i]);
		usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	if (i == argc) {
		for (size_t n = 0; n < IFC_ALL_COUNT; n++) print_one(&ifc_all[n]);
		return HOSTED_EXIT_OK;
	}
	int status = HOSTED_EXIT_OK;
	for (; i < argc; i++) {
		const ifc_all_info *info = ifc_all_by_name(argv[i], strlen(argv[i]));
		if (!info) {
			fprintf(stderr, "wasmos interfaces: no interface '%s'\n", argv[i]);
			status = HOSTED_EXIT_ERROR;
			continue;
		}
		print_one(info);
	}
	return status;
}
