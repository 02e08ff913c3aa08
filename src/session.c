/* The session orchestrator: the steps a session goes through, in order,
 * from the outer process (ruid = euid = suid = 0, so the user can neither
 * signal nor ptrace it). It prepares everything, clones the sandbox's PID 1
 * into new namespaces, and waits for it by pidfd while forwarding signals
 * and enforcing the timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/cgroup.h"
#include "sandsh/env.h"
#include "sandsh/fs.h"
#include "sandsh/log.h"
#include "sandsh/registry.h"
#include "sandsh/sandbox.h"
#include "sandsh/session.h"

#define KILL_GRACE_S 5

static const char *tty_name(char *buf, size_t len)
{
	if (!isatty(STDIN_FILENO) || ttyname_r(STDIN_FILENO, buf, len) != 0)
		return "none";
	return strncmp(buf, "/dev/", 5) ? buf : buf + 5;
}

/* The client address sshd put in SSH_CONNECTION, if it is one. This comes
 * from the caller and is only logged, never trusted for a decision. */
static const char *from_addr(const struct sandsh_caller *c, char *buf, size_t len)
{
	const char *conn = sandsh_env_get(c->env, "SSH_CONNECTION");
	unsigned char addr[16];
	size_t n;

	if (!conn)
		return "local";
	n = strcspn(conn, " ");
	if (n == 0 || n >= len)
		return "local";
	memcpy(buf, conn, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
		return "local";
	return buf;
}

static int arm(int tfd, long seconds)
{
	struct itimerspec its = { .it_value = { .tv_sec = seconds } };
	return timerfd_settime(tfd, 0, &its, NULL);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Waits for PID 1, forwarding signals; returns its wait status. */
static int supervise(int pidfd, int sfd, const struct sandsh_policy *p, bool *timed_out,
		     bool *killed, struct sandsh_err *e)
{
	int timeout_fd = -1, kill_fd;
	siginfo_t info;

	kill_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (kill_fd < 0)
		return sandsh_err_set(e, errno, "timerfd");
	if (p->timeout > 0) {
		timeout_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (timeout_fd < 0 || arm(timeout_fd, p->timeout) < 0) {
			sandsh_err_set(e, errno, "timeout timer");
			goto kill;
		}
	}
	for (;;) {
		struct pollfd fds[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = kill_fd, .events = POLLIN },
			{ .fd = timeout_fd, .events = POLLIN },
		};
		uint64_t ticks;

		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			sandsh_err_set(e, errno, "poll");
			goto kill;
		}
		if (fds[0].revents)
			break;
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;
				/* Hang-up and termination end the session, the command
				 * gets KILL_GRACE_S to exit. Terminal-generated signals
				 * (SI_KERNEL) reached the command's process group already. */
				if (sig == SIGHUP || sig == SIGTERM) {
					syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
					arm(kill_fd, KILL_GRACE_S);
				} else if (si.ssi_code != SI_KERNEL) {
					syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
				}
			}
		}
		if ((fds[3].revents & POLLIN) && read(timeout_fd, &ticks, sizeof(ticks)) > 0) {
			*timed_out = true;
			syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
			arm(kill_fd, KILL_GRACE_S);
		}
		if ((fds[2].revents & POLLIN) && read(kill_fd, &ticks, sizeof(ticks)) > 0) {
			*killed = true;
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		}
	}
	if (timeout_fd >= 0)
		close(timeout_fd);
	close(kill_fd);
	memset(&info, 0, sizeof(info));
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0)
		return sandsh_err_set(e, errno, "wait for the session");
	if (info.si_code == CLD_EXITED)
		return info.si_status;
	return 128 + info.si_status;
kill:
	/* Never leave a sandbox running unsupervised. */
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED);
	if (timeout_fd >= 0)
		close(timeout_fd);
	close(kill_fd);
	return -1;
}

int sandsh_session_run(const struct sandsh_args *a, const struct sandsh_caller *c,
		       const struct sandsh_user *u, const struct sandsh_settings *s,
		       const struct sandsh_policy *p, struct sandsh_err *e)
{
	struct sandsh_cgroup cg = { .leaf_fd = -1, .lock_fd = -1, .run_fd = -1,
				    .mount_fd = { -1, -1, -1 } };
	int run_fd = -1;
	char tty[64];
	struct sandsh_launch l;
	char id[17], ttybuf[64], frombuf[64];
	int sync_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 };
	int pidfd = -1, sfd = -1, status = -1;
	bool timed_out = false, killed = false;
	struct timespec t0;
	sigset_t set;
	pid_t pid;

	memset(&l, 0, sizeof(l));
	l.policy = p;
	l.user = u;
	l.confined = p->sandbox;
	l.exec_path = p->shell;
	l.caller_umask = c->umask;
	memcpy(l.caller_rlimits, c->rlimits, sizeof(l.caller_rlimits));
	sandsh_registry_new_id(id);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* 1. Runtime directory, verified rootfs, generated user database. */
	if (l.confined) {
		run_fd = sandsh_fs_rundir(e);
		if (run_fd < 0)
			goto out;
		/* Checked here for a clean refusal; PID 1 walks it again. */
		int rfd = sandsh_fs_open_trusted_dir(p->rootfs, e);
		if (rfd < 0) {
			snprintf(e->log, sizeof(e->log), "rootfs %.1000s", e->msg);
			snprintf(e->msg, sizeof(e->msg), "rootfs: unsafe, session refused (see the system log)");
			goto out;
		}
		close(rfd);
		if (sandsh_rootfs_user_db(u, p, &l.passwd_text, &l.group_text) < 0) {
			sandsh_err_set(e, errno, "generate /etc/passwd");
			goto out;
		}
		l.tty_gid = sandsh_ident_tty_gid();
	}
	/* 2. The inner command line and environment. */
	l.argv = sandsh_args_inner_argv(a, p->shell);
	if (!l.argv) {
		sandsh_err_set(e, ENOMEM, "argv");
		goto out;
	}
	l.envp = sandsh_env_build(c->env, p, u, e);
	if (!l.envp)
		goto out;

	/* 3. Signals: blocked before clone so PID 1 starts with them blocked
	 * too (it reads them from its own signalfd). */
	sigemptyset(&set);
	sandsh_init_forwarded_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		sandsh_err_set(e, errno, "signals");
		goto out;
	}
	if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(report_pipe, O_CLOEXEC) < 0) {
		sandsh_err_set(e, errno, "pipe");
		goto out;
	}
	l.sync_fd = sync_pipe[0];
	l.report_fd = report_pipe[1];

	/* 4. The user's cgroup and this session's leaf (max_sessions is
	 * enforced here); the user's lock is held until the child is in. */
	if (l.confined) {
		sandsh_cgroup_lock_blocking(true);
		if (sandsh_cgroup_prepare(&cg, run_fd, s, p, u->uid, id, e) < 0)
			goto out;
	}

	snprintf(tty, sizeof(tty), "%s", tty_name(ttybuf, sizeof(ttybuf)));
	{
		char pids[24] = "none"; /* sandbox = false: no cgroup, no limit */
		if (l.confined)
			snprintf(pids, sizeof(pids), "%ld", p->pids_max);
		sandsh_log(LOG_NOTICE, "session open id=%s user=%s uid=%u via=shell rootfs=%s pids_max=%s tty=%s from=%s",
			   id, u->name, (unsigned)u->uid, l.confined ? p->rootfs : "none", pids, tty,
			   from_addr(c, frombuf, sizeof(frombuf)));
	}

	/* 5. PID 1 of the sandbox, in its new namespaces (and, on cgroup v2,
	 * directly in its leaf). */
	pid = sandsh_ns_clone(p, l.confined, cg.leaf_fd, &pidfd, e);
	if (pid < 0)
		goto closed;
	if (pid == 0) {
		/* PID 1 never execs, so O_CLOEXEC does not help: it keeps its two
		 * pipes and 0-2, nothing else of the outer process (the user lock,
		 * the log socket, cgroup fds). */
		int lo = sync_pipe[0] < report_pipe[1] ? sync_pipe[0] : report_pipe[1];
		int hi = sync_pipe[0] < report_pipe[1] ? report_pipe[1] : sync_pipe[0];
		if (close_range(3, (unsigned)lo - 1, 0) < 0 || close_range((unsigned)lo + 1, (unsigned)hi - 1, 0) < 0 ||
		    close_range((unsigned)hi + 1, ~0U, 0) < 0)
			_exit(SANDSH_EXIT_FAILURE);
		sandsh_init_main(&l);
	}
	close(sync_pipe[0]);
	close(report_pipe[1]);
	sync_pipe[0] = report_pipe[1] = -1;

	/* 6. cgroup v1: into the leaf before the child is let go. */
	if (l.confined && sandsh_cgroup_place(&cg, pid, e) < 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitid((idtype_t)P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto closed;
	}
	{
		struct sandsh_session_info info = {
			.uid = u->uid, .user = u->name, .pid = getpid(), .started = (long long)time(NULL),
			.tty = tty, .leaf_rel = cg.leaf_rel ? cg.leaf_rel : "-",
		};
		memcpy(info.id, id, sizeof(info.id));
		/* Only --list reads it: a failure here does not stop the session. */
		sandsh_registry_add(run_fd, &info, &(struct sandsh_err){ 0 });
	}

	/* 7. Let PID 1 go and supervise it. */
	if (write(sync_pipe[1], "g", 1) != 1) {
		sandsh_err_set(e, errno, "start the session");
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitid((idtype_t)P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto closed;
	}
	status = supervise(pidfd, sfd, p, &timed_out, &killed, e);
	if (status >= 0) {
		struct sandsh_report r;
		ssize_t n;

		/* A report means sandsh (not the command) failed in the child. */
		fcntl(report_pipe[0], F_SETFL, O_NONBLOCK);
		n = read(report_pipe[0], &r, sizeof(r));
		if (n == (ssize_t)sizeof(r)) {
			r.msg[sizeof(r.msg) - 1] = '\0';
			e->status = r.status;
			snprintf(e->msg, sizeof(e->msg), "%s", r.msg);
			e->log[0] = '\0';
			status = r.status;
		} else if (timed_out) {
			status = killed ? 128 + SIGKILL : 128 + SIGTERM;
		}
	}
closed:
	/* 8. Teardown: every process of the session is gone with PID 1. */
	sandsh_registry_remove(run_fd, id);
	sandsh_log(LOG_NOTICE, "session close id=%s user=%s status=%d duration_ms=%ld", id, u->name,
		   status >= 0 ? status : SANDSH_EXIT_FAILURE, elapsed_ms(&t0));
out:
	sandsh_cgroup_release(&cg); /* idempotent; also after a failed prepare */
	if (run_fd >= 0)
		close(run_fd);
	for (int i = 0; i < 2; i++) {
		if (sync_pipe[i] >= 0)
			close(sync_pipe[i]);
		if (report_pipe[i] >= 0)
			close(report_pipe[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	if (sfd >= 0)
		close(sfd);
	free(l.passwd_text);
	free(l.group_text);
	free(l.argv);
	sandsh_env_free(l.envp);
	return status;
}
