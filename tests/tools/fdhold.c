/* fdhold: run a command as a caller that holds descriptors and a working
 * directory that lead outside the sandbox, for the inherited-state tests
 * (issue 12). Not part of the product.
 * Usage: fdhold -f FILE -p DIR -r PREFIX [-c DIR] -- CMD [ARG...]
 * Opens, without close-on-exec, then execs CMD (searched in PATH):
 *    5  an O_PATH descriptor of DIR
 *    6  a memfd holding "memfd-secret"
 *    7  one end of a Unix stream socket pair
 *    8  the write end of a pipe
 *    9  a directory descriptor of /
 *   10  FILE, read-only (a host file)
 *  250  a directory descriptor of / (a high number)
 * (7 and 8 stay below 10 so that dash and busybox sh can redirect to them.)
 * The other ends of 7 and 8 belong to an outside process (a grandchild,
 * detached from CMD) that appends whatever arrives to PREFIX.sock and
 * PREFIX.pipe, and exits when every writer is gone (after 300 s at most).
 * -c DIR: the working directory CMD starts in. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "fdhold: %s: %s\n", what, strerror(errno));
	exit(125);
}

/* Puts fd on number want (not close-on-exec) and closes the original. */
static void place(int fd, int want, const char *what)
{
	if (fd < 0)
		die(what);
	if (fd == want) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			die(what);
		return;
	}
	if (dup2(fd, want) < 0)
		die(what);
	close(fd);
}

/* The outside process: copies both channels into PREFIX.sock/.pipe. */
static void record(int sock, int pipe_rd, const char *prefix)
{
	char path[4096], buf[4096];
	int out[2];
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
			       { .fd = pipe_rd, .events = POLLIN } };
	int open_ends = 2;

	snprintf(path, sizeof(path), "%s.sock", prefix);
	out[0] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	snprintf(path, sizeof(path), "%s.pipe", prefix);
	out[1] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out[0] < 0 || out[1] < 0)
		_exit(1);
	alarm(300);
	while (open_ends > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				(void)!write(out[i], buf, (size_t)n);
			} else {
				close(p[i].fd);
				p[i].fd = -1;
				open_ends--;
			}
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *file = NULL, *dir = NULL, *prefix = NULL, *cwd = NULL;
	int sv[2], pp[2], opt, fd;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+f:p:r:c:")) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 'p': dir = optarg; break;
		case 'r': prefix = optarg; break;
		case 'c': cwd = optarg; break;
		default: goto usage;
		}
	}
	if (!file || !dir || !prefix || optind >= argc)
		goto usage;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(pp, O_CLOEXEC) < 0)
		die("socketpair/pipe");
	/* The recorder: a grandchild, so that CMD never sees it as its child. */
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		close(sv[0]);
		close(pp[1]);
		for (fd = 0; fd <= 2; fd++) {
			int n = open("/dev/null", O_RDWR);
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
		record(sv[1], pp[0], prefix);
	}
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid");
	close(sv[1]);
	close(pp[0]);
	/* Out of the way of the numbers below. */
	sv[0] = fcntl(sv[0], F_DUPFD_CLOEXEC, 100);
	pp[1] = fcntl(pp[1], F_DUPFD_CLOEXEC, 100);
	if (sv[0] < 0 || pp[1] < 0)
		die("fcntl F_DUPFD");
	for (fd = 3; fd < 100; fd++)
		close(fd);

	place(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), 9, "open /");
	place(open(file, O_RDONLY | O_CLOEXEC), 10, file);
	place(sv[0], 7, "socket");
	place(pp[1], 8, "pipe");
	place(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), 5, dir);
	fd = memfd_create("fdhold", MFD_CLOEXEC);
	if (fd < 0 || write(fd, "memfd-secret\n", 13) != 13)
		die("memfd");
	place(fd, 6, "memfd");
	place(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), 250, "open / (250)");
	if (cwd && chdir(cwd) < 0)
		die(cwd);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[optind], argv + optind);
	die(argv[optind]);
usage:
	fprintf(stderr, "usage: fdhold -f FILE -p DIR -r PREFIX [-c DIR] -- CMD [ARG...]\n");
	return 2;
}
