/* Process hygiene (SECURITY 2) for a privileged process that inherited its
 * state from an untrusted caller: the setuid shell right after main() and
 * the PAM supervisor right after it is forked. euid 0; no file is opened. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandsh/hygiene.h"

void sandsh_hygiene_signals_default(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL); /* EINVAL for libc's reserved signals: expected */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Lifts a caller's limit that could kill us halfway through: to infinity,
 * or (without CAP_SYS_RESOURCE) the soft limit up to the hard one; a hard
 * limit below need is refused before anything is done. */
static int lift_limit(int resource, rlim_t need, const char *msg, struct sandsh_err *e)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit((__rlimit_resource_t)resource, &rl) == 0)
		return 0;
	if (getrlimit((__rlimit_resource_t)resource, &rl) < 0)
		return sandsh_err_set(e, 0, "getrlimit: cannot read the resource limits");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit((__rlimit_resource_t)resource, &rl) < 0 ||
	    (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need))
		return sandsh_err_set(e, 0, "%s", msg);
	return 0;
}

int sandsh_hygiene(struct sandsh_saved *saved, struct sandsh_err *e)
{
	struct sandsh_saved local;
	struct rlimit rl;
	sigset_t none;

	if (!saved)
		saved = &local;
	saved->umask = umask(022);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* Past a file-size limit a write fails (EFBIG) instead of killing
	 * us; the command gets SIG_DFL back with the other signals. */
	signal(SIGXFSZ, SIG_IGN);
	/* A terminal's stop signals bypass the uid check: a root supervisor
	 * must not be frozen holding the user lock or the timeout. */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return sandsh_err_set(e, errno, "sigprocmask");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sandsh_err_set(e, 0, "prctl: cannot make the process non-dumpable");
	/* The command gets these back: an unread limit must not become 0. */
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (getrlimit((__rlimit_resource_t)r, &saved->rlimits[r]) < 0)
			return sandsh_err_set(e, 0, "getrlimit: cannot read the resource limits");
	rl = saved->rlimits[RLIMIT_CORE];
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		return sandsh_err_set(e, 0, "setrlimit: cannot disable core dumps");
	/* A tiny file-size limit would kill us (SIGXFSZ) writing our state, a
	 * CPU limit (SIGXCPU, SIGKILL) or a small stack (SIGSEGV) anywhere. */
	if (lift_limit(RLIMIT_FSIZE, 1024 * 1024,
		       "resource limits: the file size limit is too small for sandsh", e) < 0 ||
	    lift_limit(RLIMIT_CPU, 60,
		       "resource limits: the CPU time limit is too small for sandsh", e) < 0 ||
	    lift_limit(RLIMIT_STACK, 256 * 1024,
		       "resource limits: the stack size limit is too small for sandsh", e) < 0)
		return -1;
	return 0;
}

int sandsh_hygiene_detached(struct sandsh_err *e)
{
	struct sched_param sp = { .sched_priority = 0 };
	struct rlimit nofile = { 65536, 65536 };
	cpu_set_t all;
	int fd;

	/* A detached supervisor (the PAM module's, a keeper) outlives its
	 * caller's choices: not idle-scheduled, niced, pinned to a busy CPU,
	 * or short of descriptors, and not the OOM killer's favourite. */
	if (setpriority(PRIO_PROCESS, 0, 0) < 0 || sched_setscheduler(0, SCHED_OTHER, &sp) < 0)
		return sandsh_err_set(e, errno, "scheduling");
	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	if (sched_setaffinity(0, sizeof(all), &all) < 0)
		return sandsh_err_set(e, errno, "CPU affinity");
	/* Up to 65536, or at least the soft limit up to the hard one. */
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0 &&
	    (getrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
	     (nofile.rlim_cur = nofile.rlim_max, setrlimit(RLIMIT_NOFILE, &nofile)) < 0))
		return sandsh_err_set(e, errno, "descriptor limit");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
	return 0;
}

int sandsh_std_fds_ok(struct sandsh_err *e)
{
	static const char *const names[] = { "input", "output", "error" };

	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		/* A directory, or any O_PATH descriptor, on 0-2 would be a way
		 * into the host's tree through /proc/self/fd from inside. */
		if (fl < 0 || fstat(fd, &st) < 0)
			return sandsh_err_set(e, errno, "invocation: standard %s", names[fd]);
		if ((fl & O_PATH) || S_ISDIR(st.st_mode))
			return sandsh_err_set(
				e, 0, "invocation: standard %s is %s, session refused", names[fd],
				S_ISDIR(st.st_mode) ? "a directory" : "an O_PATH descriptor");
	}
	return 0;
}
