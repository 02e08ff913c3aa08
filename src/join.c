/* The PAM caller's side of a session: it forks the supervisor (which runs
 * the session core, session.c, root in all three ids, detached from the
 * caller) and joins the sandbox the supervisor built, so that everything
 * the service starts for the user afterwards is inside. Runs in the calling
 * process (sshd's monitor, su, login: euid 0); never exit()s; the caller is
 * as it was whenever this fails. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/fs.h"
#include "sandsh/hygiene.h"
#include "sandsh/log.h"
#include "sandsh/sandbox.h"
#include "sandsh/session.h"
#include "session-internal.h"

/* How long close waits for the session's processes to be gone. */
#define CLOSE_WAIT_MS 2000

static const char *const ns_names[] = { "mnt", "uts", "ipc", "net", "pid", "cgroup" };
#define N_NS (sizeof(ns_names) / sizeof(ns_names[0]))

/* Only a single-threaded caller can be placed as a whole: seccomp and
 * setns(2) act on the calling thread, and another thread's children would
 * be born outside. */
static int single_threaded(int proc_fd, struct sandsh_err *e)
{
	char buf[4096], *t;
	ssize_t n;
	int fd;

	fd = openat(proc_fd, "self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sandsh_err_set(e, errno, "read /proc/self/status");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return sandsh_err_set(e, errno, "read /proc/self/status");
	buf[n] = '\0';
	t = strstr(buf, "\nThreads:\t");
	if (!t)
		return sandsh_err_set(e, 0, "read /proc/self/status: no thread count");
	if (strncmp(t + 10, "1\n", 2))
		return sandsh_err_set(
			e, 0,
			"the calling program has several threads; only a single-threaded caller can be placed");
	return 0;
}

/* The supervisor: detached from the caller (a grandchild, in its own
 * session), root in all three ids, its fds reduced to the socket and the
 * caller's pidfd. Never returns. */
__attribute__((noreturn)) static void supervisor(struct sandsh_session *s, struct sandsh_request *r)
{
	struct sandsh_err e = { 0 };
	pid_t pid;

	/* The caller's real ids may be a user's (su): whoever ran it must not
	 * be able to signal the supervisor, from here on. */
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
		_exit(1);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	sandsh_log_forget();
	if (sandsh_detach_fds(r->sock, r->caller_fd) < 0)
		_exit(1);
	r->sock = 3;
	r->caller_fd = 4;
	if (sandsh_hygiene(NULL, &e) < 0 || sandsh_hygiene_detached(&e) < 0 || chdir("/") < 0)
		_exit(1);
	sandsh_log_open(sandsh_policy_settings(s->pf)->log_facility);
	sandsh_session_run(s, &e);
	_exit(0);
}

static void close_saved(int saved[N_NS])
{
	for (size_t i = 0; i < N_NS; i++) {
		if (saved[i] >= 0)
			close(saved[i]);
		saved[i] = -1;
	}
}

/* Back into the caller's own namespaces, root and cwd after a failed
 * join (no_new_privs, once set, stays: the caller refuses the session). */
static int restore(int saved[N_NS], int root_fd, int cwd_fd, struct sandsh_err *e)
{
	int rc = 0;

	for (size_t i = 0; i < N_NS; i++)
		if (saved[i] >= 0 && setns(saved[i], 0) < 0 && rc == 0)
			rc = sandsh_err_wrap(
				e, "and the caller's %s namespace could not be restored (%s)",
				ns_names[i], sandsh_strerror(errno));
	if (rc == 0 && (fchdir(root_fd) < 0 || chroot(".") < 0 || fchdir(cwd_fd) < 0))
		rc = sandsh_err_wrap(e, "and the caller's root and cwd could not be restored (%s)",
				     sandsh_strerror(errno));
	close_saved(saved);
	return rc;
}

/* Into PID 1's namespaces (one setns(2), all or nothing), its root and
 * cwd with them; then nothing of the caller may follow the user in. */
static int join(const struct sandsh_policy *p, int proc_fd, int pid1_fd, struct sandsh_err *e)
{
	int saved[N_NS], root_fd = -1, cwd_fd = -1, rc = -1;

	for (size_t i = 0; i < N_NS; i++)
		saved[i] = -1;
	for (size_t i = 0; i < N_NS; i++) {
		char path[64];
		snprintf(path, sizeof(path), "self/ns/%s", ns_names[i]);
		saved[i] = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (saved[i] < 0) {
			sandsh_err_set(e, errno, "open /proc/self/ns/%s", ns_names[i]);
			close_saved(saved);
			return -1;
		}
	}
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 || cwd_fd < 0) {
		sandsh_err_set(e, errno, "open the caller's root and cwd");
		close_saved(saved);
		goto out;
	}
	if (setns(pid1_fd, sandsh_ns_join_flags(p)) < 0) {
		sandsh_err_set(e, errno, "join the sandbox's namespaces");
		close_saved(saved);
		goto out;
	}
	/* setns() put root and cwd at the sandbox's root. Every descriptor the
	 * caller holds beyond 0-2 (its own, and whatever its caller passed
	 * down) is closed when the service execs the user's program: nothing
	 * outside the sandbox can be reached through one (SPEC 5). */
	if (chdir("/") < 0) {
		sandsh_err_set(e, errno, "chdir /");
		goto undo;
	}
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		sandsh_err_set(e, errno, "mark inherited descriptors close-on-exec");
		goto undo;
	}
	/* Inherited by every process of the session, as in the shell: no
	 * setuid gains, and the filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sandsh_err_set(e, errno, "no_new_privs");
		goto undo;
	}
	if (p->seccomp && sandsh_seccomp_load(e) < 0)
		goto undo;
	close_saved(saved);
	rc = 0;
	goto out;
undo:
	restore(saved, root_fd, cwd_fd, e);
out:
	if (root_fd >= 0)
		close(root_fd);
	if (cwd_fd >= 0)
		close(cwd_fd);
	return rc;
}

int sandsh_session_pam_open(struct sandsh_session *s, struct sandsh_request *r,
			    struct sandsh_joined *j, struct sandsh_err *e)
{
	int sv[2] = { -1, -1 }, pid1_fd = -1, st;
	struct sandsh_msg m;
	pid_t pid;

	memset(j, 0, sizeof(*j));
	j->pid1_fd = j->sock = -1;
	j->owner = getpid();
	r->caller = getpid();
	r->caller_fd = -1;
	/* The host's /proc: the caller's own becomes the sandbox's. */
	j->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->proc_fd < 0)
		return sandsh_err_set(e, errno, "open /proc");
	if (single_threaded(j->proc_fd, e) < 0 || sandsh_std_fds_ok(e) < 0)
		goto fail;
	r->caller_fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (r->caller_fd < 0) {
		sandsh_err_set(e, errno, "pidfd_open");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		sandsh_err_set(e, errno, "socketpair");
		goto fail;
	}
	r->sock = sv[1];
	pid = fork();
	if (pid < 0) {
		sandsh_err_set(e, errno, "fork the supervisor");
		goto fail;
	}
	if (pid == 0)
		supervisor(s, r);
	close(sv[1]);
	sv[1] = -1;
	close(r->caller_fd);
	r->caller_fd = -1;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	if (st != 0) {
		sandsh_err_set(e, 0, "the supervisor could not be started");
		goto fail;
	}
	/* The supervisor answers once the sandbox is built, or why not; it
	 * bounds its own waits, and gives up on us when we are gone. */
	if (sandsh_msg_recv(sv[0], &m, &pid1_fd, 1) < 0) {
		sandsh_err_set(e, errno, "the supervisor ended without an answer");
		goto fail;
	}
	if (m.status) {
		sandsh_err_set(e, 0, "%s", m.msg);
		e->status = m.status;
		e->log[0] = '\0';
		goto fail;
	}
	if (pid1_fd < 0) {
		sandsh_err_set(e, 0, "the supervisor sent no sandbox");
		goto fail;
	}
	/* Known before anything can fail: closing a login of a persistent
	 * sandbox must never end the whole sandbox. */
	j->persist = m.flags & SANDSH_MSG_F_PERSIST;
	if (join(&s->p, j->proc_fd, pid1_fd, e) < 0) {
		(void)!send(sv[0], (char[]){ SANDSH_MSG_ABORT }, 1, MSG_NOSIGNAL);
		sandsh_log(LOG_ERR, "error user=%s uid=%u reason=%s", s->user.name,
			   (unsigned)s->user.uid, e->msg);
		goto fail;
	}
	if (send(sv[0], (char[]){ SANDSH_MSG_JOINED }, 1, MSG_NOSIGNAL) != 1) {
		/* The supervisor gave up (we were too slow, or it died): the
		 * sandbox is gone, and so is anything started in it. */
		sandsh_err_set(e, errno, "the supervisor is gone");
		j->pid1_fd = pid1_fd;
		j->sock = sv[0];
		sandsh_session_pam_close(j);
		return -1;
	}
	memcpy(j->id, m.id, sizeof(j->id));
	j->pid1_fd = pid1_fd;
	j->sock = sv[0];
	return 0;
fail:
	if (pid1_fd >= 0)
		close(pid1_fd);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (r->caller_fd >= 0)
		close(r->caller_fd);
	r->caller_fd = -1;
	close(j->proc_fd);
	j->proc_fd = -1;
	j->closed = true;
	return -1;
}

/* Zombie children of this process that lived in the session's PID
 * namespace ("NSpid:" lists more than one id): PID 1's exit completes only
 * once every process of its namespace is reaped, and these are ours. */
static void reap_session_zombies(const struct sandsh_joined *j)
{
	char path[96], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int pid, fd;

	snprintf(path, sizeof(path), "thread-self/children");
	fd = openat(j->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "re"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The kernel's list of child pids: not untrusted text (cert-err34-c). */
	/* NOLINTNEXTLINE(cert-err34-c) */
	while (fscanf(f, "%d", &pid) == 1) {
		FILE *st;
		bool zombie = false, nested = false;

		snprintf(path, sizeof(path), "%d/status", pid);
		fd = openat(j->proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || !(st = fdopen(fd, "re"))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while (getline(&line, &cap, st) > 0) {
			if (!strncmp(line, "State:", 6))
				zombie = strchr(line, 'Z') != NULL;
			else if (!strncmp(line, "NSpid:", 6))
				nested = strpbrk(line + 6 + strspn(line + 6, " \t"), " \t") != NULL;
		}
		fclose(st);
		if (zombie && nested)
			waitpid(pid, NULL, WNOHANG);
	}
	free(line);
	fclose(f);
}

void sandsh_session_pam_close(struct sandsh_joined *j)
{
	if (j->closed || j->owner != getpid())
		return;
	j->closed = true;
	if (j->sock >= 0)
		(void)!send(j->sock, (char[]){ SANDSH_MSG_CLOSE }, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* A persistent sandbox outlives its logins: closing one ends only
	 * what the service started, which it has reaped itself. */
	if (j->pid1_fd >= 0 && !j->persist) {
		/* PID 1's death ends every process of the session; the caller's
		 * own children in it are ours to reap meanwhile. Bounded. */
		syscall(SYS_pidfd_send_signal, j->pid1_fd, SIGKILL, NULL, 0);
		for (int i = 0; i < CLOSE_WAIT_MS / 5; i++) {
			struct pollfd pfd = { .fd = j->pid1_fd, .events = POLLIN };
			reap_session_zombies(j);
			if (poll(&pfd, 1, 5) > 0)
				break;
		}
	}
	sandsh_session_pam_forget(j);
}

void sandsh_session_pam_forget(struct sandsh_joined *j)
{
	j->closed = true;
	if (j->pid1_fd >= 0)
		close(j->pid1_fd);
	if (j->sock >= 0)
		close(j->sock);
	if (j->proc_fd >= 0)
		close(j->proc_fd);
	j->pid1_fd = j->sock = j->proc_fd = -1;
}
