/* The audit of sshd's side doors for `sandsh --check` (docs/ssh.md): sshd's
 * PAM stack (with its includes) and `sshd -T` output in, one line per side
 * door out. Root, no namespace, read-only: it changes nothing and decides
 * nothing by itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandsh/err.h"
#include "sandsh/sshaudit.h"

#define SSHRC_PATH "/etc/ssh/sshrc"
#define MAX_DEPTH 16           /* nested includes */
#define MAX_FILE (1024 * 1024) /* a PAM file larger than this is refused */

struct audit {
	FILE *out;
	const struct sandsh_sshaudit_in *in;
	int found;
	int failed;
};

static void door(struct audit *a, const char *where, const char *what, const char *why)
{
	fprintf(a->out, "side door: %s: %s: %s\n", where, what, why);
	a->found++;
}

static void trouble(struct audit *a, const char *what, const char *why)
{
	fprintf(a->out, "ssh audit: %s: %s\n", what, why);
	a->failed = 1;
}

/* --- PAM ------------------------------------------------------------------ */

/* The next token of a PAM line: a word, or a [...] group that may hold
 * blanks (Linux-PAM's syntax for controls and arguments; "\]" does not end
 * it). Returns NULL at the end. */
static char *next_token(char **cursor)
{
	char *p = *cursor, *start;

	p += strspn(p, " \t");
	if (!*p)
		return NULL;
	start = p;
	if (*p == '[') {
		for (p++; *p && *p != ']'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p == ']')
			p++;
	} else {
		p += strcspn(p, " \t");
	}
	if (*p)
		*p++ = '\0';
	*cursor = p;
	return start;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* An included name: relative to the directory of the including file. */
static char *include_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *path = NULL;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&path, "%.*s/%s", (int)(slash - from), from, name) < 0)
		return NULL;
	return path;
}

/* The value of a "user_readenv=" argument, read as pam_env reads it
 * (atoi: leading digits, anything after them ignored); 0 when arg is
 * another argument. Non-zero: the user's environment file is read. */
static long user_readenv(const char *arg)
{
	static const char key[] = "user_readenv=";
	long v;

	if (strncmp(arg, key, sizeof(key) - 1) != 0)
		return 0;
	errno = 0;
	v = strtol(arg + sizeof(key) - 1, NULL, 10);
	return errno ? 1 : v;
}

static void audit_pam_file(struct audit *a, const char *path, const char *text, int depth);

static void audit_include(struct audit *a, const char *from, const char *name, int depth)
{
	char *path, *text;

	if (depth >= MAX_DEPTH) {
		trouble(a, from, "includes nest too deep");
		return;
	}
	path = include_path(from, name);
	if (!path) {
		trouble(a, name, "out of memory");
		return;
	}
	errno = 0;
	text = a->in->read ? a->in->read(path, a->in->read_arg) : NULL;
	if (!text) {
		trouble(a, path, errno ? sandsh_strerror(errno) : "cannot read");
		free(path);
		return;
	}
	audit_pam_file(a, path, text, depth + 1);
	free(text);
	free(path);
}

/* One logical line (comments and continuations already handled). */
static void audit_pam_line(struct audit *a, const char *path, int lineno, char *line, int depth)
{
	char *cur = line, *type, *control, *module, *arg;
	char where[PATH_MAX + 32];

	type = next_token(&cur);
	if (!type)
		return;
	if (!strcmp(type, "@include")) {
		char *name = next_token(&cur);
		if (name)
			audit_include(a, path, name, depth);
		return;
	}
	if (*type == '-')
		type++;
	control = next_token(&cur);
	module = next_token(&cur);
	if (!control || !module)
		return;
	if (!strcmp(control, "include") || !strcmp(control, "substack")) {
		audit_include(a, path, module, depth);
		return;
	}
	if (strcmp(type, "session") != 0 && strcmp(type, "auth") != 0)
		return;
	if (strcmp(base_name(module), "pam_env.so") != 0)
		return;
	while ((arg = next_token(&cur))) {
		long v = user_readenv(arg);
		if (v != 0) {
			char what[128];
			snprintf(where, sizeof(where), "%s:%d", path, lineno);
			snprintf(what, sizeof(what), "%s pam_env.so user_readenv=%ld", type, v);
			door(a, where, what,
			     "sshd reads the user's ~/.pam_environment into the environment of what it "
			     "starts outside the sandbox (the user's shell, /etc/ssh/sshrc, xauth)");
			return;
		}
	}
}

/* Splits text into logical lines the way Linux-PAM reads a service file:
 * '#' starts a comment, a backslash before the newline continues the line. */
static void audit_pam_file(struct audit *a, const char *path, const char *text, int depth)
{
	char *copy = strdup(text), *p, *line;
	int lineno = 1;

	if (!copy) {
		trouble(a, path, "out of memory");
		return;
	}
	p = copy;
	while (*p) {
		int start = lineno;
		char *w;

		line = w = p;
		/* Join continued lines in place. */
		for (;;) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			bool more = len > 0 && p[len - 1] == '\\' && nl;

			memmove(w, p, more ? len - 1 : len);
			w += more ? len - 1 : len;
			if (more)
				*w++ = ' ';
			p = nl ? nl + 1 : p + len;
			if (nl)
				lineno++;
			if (!more)
				break;
		}
		*w = '\0';
		{
			char *hash = strchr(line, '#');
			if (hash)
				*hash = '\0';
		}
		audit_pam_line(a, path, start, line, depth);
	}
	free(copy);
}

/* --- sshd -T --------------------------------------------------------------- */

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : NULL;
}

/* When line p starts with keyword key (sshd -T prints them in lower case),
 * copies the rest of that line, without blanks around it, into buf. */
static bool keyword_value(const char *p, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;

	if (strncmp(p, key, klen) != 0 || (p[klen] != ' ' && p[klen] != '\t'))
		return false;
	p += klen + strspn(p + klen, " \t");
	n = strcspn(p, "\n");
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, p);
	return true;
}

/* The value of keyword key (its first line); false when absent. */
static bool sshd_value(const char *T, const char *key, char *buf, size_t len)
{
	for (const char *p = T; p && *p; p = next_line(p))
		if (keyword_value(p, key, buf, len))
			return true;
	return false;
}

static bool acceptenv_safe(const char *pat)
{
	if (!strcmp(pat, "LANG") || !strcmp(pat, "LC_*"))
		return true;
	if (strncmp(pat, "LC_", 3) != 0 || !pat[3])
		return false;
	for (const char *c = pat + 3; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '_'))
			return false;
	return true;
}

static void audit_sshd(struct audit *a, const char *T)
{
	static const char *const forwarding[] = { "allowtcpforwarding",
						  "allowstreamlocalforwarding",
						  "allowagentforwarding", "x11forwarding",
						  "permittunnel" };
	char v[1024], what[1200];

	if (sshd_value(T, "permituserenvironment", v, sizeof(v)) && strcmp(v, "no") != 0) {
		snprintf(what, sizeof(what), "permituserenvironment %s", v);
		door(a, "sshd -T", what,
		     "~/.ssh/environment and environment= in authorized_keys set the environment of what sshd "
		     "starts outside the sandbox");
	}
	/* sshd -T prints each pattern on a line of its own; a line with
	 * several is split all the same. */
	for (const char *p = T; p && *p; p = next_line(p)) {
		char *cur = v, *pat;
		if (!keyword_value(p, "acceptenv", v, sizeof(v)))
			continue;
		while ((pat = next_token(&cur))) {
			if (acceptenv_safe(pat))
				continue;
			snprintf(what, sizeof(what), "acceptenv %s", pat);
			door(a, "sshd -T", what,
			     "the client sets this variable for what sshd starts outside the sandbox (accept only "
			     "LANG and LC_*)");
		}
	}
	if (sshd_value(T, "permituserrc", v, sizeof(v)) && strcmp(v, "no") != 0) {
		snprintf(what, sizeof(what), "permituserrc %s", v);
		door(a, "sshd -T", what,
		     "sshd runs ~/.ssh/rc from the user's host home when no ForceCommand applies");
	}
	if (!sshd_value(T, "disableforwarding", v, sizeof(v)) || strcmp(v, "yes") != 0) {
		for (size_t i = 0; i < sizeof(forwarding) / sizeof(forwarding[0]); i++) {
			if (!sshd_value(T, forwarding[i], v, sizeof(v)) || !strcmp(v, "no"))
				continue;
			snprintf(what, sizeof(what), "%s %s", forwarding[i], v);
			door(a, "sshd -T", what,
			     "sshd forwards on the host, outside the sandbox (DisableForwarding yes closes every kind)");
		}
	}
	for (const char *p = T; p && *p; p = next_line(p)) {
		char *cur = v, *name, *cmd;
		if (!keyword_value(p, "subsystem", v, sizeof(v)))
			continue;
		name = next_token(&cur);
		cmd = name ? next_token(&cur) : NULL;
		if (cmd && !strcmp(cmd, "internal-sftp")) {
			snprintf(what, sizeof(what), "subsystem %s internal-sftp", name);
			door(a, "sshd -T", what, "sftp runs inside sshd, outside the sandbox");
		}
	}
	if (sshd_value(T, "forcecommand", v, sizeof(v))) {
		char *cur = v, *cmd = next_token(&cur);
		if (cmd && !strcmp(cmd, "internal-sftp")) {
			snprintf(what, sizeof(what), "forcecommand internal-sftp");
			door(a, "sshd -T", what, "sftp runs inside sshd, outside the sandbox");
		}
	}
}

/* --- entry points ------------------------------------------------------------- */

int sandsh_sshaudit_run(FILE *out, const struct sandsh_sshaudit_in *in)
{
	struct audit a = { .out = out, .in = in };
	char v[16];
	bool pam = true;

	if (in->sshd_T && sshd_value(in->sshd_T, "usepam", v, sizeof(v)) && !strcmp(v, "no"))
		pam = false;
	if (pam && in->pam_text)
		audit_pam_file(&a, in->pam_path ? in->pam_path : "sshd", in->pam_text, 0);
	if (in->sshd_T)
		audit_sshd(&a, in->sshd_T);
	if (in->sshrc)
		door(&a, SSHRC_PATH, "present",
		     "sshd runs it on the host before every session, with the session's environment");
	return a.failed ? -1 : a.found;
}

/* Reads a PAM file of this host: a regular file (not a symlink as the last
 * component), at most MAX_FILE bytes. */
static char *read_file(const char *path, void *arg)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, err = 0;

	(void)arg;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;
	else if (st.st_size > MAX_FILE)
		err = EFBIG;
	buf = err ? NULL : malloc((size_t)st.st_size + 1);
	if (!err && !buf)
		err = ENOMEM;
	while (!err && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno;
		else if (n == 0)
			break;
		else
			got += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[got] = '\0';
	return buf;
}

int sandsh_sshaudit(FILE *out, const char *pam_sshd_path, const char *sshd_T_output)
{
	struct sandsh_sshaudit_in in = {
		.pam_path = pam_sshd_path,
		.read = read_file,
		.sshd_T = sshd_T_output,
	};
	struct stat st;
	char *text = NULL;
	bool failed = false;
	int rc;

	if (pam_sshd_path) {
		errno = 0;
		text = read_file(pam_sshd_path, NULL);
		if (!text && errno != ENOENT) {
			fprintf(out, "ssh audit: %s: %s\n", pam_sshd_path, sandsh_strerror(errno));
			failed = true;
		}
	}
	in.pam_text = text;
	in.sshrc = lstat(SSHRC_PATH, &st) == 0;
	rc = sandsh_sshaudit_run(out, &in);
	free(text);
	return failed ? -1 : rc;
}
