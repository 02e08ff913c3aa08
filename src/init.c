/* The child of clone3(): PID 1 of the sandbox, one program for shell and
 * PAM sessions. It starts as euid 0 (a child of the supervisor), builds the
 * tree and names the host, then drops to the user for good. For the shell
 * it starts the command as PID 2 and exits with its status; for PAM it
 * reports "ready" and holds the namespaces the caller joins. Either way it
 * reaps orphans and passes on the signals the supervisor sends (to the
 * command, or to every process of the session); its exit takes every
 * process of the namespace with it. It enforces nothing itself: timeout
 * and the end of the session are the supervisor's, which the user cannot
 * signal. Unconfined shell sessions (sandbox = false) just drop and exec. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/fs.h"
#include "sandsh/prof.h"
#include "sandsh/sandbox.h"
#include "session-internal.h"

void sandsh_init_forwarded_signals(sigset_t *set)
{
	static const int forwarded[] = { SIGHUP,  SIGINT,  SIGTERM, SIGQUIT,
					 SIGUSR1, SIGUSR2, SIGWINCH };

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

__attribute__((noreturn)) static void report(const struct sandsh_launch *l,
					     const struct sandsh_err *e)
{
	struct sandsh_report r;

	memset(&r, 0, sizeof(r));
	r.status = e->status ? e->status : SANDSH_EXIT_FAILURE;
	snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
	/* One write below PIPE_BUF: the outer process reads it whole. */
	(void)!write(l->report_fd, &r, sizeof(r));
	_exit(r.status);
}

/* The outer process holds the write end of sync_fd for its whole life. */
static bool outer_gone(int sync_fd)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	return poll(&p, 1, 0) != 0;
}

/* The supervisor's start signal; EOF means it is gone. */
static void wait_for_go(const struct sandsh_launch *l)
{
	struct sandsh_err e = { 0 };
	char go;

	switch (read(l->sync_fd, &go, 1)) {
	case 1: return;
	case 0: _exit(SANDSH_EXIT_FAILURE); /* the supervisor is gone */
	default: sandsh_err_set(&e, errno, "wait for the start signal"); report(l, &e);
	}
}

/* On a terminal, make the command the leader of a process group of its
 * own and the terminal's foreground group. Otherwise it stays in the outer
 * process's group, which lies outside the sandbox's PID namespace:
 * getpgrp() and tcgetpgrp() return 0 inside, a job-control shell records 0
 * as the group to give the terminal back to, and its exit fails
 * ("dash: Cannot set tty process group (No such process)", status 2).
 * Best effort: job control is a convenience, not a boundary. */
static void own_foreground_group(void)
{
	sigset_t ttou, old;

	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) < 0)
		return; /* not our controlling terminal */
	if (setpgid(0, 0) < 0)
		return;
	/* Now a background group: tcsetpgrp would raise SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	(void)tcsetpgrp(STDIN_FILENO, getpid());
	sigprocmask(SIG_SETMASK, &old, NULL);
}

__attribute__((noreturn)) static void exec_command(const struct sandsh_launch *l)
{
	struct sandsh_err e = { 0 };
	sigset_t none;
	int err;

	if (l->confined)
		own_foreground_group();

	/* The command starts with the caller's signal state, umask and limits,
	 * not the ones sandsh chose for itself. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(l->caller_umask);
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (setrlimit((__rlimit_resource_t)r, &l->caller_rlimits[r]) < 0) {
			sandsh_err_set(&e, errno, "restore resource limit %d", r);
			report(l, &e);
		}
	}
	if (chdir(l->policy->home) < 0 && chdir("/") < 0) {
		sandsh_err_set(&e, errno, "chdir /");
		report(l, &e);
	}
	SANDSH_PROF("exec");
	execve(l->exec_path, l->argv, l->envp);
	err = errno;
	sandsh_err_set(&e, err, "%s", l->exec_path);
	e.status = (err == ENOENT || err == ENOTDIR || err == ELOOP) ? SANDSH_EXIT_NOTFOUND
								     : SANDSH_EXIT_NOEXEC;
	report(l, &e);
}

/* The command's process runs on this stack until its execve. */
static unsigned char command_stack[128 * 1024] __attribute__((aligned(16)));

static int command_main(void *arg)
{
	exec_command(arg);
}

/* The program PID 1 becomes once the command runs (reaper/reaper.c,
 * embedded by reaper/blob.S); empty where it is not built. */
extern const unsigned char sandsh_reaper_image[] __attribute__((visibility("hidden")));
extern const uint32_t sandsh_reaper_size __attribute__((visibility("hidden")));

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable even under vm.memfd_noexec = 1 */
#endif

/* Once the command has its own address space (and has run for
 * SANDSH_SETTLE_MS), a shell session's PID 1 has nothing left to do but reap
 * and pass signals on: it exchanges this copy of the supervisor (its
 * libraries, heap, stack and page tables) for the reaper, a page of code,
 * executed from a sealed memfd that only the kernel reads (mode 0111: the
 * exec is not dumpable, not the user's to trace). Same signal mask, same
 * signalfd, same parent-death signal (no set-user-ID, no capability, no
 * credential change; the reaper checks). Returns if that could not be
 * done (no image for this architecture, memfds not executable here,
 * fs.suid_dumpable = 1): PID 1 then goes on as it is, the same duties in
 * the same process. A failure past the exec's point of no return (out of
 * memory, say) kills PID 1, and the session with it (status 137 or 139). */
static void become_reaper(int sfd, pid_t child)
{
	size_t len = sandsh_reaper_size;
	char fd_var[32], pid_var[32], dumpable[4] = "";
	char *argv[] = { "sandsh-init", NULL };
	char *envp[] = { fd_var, pid_var, NULL };
	int fd;

	if (len == 0)
		return;
	/* An exec of an unreadable file leaves the process as dumpable as
	 * fs.suid_dumpable says: 0 or 2 keep the user from tracing it, 1
	 * ("debug") would make it the user's to trace until the reaper's
	 * first system call. Then PID 1 stays as it is. (The sandbox's own
	 * /proc: the user cannot mount over it.) */
	if (sandsh_fs_read_small(AT_FDCWD, "/proc/sys/fs/suid_dumpable", dumpable,
				 sizeof(dumpable)) < 0 ||
	    (dumpable[0] != '0' && dumpable[0] != '2') || dumpable[1] != '\n')
		return;
	fd = memfd_create("sandsh-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* before Linux 6.3 */
		fd = memfd_create("sandsh-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return;
	if (sandsh_fs_write_all(fd, sandsh_reaper_image, len) < 0 || fchmod(fd, 0111) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		goto out;
	snprintf(fd_var, sizeof(fd_var), "SIGNALFD=%d", sfd);
	snprintf(pid_var, sizeof(pid_var), "COMMAND=%d", (int)child);
	if (fcntl(sfd, F_SETFD, 0) < 0)
		goto out;
	SANDSH_PROF("reaper");
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	(void)fcntl(sfd, F_SETFD, FD_CLOEXEC);
out:
	close(fd);
}

static int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return SANDSH_EXIT_FAILURE;
}

/* The user's supplementary groups: bind sources resolve with them (and
 * the user's fs ids), never with the groups of whoever started us. */
static int user_groups(const struct sandsh_launch *l, struct sandsh_err *e)
{
	if (setgroups(l->user->n_gids, l->user->gids) < 0)
		return sandsh_err_set(e, errno, "setgroups");
	return 0;
}

static void ready(const struct sandsh_launch *l)
{
	struct sandsh_report r;
	int null;

	memset(&r, 0, sizeof(r));
	if (write(l->report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(SANDSH_EXIT_FAILURE);
	close(l->report_fd);
	/* Nothing of the supervisor's terminal (or anything else) stays. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup3(null, 0, 0) < 0 || dup3(null, 1, 0) < 0 || dup3(null, 2, 0) < 0)
		_exit(SANDSH_EXIT_FAILURE);
	close(null);
}

void sandsh_init_main(const struct sandsh_launch *l)
{
	struct sandsh_err e = { 0 };
	sigset_t set;
	pid_t child = -1;
	bool failed = false;
	struct timespec started; /* the command's start, while the reaper is due */
	bool reaper_due = false;
	int sfd;

	/* If the supervisor dies, so does the sandbox (and, with PID 1, every
	 * process in it). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sandsh_err_set(&e, errno, "prctl PR_SET_PDEATHSIG");
		report(l, &e);
	}
	SANDSH_PROF("pid1-start");
	/* The sandbox is built while the supervisor places us (a PAM caller,
	 * a systemd scope) and registers the session: root's work of this
	 * program only; nothing of the user's runs before the start signal,
	 * and a failure is reported after it, as before (the supervisor never
	 * writes to a pipe whose reader is gone). */
	if (l->join_errno) {
		sandsh_err_set(&e, l->join_errno, "cgroup: join the session's leaf");
		failed = true;
	} else if (l->confined) {
		prctl(PR_SET_NAME, l->mode == SANDSH_PID1_HOLD ? "sandsh-holder" : "sandsh-init", 0,
		      0, 0);
		failed = user_groups(l, &e) < 0 || sandsh_ns_configure(l->policy, &e) < 0 ||
			 sandsh_rootfs_setup(l, &e) < 0;
	}
	SANDSH_PROF("pid1-mounted");
	wait_for_go(l);
	SANDSH_PROF("pid1-go");
	if (failed)
		report(l, &e);
	/* Placed in the leaf by now: make it the root of what the session sees
	 * of cgroups, not the host's paths. */
	if (l->confined && unshare(CLONE_NEWCGROUP) < 0) {
		sandsh_err_set(&e, errno, "unshare cgroup namespace");
		report(l, &e);
	}
	/* The shell's PID 1 becomes the user, as its command will be (the
	 * outer process enforces the session's end); a holder stays root, so
	 * nothing the user runs can stop it. */
	if ((l->mode == SANDSH_PID1_HOLD
		     ? sandsh_priv_hold(l->policy, &e)
		     : sandsh_priv_drop(l->user, l->policy, l->confined, &e)) < 0)
		report(l, &e);
	/* Changing credentials cleared the parent-death signal: set it again,
	 * then make sure the parent did not die in between. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sandsh_err_set(&e, errno, "prctl PR_SET_PDEATHSIG");
		report(l, &e);
	}
	if (outer_gone(l->sync_fd))
		_exit(SANDSH_EXIT_FAILURE);
	close(l->sync_fd);

	if (!l->confined)
		exec_command(l);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sandsh_init_forwarded_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		sandsh_err_set(&e, errno, "init signals");
		report(l, &e);
	}
	if (l->mode == SANDSH_PID1_HOLD) {
		ready(l);
	} else {
		/* Like posix_spawn: the command's process shares PID 1's memory
		 * until its execve, with PID 1 suspended meanwhile (CLONE_VFORK).
		 * No page tables to copy, no copy-on-write faults in either
		 * process, no second address space to tear down. The child only
		 * makes system calls and writes its own stack (exec_command resets
		 * every handler before it unblocks a signal; rlimits, umask, cwd
		 * and dispositions are its own). */
		child = clone(command_main, command_stack + sizeof(command_stack),
			      CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)l);
		if (child < 0) {
			sandsh_err_set(&e, errno, "fork the command");
			report(l, &e);
		}
		close(l->report_fd);
		SANDSH_PROF("cmd-forked");
		clock_gettime(CLOCK_MONOTONIC, &started);
		reaper_due = true;
	}

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n;

		if (reaper_due) {
			struct pollfd p = { .fd = sfd, .events = POLLIN };
			long left = SANDSH_SETTLE_MS - sandsh_elapsed_ms(&started);

			if (left <= 0) {
				reaper_due = false;
				become_reaper(sfd, child);
				continue;
			}
			if (poll(&p, 1, (int)left) <= 0)
				continue; /* time is up, or EINTR: look again */
		}
		n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			_exit(SANDSH_EXIT_FAILURE);
		if (si.ssi_signo == SIGCHLD) {
			int ws;
			pid_t pid;
			while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
				if (pid == child) {
					SANDSH_PROF("cmd-exited");
					_exit(status_of(ws));
				}
			continue;
		}
		/* A signal the terminal sent to our process group reached the
		 * command too; only signals sent on purpose are passed on: to the
		 * command, or, holding a PAM session, to all of it. */
		if (si.ssi_code == SI_KERNEL)
			continue;
		if (child > 0)
			kill(child, (int)si.ssi_signo);
		else
			kill(-1, (int)si.ssi_signo);
	}
}

void sandsh_init_join_main(const struct sandsh_launch *l, int pid1_fd)
{
	struct sandsh_err e = { 0 };

	/* Born in the sandbox's PID namespace (the login's supervisor joined
	 * it for its children); the other namespaces come from PID 1's pidfd,
	 * which the keeper holds since it made PID 1. Nothing is opened inside
	 * until the user's identity is ours. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sandsh_err_set(&e, errno, "prctl PR_SET_PDEATHSIG");
		report(l, &e);
	}
	if (setns(pid1_fd, sandsh_ns_join_flags(l->policy) & ~CLONE_NEWPID) < 0) {
		sandsh_err_set(&e, errno, "join the sandbox's namespaces");
		report(l, &e);
	}
	close(pid1_fd);
	wait_for_go(l);
	if (sandsh_priv_drop(l->user, l->policy, true, &e) < 0)
		report(l, &e);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sandsh_err_set(&e, errno, "prctl PR_SET_PDEATHSIG");
		report(l, &e);
	}
	if (outer_gone(l->sync_fd))
		_exit(SANDSH_EXIT_FAILURE);
	close(l->sync_fd);
	exec_command(l);
}
