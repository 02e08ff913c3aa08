/* Environment allow-list for the inner shell. Pure; the outer process calls
 * it (euid 0) after clearenv(), on a snapshot of the caller's environment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandsh/env.h"

#define VALUE_MAX 4096
#define COMMAND_MAX (256 * 1024)

char **sandsh_env_snapshot(char *const *envp)
{
	size_t n = 0;
	char **copy;

	while (envp && envp[n])
		n++;
	copy = calloc(n + 1, sizeof(char *));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(envp[i]);
		if (!copy[i]) {
			sandsh_env_free(copy);
			return NULL;
		}
	}
	return copy;
}

void sandsh_env_free(char **envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
}

const char *sandsh_env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, len) && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 128 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

bool sandsh_env_value_ok(const char *name, const char *value)
{
	bool command = !strcmp(name, "SSH_ORIGINAL_COMMAND");
	bool locale = !strcmp(name, "TERM") || !strcmp(name, "LANG") || !strcmp(name, "LANGUAGE") ||
		      !strncmp(name, "LC_", 3);
	size_t len = strlen(value);

	if (!name_ok(name, strlen(name)) || len > (command ? COMMAND_MAX : VALUE_MAX))
		return false;
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (command && (c == '\t' || c == '\n' || c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	/* glibc loads locale, terminfo and zone files named by these values. */
	if (locale && (strchr(value, '/') || strstr(value, "..") || strchr(value, '%')))
		return false;
	if (!strcmp(name, "TZ") &&
	    (value[0] == ':' || value[0] == '/' || strstr(value, "..") || strchr(value, '%')))
		return false;
	return true;
}

static bool kept(const struct sandsh_policy *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->n_env_keep; i++) {
		const char *k = p->env_keep[i];
		size_t kl = strlen(k);
		if (kl && k[kl - 1] == '*') {
			if (len >= kl - 1 && !strncmp(name, k, kl - 1))
				return true;
		} else if (kl == len && !strncmp(name, k, len)) {
			return true;
		}
	}
	return false;
}

struct envbuf {
	char **v;
	size_t n, cap;
};

static int put(struct envbuf *b, const char *name, size_t nlen, const char *value)
{
	char *entry;
	size_t vlen = strlen(value);

	entry = malloc(nlen + 1 + vlen + 1);
	if (!entry)
		return -1;
	memcpy(entry, name, nlen);
	entry[nlen] = '=';
	memcpy(entry + nlen + 1, value, vlen + 1);
	for (size_t i = 0; i < b->n; i++) {
		if (!strncmp(b->v[i], name, nlen) && b->v[i][nlen] == '=') {
			free(b->v[i]);
			b->v[i] = entry;
			return 0;
		}
	}
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char **nv = realloc(b->v, cap * sizeof(char *));
		if (!nv) {
			free(entry);
			return -1;
		}
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n++] = entry;
	b->v[b->n] = NULL;
	return 0;
}

char **sandsh_env_build(char *const *caller, const struct sandsh_policy *p,
			const struct sandsh_user *u, struct sandsh_err *e)
{
	struct envbuf b = { 0 };

	b.cap = 32;
	b.v = calloc(b.cap, sizeof(char *));
	if (!b.v)
		goto nomem;
	for (size_t i = 0; caller && caller[i]; i++) {
		const char *eq = strchr(caller[i], '=');
		size_t nlen;
		char name[129];

		if (!eq)
			continue;
		nlen = (size_t)(eq - caller[i]);
		if (nlen == 0 || nlen >= sizeof(name) || !kept(p, caller[i], nlen))
			continue;
		memcpy(name, caller[i], nlen);
		name[nlen] = '\0';
		if (!sandsh_env_value_ok(name, eq + 1))
			continue;
		if (put(&b, name, nlen, eq + 1) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < p->n_env; i++)
		if (put(&b, p->env[i].name, strlen(p->env[i].name), p->env[i].value) < 0)
			goto nomem;
	if (put(&b, "HOME", 4, p->home) < 0 || put(&b, "USER", 4, u->name) < 0 ||
	    put(&b, "LOGNAME", 7, u->name) < 0 || put(&b, "SHELL", 5, p->shell) < 0)
		goto nomem;
	return b.v;
nomem:
	sandsh_env_free(b.v);
	sandsh_err_set(e, ENOMEM, "environment");
	return NULL;
}
