/* forkbomb: the classic persistent one, for bench/run.sh only: every
 * process forks in a loop forever (a failed fork is retried, so the
 * population stays at the pids limit and every member burns CPU in
 * fork()). Built static and copied into the bench's private rootfs; run
 * inside sandsh only. Its own bound on top of the pids cgroup, the kill
 * by pid and the policy timeout: every process exits after SECONDS.
 * Usage: forkbomb SECONDS */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 30);

	while (time(NULL) < end)
		fork();
	return 0;
}
