/* The sandbox's file system tree: rootfs clone, policy mounts, generated
 * passwd/group, /dev, /proc, then pivot_root. Runs as euid 0 in PID 1 of the
 * new PID namespace (shell and PAM sessions alike), inside the new
 * (private) mount namespace, with the user's supplementary groups. Every
 * mount is made by fd (open_tree/fsmount + move_mount) onto targets
 * resolved with openat2() so that no symlink can redirect a mount. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandsh/fs.h"
#include "sandsh/sandbox.h"

#ifndef SANDSH_TTY_GID
#error "build with -DSANDSH_TTY_GID=N (the Makefile's TTY_GID)"
#endif
_Static_assert(SANDSH_TTY_GID > 0 && SANDSH_TTY_GID < 65534, "TTY_GID: a group id");

#define STAGING "/run/sandsh" /* root-owned 0700, made by the outer process */

static int openat2_path(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = (unsigned long long)flags | O_CLOEXEC,
				.resolve = resolve };
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* A target inside the new root: no symlink anywhere, never escaping it. */
static int open_target(int root, const char *path, struct sandsh_err *e)
{
	int fd, err;

	while (*path == '/')
		path++;
	fd = openat2_path(root, *path ? path : ".", O_PATH | O_NOFOLLOW, IN_ROOT);
	if (fd < 0) {
		err = errno;
		sandsh_err_set(e, err, "mount target /%s", path);
		errno = err;
	}
	return fd;
}

/* Creates a missing mount target (directories, and a file for a file
 * bind), one component at a time, each resolved like a target. Only called
 * for targets beneath a tmpfs this session mounted: the rootfs itself is
 * never written to. */
static int make_target(int root, const char *path, bool file, struct sandsh_err *e)
{
	char *copy = strdup(path), *save = NULL, *c, *next;
	int dir = openat2_path(root, ".", O_PATH | O_DIRECTORY, IN_ROOT), fd = -1;

	if (!copy || dir < 0) {
		free(copy);
		if (dir >= 0)
			close(dir);
		return sandsh_err_set(e, errno ? errno : ENOMEM, "mount target %s", path);
	}
	for (c = strtok_r(copy, "/", &save); c; c = next) {
		next = strtok_r(NULL, "/", &save);
		if (!next && file) {
			fd = openat(dir, c, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		} else if (mkdirat(dir, c, 0755) < 0 && errno != EEXIST) {
			break;
		}
		fd = openat2_path(dir, c, O_PATH | O_NOFOLLOW | (next ? O_DIRECTORY : 0), IN_ROOT);
		close(dir);
		dir = fd;
		if (dir < 0)
			break;
	}
	free(copy);
	if (dir < 0 || c)
		return sandsh_err_set(e, errno, "create mount target %s", path);
	return dir;
}

/* Whether path lies strictly beneath one of the first n policy mounts'
 * targets and the nearest of them (the mount path's parent is on: targets
 * have no symlinks) is a tmpfs this session made. A bind in between is
 * host file system: nothing is created there as root. */
static bool under_session_tmpfs(const struct sandsh_policy *p, size_t n, const char *path)
{
	size_t best = 0;
	bool tmpfs = false;

	for (size_t i = 0; i < n; i++) {
		const char *t = p->mounts[i].target;
		size_t len = strlen(t);
		if (len >= best && !strncmp(path, t, len) && path[len] == '/') {
			best = len;
			tmpfs = p->mounts[i].type == SANDSH_MOUNT_TMPFS;
		}
	}
	return tmpfs;
}

static int open_or_make_target(const struct sandsh_policy *p, size_t i, int root, bool file,
			       struct sandsh_err *e)
{
	int fd = open_target(root, p->mounts[i].target, e);

	if (fd < 0 && errno == ENOENT && under_session_tmpfs(p, i, p->mounts[i].target))
		fd = make_target(root, p->mounts[i].target, file, e);
	return fd;
}

static int attach(int mnt, int target, const char *what, struct sandsh_err *e)
{
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sandsh_err_set(e, errno, "mount %s", what);
	return 0;
}

/* A new instance of fstype with options ("key=value" strings), detached. */
static int new_fs(const char *fstype, const char *const *opts, unsigned int attrs, const char *what,
		  struct sandsh_err *e)
{
	int fs, mnt;

	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return sandsh_err_set(e, errno, "fsopen %s for %s", fstype, what);
	for (size_t i = 0; opts && opts[i]; i++) {
		char key[64];
		const char *eq = strchr(opts[i], '=');
		size_t klen = eq ? (size_t)(eq - opts[i]) : strlen(opts[i]);

		if (klen >= sizeof(key))
			klen = sizeof(key) - 1;
		memcpy(key, opts[i], klen);
		key[klen] = '\0';
		if ((eq ? fsconfig(fs, FSCONFIG_SET_STRING, key, eq + 1, 0)
			: fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0)) < 0) {
			sandsh_err_set(e, errno, "%s option %s for %s", fstype, opts[i], what);
			close(fs);
			return -1;
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		sandsh_err_set(e, errno, "create %s for %s", fstype, what);
		close(fs);
		return -1;
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	close(fs);
	if (mnt < 0)
		return sandsh_err_set(e, errno, "fsmount %s for %s", fstype, what);
	return mnt;
}

static int mount_new_fs(int root, const char *target, const char *fstype, const char *const *opts,
			unsigned int attrs, struct sandsh_err *e)
{
	int mnt, tfd, rc;

	tfd = open_target(root, target, e);
	if (tfd < 0)
		return -1;
	mnt = new_fs(fstype, opts, attrs, target, e);
	if (mnt < 0) {
		close(tfd);
		return -1;
	}
	rc = attach(mnt, tfd, target, e);
	close(mnt);
	close(tfd);
	return rc;
}

/* Clones the tree at srcfd (recursively), applies attrs to all of it, and
 * mounts it on target. */
static int bind_fd(int srcfd, int targetfd, unsigned int attrs, const char *what,
		   struct sandsh_err *e)
{
	struct mount_attr attr = { .attr_set = attrs };
	int tree, rc;

	tree = open_tree(srcfd, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return sandsh_err_set(e, errno, "clone %s", what);
	/* Read-only, nosuid and nodev must hold for every submount too. */
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		sandsh_err_set(e, errno, "set attributes of %s", what);
		close(tree);
		return -1;
	}
	rc = attach(tree, targetfd, what, e);
	close(tree);
	return rc;
}

/* An empty file named name in dir (our /dev tmpfs), with src bound on it. */
static int bind_node(int dir, const char *name, int src, unsigned int attrs, struct sandsh_err *e)
{
	char what[64];
	int f, rc;

	snprintf(what, sizeof(what), "/dev/%s", name);
	f = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return sandsh_err_set(e, errno, "create %s", what);
	close(f);
	f = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return sandsh_err_set(e, errno, "open %s", what);
	rc = bind_fd(src, f, attrs, what, e);
	close(f);
	return rc;
}

static int policy_mounts(const struct sandsh_launch *l, int root, struct sandsh_err *e)
{
	const struct sandsh_policy *p = l->policy;

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct sandsh_mount *m = &p->mounts[i];

		if (m->type == SANDSH_MOUNT_TMPFS) {
			char size[32], inodes[32], mode[16], uid[24], gid[24];
			bool home = !strcmp(m->target, p->home);
			const char *opts[6];
			size_t n = 0;

			snprintf(size, sizeof(size), "size=%llu", (unsigned long long)m->size);
			snprintf(inodes, sizeof(inodes), "nr_inodes=%llu",
				 (unsigned long long)(m->size / 4096 < 1024 ? 1024
									    : m->size / 4096));
			/* A tmpfs home belongs to the user; any other is shared, sticky. */
			snprintf(mode, sizeof(mode), "mode=%s", home ? "0700" : "1777");
			snprintf(uid, sizeof(uid), "uid=%u", home ? (unsigned)l->user->uid : 0U);
			snprintf(gid, sizeof(gid), "gid=%u", home ? (unsigned)l->user->gid : 0U);
			opts[n++] = size;
			opts[n++] = inodes;
			opts[n++] = mode;
			opts[n++] = uid;
			opts[n++] = gid;
			opts[n] = NULL;
			int tfd = open_or_make_target(p, i, root, false, e), mnt, rc;
			if (tfd < 0)
				return -1;
			mnt = new_fs("tmpfs", opts,
				     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     (m->readonly ? MOUNT_ATTR_RDONLY : 0),
				     m->target, e);
			rc = mnt < 0 ? -1 : attach(mnt, tfd, m->target, e);
			if (mnt >= 0)
				close(mnt);
			close(tfd);
			if (rc < 0)
				return -1;
		} else {
			int src = -1, tfd, rc, saved = EPERM;

			/* Resolve the source with the user's file-system identity, so
			 * the bind reaches nothing the user could not reach, and with no
			 * symlink, so a user-owned link cannot redirect it. setfsuid()
			 * and setfsgid() cannot report failure: an invalid id (-1)
			 * changes nothing and returns the current one, so query. */
			setfsuid(l->user->uid);
			setfsgid(l->user->gid);
			bool as_user = (uid_t)setfsuid((uid_t)-1) == l->user->uid &&
				       (gid_t)setfsgid((gid_t)-1) == l->user->gid;
			if (as_user) {
				src = openat2_path(AT_FDCWD, m->source, O_PATH,
						   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
				saved = errno;
			}
			setfsgid(0);
			setfsuid(0);
			if ((uid_t)setfsuid((uid_t)-1) != 0 || (gid_t)setfsgid((gid_t)-1) != 0) {
				if (src >= 0)
					close(src);
				return sandsh_err_set(e, 0, "setfsuid: could not return to root");
			}
			if (!as_user)
				return sandsh_err_set(
					e, 0,
					"bind source %s: could not take the user's file-system identity",
					m->source);
			if (src < 0)
				return sandsh_err_set(e, saved, "bind source %s", m->source);
			struct stat st;
			if (fstat(src, &st) < 0) {
				sandsh_err_set(e, errno, "bind source %s", m->source);
				close(src);
				return -1;
			}
			tfd = open_or_make_target(p, i, root, !S_ISDIR(st.st_mode), e);
			if (tfd < 0) {
				close(src);
				return -1;
			}
			rc = bind_fd(src, tfd,
				     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     (m->readonly ? MOUNT_ATTR_RDONLY : 0),
				     m->target, e);
			close(src);
			close(tfd);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

static int write_file(int dirfd, const char *name, const char *text, struct sandsh_err *e)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return sandsh_err_set(e, errno, "create %s", name);
	if (sandsh_fs_write_all(fd, text, strlen(text)) < 0 || fchmod(fd, 0644) < 0) {
		sandsh_err_set(e, errno, "write %s", name);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Generated /etc/passwd and /etc/group, written to a tmpfs on the staging
 * directory (which disappears with the old root) and bound over the rootfs
 * files, read-only. */
static int user_db(const struct sandsh_launch *l, int root, struct sandsh_err *e)
{
	static const char *const opts[] = { "size=1m", "nr_inodes=16", "mode=0755", NULL };
	static const char *const files[] = { "passwd", "group" };
	int stage, mnt;

	if (l->policy->passwd != SANDSH_PASSWD_GENERATE)
		return 0;
	stage = open(STAGING, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (stage < 0)
		return sandsh_err_set(e, errno, "open %s", STAGING);
	mnt = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		     "user database", e);
	if (mnt < 0 || attach(mnt, stage, STAGING, e) < 0) {
		if (mnt >= 0)
			close(mnt);
		close(stage);
		return -1;
	}
	close(stage);
	if (write_file(mnt, "passwd", l->passwd_text, e) < 0 ||
	    write_file(mnt, "group", l->group_text, e) < 0) {
		close(mnt);
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		char target[32];
		int src, tfd, rc;

		snprintf(target, sizeof(target), "/etc/%s", files[i]);
		src = openat(mnt, files[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0) {
			sandsh_err_set(e, errno, "open generated %s", files[i]);
			close(mnt);
			return -1;
		}
		tfd = open_target(root, target, e);
		if (tfd < 0) {
			sandsh_err_wrap(e, "rootfs needs %s to exist (or set passwd = \"rootfs\")",
					target);
			close(src);
			close(mnt);
			return -1;
		}
		rc = bind_fd(src, tfd,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				     MOUNT_ATTR_NOEXEC,
			     target, e);
		close(src);
		close(tfd);
		if (rc < 0) {
			close(mnt);
			return -1;
		}
	}
	close(mnt);
	return 0;
}

/* Minimal /dev: a small tmpfs with the host's harmless character devices
 * bound in, a devpts instance of its own, and a tmpfs /dev/shm. */
static int dev_tree(const struct sandsh_launch *l, int root, struct sandsh_err *e)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	static const char *const devopts[] = { "size=64k", "nr_inodes=64", "mode=0755", NULL };
	static const char *const shmopts[] = { "size=64m", "nr_inodes=4096", "mode=1777", NULL };
	/* max=: all devpts instances share one pool; one session must not
	 * drain it for everybody else. gid=: its terminals belong to the tty
	 * group, whose gid is fixed when sandsh is built (make TTY_GID=N;
	 * default 5, as on Debian, Ubuntu, RHEL and their kin), as systemd
	 * and the initramfs fix the one they mount the host's devpts with.
	 * An NSS lookup of "tty" cost every session's start about 0.1 ms
	 * for a number that does not change. */
	char gidopt[32];
	const char *const ptsopts[] = { "ptmxmode=0666", "mode=0620", "max=64", gidopt, NULL };
	int mnt, tfd, dev;

	tfd = open_target(root, "/dev", e);
	if (tfd < 0)
		return -1;
	mnt = new_fs("tmpfs", devopts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV,
		     "/dev", e);
	if (mnt < 0 || attach(mnt, tfd, "/dev", e) < 0) {
		if (mnt >= 0)
			close(mnt);
		close(tfd);
		return -1;
	}
	close(tfd);
	dev = mnt;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		char host[32];
		int src, rc;

		snprintf(host, sizeof(host), "/dev/%s", devs[i]);
		src = open(host, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0) {
			sandsh_err_set(e, errno, "open host %s", host);
			goto fail;
		}
		rc = bind_node(dev, devs[i], src, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
		close(src);
		if (rc < 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (symlinkat(links[i][1], dev, links[i][0]) < 0) {
			sandsh_err_set(e, errno, "symlink /dev/%s", links[i][0]);
			goto fail;
		}
	}
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 ||
	    fchmodat(dev, "shm", 01777, 0) < 0) {
		sandsh_err_set(e, errno, "mkdir in /dev");
		goto fail;
	}
	snprintf(gidopt, sizeof(gidopt), "gid=%d", SANDSH_TTY_GID);
	if (mount_new_fs(root, "/dev/pts", "devpts", ptsopts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
			 e) < 0 ||
	    mount_new_fs(root, "/dev/shm", "tmpfs", shmopts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
			 e) < 0)
		goto fail;
	/* The session's own terminal (a node of the host's devpts) as
	 * /dev/console, so ttyname() and `tty` find it, as in nspawn. */
	if (isatty(STDIN_FILENO)) {
		/* fd 0 names a mount of the old namespace; reopen its node here
		 * and make sure it is the same device. */
		char ttypath[64];
		struct stat st0, st1;
		int src = -1;

		if (ttyname_r(STDIN_FILENO, ttypath, sizeof(ttypath)) == 0 &&
		    fstat(STDIN_FILENO, &st0) == 0)
			src = open(ttypath, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (src >= 0 &&
		    (fstat(src, &st1) < 0 || !S_ISCHR(st1.st_mode) || st1.st_rdev != st0.st_rdev)) {
			close(src);
			src = -1;
		}
		if (src >= 0) {
			int rc = bind_node(dev, "console", src,
					   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
			close(src);
			if (rc < 0)
				goto fail;
		}
	}
	/* The host's syslog socket, for a PAM caller (sshd, su, login) that
	 * keeps logging from inside; absent on the host, absent here. */
	if (l->dev_log) {
		int src = open("/dev/log", O_PATH | O_CLOEXEC), rc;
		if (src >= 0) {
			rc = bind_node(dev, "log", src,
				       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV, e);
			close(src);
			if (rc < 0)
				goto fail;
		}
	}
	close(dev);
	return 0;
fail:
	close(dev);
	return -1;
}

/* /etc/passwd and /etc/group naming root, the user and the user's groups
 * only, so users cannot list each other. */
int sandsh_rootfs_user_db(const struct sandsh_user *u, const struct sandsh_policy *p, char **passwd,
			  char **group)
{
	size_t size = 0;
	FILE *f;

	*passwd = *group = NULL;
	f = open_memstream(passwd, &size);
	if (!f)
		return -1;
	if (u->uid != 0)
		fprintf(f, "root:x:0:0:root:/root:/bin/sh\n");
	fprintf(f, "%s:x:%u:%u:%s:%s:%s\n", u->name, (unsigned)u->uid, (unsigned)u->gid, u->gecos,
		p->home, p->shell);
	if (fclose(f) != 0)
		return -1;
	f = open_memstream(group, &size);
	if (!f)
		return -1;
	bool root_listed = false;
	for (size_t i = 0; i < u->n_gids; i++) {
		if (!u->group_names[i])
			continue;
		/* Members: the user, for supplementary groups; nobody else. */
		fprintf(f, "%s:x:%u:%s\n", u->group_names[i], (unsigned)u->gids[i],
			i == 0 ? "" : u->name);
		root_listed |= u->gids[i] == 0;
	}
	if (!root_listed)
		fprintf(f, "root:x:0:\n");
	return fclose(f) != 0 ? -1 : 0;
}

static int build(const struct sandsh_launch *l, struct sandsh_err *e)
{
	const struct sandsh_policy *p = l->policy;
	struct mount_attr attr = { 0 };
	int rootfs, tree;

	/* Nothing mounted from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sandsh_err_set(e, errno, "make / private");

	/* The rootfs, walked again from this namespace (an fd from before the
	 * unshare names the old namespace's mounts), cloned with its submounts
	 * and mounted over itself here; tree stays the new root. */
	rootfs = sandsh_fs_open_trusted_dir(p->rootfs, e);
	if (rootfs < 0)
		return sandsh_err_wrap(e, "rootfs");
	tree = open_tree(rootfs, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0) {
		sandsh_err_set(e, errno, "clone rootfs");
		close(rootfs);
		return -1;
	}
	attr.attr_set =
		MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (p->readonly_root ? MOUNT_ATTR_RDONLY : 0);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		sandsh_err_set(e, errno, "set rootfs attributes");
		goto fail;
	}
	if (attach(tree, rootfs, "rootfs", e) < 0)
		goto fail;
	if (policy_mounts(l, tree, e) < 0 || user_db(l, tree, e) < 0 || dev_tree(l, tree, e) < 0)
		goto fail;
	close(rootfs);
	return tree;
fail:
	close(tree);
	close(rootfs);
	return -1;
}

static int mount_proc(int tree, struct sandsh_err *e)
{
	static const char *const none[] = { NULL };

	/* Must run in the new PID namespace: proc shows the PID namespace of
	 * the process that creates it. */
	return mount_new_fs(tree, "/proc", "proc", none,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
}

static int pivot(int tree, struct sandsh_err *e)
{
	/* pivot_root(".", "."): the old root ends up stacked on the new one and
	 * is detached at once, so nothing of the host stays reachable. */
	if (fchdir(tree) < 0)
		return sandsh_err_set(e, errno, "chdir to new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sandsh_err_set(e, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return sandsh_err_set(e, errno, "detach old root");
	if (chdir("/") < 0)
		return sandsh_err_set(e, errno, "chdir /");
	return 0;
}

int sandsh_rootfs_setup(const struct sandsh_launch *l, struct sandsh_err *e)
{
	int tree = build(l, e), rc;

	if (tree < 0)
		return -1;
	rc = mount_proc(tree, e) < 0 || pivot(tree, e) < 0 ? -1 : 0;
	close(tree);
	return rc;
}
