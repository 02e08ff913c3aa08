/* lat: start->exit latency of several launchers, interleaved round-robin so
 * drift (frequency, cache, other load) hits every tool alike.
 *
 * Usage: lat WARMUP RUNS SPECFILE OUTFILE ERRDIR
 * SPECFILE: one tool per line, tab-separated: NAME USER PATH ARG...
 *   (USER is a user name, or "root" to run as root).
 * Each round runs every tool once, starting at a different tool each round.
 * A run is fork -> (drop to USER) -> exec PATH ARGS with stdin /dev/null,
 * stdout to /dev/null and stderr appended to ERRDIR/NAME.err -> waitpid,
 * timed with CLOCK_MONOTONIC in the parent. OUTFILE gets one line per
 * counted run: NAME ROUND NANOSECONDS STATUS. */
#include <signal.h>
#include <sys/wait.h>

#include "common.h"

#define MAX_TOOLS 16
#define MAX_ARGS 32

struct tool {
	char name[64];
	struct who who;
	char *argv[MAX_ARGS + 1];
	char err[512];
};

static int parse(const char *file, struct tool *t)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	int n = 0;

	if (!f) {
		perror(file);
		exit(2);
	}
	while (n < MAX_TOOLS && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok;
		int a = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		tok = strtok_r(line, "\t", &save);
		snprintf(t[n].name, sizeof(t[n].name), "%s", tok);
		tok = strtok_r(NULL, "\t", &save);
		if (!tok) {
			fprintf(stderr, "lat: bad spec line for %s\n", t[n].name);
			exit(2);
		}
		who_lookup(tok, &t[n].who);
		while (a < MAX_ARGS && (tok = strtok_r(NULL, "\t", &save)))
			t[n].argv[a++] = strdup(tok);
		t[n].argv[a] = NULL;
		if (!a) {
			fprintf(stderr, "lat: no command for %s\n", t[n].name);
			exit(2);
		}
		n++;
	}
	fclose(f);
	return n;
}

static long long run_one(const struct tool *t, int *status)
{
	long long t0, t1;
	pid_t pid;
	int ws;

	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("lat: fork");
		exit(2);
	}
	if (pid == 0) {
		redirect(0, "/dev/null");
		redirect(1, "/dev/null");
		redirect(2, t->err);
		who_become(&t->who);
		execv(t->argv[0], t->argv);
		_exit(127);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			perror("lat: waitpid");
			exit(2);
		}
	t1 = now_ns();
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	struct tool tools[MAX_TOOLS];
	int n, warm, runs;
	FILE *out;

	if (argc != 6) {
		fprintf(stderr, "usage: lat WARMUP RUNS SPECFILE OUTFILE ERRDIR\n");
		return 2;
	}
	warm = atoi(argv[1]);
	runs = atoi(argv[2]);
	memset(tools, 0, sizeof(tools));
	n = parse(argv[3], tools);
	for (int i = 0; i < n; i++)
		snprintf(tools[i].err, sizeof(tools[i].err), "%s/%s.err", argv[5], tools[i].name);
	out = fopen(argv[4], "w");
	if (!out) {
		perror(argv[4]);
		return 2;
	}
	for (int r = 0; r < warm + runs; r++) {
		for (int k = 0; k < n; k++) {
			const struct tool *t = &tools[(r + k) % n];
			int status;
			long long ns = run_one(t, &status);

			if (r >= warm)
				fprintf(out, "%s %d %lld %d\n", t->name, r - warm, ns, status);
		}
	}
	fclose(out);
	return 0;
}
