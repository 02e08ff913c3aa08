/* Shared between cgroup.c (the direct cgroupfs placement) and systemd.c
 * (the same structure made of systemd units). Supervisor, euid 0. */
#ifndef SANDSH_CGROUP_INTERNAL_H
#define SANDSH_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandsh/cgroup.h"

/* The user's lock under /run/sandsh, bounded; unlock is idempotent. */
int sandsh_cgroup_lock(struct sandsh_cgroup *cg, struct sandsh_err *e);
void sandsh_cgroup_unlock(struct sandsh_cgroup *cg);
/* Reads a small file below dirfd, NUL-terminated. 0 or -1/errno. */
int sandsh_cgroup_read_at(int dirfd, const char *rel, char *buf, size_t len);

/* Whether the placed caller is still the process it was (its pidfd). */
bool sandsh_cgroup_caller_alive(const struct sandsh_cgroup *cg);

/* systemd.c */
bool sandsh_systemd_booted(void);
int sandsh_systemd_prepare(struct sandsh_cgroup *cg, const struct sandsh_settings *s,
			   const struct sandsh_policy *p, const char *id, struct sandsh_err *e);
int sandsh_systemd_place(struct sandsh_cgroup *cg, pid_t pid, pid_t caller, struct sandsh_err *e);
void sandsh_systemd_release(struct sandsh_cgroup *cg);
void sandsh_systemd_rest(struct sandsh_cgroup *cg);
/* pid's cgroup in hierarchy c (v2: the unified one), relative to its
 * mount, without the leading '/'; malloc'd, or NULL. */
char *sandsh_cgroup_current(const struct sandsh_cgroup *cg, int c, pid_t pid);
int sandsh_systemd_attach(struct sandsh_cgroup *cg, pid_t pid, bool caller, struct sandsh_err *e);

#endif
