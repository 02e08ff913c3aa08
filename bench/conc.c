/* conc: N sessions started at once. Every child is forked and dropped to
 * the user first, then all are released together (one pipe closing) and
 * exec the launcher; the command inside prints one byte on its stdout (a
 * pipe per child) when it has started, then sleeps. Reports per child the
 * start latency (release -> byte), the exit time and the exit status.
 *
 * Usage: conc N USER DEADLINE_S OUTFILE ERRFILE PATH ARG...
 * OUTFILE: one line per child: INDEX START_NS EXIT_NS STATUS (START_NS -1
 * if it never started; STATUS -1 if it was killed at the deadline). After
 * DEADLINE_S seconds every remaining child is sent SIGKILL (by pid). */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "common.h"

int main(int argc, char **argv)
{
	int n, deadline_s, go[2], left, open_pipes;
	struct who w;
	long long t0, *start, *end;
	int *status, *rfd;
	pid_t *pid;
	struct pollfd *pfd;
	FILE *out;

	if (argc < 7) {
		fprintf(stderr, "usage: conc N USER DEADLINE_S OUTFILE ERRFILE PATH ARG...\n");
		return 2;
	}
	n = atoi(argv[1]);
	who_lookup(argv[2], &w);
	deadline_s = atoi(argv[3]);
	start = calloc((size_t)n, sizeof(*start));
	end = calloc((size_t)n, sizeof(*end));
	status = calloc((size_t)n, sizeof(*status));
	rfd = calloc((size_t)n, sizeof(*rfd));
	pid = calloc((size_t)n, sizeof(*pid));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (!start || !end || !status || !rfd || !pid || !pfd || pipe2(go, O_CLOEXEC) < 0) {
		perror("conc");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++) {
		int p[2];
		char c;

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("conc: pipe");
			return 2;
		}
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("conc: fork");
			return 2;
		}
		if (pid[i] == 0) {
			close(go[1]);
			redirect(0, "/dev/null");
			if (dup2(p[1], 1) < 0)
				_exit(124);
			redirect(2, argv[5]);
			who_become(&w);
			/* Wait for the release: EOF when the parent closes go[1]. */
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			execv(argv[6], argv + 6);
			_exit(127);
		}
		close(p[1]);
		rfd[i] = p[0];
		start[i] = end[i] = -1;
		status[i] = -1;
	}
	close(go[0]);
	t0 = now_ns();
	close(go[1]); /* go */

	left = n;
	open_pipes = n;
	while (left > 0 || open_pipes > 0) {
		int m = 0, ws;
		pid_t p;
		long long t = now_ns();

		if (t - t0 > (long long)deadline_s * 1000000000LL)
			break;
		for (int i = 0; i < n; i++) {
			if (rfd[i] >= 0) {
				pfd[m].fd = rfd[i];
				pfd[m].events = POLLIN;
				m++;
			}
		}
		if (m > 0 && poll(pfd, (nfds_t)m, 5) > 0) {
			t = now_ns();
			for (int j = 0; j < m; j++) {
				char buf[64];
				ssize_t r;
				int i;

				if (!pfd[j].revents)
					continue;
				for (i = 0; i < n && rfd[i] != pfd[j].fd; i++)
					;
				r = read(rfd[i], buf, sizeof(buf));
				if (r > 0 && start[i] < 0)
					start[i] = t - t0;
				if (r <= 0) {
					close(rfd[i]);
					rfd[i] = -1;
					open_pipes--;
				}
			}
		} else if (m == 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
			t = now_ns();
			for (int i = 0; i < n; i++) {
				if (pid[i] == p) {
					end[i] = t - t0;
					status[i] = WIFEXITED(ws) ? WEXITSTATUS(ws)
								  : 128 + WTERMSIG(ws);
					pid[i] = 0;
					left--;
				}
			}
		}
	}
	/* Deadline: kill what is left, by pid, and reap it. */
	for (int i = 0; i < n; i++) {
		if (pid[i] > 0) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], NULL, 0);
		}
		if (rfd[i] >= 0)
			close(rfd[i]);
	}
	out = fopen(argv[4], "w");
	if (!out) {
		perror(argv[4]);
		return 2;
	}
	for (int i = 0; i < n; i++)
		fprintf(out, "%d %lld %lld %d\n", i, start[i], end[i], status[i]);
	fclose(out);
	return 0;
}
