/* Session registry for --list: one line per live session in a root-only
 * directory. An entry whose process (pid plus start time) is gone is stale
 * and removed when listed. Outer process, euid 0. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/cgroup.h"
#include "sandsh/fs.h"
#include "sandsh/registry.h"

#define SESSDIR SANDSH_RUNDIR "/sessions"

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot. */
static long long start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	/* Kernel-formatted numbers: %lld cannot overflow (cert-err34-c). */
	/* NOLINTBEGIN(cert-err34-c) */
	if (!p ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %lld",
		   &v) != 1)
		return -1;
	/* NOLINTEND(cert-err34-c) */
	return v;
}

void sandsh_registry_new_id(char out[17])
{
	unsigned char r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		pid_t pid = getpid();
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, 4);
		memcpy(r + 4, &pid, 4);
	}
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

int sandsh_registry_add(int run_fd, const struct sandsh_session_info *s, struct sandsh_err *e)
{
	char path[128], line[1024];
	int fd, n;

	if (mkdirat(run_fd, "sessions", 0700) < 0 && errno != EEXIST)
		return sandsh_err_set(e, errno, "mkdir %s", SESSDIR);
	snprintf(path, sizeof(path), "sessions/%s", s->id);
	fd = openat(run_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sandsh_err_set(e, errno, "create %s/%s", SANDSH_RUNDIR, path);
	n = snprintf(line, sizeof(line), "%s %u %s %d %lld %lld %s %s %s\n", s->id,
		     (unsigned)s->uid, s->user, (int)s->pid, start_ticks(s->pid), s->started,
		     s->tty, s->leaf_rel, s->sandbox ? s->sandbox : "-");
	if (sandsh_fs_write_all(fd, line, (size_t)n) < 0) {
		sandsh_err_set(e, errno, "write %s/%s", SANDSH_RUNDIR, path);
		close(fd);
		unlinkat(run_fd, path, 0);
		return -1;
	}
	close(fd);
	return 0;
}

void sandsh_registry_remove(int run_fd, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "sessions/%s", id);
	unlinkat(run_fd, path, 0);
}

static void human(long long bytes, char *buf, size_t len)
{
	if (bytes < 0)
		snprintf(buf, len, "-");
	else if (bytes >= 10LL << 20)
		snprintf(buf, len, "%lldM", bytes >> 20);
	else
		snprintf(buf, len, "%lldK", bytes >> 10);
}

struct entry {
	char id[32], user[256], tty[80], leaf[512], sandbox[32];
	unsigned uid;
	int pid;
	long long ticks, started;
};

/* Reads one entry; a root-only file sandsh wrote itself. 0 or -1. */
static int read_entry(const char *name, struct entry *x)
{
	char path[300], line[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SESSDIR "/%s", name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	snprintf(x->sandbox, sizeof(x->sandbox), "-");
	/* Written by sandsh_registry_add, read by root: not untrusted text
	 * (cert-err34-c). */
	/* NOLINTNEXTLINE(cert-err34-c) */
	if (sscanf(line, "%31s %u %255s %d %lld %lld %79s %511s %31s", x->id, &x->uid, x->user,
		   &x->pid, &x->ticks, &x->started, x->tty, x->leaf, x->sandbox) < 8)
		return -1;
	return 0;
}

int sandsh_registry_stop(FILE *out, const char *what)
{
	int *fds = NULL, n = 0, cap = 0;
	struct timespec t0;
	struct dirent *de;
	DIR *d = opendir(SESSDIR);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct entry x;
		int fd;

		if (de->d_name[0] == '.' || read_entry(de->d_name, &x) < 0 ||
		    (strcmp(x.id, what) && strcmp(x.user, what)))
			continue;
		/* The pidfd first, then the start time: the process it names is
		 * the supervisor that wrote the entry, not a recycled pid. */
		fd = (int)syscall(SYS_pidfd_open, x.pid, 0);
		if (fd < 0)
			continue;
		if (start_ticks(x.pid) != x.ticks ||
		    syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) < 0) {
			close(fd);
			continue;
		}
		if (n == cap) {
			int *g = realloc(fds, (size_t)(cap ? cap * 2 : 64) * sizeof(*fds));
			if (!g) {
				close(fd);
				break;
			}
			fds = g;
			cap = cap ? cap * 2 : 64;
		}
		fprintf(out, "stopping %s %s (%s)\n",
			!strcmp(x.sandbox, "*") ? "sandbox" : "session", x.id, x.user);
		fds[n++] = fd;
	}
	closedir(d);
	/* Their supervisors end them with the usual grace period. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		for (;;) {
			struct timespec t1;
			long left;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			left = (SANDSH_STOP_WAIT_S - (t1.tv_sec - t0.tv_sec)) * 1000L;
			if (left <= 0 || poll(&p, 1, (int)left) >= 0 || errno != EINTR)
				break;
		}
		close(fds[i]);
	}
	free(fds);
	return n;
}

int sandsh_registry_list(FILE *out)
{
	struct sandsh_cgroup cg;
	struct sandsh_err e = { 0 };
	bool have_cg;
	DIR *d;
	struct dirent *de;

	have_cg = sandsh_cgroup_detect(&cg, false, false, &e) == 0;
	fprintf(out, "%-16s %-12s %7s %-19s %-8s %9s %8s %s\n", "ID", "USER", "PID", "STARTED",
		"TTY", "PIDS", "MEMORY", "SANDBOX");
	d = opendir(SESSDIR);
	if (!d) {
		if (have_cg)
			sandsh_cgroup_free(&cg);
		return errno == ENOENT ? 0 : -1;
	}
	while ((de = readdir(d))) {
		char path[300], when[32], pids[32], mem[16];
		struct entry x;

		if (de->d_name[0] == '.' || read_entry(de->d_name, &x) < 0)
			continue;
		snprintf(path, sizeof(path), SESSDIR "/%s", de->d_name);
		if (start_ticks(x.pid) != x.ticks) {
			unlink(path); /* its supervisor is gone */
			continue;
		}
		struct tm tm;
		time_t t = (time_t)x.started;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		snprintf(pids, sizeof(pids), "-");
		mem[0] = '-';
		mem[1] = '\0';
		if (have_cg && strcmp(x.leaf, "-")) {
			char user_rel[512];
			long long cur = sandsh_cgroup_read_leaf(&cg, SANDSH_CG_PIDS, x.leaf,
								"pids.current", "pids.current");
			char *slash = strrchr(x.leaf, '/');
			snprintf(user_rel, sizeof(user_rel), "%.*s",
				 slash ? (int)(slash - x.leaf) : 0, x.leaf);
			long long max = sandsh_cgroup_read_leaf(&cg, SANDSH_CG_PIDS, user_rel,
								"pids.max", "pids.max");
			if (cur >= 0 && max >= 0)
				snprintf(pids, sizeof(pids), "%lld/%lld", cur, max);
			else if (cur >= 0)
				snprintf(pids, sizeof(pids), "%lld/max", cur);
			human(sandsh_cgroup_read_leaf(&cg, SANDSH_CG_MEMORY, x.leaf,
						      "memory.current", "memory.usage_in_bytes"),
			      mem, sizeof(mem));
		}
		/* A persistent sandbox's row says so; its logins name it. */
		fprintf(out, "%-16s %-12s %7d %-19s %-8s %9s %8s %s\n", x.id, x.user, x.pid, when,
			x.tty, pids, mem, !strcmp(x.sandbox, "*") ? "(sandbox)" : x.sandbox);
	}
	closedir(d);
	if (have_cg)
		sandsh_cgroup_free(&cg);
	return 0;
}
