/* systemd-native placement (SPEC §4), where systemd is PID 1 on cgroup v2:
 * the user's limits sit on a slice <parent>-u<UID>.slice, each session is a
 * transient scope sandsh-<ID>.scope in it, both made through systemd's own
 * API (sd-bus on systemd's private socket), so systemd, logind and their
 * tools see and respect them and nobody else writes systemd's tree.
 * libsystemd is loaded only on such hosts (dlopen from the system's
 * library directories; a setuid process never takes a search path from its
 * caller). Runs as euid 0 in the supervisor, in the host's namespaces. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "sandsh/cgroup.h"
#include "sandsh/hygiene.h"
#include "sandsh/prof.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* A job of ours normally finishes in milliseconds; this bounds a systemd
 * that is busy (daemon-reload) or wedged. */
#define JOB_WAIT_S 30

static struct {
	void *lib;
	typeof(&sd_bus_new) bus_new;
	typeof(&sd_bus_set_address) set_address;
	typeof(&sd_bus_start) start;
	typeof(&sd_bus_open_system) open_system;
	typeof(&sd_bus_flush_close_unref) close_unref;
	typeof(&sd_bus_close_unref) close_now;
	typeof(&sd_bus_message_new_method_call) new_call;
	typeof(&sd_bus_message_append) append;
	typeof(&sd_bus_message_open_container) open_container;
	typeof(&sd_bus_message_close_container) close_container;
	typeof(&sd_bus_message_unref) msg_unref;
	typeof(&sd_bus_message_read) read;
	typeof(&sd_bus_call) call;
	typeof(&sd_bus_error_free) error_free;
	typeof(&sd_bus_error_has_name) error_has_name;
	typeof(&sd_bus_match_signal) match_signal;
	typeof(&sd_bus_slot_unref) slot_unref;
	typeof(&sd_bus_process) process;
	typeof(&sd_bus_wait) wait;
} sd;

static int load_lib(struct sandsh_err *e)
{
	static const char *const names[] = {
		"sd_bus_new",
		"sd_bus_set_address",
		"sd_bus_start",
		"sd_bus_open_system",
		"sd_bus_flush_close_unref",
		"sd_bus_close_unref",
		"sd_bus_message_new_method_call",
		"sd_bus_message_append",
		"sd_bus_message_open_container",
		"sd_bus_message_close_container",
		"sd_bus_message_unref",
		"sd_bus_message_read",
		"sd_bus_call",
		"sd_bus_error_free",
		"sd_bus_error_has_name",
		"sd_bus_match_signal",
		"sd_bus_slot_unref",
		"sd_bus_process",
		"sd_bus_wait",
	};
	void **slot = (void **)&sd.bus_new;

	if (sd.lib)
		return 0;
	/* The members after lib are the pointers, in the order of names. */
	_Static_assert(sizeof(sd) == sizeof(void *) * (1 + sizeof(names) / sizeof(names[0])),
		       "one pointer per name");
	sd.lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!sd.lib)
		return sandsh_err_set(e, 0, "systemd: cannot load libsystemd.so.0");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *f = dlsym(sd.lib, names[i]);
		if (!f) {
			/* Never half loaded: the next call would find NULLs. */
			dlclose(sd.lib);
			memset(&sd, 0, sizeof(sd));
			return sandsh_err_set(e, 0, "systemd: libsystemd.so.0 lacks %s", names[i]);
		}
		memcpy(&slot[i], &f, sizeof(f));
	}
	return 0;
}

bool sandsh_systemd_booted(void)
{
	struct statfs fs;
	struct stat st;

	/* sd_booted()'s test, and the unified hierarchy at its usual place. */
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	       statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Appends component s (n bytes) to buf, escaped as systemd-escape does:
 * a '-' would mean a level of the slice tree. false when it does not fit. */
static bool escape(char *buf, size_t len, const char *s, size_t n)
{
	size_t at = strlen(buf);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int w;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || (c == '.' && i > 0))
			w = snprintf(buf + at, len - at, "%c", c);
		else
			w = snprintf(buf + at, len - at, "\\x%02x", c);
		if (w < 0 || (size_t)w >= len - at)
			return false;
		at += (size_t)w;
	}
	return true;
}

int sandsh_systemd_names(const char *parent, uid_t uid, char *slice, size_t slen, char *path,
			 size_t plen)
{
	char prefix[1024] = "";
	const char *p = parent;

	if (!plen || !slen)
		return -1;
	path[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, "/"), at = strlen(path), pl = strlen(prefix);
		if (pl) {
			if (pl + 2 > sizeof(prefix))
				return -1;
			prefix[pl] = '-';
			prefix[pl + 1] = '\0';
		}
		if (!escape(prefix, sizeof(prefix), p, n) ||
		    (size_t)snprintf(path + at, plen - at, "%s.slice/", prefix) >= plen - at)
			return -1;
		p += n;
		p += *p == '/';
	}
	if ((size_t)snprintf(slice, slen, "%s-u%u.slice", prefix, (unsigned)uid) >= slen ||
	    strlen(path) + strlen(slice) + 1 > plen)
		return -1;
	strncat(path, slice, plen - strlen(path) - 1);
	return 0;
}

/* The user's slice (cg->slice) and its cgroup path (cg->user_rel). */
static int names(struct sandsh_cgroup *cg, const char *parent, struct sandsh_err *e)
{
	char slice[1100], path[4096];

	if (sandsh_systemd_names(parent, cg->uid, slice, sizeof(slice), path, sizeof(path)) < 0)
		return sandsh_err_set(e, ENAMETOOLONG, "systemd: slice name for cgroup_parent %s",
				      parent);
	cg->slice = strdup(slice);
	cg->user_rel = strdup(path);
	if (!cg->slice || !cg->user_rel)
		return sandsh_err_set(e, ENOMEM, "systemd: unit names");
	return 0;
}

/* A connection made ahead of the placement (sandsh_cgroup_preconnect), the
 * process that made it (sd-bus refuses a connection across a fork) and
 * when: sd-bus ends its authentication at the first use, and gives up on
 * it 90 s after the connect; an older one is not taken. */
static struct {
	sd_bus *bus;
	pid_t pid;
	struct timespec at;
} pre;
#define PRE_MAX_AGE_S 10

static int new_bus(sd_bus **out, struct sandsh_err *e)
{
	sd_bus *bus = NULL;
	int r;

	if (load_lib(e) < 0)
		return -1;
	/* The manager's private socket (root only) works without the bus
	 * daemon, early and late in the boot; the system bus otherwise. */
	r = sd.bus_new(&bus);
	if (r >= 0)
		r = sd.set_address(bus, "unix:path=/run/systemd/private");
	if (r >= 0)
		r = sd.start(bus);
	if (r < 0) {
		if (bus)
			sd.close_now(bus);
		bus = NULL;
		r = sd.open_system(&bus);
	}
	if (r < 0)
		return sandsh_err_set(e, -r, "systemd: cannot reach the service manager");
	*out = bus;
	return 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* The early connection, if this process made it and it is young enough;
 * else NULL (a forked child leaves its parent's alone; an old one goes). */
static sd_bus *take_pre(void)
{
	sd_bus *bus = pre.bus;

	pre.bus = NULL;
	if (!bus || pre.pid != getpid())
		return NULL;
	if (elapsed_ms(&pre.at) < PRE_MAX_AGE_S * 1000L)
		return bus;
	sd.close_now(bus);
	return NULL;
}

static int connect_bus(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	sd_bus *bus = take_pre();

	if (!bus && new_bus(&bus, e) < 0)
		return -1;
	cg->bus = bus;
	return 0;
}

void sandsh_cgroup_preconnect(void)
{
	struct sandsh_err ignored = { 0 };

	/* A failure here is found again, and reported, by the placement. */
	if (!pre.bus && sandsh_systemd_booted() && new_bus(&pre.bus, &ignored) == 0) {
		pre.pid = getpid();
		clock_gettime(CLOCK_MONOTONIC, &pre.at);
	}
}

/* Unmaps libsystemd and the libraries it brought, once no connection of
 * this process is open; whatever connects later loads it again. */
static void unload_lib(void)
{
	if (sd.lib && !pre.bus) {
		dlclose(sd.lib);
		memset(&sd, 0, sizeof(sd));
	}
}

/* Closes this process's connection without waiting and unloads
 * libsystemd: whatever connects later loads it again. */
static void let_go(struct sandsh_cgroup *cg)
{
	sd.close_now(cg->bus);
	cg->bus = NULL;
	unload_lib();
}

void sandsh_cgroup_preconnect_drop(void)
{
	sd_bus *bus = take_pre();

	if (bus) {
		sd.close_now(bus);
		unload_lib();
	}
}

struct job_wait {
	const char *path;
	char result[32];
	bool done;
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct job_wait *w = data;
	const char *path = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	(void)err;
	if (sd.read(m, "uoss", &id, &path, &unit, &result) >= 0 && path && w->path &&
	    !strcmp(path, w->path)) {
		snprintf(w->result, sizeof(w->result), "%s", result ? result : "?");
		w->done = true;
	}
	return 0;
}

/* Sends a method call that returns a job ("o"), and waits for that job to
 * be removed. what names it in errors. *exists is set (when not NULL) for
 * UnitExists instead of failing. 0 when the job's result is "done". */
static int call_job(struct sandsh_cgroup *cg, sd_bus_message *m, const char *what, bool *exists,
		    struct sandsh_err *e)
{
	sd_bus *bus = cg->bus;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus_slot *slot = NULL;
	struct job_wait w = { 0 };
	struct timespec t0;
	int r, rc = -1;

	/* The match first, so the signal cannot come before we listen. */
	r = sd.match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed,
			    &w);
	if (r < 0) {
		sandsh_err_set(e, -r, "systemd: %s: watch jobs", what);
		goto out;
	}
	r = sd.call(bus, m, 0, &error, &reply);
	if (r < 0) {
		if (exists && sd.error_has_name(&error, "org.freedesktop.systemd1.UnitExists")) {
			*exists = true;
			rc = 0;
			goto out;
		}
		sandsh_err_set(e, 0, "systemd: %s: %s", what,
			       error.message ? error.message : sandsh_strerror(-r));
		goto out;
	}
	r = sd.read(reply, "o", &w.path);
	if (r < 0) {
		sandsh_err_set(e, -r, "systemd: %s: no job", what);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!w.done) {
		long left = JOB_WAIT_S * 1000L - elapsed_ms(&t0);
		if (left <= 0) {
			sandsh_err_set(e, 0, "systemd: %s: no answer in %d s", what, JOB_WAIT_S);
			goto out;
		}
		r = sd.process(bus, NULL);
		if (r < 0) {
			sandsh_err_set(e, -r, "systemd: %s", what);
			goto out;
		}
		if (r > 0)
			continue;
		r = sd.wait(bus, (uint64_t)left * 1000);
		if (r < 0 && r != -EINTR) {
			sandsh_err_set(e, -r, "systemd: %s", what);
			goto out;
		}
	}
	if (strcmp(w.result, "done")) {
		sandsh_err_set(e, 0, "systemd: %s: job %s", what, w.result);
		goto out;
	}
	rc = 0;
out:
	if (slot)
		sd.slot_unref(slot);
	if (reply)
		sd.msg_unref(reply);
	sd.error_free(&error);
	return rc;
}

static sd_bus_message *method(struct sandsh_cgroup *cg, const char *member)
{
	sd_bus_message *m = NULL;

	if (sd.new_call(cg->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, member) < 0)
		return NULL;
	return m;
}

/* The policy's limits as properties: TasksMax, MemoryMax, CPUQuota. A
 * limit the policy does not set is infinity, so an earlier one goes. */
static void limits_of(const struct sandsh_policy *p, uint64_t lim[3])
{
	lim[0] = (uint64_t)p->pids_max;
	lim[1] = p->memory_max >= 0 ? (uint64_t)p->memory_max : UINT64_MAX;
	lim[2] = p->cpu_max_pct >= 0 ? (uint64_t)p->cpu_max_pct * 10000 : UINT64_MAX;
}

static int append_limits(sd_bus_message *m, const uint64_t lim[3])
{
	if (sd.append(m, "(sv)", "TasksMax", "t", lim[0]) < 0 ||
	    sd.append(m, "(sv)", "MemoryMax", "t", lim[1]) < 0 ||
	    sd.append(m, "(sv)", "CPUQuotaPerSecUSec", "t", lim[2]) < 0)
		return -1;
	return 0;
}

/* The slice's properties (a(sv) is open): its description and limits. */
static int append_slice(struct sandsh_cgroup *cg, sd_bus_message *m)
{
	char desc[128];

	snprintf(desc, sizeof(desc), "sandsh sandboxes of uid %u", (unsigned)cg->uid);
	return sd.append(m, "(sv)", "Description", "s", desc) < 0 ||
			       append_limits(m, cg->slice_lim) < 0
		       ? -1
		       : 0;
}

static int slice_limits(struct sandsh_cgroup *cg, struct sandsh_err *e);

/* The user's slice with the policy's limits, on its own: made, or updated
 * when it is there already. */
static int user_slice(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	sd_bus_message *m = method(cg, "StartTransientUnit");
	bool exists = false;
	int rc;

	if (!m || sd.append(m, "ss", cg->slice, "fail") < 0 ||
	    sd.open_container(m, 'a', "(sv)") < 0 || append_slice(cg, m) < 0 ||
	    sd.close_container(m) < 0 || sd.append(m, "a(sa(sv))", 0) < 0) {
		if (m)
			sd.msg_unref(m);
		return sandsh_err_set(e, ENOMEM, "systemd: start %s", cg->slice);
	}
	rc = call_job(cg, m, cg->slice, &exists, e);
	sd.msg_unref(m);
	if (rc < 0 || !exists)
		return rc;
	return slice_limits(cg, e);
}

/* Whether the user's slice's cgroup has the limits already (as systemd
 * wrote them for an earlier session of the same policy): pids.max,
 * memory.max (the kernel keeps whole pages), cpu.max (systemd's quota for
 * the cgroup's period, at least 1 ms). Any doubt is a no. */
static bool slice_limits_in_place(const struct sandsh_cgroup *cg)
{
	const char *file[3] = { "pids.max", "memory.max", "cpu.max" };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (int i = 0; i < 3; i++) {
		char path[300], buf[64], want[64], *sp, *end;
		unsigned long long v = cg->slice_lim[i], period;

		snprintf(path, sizeof(path), "%s/%s", cg->user_rel, file[i]);
		if (sandsh_cgroup_read_at(cg->mount_fd[0], path, buf, sizeof(buf)) < 0) {
			/* No such file: the controller is off there, right only
			 * for no limit. */
			if (errno == ENOENT && i > 0 && v == UINT64_MAX)
				continue;
			return false;
		}
		buf[strcspn(buf, "\n")] = '\0';
		if (i == 2) {
			/* "QUOTA PERIOD" or "max PERIOD": the period is the
			 * cgroup's; the quota systemd's for CPUQuotaPerSecUSec. */
			sp = strchr(buf, ' ');
			if (!sp)
				return false;
			errno = 0;
			period = strtoull(sp + 1, &end, 10);
			/* systemd's period for a whole percentage (anything
			 * else, e.g. an administrator's, is set again). */
			if (errno || end == sp + 1 || *end || period != 100000)
				return false;
			if (v == UINT64_MAX)
				snprintf(want, sizeof(want), "max %llu", period);
			else
				snprintf(want, sizeof(want), "%llu %llu",
					 v * period / 1000000 > 1000 ? v * period / 1000000 : 1000,
					 period);
		} else if (v == UINT64_MAX) {
			snprintf(want, sizeof(want), "max");
		} else {
			snprintf(want, sizeof(want), "%llu", i == 1 ? v / page * page : v);
		}
		if (strcmp(buf, want))
			return false;
	}
	return true;
}

/* Sets the limits of the user's existing slice (another session made it). */
static int slice_limits(struct sandsh_cgroup *cg, struct sandsh_err *e)
{
	/* Runtime only: nothing is written that outlives the slice. */
	sd_bus_message *m = method(cg, "SetUnitProperties");

	if (!m || sd.append(m, "sb", cg->slice, 1) < 0 || sd.open_container(m, 'a', "(sv)") < 0 ||
	    append_limits(m, cg->slice_lim) < 0 || sd.close_container(m) < 0) {
		if (m)
			sd.msg_unref(m);
		return sandsh_err_set(e, ENOMEM, "systemd: set limits of %s", cg->slice);
	}
	{
		sd_bus_error error = SD_BUS_ERROR_NULL;
		int r = sd.call(cg->bus, m, 0, &error, NULL);
		if (r < 0)
			sandsh_err_set(e, 0, "systemd: set limits of %s: %s", cg->slice,
				       error.message ? error.message : sandsh_strerror(-r));
		sd.error_free(&error);
		sd.msg_unref(m);
		return r < 0 ? -1 : 0;
	}
}

/* Live sessions of the user other than this one: populated scopes in
 * the slice's cgroup. */
static long count_scopes(const struct sandsh_cgroup *cg)
{
	long n = 0;
	int dfd = openat(cg->mount_fd[0], cg->user_rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		char path[300], buf[256];
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".scope") || de->d_type != DT_DIR ||
		    (cg->unit && !strcmp(de->d_name, cg->unit)))
			continue; /* not a scope, or our own (ending) */
		snprintf(path, sizeof(path), "%s/cgroup.events", de->d_name);
		if (sandsh_cgroup_read_at(dirfd(d), path, buf, sizeof(buf)) == 0 &&
		    strstr(buf, "populated 1"))
			n++;
	}
	closedir(d);
	return n;
}

int sandsh_systemd_prepare(struct sandsh_cgroup *cg, const struct sandsh_settings *s,
			   const struct sandsh_policy *p, const char *id, struct sandsh_err *e)
{
	long active;

	if (names(cg, s->cgroup_parent, e) < 0)
		return -1;
	cg->slice_linger = s->slice_linger;
	if (asprintf(&cg->unit, "sandsh-%s.scope", id) < 0 ||
	    asprintf(&cg->leaf_rel, "%s/%s", cg->user_rel, cg->unit) < 0) {
		cg->leaf_rel = NULL;
		return sandsh_err_set(e, ENOMEM, "systemd: unit names");
	}
	if (connect_bus(cg, e) < 0)
		return -1;
	SANDSH_PROF("bus-connected");
	if (sandsh_cgroup_lock(cg, e) < 0)
		return -1;
	active = count_scopes(cg);
	if (p->max_sessions > 0 && active >= p->max_sessions) {
		sandsh_err_deny(e, "session refused: too many sessions (max_sessions %ld)",
				p->max_sessions);
		snprintf(e->log, sizeof(e->log), "max_sessions reached (%ld active)", active);
		return -1;
	}
	limits_of(p, cg->slice_lim);
	/* Under the user's lock no session of ours makes or stops the slice.
	 * Its cgroup there: another session made it, only the limits are
	 * set, if its cgroup does not have them already (a slice kept for
	 * slice_linger, a user's second session). Not there: place() starts
	 * it with the scope, as an auxiliary unit of the same call, one
	 * systemd job instead of two. */
	if (faccessat(cg->mount_fd[0], cg->user_rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return slice_limits_in_place(cg) ? 0 : slice_limits(cg, e);
	cg->slice_aux = true;
	return 0;
}

/* The unit a process is in, from its cgroup path (the last component). */
static char *unit_of(const struct sandsh_cgroup *cg, pid_t pid)
{
	char *path = sandsh_cgroup_current(cg, 0, pid), *base, *u = NULL;

	if (!path)
		return NULL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (*base)
		u = strdup(base);
	free(path);
	return u;
}

static bool in_unit(const struct sandsh_cgroup *cg, pid_t pid, const char *unit)
{
	char *u = unit_of(cg, pid);
	bool ok = u && !strcmp(u, unit);

	free(u);
	return ok;
}

/* StartTransientUnit of the session's scope (with the user's slice as an
 * auxiliary unit when aux), or NULL. */
static sd_bus_message *scope_call(struct sandsh_cgroup *cg, pid_t pid, pid_t caller, bool aux)
{
	sd_bus_message *m = method(cg, "StartTransientUnit");
	char desc[160];

	snprintf(desc, sizeof(desc), "sandsh session %.16s of uid %u", cg->unit + 7,
		 (unsigned)cg->uid);
	if (!m || sd.append(m, "ss", cg->unit, "fail") < 0 ||
	    sd.open_container(m, 'a', "(sv)") < 0 ||
	    sd.append(m, "(sv)", "Description", "s", desc) < 0 ||
	    sd.append(m, "(sv)", "Slice", "s", cg->slice) < 0 ||
	    sd.append(m, "(sv)", "CollectMode", "s", "inactive-or-failed") < 0 ||
	    /* pids.current and memory.current of the session, for --list */
	    sd.append(m, "(sv)", "TasksAccounting", "b", 1) < 0 ||
	    sd.append(m, "(sv)", "MemoryAccounting", "b", 1) < 0 ||
	    /* systemd moves a process into a running unit
	     * (AttachProcessesToUnit: a persistent sandbox's later logins)
	     * only if the unit is delegated. */
	    (cg->delegate && sd.append(m, "(sv)", "Delegate", "b", 1) < 0) ||
	    (caller > 0 ? sd.append(m, "(sv)", "PIDs", "au", 2, (uint32_t)pid, (uint32_t)caller)
			: sd.append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid)) < 0 ||
	    sd.close_container(m) < 0)
		goto fail;
	if (!aux) {
		if (sd.append(m, "a(sa(sv))", 0) < 0)
			goto fail;
		return m;
	}
	if (sd.open_container(m, 'a', "(sa(sv))") < 0 || sd.open_container(m, 'r', "sa(sv)") < 0 ||
	    sd.append(m, "s", cg->slice) < 0 || sd.open_container(m, 'a', "(sv)") < 0 ||
	    append_slice(cg, m) < 0 || sd.close_container(m) < 0 || sd.close_container(m) < 0 ||
	    sd.close_container(m) < 0)
		goto fail;
	return m;
fail:
	if (m)
		sd.msg_unref(m);
	return NULL;
}

int sandsh_systemd_place(struct sandsh_cgroup *cg, pid_t pid, pid_t caller, struct sandsh_err *e)
{
	sd_bus_message *m = NULL;
	bool exists = false;
	int rc = -1;

	if (caller > 0) {
		cg->caller = caller;
		cg->origin[0] = unit_of(cg, caller);
		if (!cg->origin[0]) {
			sandsh_err_set(e, 0, "systemd: cannot tell which unit process %d is in",
				       (int)caller);
			goto out;
		}
	}
	m = scope_call(cg, pid, caller, cg->slice_aux);
	if (!m) {
		sandsh_err_set(e, ENOMEM, "systemd: start %s", cg->unit);
		goto out;
	}
	if (call_job(cg, m, cg->unit, cg->slice_aux ? &exists : NULL, e) < 0)
		goto out;
	if (exists) {
		/* The slice's unit is loaded after all (stopped a moment ago
		 * and not yet collected, or its cgroup not made): the slice on
		 * its own, then the scope. */
		sd.msg_unref(m);
		m = NULL;
		if (user_slice(cg, e) < 0)
			goto out;
		m = scope_call(cg, pid, caller, false);
		if (!m) {
			sandsh_err_set(e, ENOMEM, "systemd: start %s", cg->unit);
			goto out;
		}
		if (call_job(cg, m, cg->unit, NULL, e) < 0)
			goto out;
	}
	cg->started = true;
	/* A running slice's limits were found in its cgroup (prepare). Had
	 * its unit gone inactive meanwhile (a stop that outlived its wait, a
	 * cgroup left behind), the scope's start has just started it without
	 * them: set them now, before PID 1 is let go. */
	if (!cg->slice_aux && !slice_limits_in_place(cg) && slice_limits(cg, e) < 0)
		goto out;
	/* The job is done when the processes are in; trust, but verify. */
	if (!in_unit(cg, pid, cg->unit) || (caller > 0 && !in_unit(cg, caller, cg->unit))) {
		sandsh_err_set(e, 0, "systemd: %s started, but the session is not in it", cg->unit);
		goto out;
	}
	rc = 0;
out:
	if (m)
		sd.msg_unref(m);
	sandsh_cgroup_unlock(cg);
	return rc;
}

static int attach(struct sandsh_cgroup *cg, const char *unit, pid_t pid, struct sandsh_err *e)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = method(cg, "AttachProcessesToUnit");
	int r = -ENOMEM;

	if (m && sd.append(m, "ssau", unit, "", 1, (uint32_t)pid) >= 0)
		r = sd.call(cg->bus, m, 0, &error, NULL);
	if (r < 0)
		sandsh_err_set(e, 0, "systemd: attach process %d to %s: %s", (int)pid, unit,
			       error.message ? error.message : sandsh_strerror(-r));
	sd.error_free(&error);
	if (m)
		sd.msg_unref(m);
	return r < 0 ? -1 : 0;
}

int sandsh_systemd_attach(struct sandsh_cgroup *cg, pid_t pid, bool caller, struct sandsh_err *e)
{
	if (connect_bus(cg, e) < 0)
		return -1;
	if (caller) {
		cg->origin[0] = unit_of(cg, pid);
		if (!cg->origin[0])
			return sandsh_err_set(
				e, 0, "systemd: cannot tell which unit process %d is in", (int)pid);
		cg->caller = pid;
	}
	if (attach(cg, cg->unit, pid, e) < 0)
		return -1;
	if (!in_unit(cg, pid, cg->unit))
		return sandsh_err_set(e, 0, "systemd: process %d is not in %s", (int)pid, cg->unit);
	return 0;
}

/* StopUnit of the user's slice, its job waited for (connecting first
 * when the connection rested or was the parent's). */
static void stop_slice_on(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };
	sd_bus_message *m;

	if (!cg->bus && connect_bus(cg, &ignored) < 0)
		return;
	m = method(cg, "StopUnit");
	if (m && sd.append(m, "ss", cg->slice, "fail") >= 0)
		call_job(cg, m, cg->slice, NULL, &ignored);
	if (m)
		sd.msg_unref(m);
}

/* The slice's stopper: a child of the session's process, so that the
 * caller (sshd, a script waiting for the exit) never waits for a systemd
 * job. Root through and through (the user cannot signal it), a session of
 * its own (no hangup reaches it), no signal blocked, no supplementary
 * group, a connection of its own (sd-bus refuses one made before fork),
 * nothing of the session's descriptors but keep (as 3), the hierarchy
 * (mount_fd[0] as 4), /run/sandsh (run_fd as 5) and, if not -1, ready (as
 * 6). Returns in the child only (0); the parent gets the pid or -1. */
static pid_t stopper(struct sandsh_cgroup *cg, int keep, int ready)
{
	struct sandsh_err ignored = { 0 };
	int from[4] = { keep, cg->mount_fd[0], cg->run_fd, ready }, high[4] = { -1, -1, -1, -1 };
	int n = ready >= 0 ? 4 : 3;
	sigset_t none;
	pid_t pid = fork();
	int null;

	if (pid != 0)
		return pid;
	/* Out of the way first, so that no dup3 below overwrites a source
	 * (at 7 and up: the caller's descriptor limit may be low). */
	for (int i = 0; i < n; i++)
		if ((high[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 7)) < 0)
			_exit(1);
	for (int i = 0; i < n; i++)
		if (dup3(high[i], 3 + i, O_CLOEXEC) < 0)
			_exit(1);
	sigemptyset(&none);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup3(null, 0, 0) < 0 || dup3(null, 1, 0) < 0 || dup3(null, 2, 0) < 0 ||
	    close_range(3 + (unsigned)n, ~0U, 0) < 0 || setsid() < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ||
	    sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(1);
	/* Nothing of the caller's choices (nice, affinity, a working
	 * directory on a mount it keeps busy) outlives the session. */
	(void)!chdir("/");
	sandsh_hygiene_detached(&ignored);
	for (int c = 1; c < SANDSH_CG__COUNT; c++)
		cg->mount_fd[c] = -1;
	cg->mount_fd[0] = 4;
	cg->run_fd = 5;
	cg->lock_fd = cg->leaf_fd = cg->caller_pidfd = -1;
	cg->bus = NULL; /* the parent's, if any; its socket is closed here */
	return 0;
}

/* The lingering stopper leaves the unit it was born in (a PAM caller's
 * or an ssh login's logind scope, which logind stops at logout with
 * KillUserProcesses=yes, and keeps "closing" meanwhile without): a
 * transient scope of its own, sandsh-stop-uUID-PID.scope, its job waited
 * for; then it lets go of systemd until it stops the slice. Best effort:
 * it lingers where it is if systemd says no. */
static void own_scope(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };
	char unit[96], desc[160];
	sd_bus_message *m;

	if (connect_bus(cg, &ignored) < 0)
		return;
	snprintf(unit, sizeof(unit), "sandsh-stop-u%u-%d.scope", (unsigned)cg->uid, (int)getpid());
	snprintf(desc, sizeof(desc), "sandsh: stops %s after slice_linger", cg->slice);
	m = method(cg, "StartTransientUnit");
	if (m && sd.append(m, "ss", unit, "fail") >= 0 && sd.open_container(m, 'a', "(sv)") >= 0 &&
	    sd.append(m, "(sv)", "Description", "s", desc) >= 0 &&
	    sd.append(m, "(sv)", "CollectMode", "s", "inactive-or-failed") >= 0 &&
	    sd.append(m, "(sv)", "PIDs", "au", 1, (uint32_t)getpid()) >= 0 &&
	    sd.close_container(m) >= 0 && sd.append(m, "a(sa(sv))", 0) >= 0)
		call_job(cg, m, unit, NULL, &ignored);
	if (m)
		sd.msg_unref(m);
	let_go(cg);
}

/* The lingering stopper (holding the user's stop lock as fd 3, whose
 * mtime is the last session's end): waits until slice_linger seconds
 * after that end, then, under the user lock, stops the slice if no
 * session came meanwhile. The stop lock is let go under the user lock
 * too: a session ending after that finds it free and starts a stopper of
 * its own; one ending before finds it held and only moves the time. */
__attribute__((noreturn)) static void linger_then_stop(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };

	for (;;) {
		struct timespec now, left;
		struct stat st;
		time_t due;

		if (fstat(3, &st) < 0)
			break;
		clock_gettime(CLOCK_REALTIME, &now);
		due = st.st_mtim.tv_sec + cg->slice_linger;
		if (due - now.tv_sec > cg->slice_linger) {
			/* The clock was set back: the last end is now. */
			if (futimens(3, NULL) < 0)
				sleep(1);
			continue;
		}
		if (now.tv_sec < due) {
			left.tv_sec = due - now.tv_sec;
			left.tv_nsec = 0;
			nanosleep(&left, NULL);
			continue;
		}
		if (sandsh_cgroup_lock(cg, &ignored) < 0) {
			/* A start holding it for a systemd job: this process
			 * is the one that stops the slice, so it tries again. */
			sleep(1);
			continue;
		}
		if (fstat(3, &st) == 0 && st.st_mtim.tv_sec + cg->slice_linger > now.tv_sec) {
			sandsh_cgroup_unlock(cg); /* a session ended meanwhile */
			continue;
		}
		if (count_scopes(cg) == 0)
			stop_slice_on(cg);
		close(3);
		sandsh_cgroup_unlock(cg);
		_exit(0);
	}
	_exit(1);
}

/* Stops the user's slice, now unused (called with the user lock held).
 * With slice_linger, the slice stays that long for the user's next
 * session (scp after ssh, a script's commands one by one: starting a
 * scope in a running slice is one systemd job less), as logind keeps
 * user@.service; one stopper per user waits (the stop lock), the last
 * session's end moves its time. Without, the stopper stops it now; its
 * job waited for with the user lock held (a starting session must not
 * find the slice stopping). Either way bounded by JOB_WAIT_S; a slice not
 * stopped is found by the next session, which sets its limits as for a
 * live one. */
static void stop_slice(struct sandsh_cgroup *cg)
{
	char *self = sandsh_cgroup_current(cg, 0, getpid());
	size_t n = strlen(cg->user_rel);
	bool inside = !self || (!strncmp(self, cg->user_rel, n) && (self[n] == '/' || !self[n]));
	char name[64], ok;
	int fd, ready[2] = { -1, -1 };
	pid_t pid;

	/* A process in the slice (a persistent sandbox's keeper lives in its
	 * scope) would be stopped with it: it stops the slice itself, as
	 * nobody waits for it. */
	free(self);
	if (inside) {
		stop_slice_on(cg);
		return;
	}
	if (cg->slice_linger > 0) {
		snprintf(name, sizeof(name), "user-%u.stop", (unsigned)cg->uid);
		fd = openat(cg->run_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			/* This session's end, for whichever stopper waits. */
			(void)futimens(fd, NULL);
			if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
				close(fd);
				return;
			}
			/* The stopper says when it is out of this session's unit
			 * (own_scope), so nothing of ours is left in it; if it
			 * dies first, this process stops the slice now. */
			if (pipe2(ready, O_CLOEXEC) < 0)
				ready[0] = ready[1] = -1;
			pid = ready[0] < 0 ? -1 : stopper(cg, fd, ready[1]);
			if (pid == 0) {
				own_scope(cg);
				if (write(6, "1", 1) != 1 || close(6) < 0)
					_exit(1);
				linger_then_stop(cg);
			}
			close(fd); /* the child's copy holds the stop lock */
			if (pid > 0) {
				struct pollfd p = { .fd = ready[0], .events = POLLIN };
				close(ready[1]);
				ok = 0;
				if (poll(&p, 1, (JOB_WAIT_S + 5) * 1000) == 1 &&
				    read(ready[0], &ok, 1) != 1)
					ok = 0;
				close(ready[0]);
				if (ok == '1')
					return;
			} else if (pid < 0 && ready[0] >= 0) {
				close(ready[0]);
				close(ready[1]);
			}
		}
		/* No stop lock or no child: stop it now, as without linger. */
	}
	pid = stopper(cg, cg->lock_fd, -1);
	if (pid < 0)
		stop_slice_on(cg);
	if (pid != 0)
		return;
	cg->lock_fd = 3;
	stop_slice_on(cg);
	_exit(0);
}

void sandsh_systemd_rest(struct sandsh_cgroup *cg)
{
	if (!cg->bus || cg->caller)
		return;
	let_go(cg);
	cg->rested = true;
}

void sandsh_systemd_release(struct sandsh_cgroup *cg)
{
	struct sandsh_err ignored = { 0 };

	if (!cg->bus && !cg->rested)
		return;
	/* A PAM caller goes back to its own unit (logind's session scope);
	 * our scope is then empty and systemd collects it. */
	if (cg->origin[0] && sandsh_cgroup_caller_alive(cg))
		attach(cg, cg->origin[0], cg->caller, &ignored);
	/* Nothing else is left in the scope: PID 1's death took every
	 * process of the sandbox with it, and systemd collects the empty unit
	 * by itself (stopping it here could kill a caller that did not make
	 * it back to its own unit). */
	cg->caller = 0;
	/* The last session of the user takes the slice (and its limits) with
	 * it; the lock keeps a starting session from racing this. A login of
	 * a persistent sandbox leaves that to the sandbox's keeper. */
	if (!cg->joined && cg->slice &&
	    (cg->lock_fd >= 0 || sandsh_cgroup_lock(cg, &ignored) == 0)) {
		if (count_scopes(cg) == 0)
			stop_slice(cg);
		sandsh_cgroup_unlock(cg);
	}
	if (cg->bus)
		sd.close_unref(cg->bus);
	cg->bus = NULL;
}
