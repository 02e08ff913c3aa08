/* Root-trusted path walks (SECURITY 6): policy files and rootfs directories.
 * Runs as euid 0 in the outer process, before any namespace is created. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandsh/fs.h"

static int check_owner(const char *path, const struct stat *st, struct sandsh_err *e)
{
	if (st->st_uid != 0)
		return sandsh_err_set(e, 0, "%s: not owned by root", path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return sandsh_err_set(e, 0, "%s: writable by group or others", path);
	return 0;
}

/* Opens every directory of path up to (not including) the last component,
 * checking each. *leaf points into copy ("" when path is "/"). Returns the
 * parent's O_PATH fd or -1. */
static int walk_parents(char *copy, const char *path, char **leaf, struct sandsh_err *e)
{
	char *comps[256], *save = NULL, *c;
	size_t n = 0;
	struct stat st;
	int fd;

	/* Each failure returns -1 itself: callers use *leaf only with a
	 * descriptor (and the analyzer cannot see sandsh_err_set()'s -1). */
	if (copy[0] != '/') {
		sandsh_err_set(e, 0, "%s: not an absolute path", path);
		return -1;
	}
	for (c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			sandsh_err_set(e, 0, "%s: '.' or '..' in path", path);
			return -1;
		}
		if (n == sizeof(comps) / sizeof(comps[0])) {
			sandsh_err_set(e, 0, "%s: too many path components", path);
			return -1;
		}
		comps[n++] = c;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		sandsh_err_set(e, errno, "open /");
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		sandsh_err_set(e, errno, "stat /");
		close(fd);
		return -1;
	}
	if (check_owner("/", &st, e) < 0) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		int nfd = openat(fd, comps[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			sandsh_err_set(e, errno, "%s: %s", path, comps[i]);
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &st) < 0) {
			sandsh_err_set(e, errno, "stat %s", path);
			close(fd);
			return -1;
		}
		if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
			sandsh_err_set(e, 0, "%s: component %s is %s", path, comps[i],
				       S_ISLNK(st.st_mode)    ? "a symbolic link"
				       : !S_ISDIR(st.st_mode) ? "not a directory"
				       : st.st_uid != 0       ? "not owned by root"
							      : "writable by group or others");
			close(fd);
			return -1;
		}
	}
	*leaf = n ? comps[n - 1] : copy + strlen(copy);
	return fd;
}

/* walk_parents() on a private copy of path (freed by the caller). */
static int walk(const char *path, char **copy, char **leaf, struct sandsh_err *e)
{
	int dfd;

	*copy = strdup(path);
	if (!*copy) {
		sandsh_err_set(e, ENOMEM, "%s", path);
		return -1;
	}
	dfd = walk_parents(*copy, path, leaf, e);
	if (dfd < 0) {
		free(*copy);
		*copy = NULL;
	}
	return dfd;
}

int sandsh_fs_open_trusted_dir(const char *path, struct sandsh_err *e)
{
	char *copy, *leaf = NULL;
	struct stat st;
	int dfd, fd;

	dfd = walk(path, &copy, &leaf, e);
	if (dfd < 0)
		return -1;
	if (*leaf == '\0') { /* path is "/" */
		free(copy);
		return dfd;
	}
	fd = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		sandsh_err_set(e, errno, "%s", path);
		free(copy);
		return -1;
	}
	free(copy);
	if (fstat(fd, &st) < 0) {
		sandsh_err_set(e, errno, "stat %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return sandsh_err_set(e, 0, "%s: %s", path,
				      S_ISLNK(st.st_mode) ? "is a symbolic link"
							  : "not a directory");
	}
	if (check_owner(path, &st, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int sandsh_fs_read_trusted(const char *path, size_t max, char **buf, size_t *len,
			   struct sandsh_err *e)
{
	char *copy, *leaf = NULL, *data = NULL;
	struct stat st;
	size_t got = 0;
	int dfd, fd;

	dfd = walk(path, &copy, &leaf, e);
	if (dfd < 0)
		return -1;
	if (*leaf == '\0') {
		close(dfd);
		free(copy);
		return sandsh_err_set(e, 0, "%s: not a file", path);
	}
	/* O_NONBLOCK: a FIFO planted by root mistake must not hang the login. */
	fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	close(dfd);
	free(copy);
	if (fd < 0)
		return sandsh_err_set(e, errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		sandsh_err_set(e, errno, "stat %s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		sandsh_err_set(e, 0, "%s: not a regular file", path);
		goto fail;
	}
	if (check_owner(path, &st, e) < 0)
		goto fail;
	if ((size_t)st.st_size > max) {
		sandsh_err_set(e, 0, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		sandsh_err_set(e, ENOMEM, "%s", path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sandsh_err_set(e, errno, "read %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	close(fd);
	*buf = data;
	*len = got;
	return 0;
fail:
	free(data);
	close(fd);
	return -1;
}

int sandsh_fs_read_small(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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

int sandsh_fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sandsh_fs_rundir(struct sandsh_err *e)
{
	struct stat st;
	int fd;

	if (mkdir(SANDSH_RUNDIR, 0700) < 0 && errno != EEXIST)
		return sandsh_err_set(e, errno, "mkdir %s", SANDSH_RUNDIR);
	fd = open(SANDSH_RUNDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sandsh_err_set(e, errno, "open %s", SANDSH_RUNDIR);
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return sandsh_err_set(e, 0, "%s: not a root-owned 0700 directory", SANDSH_RUNDIR);
	}
	return fd;
}

static void on_lock_alarm(int sig)
{
	(void)sig;
}

/* flock(LOCK_EX) for at most seconds; EWOULDBLOCK when it timed out. The
 * supervisors that lock own their signals, so SIGALRM bounds the wait. */
static int lock_wait(int fd, unsigned seconds)
{
	struct sigaction sa, old;
	int rc, err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_lock_alarm; /* no SA_RESTART: flock() returns EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) < 0)
		return -1;
	alarm(seconds);
	rc = flock(fd, LOCK_EX);
	err = errno;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	errno = rc < 0 && err == EINTR ? EWOULDBLOCK : err;
	return rc;
}

int sandsh_fs_trylock(int run_fd, const char *name)
{
	int fd = openat(run_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int sandsh_fs_lock(int run_fd, const char *name, struct sandsh_err *e)
{
	int fd = openat(run_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return sandsh_err_set(e, errno, "open %s/%s", SANDSH_RUNDIR, name);
	/* Only supervisors hold these: root in all three ids (the user can
	 * neither stop nor signal them, SECURITY 14) and never waiting on
	 * anything the user controls while they hold one. Still, do not wait
	 * forever. Many sessions of one user starting at once queue here: a
	 * blocking wait hands the lock on at once. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 ||
	    (errno == EWOULDBLOCK && lock_wait(fd, SANDSH_LOCK_WAIT_S) == 0))
		return fd;
	if (errno == EWOULDBLOCK)
		sandsh_err_set(e, 0, "%s/%s: busy for %d s", SANDSH_RUNDIR, name,
			       SANDSH_LOCK_WAIT_S);
	else
		sandsh_err_set(e, errno, "lock %s/%s", SANDSH_RUNDIR, name);
	close(fd);
	return -1;
}
