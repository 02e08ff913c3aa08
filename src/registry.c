/* Session registry for --list: one line per live session in a root-only
 * directory. An entry whose process (pid plus start time) is gone is stale
 * and removed when listed. Outer process, euid 0. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
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
	/* NOLINTNEXTLINE(cert-err34-c) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %lld", &v) != 1)
		return -1;
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
	n = snprintf(line, sizeof(line), "%s %u %s %d %lld %lld %s %s\n", s->id, (unsigned)s->uid, s->user,
		     (int)s->pid, start_ticks(s->pid), s->started, s->tty, s->leaf_rel);
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

int sandsh_registry_list(FILE *out)
{
	struct sandsh_cgroup cg;
	struct sandsh_err e = { 0 };
	bool have_cg;
	DIR *d;
	struct dirent *de;

	have_cg = sandsh_cgroup_detect(&cg, false, false, &e) == 0;
	fprintf(out, "%-16s %-12s %7s %-19s %-8s %9s %8s\n", "ID", "USER", "PID", "STARTED", "TTY", "PIDS", "MEMORY");
	d = opendir(SESSDIR);
	if (!d) {
		if (have_cg)
			sandsh_cgroup_free(&cg);
		return errno == ENOENT ? 0 : -1;
	}
	while ((de = readdir(d))) {
		char path[300], line[1024], id[32], user[256], tty[64], leaf[512], when[32], pids[32], mem[16];
		unsigned uid;
		int pid, fd;
		long long ticks, started;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SESSDIR "/%s", de->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (n <= 0)
			continue;
		line[n] = '\0';
		/* A root-only file sandsh wrote itself (sandsh_registry_add), read
		 * by root: not untrusted text (cert-err34-c). */
		/* NOLINTNEXTLINE(cert-err34-c) */
		if (sscanf(line, "%31s %u %255s %d %lld %lld %63s %511s", id, &uid, user, &pid, &ticks, &started, tty,
			   leaf) != 8)
			continue;
		if (start_ticks(pid) != ticks) {
			unlink(path); /* its outer process is gone */
			continue;
		}
		struct tm tm;
		time_t t = (time_t)started;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		snprintf(pids, sizeof(pids), "-");
		mem[0] = '-';
		mem[1] = '\0';
		if (have_cg && strcmp(leaf, "-")) {
			char user_rel[512];
			long long cur = sandsh_cgroup_read_leaf(&cg, SANDSH_CG_PIDS, leaf, "pids.current", "pids.current");
			char *slash = strrchr(leaf, '/');
			snprintf(user_rel, sizeof(user_rel), "%.*s", slash ? (int)(slash - leaf) : 0, leaf);
			long long max = sandsh_cgroup_read_leaf(&cg, SANDSH_CG_PIDS, user_rel, "pids.max", "pids.max");
			if (cur >= 0 && max >= 0)
				snprintf(pids, sizeof(pids), "%lld/%lld", cur, max);
			else if (cur >= 0)
				snprintf(pids, sizeof(pids), "%lld/max", cur);
			human(sandsh_cgroup_read_leaf(&cg, SANDSH_CG_MEMORY, leaf, "memory.current",
						      "memory.usage_in_bytes"),
			      mem, sizeof(mem));
		}
		fprintf(out, "%-16s %-12s %7d %-19s %-8s %9s %8s\n", id, user, pid, when, tty, pids, mem);
	}
	closedir(d);
	if (have_cg)
		sandsh_cgroup_free(&cg);
	return 0;
}
