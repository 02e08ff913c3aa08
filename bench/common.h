/* Shared helpers of the bench drivers (the C files of bench/): clock, running a child
 * as the bench user, percentiles. Each driver runs as root. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct who {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[256];
};

/* NAME (or "root"): its ids and groups, looked up once in the parent so
 * the child only makes system calls. */
static inline void who_lookup(const char *name, struct who *w)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		fprintf(stderr, "bench: no user %s\n", name);
		exit(2);
	}
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	w->ngroups = 256;
	if (getgrouplist(name, pw->pw_gid, w->groups, &w->ngroups) < 0) {
		fprintf(stderr, "bench: too many groups for %s\n", name);
		exit(2);
	}
}

/* In the child: become w (root stays root). */
static inline void who_become(const struct who *w)
{
	if (w->uid == 0)
		return;
	if (setgroups((size_t)w->ngroups, w->groups) < 0 || setresgid(w->gid, w->gid, w->gid) < 0 ||
	    setresuid(w->uid, w->uid, w->uid) < 0) {
		perror("bench: drop to the bench user");
		_exit(124);
	}
}

/* Redirects fd to path (O_WRONLY|O_APPEND|O_CREAT, or O_RDONLY for 0). */
static inline void redirect(int fd, const char *path)
{
	int f = open(path, fd == 0 ? O_RDONLY : O_WRONLY | O_APPEND | O_CREAT, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		_exit(124);
	if (f != fd)
		close(f);
}

static inline int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static inline long long pct(const long long *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return -1;
	i = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

#endif
