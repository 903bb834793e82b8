/* timeit.c: runs one command as a whole process and times it, start to exit.
 *
 * Usage: timeit OUTFILE COMMAND [ARGS...]
 *
 * bench/run.sh times every engine with this one tool, so that the native program,
 * the wasmos process and the node process are all measured the same way: the clock
 * (CLOCK_MONOTONIC) is read just before the process is spawned and again when
 * waitpid() reports that it has exited.  So each time includes the process's exec,
 * its dynamic linking, the engine's own start-up and exit, and all the work between.
 *
 * The command's standard output goes to OUTFILE; its standard error is left alone.
 * timeit prints on its own standard output:
 *     wall_ms <start to exit, milliseconds>
 *     cpu_ms <user + system time of the process and its threads, milliseconds>
 * and exits with the command's exit status (128 + N when signal N ended it), or 127
 * when the command cannot be started.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUTFILE COMMAND [ARGS...]\n");
		return 127;
	}
	/* Open the output before the clock starts: it is not the command's work. */
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 127;
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);

	double start = now_ms();
	pid_t pid;
	int err = posix_spawnp(&pid, argv[2], &actions, NULL, argv + 2, environ);
	if (err != 0) {
		fprintf(stderr, "timeit: %s: %s\n", argv[2], strerror(err));
		return 127;
	}
	int status;
	struct rusage usage;
	while (wait4(pid, &status, 0, &usage) < 0) {
		/* only EINTR can get here: the pid is our own child */
	}
	double end = now_ms();

	printf("wall_ms %.3f\n", end - start);
	printf("cpu_ms %.3f\n", tv_ms(usage.ru_utime) + tv_ms(usage.ru_stime));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
