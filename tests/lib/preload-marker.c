/* A library a hostile user would LD_PRELOAD: its constructor writes one
 * line (pid, uid, hostname, program) to MARKER_DIR/preload-ran.<pid>.
 * MARKER_DIR is a host directory that does not exist inside the sandbox,
 * so a marker means the user's code ran outside. Built by the tests
 * (tests/lib/inherit.sh) with -DMARKER_DIR="..."; not part of the product. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void)
{
	char path[4096], line[1024], host[256] = "?", prog[512] = "?";
	ssize_t n;
	int fd;

	gethostname(host, sizeof(host) - 1);
	n = readlink("/proc/self/exe", prog, sizeof(prog) - 1);
	prog[n > 0 ? n : 1] = '\0';
	snprintf(path, sizeof(path), "%s/preload-ran.%d", MARKER_DIR, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "pid=%d uid=%d host=%s exe=%s\n", (int)getpid(), (int)getuid(), host,
		     prog);
	(void)!write(fd, line, (size_t)n);
	close(fd);
}
