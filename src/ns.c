/* Namespaces: the clone3() that creates the sandbox's PID 1 (euid 0, the
 * supervisor: the shell's outer process or the PAM module's), the flags a
 * PAM caller joins them with, and, inside, the UTS and network set-up
 * (euid 0, PID 1). */
#include <errno.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandsh/sandbox.h"

pid_t sandsh_ns_clone(const struct sandsh_policy *p, bool confined, int cgroup_fd, int *pidfd,
		      struct sandsh_err *e)
{
	struct clone_args args;
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	if (confined) {
		args.flags |= CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS;
		if (p->ipc)
			args.flags |= CLONE_NEWIPC;
		if (p->net == SANDSH_NET_NONE)
			args.flags |= CLONE_NEWNET;
	}
	args.pidfd = (unsigned long long)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	/* cgroup v2: born in the session's leaf, so not one instruction of the
	 * child runs outside the user's limits. */
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned long long)cgroup_fd;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return sandsh_err_set(e, errno, "clone3 (new namespaces)");
	return (pid_t)pid;
}

int sandsh_ns_join_flags(const struct sandsh_policy *p)
{
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWCGROUP;

	if (p->ipc)
		flags |= CLONE_NEWIPC;
	if (p->net == SANDSH_NET_NONE)
		flags |= CLONE_NEWNET;
	return flags;
}

static int loopback_up(struct sandsh_err *e)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return sandsh_err_set(e, errno, "socket for lo");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		sandsh_err_set(e, errno, "get lo flags");
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		sandsh_err_set(e, errno, "bring lo up");
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

int sandsh_ns_configure(const struct sandsh_policy *p, struct sandsh_err *e)
{
	/* Only reached in the new UTS namespace; the name was validated. */
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		return sandsh_err_set(e, errno, "sethostname \"%s\"", p->hostname);
	if (p->net == SANDSH_NET_NONE && loopback_up(e) < 0)
		return -1;
	return 0;
}
