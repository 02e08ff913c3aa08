/* Active sessions, one file each under /run/sandsh/sessions (root 0700),
 * for `sandsh --list`. Outer process, euid 0. */
#ifndef SANDSH_REGISTRY_H
#define SANDSH_REGISTRY_H

#include <stdio.h>
#include <sys/types.h>

#include "sandsh/err.h"

struct sandsh_session_info {
	char id[17];
	uid_t uid;
	const char *user;
	pid_t pid;         /* the outer sandsh process */
	long long started; /* epoch seconds */
	const char *tty;
	const char *leaf_rel; /* cgroup leaf, or "-" */
	const char *sandbox;  /* "-"; a persistent sandbox's own entry "*"; its logins: its id */
};

/* A new random session id: 16 hex digits. */
void sandsh_registry_new_id(char out[17]);
/* run_fd: an fd of /run/sandsh (see sandsh_fs_rundir()). */
int sandsh_registry_add(int run_fd, const struct sandsh_session_info *s, struct sandsh_err *e);
void sandsh_registry_remove(int run_fd, const char *id);
/* Prints the live sessions (and drops entries whose process is gone). */
int sandsh_registry_list(FILE *out);
/* Root's --stop: SIGTERM to the supervisor of every session or sandbox
 * whose id or user name is what (they end with the usual grace period),
 * then waits up to SANDSH_STOP_WAIT_S for them. Returns how many. */
#define SANDSH_STOP_WAIT_S 10
int sandsh_registry_stop(FILE *out, const char *what);

#endif
