/* One session from the outer (setuid) process's point of view. */
#ifndef SANDSH_SESSION_H
#define SANDSH_SESSION_H

#include <sys/resource.h>
#include <sys/types.h>

#include "sandsh/args.h"
#include "sandsh/err.h"
#include "sandsh/ident.h"
#include "sandsh/policy.h"

/* What start-up saved of the caller before sanitizing. */
struct sandsh_caller {
	uid_t uid;
	mode_t umask;
	struct rlimit rlimits[RLIM_NLIMITS];
	char **env; /* snapshot taken before clearenv() */
};

/* Runs the session the policy describes and returns the exit status for
 * sandsh (the command's, 128+N, 126/127, or 125 with e set). Logs
 * "session open" and "session close". euid 0, outer process. */
int sandsh_session_run(const struct sandsh_args *a, const struct sandsh_caller *c,
		       const struct sandsh_user *u, const struct sandsh_settings *s,
		       const struct sandsh_policy *p, struct sandsh_err *e);

#endif
