/* libFuzzer harness: the policy parser, static validator, resolver and
 * explainer (sandsh_policy_parse/resolve/explain), and the pure helpers
 * sandsh_policy_expand, _parse_size and _hostname_valid.
 *
 * The input is the text of a sandsh.conf. It is parsed; when it parses, it
 * is resolved for a few fixed fake users (one in many groups, root with an
 * unnamed group and home "/", one whose names need escaping), each result
 * is explained to /dev/null and checked against the invariants the rest of
 * sandsh relies on (abort() on a violation, so libFuzzer reports it like a
 * crash). The helpers run on the whole input and on each of its lines.
 * Built by tests/security.mk (make fuzz); never part of the product. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandsh/policy.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_policy: invariant failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                       \
			abort();                                                           \
		}                                                                          \
	} while (0)

static FILE *devnull;

static gid_t alice_gids[] = { 1000, 100, 27, 1100, 1101, 1102, 1103, 1104 };
static char *alice_groups[] = { "alice", "users", "sudo", "students", "staff", "exam", "bastion", "sftponly" };
static gid_t root_gids[] = { 0, 4242 };
static char *root_groups[] = { "root", NULL }; /* a gid without a name */
static gid_t odd_gids[] = { 5000, 5001 };
static char *odd_groups[] = { "we\"ird", "trial" };

static struct sandsh_user users[] = {
	{ .uid = 1000, .gid = 1000, .name = "alice", .home = "/home/alice", .gecos = "Alice A",
	  .group = "alice", .gids = alice_gids, .group_names = alice_groups, .n_gids = 8 },
	{ .uid = 0, .gid = 0, .name = "root", .home = "/", .gecos = "root", .group = "root",
	  .gids = root_gids, .group_names = root_groups, .n_gids = 2 },
	{ .uid = 4294967294U, .gid = 5000, .name = "o.d-d_1", .home = "/srv/h%me/o d",
	  .gecos = "", .group = "we\"ird", .gids = odd_gids, .group_names = odd_groups, .n_gids = 2 },
};

static int path_clean(const char *p)
{
	/* Absolute, no control character, no "." or ".." component, no "//". */
	if (!p || p[0] != '/')
		return 0;
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	if (!strcmp(p, "/"))
		return 1;
	for (const char *c = p + 1;;) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!*e)
			return 1;
		c = e + 1;
	}
}

static void check_resolved(const struct sandsh_policy *p)
{
	CHECK(p->hostname && sandsh_policy_hostname_valid(p->hostname));
	CHECK(path_clean(p->shell));
	CHECK(path_clean(p->home));
	if (p->sandbox && p->allow)
		CHECK(path_clean(p->rootfs));
	if (p->rootfs)
		CHECK(path_clean(p->rootfs));
	CHECK(p->pids_max >= 1);
	CHECK(p->cpu_max_pct == -1 || p->cpu_max_pct >= 1);
	CHECK(p->memory_max == -1 || p->memory_max >= 1024 * 1024);
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct sandsh_mount *m = &p->mounts[i];
		CHECK(path_clean(m->target) && strcmp(m->target, "/"));
		CHECK(strncmp(m->target, "/proc", 5) || (m->target[5] != '\0' && m->target[5] != '/'));
		CHECK(strncmp(m->target, "/dev", 4) || (m->target[4] != '\0' && m->target[4] != '/'));
		if (m->type == SANDSH_MOUNT_BIND)
			CHECK(path_clean(m->source));
		else
			CHECK(!m->source && m->size >= 1024 * 1024);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(p->mounts[j].target, m->target));
	}
	for (size_t i = 0; i < p->n_env; i++) {
		const char *n = p->env[i].name;
		CHECK(n && p->env[i].value);
		CHECK(strcmp(n, "HOME") && strcmp(n, "USER") && strcmp(n, "LOGNAME") && strcmp(n, "SHELL"));
		for (const unsigned char *c = (const unsigned char *)p->env[i].value; *c; c++)
			CHECK(*c >= 0x20 ? *c != 0x7f : *c == '\t');
	}
	for (size_t i = 0; i < p->n_env_keep; i++)
		CHECK(p->env_keep[i] && p->env_keep[i][0] && p->env_keep[i][0] != '*');
}

static void helpers(const char *s)
{
	char err[128];
	int64_t v;

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char *x = sandsh_policy_expand(s, &users[i], i ? "h" : "host-1", err, sizeof(err));
		CHECK(x || err[0]);
		free(x);
	}
	/* A tiny error buffer must be honoured (and NULL means "use your own"). */
	free(sandsh_policy_expand(s, &users[0], NULL, err, 1));
	free(sandsh_policy_expand(s, &users[0], "h", NULL, 0));
	v = sandsh_policy_parse_size(s);
	CHECK(v >= -1);
	if (sandsh_policy_hostname_valid(s))
		CHECK(strlen(s) >= 1 && strlen(s) <= 64 && !strchr(s, '/') && !strstr(s, ".."));
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return devnull ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sandsh_policy_file *pf = NULL;
	struct sandsh_diags d = { 0 };
	char *text, *line, *save = NULL;

	if (size > 256 * 1024)
		return -1;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* sandsh_policy_load refuses embedded NULs the same way */

	if (sandsh_policy_parse("fuzz.conf", text, &pf, &d) == 0) {
		CHECK(pf && d.n == 0);
		CHECK(sandsh_policy_settings(pf) && sandsh_policy_settings(pf)->cgroup_parent);
		CHECK(!strcmp(sandsh_policy_path(pf), "fuzz.conf"));
		for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
			struct sandsh_policy p;
			struct sandsh_diags rd = { 0 };
			if (sandsh_policy_resolve(pf, &users[i], "host-1", &p, &rd) == 0) {
				CHECK(rd.n == 0);
				check_resolved(&p);
				sandsh_policy_explain(devnull, pf, &p);
				sandsh_policy_free(&p);
			} else {
				CHECK(rd.n > 0);
			}
			sandsh_diags_print(devnull, &rd);
			sandsh_diags_free(&rd);
		}
		sandsh_policy_file_free(pf);
	} else {
		CHECK(!pf && d.n > 0);
		sandsh_diags_print(devnull, &d);
	}
	sandsh_diags_free(&d);

	if (size <= 4096) {
		helpers(text);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			helpers(line);
	}
	free(text);
	return 0;
}
