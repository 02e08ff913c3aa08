/* floor: the least a setuid sandboxing launcher has to do, as the yardstick
 * for sandsh's start-up cost (bench/README.md). Installed setuid root by
 * bench/run.sh inside its private namespace only, and run by the bench user:
 *
 *   clone(NEWNS|NEWPID|NEWUTS|NEWIPC) -> child (PID 1 of the new namespace):
 *     sethostname, make / private, bind the rootfs (read-only, nosuid,
 *     nodev), mount /proc, pivot_root, join a pids cgroup leaf, drop to the
 *     caller's ids, exec the command;
 *   parent: waits, exits with the child's status (128+N for signal N).
 *
 * No policy, no NSS, no logging, no /dev, /tmp or passwd, no seccomp, no
 * init process: each of those is a cost sandsh pays on top of this floor.
 * The rootfs and the cgroup leaf are compiled in (-DFLOOR_ROOTFS,
 * -DFLOOR_CGROUP_PROCS): like sandsh, a setuid program takes no path from
 * its caller. Usage: floor CMD [ARG...] */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FLOOR_ROOTFS
#error "build with -DFLOOR_ROOTFS='\"/path/to/rootfs\"'"
#endif
#ifndef FLOOR_CGROUP_PROCS
#error "build with -DFLOOR_CGROUP_PROCS='\"/sys/fs/cgroup/pids/.../tasks\"'"
#endif

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	_exit(125);
}

int main(int argc, char **argv)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	gid_t groups[256];
	int ngroups, cgfd, ws;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: floor CMD [ARG...]\n");
		return 125;
	}
	ngroups = getgroups(256, groups);
	if (ngroups < 0)
		die("getgroups");
	cgfd = open(FLOOR_CGROUP_PROCS, O_WRONLY | O_CLOEXEC);
	if (cgfd < 0)
		die("open cgroup leaf");

	pid = (pid_t)syscall(SYS_clone,
			     CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		if (write(cgfd, "0", 1) != 1)
			die("join cgroup leaf");
		close(cgfd);
		if (sethostname("floor", 5) < 0)
			die("sethostname");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("make / private");
		if (mount(FLOOR_ROOTFS, FLOOR_ROOTFS, NULL, MS_BIND | MS_REC, NULL) < 0)
			die("bind rootfs");
		if (mount(NULL, FLOOR_ROOTFS, NULL,
			  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
			die("read-only rootfs");
		if (mount("proc", FLOOR_ROOTFS "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die("mount /proc");
		if (chdir(FLOOR_ROOTFS) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
			die("pivot_root");
		if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
			die("detach old root");
		if (setgroups((size_t)ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			die("drop privileges");
		execv(argv[1], argv + 1);
		die(argv[1]);
	}
	close(cgfd);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}
