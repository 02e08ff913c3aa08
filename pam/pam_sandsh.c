/* pam_sandsh: the sandsh sandbox from a PAM session stack (SPEC §5). It runs
 * inside the calling program (sshd's privileged monitor, su, login) as root
 * and places that process: the user's cgroup leaf, new mount/UTS/IPC (net)
 * namespaces, a new PID namespace whose PID 1 is a holder forked here, the
 * rootfs as its root, the seccomp baseline; the caller's later children are
 * the user's session. close_session kills the holder (and with it the whole
 * namespace), moves the caller back and removes the cgroup. Never exit()s;
 * every doubt is PAM_SESSION_ERR; the caller's namespaces are restored when
 * placement fails or the session closes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_SESSION
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "sandsh/cgroup.h"
#include "sandsh/fs.h"
#include "sandsh/ident.h"
#include "sandsh/log.h"
#include "sandsh/policy.h"
#include "sandsh/registry.h"
#include "sandsh/sandbox.h"

#define POLICY_PATH SANDSH_SYSCONFDIR "/sandsh/sandsh.conf"
#define DATA_KEY "pam_sandsh"

static const char *const ns_names[] = { "mnt", "uts", "ipc", "net", "pid" };
#define N_NS (sizeof(ns_names) / sizeof(ns_names[0]))

/* What open_session leaves for close_session, in the process that opened. */
struct state {
	pid_t owner;
	pid_t holder;
	int holder_pidfd;
	int alive_fd; /* write end: the holder sees EOF when we are gone */
	int run_fd;
	int saved_ns[N_NS]; /* the caller's namespaces before, to restore */
	int proc_fd;        /* the host's /proc, still reachable after pivot_root */
	bool filtered;      /* seccomp is on the caller: setns is gone for good */
	struct sandsh_cgroup cg;
	char id[17];
	char *user;
	uid_t uid;
	struct timespec t0;
	bool closed;
};

struct opts {
	bool debug;
};

static void parse_opts(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "debug"))
			o->debug = true;
		else
			pam_syslog(pamh, LOG_ERR, "unknown option: %s", argv[i]);
	}
}

/* The user, the policy file and the resolved policy. Returns PAM_SUCCESS,
 * PAM_IGNORE for root (never placed, so a broken policy cannot lock root
 * out of the console), or an error with the reason logged. */
static int load(pam_handle_t *pamh, struct sandsh_user *u, struct sandsh_policy_file **pf,
		struct sandsh_policy *p, bool *have_policy)
{
	struct sandsh_diags d = { 0 };
	struct sandsh_err e = { 0 };
	const void *item = NULL;
	char host[256];

	*have_policy = false;
	memset(u, 0, sizeof(*u));
	*pf = NULL;
	/* PAM_USER is only a name to look up; the identity is NSS's. */
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || !*(const char *)item) {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	if (sandsh_ident_from_name(item, u, &e) < 0) {
		pam_syslog(pamh, LOG_ERR, "%s", e.msg);
		return PAM_USER_UNKNOWN;
	}
	if (u->uid == 0)
		return PAM_IGNORE;
	if (sandsh_ident_short_hostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	sandsh_log_open(LOG_AUTHPRIV);
	if (sandsh_policy_load(POLICY_PATH, pf, &d) < 0 || sandsh_policy_resolve(*pf, u, host, p, &d) < 0) {
		sandsh_log_policy_error(u->name, (unsigned)u->uid, &d);
		pam_syslog(pamh, LOG_ERR, "policy invalid, session refused (see the sandsh log)");
		sandsh_diags_free(&d);
		return PAM_SYSTEM_ERR;
	}
	sandsh_diags_free(&d);
	sandsh_log_open(sandsh_policy_settings(*pf)->log_facility);
	*have_policy = true;
	return PAM_SUCCESS;
}

static void unload(struct sandsh_user *u, struct sandsh_policy_file *pf, struct sandsh_policy *p,
		   bool have_policy)
{
	if (have_policy)
		sandsh_policy_free(p);
	sandsh_policy_file_free(pf);
	sandsh_ident_free(u);
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sandsh_policy_file *pf;
	struct sandsh_policy p;
	struct sandsh_user u;
	struct opts o;
	bool have;
	int rc;

	parse_opts(pamh, argc, argv, &o);
	rc = load(pamh, &u, &pf, &p, &have);
	if (rc == PAM_SUCCESS && !p.allow) {
		sandsh_log(LOG_WARNING, "denied user=%s uid=%u reason=allow is false", u.name, (unsigned)u.uid);
		rc = PAM_PERM_DENIED;
	}
	if (rc == PAM_IGNORE)
		rc = PAM_SUCCESS;
	unload(&u, pf, &p, have);
	return rc;
}

/* The holder: PID 1 of the new PID namespace. It mounts that namespace's
 * /proc, reports, gives up every privilege, and reaps orphans until it is
 * killed; its death ends every process of the namespace. Never returns. */
__attribute__((noreturn)) static void holder_main(int tree, int ready_fd, int alive_fd,
						 const struct sandsh_user *u, const struct sandsh_policy *p)
{
	struct sandsh_err e = { 0 };
	struct sandsh_report r;
	bool terminated = false;
	sigset_t set;
	int sfd, tfd = -1;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "sandsh-holder", 0, 0, 0);
	memset(&r, 0, sizeof(r));
	if (sandsh_rootfs_mount_proc(tree, &e) < 0) {
		r.status = SANDSH_EXIT_FAILURE;
		snprintf(r.msg, sizeof(r.msg), "%s", e.msg);
	}
	(void)!write(ready_fd, &r, sizeof(r));
	if (r.status)
		_exit(1);
	/* Nothing of the caller's (client sockets, host files) stays open. */
	if (dup2(alive_fd, 3) < 0 || close_range(4, ~0U, 0) < 0)
		_exit(1);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (sandsh_priv_drop(u, p, true, &e) < 0)
		_exit(1);
	/* Credentials changed: the parent-death signal must be set again, and
	 * the parent checked once more. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	{
		struct pollfd pf = { .fd = 3, .events = POLLIN };
		if (poll(&pf, 1, 0) != 0)
			_exit(1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(1);
	/* The policy's timeout, as in the shell: SIGTERM to every process of
	 * the session, and 5 s later PID 1 exits, which SIGKILLs the rest. */
	if (p->timeout > 0) {
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		struct itimerspec its = { .it_value = { .tv_sec = p->timeout } };
		if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
			_exit(1);
	}
	for (;;) {
		struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN }, { .fd = tfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		uint64_t ticks;

		if (poll(fds, 2, -1) < 0)
			continue;
		if ((fds[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) > 0)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		if ((fds[1].revents & POLLIN) && read(tfd, &ticks, sizeof(ticks)) > 0) {
			if (terminated)
				_exit(0);
			terminated = true;
			kill(-1, SIGTERM);
			struct itimerspec grace = { .it_value = { .tv_sec = 5 } };
			timerfd_settime(tfd, 0, &grace, NULL);
		}
	}
}

static void restore_ns(struct state *s)
{
	for (size_t i = 0; i < N_NS; i++) {
		if (s->saved_ns[i] >= 0) {
			/* For "pid" this resets the namespace of future children. */
			setns(s->saved_ns[i], 0);
			close(s->saved_ns[i]);
			s->saved_ns[i] = -1;
		}
	}
}

/* Zombie children of this process that lived in the session's PID
 * namespace ("NSpid:" lists more than one id) and are not the holder. */
static void reap_session_zombies(const struct state *s)
{
	char path[96], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int pid, fd;

	snprintf(path, sizeof(path), "%d/task/%d/children", (int)getpid(), (int)getpid());
	fd = openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC);
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

		if (pid == s->holder)
			continue;
		snprintf(path, sizeof(path), "%d/status", pid);
		fd = openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || !(st = fdopen(fd, "re"))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while (getline(&line, &cap, st) > 0) {
			if (!strncmp(line, "State:", 6))
				zombie = strchr(line, 'Z') != NULL;
			else if (!strncmp(line, "NSpid:", 6))
				nested = strchr(line + 6 + strspn(line + 6, " \t"), '\t') != NULL ||
					 strchr(line + 6 + strspn(line + 6, " \t"), ' ') != NULL;
		}
		fclose(st);
		if (zombie && nested)
			waitpid(pid, NULL, WNOHANG);
	}
	free(line);
	fclose(f);
}

static void end_session(struct state *s, int status)
{
	if (s->closed || s->owner != getpid())
		return;
	s->closed = true;
	/* A failed placement never loaded the filter and goes back where it
	 * was; a completed session keeps its namespaces (setns is filtered) and
	 * its caller exits right after closing. */
	if (!s->filtered)
		restore_ns(s);
	if (s->holder_pidfd >= 0) {
		siginfo_t info;
		/* PID 1's death kills the namespace, but its exit completes only
		 * once every process of it is reaped, and the caller's own children
		 * in it (sshd's session child) are ours to reap: do so, and wait a
		 * bounded time, never forever. */
		syscall(SYS_pidfd_send_signal, s->holder_pidfd, SIGKILL, NULL, 0);
		for (int i = 0; i < 400; i++) {
			struct pollfd pfd = { .fd = s->holder_pidfd, .events = POLLIN };
			reap_session_zombies(s);
			if (poll(&pfd, 1, 5) > 0)
				break;
		}
		memset(&info, 0, sizeof(info));
		waitid((idtype_t)P_PIDFD, (id_t)s->holder_pidfd, &info, WEXITED | WNOHANG);
		close(s->holder_pidfd);
		s->holder_pidfd = -1;
	}
	if (s->alive_fd >= 0)
		close(s->alive_fd);
	s->alive_fd = -1;
	sandsh_cgroup_leave(&s->cg, getpid());
	sandsh_cgroup_release(&s->cg);
	if (s->run_fd >= 0) {
		sandsh_registry_remove(s->run_fd, s->id);
		close(s->run_fd);
		s->run_fd = -1;
	}
	if (status >= 0) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sandsh_log(LOG_NOTICE, "session close id=%s user=%s status=%d duration_ms=%ld", s->id, s->user, status,
			   (t1.tv_sec - s->t0.tv_sec) * 1000L + (t1.tv_nsec - s->t0.tv_nsec) / 1000000L);
	}
}

static void state_free(struct state *s)
{
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	for (size_t i = 0; i < N_NS; i++)
		if (s->saved_ns[i] >= 0)
			close(s->saved_ns[i]);
	if (s->holder_pidfd >= 0)
		close(s->holder_pidfd);
	if (s->alive_fd >= 0)
		close(s->alive_fd);
	if (s->run_fd >= 0)
		close(s->run_fd);
	sandsh_cgroup_free(&s->cg);
	free(s->user);
	free(s);
}

/* pam_end() in any process holding the handle: only the process that
 * opened may end the session (a forked child must not kill it). */
static void cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct state *s = data;

	if (!(error_status & PAM_DATA_REPLACE))
		end_session(s, 0);
	state_free(s);
}

static struct state *state_new(void)
{
	struct state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->holder_pidfd = s->alive_fd = s->run_fd = s->proc_fd = -1;
	s->cg.leaf_fd = s->cg.lock_fd = s->cg.run_fd = -1;
	for (int c = 0; c < SANDSH_CG__COUNT; c++)
		s->cg.mount_fd[c] = -1;
	for (size_t i = 0; i < N_NS; i++)
		s->saved_ns[i] = -1;
	return s;
}

/* Places the calling process (see the top of this file). On failure the
 * caller is back where it was and e says why. */
static int place(struct state *s, const struct sandsh_user *u, const struct sandsh_settings *set,
		 const struct sandsh_policy *p, struct sandsh_err *e)
{
	struct sandsh_launch l;
	int tree = -1, ready[2] = { -1, -1 }, alive[2] = { -1, -1 }, flags;
	struct sandsh_report r;
	pid_t pid;

	memset(&l, 0, sizeof(l));
	l.policy = p;
	l.user = u;
	l.confined = true;
	l.dev_log = true;
	l.tty_gid = sandsh_ident_tty_gid();
	if (sandsh_rootfs_user_db(u, p, &l.passwd_text, &l.group_text) < 0)
		return sandsh_err_set(e, errno, "generate /etc/passwd");

	s->run_fd = sandsh_fs_rundir(e);
	if (s->run_fd < 0)
		goto fail;
	if (sandsh_cgroup_prepare(&s->cg, s->run_fd, set, p, u->uid, s->id, e) < 0)
		goto fail;
	/* The caller joins the leaf: everything it forks from now on is the
	 * user's session and counts against the user's limits. */
	if (sandsh_cgroup_enter(&s->cg, getpid(), e) < 0)
		goto fail;

	s->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0) {
		sandsh_err_set(e, errno, "open /proc");
		goto fail;
	}
	for (size_t i = 0; i < N_NS; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/ns/%s%s", ns_names[i], strcmp(ns_names[i], "pid") ? "" : "_for_children");
		s->saved_ns[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (s->saved_ns[i] < 0) {
			sandsh_err_set(e, errno, "open %s", path);
			goto fail;
		}
	}
	flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | (p->ipc ? CLONE_NEWIPC : 0) |
		(p->net == SANDSH_NET_NONE ? CLONE_NEWNET : 0);
	if (unshare(flags) < 0) {
		sandsh_err_set(e, errno, "unshare (new namespaces)");
		goto fail;
	}
	if (sandsh_ns_configure(p, e) < 0)
		goto fail;
	tree = sandsh_rootfs_build(&l, e);
	if (tree < 0)
		goto fail;

	/* PID 1 of the new PID namespace: the first child after unshare. */
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(alive, O_CLOEXEC) < 0) {
		sandsh_err_set(e, errno, "pipe");
		goto fail;
	}
	/* A plain child with a pidfd: the unshare above already made the new
	 * PID namespace the one its children are born in. */
	pid = sandsh_ns_clone(p, false, -1, &s->holder_pidfd, e);
	if (pid < 0) {
		sandsh_err_wrap(e, "start the namespace holder");
		goto fail;
	}
	if (pid == 0) {
		close(ready[0]);
		close(alive[1]);
		holder_main(tree, ready[1], alive[0], u, p);
	}
	s->holder = (pid_t)pid;
	close(ready[1]);
	close(alive[0]);
	ready[1] = alive[0] = -1;
	s->alive_fd = alive[1];
	alive[1] = -1;
	memset(&r, 0, sizeof(r));
	if (read(ready[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		sandsh_err_set(e, 0, "namespace holder died");
		goto fail;
	}
	if (r.status) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		sandsh_err_set(e, 0, "%s", r.msg);
		goto fail;
	}
	if (sandsh_rootfs_pivot(tree, e) < 0)
		goto fail;
	/* Inherited by every process of the session, as in the shell: no
	 * setuid gains, and the filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sandsh_err_set(e, errno, "no_new_privs");
		goto fail;
	}
	if (p->seccomp) {
		if (sandsh_seccomp_load(e) < 0)
			goto fail;
		s->filtered = true;
	}
	close(tree);
	close(ready[0]);
	free(l.passwd_text);
	free(l.group_text);
	return 0;
fail:
	if (tree >= 0)
		close(tree);
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (alive[i] >= 0)
			close(alive[i]);
	}
	free(l.passwd_text);
	free(l.group_text);
	end_session(s, -1);
	return -1;
}

/* PAM_TTY as a terminal name for the log, or "none": services also put
 * pseudo names there (sshd: "ssh" until it allocates a terminal, which it
 * does after the session is open; cron: "cron"). SPEC 6: tty=<tty|none>. */
static const char *tty_name(const char *tty)
{
	if (!tty || !*tty || strpbrk(tty, " \t\n"))
		return "none";
	if (!strncmp(tty, "/dev/", 5) || !strncmp(tty, "pts/", 4) || !strncmp(tty, "tty", 3) ||
	    !strcmp(tty, "console"))
		return tty;
	return "none";
}

static const char *item_str(pam_handle_t *pamh, int type)
{
	const void *v = NULL;
	return pam_get_item(pamh, type, &v) == PAM_SUCCESS && v ? v : NULL;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sandsh_policy_file *pf;
	struct sandsh_policy p;
	struct sandsh_user u;
	struct sandsh_err e = { 0 };
	struct state *s;
	const void *old = NULL;
	struct opts o;
	bool have;
	int rc;

	parse_opts(pamh, argc, argv, &o);
	if (pam_get_data(pamh, DATA_KEY, &old) == PAM_SUCCESS && old)
		return PAM_SUCCESS; /* already placed */
	rc = load(pamh, &u, &pf, &p, &have);
	if (rc != PAM_SUCCESS) {
		unload(&u, pf, &p, have);
		return rc == PAM_IGNORE ? PAM_IGNORE : PAM_SESSION_ERR;
	}
	if (!p.allow) {
		sandsh_log(LOG_WARNING, "denied user=%s uid=%u reason=allow is false", u.name, (unsigned)u.uid);
		unload(&u, pf, &p, have);
		return PAM_SESSION_ERR;
	}
	if (!p.sandbox) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "%s: sandbox = false, session left alone", u.name);
		unload(&u, pf, &p, have);
		return PAM_IGNORE;
	}
	if (geteuid() != 0) {
		pam_syslog(pamh, LOG_ERR, "needs root to place the session");
		unload(&u, pf, &p, have);
		return PAM_SESSION_ERR;
	}
	s = state_new();
	if (!s || !(s->user = strdup(u.name))) {
		free(s);
		unload(&u, pf, &p, have);
		return PAM_BUF_ERR;
	}
	s->owner = getpid();
	s->uid = u.uid;
	sandsh_registry_new_id(s->id);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);

	if (place(s, &u, sandsh_policy_settings(pf), &p, &e) < 0) {
		if (e.status == SANDSH_EXIT_DENIED)
			sandsh_log(LOG_WARNING, "denied user=%s uid=%u reason=%s", u.name, (unsigned)u.uid,
				   e.log[0] ? e.log : e.msg);
		else
			sandsh_log(LOG_ERR, "error user=%s uid=%u reason=%s", u.name, (unsigned)u.uid, e.msg);
		pam_syslog(pamh, LOG_ERR, "session refused: %s", e.msg);
		state_free(s);
		unload(&u, pf, &p, have);
		return PAM_SESSION_ERR;
	}
	{
		char env[64];
		const char *tty = item_str(pamh, PAM_TTY), *rhost = item_str(pamh, PAM_RHOST);
		const char *service = item_str(pamh, PAM_SERVICE);
		struct sandsh_session_info info = {
			.uid = u.uid, .user = u.name, .pid = getpid(), .started = (long long)time(NULL),
			.tty = tty_name(tty), .leaf_rel = s->cg.leaf_rel,
		};
		memcpy(info.id, s->id, sizeof(info.id));
		sandsh_registry_add(s->run_fd, &info, &e);
		/* PAM_RHOST comes from the application; it is only logged, and
		 * only when it has no blanks or control characters. */
		sandsh_log(LOG_NOTICE,
			   "session open id=%s user=%s uid=%u via=pam rootfs=%s pids_max=%ld tty=%s from=%s service=%s",
			   s->id, u.name, (unsigned)u.uid, p.rootfs, p.pids_max,
			   !strncmp(info.tty, "/dev/", 5) ? info.tty + 5 : info.tty,
			   rhost && *rhost && !strpbrk(rhost, " \t\n") ? rhost : "local", service ? service : "?");
		/* Tells a sandsh login shell started in here not to nest. */
		snprintf(env, sizeof(env), "SANDSH_SESSION=%s", s->id);
		pam_putenv(pamh, env);
		/* The policy's variables; the application builds the rest of the
		 * environment (env_keep does not apply to PAM sessions). */
		for (size_t i = 0; i < p.n_env; i++) {
			char *kv = NULL;
			if (asprintf(&kv, "%s=%s", p.env[i].name, p.env[i].value) >= 0) {
				pam_putenv(pamh, kv);
				free(kv);
			}
		}
	}
	rc = pam_set_data(pamh, DATA_KEY, s, cleanup);
	if (rc != PAM_SUCCESS) {
		end_session(s, 125);
		state_free(s);
		unload(&u, pf, &p, have);
		return PAM_SESSION_ERR;
	}
	unload(&u, pf, &p, have);
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;

	if (pam_get_data(pamh, DATA_KEY, &data) != PAM_SUCCESS || !data)
		return PAM_SUCCESS; /* nothing placed, or closed already */
	end_session((struct state *)data, 0);
	return PAM_SUCCESS;
}
