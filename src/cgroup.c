/* Per-user cgroups (SPEC §4, SECURITY 15): detection of cgroup v2 or a v1
 * pids hierarchy, the user level carrying the limits, one leaf per session,
 * leftover collection and teardown. Runs as euid 0 in the outer process;
 * nothing here is ever delegated to the user. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/cgroup.h"
#include "sandsh/fs.h"

#define RUNDIR "/run/sandsh"
#define LOCK_WAIT_MS 10000
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
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
		    p[3] <= '7') {
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

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int write_file(const char *path, const char *value, struct sandsh_err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return sandsh_err_set(e, errno, "cgroup: open %s", path);
	if (sandsh_fs_write_all(fd, value, strlen(value)) < 0) {
		sandsh_err_set(e, errno, "cgroup: write \"%s\" to %s", value, path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return sandsh_err_set(e, errno, "cgroup: write \"%s\" to %s", value, path);
	return 0;
}

int sandsh_cgroup_detect(struct sandsh_cgroup *cg, bool need_cpu, bool need_memory,
			 struct sandsh_err *e)
{
	char *v2 = NULL, *v1[SANDSH_CG__COUNT] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(cg, 0, sizeof(*cg));
	cg->leaf_fd = cg->lock_fd = -1;
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

	if (v2) {
		char path[4200], ctrls[512] = "";
		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2);
		if (read_small(path, ctrls, sizeof(ctrls)) == 0 && has_token(ctrls, "pids", " \n")) {
			for (int c = 1; c < SANDSH_CG__COUNT; c++) {
				bool need = c == SANDSH_CG_CPU ? need_cpu : need_memory;
				if (need && !has_token(ctrls, ctrl_name[c], " \n")) {
					sandsh_err_set(e, 0,
						       "cgroup: the %s controller is not available in cgroup v2 at %s "
						       "(needed for %s_max)",
						       ctrl_name[c], v2, ctrl_name[c]);
					goto fail;
				}
			}
			cg->version = 2;
			cg->mount[0] = v2;
			v2 = NULL;
			for (int c = 0; c < SANDSH_CG__COUNT; c++)
				free(v1[c]);
			return 0;
		}
	}
	if (!v1[SANDSH_CG_PIDS]) {
		sandsh_err_set(e, 0, "cgroup: no pids controller (need cgroup v2 with pids, or a v1 pids hierarchy)");
		goto fail;
	}
	if ((need_cpu && !v1[SANDSH_CG_CPU]) || (need_memory && !v1[SANDSH_CG_MEMORY])) {
		sandsh_err_set(e, 0, "cgroup: no v1 %s hierarchy (needed for %s_max)",
			       need_cpu && !v1[SANDSH_CG_CPU] ? "cpu" : "memory",
			       need_cpu && !v1[SANDSH_CG_CPU] ? "cpu" : "memory");
		goto fail;
	}
	cg->version = 1;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		cg->mount[c] = v1[c];
	free(v2);
	return 0;
fail:
	free(v2);
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		free(v1[c]);
	return -1;
}

/* The hierarchies this session uses: v2 one, v1 pids plus cpu/memory when
 * mounted. */
#define FOR_EACH_MOUNT(cg, c)                                                   \
	for (int c = 0; c < ((cg)->version == 2 ? 1 : SANDSH_CG__COUNT); c++) \
		if ((cg)->mount[c])

static int lock_user(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	char path[64];

	snprintf(path, sizeof(path), RUNDIR "/user-%u.lock", (unsigned)cg->uid);
	cg->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (cg->lock_fd < 0)
		return sandsh_err_set(e, errno, "cgroup: open %s", path);
	/* Only root's processes can hold it (the directory is root's 0700),
	 * but do not wait forever on a stuck one. */
	for (int waited = 0; flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return sandsh_err_set(e, errno, "cgroup: lock %s", path);
		if (waited >= LOCK_WAIT_MS)
			return sandsh_err_set(e, 0, "cgroup: %s: busy for %d s", path, LOCK_WAIT_MS / 1000);
		sleep_ms(10);
	}
	return 0;
}

static void unlock_user(struct sandsh_cgroup *cg)
{
	if (cg->lock_fd >= 0) {
		close(cg->lock_fd); /* drops the flock */
		cg->lock_fd = -1;
	}
}

/* mkdir every level of rel below mnt; on v2, enable the controllers the
 * level's children need on the way down. */
static int make_path(const struct sandsh_cgroup *cg, const char *mnt, const char *rel,
		     const char *enable, struct sandsh_err *e)
{
	char path[4096];
	size_t base = (size_t)snprintf(path, sizeof(path), "%s", mnt);
	const char *p = rel;

	for (;;) {
		if (cg->version == 2 && enable) {
			char ctl[4200];
			snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
			if (write_file(ctl, enable, e) < 0)
				return -1;
		}
		if (!*p)
			return 0;
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (base + 1 + n >= sizeof(path))
			return sandsh_err_set(e, ENAMETOOLONG, "cgroup: %s/%s", mnt, rel);
		path[base++] = '/';
		memcpy(path + base, p, n);
		base += n;
		path[base] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return sandsh_err_set(e, errno, "cgroup: mkdir %s", path);
		p += n;
		if (*p == '/')
			p++;
	}
}

/* Removes empty session leaves of the user (crashed sessions) and counts
 * the live ones. Caller holds the user lock, so no session of this user is
 * between creating its leaf and entering it. */
static int collect(const struct sandsh_cgroup *cg, long *active)
{
	*active = 0;
	FOR_EACH_MOUNT(cg, c)
	{
		char dir[4200];
		DIR *d;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/%s", cg->mount[c], cg->user_rel);
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char leaf[4500];
			if (strncmp(de->d_name, "session-", 8) || de->d_type != DT_DIR)
				continue;
			snprintf(leaf, sizeof(leaf), "%s/%s", dir, de->d_name);
			if (rmdir(leaf) < 0 && c == 0)
				(*active)++;
		}
		closedir(d);
	}
	return 0;
}

static int set_limits(const struct sandsh_cgroup *cg, const struct sandsh_policy *p,
		      struct sandsh_err *e)
{
	char path[4200], val[64];

#define LIMIT(ctrl, file, ...)                                                      \
	do {                                                                        \
		snprintf(path, sizeof(path), "%s/%s/%s",                           \
			 cg->mount[cg->version == 2 ? 0 : (ctrl)], cg->user_rel, file); \
		snprintf(val, sizeof(val), __VA_ARGS__);                            \
		if (write_file(path, val, e) < 0)                                   \
			return -1;                                                  \
	} while (0)

	LIMIT(SANDSH_CG_PIDS, "pids.max", "%ld", p->pids_max);
	if (cg->version == 2) {
		bool cpu = p->cpu_max_pct >= 0, mem = p->memory_max >= 0;
		char ctrls[512] = "";
		snprintf(path, sizeof(path), "%s/%s/cgroup.controllers", cg->mount[0], cg->user_rel);
		read_small(path, ctrls, sizeof(ctrls));
		/* Reset a limit an earlier policy set, where the controller is on. */
		if (cpu || has_token(ctrls, "cpu", " \n")) {
			if (cpu)
				LIMIT(SANDSH_CG_CPU, "cpu.max", "%ld %d", (long)p->cpu_max_pct * CFS_PERIOD / 100, CFS_PERIOD);
			else
				LIMIT(SANDSH_CG_CPU, "cpu.max", "max %d", CFS_PERIOD);
		}
		if (mem || has_token(ctrls, "memory", " \n")) {
			if (mem)
				LIMIT(SANDSH_CG_MEMORY, "memory.max", "%lld", (long long)p->memory_max);
			else
				LIMIT(SANDSH_CG_MEMORY, "memory.max", "max");
		}
	} else {
		if (cg->mount[SANDSH_CG_CPU]) {
			LIMIT(SANDSH_CG_CPU, "cpu.cfs_period_us", "%d", CFS_PERIOD);
			LIMIT(SANDSH_CG_CPU, "cpu.cfs_quota_us", "%ld",
			      p->cpu_max_pct >= 0 ? (long)p->cpu_max_pct * CFS_PERIOD / 100 : -1L);
		}
		if (cg->mount[SANDSH_CG_MEMORY])
			LIMIT(SANDSH_CG_MEMORY, "memory.limit_in_bytes", "%lld",
			      p->memory_max >= 0 ? (long long)p->memory_max : -1LL);
	}
#undef LIMIT
	return 0;
}

int sandsh_cgroup_prepare(struct sandsh_cgroup *cg, const struct sandsh_settings *s,
			  const struct sandsh_policy *p, uid_t uid, const char *id,
			  struct sandsh_err *e)
{
	char enable[64] = "+pids";
	long active = 0;

	if (sandsh_cgroup_detect(cg, p->cpu_max_pct >= 0, p->memory_max >= 0, e) < 0)
		return -1;
	cg->uid = uid;
	if (asprintf(&cg->user_rel, "%s/user-%u", s->cgroup_parent, (unsigned)uid) < 0 ||
	    asprintf(&cg->leaf_rel, "%s/session-%s", cg->user_rel, id) < 0) {
		cg->user_rel = cg->leaf_rel = NULL;
		return sandsh_err_set(e, ENOMEM, "cgroup");
	}
	if (cg->version == 2) {
		if (p->cpu_max_pct >= 0)
			strcat(enable, " +cpu");
		if (p->memory_max >= 0)
			strcat(enable, " +memory");
	}
	if (lock_user(cg, e) < 0)
		return -1;
	collect(cg, &active);
	if (p->max_sessions > 0 && active >= p->max_sessions) {
		sandsh_err_deny(e, "session refused: too many sessions (max_sessions %ld)", p->max_sessions);
		snprintf(e->log, sizeof(e->log), "max_sessions reached (%ld active)", active);
		unlock_user(cg);
		return -1;
	}
	FOR_EACH_MOUNT(cg, c)
	{
		/* Controllers are enabled down to the user level; the leaf only
		 * holds processes. */
		if (make_path(cg, cg->mount[c], cg->user_rel, cg->version == 2 ? enable : NULL, e) < 0 ||
		    make_path(cg, cg->mount[c], cg->leaf_rel, NULL, e) < 0)
			goto fail;
	}
	if (set_limits(cg, p, e) < 0)
		goto fail;
	if (cg->version == 2) {
		char leaf[4200];
		snprintf(leaf, sizeof(leaf), "%s/%s", cg->mount[0], cg->leaf_rel);
		cg->leaf_fd = open(leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cg->leaf_fd < 0) {
			sandsh_err_set(e, errno, "cgroup: open %s", leaf);
			goto fail;
		}
	}
	return 0;
fail:
	sandsh_cgroup_release(cg);
	return -1;
}

int sandsh_cgroup_place(struct sandsh_cgroup *cg, pid_t pid, struct sandsh_err *e)
{
	int rc = 0;

	if (cg->version == 1) {
		FOR_EACH_MOUNT(cg, c)
		{
			char path[4200], val[32];
			snprintf(path, sizeof(path), "%s/%s/cgroup.procs", cg->mount[c], cg->leaf_rel);
			snprintf(val, sizeof(val), "%d", (int)pid);
			if (write_file(path, val, e) < 0) {
				rc = -1;
				break;
			}
		}
	}
	unlock_user(cg);
	return rc;
}

void sandsh_cgroup_release(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };

	if (!cg->version || !cg->leaf_rel) {
		sandsh_cgroup_free(cg);
		return;
	}
	if (cg->lock_fd < 0 && lock_user(cg, &ignored) < 0) {
		sandsh_cgroup_free(cg);
		return; /* left for the user's next session to collect */
	}
	FOR_EACH_MOUNT(cg, c)
	{
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", cg->mount[c], cg->leaf_rel);
		/* The last exiting tasks may still be leaving the cgroup. */
		for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++)
			sleep_ms(5);
		snprintf(path, sizeof(path), "%s/%s", cg->mount[c], cg->user_rel);
		rmdir(path); /* fails while other sessions of the user live */
	}
	sandsh_cgroup_free(cg);
}

void sandsh_cgroup_free(struct sandsh_cgroup *cg)
{
	unlock_user(cg);
	if (cg->leaf_fd >= 0)
		close(cg->leaf_fd);
	cg->leaf_fd = -1;
	for (int c = 0; c < SANDSH_CG__COUNT; c++) {
		free(cg->mount[c]);
		cg->mount[c] = NULL;
	}
	free(cg->user_rel);
	free(cg->leaf_rel);
	cg->user_rel = cg->leaf_rel = NULL;
	cg->version = 0;
}

void sandsh_cgroup_forget(struct sandsh_cgroup *cg)
{
	if (cg->lock_fd >= 0)
		close(cg->lock_fd); /* a close, not an unlock: the parent keeps it */
	if (cg->leaf_fd >= 0)
		close(cg->leaf_fd);
	cg->lock_fd = cg->leaf_fd = -1;
}

long long sandsh_cgroup_read_leaf(const struct sandsh_cgroup *cg, enum sandsh_cg_ctrl c,
				  const char *rel, const char *v2file, const char *v1file)
{
	char path[4200], buf[64];
	const char *mnt = cg->mount[cg->version == 2 ? 0 : c];

	if (!mnt)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", mnt, rel, cg->version == 2 ? v2file : v1file);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return -2;
	return strtoll(buf, NULL, 10);
}
