/* The user's cgroup: <cgroup_parent>/user-<uid>/ carries the limits, each
 * session is a leaf session-<id>/ beneath it. cgroup v2 or v1, detected at
 * run time. Runs as euid 0 in the supervisor (the shell's outer process or
 * the PAM module's), in the host's namespaces. */
#ifndef SANDSH_CGROUP_H
#define SANDSH_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "sandsh/err.h"
#include "sandsh/policy.h"

enum sandsh_cg_ctrl { SANDSH_CG_PIDS, SANDSH_CG_CPU, SANDSH_CG_MEMORY, SANDSH_CG__COUNT };

struct sandsh_cgroup {
	int version; /* 2 or 1; 0 before prepare */
	char *mount
		[SANDSH_CG__COUNT]; /* v1: mount point per controller (NULL: not used); v2: [0] only */
	int mount_fd[SANDSH_CG__COUNT]; /* O_PATH fds of those mount points: everything below is
	                                 * done relative to them, so it keeps working after the
	                                 * caller's root changed (PAM) */
	int run_fd;                     /* /run/sandsh, for the user lock */
	char *user_rel;                 /* "<cgroup_parent>/user-<uid>" */
	char *leaf_rel;                 /* user_rel + "/session-<id>" */
	int leaf_fd;                    /* v2: O_PATH fd of the leaf for CLONE_INTO_CGROUP */
	int lock_fd;                    /* per-user lock under /run/sandsh, held until placed */
	char *origin[SANDSH_CG__COUNT]; /* place(): the caller's cgroup before, relative */
	pid_t caller;                   /* place(): a PAM caller moved into the leaf, or 0 */
	int caller_pidfd;               /* its pidfd (not owned), or -1: a dead caller's pid
	                                 * may be another process's by the time it goes back */
	/* systemd-native placement (systemd as PID 1 on cgroup v2): the user
	 * level is a slice, the leaf a transient scope, made through systemd's
	 * API; user_rel and leaf_rel are their cgroup paths. */
	char *unified; /* the cgroup v2 mount, whatever the version used */
	bool systemd;
	bool joined; /* attach(): the leaf is a persistent sandbox's */
	/* v1 without systemd: PID 1 joins the leaf itself (open_self(),
	 * join_self()), so place() does not move it. */
	bool self_join;
	int self_fd[SANDSH_CG__COUNT]; /* the leaf's "tasks" files, or -1 */
	bool started;                  /* the scope was started */
	bool delegate;                 /* Delegate=yes: logins join it later (persist) */
	char *slice;                   /* the user's slice unit */
	bool slice_aux;                /* prepare() found no slice: place() starts it */
	uint64_t slice_lim[3];         /* its TasksMax, MemoryMax, CPUQuotaPerSecUSec */
	long slice_linger;             /* s it outlives the last session (settings) */
	char *unit;                    /* the session's scope unit */
	void *bus;                     /* sd_bus connection */
	bool rested;                   /* rest(): the connection closed until release */
	uid_t uid;
};

/* Detects the hierarchy (run_fd: an fd of /run/sandsh), takes the user's lock, removes leftover (empty)
 * session leaves, enforces max_sessions (status 1), creates the user cgroup
 * with pids.max (memory and CPU limits too) and this session's leaf. The
 * lock stays held until sandsh_cgroup_placed(). */
int sandsh_cgroup_prepare(struct sandsh_cgroup *cg, int run_fd, const struct sandsh_settings *s,
			  const struct sandsh_policy *p, uid_t uid, const char *id,
			  struct sandsh_err *e);
/* v1: moves PID 1 into the leaf of every hierarchy (v2 used
 * CLONE_INTO_CGROUP). caller > 0 (a PAM caller, which already exists) is
 * moved into the leaf on v1 and v2 alike, and where it was is saved. Then
 * releases the lock. */
int sandsh_cgroup_place(struct sandsh_cgroup *cg, pid_t pid, pid_t caller, struct sandsh_err *e);
/* After place(), for a session without a PAM caller: systemd is not needed
 * again until the release, so the connection is closed and libsystemd
 * (with libgcrypt, liblzma, libzstd, liblz4 and libcap) unloaded for the
 * session's life; the release connects again where it must. A no-op
 * without systemd. */
void sandsh_cgroup_rest(struct sandsh_cgroup *cg);
/* v1 without systemd, before clone: opens the leaf's "tasks" files, so
 * that the cloned PID 1 joins the leaf by itself with join_self() and
 * place() leaves it alone. A task that moves itself, one thread, skips
 * the kernel's global threadgroup lock, whose writer side waits for an RCU
 * grace period (7-15 ms here) on every move by pid. A no-op elsewhere
 * (v2: CLONE_INTO_CGROUP; systemd: the scope). 0 or -1. */
int sandsh_cgroup_open_self(struct sandsh_cgroup *cg, struct sandsh_err *e);
/* In the cloned, single-threaded PID 1, first of all: writes "0" to every
 * "tasks" file opened by open_self(). 0, or an errno value. The caller
 * still holds the user lock (inherited), so no other session collects
 * the leaf while it is empty. */
int sandsh_cgroup_join_self(const struct sandsh_cgroup *cg);
/* After the session: moves a placed caller back where it was (if it still
 * lives), removes the leaf (and the user cgroup when it was the last);
 * idempotent, never fails the caller. */
void sandsh_cgroup_release(struct sandsh_cgroup *cg);

/* A persistent sandbox's login: pid joins the sandbox's existing leaf
 * (leaf_rel; on systemd the scope unit). A caller (PAM) goes back where it
 * was at release; release never removes the leaf, which is the keeper's. */
int sandsh_cgroup_attach(struct sandsh_cgroup *cg, const char *leaf_rel, const char *unit,
			 pid_t pid, bool caller, struct sandsh_err *e);
/* Whether the user's level holds more tasks than its pids.max: a process
 * moved in (not forked in) is charged even past the limit. */
bool sandsh_cgroup_over_limit(const struct sandsh_cgroup *cg);
/* How many processes other than a and b are in the leaf; -1 if unknown. */
long sandsh_cgroup_others(const struct sandsh_cgroup *cg, pid_t a, pid_t b);

/* systemd-native placement: the user's slice for settings.cgroup_parent
 * ("a/b" -> "a-b-u<UID>.slice", each component escaped as systemd-escape
 * does) and its cgroup path below the unified hierarchy
 * ("a.slice/a-b.slice/a-b-u<UID>.slice"). Pure. 0, or -1 if it does not
 * fit. */
int sandsh_systemd_names(const char *parent, uid_t uid, char *slice, size_t slen, char *path,
			 size_t plen);

/* For --list: reads "pids.current" style values of a leaf. Returns -1 if
 * absent, -2 for "max". */
long long sandsh_cgroup_read_leaf(const struct sandsh_cgroup *cg, enum sandsh_cg_ctrl c,
				  const char *rel, const char *v2file, const char *v1file);
/* Detection only (for --list). */
int sandsh_cgroup_detect(struct sandsh_cgroup *cg, bool need_cpu, bool need_memory,
			 struct sandsh_err *e);
void sandsh_cgroup_free(struct sandsh_cgroup *cg);
/* In the cloned child: closes the inherited lock and leaf descriptors
 * without touching the lock (which belongs to the parent). */
void sandsh_cgroup_forget(struct sandsh_cgroup *cg);

/* On a host where systemd places sessions, connects to the service manager
 * now, so the work overlaps another (the user lookup); the placement made
 * later in this same process takes the connection (a forked child makes
 * its own). Errors are left for the placement to find and report. */
void sandsh_cgroup_preconnect(void);
/* Closes that connection when no placement will take it (an unconfined
 * session, a host where sandsh manages cgroups itself): an idle session
 * does not hold one of systemd's private connections. */
void sandsh_cgroup_preconnect_drop(void);

#endif
