/* Unit tests: the environment allow-list and rebuild. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above first. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandsh/env.h"

static char *keep_default[] = { "TERM", "LANG",           "LC_*",
				"TZ",   "SSH_CONNECTION", "SSH_ORIGINAL_COMMAND" };

static void policy_init(struct sandsh_policy *p, struct sandsh_envvar *env, size_t n_env)
{
	memset(p, 0, sizeof(*p));
	p->home = "/home/alice";
	p->shell = "/bin/bash";
	p->env = env;
	p->n_env = n_env;
	p->env_keep = keep_default;
	p->n_env_keep = sizeof(keep_default) / sizeof(keep_default[0]);
}

static char *joined(char **v)
{
	static char buf[4096];
	buf[0] = '\0';
	for (size_t i = 0; v[i]; i++) {
		strcat(buf, v[i]);
		strcat(buf, "|");
	}
	return buf;
}

static void value_rules(void **state)
{
	assert_true(sandsh_env_value_ok("TERM", "xterm-256color"));
	assert_false(sandsh_env_value_ok("TERM", "../../tmp/x"));
	assert_false(sandsh_env_value_ok("TERM", "/tmp/terminfo"));
	assert_true(sandsh_env_value_ok("LANG", "en_US.UTF-8"));
	assert_false(sandsh_env_value_ok("LANG", "en_US%n"));
	assert_false(sandsh_env_value_ok("LC_ALL", "../x"));
	assert_true(sandsh_env_value_ok("TZ", "Europe/Paris"));
	assert_false(sandsh_env_value_ok("TZ", "/etc/shadow"));
	assert_false(sandsh_env_value_ok("TZ", ":/etc/shadow"));
	assert_false(sandsh_env_value_ok("TZ", "Europe/../../etc/shadow"));
	assert_false(sandsh_env_value_ok("SSH_CONNECTION", "1.2.3.4 5\n6"));
	assert_false(sandsh_env_value_ok("SSH_CONNECTION", "esc\x1b[2J"));
	assert_true(sandsh_env_value_ok("SSH_ORIGINAL_COMMAND", "for i in 1 2\ndo echo $i\ndone"));
	assert_false(sandsh_env_value_ok("SSH_ORIGINAL_COMMAND", "a\x01"));
	assert_false(sandsh_env_value_ok("BAD-NAME", "x"));
	assert_false(sandsh_env_value_ok("1X", "x"));
	{
		char *big = malloc(5000);
		memset(big, 'a', 4999);
		big[4999] = '\0';
		assert_false(sandsh_env_value_ok("TERM", big));
		assert_true(sandsh_env_value_ok("SSH_ORIGINAL_COMMAND", big));
		free(big);
	}
}

static void build_allow_list(void **state)
{
	struct sandsh_envvar env[] = { { "PATH", "/usr/bin:/bin" }, { "EDITOR", "vi" } };
	char *caller[] = { "LD_PRELOAD=/tmp/x.so",
			   "TERM=xterm",
			   "USER=root",
			   "HOME=/root",
			   "LANG=../../x",
			   "LC_ALL=C.UTF-8",
			   "LC_TIME=../x",
			   "IFS=x",
			   "BASH_ENV=/tmp/e",
			   "GLIBC_TUNABLES=glibc.malloc.check=3",
			   "TZ=/etc/shadow",
			   "NOEQUALS",
			   "SSH_CONNECTION=10.0.0.1 5000 10.0.0.2 22",
			   NULL };
	struct sandsh_user u = { .uid = 1001, .gid = 1001, .name = "alice" };
	struct sandsh_policy p;
	struct sandsh_err e = { 0 };
	char **v;

	policy_init(&p, env, 2);
	v = sandsh_env_build(caller, &p, &u, &e);
	assert_non_null(v);
	assert_string_equal(joined(v),
			    "TERM=xterm|LC_ALL=C.UTF-8|SSH_CONNECTION=10.0.0.1 5000 10.0.0.2 22|"
			    "PATH=/usr/bin:/bin|EDITOR=vi|HOME=/home/alice|USER=alice|"
			    "LOGNAME=alice|SHELL=/bin/bash|");
	sandsh_env_free(v);
}

static void policy_env_overrides_kept(void **state)
{
	struct sandsh_envvar env[] = { { "TERM", "vt100" }, { "PATH", "/bin" } };
	char *caller[] = { "TERM=xterm", "PATH=/evil", NULL };
	struct sandsh_user u = { .uid = 7, .gid = 7, .name = "bob" };
	struct sandsh_policy p;
	struct sandsh_err e = { 0 };
	char **v;

	policy_init(&p, env, 2);
	v = sandsh_env_build(caller, &p, &u, &e);
	assert_string_equal(
		joined(v),
		"TERM=vt100|PATH=/bin|HOME=/home/alice|USER=bob|LOGNAME=bob|SHELL=/bin/bash|");
	sandsh_env_free(v);
}

static void prefix_patterns_and_empty(void **state)
{
	char *keep[] = { "LC_*", "MY_EXACT" };
	char *caller[] = { "LC_=x", "LCX=y", "MY_EXACT=1", "MY_EXACTLY=2", "LC_CTYPE=C", NULL };
	struct sandsh_user u = { .uid = 7, .gid = 7, .name = "bob" };
	struct sandsh_policy p;
	struct sandsh_err e = { 0 };
	char **v;

	policy_init(&p, NULL, 0);
	p.env_keep = keep;
	p.n_env_keep = 2;
	v = sandsh_env_build(caller, &p, &u, &e);
	assert_string_equal(
		joined(v),
		"LC_=x|MY_EXACT=1|LC_CTYPE=C|HOME=/home/alice|USER=bob|LOGNAME=bob|SHELL=/bin/bash|");
	sandsh_env_free(v);
	v = sandsh_env_build(NULL, &p, &u, &e);
	assert_string_equal(joined(v), "HOME=/home/alice|USER=bob|LOGNAME=bob|SHELL=/bin/bash|");
	sandsh_env_free(v);
}

static void snapshot_and_get(void **state)
{
	char *orig[] = { "A=1", "AB=2", "SSH_ORIGINAL_COMMAND=ls -l", NULL };
	char **s = sandsh_env_snapshot(orig);

	assert_ptr_not_equal(s[0], orig[0]);
	assert_string_equal(sandsh_env_get(s, "A"), "1");
	assert_string_equal(sandsh_env_get(s, "AB"), "2");
	assert_string_equal(sandsh_env_get(s, "SSH_ORIGINAL_COMMAND"), "ls -l");
	assert_null(sandsh_env_get(s, "B"));
	sandsh_env_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(value_rules),
		cmocka_unit_test(build_allow_list),
		cmocka_unit_test(policy_env_overrides_kept),
		cmocka_unit_test(prefix_patterns_and_empty),
		cmocka_unit_test(snapshot_and_get),
	};
	return cmocka_run_group_tests_name("env", tests, NULL, NULL);
}
