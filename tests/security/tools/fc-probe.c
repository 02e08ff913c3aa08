/* fc-probe: the policy shell of the fail-closed suite (t-failclosed.sh).
 * sandsh execs it as "fc-probe -c CMD" (or "-fc-probe"). It prints one
 * line describing where and as whom it runs:
 *   FCPROBE uid=R,E,S gid=R,E,S pid=P host=NAME nnp=N seccomp=N
 *           capeff=HEX capprm=HEX capbnd=HEX root=rootfs|host hostmarker=no|WROTE
 * and, if it finds itself on the host (HOST_MARKER_DIR exists, which it
 * does only outside the sandbox), creates HOST_MARKER_DIR/FC-HOST-RAN so
 * the suite sees it even if stdout was lost. Static (the rootfs has no
 * libc) and every call is retried on EPERM/EINTR a few times: strace
 * injects a failure into the N-th call of a syscall in every traced
 * process, and the probe's own calls must not be what fails.
 * Not part of the product. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef HOST_MARKER_DIR
#define HOST_MARKER_DIR "/run/sandsh-test/share"
#endif
#define TRIES 6

static int retry_open(const char *path, int flags, mode_t mode)
{
	int fd = -1;
	for (int i = 0; i < TRIES && fd < 0; i++) {
		fd = open(path, flags | O_CLOEXEC, mode);
		if (fd < 0 && errno != EPERM && errno != EINTR && errno != EAGAIN)
			break;
	}
	return fd;
}

static void status_field(const char *text, const char *key, char *out, size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	snprintf(out, len, "?");
	if (!p)
		return;
	p += strlen(key);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

int main(int argc, char **argv)
{
	char status[8192] = "", nnp[16], sec[16], eff[32], prm[32], bnd[32], line[512];
	struct utsname un;
	struct stat st;
	const char *root, *marker = "no";
	uid_t r, e, s;
	gid_t rg, eg, sg;
	ssize_t n = -1;
	int fd;

	(void)argc;
	(void)argv;
	fd = retry_open("/proc/self/status", O_RDONLY, 0);
	for (int i = 0; fd >= 0 && i < TRIES && n < 0; i++)
		n = read(fd, status, sizeof(status) - 1);
	if (n > 0)
		status[n] = '\0';
	if (fd >= 0)
		close(fd);
	status_field(status, "NoNewPrivs:", nnp, sizeof(nnp));
	status_field(status, "Seccomp:", sec, sizeof(sec));
	status_field(status, "CapEff:", eff, sizeof(eff));
	status_field(status, "CapPrm:", prm, sizeof(prm));
	status_field(status, "CapBnd:", bnd, sizeof(bnd));
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	if (uname(&un) < 0)
		snprintf(un.nodename, sizeof(un.nodename), "?");
	root = stat("/ROOTFS-MARKER", &st) == 0 ? "rootfs" : "host";
	if (stat(HOST_MARKER_DIR, &st) == 0) {
		fd = retry_open(HOST_MARKER_DIR "/FC-HOST-RAN", O_WRONLY | O_CREAT | O_APPEND, 0644);
		marker = "WROTE";
		if (fd >= 0)
			close(fd);
	}
	n = snprintf(line, sizeof(line),
		     "FCPROBE uid=%u,%u,%u gid=%u,%u,%u pid=%d host=%s nnp=%s seccomp=%s capeff=%s "
		     "capprm=%s capbnd=%s root=%s hostmarker=%s\n",
		     (unsigned)r, (unsigned)e, (unsigned)s, (unsigned)rg, (unsigned)eg, (unsigned)sg,
		     (int)getpid(), un.nodename, nnp, sec, eff, prm, bnd, root, marker);
	for (int i = 0; i < TRIES; i++) {
		if (write(STDOUT_FILENO, line, (size_t)n) == n)
			break;
	}
	return 0;
}
