/* Unit tests of the policy module: parsing, static validation, merge,
 * expansion, resolve-time validation and --explain output. No root. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandsh/policy.h"

#define F "t.conf"

/* ------------------------------------------------------------ helpers */

static char *diags_str(const struct sandsh_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	sandsh_diags_print(f, d);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Parses text, expects failure with exactly the diagnostics `want`. */
static void expect_parse_error(const char *text, const char *want)
{
	struct sandsh_policy_file *pf = (void *)1;
	struct sandsh_diags d = { 0 };
	char *got;

	assert_int_equal(sandsh_policy_parse(F, text, &pf, &d), -1);
	assert_null(pf);
	got = diags_str(&d);
	assert_string_equal(got, want);
	free(got);
	sandsh_diags_free(&d);
}

static struct sandsh_policy_file *parse_ok(const char *text)
{
	struct sandsh_policy_file *pf = NULL;
	struct sandsh_diags d = { 0 };
	char *got;
	int rc = sandsh_policy_parse(F, text, &pf, &d);

	got = diags_str(&d);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(rc, 0);
	assert_non_null(pf);
	sandsh_diags_free(&d);
	return pf;
}

static char *alice_groups[] = { "alice", "staff", NULL, "students" };
static gid_t alice_gids[] = { 1001, 50, 4242, 100 };

static struct sandsh_user alice(void)
{
	struct sandsh_user u = { 0 };

	u.uid = 1001;
	u.gid = 1001;
	u.name = "alice";
	u.home = "/home/alice";
	u.gecos = "Alice";
	u.group = "alice";
	u.gids = alice_gids;
	u.group_names = alice_groups;
	u.n_gids = 4;
	return u;
}

static struct sandsh_user bob(void)
{
	static char *groups[] = { "bob" };
	static gid_t gids[] = { 1002 };
	struct sandsh_user u = { 0 };

	u.uid = 1002;
	u.gid = 1002;
	u.name = "bob";
	u.home = "/home/bob";
	u.gecos = "";
	u.group = "bob";
	u.gids = gids;
	u.group_names = groups;
	u.n_gids = 1;
	return u;
}

/* Parses and resolves text for u; expects success. */
static void resolve_ok(const char *text, const struct sandsh_user *u, struct sandsh_policy *p)
{
	struct sandsh_policy_file *pf = parse_ok(text);
	struct sandsh_diags d = { 0 };
	int rc = sandsh_policy_resolve(pf, u, "lab1", p, &d);
	char *got = diags_str(&d);

	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	free(got);
	sandsh_diags_free(&d);
	sandsh_policy_file_free(pf);
}

/* Parses text (must be valid), resolves for u, expects exactly `want`. */
static void expect_resolve_error(const char *text, const struct sandsh_user *u, const char *want)
{
	struct sandsh_policy_file *pf = parse_ok(text);
	struct sandsh_diags d = { 0 };
	struct sandsh_policy p;
	int rc;
	char *got;

	memset(&p, 0xa5, sizeof(p));
	rc = sandsh_policy_resolve(pf, u, "lab1", &p, &d);
	got = diags_str(&d);
	assert_string_equal(got, want);
	assert_int_equal(rc, -1);
	/* A failed resolve leaves nothing to free. */
	assert_null(p.rootfs);
	assert_null(p.mounts);
	assert_null(p.env);
	free(got);
	sandsh_diags_free(&d);
	sandsh_policy_file_free(pf);
}

static const char *env_get(const struct sandsh_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (!strcmp(p->env[i].name, name))
			return p->env[i].value;
	return NULL;
}

#define ROOTFS_OK "version = 1;\ndefaults = { rootfs = \"/srv/rootfs\"; };\n"

/* ------------------------------------------------------ basic parsing */

static void t_minimal(void **state)
{
	struct sandsh_policy_file *pf = parse_ok("version = 1;\n");
	const struct sandsh_settings *st = sandsh_policy_settings(pf);

	assert_string_equal(sandsh_policy_path(pf), F);
	assert_string_equal(st->cgroup_parent, "sandsh");
	assert_false(st->allow_root);
	assert_int_equal(st->log_facility, LOG_AUTHPRIV);
	assert_string_equal(st->log_facility_name, "authpriv");
	assert_int_equal(st->slice_linger, 10);
	sandsh_policy_file_free(pf);
}

static void t_version(void **state)
{
	expect_parse_error("defaults = { };\n", "t.conf: version: required\n");
	expect_parse_error("\nversion = 2;\n", "t.conf:2: version: must be 1\n");
	expect_parse_error("version = \"1\";\n", "t.conf:1: version: must be 1\n");
	expect_parse_error("version = 1.0;\n", "t.conf:1: version: must be 1\n");
	/* libconfig 1.5 would read 4294967297 as 1 */
	expect_parse_error("version = 4294967297;\n", "t.conf:1: version: integer out of range "
						      "(write 64-bit values with an L suffix)\n");
	sandsh_policy_file_free(parse_ok("version = 1L;\n"));
}

static void t_unknown_top(void **state)
{
	expect_parse_error("version = 1;\nsetting = { };\nuser = { };\n",
			   "t.conf:2: setting: unknown setting\n"
			   "t.conf:3: user: unknown setting\n");
}

static void t_unknown_keys(void **state)
{
	expect_parse_error("version = 1;\n"
			   "defaults = {\n"
			   "  rootfs = \"/srv\";\n"
			   "  root_fs = \"/srv\";\n"
			   "};\n"
			   "groups = {\n"
			   "  staff = {\n"
			   "    rootfss = \"/x\";\n"
			   "  };\n"
			   "};\n"
			   "users = { alice = { Allow = true; }; };\n"
			   "settings = { cgroup = \"x\"; };\n",
			   "t.conf:4: defaults.root_fs: unknown key\n"
			   "t.conf:8: groups.staff.rootfss: unknown key\n"
			   "t.conf:11: users.alice.Allow: unknown key\n"
			   "t.conf:12: settings.cgroup: unknown key\n");
}

static void t_section_types(void **state)
{
	expect_parse_error("version = 1;\n"
			   "defaults = 1;\n"
			   "groups = ( );\n"
			   "users = { alice = \"x\"; bob = { }; };\n"
			   "settings = [ ];\n",
			   "t.conf:2: defaults: must be a group\n"
			   "t.conf:3: groups: must be a group\n"
			   "t.conf:4: users.alice: must be a group\n"
			   "t.conf:5: settings: must be a group\n");
}

static void t_wrong_types(void **state)
{
	expect_parse_error("version = 1;\n"
			   "users = { alice = {\n"
			   "  allow = 1;\n"
			   "  rootfs = true;\n"
			   "  pids_max = \"64\";\n"
			   "  memory_max = 1.5;\n"
			   "  cpu_max = 100;\n"
			   "  max_sessions = 2.0;\n"
			   "  timeout = \"1h\";\n"
			   "  net = false;\n"
			   "  mounts = \"/tmp\";\n"
			   "  env = [ \"A\" ];\n"
			   "  env_keep = \"TERM\";\n"
			   "  passwd = 1;\n"
			   "  seccomp = \"yes\";\n"
			   "  hostname = 7;\n"
			   "}; };\n",
			   "t.conf:3: users.alice.allow: must be a boolean\n"
			   "t.conf:4: users.alice.rootfs: must be a string\n"
			   "t.conf:5: users.alice.pids_max: must be an integer\n"
			   "t.conf:6: users.alice.memory_max: must be a string or an integer\n"
			   "t.conf:7: users.alice.cpu_max: must be a string\n"
			   "t.conf:8: users.alice.max_sessions: must be an integer\n"
			   "t.conf:9: users.alice.timeout: must be an integer\n"
			   "t.conf:10: users.alice.net: must be a string\n"
			   "t.conf:11: users.alice.mounts: must be a list\n"
			   "t.conf:12: users.alice.env: must be a group\n"
			   "t.conf:13: users.alice.env_keep: must be an array of strings\n"
			   "t.conf:14: users.alice.passwd: must be a string\n"
			   "t.conf:15: users.alice.seccomp: must be a boolean\n"
			   "t.conf:16: users.alice.hostname: must be a string\n");
}

static void t_ranges(void **state)
{
	expect_parse_error(
		"version = 1;\n"
		"defaults = {\n"
		"  pids_max = 0;\n"
		"};\n"
		"groups = { a = { pids_max = 4194305; }; b = { timeout = 31536001; }; };\n"
		"users = { u = { max_sessions = 0; timeout = 0; }; };\n",
		"t.conf:3: defaults.pids_max: must be between 1 and 4194304\n"
		"t.conf:5: groups.a.pids_max: must be between 1 and 4194304\n"
		"t.conf:5: groups.b.timeout: must be between 1 and 31536000\n"
		"t.conf:6: users.u.max_sessions: must be between 1 and 2147483647\n"
		"t.conf:6: users.u.timeout: must be between 1 and 31536000\n");
	expect_parse_error("version = 1;\ndefaults = { pids_max = -1; };\n",
			   "t.conf:2: defaults.pids_max: must be between 1 and 4194304\n");
	/* 64-bit literal: accepted where an int is, still range checked */
	expect_parse_error("version = 1;\ndefaults = { pids_max = 4294967360L; };\n",
			   "t.conf:2: defaults.pids_max: must be between 1 and 4194304\n");
	/* would be truncated to 64 by libconfig 1.5 */
	expect_parse_error("version = 1;\ndefaults = { pids_max = 4294967360; };\n",
			   "t.conf:2: defaults.pids_max: integer out of range "
			   "(write 64-bit values with an L suffix)\n");
	expect_parse_error("version = 1;\ndefaults = { timeout = 0x100000064; };\n",
			   "t.conf:2: defaults.timeout: integer out of range "
			   "(write 64-bit values with an L suffix)\n");
	expect_parse_error("version = 1;\ndefaults = { timeout = 99999999999999999999L; };\n",
			   "t.conf:2: defaults.timeout: integer out of range\n");

	expect_parse_error("version = 1;\ndefaults = { pids_max = -2147483649; };\n",
			   "t.conf:2: defaults.pids_max: integer out of range "
			   "(write 64-bit values with an L suffix)\n");
	/* libconfig reads 32-bit hex as signed: 0xFFFFFFFF is -1 */
	expect_parse_error("version = 1;\ndefaults = { timeout = 0xFFFFFFFF; };\n",
			   "t.conf:2: defaults.timeout: must be between 1 and 31536000\n");
	/* a bad literal elsewhere in the file does not taint other lines */
	expect_parse_error("version = 1;\ndefaults = { pids_max = 5;\n"
			   "timeout = 1.5e3; max_sessions = 9999999999; };\n",
			   "t.conf:3: defaults.timeout: must be an integer\n"
			   "t.conf:3: defaults.max_sessions: integer out of range "
			   "(write 64-bit values with an L suffix)\n");
	sandsh_policy_file_free(parse_ok(
		"version = 1;\n# 99999999999 in a comment\n/* 99999999999 */\n"
		"defaults = { hostname = \"h99999999999\"; env = { X = \"99999999999\"; };\n"
		"memory_max = 00000000000000000000000000000000000000000000000000000000000000000001048576;\n"
		"pids_max = 7; };\n"
		"users = { u = { pids_max = +5; }; };\n"));
	expect_parse_error("version = 1;\ndefaults = { pids_max = -0; };\n",
			   "t.conf:2: defaults.pids_max: must be between 1 and 4194304\n");

	struct sandsh_policy_file *pf = parse_ok(
		"version = 1;\ndefaults = { pids_max = 4194304; timeout = 31536000; "
		"max_sessions = 1; };\nusers = { x = { pids_max = 1L; timeout = 0x10; }; };\n");
	sandsh_policy_file_free(pf);
}

static void t_memory_max(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(ROOTFS_OK "users = { alice = { memory_max = \"512M\"; }; };\n", &u, &p);
	assert_int_equal(p.memory_max, 512LL << 20);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { memory_max = 1048576; }; };\n", &u, &p);
	assert_int_equal(p.memory_max, 1048576);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { memory_max = 5368709120L; }; };\n", &u, &p);
	assert_int_equal(p.memory_max, 5368709120LL);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { memory_max = \"2T\"; }; };\n", &u, &p);
	assert_int_equal(p.memory_max, 2LL << 40);
	sandsh_policy_free(&p);
	/* "max" clears a limit set by an earlier section */
	resolve_ok("version = 1;\ndefaults = { rootfs = \"/r\"; memory_max = \"1G\"; };\n"
		   "users = { alice = { memory_max = \"max\"; }; };\n",
		   &u, &p);
	assert_int_equal(p.memory_max, -1);
	assert_string_equal(p.origin[SANDSH_K_MEMORY_MAX].section, "users.alice");
	assert_int_equal(p.origin[SANDSH_K_MEMORY_MAX].line, 3);
	sandsh_policy_free(&p);

	expect_parse_error(
		"version = 1;\n"
		"defaults = {\n"
		"  memory_max = \"512MB\";\n"
		"};\n"
		"users = {\n"
		"  a = { memory_max = \"1023K\"; };\n"
		"  b = { memory_max = 1048575; };\n"
		"  c = { memory_max = \"\"; };\n"
		"  d = { memory_max = 5368709120; };\n"
		"};\n",
		"t.conf:3: defaults.memory_max: must be a size such as \"512M\" or \"max\"\n"
		"t.conf:6: users.a.memory_max: must be at least 1M (1048576 bytes)\n"
		"t.conf:7: users.b.memory_max: must be at least 1M (1048576 bytes)\n"
		"t.conf:8: users.c.memory_max: must be a size such as \"512M\" or \"max\"\n"
		"t.conf:9: users.d.memory_max: integer out of range "
		"(write 64-bit values with an L suffix)\n");
}

static void t_cpu_max(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(ROOTFS_OK, &u, &p);
	assert_int_equal(p.cpu_max_pct, 100);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { cpu_max = \"150%\"; }; };\n", &u, &p);
	assert_int_equal(p.cpu_max_pct, 150);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { cpu_max = \"1%\"; }; };\n", &u, &p);
	assert_int_equal(p.cpu_max_pct, 1);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { cpu_max = \"100000%\"; }; };\n", &u, &p);
	assert_int_equal(p.cpu_max_pct, 100000);
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { cpu_max = \"max\"; }; };\n", &u, &p);
	assert_int_equal(p.cpu_max_pct, -1);
	sandsh_policy_free(&p);

	expect_parse_error(
		"version = 1;\n"
		"users = {\n"
		"  a = { cpu_max = \"0%\"; };\n"
		"  b = { cpu_max = \"100001%\"; };\n"
		"  c = { cpu_max = \"150\"; };\n"
		"  d = { cpu_max = \"1.5\"; };\n"
		"  e = { cpu_max = \"MAX\"; };\n"
		"  f = { cpu_max = \"%\"; };\n"
		"  g = { cpu_max = \"50%%\"; };\n"
		"};\n",
		"t.conf:3: users.a.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:4: users.b.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:5: users.c.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:6: users.d.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:7: users.e.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:8: users.f.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n"
		"t.conf:9: users.g.cpu_max: must be \"N%\" with N from 1 to 100000, or \"max\"\n");
}

static void t_enums(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(ROOTFS_OK "users = { alice = { net = \"none\"; passwd = \"rootfs\"; "
			     "ipc = false; seccomp = false; readonly_root = false; }; };\n",
		   &u, &p);
	assert_int_equal(p.net, SANDSH_NET_NONE);
	assert_int_equal(p.passwd, SANDSH_PASSWD_ROOTFS);
	assert_false(p.ipc);
	assert_false(p.seccomp);
	assert_false(p.readonly_root);
	sandsh_policy_free(&p);

	expect_parse_error("version = 1;\n"
			   "defaults = {\n"
			   "  net = \"bridge\";\n"
			   "  passwd = \"ldap\";\n"
			   "};\n",
			   "t.conf:3: defaults.net: must be \"host\" or \"none\"\n"
			   "t.conf:4: defaults.passwd: must be \"generate\" or \"rootfs\"\n");
}

static void t_settings(void **state)
{
	struct sandsh_policy_file *pf =
		parse_ok("version = 1;\nsettings = { cgroup_parent = \"sandsh/lab-1_x.y\"; "
			 "allow_root = true; log_facility = \"local3\"; slice_linger = 0; };\n");
	const struct sandsh_settings *st = sandsh_policy_settings(pf);

	assert_string_equal(st->cgroup_parent, "sandsh/lab-1_x.y");
	assert_true(st->allow_root);
	assert_int_equal(st->log_facility, LOG_LOCAL3);
	assert_string_equal(st->log_facility_name, "local3");
	assert_int_equal(st->slice_linger, 0);
	sandsh_policy_file_free(pf);
	pf = parse_ok("version = 1;\nsettings = { slice_linger = 3600; };\n");
	assert_int_equal(sandsh_policy_settings(pf)->slice_linger, 3600);
	sandsh_policy_file_free(pf);
	expect_parse_error("version = 1;\nsettings = { slice_linger = 3601; };\n",
			   "t.conf:2: settings.slice_linger: must be between 0 and 3600\n");
	expect_parse_error("version = 1;\nsettings = { slice_linger = -1; };\n",
			   "t.conf:2: settings.slice_linger: must be between 0 and 3600\n");
	expect_parse_error("version = 1;\nsettings = { slice_linger = \"10\"; };\n",
			   "t.conf:2: settings.slice_linger: must be an integer\n");

	expect_parse_error(
		"version = 1;\n"
		"settings = {\n"
		"  cgroup_parent = \"/sandsh\";\n"
		"  allow_root = \"no\";\n"
		"  log_facility = \"kern\";\n"
		"};\n",
		"t.conf:3: settings.cgroup_parent: \"/sandsh\" must be relative to the sandsh "
		"cgroup root (no leading \"/\")\n"
		"t.conf:4: settings.allow_root: must be a boolean\n"
		"t.conf:5: settings.log_facility: must be one of auth, authpriv, daemon, user, "
		"local0 to local7\n");
	expect_parse_error("version = 1;\nsettings = { cgroup_parent = \"a/../b\"; };\n",
			   "t.conf:2: settings.cgroup_parent: \"a/../b\" must not have an empty, "
			   "\".\" or \"..\" component\n");
	expect_parse_error("version = 1;\nsettings = { cgroup_parent = \"a/\"; };\n",
			   "t.conf:2: settings.cgroup_parent: \"a/\" must not have an empty, "
			   "\".\" or \"..\" component\n");
	expect_parse_error("version = 1;\nsettings = { cgroup_parent = \"a b\"; };\n",
			   "t.conf:2: settings.cgroup_parent: \"a b\" may only contain the "
			   "characters A-Z a-z 0-9 . _ / -\n");
	expect_parse_error("version = 1;\nsettings = { cgroup_parent = \"\"; };\n",
			   "t.conf:2: settings.cgroup_parent: \"\" must not be empty\n");
}

/* --------------------------------------------------------------- mounts */

static void t_mounts_errors(void **state)
{
	expect_parse_error(
		"version = 1;\n"
		"defaults = { mounts = (\n"
		"  { type = \"bind\"; target = \"/data\"; },\n"
		"  { type = \"tmpfs\"; source = \"/x\"; target = \"/y\"; },\n"
		"  { type = \"overlay\"; target = \"/z\"; },\n"
		"  { type = \"tmpfs\"; target = \"/data\"; },\n"
		"  { target = \"/w\"; },\n"
		"  { type = \"bind\"; source = \"/s\"; target = \"/t\"; size = \"1M\"; },\n"
		"  { type = \"tmpfs\"; target = \"/u\"; mode = \"0755\"; },\n"
		"  { type = \"tmpfs\"; target = \"/v\"; size = \"1K\"; readonly = 1; },\n"
		"  { type = \"bind\"; source = \"/s\"; },\n"
		"  \"/tmp\" ); };\n",
		"t.conf:3: defaults.mounts[0].source: required for a bind mount\n"
		"t.conf:4: defaults.mounts[1].source: not allowed for a tmpfs mount\n"
		"t.conf:5: defaults.mounts[2].type: must be \"bind\" or \"tmpfs\"\n"
		"t.conf:6: defaults.mounts[3].target: \"/data\" is a duplicate target\n"
		"t.conf:7: defaults.mounts[4].type: required\n"
		"t.conf:8: defaults.mounts[5].size: only for tmpfs mounts\n"
		"t.conf:9: defaults.mounts[6].mode: unknown key\n"
		"t.conf:10: defaults.mounts[7].readonly: must be a boolean\n"
		"t.conf:10: defaults.mounts[7].size: must be at least 1M (1048576 bytes)\n"
		"t.conf:11: defaults.mounts[8].target: required\n"
		"t.conf:12: defaults.mounts[9]: must be a group\n");
	expect_parse_error(
		"version = 1;\n"
		"defaults = { mounts = (\n"
		"  { type = \"tmpfs\"; target = \"/\"; },\n"
		"  { type = \"tmpfs\"; target = \"/proc\"; },\n"
		"  { type = \"tmpfs\"; target = \"/dev/shm\"; },\n"
		"  { type = \"tmpfs\"; target = \"tmp\"; },\n"
		"  { type = \"tmpfs\"; target = \"/a/../b\"; },\n"
		"  { type = \"bind\"; source = \"/a//b\"; target = \"/c/\"; },\n"
		"  { type = \"bind\"; source = \"/srv/%x\"; target = \"/proc%u\"; }\n"
		"); };\n",
		"t.conf:3: defaults.mounts[0].target: \"/\" must not be \"/\"\n"
		"t.conf:4: defaults.mounts[1].target: \"/proc\" must not be /proc, /dev or "
		"below them (set up by sandsh)\n"
		"t.conf:5: defaults.mounts[2].target: \"/dev/shm\" must not be /proc, /dev "
		"or below them (set up by sandsh)\n"
		"t.conf:6: defaults.mounts[3].target: \"tmp\" is not an absolute path\n"
		"t.conf:7: defaults.mounts[4].target: \"/a/../b\" has a \".\" or \"..\" "
		"component\n"
		"t.conf:8: defaults.mounts[5].source: \"/a//b\" has an empty component "
		"(\"//\" or a trailing \"/\")\n"
		"t.conf:8: defaults.mounts[5].target: \"/c/\" has an empty component "
		"(\"//\" or a trailing \"/\")\n"
		"t.conf:9: defaults.mounts[6].source: unknown expansion %x\n");
}

static void t_mounts_values(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(
		"version = 1;\n"
		"defaults = { rootfs = \"/r\"; mounts = (\n"
		"  { type = \"tmpfs\"; target = \"/tmp\"; size = \"64M\"; },\n"
		"  { type = \"tmpfs\"; target = \"/run/%u\"; size = 2097152; readonly = true; },\n"
		"  { type = \"bind\"; source = \"%H\"; target = \"/home/%u\"; },\n"
		"  { type = \"bind\"; source = \"/srv/data\"; target = \"/data\"; readonly = true; }\n"
		"); };\n",
		&u, &p);
	assert_int_equal(p.n_mounts, 4);
	assert_int_equal(p.mounts[0].type, SANDSH_MOUNT_TMPFS);
	assert_null(p.mounts[0].source);
	assert_string_equal(p.mounts[0].target, "/tmp");
	assert_int_equal(p.mounts[0].size, 64ULL << 20);
	assert_false(p.mounts[0].readonly);
	assert_string_equal(p.mounts[1].target, "/run/alice");
	assert_int_equal(p.mounts[1].size, 2097152);
	assert_true(p.mounts[1].readonly);
	assert_int_equal(p.mounts[2].type, SANDSH_MOUNT_BIND);
	assert_string_equal(p.mounts[2].source, "/home/alice");
	assert_string_equal(p.mounts[2].target, "/home/alice");
	assert_int_equal(p.mounts[2].size, 0);
	assert_false(p.mounts[2].readonly);
	assert_string_equal(p.mounts[3].source, "/srv/data");
	assert_true(p.mounts[3].readonly);
	assert_string_equal(p.origin[SANDSH_K_MOUNTS].section, "defaults");
	assert_int_equal(p.origin[SANDSH_K_MOUNTS].line, 2);
	sandsh_policy_free(&p);

	/* Built-in: one tmpfs on /tmp; an empty list means no mounts. */
	resolve_ok(ROOTFS_OK, &u, &p);
	assert_int_equal(p.n_mounts, 1);
	assert_int_equal(p.mounts[0].type, SANDSH_MOUNT_TMPFS);
	assert_string_equal(p.mounts[0].target, "/tmp");
	assert_int_equal(p.mounts[0].size, SANDSH_TMPFS_DEFAULT_SIZE);
	assert_false(p.mounts[0].readonly);
	assert_string_equal(p.origin[SANDSH_K_MOUNTS].section, "built-in");
	sandsh_policy_free(&p);
	resolve_ok(ROOTFS_OK "users = { alice = { mounts = (); }; };\n", &u, &p);
	assert_int_equal(p.n_mounts, 0);
	sandsh_policy_free(&p);
}

static void t_mounts_replace(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok("version = 1;\n"
		   "defaults = { rootfs = \"/r\"; mounts = (\n"
		   "  { type = \"tmpfs\"; target = \"/tmp\"; },\n"
		   "  { type = \"bind\"; source = \"/srv/a\"; target = \"/a\"; }\n"
		   "); };\n"
		   "groups = { staff = { mounts = ( { type = \"bind\"; source = \"/srv/b\"; "
		   "target = \"/b\"; } ); }; };\n",
		   &u, &p);
	assert_int_equal(p.n_mounts, 1);
	assert_string_equal(p.mounts[0].source, "/srv/b");
	assert_string_equal(p.mounts[0].target, "/b");
	assert_string_equal(p.origin[SANDSH_K_MOUNTS].section, "groups.staff");
	assert_int_equal(p.origin[SANDSH_K_MOUNTS].line, 6);
	sandsh_policy_free(&p);
}

static void t_mounts_resolve(void **state)
{
	struct sandsh_user u = alice();

	/* distinct templates, same expansion */
	expect_resolve_error("version = 1;\n"
			     "defaults = { rootfs = \"/r\"; mounts = (\n"
			     "  { type = \"tmpfs\"; target = \"/home/alice\"; },\n"
			     "  { type = \"bind\"; source = \"/srv\"; target = \"%H\"; }\n"
			     "); };\n",
			     &u,
			     "t.conf:4: mounts[1].target: \"/home/alice\" is a duplicate target\n");
	/* %h empty, %u "..": bad results caught after expansion */
	u.name = "..";
	expect_resolve_error("version = 1;\n"
			     "defaults = { rootfs = \"/r\"; mounts = (\n"
			     "  { type = \"bind\"; source = \"/srv/%u\"; target = \"/x\"; }\n"
			     "); };\n",
			     &u,
			     "t.conf:3: mounts[0].source: \"/srv/..\" has a \".\" or \"..\" "
			     "component\n");
}

/* ------------------------------------------------------------------ env */

static void t_env_errors(void **state)
{
	expect_parse_error("version = 1;\n"
			   "defaults = { env = {\n"
			   "  HOME = \"/x\";\n"
			   "  USER = \"x\";\n"
			   "  LOGNAME = \"x\";\n"
			   "  SHELL = \"/bin/sh\";\n"
			   "  A-B = \"x\";\n"
			   "  C = 1;\n"
			   "  D = \"100%\";\n"
			   "  E = \"a\\nb\";\n"
			   "  F = \"a\\tb\";\n"
			   "}; };\n",
			   "t.conf:3: defaults.env.HOME: is set by sandsh\n"
			   "t.conf:4: defaults.env.USER: is set by sandsh\n"
			   "t.conf:5: defaults.env.LOGNAME: is set by sandsh\n"
			   "t.conf:6: defaults.env.SHELL: is set by sandsh\n"
			   "t.conf:7: defaults.env.A-B: not a valid variable name\n"
			   "t.conf:8: defaults.env.C: must be a string\n"
			   "t.conf:9: defaults.env.D: trailing %\n"
			   "t.conf:10: defaults.env.E: \"a\\nb\" contains a control character\n");
}

static void t_env_keep_errors(void **state)
{
	expect_parse_error(
		"version = 1;\n"
		"defaults = { env_keep = [ \"TERM\", \"LC_*\", \"*\", \"A-B\", \"1X\", "
		"\"X*Y\", \"\" ]; };\n"
		"users = { a = { env_keep = ( \"A\", 1 ); }; };\n",
		"t.conf:2: defaults.env_keep[2]: \"*\" is not a variable name or a prefix "
		"pattern such as \"LC_*\"\n"
		"t.conf:2: defaults.env_keep[3]: \"A-B\" is not a variable name or a prefix "
		"pattern such as \"LC_*\"\n"
		"t.conf:2: defaults.env_keep[4]: \"1X\" is not a variable name or a prefix "
		"pattern such as \"LC_*\"\n"
		"t.conf:2: defaults.env_keep[5]: \"X*Y\" is not a variable name or a prefix "
		"pattern such as \"LC_*\"\n"
		"t.conf:2: defaults.env_keep[6]: \"\" is not a variable name or a prefix "
		"pattern such as \"LC_*\"\n"
		"t.conf:3: users.a.env_keep[1]: must be a string\n");
}

static void t_env_merge(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(
		"version = 1;\n"
		"defaults = { rootfs = \"/r\"; env = { EDITOR = \"vi\"; PAGER = \"less\"; }; };\n"
		"groups = { staff = { env = { PAGER = \"more\"; ORG = \"staff-%g\"; }; }; };\n"
		"users = { alice = {\n"
		"  env = { PATH = \"/opt/bin:/bin\"; MSG = \"%u is %U, 100%% at %h\"; };\n"
		"}; };\n",
		&u, &p);
	assert_int_equal(p.n_env, 5);
	/* built-in first, then in order of first appearance */
	assert_string_equal(p.env[0].name, "PATH");
	assert_string_equal(p.env[0].value, "/opt/bin:/bin");
	assert_string_equal(p.env[1].name, "EDITOR");
	assert_string_equal(p.env[2].name, "PAGER");
	assert_string_equal(p.env[3].name, "ORG");
	assert_string_equal(p.env[4].name, "MSG");
	assert_string_equal(env_get(&p, "EDITOR"), "vi");
	assert_string_equal(env_get(&p, "PAGER"), "more");
	assert_string_equal(env_get(&p, "ORG"), "staff-alice");
	assert_string_equal(env_get(&p, "MSG"), "alice is 1001, 100% at lab1");
	sandsh_policy_free(&p);
}

static void t_env_merge_tab(void **state)
{
	struct sandsh_user u = bob();
	struct sandsh_policy p;

	resolve_ok("version = 1;\ndefaults = { rootfs = \"/r\"; env = { F = \"a\\tb\"; }; };\n", &u,
		   &p);
	assert_int_equal(p.n_env, 2);
	assert_string_equal(env_get(&p, "PATH"), SANDSH_DEFAULT_PATH);
	assert_string_equal(env_get(&p, "F"), "a\tb");
	assert_string_equal(p.origin[SANDSH_K_ENV].section, "defaults");
	assert_int_equal(p.origin[SANDSH_K_ENV].line, 2);
	sandsh_policy_free(&p);
}

static void t_env_keep_replace(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok(ROOTFS_OK, &u, &p);
	assert_int_equal(p.n_env_keep, 8);
	assert_string_equal(p.env_keep[0], "TERM");
	assert_string_equal(p.env_keep[2], "LC_*");
	assert_string_equal(p.env_keep[7], "SSH_ORIGINAL_COMMAND");
	sandsh_policy_free(&p);

	resolve_ok(
		"version = 1;\ndefaults = { rootfs = \"/r\"; env_keep = [ \"TERM\", \"LC_*\" ]; };\n"
		"users = { alice = { env_keep = [ \"DISPLAY\" ]; }; };\n",
		&u, &p);
	assert_int_equal(p.n_env_keep, 1);
	assert_string_equal(p.env_keep[0], "DISPLAY");
	assert_string_equal(p.origin[SANDSH_K_ENV_KEEP].section, "users.alice");
	sandsh_policy_free(&p);

	resolve_ok(ROOTFS_OK "users = { alice = { env_keep = []; }; };\n", &u, &p);
	assert_int_equal(p.n_env_keep, 0);
	sandsh_policy_free(&p);
}

/* ------------------------------------------------------- file handling */

static void t_include(void **state)
{
	expect_parse_error("version = 1;\n# comment\n  \t@include \"/etc/passwd\"\n",
			   "t.conf:3: @include is not supported\n");
	expect_parse_error("@include \"x\"\n@include \"y\"\n",
			   "t.conf:1: @include is not supported\n");
}

static void t_syntax_error(void **state)
{
	expect_parse_error("version = 1;\n\ndefaults = {\n  rootfs = ;\n};\n",
			   "t.conf:4: syntax error\n");
	expect_parse_error("version = 1;\nversion = 1;\n", "t.conf:2: duplicate setting name\n");
	expect_parse_error("version = 1;\nx = [ 1, \"a\" ];\n",
			   "t.conf:2: mismatched element type in array\n");
}

static void t_errors_collected_in_order(void **state)
{
	expect_parse_error("version = 3;\n"
			   "defaults = {\n"
			   "  pids_max = 0;\n"
			   "  hostname = \"bad_name\";\n"
			   "};\n"
			   "extra = 1;\n"
			   "groups = { g = { net = \"x\"; shell = \"sh\"; }; };\n"
			   "users = { u = { home = \"/h/%q\"; allow = \"yes\"; }; };\n",
			   "t.conf:1: version: must be 1\n"
			   "t.conf:3: defaults.pids_max: must be between 1 and 4194304\n"
			   "t.conf:4: defaults.hostname: \"bad_name\" is not a valid hostname\n"
			   "t.conf:6: extra: unknown setting\n"
			   "t.conf:7: groups.g.net: must be \"host\" or \"none\"\n"
			   "t.conf:7: groups.g.shell: \"sh\" is not an absolute path\n"
			   "t.conf:8: users.u.home: unknown expansion %q\n"
			   "t.conf:8: users.u.allow: must be a boolean\n");
}

static void t_templates_static(void **state)
{
	expect_parse_error("version = 1;\n"
			   "defaults = {\n"
			   "  rootfs = \"/srv/%\";\n"
			   "  shell = \"/bin/%s\";\n"
			   "  home = \"home/%u\";\n"
			   "  hostname = \"%u\\x01\";\n"
			   "};\n"
			   "users = { a = { rootfs = \"/srv/%\\n\"; }; };\n",
			   "t.conf:3: defaults.rootfs: trailing %\n"
			   "t.conf:4: defaults.shell: unknown expansion %s\n"
			   "t.conf:5: defaults.home: \"home/%u\" is not an absolute path\n"
			   "t.conf:6: defaults.hostname: \"%u\\x01\" contains a control character\n"
			   "t.conf:8: users.a.rootfs: unknown expansion %\\x0a\n");
	/* %H is absolute: allowed at the start of a path */
	sandsh_policy_file_free(parse_ok("version = 1;\ndefaults = { home = \"%H/work\"; "
					 "rootfs = \"/srv/%g/%u\"; hostname = \"%h-%u\"; };\n"));
}

static void t_load(void **state)
{
	struct sandsh_policy_file *pf = (void *)1;
	struct sandsh_diags d = { 0 };
	char *got;

	assert_int_equal(sandsh_policy_load("/nonexistent-sandsh-test/sandsh.conf", &pf, &d), -1);
	assert_null(pf);
	got = diags_str(&d);
	assert_string_equal(got, "/nonexistent-sandsh-test/sandsh.conf: "
				 "nonexistent-sandsh-test: No such file or directory\n");
	free(got);
	sandsh_diags_free(&d);

	assert_int_equal(sandsh_policy_load("relative.conf", &pf, &d), -1);
	got = diags_str(&d);
	assert_string_equal(got, "relative.conf: not an absolute path\n");
	free(got);
	sandsh_diags_free(&d);
}

/* A root-owned fixture in a root-owned checkout loads; elsewhere skipped. */
static void t_load_fixture(void **state)
{
	struct sandsh_policy_file *pf = NULL;
	struct sandsh_diags d = { 0 };
	char path[PATH_MAX], *got;

	if (!realpath("tests/unit/fixtures/policy/minimal.conf", path))
		skip();
	if (sandsh_policy_load(path, &pf, &d) < 0) {
		got = diags_str(&d);
		/* only an untrusted checkout may fail, and it must say why */
		assert_true(strstr(got, "not owned by root") || strstr(got, "writable by group"));
		free(got);
		sandsh_diags_free(&d);
		skip();
	}
	assert_string_equal(sandsh_policy_path(pf), path);
	assert_string_equal(sandsh_policy_settings(pf)->cgroup_parent, "sandsh-test");
	sandsh_policy_file_free(pf);
	sandsh_diags_free(&d);
}

/* ---------------------------------------------------------------- merge */

static const char *merge_conf = "version = 1;\n"
				"defaults = {\n"
				"  rootfs = \"/srv/default\";\n"
				"  pids_max = 100;\n"
				"  hostname = \"lab\";\n"
				"};\n"
				"groups = {\n"
				"  students = { pids_max = 200; hostname = \"students\"; };\n"
				"  staff = { pids_max = 300; timeout = 600; };\n"
				"  admins = { sandbox = false; };\n"
				"};\n"
				"users = {\n"
				"  alice = { timeout = 60; };\n"
				"  bob = { allow = false; };\n"
				"};\n";

static void t_merge_order(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	/* alice's groups list staff before students, but the file lists
	 * students first: staff (later in the file) wins. */
	resolve_ok(merge_conf, &u, &p);
	assert_int_equal(p.pids_max, 300);
	assert_string_equal(p.origin[SANDSH_K_PIDS_MAX].section, "groups.staff");
	assert_int_equal(p.origin[SANDSH_K_PIDS_MAX].line, 9);
	assert_string_equal(p.hostname, "students");
	assert_string_equal(p.origin[SANDSH_K_HOSTNAME].section, "groups.students");
	assert_int_equal(p.origin[SANDSH_K_HOSTNAME].line, 8);
	assert_int_equal(p.timeout, 60);
	assert_string_equal(p.origin[SANDSH_K_TIMEOUT].section, "users.alice");
	assert_int_equal(p.origin[SANDSH_K_TIMEOUT].line, 13);
	assert_string_equal(p.rootfs, "/srv/default");
	assert_string_equal(p.origin[SANDSH_K_ROOTFS].section, "defaults");
	assert_int_equal(p.origin[SANDSH_K_ROOTFS].line, 3);
	assert_true(p.allow);
	assert_true(p.sandbox);
	assert_string_equal(p.origin[SANDSH_K_SANDBOX].section, "built-in");
	assert_int_equal(p.origin[SANDSH_K_SANDBOX].line, 0);
	sandsh_policy_free(&p);

	/* reversed user group order: same result */
	static char *rev[] = { "students", "staff" };
	u.group_names = rev;
	u.n_gids = 2;
	resolve_ok(merge_conf, &u, &p);
	assert_int_equal(p.pids_max, 300);
	assert_string_equal(p.hostname, "students");
	sandsh_policy_free(&p);

	/* only students; no users section for carol */
	static char *stud[] = { "carol", "students" };
	u.name = "carol";
	u.group_names = stud;
	resolve_ok(merge_conf, &u, &p);
	assert_int_equal(p.pids_max, 200);
	assert_int_equal(p.timeout, 0);
	assert_string_equal(p.origin[SANDSH_K_TIMEOUT].section, "built-in");
	sandsh_policy_free(&p);
}

static void t_defaults_builtin(void **state)
{
	struct sandsh_user u = bob();
	struct sandsh_policy p;

	resolve_ok("version = 1;\ndefaults = { rootfs = \"/r\"; };\n", &u, &p);
	assert_true(p.allow);
	assert_true(p.sandbox);
	assert_string_equal(p.rootfs, "/r");
	assert_true(p.readonly_root);
	assert_string_equal(p.hostname, "sandsh");
	assert_string_equal(p.shell, "/bin/sh");
	assert_string_equal(p.home, "/home/bob");
	assert_int_equal(p.pids_max, 64);
	assert_int_equal(p.memory_max, -1);
	assert_int_equal(p.cpu_max_pct, 100);
	assert_int_equal(p.max_sessions, 0);
	assert_int_equal(p.timeout, 0);
	assert_int_equal(p.net, SANDSH_NET_HOST);
	assert_true(p.ipc);
	assert_int_equal(p.passwd, SANDSH_PASSWD_GENERATE);
	assert_true(p.seccomp);
	for (int k = 0; k < SANDSH_K__COUNT; k++) {
		if (k == SANDSH_K_ROOTFS)
			continue;
		assert_string_equal(p.origin[k].section, "built-in");
		assert_int_equal(p.origin[k].line, 0);
	}
	sandsh_policy_free(&p);
}

static void t_rootfs_required(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_user b = bob();
	struct sandsh_policy p;

	expect_resolve_error("version = 1;\n", &u,
			     "t.conf: rootfs: required when sandbox is true\n");
	expect_resolve_error("version = 1;\n\nusers = { alice = { sandbox = true; }; };\n", &u,
			     "t.conf:3: rootfs: required when sandbox is true\n");
	resolve_ok("version = 1;\ndefaults = { sandbox = false; };\n", &u, &p);
	assert_false(p.sandbox);
	assert_null(p.rootfs);
	sandsh_policy_free(&p);
	/* admins: sandbox false through a group */
	static char *adm[] = { "alice", "admins" };
	u.group_names = adm;
	u.n_gids = 2;
	resolve_ok("version = 1;\ngroups = { admins = { sandbox = false; }; };\n", &u, &p);
	assert_false(p.sandbox);
	assert_string_equal(p.origin[SANDSH_K_SANDBOX].section, "groups.admins");
	sandsh_policy_free(&p);
	/* a refused user is refused, not an error */
	resolve_ok(merge_conf, &b, &p);
	assert_false(p.allow);
	sandsh_policy_free(&p);
	resolve_ok("version = 1;\ndefaults = { allow = false; };\n", &b, &p);
	assert_false(p.allow);
	assert_null(p.rootfs);
	sandsh_policy_free(&p);
}

/* ------------------------------------------------------------ expansion */

static void t_expand(void **state)
{
	struct sandsh_user u = alice();
	char err[128];
	char *s;

	s = sandsh_policy_expand("%u:%U:%g:%H:%h:%%:x", &u, "lab1", err, sizeof(err));
	assert_string_equal(s, "alice:1001:alice:/home/alice:lab1:%:x");
	free(s);
	s = sandsh_policy_expand("", &u, "lab1", err, sizeof(err));
	assert_string_equal(s, "");
	free(s);
	s = sandsh_policy_expand("%%u", &u, "lab1", err, sizeof(err));
	assert_string_equal(s, "%u");
	free(s);
	u.group = "wheel";
	s = sandsh_policy_expand("/srv/%g/%u/%U%%", &u, "h", err, sizeof(err));
	assert_string_equal(s, "/srv/wheel/alice/1001%");
	free(s);

	assert_null(sandsh_policy_expand("/x/%x", &u, "lab1", err, sizeof(err)));
	assert_string_equal(err, "unknown expansion %x");
	assert_null(sandsh_policy_expand("/x/%", &u, "lab1", err, sizeof(err)));
	assert_string_equal(err, "trailing %");
	assert_null(sandsh_policy_expand("%h", &u, NULL, err, sizeof(err)));
	assert_string_equal(err, "%h: no value for this user");
}

static void t_expand_resolve(void **state)
{
	struct sandsh_user u = alice();
	struct sandsh_policy p;

	resolve_ok("version = 1;\n"
		   "defaults = {\n"
		   "  rootfs = \"/srv/rootfs/%g\";\n"
		   "  hostname = \"%h-%u\";\n"
		   "  shell = \"/bin/%u-sh\";\n"
		   "  home = \"%H/work-%U\";\n"
		   "};\n",
		   &u, &p);
	assert_string_equal(p.rootfs, "/srv/rootfs/alice");
	assert_string_equal(p.hostname, "lab1-alice");
	assert_string_equal(p.shell, "/bin/alice-sh");
	assert_string_equal(p.home, "/home/alice/work-1001");
	sandsh_policy_free(&p);
}

static void t_resolve_paths(void **state)
{
	struct sandsh_user u = alice();

	u.home = "relative/home";
	expect_resolve_error(ROOTFS_OK, &u,
			     "t.conf: home: \"relative/home\" is not an absolute path\n");
	u.home = "/home/alice/";
	expect_resolve_error(ROOTFS_OK, &u,
			     "t.conf: home: \"/home/alice/\" has an empty component (\"//\" or a "
			     "trailing \"/\")\n");
	u = alice();
	u.name = "a\nb";
	expect_resolve_error("version = 1;\ndefaults = {\n rootfs = \"/srv/%u\";\n};\n", &u,
			     "t.conf:3: rootfs: \"/srv/a\\nb\" contains a control character\n");
	expect_resolve_error("version = 1;\ndefaults = { rootfs = \"/r\";\n"
			     "env = { X = \"<%u>\"; }; };\n",
			     &u, "t.conf:3: env.X: \"<a\\nb>\" contains a control character\n");
}

/* ------------------------------------------------------------- hostname */

static void t_hostname_valid(void **state)
{
	char buf[80];

	assert_true(sandsh_policy_hostname_valid("sandsh"));
	assert_true(sandsh_policy_hostname_valid("a"));
	assert_true(sandsh_policy_hostname_valid("lab-1.example.org"));
	assert_true(sandsh_policy_hostname_valid("1234"));
	memset(buf, 'a', 63);
	buf[63] = '\0';
	assert_true(sandsh_policy_hostname_valid(buf));
	memset(buf, 'a', 64);
	buf[64] = '\0';
	assert_false(sandsh_policy_hostname_valid(buf)); /* label > 63 */
	memset(buf, 'a', 64);
	buf[31] = '.';
	buf[64] = '\0';
	assert_true(sandsh_policy_hostname_valid(buf)); /* 64 chars total */
	memset(buf, 'a', 65);
	buf[31] = '.';
	buf[65] = '\0';
	assert_false(sandsh_policy_hostname_valid(buf)); /* too long */
	assert_false(sandsh_policy_hostname_valid(""));
	assert_false(sandsh_policy_hostname_valid(NULL));
	assert_false(sandsh_policy_hostname_valid("-lab"));
	assert_false(sandsh_policy_hostname_valid("lab-"));
	assert_false(sandsh_policy_hostname_valid("a.-b"));
	assert_false(sandsh_policy_hostname_valid("a..b"));
	assert_false(sandsh_policy_hostname_valid(".a"));
	assert_false(sandsh_policy_hostname_valid("a."));
	assert_false(sandsh_policy_hostname_valid("lab_1"));
	assert_false(sandsh_policy_hostname_valid("lab 1"));
	assert_false(sandsh_policy_hostname_valid("lab/1"));
	assert_false(sandsh_policy_hostname_valid("l\xc3\xa4"
						  "b"));
}

static void t_hostname_resolve(void **state)
{
	struct sandsh_user u = alice();

	u.name = "alice_x";
	expect_resolve_error(
		"version = 1;\ndefaults = { rootfs = \"/r\";\n hostname = \"lab-%u\"; };\n", &u,
		"t.conf:3: hostname: \"lab-alice_x\" is not a valid hostname\n");
	/* empty %h gives a leading "-" */
	struct sandsh_policy_file *pf =
		parse_ok("version = 1;\ndefaults = { rootfs = \"/r\"; hostname = \"%h-x\"; };\n");
	struct sandsh_diags d = { 0 };
	struct sandsh_policy p;
	char *got;
	u = alice();
	assert_int_equal(sandsh_policy_resolve(pf, &u, "", &p, &d), -1);
	got = diags_str(&d);
	assert_string_equal(got, "t.conf:2: hostname: \"-x\" is not a valid hostname\n");
	free(got);
	sandsh_diags_free(&d);
	sandsh_policy_file_free(pf);
}

/* ----------------------------------------------------------- parse_size */

static void t_parse_size(void **state)
{
	assert_int_equal(sandsh_policy_parse_size("0"), 0);
	assert_int_equal(sandsh_policy_parse_size("1048576"), 1048576);
	assert_int_equal(sandsh_policy_parse_size("512M"), 512LL << 20);
	assert_int_equal(sandsh_policy_parse_size("2G"), 2LL << 30);
	assert_int_equal(sandsh_policy_parse_size("1K"), 1024);
	assert_int_equal(sandsh_policy_parse_size("3T"), 3LL << 40);
	assert_int_equal(sandsh_policy_parse_size("64m"), 64LL << 20);
	assert_int_equal(sandsh_policy_parse_size("007K"), 7 * 1024);
	assert_int_equal(sandsh_policy_parse_size("9223372036854775807"), INT64_MAX);
	assert_int_equal(sandsh_policy_parse_size("8388607T"), 8388607LL << 40);
	assert_int_equal(sandsh_policy_parse_size("8388608T"), -1);
	assert_int_equal(sandsh_policy_parse_size("9223372036854775808"), -1);
	assert_int_equal(sandsh_policy_parse_size("99999999999999999999999"), -1);
	assert_int_equal(sandsh_policy_parse_size(""), -1);
	assert_int_equal(sandsh_policy_parse_size(NULL), -1);
	assert_int_equal(sandsh_policy_parse_size("M"), -1);
	assert_int_equal(sandsh_policy_parse_size("512MB"), -1);
	assert_int_equal(sandsh_policy_parse_size("512B"), -1);
	assert_int_equal(sandsh_policy_parse_size("1.5G"), -1);
	assert_int_equal(sandsh_policy_parse_size("-1"), -1);
	assert_int_equal(sandsh_policy_parse_size("+1"), -1);
	assert_int_equal(sandsh_policy_parse_size(" 1M"), -1);
	assert_int_equal(sandsh_policy_parse_size("1M "), -1);
	assert_int_equal(sandsh_policy_parse_size("1P"), -1);
	assert_int_equal(sandsh_policy_parse_size("0x10"), -1);
}

/* -------------------------------------------------------------- explain */

static char *explain_str(const char *text, const struct sandsh_user *u)
{
	struct sandsh_policy_file *pf = parse_ok(text);
	struct sandsh_diags d = { 0 };
	struct sandsh_policy p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(sandsh_policy_resolve(pf, u, "lab1", &p, &d), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	sandsh_policy_explain(f, pf, &p);
	assert_int_equal(fclose(f), 0);
	sandsh_policy_free(&p);
	sandsh_diags_free(&d);
	sandsh_policy_file_free(pf);
	return buf;
}

static void t_explain(void **state)
{
	struct sandsh_user u = alice();
	char *s = explain_str(
		"version = 1;\n"
		"settings = { log_facility = \"local1\"; };\n"
		"defaults = {\n"
		"  rootfs = \"/srv/rootfs\";\n"
		"  memory_max = 1048577;\n"
		"};\n"
		"groups = { staff = {\n"
		"  cpu_max = \"max\";\n"
		"  mounts = ( { type = \"bind\"; source = \"/srv/\\\"q\\\"\"; target = \"/q\"; "
		"readonly = true; },\n"
		"             { type = \"tmpfs\"; target = \"/tmp\"; size = \"1G\"; } );\n"
		"}; };\n"
		"users = { alice = { timeout = 60; env = { X = \"a\\tb\"; }; "
		"env_keep = [ \"TERM\", \"LC_*\" ]; }; };\n",
		&u);

	assert_string_equal(s,
			    "# resolved policy from t.conf\n"
			    "settings = { cgroup_parent = \"sandsh\"; allow_root = false; "
			    "log_facility = \"local1\"; slice_linger = 10; };\n"
			    "allow = true;  # built-in\n"
			    "sandbox = true;  # built-in\n"
			    "rootfs = \"/srv/rootfs\";  # defaults (t.conf:4)\n"
			    "readonly_root = true;  # built-in\n"
			    "hostname = \"sandsh\";  # built-in\n"
			    "shell = \"/bin/sh\";  # built-in\n"
			    "home = \"/home/alice\";  # built-in\n"
			    "pids_max = 64;  # built-in\n"
			    "memory_max = \"1048577\";  # defaults (t.conf:5)\n"
			    "cpu_max = \"max\";  # groups.staff (t.conf:8)\n"
			    "# max_sessions = unset;  # built-in\n"
			    "timeout = 60;  # users.alice (t.conf:12)\n"
			    "net = \"host\";  # built-in\n"
			    "ipc = true;  # built-in\n"
			    "mounts = ( { type = \"bind\"; source = \"/srv/\\\"q\\\"\"; "
			    "target = \"/q\"; readonly = true; }, { type = \"tmpfs\"; "
			    "target = \"/tmp\"; size = \"1G\"; readonly = false; } );  "
			    "# groups.staff (t.conf:9)\n"
			    "env = { PATH = \"/usr/local/bin:/usr/bin:/bin\"; X = \"a\\tb\"; };  "
			    "# users.alice (t.conf:12)\n"
			    "env_keep = [ \"TERM\", \"LC_*\" ];  # users.alice (t.conf:12)\n"
			    "passwd = \"generate\";  # built-in\n"
			    "seccomp = true;  # built-in\n"
			    "persist = false;  # built-in\n"
			    "# linger = unset;  # built-in\n");
	free(s);

	s = explain_str("version = 1;\ndefaults = { sandbox = false; memory_max = \"2G\"; };\n",
			&u);
	assert_non_null(strstr(s, "\n# rootfs = unset;  # built-in\n"));
	assert_non_null(strstr(s, "\nmemory_max = \"2G\";  # defaults (t.conf:2)\n"));
	assert_non_null(strstr(s, "\ncpu_max = \"100%\";  # built-in\n"));
	assert_non_null(strstr(s, "\n# timeout = unset;  # built-in\n"));
	assert_non_null(strstr(s, "\nmounts = ( { type = \"tmpfs\"; target = \"/tmp\"; "
				  "size = \"128M\"; readonly = false; } );  # built-in\n"));
	assert_non_null(strstr(s, "\nenv_keep = [ \"TERM\", \"LANG\", \"LC_*\", \"TZ\", "
				  "\"SSH_CONNECTION\", \"SSH_CLIENT\", \"SSH_TTY\", "
				  "\"SSH_ORIGINAL_COMMAND\" ];  # built-in\n"));
	free(s);

	/* the explain output is itself a valid policy */
	s = explain_str(ROOTFS_OK "users = { alice = { mounts = (); env_keep = []; }; };\n", &u);
	assert_non_null(strstr(s, "\nmounts = ( );  # users.alice (t.conf:3)\n"));
	assert_non_null(strstr(s, "\nenv_keep = [ ];  # users.alice (t.conf:3)\n"));
	{
		char *text = NULL;
		assert_true(asprintf(&text, "version = 1;\n%s", s) > 0);
		/* keys are top-level there: unknown settings, but it parses */
		struct sandsh_policy_file *pf = NULL;
		struct sandsh_diags d = { 0 };
		assert_int_equal(sandsh_policy_parse(F, text, &pf, &d), -1);
		char *got = diags_str(&d);
		assert_non_null(strstr(got, "t.conf:4: allow: unknown setting\n"));
		assert_null(strstr(got, "syntax error"));
		free(got);
		free(text);
		sandsh_diags_free(&d);
	}
	free(s);
}

/* persist and linger (issue: one sandbox per user that logins join). */
static void t_persist(void **state)
{
	struct sandsh_user u = alice();
	char *s = explain_str(ROOTFS_OK "users = { alice = { persist = true; linger = 30; }; };\n",
			      &u);

	assert_non_null(strstr(s, "\npersist = true;  # users.alice (t.conf:"));
	assert_non_null(strstr(s, "\nlinger = 30;  # users.alice (t.conf:"));
	free(s);
	s = explain_str(ROOTFS_OK "users = { alice = { linger = 0; }; };\n", &u);
	assert_non_null(strstr(s, "\nlinger = 0;  # users.alice (t.conf:3)\n"));
	assert_non_null(strstr(s, "\npersist = false;  # built-in\n"));
	free(s);
	expect_parse_error("version = 1;\ndefaults = { linger = -1; persist = 1; };\n",
			   "t.conf:2: defaults.linger: must be between 0 and 31536000\n"
			   "t.conf:2: defaults.persist: must be a boolean\n");
}

static void t_key_names(void **state)
{
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_ALLOW), "allow");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_READONLY_ROOT), "readonly_root");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_MEMORY_MAX), "memory_max");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_ENV_KEEP), "env_keep");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_SECCOMP), "seccomp");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_PERSIST), "persist");
	assert_string_equal(sandsh_policy_key_name(SANDSH_K_LINGER), "linger");
	assert_null(sandsh_policy_key_name(SANDSH_K__COUNT));
}

static void t_diags_print(void **state)
{
	struct sandsh_diag v[] = {
		{ "a.conf", 3, "bad thing" },
		{ "a.conf", 0, "no line" },
	};
	struct sandsh_diags d = { v, 2 };
	char *s = diags_str(&d);

	assert_string_equal(s, "a.conf:3: bad thing\na.conf: no line\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_minimal),
		cmocka_unit_test(t_version),
		cmocka_unit_test(t_unknown_top),
		cmocka_unit_test(t_unknown_keys),
		cmocka_unit_test(t_section_types),
		cmocka_unit_test(t_wrong_types),
		cmocka_unit_test(t_ranges),
		cmocka_unit_test(t_memory_max),
		cmocka_unit_test(t_cpu_max),
		cmocka_unit_test(t_enums),
		cmocka_unit_test(t_settings),
		cmocka_unit_test(t_mounts_errors),
		cmocka_unit_test(t_mounts_values),
		cmocka_unit_test(t_mounts_replace),
		cmocka_unit_test(t_mounts_resolve),
		cmocka_unit_test(t_env_errors),
		cmocka_unit_test(t_env_keep_errors),
		cmocka_unit_test(t_env_merge),
		cmocka_unit_test(t_env_merge_tab),
		cmocka_unit_test(t_env_keep_replace),
		cmocka_unit_test(t_include),
		cmocka_unit_test(t_syntax_error),
		cmocka_unit_test(t_errors_collected_in_order),
		cmocka_unit_test(t_templates_static),
		cmocka_unit_test(t_load),
		cmocka_unit_test(t_load_fixture),
		cmocka_unit_test(t_merge_order),
		cmocka_unit_test(t_defaults_builtin),
		cmocka_unit_test(t_rootfs_required),
		cmocka_unit_test(t_expand),
		cmocka_unit_test(t_expand_resolve),
		cmocka_unit_test(t_resolve_paths),
		cmocka_unit_test(t_hostname_valid),
		cmocka_unit_test(t_hostname_resolve),
		cmocka_unit_test(t_parse_size),
		cmocka_unit_test(t_explain),
		cmocka_unit_test(t_persist),
		cmocka_unit_test(t_key_names),
		cmocka_unit_test(t_diags_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
