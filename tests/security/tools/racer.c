/* racer: swaps two names in a directory with renameat2(RENAME_EXCHANGE)
 * as fast as it can, for DURATION seconds: a real directory and a symlink
 * (to /etc, say) trade places under a bind mount's source path while
 * sessions start (t-escape-paths.sh). Runs as the fixture user on the
 * host. Usage: racer DIR NAME1 NAME2 SECONDS; SIGTERM ends it early.
 * Prints how many swaps it made. Not part of the product. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct timespec t0, t;
	unsigned long swaps = 0;
	int dir;

	if (argc != 5)
		return 2;
	dir = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		perror(argv[1]);
		return 1;
	}
	signal(SIGTERM, on_term); /* stop early: still print the count */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		for (int i = 0; i < 1000; i++)
			if (renameat2(dir, argv[2], dir, argv[3], RENAME_EXCHANGE) == 0)
				swaps++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= atol(argv[4]))
			break;
	}
	printf("%lu\n", swaps);
	return 0;
}
