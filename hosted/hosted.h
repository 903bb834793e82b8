/* hosted.h: the pieces of the `wasmos` command on Linux, one function per subcommand.
 * Included by the .c files of hosted/ only. */
#ifndef WASMOS_HOSTED_H
#define WASMOS_HOSTED_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses of the command. */
enum {
	HOSTED_EXIT_OK = 0,
	HOSTED_EXIT_ERROR = 1,  /* the file cannot be read, loaded, linked or called */
	HOSTED_EXIT_TRAP = 2,   /* the program trapped */
	HOSTED_EXIT_FUEL = 3,   /* the program ran out of fuel */
	HOSTED_EXIT_USAGE = 64, /* bad command line (sysexits' EX_USAGE) */
};

/* `wasmos run ...`: argv[0] is "run".  Returns the exit status. */
int hosted_run_main(int argc, char **argv);
/* The usage of `run`: the synopsis, and with full the whole help. */
void hosted_run_usage(FILE *f, bool full);

#endif
