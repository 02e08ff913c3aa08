/* join-tracer: the user's ptrace attack on logins joining a persistent
 * sandbox (tests/security/t-persist-join.sh). Runs inside the sandbox as
 * the user, for SECONDS: scans its /proc for pids it has not seen yet and
 * tries PTRACE_ATTACH, then PTRACE_SEIZE, on each new one at once (a
 * joining login is born in the sandbox's PID namespace while it is still
 * sandsh, root, on its way to the user). An attach that succeeds stops the
 * tracee; its credentials are then read and it is let go again. It is a
 * breach when the stopped tracee still runs sandsh, or holds any root id,
 * a capability, no no_new_privs or no seccomp filter: then it could have
 * been made to do what a login's supervisor does. Static: it runs inside
 * the busybox rootfs. Not part of the product.
 *
 * Prints one summary line:
 *   seen=N denied=N attached=N breach=N
 * (denied: every attempt on that pid failed with EPERM; attached: at least
 * one attempt succeeded on a fully dropped process, which ptrace of one's
 * own processes allows), then one line per breach:
 *   breach PID exe=... Uid=... CapEff=... CapPrm=... NoNewPrivs=... Seccomp=... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PID 4194304
#define MAX_BREACH 64

static unsigned char seen_map[MAX_PID / 8 + 1];
static char breaches[MAX_BREACH][512];
static int n_seen, n_denied, n_attached, n_breach;

static bool seen(int pid)
{
	bool was = seen_map[pid / 8] & (1u << (pid % 8));
	seen_map[pid / 8] |= (unsigned char)(1u << (pid % 8));
	return was;
}

/* The field after "Name:\t" in /proc/PID/status, tabs turned to spaces. */
static void status_field(const char *status, const char *name, char *out, size_t len)
{
	const char *p = strstr(status, name);
	size_t n = 0;

	snprintf(out, len, "?");
	if (!p)
		return;
	p += strlen(name);
	while (*p == '\t' || *p == ' ')
		p++;
	while (p[n] && p[n] != '\n' && n + 1 < len) {
		out[n] = p[n] == '\t' ? ' ' : p[n];
		n++;
	}
	out[n] = '\0';
}

/* Called with pid stopped under our trace: is it a breach? */
static void judge(int pid)
{
	char path[64], buf[4096], exe[256] = "?", uid[64], eff[32], prm[32], nnp[8], sc[8];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 1] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	status_field(buf, "\nUid:", uid, sizeof(uid));
	status_field(buf, "\nCapEff:", eff, sizeof(eff));
	status_field(buf, "\nCapPrm:", prm, sizeof(prm));
	status_field(buf, "\nNoNewPrivs:", nnp, sizeof(nnp));
	status_field(buf, "\nSeccomp:", sc, sizeof(sc));
	{
		char own[64];
		const char *base = strrchr(exe, '/');
		snprintf(own, sizeof(own), "%u %u %u %u", (unsigned)getuid(), (unsigned)getuid(), (unsigned)getuid(),
			 (unsigned)getuid());
		if (!strcmp(base ? base + 1 : exe, "sandsh") || strcmp(uid, own) ||
		    strcmp(eff, "0000000000000000") || strcmp(prm, "0000000000000000") || strcmp(nnp, "1") ||
		    strcmp(sc, "2")) {
			if (n_breach < MAX_BREACH)
				snprintf(breaches[n_breach], sizeof(breaches[0]),
					 "breach %d exe=%s Uid=%s CapEff=%s CapPrm=%s NoNewPrivs=%s Seccomp=%s", pid, exe,
					 uid, eff, prm, nnp, sc);
			n_breach++;
		}
	}
}

static void on_alarm(int sig)
{
	(void)sig; /* interrupts a waitpid() that takes too long */
}

/* Waits for the tracee's stop that our attach caused (PTRACE_ATTACH: its
 * SIGSTOP; PTRACE_SEIZE: the PTRACE_INTERRUPT event stop), passing on any
 * other signal it stops for; then judges it and lets it go. 0 if it did
 * not stop (gone). A 10 s alarm only guards against a tracee that never
 * stops (it would then stay traced until we exit). */
static int stopped(int pid, bool seized)
{
	int st, rc = 0;

	alarm(10);
	for (;;) {
		if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
			break;
		if (seized ? (st >> 16) == PTRACE_EVENT_STOP : WSTOPSIG(st) == SIGSTOP) {
			rc = 1;
			break;
		}
		/* A SIGTRAP is ours: a PTRACE_ATTACHed tracee that finishes an
		 * execve() gets one; passed on, it would kill the tracee. */
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)(WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st)));
	}
	alarm(0);
	if (rc) {
		judge(pid);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	return rc;
}

static void attack(int pid)
{
	bool ok = false, denied = true;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
		ok = true;
		stopped(pid, false);
	} else if (errno != EPERM) {
		denied = false;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
		ok = true;
		if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0)
			stopped(pid, true);
		else
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
	} else if (errno != EPERM) {
		denied = false;
	}
	if (ok)
		n_attached++;
	else if (denied)
		n_denied++;
}

/* Every pid in /proc not seen before: attacked, or (the first scan, what
 * ran before us) only marked. */
static void scan(bool attack_new, int self)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d) {
		perror("/proc");
		exit(1);
	}
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);
		if (pid <= 0 || pid >= MAX_PID || pid == self || seen(pid) || !attack_new)
			continue;
		n_seen++;
		attack(pid);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	struct timespec t0, t;
	long seconds = argc > 1 ? atol(argv[1]) : 10;
	int self = getpid();

	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	scan(false, self);
	do {
		scan(true, self);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	printf("seen=%d denied=%d attached=%d breach=%d\n", n_seen, n_denied, n_attached, n_breach);
	for (int i = 0; i < n_breach && i < MAX_BREACH; i++)
		puts(breaches[i]);
	return 0;
}
