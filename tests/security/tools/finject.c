/* finject: a minimal ptrace fault injector for the fail-closed suite
 * (t-failclosed.sh), where strace -e inject=...:when=N is too coarse:
 * strace counts occurrences per process but injects into the N-th call of
 * EVERY process at once, so a failure of the outer sandsh at its N-th
 * openat always hides the N-th openat of the sandbox's PID 1. finject
 * numbers the processes of the session in the order they are created
 * (role 0: the traced command, 1: its first child, ...) and fails exactly
 * one call: the N-th SYSCALL made by role R.
 *
 *   finject -u UID:GID[:G1,G2...] -o REPORT -c -- CMD ARGS...
 *       count: REPORT gets "ROLE SYSCALL COUNT" lines (calls made before
 *       the role's first exec; role 0 from its first exec on) and
 *       "ROLE exec PATH" for each process that exec'd.
 *   finject -u ... -o REPORT -s SYSCALL -r ROLE -n N [-e ERRNO] -- CMD...
 *       inject: the N-th SYSCALL of ROLE returns -ERRNO (default EPERM);
 *       REPORT gets "injected" or "not reached".
 * Exits with CMD's status (128+N for a signal). Run as root: it drops to
 * the ids of -u before exec, and a root tracer keeps the setuid effect of
 * the exec (as strace -u does). x86_64 only. Not part of the product. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 64
#define MAX_NR 512

static const struct {
	const char *name;
	int nr;
} names[] = {
#define S(x) { #x, SYS_##x }
	S(setgroups), S(setresgid), S(setresuid), S(setfsuid), S(setfsgid), S(setuid), S(setgid),
	S(prctl), S(capset), S(clone3), S(clone), S(unshare), S(mount), S(mount_setattr), S(open_tree),
	S(move_mount), S(fsopen), S(fsconfig), S(fsmount), S(pivot_root), S(umount2), S(sethostname),
	S(mkdir), S(mkdirat), S(openat), S(openat2), S(open), S(write), S(keyctl), S(seccomp),
	S(execve), S(chdir), S(fchdir), S(setrlimit), S(prlimit64), S(close_range), S(socket),
	S(connect), S(ioctl), S(pipe2), S(signalfd4), S(rt_sigprocmask), S(timerfd_create),
	S(pidfd_send_signal), S(waitid), S(flock), S(symlinkat), S(fchmodat), S(fchmod), S(unlinkat),
	S(getrandom), S(read), S(poll), S(fstat), S(newfstatat), S(statx), S(fork), S(vfork),
	S(capget), S(umask), S(rt_sigaction), S(chroot), S(setns),
#undef S
};

struct proc {
	pid_t pid;
	int role;
	bool counting;  /* before its first exec (role 0: after it) */
	bool injecting; /* the call at hand was skipped: set the error at exit */
	bool started;   /* its first (attach) SIGSTOP was swallowed */
	bool pending;   /* stopped before its parent's event named it: held */
	unsigned count[MAX_NR];
	char exec_path[256];
};

static struct proc procs[MAX_PROCS];
static int nprocs, next_role;

static const char *nr_name(int nr)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

static struct proc *find(pid_t pid, bool create)
{
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	if (!create || nprocs == MAX_PROCS)
		return NULL;
	memset(&procs[nprocs], 0, sizeof(procs[0]));
	procs[nprocs].pid = pid;
	procs[nprocs].role = -1;
	return &procs[nprocs++];
}

static void usage(void)
{
	fprintf(stderr, "usage: finject -u UID:GID[:G,...] -o REPORT (-c | -s SYSCALL -r ROLE -n N [-e ERRNO]) -- CMD...\n");
	exit(2);
}

static void read_string(pid_t pid, unsigned long addr, char *buf, size_t len)
{
	size_t i = 0;

	while (i + sizeof(long) < len) {
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, addr + i, NULL);
		if (errno)
			break;
		memcpy(buf + i, &w, sizeof(w));
		if (memchr(&w, 0, sizeof(w)))
			return;
		i += sizeof(w);
	}
	buf[i] = '\0';
}

int main(int argc, char **argv)
{
	const char *report = NULL, *sys = NULL;
	int role = -1, n = 0, err = EPERM, opt, target_nr = -1, status = 0;
	bool count = false, injected = false, user = false;
	uid_t uid = 0;
	gid_t gid = 0, groups[64];
	int ngroups = 0;
	pid_t child;
	FILE *out;

	while ((opt = getopt(argc, argv, "u:o:cs:r:n:e:")) != -1) {
		switch (opt) {
		case 'u': {
			char *p = optarg, *q;
			uid = (uid_t)strtoul(p, &q, 10);
			if (*q != ':')
				usage();
			gid = (gid_t)strtoul(q + 1, &q, 10);
			groups[ngroups++] = gid;
			while (*q == ':' || *q == ',') {
				if (ngroups == 64)
					usage();
				groups[ngroups++] = (gid_t)strtoul(q + 1, &q, 10);
			}
			user = true;
			break;
		}
		case 'o': report = optarg; break;
		case 'c': count = true; break;
		case 's': sys = optarg; break;
		case 'r': role = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'e': err = atoi(optarg); break;
		default: usage();
		}
	}
	if (!report || optind >= argc || !user || (!count && (!sys || role < 0 || n < 1)))
		usage();
	if (sys) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(names[i].name, sys))
				target_nr = names[i].nr;
		if (target_nr < 0) {
			fprintf(stderr, "finject: unknown syscall %s\n", sys);
			return 2;
		}
	}

	child = fork();
	if (child < 0) {
		perror("finject: fork");
		return 2;
	}
	if (child == 0) {
		/* TRACEME records the tracee's credentials of this moment as the
		 * tracer's (ptracer_cred): root, so the setuid exec keeps its
		 * effect. Only then drop to the user. */
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			perror("finject: PTRACE_TRACEME");
			_exit(2);
		}
		if (setgroups((size_t)ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0) {
			perror("finject: drop to the user");
			_exit(2);
		}
		raise(SIGSTOP);
		execv(argv[optind], argv + optind);
		perror("finject: exec");
		_exit(127);
	}

	for (;;) {
		int ws, sig = 0;
		pid_t pid = waitpid(-1, &ws, __WALL);
		struct proc *p;

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: all gone */
		}
		if (WIFEXITED(ws) || WIFSIGNALED(ws)) {
			if (pid == child)
				status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			continue;
		}
		if (!WIFSTOPPED(ws))
			continue;
		p = find(pid, true);
		if (!p) {
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
			continue;
		}
		if (pid == child && p->role < 0) {
			p->started = true;
			/* The initial SIGSTOP: set the options, then let it run. */
			p->role = next_role++;
			ptrace(PTRACE_SETOPTIONS, pid, NULL,
			       PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
				       PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
			ptrace(PTRACE_SYSCALL, pid, NULL, 0);
			continue;
		}
		if (WSTOPSIG(ws) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;
			struct user_regs_struct regs;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(si), &si) <= 0)
				goto resume;
			if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
				int nr = (int)si.entry.nr;
				if (p->counting && nr >= 0 && nr < MAX_NR) {
					p->count[nr]++;
					if (nr == SYS_execve && p->role > 0)
						read_string(pid, (unsigned long)si.entry.args[0], p->exec_path,
							    sizeof(p->exec_path));
					if (!count && !injected && nr == target_nr && p->role == role &&
					    p->count[nr] == (unsigned)n) {
						/* Skip the call; its result is set at the exit stop. */
						ptrace(PTRACE_GETREGS, pid, NULL, &regs);
						regs.orig_rax = (unsigned long long)-1;
						ptrace(PTRACE_SETREGS, pid, NULL, &regs);
						p->injecting = true;
						injected = true;
					}
				}
			} else if (si.op == PTRACE_SYSCALL_INFO_EXIT && p->injecting) {
				ptrace(PTRACE_GETREGS, pid, NULL, &regs);
				regs.rax = (unsigned long long)-err;
				ptrace(PTRACE_SETREGS, pid, NULL, &regs);
				p->injecting = false;
			}
			goto resume;
		}
		if (WSTOPSIG(ws) == SIGTRAP && (ws >> 16)) {
			int event = ws >> 16;
			if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
			    event == PTRACE_EVENT_VFORK) {
				unsigned long msg = 0;
				struct proc *c;
				ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg);
				c = find((pid_t)msg, true);
				if (c && c->role < 0) {
					c->role = next_role++;
					c->counting = true;
					if (c->pending) {
						c->pending = false;
						ptrace(PTRACE_SYSCALL, c->pid, NULL, 0);
					}
				}
			} else if (event == PTRACE_EVENT_EXEC) {
				/* Role 0 starts counting at its (first) exec; the others
				 * stop there: what runs next is not sandsh. */
				if (p->role == 0 && !p->exec_path[0]) {
					p->counting = true;
					snprintf(p->exec_path, sizeof(p->exec_path), "%s", argv[optind]);
				} else {
					p->counting = false;
				}
			}
			goto resume;
		}
		/* A new process's first stop is the attach SIGSTOP: swallow it.
		 * Any other signal is passed on. */
		sig = WSTOPSIG(ws);
		if (pid != child && !p->started && sig == SIGSTOP) {
			p->started = true;
			if (p->role < 0) {
				/* Hold it until its parent's event gives it a role, so
				 * none of its calls go uncounted. */
				p->pending = true;
				continue;
			}
			sig = 0;
		}
		p->started = true;
	resume:
		ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
	}

	out = fopen(report, "w");
	if (!out) {
		perror(report);
		return 2;
	}
	if (count) {
		for (int i = 0; i < nprocs; i++) {
			for (int nr = 0; nr < MAX_NR; nr++) {
				const char *name = nr_name(nr);
				if (procs[i].count[nr] && name)
					fprintf(out, "%d %s %u\n", procs[i].role, name, procs[i].count[nr]);
			}
			if (procs[i].exec_path[0])
				fprintf(out, "%d exec %s\n", procs[i].role, procs[i].exec_path);
		}
	} else {
		fprintf(out, "%s\n", injected ? "injected" : "not reached");
	}
	fclose(out);
	return status;
}
