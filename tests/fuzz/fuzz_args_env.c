/* libFuzzer harness: what an unprivileged caller controls directly, its
 * argv and its environment (SECURITY 4 and 5).
 *
 * Input: one flag byte, then NUL-separated strings: the argv (argv[0]
 * first) up to an empty string, then the caller's environment ("NAME=VALUE"
 * or anything else). Flag bits: 0 caller is root, 1-2 which fake policy
 * builds the environment, 3-4 which policy shell the inner argv names.
 * As in main(): the environment is snapshotted, SSH_ORIGINAL_COMMAND is
 * taken from the snapshot, sandsh_args_parse() runs, then for a session
 * mode sandsh_args_inner_argv(), and sandsh_env_build() on the snapshot.
 * Every result is checked against the contract (abort() on a violation:
 * a non-root caller reaching a root-only mode, an option after -c COMMAND
 * accepted, a variable reaching the sandbox that the allow-list or
 * sandsh_env_value_ok() would refuse, HOME/USER/LOGNAME/SHELL not ours...).
 * Built by tests/security.mk (make fuzz); never part of the product. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandsh/args.h"
#include "sandsh/env.h"
#include "sandsh/policy.h"

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_args_env: invariant failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                         \
			abort();                                                             \
		}                                                                            \
	} while (0)

#define MAX_STRINGS 4096

static gid_t gids[] = { 1000, 1101 };
static char *gnames[] = { "alice", "students" };
static const struct sandsh_user user = { .uid = 1000, .gid = 1000, .name = "alice",
					 .home = "/home/alice", .gecos = "Alice", .group = "alice",
					 .gids = gids, .group_names = gnames, .n_gids = 2 };

static char *keep_builtin[] = { "TERM", "LANG", "LC_*", "TZ", "SSH_CONNECTION", "SSH_CLIENT",
				"SSH_TTY", "SSH_ORIGINAL_COMMAND" };
/* An administrator's wide list: prefixes, and names sandsh sets itself. */
static char *keep_wide[] = { "L*", "T*", "SSH_*", "HOME", "PATH", "USER", "SHELL", "LD_PRELOAD", "X" };
static char *keep_odd[] = { "LC_", "TERM*", "A" };
static struct sandsh_envvar env_path[] = { { "PATH", "/usr/local/bin:/usr/bin:/bin" } };
static struct sandsh_envvar env_many[] = { { "PATH", "/bin" }, { "EDITOR", "vi" },
					   { "TERM", "dumb" }, { "LANG", "C.UTF-8" } };

static struct sandsh_policy policies[4] = {
	{ .home = "/home/alice", .shell = "/bin/sh", .env = env_path, .n_env = 1,
	  .env_keep = keep_builtin, .n_env_keep = 8 },
	{ .home = "/tmp", .shell = "/bin/ash", .env = env_many, .n_env = 4,
	  .env_keep = keep_wide, .n_env_keep = 9 },
	{ .home = "/", .shell = "/usr/bin/bash", .env = NULL, .n_env = 0,
	  .env_keep = NULL, .n_env_keep = 0 },
	{ .home = "/home/alice", .shell = "/bin/sh", .env = env_many, .n_env = 4,
	  .env_keep = keep_odd, .n_env_keep = 3 },
};
static const char *shells[4] = { "/bin/sh", "/usr/bin/bash", "sh", "/bin/" };

static bool kept_by(const struct sandsh_policy *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->n_env_keep; i++) {
		const char *k = p->env_keep[i];
		size_t kl = strlen(k);
		if (kl && k[kl - 1] == '*' ? len >= kl - 1 && !strncmp(name, k, kl - 1)
					   : kl == len && !strncmp(name, k, len))
			return true;
	}
	return false;
}

static bool from_policy(const struct sandsh_policy *p, const char *entry)
{
	for (size_t i = 0; i < p->n_env; i++) {
		size_t n = strlen(p->env[i].name);
		if (!strncmp(entry, p->env[i].name, n) && entry[n] == '=' &&
		    !strcmp(entry + n + 1, p->env[i].value))
			return true;
	}
	return false;
}

/* Properties sandsh_env_value_ok() promises (env.h, SECURITY 4). */
static void check_value_ok(const char *name, const char *value)
{
	bool cmd = !strcmp(name, "SSH_ORIGINAL_COMMAND");
	bool loc = !strcmp(name, "TERM") || !strcmp(name, "LANG") || !strcmp(name, "LANGUAGE") ||
		   !strncmp(name, "LC_", 3);

	if (!sandsh_env_value_ok(name, value))
		return;
	CHECK(name[0] && strlen(name) <= 128 && !(name[0] >= '0' && name[0] <= '9'));
	for (const char *c = name; *c; c++)
		CHECK((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '_');
	CHECK(strlen(value) <= (cmd ? 256 * 1024 : 4096));
	for (const unsigned char *c = (const unsigned char *)value; *c; c++)
		CHECK((*c >= 0x20 && *c != 0x7f) || (cmd && (*c == '\t' || *c == '\n' || *c == '\r')));
	if (loc)
		CHECK(!strchr(value, '/') && !strstr(value, "..") && !strchr(value, '%'));
	if (!strcmp(name, "TZ"))
		CHECK(value[0] != ':' && value[0] != '/' && !strstr(value, "..") && !strchr(value, '%'));
}

static void check_args(int argc, char **argv, const char *ssh_cmd, bool root, int rc,
		       const struct sandsh_args *a, const struct sandsh_err *e)
{
	if (rc < 0) {
		CHECK(rc == -1 && e->status == 125 && e->msg[0]);
		/* Printed as the one stderr line "sandsh: <msg>": a caller's
		 * argument must not add lines or terminal controls to it. */
		for (const unsigned char *c = (const unsigned char *)e->msg; *c; c++)
			CHECK(*c >= 0x20 && *c != 0x7f);
		return;
	}
	CHECK(rc == 0 && argc >= 1 && argv[0][0]);
	CHECK(a->login == (argv[0][0] == '-'));
	switch (a->mode) {
	case SANDSH_MODE_SHELL:
		CHECK(!ssh_cmd && (argc == 1 || (argc == 2 && !strcmp(argv[1], "--"))));
		break;
	case SANDSH_MODE_COMMAND:
		/* -c COMMAND and nothing after it, or SSH_ORIGINAL_COMMAND. */
		if (argc == 3 && !strcmp(argv[1], "-c"))
			CHECK(a->command == argv[2]);
		else
			CHECK(ssh_cmd && a->command == ssh_cmd &&
			      (argc == 1 || (argc == 2 && !strcmp(argv[1], "--"))));
		break;
	case SANDSH_MODE_HELP:
	case SANDSH_MODE_VERSION:
		CHECK(argc == 2);
		break;
	case SANDSH_MODE_CHECK:
	case SANDSH_MODE_EXPLAIN:
	case SANDSH_MODE_LIST:
	case SANDSH_MODE_STOP:
		CHECK(root); /* SECURITY 5: no policy-changing option for a user */
		CHECK(argc >= 2 && argc <= 3);
		if (a->mode == SANDSH_MODE_EXPLAIN || a->mode == SANDSH_MODE_STOP)
			CHECK(argc == 3 && a->operand == argv[2]);
		break;
	default:
		CHECK(!"unknown mode");
	}
}

static void check_inner(const struct sandsh_args *a, const char *shell, char **iv)
{
	const char *base = strrchr(shell, '/');

	base = base ? base + 1 : shell;
	CHECK(iv && iv[0]);
	if (a->mode == SANDSH_MODE_COMMAND) {
		CHECK(!strcmp(iv[0], base) && !strcmp(iv[1], "-c") && !strcmp(iv[2], a->command) && !iv[3]);
	} else {
		CHECK(!iv[1]);
		if (a->login)
			CHECK(iv[0][0] == '-' && !strcmp(iv[0] + 1, base));
		else
			CHECK(!strcmp(iv[0], base));
	}
}

static void check_env(char **caller, const struct sandsh_policy *p, char **out)
{
	size_t n = 0;

	CHECK(out);
	for (; out[n]; n++) {
		const char *eq = strchr(out[n], '=');
		size_t nl;
		char name[256];

		CHECK(eq && eq != out[n]);
		nl = (size_t)(eq - out[n]);
		CHECK(nl < sizeof(name));
		memcpy(name, out[n], nl);
		name[nl] = '\0';
		for (size_t j = 0; j < n; j++)
			CHECK(strncmp(out[j], out[n], nl + 1)); /* no name twice */
		if (!strcmp(name, "HOME"))
			CHECK(!strcmp(eq + 1, p->home));
		else if (!strcmp(name, "USER") || !strcmp(name, "LOGNAME"))
			CHECK(!strcmp(eq + 1, user.name));
		else if (!strcmp(name, "SHELL"))
			CHECK(!strcmp(eq + 1, p->shell));
		else if (!from_policy(p, out[n])) {
			/* From the caller: allowed by env_keep, the value checked. */
			bool found = false;
			CHECK(kept_by(p, name, nl));
			CHECK(sandsh_env_value_ok(name, eq + 1));
			for (size_t j = 0; caller[j] && !found; j++)
				found = !strcmp(caller[j], out[n]);
			CHECK(found);
			/* A policy variable always wins over the caller's. */
			for (size_t j = 0; j < p->n_env; j++)
				CHECK(strcmp(p->env[j].name, name));
		}
	}
	CHECK(sandsh_env_get(out, "HOME") && sandsh_env_get(out, "USER") &&
	      sandsh_env_get(out, "LOGNAME") && sandsh_env_get(out, "SHELL"));
	for (size_t j = 0; j < p->n_env; j++)
		CHECK(!strcmp(sandsh_env_get(out, p->env[j].name), p->env[j].value));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, **strs, **argv, **envp, **snap, **inner, **built;
	const char *ssh_cmd;
	size_t n = 0, argc = 0, i;
	struct sandsh_args a;
	struct sandsh_err e = { 0 };
	unsigned flags;
	const struct sandsh_policy *p;
	const char *shell;
	bool root;
	int rc;

	if (size < 1 || size > 512 * 1024)
		return -1;
	flags = data[0];
	root = flags & 1;
	p = &policies[(flags >> 1) & 3];
	shell = shells[(flags >> 3) & 3];

	buf = malloc(size);
	strs = calloc(MAX_STRINGS + 2, sizeof(char *));
	if (!buf || !strs) {
		free(buf);
		free(strs);
		return 0;
	}
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0'; /* the last string ends at the end of the input */
	for (char *s = buf; s < buf + size && n < MAX_STRINGS; s += strlen(s) + 1)
		strs[n++] = s;
	/* argv: up to the first empty string; the rest is the environment. */
	while (argc < n && strs[argc][0])
		argc++;
	argv = strs;
	envp = argc < n ? strs + argc + 1 : strs + n;
	argv[argc] = NULL; /* the empty separator (or the calloc'd slot) */

	snap = sandsh_env_snapshot(envp);
	if (!snap)
		goto out;
	ssh_cmd = sandsh_env_get(snap, "SSH_ORIGINAL_COMMAND");
	for (i = 0; snap[i]; i++) {
		char *eq = strchr(snap[i], '=');
		if (eq) {
			*eq = '\0';
			check_value_ok(snap[i], eq + 1);
			*eq = '=';
		}
		check_value_ok(snap[i], "");
	}

	rc = sandsh_args_parse((int)argc, argv, ssh_cmd, root, &a, &e);
	if (argc >= 1 && argv[0][0])
		check_args((int)argc, argv, ssh_cmd, root, rc, &a, &e);
	else
		CHECK(rc == -1);
	if (rc == 0 && (a.mode == SANDSH_MODE_SHELL || a.mode == SANDSH_MODE_COMMAND)) {
		inner = sandsh_args_inner_argv(&a, shell);
		check_inner(&a, shell, inner);
		free(inner);
	}

	built = sandsh_env_build(snap, p, &user, &e);
	check_env(snap, p, built);
	sandsh_env_free(built);
	sandsh_env_free(snap);
out:
	free(strs);
	free(buf);
	return 0;
}
