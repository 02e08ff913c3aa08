/* teardown: how long a launcher takes to finish after its command exits.
 * The command prints one byte on stdout (a pipe) as its last act and
 * exits; the time that byte arrives is taken as the command's exit. Then
 * this polls (every ~20 us) for the launcher's exit and, with -L DIR, for
 * the removal of the session cgroup leaf: the one entry named session-*
 * in DIR when the byte arrived.
 *
 * Usage: teardown RUNS USER OUTFILE ERRFILE [-L DIR] PATH ARG...
 * OUTFILE: one line per run: EXIT_NS LEAF_NS STATUS (LEAF_NS -1 without
 * -L or if no leaf was found). */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

static int find_leaf(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "session-", 8)) {
			snprintf(out, len, "%s/%s", dir, de->d_name);
			found++;
		}
	closedir(d);
	return found == 1;
}

int main(int argc, char **argv)
{
	int runs, a = 5;
	const char *leafdir = NULL;
	struct who w;
	FILE *out;

	if (argc < 6) {
		fprintf(stderr, "usage: teardown RUNS USER OUTFILE ERRFILE [-L DIR] PATH ARG...\n");
		return 2;
	}
	runs = atoi(argv[1]);
	who_lookup(argv[2], &w);
	if (!strcmp(argv[a], "-L")) {
		leafdir = argv[a + 1];
		a += 2;
	}
	out = fopen(argv[3], "w");
	if (!out) {
		perror(argv[3]);
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		int p[2], ws = 0, have_leaf = 0, exited = 0;
		long long t_byte = -1, t_exit = -1, t_leaf = -1;
		char leaf[4200], c;
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("teardown: pipe");
			return 2;
		}
		pid = fork();
		if (pid == 0) {
			redirect(0, "/dev/null");
			dup2(p[1], 1);
			redirect(2, argv[4]);
			who_become(&w);
			execv(argv[a], argv + a);
			_exit(127);
		}
		close(p[1]);
		/* Blocks until the marker (or EOF if the session failed). */
		if (read(p[0], &c, 1) == 1)
			t_byte = now_ns();
		if (leafdir && t_byte >= 0)
			have_leaf = find_leaf(leafdir, leaf, sizeof(leaf));
		for (;;) {
			struct timespec ts = { 0, 20000 };
			struct stat st;

			if (!exited && waitpid(pid, &ws, WNOHANG) == pid) {
				t_exit = now_ns();
				exited = 1;
			}
			if (have_leaf && t_leaf < 0 && stat(leaf, &st) < 0 && errno == ENOENT)
				t_leaf = now_ns();
			if (exited && (!have_leaf || t_leaf >= 0))
				break;
			if (exited && now_ns() - t_exit > 2000000000LL)
				break; /* the leaf stays: a leftover, counted elsewhere */
			nanosleep(&ts, NULL);
		}
		close(p[0]);
		fprintf(out, "%lld %lld %d\n", t_byte < 0 ? -1 : t_exit - t_byte,
			t_byte < 0 || t_leaf < 0 ? -1 : t_leaf - t_byte,
			WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
	fclose(out);
	return 0;
}
