/* Per-user cgroups (SPEC §4, SECURITY 15): detection of cgroup v2 or a v1
 * pids hierarchy, the user level carrying the limits, one leaf per session,
 * leftover collection and teardown. Runs as euid 0 in the outer process (or
 * the PAM caller). Every file operation is relative to an fd of the
 * hierarchy's mount point, taken at detection, so teardown still works
 * after the caller's root changed. Nothing is ever delegated to the user. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "sandsh/cgroup.h"
#include "sandsh/fs.h"
#include "sandsh/prof.h"

#define CFS_PERIOD 100000

static const char *const ctrl_name[SANDSH_CG__COUNT] = { "pids", "cpu", "memory" };

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* mountinfo escapes blanks as \040 and so on. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool has_token(const char *list, const char *tok, const char *seps)
{
	size_t n = strlen(tok);
	for (const char *p = list; (p = strstr(p, tok)); p += n) {
		bool start = p == list || strchr(seps, p[-1]);
		bool end = p[n] == '\0' || strchr(seps, p[n]);
		if (start && end)
			return true;
	}
	return false;
}

/* Relative paths below a mount fd; "" means the mount point itself. */
static const char *rel_or_dot(const char *rel)
{
	return rel && *rel ? rel : ".";
}

int sandsh_cgroup_read_at(int dirfd, const char *rel, char *buf, size_t len)
{
	return sandsh_fs_read_small(dirfd, rel_or_dot(rel), buf, len);
}

static int write_at(int dirfd, const char *mnt, const char *rel, const char *value,
		    struct sandsh_err *e)
{
	int fd = openat(dirfd, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return sandsh_err_set(e, errno, "cgroup: open %s/%s", mnt, rel);
	if (sandsh_fs_write_all(fd, value, strlen(value)) < 0) {
		sandsh_err_set(e, errno, "cgroup: write \"%s\" to %s/%s", value, mnt, rel);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return sandsh_err_set(e, errno, "cgroup: write \"%s\" to %s/%s", value, mnt, rel);
	return 0;
}

static void init_fds(struct sandsh_cgroup *cg)
{
	cg->leaf_fd = cg->lock_fd = cg->run_fd = cg->caller_pidfd = -1;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		cg->mount_fd[c] = -1;
}

int sandsh_cgroup_detect(struct sandsh_cgroup *cg, bool need_cpu, bool need_memory,
			 struct sandsh_err *e)
{
	char *v2 = NULL, *v1[SANDSH_CG__COUNT] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(cg, 0, sizeof(*cg));
	init_fds(cg);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return sandsh_err_set(e, errno, "cgroup: read /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char root[4096], mnt[4096], fstype[64], super[1024];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (strcmp(root, "/"))
			continue; /* a bind of a sub-cgroup, not a hierarchy root */
		unescape(mnt);
		if (!strcmp(fstype, "cgroup2") && !v2) {
			v2 = strdup(mnt);
		} else if (!strcmp(fstype, "cgroup")) {
			for (int c = 0; c < SANDSH_CG__COUNT; c++)
				if (!v1[c] && has_token(super, ctrl_name[c], ","))
					v1[c] = strdup(mnt);
		}
	}
	free(line);
	fclose(f);

	if (v2)
		cg->unified = strdup(v2);
	if (v2) {
		char ctrls[512] = "";
		int fd = open(v2, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 &&
		    sandsh_cgroup_read_at(fd, "cgroup.controllers", ctrls, sizeof(ctrls)) == 0 &&
		    has_token(ctrls, "pids", " \n")) {
			for (int c = 1; c < SANDSH_CG__COUNT; c++) {
				bool need = c == SANDSH_CG_CPU ? need_cpu : need_memory;
				if (need && !has_token(ctrls, ctrl_name[c], " \n")) {
					sandsh_err_set(
						e, 0,
						"cgroup: the %s controller is not available in cgroup v2 at %s "
						"(needed for %s_max)",
						ctrl_name[c], v2, ctrl_name[c]);
					close(fd);
					goto fail;
				}
			}
			cg->version = 2;
			cg->mount[0] = v2;
			cg->mount_fd[0] = fd;
			cg->systemd = !strcmp(v2, "/sys/fs/cgroup") && sandsh_systemd_booted();
			for (int c = 0; c < SANDSH_CG__COUNT; c++)
				free(v1[c]);
			return 0;
		}
		if (fd >= 0)
			close(fd);
	}
	if (!v1[SANDSH_CG_PIDS]) {
		sandsh_err_set(
			e, 0,
			"cgroup: no pids controller (need cgroup v2 with pids, or a v1 pids hierarchy)");
		goto fail;
	}
	if ((need_cpu && !v1[SANDSH_CG_CPU]) || (need_memory && !v1[SANDSH_CG_MEMORY])) {
		const char *what = need_cpu && !v1[SANDSH_CG_CPU] ? "cpu" : "memory";
		sandsh_err_set(e, 0, "cgroup: no v1 %s hierarchy (needed for %s_max)", what, what);
		goto fail;
	}
	cg->version = 1;
	for (int c = 0; c < SANDSH_CG__COUNT; c++) {
		cg->mount[c] = v1[c];
		v1[c] = NULL;
		if (cg->mount[c]) {
			cg->mount_fd[c] = open(cg->mount[c], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cg->mount_fd[c] < 0) {
				sandsh_err_set(e, errno, "cgroup: open %s", cg->mount[c]);
				free(v2);
				for (int k = c + 1; k < SANDSH_CG__COUNT; k++)
					free(v1[k]);
				sandsh_cgroup_free(cg);
				return -1;
			}
		}
	}
	free(v2);
	return 0;
fail:
	free(v2);
	free(cg->unified);
	cg->unified = NULL;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		free(v1[c]);
	return -1;
}

/* The hierarchies this session uses: v2 one, v1 pids plus cpu/memory when
 * mounted. c names the loop variable the macro declares, so it cannot be
 * parenthesized. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define FOR_EACH_MOUNT(cg, c)                                                 \
	for (int c = 0; c < ((cg)->version == 2 ? 1 : SANDSH_CG__COUNT); c++) \
		if ((cg)->mount_fd[c] >= 0)
/* NOLINTEND(bugprone-macro-parentheses) */

int sandsh_cgroup_lock(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	char name[64];

	snprintf(name, sizeof(name), "user-%u.lock", (unsigned)cg->uid);
	cg->lock_fd = sandsh_fs_lock(cg->run_fd, name, e);
	return cg->lock_fd < 0 ? sandsh_err_wrap(e, "cgroup") : 0;
}

void sandsh_cgroup_unlock(struct sandsh_cgroup *cg)
{
	if (cg->lock_fd >= 0) {
		/* Drops the flock: close, never LOCK_UN, as a forked child
		 * holding a duplicate (the slice's stopper, systemd.c) keeps
		 * the lock until it is done. */
		close(cg->lock_fd);
		cg->lock_fd = -1;
	}
}

/* mkdir every level of rel below the mount; on v2, enable the controllers
 * each level's children need on the way down (enable != NULL). */
static int make_path(const struct sandsh_cgroup *cg, int c, const char *rel, const char *enable,
		     struct sandsh_err *e)
{
	char path[4096] = "";
	size_t len = 0;
	const char *p = rel;

	for (;;) {
		if (enable) {
			char ctl[4200];
			snprintf(ctl, sizeof(ctl), "%s%scgroup.subtree_control", path,
				 len ? "/" : "");
			if (write_at(cg->mount_fd[c], cg->mount[c], ctl, enable, e) < 0)
				return -1;
		}
		if (!*p)
			return 0;
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (len + 1 + n >= sizeof(path))
			return sandsh_err_set(e, ENAMETOOLONG, "cgroup: %s/%s", cg->mount[c], rel);
		if (len)
			path[len++] = '/';
		memcpy(path + len, p, n);
		len += n;
		path[len] = '\0';
		if (mkdirat(cg->mount_fd[c], path, 0755) < 0 && errno != EEXIST)
			return sandsh_err_set(e, errno, "cgroup: mkdir %s/%s", cg->mount[c], path);
		p += n;
		if (*p == '/')
			p++;
	}
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes empty session leaves of the user (crashed sessions) and counts
 * the live ones. The caller holds the user lock, so no session of this user
 * is between creating its leaf and entering it. A live session's leaf is
 * busy in every hierarchy: an rmdir is tried on each leaf of the first one,
 * and in the others only on leaves that are not live there (on v1 with
 * three hierarchies, 200 sessions of one user starting at once made 120000
 * failed rmdirs under the lock before; now 40000, and readdir is cheap). */
static long collect(const struct sandsh_cgroup *cg)
{
	char **live = NULL;
	size_t n_live = 0, cap = 0;
	int first = -1;
	long active = 0;

	FOR_EACH_MOUNT(cg, c)
	{
		int dfd = openat(cg->mount_fd[c], cg->user_rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct dirent *de;
		DIR *d;

		if (dfd < 0)
			continue;
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			continue;
		}
		if (first < 0)
			first = c;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, "session-", 8) || de->d_type != DT_DIR)
				continue;
			if (c != first && live &&
			    bsearch(&(char *){ de->d_name }, live, n_live, sizeof(*live), cmp_name))
				continue; /* live in the first hierarchy: busy here too */
			/* rmdir succeeds only on an empty cgroup. */
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0 || c != first)
				continue;
			active++;
			if (n_live == cap) {
				char **nl = realloc(live, (cap ? cap * 2 : 16) * sizeof(*live));
				if (!nl)
					continue; /* then tried in every hierarchy */
				live = nl;
				cap = cap ? cap * 2 : 16;
			}
			if ((live[n_live] = strdup(de->d_name)))
				n_live++;
		}
		closedir(d);
		if (c == first && live)
			qsort(live, n_live, sizeof(*live), cmp_name);
	}
	for (size_t i = 0; i < n_live; i++)
		free(live[i]);
	free(live);
	return active;
}

static int limit(const struct sandsh_cgroup *cg, int c, const char *file, const char *value,
		 struct sandsh_err *e)
{
	char rel[4200];
	int m = cg->version == 2 ? 0 : c;

	snprintf(rel, sizeof(rel), "%s/%s", cg->user_rel, file);
	return write_at(cg->mount_fd[m], cg->mount[m], rel, value, e);
}

static int set_limits(const struct sandsh_cgroup *cg, const struct sandsh_policy *p,
		      struct sandsh_err *e)
{
	bool cpu = p->cpu_max_pct >= 0, mem = p->memory_max >= 0;
	char val[64];

	snprintf(val, sizeof(val), "%ld", p->pids_max);
	if (limit(cg, SANDSH_CG_PIDS, "pids.max", val, e) < 0)
		return -1;
	if (cg->version == 2) {
		char ctrls[512] = "", rel[4200];
		snprintf(rel, sizeof(rel), "%s/cgroup.controllers", cg->user_rel);
		/* Which limits an earlier policy may have left: not knowing is a
		 * failure, or a stale limit could stay in force silently. */
		if (sandsh_cgroup_read_at(cg->mount_fd[0], rel, ctrls, sizeof(ctrls)) < 0)
			return sandsh_err_set(e, errno, "cgroup: read %s/%s", cg->mount[0], rel);
		/* Reset a limit an earlier policy set, where the controller is on. */
		if (cpu || has_token(ctrls, "cpu", " \n")) {
			if (cpu)
				snprintf(val, sizeof(val), "%ld %d",
					 (long)p->cpu_max_pct * CFS_PERIOD / 100, CFS_PERIOD);
			else
				snprintf(val, sizeof(val), "max %d", CFS_PERIOD);
			if (limit(cg, SANDSH_CG_CPU, "cpu.max", val, e) < 0)
				return -1;
		}
		if (mem || has_token(ctrls, "memory", " \n")) {
			if (mem)
				snprintf(val, sizeof(val), "%lld", (long long)p->memory_max);
			else
				snprintf(val, sizeof(val), "max");
			if (limit(cg, SANDSH_CG_MEMORY, "memory.max", val, e) < 0)
				return -1;
		}
		return 0;
	}
	if (cg->mount_fd[SANDSH_CG_CPU] >= 0) {
		snprintf(val, sizeof(val), "%d", CFS_PERIOD);
		if (limit(cg, SANDSH_CG_CPU, "cpu.cfs_period_us", val, e) < 0)
			return -1;
		snprintf(val, sizeof(val), "%ld",
			 cpu ? (long)p->cpu_max_pct * CFS_PERIOD / 100 : -1L);
		if (limit(cg, SANDSH_CG_CPU, "cpu.cfs_quota_us", val, e) < 0)
			return -1;
	}
	if (cg->mount_fd[SANDSH_CG_MEMORY] >= 0) {
		snprintf(val, sizeof(val), "%lld", mem ? (long long)p->memory_max : -1LL);
		if (limit(cg, SANDSH_CG_MEMORY, "memory.limit_in_bytes", val, e) < 0)
			return -1;
	}
	return 0;
}

/* The supervisor itself must sit where only root can act: a cgroup v2
 * subtree delegated to the user (a user manager's) lets its owner freeze
 * the supervisor (cgroup.freeze), and with it the timeout and the end of
 * the session (SECURITY 14). Any level owned by another uid refuses. */
static int check_self(const struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	char buf[4096], path[8192], *rel = NULL, *nl;
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!cg->unified)
		return 0;
	if (fd < 0)
		return sandsh_err_set(e, errno, "cgroup: read /proc/self/cgroup");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return sandsh_err_set(e, errno, "cgroup: read /proc/self/cgroup");
	buf[n] = '\0';
	for (char *line = buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "0::", 3))
			rel = line + 3;
	}
	if (!rel)
		return 0;
	snprintf(path, sizeof(path), "%s%s", cg->unified, rel);
	for (;;) {
		struct stat st;
		char *slash;
		if (strlen(path) <= strlen(cg->unified))
			return 0;
		if (stat(path, &st) == 0 && st.st_uid != 0)
			return sandsh_err_set(
				e, 0,
				"cgroup: started in %s, which uid %u controls (it could freeze the "
				"supervisor); session refused",
				path, (unsigned)st.st_uid);
		slash = strrchr(path, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
}

int sandsh_cgroup_prepare(struct sandsh_cgroup *cg, int run_fd, const struct sandsh_settings *s,
			  const struct sandsh_policy *p, uid_t uid, const char *id,
			  struct sandsh_err *e)
{
	char enable[64] = "+pids";
	long active;

	if (sandsh_cgroup_detect(cg, p->cpu_max_pct >= 0, p->memory_max >= 0, e) < 0)
		return -1;
	SANDSH_PROF("cg-detected");
	if (check_self(cg, e) < 0) {
		sandsh_cgroup_free(cg);
		return -1;
	}
	SANDSH_PROF("cg-self-checked");
	cg->uid = uid;
	cg->run_fd = fcntl(run_fd, F_DUPFD_CLOEXEC, 3);
	if (cg->run_fd < 0) {
		sandsh_err_set(e, errno, "cgroup: dup");
		goto fail;
	}
	if (cg->systemd) {
		if (sandsh_systemd_prepare(cg, s, p, id, e) < 0)
			goto fail_release;
		return 0;
	}
	sandsh_cgroup_preconnect_drop();
	if (asprintf(&cg->user_rel, "%s/user-%u", s->cgroup_parent, (unsigned)uid) < 0 ||
	    asprintf(&cg->leaf_rel, "%s/session-%s", cg->user_rel, id) < 0) {
		cg->user_rel = cg->leaf_rel = NULL;
		sandsh_err_set(e, ENOMEM, "cgroup");
		goto fail;
	}
	if (cg->version == 2)
		snprintf(enable, sizeof(enable), "+pids%s%s", p->cpu_max_pct >= 0 ? " +cpu" : "",
			 p->memory_max >= 0 ? " +memory" : "");
	if (sandsh_cgroup_lock(cg, e) < 0)
		goto fail;
	SANDSH_PROF("cg-locked");
	active = collect(cg);
	SANDSH_PROF("cg-collected");
	if (p->max_sessions > 0 && active >= p->max_sessions) {
		sandsh_err_deny(e, "session refused: too many sessions (max_sessions %ld)",
				p->max_sessions);
		snprintf(e->log, sizeof(e->log), "max_sessions reached (%ld active)", active);
		goto fail_release;
	}
	FOR_EACH_MOUNT(cg, c)
	{
		/* Controllers are enabled down to the user level; the leaf only
		 * holds processes ("no internal processes" on v2). */
		if (make_path(cg, c, cg->user_rel, cg->version == 2 ? enable : NULL, e) < 0 ||
		    make_path(cg, c, cg->leaf_rel, NULL, e) < 0)
			goto fail_release;
	}
	SANDSH_PROF("cg-made");
	if (set_limits(cg, p, e) < 0)
		goto fail_release;
	if (cg->version == 2) {
		cg->leaf_fd = openat(cg->mount_fd[0], cg->leaf_rel,
				     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cg->leaf_fd < 0) {
			sandsh_err_set(e, errno, "cgroup: open %s/%s", cg->mount[0], cg->leaf_rel);
			goto fail_release;
		}
	}
	return 0;
fail_release:
	sandsh_cgroup_release(cg);
	return -1;
fail:
	sandsh_cgroup_free(cg);
	return -1;
}

static int move_pid(struct sandsh_cgroup *cg, int c, const char *rel, pid_t pid,
		    struct sandsh_err *e)
{
	char path[4200], val[32];

	snprintf(path, sizeof(path), "%s%scgroup.procs", rel, *rel ? "/" : "");
	snprintf(val, sizeof(val), "%d", (int)pid);
	return write_at(cg->mount_fd[c], cg->mount[c], path, val, e);
}

/* The process's current cgroup in hierarchy c, relative to its mount. */
char *sandsh_cgroup_current(const struct sandsh_cgroup *cg, int c, pid_t pid)
{
	char path[64], *line = NULL, *out = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (!out && getline(&line, &cap, f) > 0) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*a = *b = '\0';
		b[1 + strcspn(b + 1, "\n")] = '\0';
		bool match = cg->version == 2 ? !strcmp(line, "0") && a[1] == '\0'
					      : has_token(a + 1, ctrl_name[c], ",");
		if (match)
			out = strdup(b[1] == '/' ? b + 2 : b + 1);
	}
	free(line);
	fclose(f);
	return out;
}

static void close_self_fds(struct sandsh_cgroup *cg)
{
	if (!cg->self_join)
		return;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		if (cg->self_fd[c] >= 0) {
			close(cg->self_fd[c]);
			cg->self_fd[c] = -1;
		}
}

int sandsh_cgroup_open_self(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	if (cg->systemd || cg->version != 1)
		return 0;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		cg->self_fd[c] = -1;
	cg->self_join = true;
	FOR_EACH_MOUNT(cg, c)
	{
		char rel[4200];

		snprintf(rel, sizeof(rel), "%s/tasks", cg->leaf_rel);
		cg->self_fd[c] = openat(cg->mount_fd[c], rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (cg->self_fd[c] < 0)
			return sandsh_err_set(e, errno, "cgroup: open %s/%s", cg->mount[c], rel);
	}
	return 0;
}

int sandsh_cgroup_join_self(const struct sandsh_cgroup *cg)
{
	if (!cg->self_join)
		return 0;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		if (cg->self_fd[c] >= 0 && write(cg->self_fd[c], "0", 1) != 1)
			return errno ? errno : EIO;
	return 0;
}

int sandsh_cgroup_place(struct sandsh_cgroup *cg, pid_t pid, pid_t caller, struct sandsh_err *e)
{
	int rc = 0;

	if (cg->systemd)
		return sandsh_systemd_place(cg, pid, caller, e);
	FOR_EACH_MOUNT(cg, c)
	{
		if (cg->version == 1 && !cg->self_join &&
		    move_pid(cg, c, cg->leaf_rel, pid, e) < 0) {
			rc = -1;
			break;
		}
		if (caller <= 0)
			continue;
		free(cg->origin[c]);
		cg->origin[c] = sandsh_cgroup_current(cg, c, caller);
		if (!cg->origin[c]) {
			rc = sandsh_err_set(e, 0, "cgroup: cannot tell where process %d is",
					    (int)caller);
			break;
		}
		cg->caller = caller;
		if (move_pid(cg, c, cg->leaf_rel, caller, e) < 0) {
			rc = -1;
			break;
		}
	}
	close_self_fds(cg); /* PID 1 has its own copies */
	sandsh_cgroup_unlock(cg);
	return rc;
}

bool sandsh_cgroup_caller_alive(const struct sandsh_cgroup *cg)
{
	struct pollfd p = { .fd = cg->caller_pidfd, .events = POLLIN };

	return cg->caller > 0 && cg->caller_pidfd >= 0 && poll(&p, 1, 0) == 0;
}

/* A placed caller goes back where it was, unless it has exited. */
static void return_caller(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };

	if (!sandsh_cgroup_caller_alive(cg)) {
		cg->caller = 0;
		return;
	}
	FOR_EACH_MOUNT(cg, c)
	{
		if (cg->origin[c])
			move_pid(cg, c, cg->origin[c], cg->caller, &ignored);
	}
	cg->caller = 0;
}

void sandsh_cgroup_rest(struct sandsh_cgroup *cg)
{
	if (cg->systemd)
		sandsh_systemd_rest(cg);
}

void sandsh_cgroup_release(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };

	if (cg->systemd) {
		sandsh_systemd_release(cg);
		sandsh_cgroup_free(cg);
		return;
	}
	if (!cg->version || !cg->leaf_rel) {
		sandsh_cgroup_free(cg);
		return;
	}
	return_caller(cg);
	if (cg->joined) {
		sandsh_cgroup_free(cg);
		return;
	}
	if (cg->lock_fd < 0 && sandsh_cgroup_lock(cg, &ignored) < 0) {
		sandsh_cgroup_free(cg);
		return; /* left for the user's next session to collect */
	}
	FOR_EACH_MOUNT(cg, c)
	{
		/* The last exiting tasks may still be leaving the cgroup. */
		for (int i = 0;
		     i < 200 && unlinkat(cg->mount_fd[c], cg->leaf_rel, AT_REMOVEDIR) < 0 &&
		     errno == EBUSY;
		     i++)
			sleep_ms(5);
		/* Fails while other sessions of the user live. */
		unlinkat(cg->mount_fd[c], cg->user_rel, AT_REMOVEDIR);
	}
	sandsh_cgroup_free(cg);
}

int sandsh_cgroup_attach(struct sandsh_cgroup *cg, const char *leaf_rel, const char *unit,
			 pid_t pid, bool caller, struct sandsh_err *e)
{
	if (sandsh_cgroup_detect(cg, false, false, e) < 0)
		return -1;
	cg->joined = true;
	cg->leaf_rel = strdup(leaf_rel);
	if (!cg->leaf_rel || (cg->systemd && !(cg->unit = strdup(unit))))
		return sandsh_err_set(e, ENOMEM, "cgroup");
	if (cg->systemd)
		return sandsh_systemd_attach(cg, pid, caller, e);
	FOR_EACH_MOUNT(cg, c)
	{
		if (caller) {
			free(cg->origin[c]);
			cg->origin[c] = sandsh_cgroup_current(cg, c, pid);
			if (!cg->origin[c])
				return sandsh_err_set(
					e, 0, "cgroup: cannot tell where process %d is", (int)pid);
			cg->caller = pid;
		}
		if (move_pid(cg, c, cg->leaf_rel, pid, e) < 0)
			return -1;
	}
	return 0;
}

bool sandsh_cgroup_over_limit(const struct sandsh_cgroup *cg)
{
	char rel[4200];
	const char *slash;
	long long cur, max;
	int m = cg->version == 2 ? 0 : SANDSH_CG_PIDS;

	if (!cg->leaf_rel || cg->mount_fd[m] < 0 || !(slash = strrchr(cg->leaf_rel, '/')))
		return false;
	snprintf(rel, sizeof(rel), "%.*s", (int)(slash - cg->leaf_rel), cg->leaf_rel);
	cur = sandsh_cgroup_read_leaf(cg, SANDSH_CG_PIDS, rel, "pids.current", "pids.current");
	max = sandsh_cgroup_read_leaf(cg, SANDSH_CG_PIDS, rel, "pids.max", "pids.max");
	return cur >= 0 && max >= 0 && cur > max;
}

long sandsh_cgroup_others(const struct sandsh_cgroup *cg, pid_t a, pid_t b)
{
	char path[4200], *line = NULL;
	size_t cap = 0;
	long n = 0;
	FILE *f;
	int m = cg->version == 2 ? 0 : SANDSH_CG_PIDS, fd;

	if (!cg->leaf_rel || cg->mount_fd[m] < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->leaf_rel);
	fd = openat(cg->mount_fd[m], path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !(f = fdopen(fd, "re"))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		long pid = strtol(line, NULL, 10);
		if (pid > 0 && pid != (long)a && pid != (long)b)
			n++;
	}
	free(line);
	fclose(f);
	return n;
}

void sandsh_cgroup_forget(struct sandsh_cgroup *cg)
{
	/* A close, not an unlock: the lock belongs to the parent. */
	if (cg->lock_fd >= 0)
		close(cg->lock_fd);
	if (cg->leaf_fd >= 0)
		close(cg->leaf_fd);
	if (cg->run_fd >= 0)
		close(cg->run_fd);
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		if (cg->mount_fd[c] >= 0)
			close(cg->mount_fd[c]);
	init_fds(cg);
}

void sandsh_cgroup_free(struct sandsh_cgroup *cg)
{
	sandsh_cgroup_unlock(cg);
	close_self_fds(cg);
	cg->self_join = false;
	sandsh_cgroup_forget(cg);
	for (int c = 0; c < SANDSH_CG__COUNT; c++) {
		free(cg->mount[c]);
		free(cg->origin[c]);
		cg->mount[c] = cg->origin[c] = NULL;
	}
	free(cg->user_rel);
	free(cg->leaf_rel);
	free(cg->slice);
	free(cg->unit);
	free(cg->unified);
	cg->unified = NULL;
	cg->user_rel = cg->leaf_rel = cg->slice = cg->unit = NULL;
	cg->systemd = false;
	cg->joined = false;
	cg->version = 0;
}

long long sandsh_cgroup_read_leaf(const struct sandsh_cgroup *cg, enum sandsh_cg_ctrl c,
				  const char *rel, const char *v2file, const char *v1file)
{
	char path[4200], buf[64];
	int m = cg->version == 2 ? 0 : (int)c;

	if (cg->mount_fd[m] < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", rel, cg->version == 2 ? v2file : v1file);
	if (sandsh_cgroup_read_at(cg->mount_fd[m], path, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return -2;
	return strtoll(buf, NULL, 10);
}
