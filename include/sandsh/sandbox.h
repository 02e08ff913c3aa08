/* What the outer process hands to the sandbox's PID 1: everything is
 * prepared before clone, so the child only acts. */
#ifndef SANDSH_SANDBOX_H
#define SANDSH_SANDBOX_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sandsh/err.h"
#include "sandsh/ident.h"
#include "sandsh/policy.h"

struct sandsh_launch {
	const struct sandsh_policy *policy;
	const struct sandsh_user *user;
	bool confined;          /* false: policy sandbox = false, no namespaces */
	const char *exec_path;  /* the policy shell */
	char **argv;            /* inner argv */
	char **envp;            /* inner environment */
	char *passwd_text;      /* generated /etc/passwd, or NULL */
	char *group_text;       /* generated /etc/group, or NULL */
	gid_t tty_gid;          /* host "tty" group for devpts, or (gid_t)-1 */
	bool dev_log;           /* bind the host's /dev/log (PAM callers log) */
	int sync_fd;            /* child: read end; EOF means the outer is gone */
	int report_fd;          /* child: write end for a failure report */
	mode_t caller_umask;
	struct rlimit caller_rlimits[RLIM_NLIMITS];
};

/* A failure report from the child to the outer process, one write. */
struct sandsh_report {
	int status; /* SANDSH_EXIT_* */
	char msg[sizeof(((struct sandsh_err *)0)->msg)];
};

/* rootfs.c — euid 0, in the new mount namespace. build() makes / private
 * and assembles the new root (rootfs, policy mounts, passwd/group, /dev)
 * and returns its fd; mount_proc() must run inside the new PID namespace;
 * pivot() makes the tree the root and detaches the old one. setup() is all
 * three, for a caller that is PID 1 itself. */
int sandsh_rootfs_build(const struct sandsh_launch *l, struct sandsh_err *e);
int sandsh_rootfs_mount_proc(int tree, struct sandsh_err *e);
int sandsh_rootfs_pivot(int tree, struct sandsh_err *e);
int sandsh_rootfs_setup(const struct sandsh_launch *l, struct sandsh_err *e);
/* The generated /etc/passwd and /etc/group texts (malloc'd). 0 or -1. */
int sandsh_rootfs_user_db(const struct sandsh_user *u, const struct sandsh_policy *p, char **passwd,
			  char **group);

/* ns.c */
/* clone3() with the namespaces the policy asks for (none unless confined),
 * CLONE_PIDFD, and CLONE_INTO_CGROUP when cgroup_fd >= 0; returns 0 in the child, the
 * child's pid in the parent (*pidfd set), -1 on error. */
pid_t sandsh_ns_clone(const struct sandsh_policy *p, bool confined, int cgroup_fd, int *pidfd,
		      struct sandsh_err *e);
/* In the new UTS/net namespaces: hostname, loopback up for net = "none". */
int sandsh_ns_configure(const struct sandsh_policy *p, struct sandsh_err *e);

/* priv.c — from root to the user, verified (SECURITY 13). With confined,
 * also no_new_privs and the seccomp filter when the policy asks for it. */
int sandsh_priv_drop(const struct sandsh_user *u, const struct sandsh_policy *p, bool confined,
		     struct sandsh_err *e);

/* seccomp.c — loads the baseline filter (requires no_new_privs). */
int sandsh_seccomp_load(struct sandsh_err *e);

/* init.c — the signals a session forwards to its command (SPEC §4), added
 * to set: the outer process and PID 1 both block and read exactly these. */
void sandsh_init_forwarded_signals(sigset_t *set);

/* init.c — the child: PID 1 of the sandbox (or, unconfined, the command
 * itself). Never returns. */
__attribute__((noreturn)) void sandsh_init_main(const struct sandsh_launch *l);

#endif
