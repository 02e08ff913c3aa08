/* The invoking user's identity from NSS (passwd, getgrouplist). Runs as
 * euid 0 in the outer process, before any namespace or root change. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandsh/ident.h"

#define NSS_BUF_MAX (1024 * 1024)

static char *sanitize_gecos(const char *s)
{
	char *out = strdup(s ? s : "");
	if (!out)
		return NULL;
	for (char *p = out; *p; p++)
		if (*p == ':' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

static int group_name(gid_t gid, char **out)
{
	struct group gr, *res = NULL;
	size_t len = 1024;
	char *buf = NULL;
	int rc;

	for (;;) {
		char *nb = realloc(buf, len);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		rc = getgrgid_r(gid, &gr, buf, len, &res);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	*out = NULL;
	if (rc == 0 && res) {
		*out = strdup(gr.gr_name);
		rc = *out ? 0 : ENOMEM;
	}
	free(buf);
	return -rc;
}

static int fill(const struct passwd *pw, struct sandsh_user *u, struct sandsh_err *e)
{
	int ng = 32;

	memset(u, 0, sizeof(*u));
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->name = strdup(pw->pw_name);
	u->home = strdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	u->gecos = sanitize_gecos(pw->pw_gecos);
	if (!u->name || !u->home || !u->gecos)
		goto nomem;
	for (;;) {
		gid_t *g = realloc(u->gids, (size_t)ng * sizeof(gid_t));
		int want = ng;
		if (!g)
			goto nomem;
		u->gids = g;
		if (getgrouplist(u->name, u->gid, u->gids, &want) >= 0) {
			ng = want;
			break;
		}
		if (want <= ng || want > 65536)
			return sandsh_err_set(e, 0, "groups of %s: lookup failed", u->name);
		ng = want;
	}
	/* Primary group first, no duplicates. */
	{
		gid_t *all = u->gids;
		size_t n = 0;

		u->gids = malloc(((size_t)ng + 1) * sizeof(gid_t));
		if (!u->gids) {
			u->gids = all;
			goto nomem;
		}
		u->gids[n++] = u->gid;
		for (int i = 0; i < ng; i++) {
			int dup = 0;
			for (size_t j = 0; j < n; j++)
				dup |= u->gids[j] == all[i];
			if (!dup)
				u->gids[n++] = all[i];
		}
		free(all);
		u->n_gids = n;
	}
	u->group_names = calloc(u->n_gids, sizeof(char *));
	if (!u->group_names)
		goto nomem;
	for (size_t i = 0; i < u->n_gids; i++) {
		int rc = group_name(u->gids[i], &u->group_names[i]);
		if (rc < 0)
			return sandsh_err_set(e, -rc, "group %u of %s", (unsigned)u->gids[i],
					      u->name);
	}
	if (u->group_names[0])
		u->group = strdup(u->group_names[0]);
	else if (asprintf(&u->group, "%u", (unsigned)u->gid) < 0)
		u->group = NULL;
	if (!u->group)
		goto nomem;
	return 0;
nomem:
	return sandsh_err_set(e, ENOMEM, "user lookup");
}

static int lookup(uid_t uid, const char *name, struct sandsh_user *u, struct sandsh_err *e)
{
	struct passwd pw, *res = NULL;
	size_t len = 1024;
	char *buf = NULL;
	int rc;

	memset(u, 0, sizeof(*u));
	for (;;) {
		char *nb = realloc(buf, len);
		if (!nb) {
			free(buf);
			return sandsh_err_set(e, ENOMEM, "user lookup");
		}
		buf = nb;
		rc = name ? getpwnam_r(name, &pw, buf, len, &res)
			  : getpwuid_r(uid, &pw, buf, len, &res);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	if (rc != 0 || !res) {
		free(buf);
		if (name)
			return sandsh_err_set(e, rc, "user %s: %s", name,
					      rc ? "lookup failed" : "no such user");
		return sandsh_err_set(e, rc, "uid %u: %s", (unsigned)uid,
				      rc ? "lookup failed" : "not in the user database");
	}
	rc = fill(&pw, u, e);
	free(buf);
	if (rc < 0)
		sandsh_ident_free(u);
	return rc;
}

int sandsh_ident_from_uid(uid_t uid, struct sandsh_user *u, struct sandsh_err *e)
{
	return lookup(uid, NULL, u, e);
}

int sandsh_ident_from_name(const char *name, struct sandsh_user *u, struct sandsh_err *e)
{
	return lookup(0, name, u, e);
}

void sandsh_ident_free(struct sandsh_user *u)
{
	if (!u)
		return;
	for (size_t i = 0; u->group_names && i < u->n_gids; i++)
		free(u->group_names[i]);
	free(u->group_names);
	free(u->gids);
	free(u->name);
	free(u->home);
	free(u->gecos);
	free(u->group);
	memset(u, 0, sizeof(*u));
}

gid_t sandsh_ident_tty_gid(void)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r("tty", &gr, buf, sizeof(buf), &res) == 0 && res)
		return gr.gr_gid;
	return (gid_t)-1;
}

int sandsh_ident_short_hostname(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) < 0)
		return -1;
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
	return 0;
}
