/* seccomp-probe: tries the system calls sandsh's seccomp filter must deny
 * and prints one "name: RESULT" line each (RESULT is "ok" or the errno
 * name). Built static, copied into the test rootfs and run inside the
 * sandbox as the user, with and without `seccomp = false`, so the tests
 * see exactly what the filter changes. Never run it as root outside a
 * sandbox: it really calls mount(2) on /tmp. Not part of the product. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case ENOTTY: return "ENOTTY";
	case EIO: return "EIO";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case ENOKEY: return "ENOKEY";
	case EDQUOT: return "EDQUOT";
	case ENOSPC: return "ENOSPC";
	case EUSERS: return "EUSERS";
	default: return strerror(e);
	}
}

static void report(const char *name, long rc)
{
	printf("%s: %s\n", name, ename(rc < 0 ? errno : 0));
}

/* Runs fn in a child (so namespace changes and setsid stay there) and
 * prints its result, or "unavailable" when the child died of a signal
 * (e.g. SIGSEGV from int 0x80 on a kernel without the i386 ABI). */
static void in_child(const char *name, long (*fn)(void))
{
	int pfd[2], err = EIO, ws = 0;
	pid_t pid;

	if (pipe(pfd) < 0) {
		printf("%s: pipe failed\n", name);
		return;
	}
	pid = fork();
	if (pid < 0) {
		printf("%s: fork failed\n", name);
		return;
	}
	if (pid == 0) {
		long rc;

		close(pfd[0]);
		errno = 0;
		rc = fn();
		err = rc < 0 ? errno : 0;
		(void)!write(pfd[1], &err, sizeof(err));
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(pfd[0]);
	waitpid(pid, &ws, 0);
	if (err < 0 || WIFSIGNALED(ws))
		printf("%s: unavailable\n", name);
	else
		printf("%s: %s\n", name, ename(err));
}

static long do_unshare_user(void)
{
	return unshare(CLONE_NEWUSER);
}
static long do_unshare_ns(void)
{
	return unshare(CLONE_NEWNS);
}

static long do_clone_user(void)
{
	long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	return rc < 0 ? -1 : 0;
}

static long do_clone3(void)
{
	/* struct clone_args with only exit_signal set: a plain fork. */
	unsigned long long args[11] = { 0 };
	long rc;

	args[4] = SIGCHLD; /* exit_signal */
	rc = syscall(435 /* clone3 */, args, 88);
	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	return rc < 0 ? -1 : 0;
}

#if defined(__x86_64__)
/* unshare(CLONE_NEWUSER) through the i386 ABI (int 0x80, nr 310). */
static long do_unshare_user_i386(void)
{
	long rc;

	__asm__ volatile("int $0x80" : "=a"(rc) : "a"(310L), "b"((long)CLONE_NEWUSER) : "memory");
	if (rc < 0 && rc > -4096) {
		errno = (int)-rc;
		return -1;
	}
	return 0;
}

/* The same through the x32 ABI (unshare = 272 | __X32_SYSCALL_BIT). */
static long do_unshare_user_x32(void)
{
	return syscall(0x40000000L | 272, CLONE_NEWUSER);
}
#endif

/* A pty made our controlling terminal, then TIOCSTI on it: allowed by the
 * kernel for one's own controlling tty (legacy_tiocsti permitting). */
static int ctty_fd(void)
{
	int m, s;
	char *name;

	if (setsid() < 0)
		return -1;
	m = open("/dev/ptmx", O_RDWR);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)))
		return -1;
	s = open(name, O_RDWR); /* no O_NOCTTY: becomes the controlling tty */
	return s;
}

static long do_tiocsti(void)
{
	char c = 'x';
	int fd = ctty_fd();

	return fd < 0 ? -1 : ioctl(fd, TIOCSTI, &c);
}

static long do_tiocsti_high(void)
{
	char c = 'x';
	int fd = ctty_fd();

	/* The kernel truncates the request to 32 bits; a filter must too. */
	return fd < 0 ? -1 : syscall(SYS_ioctl, fd, 0x100000000UL | TIOCSTI, &c);
}

static long do_tioclinux(void)
{
	char sub = 6; /* TIOCL_GETSHIFTSTATE: harmless */
	int fd = ctty_fd();

	return fd < 0 ? -1 : ioctl(fd, TIOCLINUX, &sub);
}

int main(void)
{
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	in_child("unshare(CLONE_NEWUSER)", do_unshare_user);
	in_child("unshare(CLONE_NEWNS)", do_unshare_ns);
	in_child("clone(CLONE_NEWUSER)", do_clone_user);
	in_child("clone3", do_clone3);
#if defined(__x86_64__)
	in_child("i386 unshare(CLONE_NEWUSER)", do_unshare_user_i386);
	in_child("x32 unshare(CLONE_NEWUSER)", do_unshare_user_x32);
#endif
	report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	report("umount2", umount2("/tmp", MNT_DETACH));
	report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	report("chroot", chroot("/"));
	fd = open("/proc/self/ns/uts", O_RDONLY);
	report("setns", setns(fd, 0));
	report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	report("add_key", syscall(SYS_add_key, "user", "probe", "v", 1, KEY_SPEC_PROCESS_KEYRING));
	report("request_key", syscall(SYS_request_key, "user", "nosuchkey", NULL, 0));
	report("bpf", syscall(SYS_bpf, 0, NULL, 0));
	report("userfaultfd", syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */));
	in_child("ioctl(TIOCSTI)", do_tiocsti);
	in_child("ioctl(TIOCSTI|1<<32)", do_tiocsti_high);
	in_child("ioctl(TIOCLINUX)", do_tioclinux);
	return 0;
}
