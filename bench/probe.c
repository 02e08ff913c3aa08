/* probe: the host's process start latency, as root outside any sandbox:
 * fork + exec PATH + waitpid, timed, repeated for SECONDS with a short
 * pause between samples (so the probe itself is no load).
 *
 * Usage: probe SECONDS PATH
 * Prints: SAMPLES MEDIAN_NS P90_NS P99_NS MAX_NS */
#include <sys/wait.h>

#include "common.h"

int main(int argc, char **argv)
{
	size_t cap = 1 << 16, n = 0;
	long long *v, stop;

	if (argc != 3) {
		fprintf(stderr, "usage: probe SECONDS PATH\n");
		return 2;
	}
	v = malloc(cap * sizeof(*v));
	if (!v)
		return 2;
	stop = now_ns() + (long long)(atof(argv[1]) * 1e9);
	while (now_ns() < stop && n < cap) {
		struct timespec pause = { 0, 2000000 };
		long long t0 = now_ns();
		pid_t pid = fork();
		int ws;

		if (pid < 0) {
			v[n++] = 1000000000LL; /* a failed fork counts as 1 s */
			nanosleep(&pause, NULL);
			continue;
		}
		if (pid == 0) {
			redirect(1, "/dev/null");
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &ws, 0);
		v[n++] = now_ns() - t0;
		nanosleep(&pause, NULL);
	}
	qsort(v, n, sizeof(*v), cmp_ll);
	printf("%zu %lld %lld %lld %lld\n", n, pct(v, n, 50), pct(v, n, 90), pct(v, n, 99),
	       n ? v[n - 1] : -1);
	return 0;
}
