/* logsink: a tiny syslog receiver for the integration tests.
 * Usage: logsink SOCKETPATH OUTFILE
 * Binds an AF_UNIX SOCK_DGRAM socket at SOCKETPATH (mode 0666, replacing a
 * stale socket), appends every datagram to OUTFILE as one line (trailing
 * newlines/NULs stripped, other control characters shown as '?'), flushing
 * each, and exits 0 on SIGTERM/SIGINT, removing the socket.
 * Runs as root in the test namespace; not part of the product. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_signal };
	struct stat st;
	char buf[65536];
	FILE *out;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: logsink SOCKETPATH OUTFILE\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "logsink: %s: path too long\n", argv[1]);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);

	/* No SA_RESTART: recv() must return EINTR so the loop sees stop. */
	sigemptyset(&act.sa_mask);
	if (sigaction(SIGTERM, &act, NULL) || sigaction(SIGINT, &act, NULL)) {
		perror("logsink: sigaction");
		return 1;
	}

	out = fopen(argv[2], "ae");
	if (!out) {
		fprintf(stderr, "logsink: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("logsink: socket");
		return 1;
	}
	/* Replace only a stale socket, never another kind of file. */
	if (lstat(argv[1], &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "logsink: bind %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (chmod(argv[1], 0666)) {
		fprintf(stderr, "logsink: chmod %s: %s\n", argv[1], strerror(errno));
		unlink(argv[1]);
		return 1;
	}

	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("logsink: recv");
			break;
		}
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
			n--;
		for (ssize_t i = 0; i < n; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = '?';
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
	unlink(argv[1]);
	fclose(out);
	return stop ? 0 : 1;
}
