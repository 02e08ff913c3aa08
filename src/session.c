/* The session core, once for the shell and the PAM module: identify the
 * user, load the policy, decide; prepare the runtime directory, rootfs
 * check, user database and the user's cgroup; create the sandbox's PID 1 in
 * its new namespaces; place it (and a PAM caller); register and log; hand
 * the sandbox to a PAM caller; supervise (signals, timeout, the caller's
 * death); end and clean up. Runs in the supervisor: the shell's outer
 * process, or the process the PAM module forks, root in all three ids, so
 * the user can neither signal nor ptrace it (SECURITY 14). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/env.h"
#include "sandsh/fs.h"
#include "sandsh/log.h"
#include "sandsh/prof.h"
#include "sandsh/registry.h"
#include "sandsh/sandbox.h"
#include "sandsh/session.h"
#include "session-internal.h"

#define POLICY_PATH SANDSH_SYSCONFDIR "/sandsh/sandsh.conf"
/* PID 1 builds the tree in milliseconds; this only bounds a wedged one. */
#define READY_WAIT_S 30

bool sandsh_session_item_ok(const char *v, size_t max, const char *extra)
{
	size_t n = 0;

	if (!v)
		return false;
	for (; v[n]; n++) {
		unsigned char c = (unsigned char)v[n];
		if (n >= max)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return n > 0;
}

void sandsh_session_log_failure(const struct sandsh_session *s, const struct sandsh_err *e)
{
	const char *name = s->have_user ? s->user.name : "?";
	unsigned uid = s->have_user ? (unsigned)s->user.uid : (unsigned)s->req->uid;
	const char *why = e->log[0] ? e->log : e->msg;

	if (e->status == SANDSH_EXIT_DENIED)
		sandsh_log(LOG_WARNING, "denied user=%s uid=%u reason=%s", name, uid, why);
	else
		sandsh_log(LOG_ERR, "error user=%s uid=%u reason=%s", name, uid, why);
}

int sandsh_session_load(struct sandsh_session *s, const struct sandsh_request *r,
			struct sandsh_err *e)
{
	struct sandsh_diags d = { 0 };
	struct sandsh_ident_job job;
	char host[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->req = r;
	sandsh_log_open(LOG_AUTHPRIV);
	/* The identity is NSS's: the shell's real uid, or PAM_USER as a name
	 * to look up, never the environment. */
	rc = sandsh_ident_start(r->name ? 0 : r->uid, r->name, &job, e);
	if (rc == 0) {
		/* Meanwhile, on a systemd host, the connection for this
		 * process's placement (the shell's; PAM's supervisor is forked
		 * later and makes its own, so none is made in the caller). */
		if (r->via == SANDSH_VIA_SHELL)
			sandsh_cgroup_preconnect();
		rc = sandsh_ident_finish(&job, &s->user, e);
	}
	if (rc < 0) {
		s->unknown_user = true;
		if (r->via == SANDSH_VIA_SHELL)
			sandsh_session_log_failure(s, e);
		return -1;
	}
	s->have_user = true;
	SANDSH_PROF("ident");
	/* sshd starts a ForceCommand through the user's own shell, outside
	 * any sandbox, with the environment PAM and sshd built: with
	 * pam_env's user_readenv (Debian's default) or PermitUserEnvironment,
	 * the user's ~/.pam_environment or ~/.ssh/environment. Such a set-up
	 * is not a sandbox, and sandsh does not pretend it is. */
	if (r->side_door) {
		sandsh_err_set(e, 0, "ForceCommand: refused: %s (see sandsh --check)",
			       r->side_door);
		snprintf(e->log, sizeof(e->log), "ForceCommand side door: %s", r->side_door);
		sandsh_session_log_failure(s, e);
		return -1;
	}
	/* Root is never placed by PAM, so a broken policy cannot lock root
	 * out of the console; decided before the policy is read. */
	if (r->via == SANDSH_VIA_PAM && s->user.uid == 0)
		return SANDSH_DECIDE_PASS;
	if (sandsh_ident_short_hostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	SANDSH_PROF("hostname");
	if (sandsh_policy_load(POLICY_PATH, &s->pf, &d) < 0 ||
	    (SANDSH_PROF("policy-parsed"),
	     sandsh_policy_resolve(s->pf, &s->user, host, &s->p, &d)) < 0) {
		sandsh_log_policy_error(s->user.name, (unsigned)s->user.uid, &d);
		sandsh_diags_free(&d);
		return sandsh_err_set(e, 0,
				      "policy: invalid, session refused (see the system log)");
	}
	sandsh_diags_free(&d);
	s->have_policy = true;
	SANDSH_PROF("policy-resolved");
	sandsh_log_open(sandsh_policy_settings(s->pf)->log_facility);
	if (s->user.uid == 0 && !sandsh_policy_settings(s->pf)->allow_root) {
		sandsh_err_deny(e, "session refused: root is not allowed");
		snprintf(e->log, sizeof(e->log), "root is not allowed");
		sandsh_session_log_failure(s, e);
		return -1;
	}
	if (!s->p.allow) {
		sandsh_err_deny(e, "session refused: access denied by policy");
		snprintf(e->log, sizeof(e->log), "allow is false");
		sandsh_session_log_failure(s, e);
		return -1;
	}
	return s->p.sandbox ? SANDSH_DECIDE_SANDBOX : SANDSH_DECIDE_UNCONFINED;
}

void sandsh_session_free(struct sandsh_session *s)
{
	if (s->have_policy)
		sandsh_policy_free(&s->p);
	sandsh_policy_file_free(s->pf);
	if (s->have_user)
		sandsh_ident_free(&s->user);
	memset(s, 0, sizeof(*s));
}

long sandsh_elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void kill_pid1(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* --- supervision ------------------------------------------------------------ */

/* Signals PID 1 (the shell's command, or all of a PAM session) and arms the grace period after which it is killed. If
 * the grace timer cannot be armed, the kill comes now: a session that
 * should end never outlives its limit (fail closed). */
static void end_softly(int pidfd, int sig, int kill_fd, struct sandsh_outcome *o)
{
	struct itimerspec its = { .it_value = { .tv_sec = SANDSH_KILL_GRACE_S } };

	syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	if (timerfd_settime(kill_fd, 0, &its, NULL) < 0) {
		o->killed = true;
		kill_pid1(pidfd);
	}
}

static void read_caller(int *sock, struct sandsh_outcome *o)
{
	char c;
	ssize_t n = recv(*sock, &c, 1, MSG_DONTWAIT);

	if (n == 1 && c == SANDSH_MSG_CLOSE)
		o->caller_closed = true;
	else if (n == 0)
		*sock = -1; /* the caller closed it: its pidfd says when it is gone */
}

/* A session still running SANDSH_SETTLE_MS after its start leaves the
 * supervisor asleep in poll() for a long time; what the start needed and
 * left behind is given back then: the stack below this point, which the
 * start's deep calls grew (libconfig's parser, NSS's results, path walks)
 * and nothing will read again, and the heap's free pages. Best effort:
 * whatever fails is kept. */

/* The start of the mapping that holds ADDR (this thread's stack), from
 * /proc/self/maps read line by line, names ignored; 0 if none is found.
 * Its buffer is below the caller's frame, and dead once it returns. */
__attribute__((noinline)) static uintptr_t mapping_start(uintptr_t addr)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	uintptr_t found = 0;
	bool skip = false;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (!found && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		if (skip) { /* the rest of a line too long for the buffer */
			nl = strchr(buf, '\n');
			line = nl ? nl + 1 : buf + have;
			skip = !nl;
		}
		while (!found && (nl = strchr(line, '\n'))) {
			char *end;
			uintptr_t lo = (uintptr_t)strtoull(line, &end, 16), hi;

			if (*end == '-') {
				hi = (uintptr_t)strtoull(end + 1, NULL, 16);
				if (lo <= addr && addr < hi)
					found = lo;
			}
			line = nl + 1;
		}
		/* Keep the unfinished line; one longer than the buffer is
		 * skipped to its end (a path that long is not our stack's). */
		have = (size_t)(buf + have - line);
		if (have == sizeof(buf) - 1) {
			have = 0;
			skip = true;
		}
		memmove(buf, line, have);
	}
	close(fd);
	return found;
}

__attribute__((noinline)) static void settle(void)
{
	volatile char here = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), top, low;

	malloc_trim(0);
	if (page == 0 || page & (page - 1))
		return;
	low = mapping_start((uintptr_t)&here);
	/* Everything below this frame but the page under it (for madvise's
	 * own call; no signal handler runs on this stack). */
	top = ((uintptr_t)&here & ~(page - 1)) - page;
	if (low && low < top)
		(void)madvise((void *)low, top - low, MADV_DONTNEED);
	(void)here;
}

/* Waits for PID 1, forwarding signals, enforcing the timeout and, for PAM,
 * ending the sandbox when the caller is gone; returns PID 1's wait status
 * as an exit status, or -1 (PID 1 killed and reaped) with e set. */
int sandsh_supervise(struct sandsh_watch *w, struct sandsh_outcome *o, struct sandsh_err *e)
{
	int timeout_fd = -1, kill_fd;
	bool settled = false;
	siginfo_t info;

	kill_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (kill_fd < 0) {
		sandsh_err_set(e, errno, "timerfd");
		goto kill;
	}
	{
		if (w->timeout > 0) {
			struct itimerspec its = { .it_value = { .tv_sec = w->timeout } };
			timeout_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
			if (timeout_fd < 0 || timerfd_settime(timeout_fd, 0, &its, NULL) < 0) {
				sandsh_err_set(e, errno, "timeout timer");
				goto kill;
			}
		}
		/* What a stop ends: PID 1 (or a persistent login's command); a PAM
	 * login of a persistent sandbox has neither, its caller stands for it
	 * (sshd's monitor or su end the login on SIGTERM). */
		const int target = w->pidfd >= 0 ? w->pidfd : w->caller_fd;

		for (;;) {
			struct pollfd fds[6] = {
				{ .fd = w->pidfd, .events = POLLIN },
				{ .fd = w->sfd, .events = POLLIN },
				{ .fd = kill_fd, .events = POLLIN },
				{ .fd = timeout_fd, .events = POLLIN },
				{ .fd = w->caller_fd, .events = POLLIN },
				{ .fd = w->sock, .events = POLLIN },
			};
			uint64_t ticks;
			int ready = poll(fds, 6, settled ? -1 : SANDSH_SETTLE_MS);

			if (ready < 0) {
				if (errno == EINTR)
					continue;
				sandsh_err_set(e, errno, "poll");
				goto kill;
			}
			if (ready == 0) {
				settle();
				settled = true;
				continue;
			}
			if (fds[5].revents)
				read_caller(&w->sock, o);
			if (fds[0].revents)
				break;
			if (w->pidfd < 0 &&
			    (o->caller_closed || (fds[4].revents && (o->caller_died = true))))
				break; /* a persistent sandbox's PAM login ends with its caller */
			if (fds[1].revents & POLLIN) {
				struct signalfd_siginfo si;
				if (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					int sig = (int)si.ssi_signo;
					/* Hang-up and termination end the session, the command
				 * gets SANDSH_KILL_GRACE_S to exit. Terminal-generated
				 * signals (SI_KERNEL) reached the command's process
				 * group already. */
					if (sig == SIGHUP || sig == SIGTERM)
						end_softly(target, sig, kill_fd, o);
					else if (si.ssi_code != SI_KERNEL && w->pidfd >= 0)
						syscall(SYS_pidfd_send_signal, w->pidfd, sig, NULL,
							0);
				}
			}
			if ((fds[3].revents & POLLIN) &&
			    read(timeout_fd, &ticks, sizeof(ticks)) > 0) {
				o->timed_out = true;
				end_softly(target, SIGTERM, kill_fd, o);
			}
			if ((fds[2].revents & POLLIN) && read(kill_fd, &ticks, sizeof(ticks)) > 0) {
				o->killed = true;
				kill_pid1(target);
			}
			if (fds[4].revents) {
				/* The caller is gone without closing: nobody is left to end
			 * the session, so it ends now. */
				if (!o->caller_closed)
					o->caller_died = true;
				kill_pid1(w->pidfd);
				w->caller_fd = -1;
			}
		}
	}
	if (timeout_fd >= 0)
		close(timeout_fd);
	close(kill_fd);
	if (w->sock >= 0)
		read_caller(&w->sock, o);
	if (w->pidfd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &info, WEXITED) < 0)
		return sandsh_err_set(e, errno, "wait for the session");
	if (info.si_code == CLD_EXITED)
		return info.si_status;
	return 128 + info.si_status;
kill:
	/* Never leave a sandbox running unsupervised. */
	if (w->pidfd >= 0) {
		kill_pid1(w->pidfd);
		waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &info, WEXITED);
	}
	if (timeout_fd >= 0)
		close(timeout_fd);
	if (kill_fd >= 0)
		close(kill_fd);
	return -1;
}

/* --- the PAM hand-off -------------------------------------------------------- */

int sandsh_msg_send(int sock, const struct sandsh_msg *m, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(cbuf, 0, sizeof(cbuf));
	if (nfds > 2)
		return -1;
	if (nfds > 0) {
		struct cmsghdr *c;
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -1;
}

int sandsh_msg_recv(int sock, struct sandsh_msg *m, int *fds, int maxfds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int n_fds = 0;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; CMSG_LEN((i + 1) * sizeof(int)) <= c->cmsg_len; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n_fds < maxfds)
				fds[n_fds++] = fd;
			else
				close(fd);
		}
	}
	if (n != (ssize_t)sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < n_fds; i++)
			close(fds[i]);
		return -1;
	}
	m->id[sizeof(m->id) - 1] = '\0';
	m->leaf[sizeof(m->leaf) - 1] = '\0';
	m->unit[sizeof(m->unit) - 1] = '\0';
	m->msg[sizeof(m->msg) - 1] = '\0';
	return n_fds;
}

/* To the PAM caller: a failure, or the session id with PID 1's pidfd. */
static int tell_caller(int sock, int status, int flags, const char *id, const char *msg, int fd)
{
	struct sandsh_msg m;

	memset(&m, 0, sizeof(m));
	m.status = status;
	m.flags = flags;
	snprintf(m.id, sizeof(m.id), "%s", id ? id : "");
	snprintf(m.msg, sizeof(m.msg), "%s", msg ? msg : "");
	return sandsh_msg_send(sock, &m, &fd, fd >= 0 ? 1 : 0);
}

int sandsh_wait_readable(int fd, int a, int b, int seconds)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = seconds * 1000L - sandsh_elapsed_ms(&t0);
		struct pollfd fds[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = a, .events = POLLIN },
			{ .fd = b, .events = POLLIN },
		};
		int n;

		if (left <= 0)
			return 0;
		n = poll(fds, 3, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (fds[0].revents)
			return 1;
		if (fds[1].revents || fds[2].revents)
			return 0;
	}
}

/* PID 1 reports when the sandbox is built (SANDSH_PID1_HOLD). */
int sandsh_wait_ready(int report_fd, int pidfd, int other, struct sandsh_err *e)
{
	struct sandsh_report r;

	memset(&r, 0, sizeof(r));
	if (sandsh_wait_readable(report_fd, pidfd, other, READY_WAIT_S) != 1 ||
	    read(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return sandsh_err_set(e, 0, "the sandbox's PID 1 died before it was ready");
	if (r.status) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		sandsh_err_set(e, 0, "%s", r.msg);
		e->status = r.status;
		return -1;
	}
	return 0;
}

/* The PAM caller gets PID 1's pidfd and joins; it may be stopped by
 * whoever started it, so wait a bounded time, holding no lock, then give
 * up on it. */
int sandsh_give_to_caller(int sock, const char *id, int flags, int pid1_fd, int caller_fd,
			  struct sandsh_err *e)
{
	char ack = 0;

	if (tell_caller(sock, 0, flags, id, NULL, pid1_fd) < 0)
		return sandsh_err_set(e, errno, "hand the sandbox to the caller");
	if (sandsh_wait_readable(sock, pid1_fd, caller_fd, SANDSH_JOIN_WAIT_S) != 1 ||
	    recv(sock, &ack, 1, 0) != 1 || ack != SANDSH_MSG_JOINED) {
		if (ack == SANDSH_MSG_ABORT)
			return sandsh_err_set(e, 0, "the caller could not join the sandbox");
		return sandsh_err_set(e, 0, "the caller did not join the sandbox within %d s",
				      SANDSH_JOIN_WAIT_S);
	}
	return 0;
}

/* A failure the PAM caller has not been told of yet. */
void sandsh_tell_failure(int sock, const struct sandsh_err *e)
{
	tell_caller(sock, e->status ? e->status : SANDSH_EXIT_FAILURE, 0, NULL,
		    e->msg[0] ? e->msg : "session failed", -1);
}

/* --- the session ------------------------------------------------------------- */

/* Checked here for a clean refusal; PID 1 walks it again. */
void sandsh_session_log_open(const struct sandsh_session *s, bool confined, const char *sandbox)
{
	const struct sandsh_request *r = s->req;
	char pids[24] = "none"; /* sandbox = false: no cgroup, no limit */
	char service[80] = "", sb[40] = "";

	if (confined)
		snprintf(pids, sizeof(pids), "%ld", s->p.pids_max);
	if (r->via == SANDSH_VIA_PAM)
		snprintf(service, sizeof(service), " service=%s", r->service ? r->service : "?");
	if (sandbox)
		snprintf(sb, sizeof(sb), " sandbox=%s", sandbox);
	sandsh_log(
		LOG_NOTICE,
		"session open id=%s user=%s uid=%u via=%s rootfs=%s pids_max=%s tty=%s from=%s%s%s",
		s->id, s->user.name, (unsigned)s->user.uid,
		r->via == SANDSH_VIA_PAM ? "pam" : "shell", confined ? s->p.rootfs : "none", pids,
		r->tty ? r->tty : "none", r->from ? r->from : "local", service, sb);
}

int sandsh_read_failure(int report_fd, int status, struct sandsh_err *e)
{
	struct sandsh_report rep;
	ssize_t n = -1;

	/* A report means sandsh (not the command) failed in the child. */
	if (fcntl(report_fd, F_SETFL, O_NONBLOCK) == 0)
		n = read(report_fd, &rep, sizeof(rep));
	if (n != (ssize_t)sizeof(rep))
		return status;
	rep.msg[sizeof(rep.msg) - 1] = '\0';
	e->status = rep.status;
	snprintf(e->msg, sizeof(e->msg), "%s", rep.msg);
	e->log[0] = '\0';
	return rep.status;
}

static int check_rootfs(const struct sandsh_policy *p, struct sandsh_err *e)
{
	int fd = sandsh_fs_open_trusted_dir(p->rootfs, e);

	if (fd < 0) {
		snprintf(e->log, sizeof(e->log), "rootfs %.1000s", e->msg);
		snprintf(e->msg, sizeof(e->msg),
			 "rootfs: unsafe, session refused (see the system log)");
		return -1;
	}
	close(fd);
	return 0;
}

/* A new child keeps 0-2 and the descriptors in keep (-1 entries are
 * ignored), nothing else of its parent (the user lock, the log socket,
 * cgroup fds, the PAM caller's socket): PID 1 never execs, so O_CLOEXEC
 * does not help. */
int sandsh_keep_fds(int a, int b, int c)
{
	int v[3] = { a, b, c };
	unsigned next = 3;

	for (int i = 0; i < 3; i++) /* sort the three */
		for (int j = i + 1; j < 3; j++)
			if (v[j] < v[i]) {
				int t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	for (int i = 0; i < 3; i++) {
		if (v[i] < (int)next)
			continue;
		if ((unsigned)v[i] > next && close_range(next, (unsigned)v[i] - 1, 0) < 0)
			return -1;
		next = (unsigned)v[i] + 1;
	}
	return close_range(next, ~0U, 0);
}

int sandsh_detach_fds(int a, int b)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int ha = fcntl(a, F_DUPFD_CLOEXEC, 10), hb = fcntl(b, F_DUPFD_CLOEXEC, 10);

	if (null < 0 || ha < 0 || hb < 0 || dup3(null, 0, 0) < 0 || dup3(null, 1, 0) < 0 ||
	    dup3(null, 2, 0) < 0 || dup3(ha, 3, O_CLOEXEC) < 0 || dup3(hb, 4, O_CLOEXEC) < 0)
		return -1;
	return close_range(5, ~0U, 0);
}

int sandsh_session_prepare(struct sandsh_session *s, struct sandsh_launch *l, int *run_fd,
			   struct sandsh_err *e)
{
	const struct sandsh_request *r = s->req;
	const struct sandsh_policy *p = &s->p;

	memset(l, 0, sizeof(*l));
	l->policy = p;
	l->user = &s->user;
	l->confined = p->sandbox;
	l->exec_path = p->shell;
	l->dev_log = r->via ==
		     SANDSH_VIA_PAM; /* the caller (sshd, su, login) keeps logging from inside */
	l->caller_umask = r->saved.umask;
	memcpy(l->caller_rlimits, r->saved.rlimits, sizeof(l->caller_rlimits));
	l->sync_fd = l->report_fd = -1;
	*run_fd = -1;

	/* 1. Runtime directory, verified rootfs, generated user database. */
	if (l->confined) {
		*run_fd = sandsh_fs_rundir(e);
		if (*run_fd < 0 || check_rootfs(p, e) < 0)
			return -1;
		if (sandsh_rootfs_user_db(&s->user, p, &l->passwd_text, &l->group_text) < 0)
			return sandsh_err_set(e, errno, "generate /etc/passwd");
	}
	/* 2. The shell's inner command line and environment (a PAM service
	 * starts its own). */
	if (r->via == SANDSH_VIA_SHELL) {
		l->argv = sandsh_args_inner_argv(r->args, p->shell);
		if (!l->argv)
			return sandsh_err_set(e, ENOMEM, "argv");
		l->envp = sandsh_env_build(r->env, p, &s->user, e);
		if (!l->envp)
			return -1;
	}
	return 0;
}

void sandsh_session_launch_free(struct sandsh_launch *l)
{
	free(l->passwd_text);
	free(l->group_text);
	free(l->argv);
	sandsh_env_free(l->envp);
	memset(l, 0, sizeof(*l));
}

int sandsh_session_run(struct sandsh_session *s, struct sandsh_err *e)
{
	const struct sandsh_request *r = s->req;
	const struct sandsh_policy *p = &s->p;
	const bool pam = r->via == SANDSH_VIA_PAM;
	struct sandsh_cgroup cg = {
		.leaf_fd = -1, .lock_fd = -1, .run_fd = -1, .mount_fd = { -1, -1, -1 }
	};
	struct sandsh_watch w = { .pidfd = -1,
				  .sfd = -1,
				  .caller_fd = pam ? r->caller_fd : -1,
				  .sock = pam ? r->sock : -1,
				  .timeout = p->timeout };
	struct sandsh_outcome o = { 0 };
	struct sandsh_launch l;
	int sync_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 };
	int run_fd = -1, status = -1;
	bool handed = false, opened = false;
	struct timespec t0;
	sigset_t set;
	pid_t pid;

	SANDSH_PROF("loaded");
	sandsh_registry_new_id(s->id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (p->sandbox && p->persist)
		return sandsh_keeper_login(s, e);
	if (sandsh_session_prepare(s, &l, &run_fd, e) < 0)
		goto out;
	l.mode = pam ? SANDSH_PID1_HOLD : SANDSH_PID1_COMMAND;
	if (!l.confined)
		sandsh_cgroup_preconnect_drop();
	SANDSH_PROF("prepared");

	/* 3. Signals: blocked before clone so PID 1 starts with them blocked
	 * too (it reads them from its own signalfd). */
	sigemptyset(&set);
	sandsh_init_forwarded_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (w.sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
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
	 * enforced here); the user's lock is held until PID 1 (and a PAM
	 * caller) are in. */
	if (l.confined && (sandsh_cgroup_prepare(&cg, run_fd, sandsh_policy_settings(s->pf), p,
						 s->user.uid, s->id, e) < 0 ||
			   sandsh_cgroup_open_self(&cg, e) < 0))
		goto out;

	SANDSH_PROF("cgroup-prepared");
	/* The shell's session is open from here (a failure below still gets
	 * its close line); a PAM session once its caller is in. */
	if (!pam) {
		sandsh_session_log_open(s, l.confined, NULL);
		opened = true;
	}

	/* 5. PID 1 of the sandbox, in its new namespaces (and, on cgroup v2,
	 * directly in its leaf). */
	pid = sandsh_ns_clone(p, l.confined, cg.leaf_fd, &w.pidfd, e);
	if (pid < 0)
		goto closed;
	if (pid == 0) {
		/* v1: into the leaf before anything else; the error is PID 1's
		 * to report once it is let go. Then the user lock goes with
		 * every other inherited descriptor. */
		l.join_errno = sandsh_cgroup_join_self(&cg);
		if (sandsh_keep_fds(sync_pipe[0], report_pipe[1], -1) < 0)
			_exit(SANDSH_EXIT_FAILURE);
		sandsh_init_main(&l);
	}
	SANDSH_PROF("cloned");
	close(sync_pipe[0]);
	close(report_pipe[1]);
	sync_pipe[0] = report_pipe[1] = -1;

	/* 6. Into the leaf before anything runs: PID 1 (v1 with systemd; on
	 * v1 without, PID 1 moved itself above) and a PAM caller, which joins
	 * before its service starts anything for the user. Until both copies
	 * of the user lock are closed (here and in PID 1), no other session
	 * of the user collects the leaf. */
	cg.caller_pidfd = pam ? r->caller_fd : -1;
	if (l.confined && sandsh_cgroup_place(&cg, pid, pam ? r->caller : 0, e) < 0)
		goto kill;
	if (l.confined) {
		struct sandsh_session_info info = {
			.uid = s->user.uid,
			.user = s->user.name,
			.pid = getpid(),
			.started = (long long)time(NULL),
			.tty = r->tty ? r->tty : "none",
			.leaf_rel = cg.leaf_rel ? cg.leaf_rel : "-",
		};
		memcpy(info.id, s->id, sizeof(info.id));
		/* Only --list reads it: a failure here does not stop the session. */
		sandsh_registry_add(run_fd, &info, &(struct sandsh_err){ 0 });
	}

	SANDSH_PROF("placed+registered");
	/* 7. Let PID 1 go; a PAM caller joins once it is built. */
	if (write(sync_pipe[1], "g", 1) != 1) {
		sandsh_err_set(e, errno, "start the session");
		goto kill;
	}
	/* While PID 1 starts the command: nothing of systemd's is needed
	 * before the end (PAM's caller goes back to its unit through it). */
	if (l.confined && !pam)
		sandsh_cgroup_rest(&cg);
	if (pam) {
		if (sandsh_wait_ready(report_pipe[0], w.pidfd, w.caller_fd, e) < 0 ||
		    sandsh_give_to_caller(w.sock, s->id, 0, w.pidfd, w.caller_fd, e) < 0)
			goto kill;
		handed = true;
		sandsh_session_log_open(s, l.confined, NULL);
		opened = true;
	}

	/* 8. Supervise until PID 1 exits. */
	status = sandsh_supervise(&w, &o, e);
	SANDSH_PROF("reaped");
	if (status >= 0 && !pam) {
		int st = sandsh_read_failure(report_pipe[0], status, e);
		if (st != status)
			status = st;
		else if (o.timed_out)
			status = o.killed ? 128 + SIGKILL : 128 + SIGTERM;
	} else if (status >= 0) {
		/* PAM: PID 1 never exits by itself. Closed by the caller is a
		 * normal end; a timeout's status wins over the close it causes. */
		if (o.timed_out)
			status = o.killed ? 128 + SIGKILL : 128 + SIGTERM;
		else if (o.caller_closed)
			status = 0;
	}
	goto closed;
kill:
	kill_pid1(w.pidfd);
	waitid((idtype_t)P_PIDFD, (id_t)w.pidfd, &(siginfo_t){ 0 }, WEXITED);
closed:
	/* 9. Teardown: every process of the session is gone with PID 1. */
	if (l.confined)
		sandsh_registry_remove(run_fd, s->id);
	if (opened)
		sandsh_log(LOG_NOTICE, "session close id=%s user=%s status=%d duration_ms=%ld",
			   s->id, s->user.name, status >= 0 ? status : SANDSH_EXIT_FAILURE,
			   sandsh_elapsed_ms(&t0));
	SANDSH_PROF("close-logged");
out:
	sandsh_cgroup_release(&cg); /* idempotent; also after a failed prepare */
	if (e->status == SANDSH_EXIT_FAILURE || e->status == SANDSH_EXIT_DENIED)
		sandsh_session_log_failure(s, e);
	if (pam && !handed)
		sandsh_tell_failure(w.sock, e);
	if (run_fd >= 0)
		close(run_fd);
	for (int i = 0; i < 2; i++) {
		if (sync_pipe[i] >= 0)
			close(sync_pipe[i]);
		if (report_pipe[i] >= 0)
			close(report_pipe[i]);
	}
	if (w.pidfd >= 0)
		close(w.pidfd);
	if (w.sfd >= 0)
		close(w.sfd);
	sandsh_session_launch_free(&l);
	SANDSH_PROF("released");
	return status;
}
