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

/* What PID 1 does once the sandbox is built: start the command and exit
 * with its status (the shell), or hold the namespaces for a caller that
 * joins them (the PAM module) until it is killed. */
enum sandsh_pid1_mode { SANDSH_PID1_COMMAND, SANDSH_PID1_HOLD };

struct sandsh_launch {
	const struct sandsh_policy *policy;
	const struct sandsh_user *user;
	bool confined; /* false: policy sandbox = false, no namespaces */
	enum sandsh_pid1_mode mode;
	const char *exec_path; /* the policy shell */
	char **argv;           /* inner argv */
	char **envp;           /* inner environment */
	char *passwd_text;     /* generated /etc/passwd, or NULL */
	char *group_text;      /* generated /etc/group, or NULL */
	bool dev_log;          /* bind the host's /dev/log (PAM callers log) */
	int sync_fd;           /* child: read end; EOF means the outer is gone */
	int report_fd;         /* child: write end for a failure report */
	int join_errno;        /* child: v1 self-placement failed with this errno */
	mode_t caller_umask;
	struct rlimit caller_rlimits[RLIM_NLIMITS];
};

/* A report from PID 1 to the supervisor, one write: a failure, or (status
 * 0, SANDSH_PID1_HOLD only) "the sandbox is built and may be joined". */
struct sandsh_report {
	int status; /* SANDSH_EXIT_*, or 0 for ready */
	char msg[sizeof(((struct sandsh_err *)0)->msg)];
};

/* rootfs.c — euid 0, PID 1 of the sandbox, in its new mount namespace:
 * makes / private, assembles the new root (rootfs, policy mounts,
 * passwd/group, /dev, /proc of the new PID namespace) and pivots into it,
 * the old root detached. */
int sandsh_rootfs_setup(const struct sandsh_launch *l, struct sandsh_err *e);
/* The generated /etc/passwd and /etc/group texts (malloc'd). 0 or -1. */
int sandsh_rootfs_user_db(const struct sandsh_user *u, const struct sandsh_policy *p, char **passwd,
			  char **group);

/* ns.c */
/* clone3() with the namespaces the policy asks for (none unless confined),
 * CLONE_PIDFD, and CLONE_INTO_CGROUP when cgroup_fd >= 0; returns 0 in the child, the
 * child's pid in the parent (*pidfd set), -1 on error. Supervisor, euid 0. */
pid_t sandsh_ns_clone(const struct sandsh_policy *p, bool confined, int cgroup_fd, int *pidfd,
		      struct sandsh_err *e);
/* The setns(2) flags that join every namespace of a sandbox the policy
 * describes (the cgroup namespace PID 1 made included). */
int sandsh_ns_join_flags(const struct sandsh_policy *p);
/* In the new UTS/net namespaces: hostname, loopback up for net = "none". */
int sandsh_ns_configure(const struct sandsh_policy *p, struct sandsh_err *e);

/* priv.c — from root to the user, verified (SECURITY 13), never dumpable
 * on the way. With confined, also no_new_privs and the seccomp filter when
 * the policy asks for it. PID 1 (or the unconfined child), euid 0. */
int sandsh_priv_drop(const struct sandsh_user *u, const struct sandsh_policy *p, bool confined,
		     struct sandsh_err *e);

/* priv.c — PID 1 holding a PAM or persistent sandbox: stays root in all
 * three ids (the user can neither stop nor signal it), with CAP_KILL only
 * (to pass a signal on to its namespace), an empty bounding set,
 * no_new_privs and the seccomp filter. */
int sandsh_priv_hold(const struct sandsh_policy *p, struct sandsh_err *e);

/* seccomp.c — loads the baseline filter (requires no_new_privs). */
int sandsh_seccomp_load(struct sandsh_err *e);

/* init.c — the signals a session forwards to its command (SPEC §4), added
 * to set: the outer process and PID 1 both block and read exactly these. */
void sandsh_init_forwarded_signals(sigset_t *set);

/* init.c — the child: PID 1 of the sandbox (or, unconfined, the command
 * itself), for the shell and the PAM module alike. Never returns. */
__attribute__((noreturn)) void sandsh_init_main(const struct sandsh_launch *l);
/* init.c — a login's command in a persistent sandbox: a child of the
 * login's supervisor, born in the sandbox's PID namespace, joins the other
 * namespaces through PID 1's pidfd, drops to the user and execs. Never
 * returns. */
__attribute__((noreturn)) void sandsh_init_join_main(const struct sandsh_launch *l, int pid1_fd);

#endif
