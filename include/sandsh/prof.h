/* Per-phase timestamps for profiling (issue 15), compiled in only with
 * -DSANDSH_PROFILE (make BUILD=build-prof CPPFLAGS=-DSANDSH_PROFILE): one
 * line "prof PID SECONDS LABEL" on stderr per phase. Never in a shipped
 * build: the default expansion is empty. */
#ifndef SANDSH_PROF_H
#define SANDSH_PROF_H

#ifdef SANDSH_PROFILE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static inline void sandsh_prof_mark(const char *label)
{
	struct timespec t;
	char b[96];
	int n;

	clock_gettime(CLOCK_REALTIME, &t);
	n = snprintf(b, sizeof(b), "prof %d %ld.%06ld %s\n", (int)getpid(), (long)t.tv_sec,
		     t.tv_nsec / 1000, label);
	if (n > 0)
		(void)!write(2, b, (size_t)n);
}
#define SANDSH_PROF(label) sandsh_prof_mark(label)
#else
#define SANDSH_PROF(label) ((void)0)
#endif

#endif
