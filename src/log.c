/* Audit log lines to syslog. Runs in the outer process (euid 0), which
 * never changes its root, so /dev/log stays reachable. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "sandsh/log.h"

void sandsh_log_open(int facility)
{
	/* LOG_NDELAY: connect now, before anything could change /dev/log. */
	openlog("sandsh", LOG_PID | LOG_NDELAY, facility);
}

void sandsh_log(int priority, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	syslog(priority, "%s", line);
}
