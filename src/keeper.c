/* The persistent sandbox of a user (policy persist = true): one sandbox
 * (namespaces, rootfs, PID 1, cgroup leaf or systemd scope) that every
 * login of the user joins, so tmux, screen and nohup survive logout.
 *
 * A keeper owns it: a supervisor of its own, root in all three ids and
 * detached (its own session, no terminal), started by the first login. It
 * holds PID 1 (its child, by pidfd) and listens on a socket in the
 * root-only runtime directory, /run/sandsh/sandbox-u<UID>.sock. A login's
 * supervisor (the shell's outer process, or the PAM module's) takes the
 * user's sandbox lock, connects, and receives PID 1's pidfd: the
 * namespaces sandsh made, never a path the user can influence. It keeps
 * the connection for as long as the login lasts. The keeper ends the
 * sandbox when no login is left and no process but PID 1 remains, when
 * linger seconds have passed since the last login ended, at timeout, or on
 * SIGTERM (sandsh --stop).
 *
 * What the user controls inside: its processes (PID 1 is the user's but
 * immune to signals from inside), /tmp, /dev/shm, its /proc. A login opens
 * nothing inside while privileged: the command joins the namespaces
 * through the pidfd, drops to the user, and only then looks up its home.
 * Runs as euid 0: the login's supervisor, or the keeper. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/cgroup.h"
#include "sandsh/fs.h"
#include "sandsh/hygiene.h"
#include "sandsh/log.h"
#include "sandsh/registry.h"
#include "sandsh/sandbox.h"
#include "sandsh/session.h"
#include "session-internal.h"

#define MAX_LOGINS 1024
/* With no login left, how often the keeper looks for remaining processes. */
#define EMPTY_CHECK_MS 1000

static void sock_path(char *buf, size_t len, uid_t uid)
{
	snprintf(buf, len, "%s/sandbox-u%u.sock", SANDSH_RUNDIR, (unsigned)uid);
}

static int sandbox_lock(int run_fd, uid_t uid, struct sandsh_err *e)
{
	char name[64];

	snprintf(name, sizeof(name), "sandbox-u%u.lock", (unsigned)uid);
	return sandsh_fs_lock(run_fd, name, e);
}

/* What a persistent sandbox was made with: every key that shapes it (the
 * namespaces, the tree, the limits, the lifetime) and the user's groups
 * (the generated /etc/group). A login whose policy resolves otherwise
 * must not join a sandbox that confines less, or differently. */
static void digest(const struct sandsh_session *s, char out[17])
{
	const struct sandsh_policy *p = &s->p;
	char *text = NULL;
	size_t len = 0;
	uint64_t h = 1469598103934665603ULL;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		fprintf(f, "%s|%d|%s|%ld|%lld|%d|%ld|%ld|%d|%d|%d|%d|%ld|",
			p->rootfs ? p->rootfs : "", p->readonly_root,
			p->hostname ? p->hostname : "", p->pids_max, (long long)p->memory_max,
			p->cpu_max_pct, p->max_sessions, p->timeout, (int)p->net, p->ipc,
			(int)p->passwd, p->seccomp, p->linger);
		for (size_t i = 0; i < p->n_mounts; i++)
			fprintf(f, "%d,%s,%s,%d,%llu;", (int)p->mounts[i].type,
				p->mounts[i].source ? p->mounts[i].source : "", p->mounts[i].target,
				p->mounts[i].readonly, (unsigned long long)p->mounts[i].size);
		for (size_t i = 0; i < s->user.n_gids; i++)
			fprintf(f, "%u,", (unsigned)s->user.gids[i]);
		fclose(f); /* text and len are final only now */
	}
	for (size_t i = 0; text && i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 1099511628211ULL;
	}
	free(text);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* --- the keeper ----------------------------------------------------------- */

struct keeper {
	struct sandsh_session *s;
	struct sandsh_cgroup cg;
	char id[17], digest[17];
	int run_fd, listen_fd, pid1_fd, sfd;
	int timeout_fd, kill_fd, linger_fd, check_fd;
	pid_t pid1;
	int logins[MAX_LOGINS];
	size_t n_logins;
	bool ending, soft, timed_out, killed, stopped, full;
	struct timespec t0;
};

static void arm(int fd, long ms, long interval_ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
		.it_interval = { .tv_sec = interval_ms / 1000,
				 .tv_nsec = (interval_ms % 1000) * 1000000L },
	};
	timerfd_settime(fd, 0, &its, NULL);
}

static void welcome(struct keeper *k, int conn)
{
	const struct sandsh_policy *p = &k->s->p;
	struct sandsh_msg m;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fds[2] = { k->pid1_fd, k->cg.leaf_fd };

	memset(&m, 0, sizeof(m));
	/* Only root can reach the socket (the directory is root's 0700); only
	 * a supervisor is expected. */
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		close(conn);
		return;
	}
	if (k->ending) {
		m.status = SANDSH_EXIT_FAILURE;
		m.flags = SANDSH_MSG_F_ENDING;
		snprintf(m.msg, sizeof(m.msg), "the sandbox is ending");
		sandsh_msg_send(conn, &m, NULL, 0);
		close(conn);
		return;
	}
	if (k->n_logins >= MAX_LOGINS ||
	    (p->max_sessions > 0 && (long)k->n_logins >= p->max_sessions)) {
		m.status = SANDSH_EXIT_DENIED;
		snprintf(m.msg, sizeof(m.msg),
			 "session refused: too many sessions (max_sessions %ld)", p->max_sessions);
		snprintf(m.log, sizeof(m.log), "max_sessions reached (%zu active)", k->n_logins);
		sandsh_msg_send(conn, &m, NULL, 0);
		close(conn);
		return;
	}
	m.flags = SANDSH_MSG_F_PERSIST;
	memcpy(m.id, k->id, sizeof(m.id));
	memcpy(m.digest, k->digest, sizeof(m.digest));
	snprintf(m.leaf, sizeof(m.leaf), "%s", k->cg.leaf_rel ? k->cg.leaf_rel : "");
	snprintf(m.unit, sizeof(m.unit), "%s", k->cg.unit ? k->cg.unit : "");
	if (sandsh_msg_send(conn, &m, fds, k->cg.leaf_fd >= 0 ? 2 : 1) < 0) {
		close(conn);
		return;
	}
	k->logins[k->n_logins++] = conn;
	arm(k->linger_fd, 0, 0);
	arm(k->check_fd, 0, 0);
}

static void accept_all(struct keeper *k)
{
	int conn;

	while ((conn = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		welcome(k, conn);
	/* Out of descriptors: stop listening until a login leaves, rather
	 * than spin on a socket that stays readable. */
	k->full = errno == EMFILE || errno == ENFILE;
}

static void logins_changed(struct keeper *k)
{
	const struct sandsh_policy *p = &k->s->p;

	if (k->n_logins || k->ending)
		return;
	if (p->linger >= 0)
		arm(k->linger_fd, p->linger * 1000 + (p->linger == 0), 0);
	arm(k->check_fd, 1, EMPTY_CHECK_MS);
}

/* No new login from here on. Under the sandbox lock, so a login either
 * joined before (and counts) or finds no socket and makes a new sandbox.
 * Returns false when a login came in after all (and the end is off). */
static bool close_door(struct keeper *k, bool unless_joined)
{
	char path[108], name[64];
	int lock;

	/* Never wait for the lock here: a login that holds it may be waiting
	 * for this keeper (the creator, until it connects). A busy lock is a
	 * login under way: the end is off for now, the next tick tries again.
	 * A forced end (timeout, stop) goes on without it. */
	snprintf(name, sizeof(name), "sandbox-u%u.lock", (unsigned)k->s->user.uid);
	lock = sandsh_fs_trylock(k->run_fd, name);
	if (lock < 0 && unless_joined)
		return false;
	accept_all(k);
	if (unless_joined && k->n_logins) {
		if (lock >= 0)
			close(lock);
		return false;
	}
	k->ending = true;
	sock_path(path, sizeof(path), k->s->user.uid);
	unlink(path);
	close(k->listen_fd);
	k->listen_fd = -1;
	if (lock >= 0)
		close(lock);
	return true;
}

/* SIGTERM to every process of the sandbox (PID 1 passes it on), PID 1
 * killed once they are gone or the grace period is over. */
static void end_softly(struct keeper *k)
{
	if (k->listen_fd >= 0)
		close_door(k, false);
	if (k->soft)
		return; /* already under way: the grace period is not extended */
	k->soft = true;
	syscall(SYS_pidfd_send_signal, k->pid1_fd, SIGTERM, NULL, 0);
	arm(k->kill_fd, SANDSH_KILL_GRACE_S * 1000L, 0);
	arm(k->check_fd, 100, 100);
}

static void kill_pid1(struct keeper *k)
{
	syscall(SYS_pidfd_send_signal, k->pid1_fd, SIGKILL, NULL, 0);
}

static void drop_login(struct keeper *k, size_t i)
{
	k->full = false;
	close(k->logins[i]);
	k->logins[i] = k->logins[--k->n_logins];
	logins_changed(k);
}

static void keeper_loop(struct keeper *k)
{
	for (;;) {
		struct pollfd fds[7 + MAX_LOGINS];
		size_t nf = 7;
		uint64_t ticks;

		fds[0] = (struct pollfd){ .fd = k->pid1_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = k->full ? -1 : k->listen_fd, .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = k->sfd, .events = POLLIN };
		fds[3] = (struct pollfd){ .fd = k->timeout_fd, .events = POLLIN };
		fds[4] = (struct pollfd){ .fd = k->kill_fd, .events = POLLIN };
		fds[5] = (struct pollfd){ .fd = k->linger_fd, .events = POLLIN };
		fds[6] = (struct pollfd){ .fd = k->check_fd, .events = POLLIN };
		for (size_t i = 0; i < k->n_logins; i++)
			fds[nf++] = (struct pollfd){ .fd = k->logins[i], .events = POLLIN };
		if (poll(fds, nf, -1) < 0) {
			if (errno == EINTR)
				continue;
			k->killed = true;
			kill_pid1(k);
			return;
		}
		if (fds[0].revents)
			return;
		if (fds[1].revents)
			accept_all(k);
		/* A login ends when its supervisor closes the connection. */
		for (size_t i = nf; i-- > 7;) {
			char c;
			if (fds[i].revents && recv(fds[i].fd, &c, 1, MSG_DONTWAIT) <= 0) {
				for (size_t j = 0; j < k->n_logins; j++)
					if (k->logins[j] == fds[i].fd) {
						drop_login(k, j);
						break;
					}
			}
		}
		if (fds[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(k->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP ||
			     si.ssi_signo == SIGINT)) {
				k->stopped = true;
				end_softly(k);
			}
		}
		if ((fds[3].revents & POLLIN) && read(k->timeout_fd, &ticks, sizeof(ticks)) > 0) {
			k->timed_out = true;
			end_softly(k);
		}
		if ((fds[4].revents & POLLIN) && read(k->kill_fd, &ticks, sizeof(ticks)) > 0) {
			k->killed = true;
			kill_pid1(k);
		}
		if ((fds[5].revents & POLLIN) && read(k->linger_fd, &ticks, sizeof(ticks)) > 0 &&
		    !k->n_logins && close_door(k, true))
			end_softly(k);
		/* Only PID 1 left (the keeper itself may be in the leaf: systemd's
		 * scope), and no login: nothing to wait for. While ending, the
		 * same means the grace period can stop short. */
		if ((fds[6].revents & POLLIN) && read(k->check_fd, &ticks, sizeof(ticks)) > 0 &&
		    (k->ending || !k->n_logins) &&
		    sandsh_cgroup_others(&k->cg, k->pid1, getpid()) == 0 &&
		    (k->ending || close_door(k, true))) {
			arm(k->check_fd, 0, 0);
			kill_pid1(k);
		}
	}
}

static int make_socket(struct keeper *k, struct sandsh_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	sock_path(sa.sun_path, sizeof(sa.sun_path), k->s->user.uid);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sandsh_err_set(e, errno, "socket");
	/* A stale socket of a keeper that died: the creator holds the lock. */
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		sandsh_err_set(e, errno, "listen on %s", sa.sun_path);
		close(fd);
		return -1;
	}
	return fd;
}

/* The keeper's life: builds the sandbox, tells the creating login (on
 * ready_sock) that it may connect, serves logins, ends, cleans up. */
__attribute__((noreturn)) static void keeper_main(struct sandsh_session *s, struct sandsh_launch *l,
						  int run_fd, int ready_sock)
{
	struct keeper k = { .s = s, .run_fd = run_fd, .listen_fd = -1, .pid1_fd = -1, .sfd = -1 };
	struct sandsh_err e = { 0 };
	const struct sandsh_policy *p = &s->p;
	int sync_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 }, status = -1;
	bool opened = false, told = false;
	sigset_t set;
	pid_t pid;

	k.cg = (struct sandsh_cgroup){
		.leaf_fd = -1, .lock_fd = -1, .run_fd = -1, .mount_fd = { -1, -1, -1 }
	};
	sandsh_registry_new_id(k.id);
	digest(s, k.digest);
	clock_gettime(CLOCK_MONOTONIC, &k.t0);
	l->mode = SANDSH_PID1_HOLD;
	/* PAM logins (sshd, su, login) may join and keep logging from inside. */
	l->dev_log = true;
	sigemptyset(&set);
	sandsh_init_forwarded_signals(&set);
	k.timeout_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	k.kill_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	k.linger_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	k.check_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (k.timeout_fd < 0 || k.kill_fd < 0 || k.linger_fd < 0 || k.check_fd < 0 ||
	    sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (k.sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 || pipe2(sync_pipe, O_CLOEXEC) < 0 ||
	    pipe2(report_pipe, O_CLOEXEC) < 0) {
		sandsh_err_set(&e, errno, "keeper set-up");
		goto out;
	}
	l->sync_fd = sync_pipe[0];
	l->report_fd = report_pipe[1];
	if (sandsh_cgroup_prepare(&k.cg, run_fd, sandsh_policy_settings(s->pf), p, s->user.uid,
				  k.id, &e) < 0 ||
	    sandsh_cgroup_open_self(&k.cg, &e) < 0)
		goto out;
	k.cg.delegate = true; /* systemd: logins join its scope later */
	sandsh_log(LOG_NOTICE, "sandbox open id=%s user=%s uid=%u rootfs=%s pids_max=%ld", k.id,
		   s->user.name, (unsigned)s->user.uid, p->rootfs, p->pids_max);
	opened = true;
	pid = sandsh_ns_clone(p, true, k.cg.leaf_fd, &k.pid1_fd, &e);
	if (pid < 0)
		goto out;
	k.pid1 = pid;
	if (pid == 0) {
		l->join_errno = sandsh_cgroup_join_self(&k.cg); /* as a session's PID 1 */
		if (sandsh_keep_fds(sync_pipe[0], report_pipe[1], -1) < 0)
			_exit(SANDSH_EXIT_FAILURE);
		sandsh_init_main(l);
	}
	close(sync_pipe[0]);
	close(report_pipe[1]);
	sync_pipe[0] = report_pipe[1] = -1;
	/* On systemd the keeper lives in the sandbox's scope too: the unit is
	 * the whole sandbox, and stopping it ends the keeper with it. */
	if (sandsh_cgroup_place(&k.cg, pid, k.cg.systemd ? getpid() : 0, &e) < 0)
		goto kill;
	k.cg.caller = 0; /* the keeper never goes back anywhere */
	if (write(sync_pipe[1], "g", 1) != 1) {
		sandsh_err_set(&e, errno, "start the sandbox");
		goto kill;
	}
	if (sandsh_wait_ready(report_pipe[0], k.pid1_fd, -1, &e) < 0)
		goto kill;
	k.listen_fd = make_socket(&k, &e);
	if (k.listen_fd < 0)
		goto kill;
	{
		struct sandsh_session_info info = {
			.uid = s->user.uid,
			.user = s->user.name,
			.pid = getpid(),
			.started = (long long)time(NULL),
			.tty = "-",
			.leaf_rel = k.cg.leaf_rel ? k.cg.leaf_rel : "-",
			.sandbox = "*",
		};
		memcpy(info.id, k.id, sizeof(info.id));
		sandsh_registry_add(run_fd, &info, &(struct sandsh_err){ 0 });
	}
	if (p->timeout > 0)
		arm(k.timeout_fd, p->timeout * 1000, 0);
	{
		struct sandsh_msg m = { 0 };
		told = sandsh_msg_send(ready_sock, &m, NULL, 0) == 0;
	}
	close(ready_sock);
	ready_sock = -1;
	logins_changed(&k); /* until the creator connects, linger and emptiness apply */
	keeper_loop(&k);
	{
		siginfo_t info;
		memset(&info, 0, sizeof(info));
		if (waitid((idtype_t)P_PIDFD, (id_t)k.pid1_fd, &info, WEXITED) == 0)
			status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
		/* PID 1 is only ever killed: what counts is why. */
		if (k.timed_out || k.stopped)
			status = k.killed ? 128 + SIGKILL : 128 + SIGTERM;
		else if (k.ending)
			status = k.killed ? 128 + SIGKILL
					  : 0; /* no login left: nothing running, or linger */
	}
	goto closed;
kill:
	syscall(SYS_pidfd_send_signal, k.pid1_fd, SIGKILL, NULL, 0);
	waitid((idtype_t)P_PIDFD, (id_t)k.pid1_fd, &(siginfo_t){ 0 }, WEXITED);
closed:
	if (k.listen_fd >= 0)
		close_door(&k, false);
	for (size_t i = 0; i < k.n_logins; i++)
		close(k.logins[i]);
	sandsh_registry_remove(run_fd, k.id);
out:
	if (opened)
		sandsh_log(LOG_NOTICE, "sandbox close id=%s user=%s status=%d duration_ms=%ld",
			   k.id, s->user.name, status >= 0 ? status : SANDSH_EXIT_FAILURE,
			   sandsh_elapsed_ms(&k.t0));
	sandsh_cgroup_release(&k.cg);
	if (e.status)
		sandsh_session_log_failure(s, &e);
	if (!told && ready_sock >= 0)
		sandsh_tell_failure(ready_sock, &e);
	_exit(0);
}

/* Starts the keeper (detached: a grandchild in a session of its own) and
 * waits until its sandbox is ready. The caller holds the sandbox lock. */
static int start_keeper(struct sandsh_session *s, struct sandsh_launch *l, int run_fd,
			struct sandsh_err *e)
{
	int sv[2], st, n;
	struct sandsh_msg m;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sandsh_err_set(e, errno, "socketpair");
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return sandsh_err_set(e, errno, "fork the sandbox keeper");
	}
	if (pid == 0) {
		struct sandsh_err he = { 0 };

		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
		sandsh_log_forget();
		if (sandsh_detach_fds(sv[1], run_fd) < 0)
			_exit(1);
		/* Nothing of the login that made it: not its terminal, its
		 * signals, its limits (its lock fds are closed above). */
		if (sandsh_hygiene(NULL, &he) < 0 || sandsh_hygiene_detached(&he) < 0 ||
		    chdir("/") < 0)
			_exit(1);
		sandsh_log_open(sandsh_policy_settings(s->pf)->log_facility);
		keeper_main(s, l, 4, 3);
	}
	close(sv[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	n = sandsh_wait_readable(sv[0], -1, -1, 60) == 1 ? sandsh_msg_recv(sv[0], &m, NULL, 0) : -1;
	close(sv[0]);
	if (n < 0)
		return sandsh_err_set(e, 0, "the sandbox keeper did not start");
	if (m.status) {
		sandsh_err_set(e, 0, "%s", m.msg);
		e->status = m.status;
		return -1;
	}
	return 0;
}

/* --- a login ---------------------------------------------------------------- */

struct conn {
	int sock, pid1_fd, leaf_fd;
	struct sandsh_msg m;
};

static int connect_keeper(uid_t uid, struct conn *c, struct sandsh_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fds[2] = { -1, -1 }, n;

	sock_path(sa.sun_path, sizeof(sa.sun_path), uid);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return sandsh_err_set(e, errno, "socket");
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(c->sock);
		c->sock = -1;
		errno = err;
		return -1;
	}
	/* The socket lives in root's 0700 directory; its owner must be root. */
	if (getsockopt(c->sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0 ||
	    sandsh_wait_readable(c->sock, -1, -1, 30) != 1 ||
	    (n = sandsh_msg_recv(c->sock, &c->m, fds, 2)) < 0) {
		close(c->sock);
		c->sock = -1;
		return sandsh_err_set(e, 0, "the sandbox keeper did not answer");
	}
	if (c->m.status) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		close(c->sock);
		c->sock = -1;
		sandsh_err_set(e, 0, "%s", c->m.msg);
		e->status = c->m.status;
		c->m.log[sizeof(c->m.log) - 1] = '\0';
		snprintf(e->log, sizeof(e->log), "%s", c->m.log);
		return c->m.flags & SANDSH_MSG_F_ENDING ? -3 : -2;
	}
	if (n < 1) {
		close(c->sock);
		c->sock = -1;
		return sandsh_err_set(e, 0, "the sandbox keeper sent no sandbox");
	}
	c->pid1_fd = fds[0];
	c->leaf_fd = n > 1 ? fds[1] : -1;
	return 0;
}

/* The user's sandbox: joined if it exists, made otherwise. Under the
 * user's sandbox lock, held only by supervisors and keepers (root). */
static int find_or_make(struct sandsh_session *s, struct sandsh_launch *l, int run_fd,
			struct conn *c, struct sandsh_err *e)
{
	int lock = sandbox_lock(run_fd, s->user.uid, e), rc = -1;
	char mine[17];

	if (lock < 0)
		return sandsh_err_wrap(e, "sandbox");
	/* A keeper that is ending closes its door at once: then there is no
	 * socket, and a new sandbox is made. */
	for (int tries = 0; tries < 50; tries++) {
		memset(e, 0, sizeof(*e));
		rc = connect_keeper(s->user.uid, c, e);
		if (rc == -1 && (errno == ENOENT || errno == ECONNREFUSED)) {
			rc = start_keeper(s, l, run_fd, e);
			if (rc == 0)
				rc = connect_keeper(s->user.uid, c, e);
		}
		if (rc != -3)
			break;
		usleep(20000);
	}
	close(lock);
	if (rc < 0)
		return -1;
	digest(s, mine);
	if (strcmp(mine, c->m.digest)) {
		close(c->sock);
		close(c->pid1_fd);
		if (c->leaf_fd >= 0)
			close(c->leaf_fd);
		c->sock = c->pid1_fd = c->leaf_fd = -1;
		sandsh_err_set(
			e, 0,
			"sandbox: %s's policy changed since the sandbox started; session refused "
			"until it ends (sandsh --stop %s)",
			s->user.name, s->user.name);
		return -1;
	}
	return 0;
}

/* The shell: the command is born in the sandbox's PID namespace (a child
 * of this supervisor, as the shell's command always is), joins the rest
 * through PID 1's pidfd, drops to the user and execs. Returns its pidfd. */
static int spawn_command(struct sandsh_session *s, struct sandsh_launch *l, struct conn *c,
			 struct sandsh_cgroup *cg, int sync_pipe[2], int report_pipe[2],
			 struct sandsh_err *e)
{
	int pidfd = -1;
	pid_t pid;

	if (setns(c->pid1_fd, CLONE_NEWPID) < 0)
		return sandsh_err_set(e, errno, "join the sandbox's PID namespace");
	pid = sandsh_ns_clone(&s->p, false, c->leaf_fd, &pidfd, e);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (sandsh_keep_fds(sync_pipe[0], report_pipe[1], c->pid1_fd) < 0)
			_exit(SANDSH_EXIT_FAILURE);
		sandsh_init_join_main(l, c->pid1_fd);
	}
	close(sync_pipe[0]);
	close(report_pipe[1]);
	sync_pipe[0] = report_pipe[1] = -1;
	/* v2 used CLONE_INTO_CGROUP; v1 and systemd place it now, before it
	 * runs anything of the user's. */
	/* A process moved into the leaf is charged even past pids.max: over
	 * it, the login is refused as a fork would have been. */
	if (c->leaf_fd < 0 &&
	    (sandsh_cgroup_attach(cg, c->m.leaf, c->m.unit, pid, false, e) < 0 ||
	     (sandsh_cgroup_over_limit(cg) &&
	      sandsh_err_set(e, EAGAIN, "join the sandbox: the pids limit is reached") < 0))) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitid((idtype_t)P_PIDFD, (id_t)pidfd, &(siginfo_t){ 0 }, WEXITED);
		close(pidfd);
		return -1;
	}
	return pidfd;
}

int sandsh_keeper_login(struct sandsh_session *s, struct sandsh_err *e)
{
	const struct sandsh_request *r = s->req;
	const bool pam = r->via == SANDSH_VIA_PAM;
	struct sandsh_cgroup cg = {
		.leaf_fd = -1, .lock_fd = -1, .run_fd = -1, .mount_fd = { -1, -1, -1 }
	};
	struct sandsh_watch w = { .pidfd = -1,
				  .sfd = -1,
				  .caller_fd = pam ? r->caller_fd : -1,
				  .sock = pam ? r->sock : -1 };
	struct sandsh_outcome o = { 0 };
	struct conn c = { .sock = -1, .pid1_fd = -1, .leaf_fd = -1 };
	struct sandsh_launch l;
	int sync_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 };
	int run_fd = -1, status = -1;
	bool opened = false, handed = false;
	struct timespec t0;
	sigset_t set;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sandsh_session_prepare(s, &l, &run_fd, e) < 0)
		goto out;
	l.mode = SANDSH_PID1_HOLD;
	sigemptyset(&set);
	sandsh_init_forwarded_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (w.sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 || pipe2(sync_pipe, O_CLOEXEC) < 0 ||
	    pipe2(report_pipe, O_CLOEXEC) < 0) {
		sandsh_err_set(e, errno, "signals");
		goto out;
	}
	l.sync_fd = sync_pipe[0];
	l.report_fd = report_pipe[1];
	if (find_or_make(s, &l, run_fd, &c, e) < 0)
		goto out;
	sandsh_session_log_open(s, true, c.m.id);
	opened = true;
	if (pam) {
		/* The caller joins the sandbox's cgroup, then its namespaces. */
		int rc = sandsh_cgroup_attach(&cg, c.m.leaf, c.m.unit, r->caller, true, e);
		if (rc == 0 && sandsh_cgroup_over_limit(&cg))
			rc = sandsh_err_set(e, EAGAIN,
					    "join the sandbox: the pids limit is reached");
		cg.caller_pidfd = r->caller_fd;
		if (rc < 0)
			goto closed;
	} else {
		w.pidfd = spawn_command(s, &l, &c, &cg, sync_pipe, report_pipe, e);
		if (w.pidfd < 0)
			goto closed;
	}
	{
		struct sandsh_session_info info = {
			.uid = s->user.uid,
			.user = s->user.name,
			.pid = getpid(),
			.started = (long long)time(NULL),
			.tty = r->tty ? r->tty : "none",
			.leaf_rel = c.m.leaf[0] ? c.m.leaf : "-",
			.sandbox = c.m.id,
		};
		memcpy(info.id, s->id, sizeof(info.id));
		sandsh_registry_add(run_fd, &info, &(struct sandsh_err){ 0 });
	}
	if (pam) {
		handed = true; /* told, success or not */
		if (sandsh_give_to_caller(w.sock, s->id, SANDSH_MSG_F_PERSIST, c.pid1_fd,
					  w.caller_fd, e) < 0)
			goto closed;
	} else if (write(sync_pipe[1], "g", 1) != 1) {
		sandsh_err_set(e, errno, "start the session");
		syscall(SYS_pidfd_send_signal, w.pidfd, SIGKILL, NULL, 0);
		waitid((idtype_t)P_PIDFD, (id_t)w.pidfd, &(siginfo_t){ 0 }, WEXITED);
		goto closed;
	}
	status = sandsh_supervise(&w, &o, e);
	if (status >= 0 && !pam) {
		status = sandsh_read_failure(report_pipe[0], status, e);
	} else if (status >= 0) {
		status = 0; /* the caller closed its login, or is gone */
	}
closed:
	sandsh_registry_remove(run_fd, s->id);
	if (opened)
		sandsh_log(LOG_NOTICE, "session close id=%s user=%s status=%d duration_ms=%ld",
			   s->id, s->user.name, status >= 0 ? status : SANDSH_EXIT_FAILURE,
			   sandsh_elapsed_ms(&t0));
out:
	sandsh_cgroup_release(&cg); /* a PAM caller goes back; the leaf is the keeper's */
	if (e->status == SANDSH_EXIT_FAILURE || e->status == SANDSH_EXIT_DENIED)
		sandsh_session_log_failure(s, e);
	if (pam && !handed)
		sandsh_tell_failure(w.sock, e);
	/* The login is over for the keeper when this connection closes. */
	if (c.sock >= 0)
		close(c.sock);
	if (c.pid1_fd >= 0)
		close(c.pid1_fd);
	if (c.leaf_fd >= 0)
		close(c.leaf_fd);
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
	if (run_fd >= 0)
		close(run_fd);
	sandsh_session_launch_free(&l);
	return status;
}
