/* The sandbox's environment: rebuilt from an allow-list (SECURITY 4). Pure. */
#ifndef SANDSH_ENV_H
#define SANDSH_ENV_H

#include <stdbool.h>

#include "sandsh/err.h"
#include "sandsh/ident.h"
#include "sandsh/policy.h"

/* Deep copy of a NULL-terminated environment (taken before clearenv()). */
char **sandsh_env_snapshot(char *const *envp);
/* Value of name in a snapshot, or NULL. */
const char *sandsh_env_get(char *const *envp, const char *name);
void sandsh_env_free(char **envp);

/* Whether a caller's variable may be kept: a valid name, a bounded value
 * without control characters (SSH_ORIGINAL_COMMAND may hold tab/newline),
 * and for TERM, LANG, LANGUAGE, LC_* no '/', "..", '%'; TZ not a path. */
bool sandsh_env_value_ok(const char *name, const char *value);

/* Builds the inner environment: the caller's variables named in env_keep
 * (exact name or "PREFIX*") that pass sandsh_env_value_ok, then the policy
 * env, then HOME (policy home), USER and LOGNAME (user name), SHELL (policy
 * shell); a later source replaces an earlier value of the same name. PATH
 * comes from the policy env. Returns a NULL-terminated malloc'd array
 * (free with sandsh_env_free) or NULL with e set. */
char **sandsh_env_build(char *const *caller, const struct sandsh_policy *p,
			const struct sandsh_user *u, struct sandsh_err *e);

#endif
