/* Opening root-trusted files and directories without following symlinks:
 * every component from "/" must be root-owned and not group/other-writable. */
#ifndef SANDSH_FS_H
#define SANDSH_FS_H

#include <stddef.h>

#include "sandsh/err.h"

/* Walks an absolute path from "/" with O_PATH|O_NOFOLLOW, checking every
 * component (the leaf included) is a root-owned directory that is not
 * group/other-writable. Returns an O_PATH|O_CLOEXEC fd of the leaf or -1. */
int sandsh_fs_open_trusted_dir(const char *path, struct sandsh_err *e);

/* Same walk for the parents; the leaf must be a regular root-owned file,
 * not group/other-writable, at most max bytes. Reads it whole into a
 * NUL-terminated malloc'd buffer. Returns 0 or -1. */
int sandsh_fs_read_trusted(const char *path, size_t max, char **buf, size_t *len,
			   struct sandsh_err *e);

/* Writes all of buf to fd, retrying short writes and EINTR. 0 or -1/errno. */
int sandsh_fs_write_all(int fd, const void *buf, size_t len);

/* One read of a small file (a sysctl, a cgroup attribute) at path relative
 * to dirfd, the last component not followed: at most len - 1 bytes,
 * NUL-terminated. 0 or -1/errno. */
int sandsh_fs_read_small(int dirfd, const char *path, char *buf, size_t len);

/* Runtime state (SECURITY 8): root-owned 0700, made if missing, verified.
 * Also the staging point PID 1 mounts its private tmpfs on. Returns an
 * O_PATH fd of it or -1. */
#define SANDSH_RUNDIR "/run/sandsh"
int sandsh_fs_rundir(struct sandsh_err *e);

/* An exclusive lock on the file name in the runtime directory (made if
 * missing), waited for at most SANDSH_LOCK_WAIT_S. Returns its fd (close
 * it to unlock) or -1. Supervisors only, which own SIGALRM. */
#define SANDSH_LOCK_WAIT_S 10
int sandsh_fs_lock(int run_fd, const char *name, struct sandsh_err *e);
/* The same without waiting: the fd, or -1 when it is held (or fails). */
int sandsh_fs_trylock(int run_fd, const char *name);

#endif
