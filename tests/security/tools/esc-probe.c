/* esc-probe: one escape or abuse attempt per invocation, for the escape
 * suite (tests/security/t-escape-*.sh). Prints one word: "ok" when the
 * call succeeded, else the errno name (EPERM, EACCES, ENOENT...); some
 * attempts print what they reached instead (see each). Static: it runs
 * inside the busybox rootfs and on the host. Not part of the product.
 *   mount | umount-proc | pivot-root | sethostname | open-tree
 *   unshare-user | unshare-mnt | unshare-pid | unshare-net | unshare-cgroup
 *   chroot-escape        chroot into a subdirectory, climb, chroot(".");
 *                        prints the errno, or "rootfs"/"host": where / is
 *   userns-escape        (needs no filter) unshare a user+mount namespace,
 *                        become root there, then try the chroot escape and
 *                        open_tree of "/"; prints what / shows afterwards
 *   tiocsti TEXT         push TEXT into the terminal on fd 0
 *   write FILE [DATA]    open FILE O_WRONLY and write DATA
 *   read FILE            open FILE and read from it
 *   mkdir DIR
 *   ptrace PID | seize PID | kill PID SIG
 *   mount-cgroup         mount a cgroup2 file system on /tmp */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

static int report(long rc)
{
	if (rc >= 0) {
		puts("ok");
		return 0;
	}
	const char *name = strerrorname_np(errno);
	puts(name ? name : "E?");
	return 1;
}

static const char *where_is_root(void)
{
	struct stat st;
	return stat("/ROOTFS-MARKER", &st) == 0 ? "rootfs" : "host";
}

/* The classic: chroot into a subdirectory while keeping the cwd outside,
 * climb with "..", then chroot(".") at the top. */
static int chroot_escape(void)
{
	mkdir("/tmp/jail", 0755);
	if (chroot("/tmp/jail") < 0)
		return report(-1);
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		return report(-1);
	puts(where_is_root());
	return 0;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int userns_escape(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	long tree;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return report(-1);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	write_file("/proc/self/setgroups", "deny");
	if (write_file("/proc/self/uid_map", map) < 0)
		return report(-1);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	write_file("/proc/self/gid_map", map);
	/* Root of the new user namespace: CAP_SYS_CHROOT and CAP_SYS_ADMIN
	 * over its own mount namespace. Nothing above / to climb to. */
	mkdir("/tmp/jail", 0755);
	if (chroot("/tmp/jail") == 0) {
		for (int i = 0; i < 64; i++)
			if (chdir("..") < 0)
				break;
		/* Its result is where_is_root()'s below (glibc marks chroot
		 * warn_unused_result: Ubuntu's default fortify warns). */
		int r = chroot(".");
		(void)r;
	}
	tree = syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE);
	printf("%s open_tree=%s\n", where_is_root(), tree >= 0 ? "ok" : strerrorname_np(errno));
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a1 = argc > 2 ? argv[2] : NULL;

	if (!strcmp(op, "mount"))
		return report(mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(op, "mount-cgroup"))
		return report(mount("none", "/tmp", "cgroup2", 0, NULL));
	if (!strcmp(op, "umount-proc"))
		return report(umount2("/proc", MNT_DETACH));
	if (!strcmp(op, "pivot-root")) {
		if (chdir("/tmp") < 0)
			return report(-1);
		return report(syscall(SYS_pivot_root, ".", "."));
	}
	if (!strcmp(op, "sethostname"))
		return report(sethostname("escaped", 7));
	if (!strcmp(op, "open-tree"))
		return report(syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE));
	if (!strcmp(op, "unshare-user"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(op, "unshare-mnt"))
		return report(unshare(CLONE_NEWNS));
	if (!strcmp(op, "unshare-pid"))
		return report(unshare(CLONE_NEWPID));
	if (!strcmp(op, "unshare-net"))
		return report(unshare(CLONE_NEWNET));
	if (!strcmp(op, "unshare-cgroup"))
		return report(unshare(CLONE_NEWCGROUP));
	if (!strcmp(op, "chroot-escape"))
		return chroot_escape();
	if (!strcmp(op, "userns-escape"))
		return userns_escape();
	if (!strcmp(op, "tiocsti") && a1) {
		for (const char *p = a1; *p; p++)
			if (ioctl(0, TIOCSTI, p) < 0)
				return report(-1);
		return report(0);
	}
	if (!strcmp(op, "write") && a1)
		return report(write_file(a1, argc > 3 ? argv[3] : "x\n"));
	if (!strcmp(op, "read") && a1) {
		char buf[64];
		int fd = open(a1, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		return report(n);
	}
	if (!strcmp(op, "mkdir") && a1)
		return report(mkdir(a1, 0755));
	if (!strcmp(op, "ptrace") && a1)
		return report(ptrace(PTRACE_ATTACH, atoi(a1), NULL, NULL));
	if (!strcmp(op, "seize") && a1)
		return report(ptrace(PTRACE_SEIZE, atoi(a1), NULL, NULL));
	if (!strcmp(op, "kill") && a1 && argc > 3)
		return report(kill(atoi(a1), atoi(argv[3])));
	fprintf(stderr, "esc-probe: unknown operation %s\n", op);
	return 2;
}
