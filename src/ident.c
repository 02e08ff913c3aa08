/* The invoking user's identity from NSS (passwd, getgrouplist). Runs as
 * euid 0 in a child of the outer process, before any namespace or root
 * change. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandsh/fs.h"
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

/* The lookup runs in a short-lived child (root, like its parent): the NSS
 * modules it loads (Debian's libnss_systemd with libcap and libm, about
 * 500 KiB resident) never map into the long-lived supervisor. The answer
 * comes back over a pipe in this format, checked field by field. */
struct wire_head {
	uint32_t magic;
	int32_t rc;
	struct sandsh_err err;
	uint32_t uid, gid, n_gids;
	uint32_t len[4]; /* name, home, gecos, group */
};
#define WIRE_MAGIC 0x73646e69u
#define WIRE_MAX (1u << 22)
#define WIRE_NONAME 0xffffffffu

struct wire {
	char *p;
	size_t len, cap;
	bool bad;
};

static void put(struct wire *w, const void *data, size_t n)
{
	if (w->bad)
		return;
	if (w->len + n > WIRE_MAX) {
		w->bad = true;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n)
			cap *= 2;
		char *np = realloc(w->p, cap);
		if (!np) {
			w->bad = true;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

int sandsh_ident_wire_encode(int rc, const struct sandsh_user *u, const struct sandsh_err *err,
			     char **out, size_t *out_len)
{
	struct wire_head h;
	struct wire w = { 0 };

	memset(&h, 0, sizeof(h));
	h.magic = WIRE_MAGIC;
	h.rc = rc;
	h.err = *err;
	if (rc == 0) {
		const char *str[4] = { u->name, u->home, u->gecos, u->group };

		h.uid = u->uid;
		h.gid = u->gid;
		h.n_gids = (uint32_t)u->n_gids;
		for (int i = 0; i < 4; i++) {
			if (!str[i] || !u->gids || !u->group_names)
				return -1; /* fill() sets them all */
			h.len[i] = (uint32_t)strlen(str[i]);
		}
		put(&w, &h, sizeof(h));
		for (int i = 0; i < 4; i++)
			put(&w, str[i], h.len[i]);
		for (size_t i = 0; i < u->n_gids; i++) {
			uint32_t g = u->gids[i];
			uint32_t n = u->group_names[i] ? (uint32_t)strlen(u->group_names[i])
						       : WIRE_NONAME;
			put(&w, &g, sizeof(g));
			put(&w, &n, sizeof(n));
			if (u->group_names[i])
				put(&w, u->group_names[i], n);
		}
	} else {
		put(&w, &h, sizeof(h));
	}
	if (w.bad) {
		free(w.p);
		return -1;
	}
	*out = w.p;
	*out_len = w.len;
	return 0;
}

__attribute__((noreturn)) static void helper(int fd, uid_t uid, const char *name)
{
	struct sandsh_err err = { 0 };
	struct sandsh_user u;
	char *buf;
	size_t len;
	int rc = lookup(uid, name, &u, &err);

	if (sandsh_ident_wire_encode(rc, &u, &err, &buf, &len) < 0 ||
	    sandsh_fs_write_all(fd, buf, len) < 0)
		_exit(1);
	_exit(0);
}

static bool take(const char **cur, const char *end, void *out, size_t n)
{
	if ((size_t)(end - *cur) < n)
		return false;
	memcpy(out, *cur, n);
	*cur += n;
	return true;
}

static char *take_str(const char **cur, const char *end, uint32_t n)
{
	char *s;

	if ((size_t)(end - *cur) < n || memchr(*cur, '\0', n))
		return NULL;
	s = strndup(*cur, n);
	*cur += n;
	return s;
}

static int decode(const char *buf, size_t len, struct sandsh_user *u, struct sandsh_err *e)
{
	const char *cur = buf, *end = buf + len;
	struct wire_head h;
	char **str[4] = { &u->name, &u->home, &u->gecos, &u->group };

	memset(u, 0, sizeof(*u));
	if (!take(&cur, end, &h, sizeof(h)) || h.magic != WIRE_MAGIC)
		return -1;
	if (h.rc != 0) {
		h.err.msg[sizeof(h.err.msg) - 1] = h.err.log[sizeof(h.err.log) - 1] = '\0';
		*e = h.err;
		if (!e->status)
			e->status = SANDSH_EXIT_FAILURE;
		return -2;
	}
	if (h.n_gids < 1 || h.n_gids > 65537)
		return -1;
	u->uid = h.uid;
	u->gid = h.gid;
	for (int i = 0; i < 4; i++)
		if (!(*str[i] = take_str(&cur, end, h.len[i])))
			return -1;
	u->gids = calloc(h.n_gids, sizeof(gid_t));
	u->group_names = calloc(h.n_gids, sizeof(char *));
	if (!u->gids || !u->group_names)
		return -1;
	u->n_gids = h.n_gids;
	for (size_t i = 0; i < u->n_gids; i++) {
		uint32_t g, n;
		if (!take(&cur, end, &g, sizeof(g)) || !take(&cur, end, &n, sizeof(n)))
			return -1;
		u->gids[i] = g;
		if (n != WIRE_NONAME && !(u->group_names[i] = take_str(&cur, end, n)))
			return -1;
	}
	/* The primary group comes first, as fill() put it. */
	return cur == end && u->gids[0] == u->gid ? 0 : -1;
}

int sandsh_ident_wire_decode(const char *buf, size_t len, struct sandsh_user *u,
			     struct sandsh_err *e)
{
	int rc = decode(buf, len, u, e);

	if (rc < 0)
		sandsh_ident_free(u);
	return rc;
}

int sandsh_ident_start(uid_t uid, const char *name, struct sandsh_ident_job *j,
		       struct sandsh_err *e)
{
	int p[2];

	j->pid = -1;
	j->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return sandsh_err_set(e, errno, "user lookup: pipe");
	j->pid = fork();
	if (j->pid < 0) {
		close(p[0]);
		close(p[1]);
		return sandsh_err_set(e, errno, "user lookup: fork");
	}
	if (j->pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		helper(p[1], uid, name);
	}
	close(p[1]);
	j->fd = p[0];
	return 0;
}

int sandsh_ident_finish(struct sandsh_ident_job *j, struct sandsh_user *u, struct sandsh_err *e)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ws = -1, rc;

	memset(u, 0, sizeof(*u));
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *nb = cap < WIRE_MAX ? realloc(buf, cap ? cap * 2 : 8192) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = read(j->fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				cap = 0; /* EOF: complete */
			break;
		}
		len += (size_t)n;
	}
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &ws, 0) < 0 && errno == EINTR)
		;
	j->pid = -1;
	rc = cap == 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0
		     ? sandsh_ident_wire_decode(buf, len, u, e)
		     : -1;
	free(buf);
	if (rc == -2) {
		sandsh_ident_free(u);
		return -1;
	}
	if (rc < 0) {
		sandsh_ident_free(u);
		return sandsh_err_set(e, 0, "user lookup: failed (the lookup process)");
	}
	return 0;
}

static int lookup_isolated(uid_t uid, const char *name, struct sandsh_user *u, struct sandsh_err *e)
{
	struct sandsh_ident_job j;

	memset(u, 0, sizeof(*u));
	if (sandsh_ident_start(uid, name, &j, e) < 0)
		return -1;
	return sandsh_ident_finish(&j, u, e);
}

int sandsh_ident_from_uid(uid_t uid, struct sandsh_user *u, struct sandsh_err *e)
{
	return lookup_isolated(uid, NULL, u, e);
}

int sandsh_ident_from_name(const char *name, struct sandsh_user *u, struct sandsh_err *e)
{
	return lookup_isolated(0, name, u, e);
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
