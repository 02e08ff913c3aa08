/* The invoking user's identity, from NSS, looked up before the root changes. */
#ifndef SANDSH_IDENT_H
#define SANDSH_IDENT_H

#include <stddef.h>
#include <sys/types.h>

#include "sandsh/err.h"

struct sandsh_user {
	uid_t uid;
	gid_t gid; /* primary group */
	char *name;
	char *home;         /* passwd home */
	char *gecos;        /* sanitized: no ':' or control characters */
	char *group;        /* primary group's name ("%g"); decimal gid if unnamed */
	gid_t *gids;        /* all groups (getgrouplist), primary first */
	char **group_names; /* parallel to gids; NULL entry when a gid has no name */
	size_t n_gids;
};

/* Looks up uid (or name) in passwd and the user's groups (NSS, so LDAP and
 * SSSD groups count). Returns 0 or -1 with e set. */
int sandsh_ident_from_uid(uid_t uid, struct sandsh_user *u, struct sandsh_err *e);
int sandsh_ident_from_name(const char *name, struct sandsh_user *u, struct sandsh_err *e);
void sandsh_ident_free(struct sandsh_user *u);

/* The same lookup in two halves, so the caller can do other work while
 * the child looks up: start forks the child (0, or -1 with e set); finish
 * collects its answer, as sandsh_ident_from_uid/name return it. Every
 * successful start needs its finish (it reaps the child). */
struct sandsh_ident_job {
	pid_t pid;
	int fd;
};
int sandsh_ident_start(uid_t uid, const char *name, struct sandsh_ident_job *j,
		       struct sandsh_err *e);
int sandsh_ident_finish(struct sandsh_ident_job *j, struct sandsh_user *u, struct sandsh_err *e);

/* The lookup runs in a short-lived child; these carry its answer to the
 * supervisor (exposed for the unit tests). encode: rc 0 with u, or rc < 0
 * with err; a malloc'd buffer, 0 or -1. decode: 0 with u filled; -2 with
 * the child's error in e (the lookup failed); -1 if the buffer is not a
 * well-formed answer (truncated, trailing bytes, a NUL inside a string,
 * the primary group not first); u is left empty then. */
int sandsh_ident_wire_encode(int rc, const struct sandsh_user *u, const struct sandsh_err *err,
			     char **out, size_t *out_len);
int sandsh_ident_wire_decode(const char *buf, size_t len, struct sandsh_user *u,
			     struct sandsh_err *e);

/* The host's short hostname (up to the first dot), for "%h". */
int sandsh_ident_short_hostname(char *buf, size_t len);

#endif
