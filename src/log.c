/* Audit log lines to syslog's socket (RFC 3164 framing, like syslog(3)),
 * on a socket of our own: connected before the root changes and invisible
 * to the host application's syslog state. The supervisor (shell or PAM),
 * or the PAM caller before it joins a sandbox. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sandsh/log.h"
#include "sandsh/policy.h"

static int log_fd = -1;
static int log_facility = LOG_AUTHPRIV;
static int log_type = SOCK_DGRAM;

static int connect_log(int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void sandsh_log_open(int facility)
{
	log_facility = facility;
	if (log_fd >= 0)
		return;
	log_type = SOCK_DGRAM;
	log_fd = connect_log(log_type);
	if (log_fd < 0 && errno == EPROTOTYPE) {
		log_type = SOCK_STREAM;
		log_fd = connect_log(log_type);
	}
}

void sandsh_log_forget(void)
{
	log_fd = -1;
}

void sandsh_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void sandsh_log(int priority, const char *fmt, ...)
{
	char text[2048], line[2200], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int n;

	if (log_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", localtime_r(&now, &tm));
	n = snprintf(line, sizeof(line), "<%d>%s sandsh[%d]: %s", log_facility | LOG_PRI(priority),
		     stamp, (int)getpid(), text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	/* A stream socket needs a terminator; a datagram is its own frame. */
	(void)!send(log_fd, line, (size_t)n + (log_type == SOCK_STREAM), MSG_NOSIGNAL);
}

void sandsh_log_policy_error(const char *user, unsigned uid, const struct sandsh_diags *d)
{
	const struct sandsh_diag *g = d->n ? &d->v[0] : NULL;
	char more[48] = "";

	if (d->n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", d->n - 1);
	if (!g)
		sandsh_log(LOG_ERR, "error user=%s uid=%u reason=policy invalid", user, uid);
	else if (g->line > 0)
		sandsh_log(LOG_ERR, "error user=%s uid=%u reason=%s:%d: %s%s", user, uid, g->file,
			   g->line, g->msg, more);
	else
		sandsh_log(LOG_ERR, "error user=%s uid=%u reason=%s: %s%s", user, uid, g->file,
			   g->msg, more);
}
