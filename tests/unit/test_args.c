/* Unit tests: command-line parsing and the inner shell's argv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above first. */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandsh/args.h"

#define ARGV(...) ((char *const[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(root, ssh, ...) \
	sandsh_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), ssh, root, &a, &e)

static void interactive_and_login(void **state)
{
	struct sandsh_args a;
	struct sandsh_err e = { 0 };

	assert_int_equal(PARSE(false, NULL, "sandsh"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_SHELL);
	assert_false(a.login);
	assert_int_equal(PARSE(false, NULL, "-sandsh"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_SHELL);
	assert_true(a.login);
	assert_int_equal(PARSE(false, NULL, "sandsh", "--"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_SHELL);
}

static void command_is_one_argument(void **state)
{
	struct sandsh_args a;
	struct sandsh_err e = { 0 };

	assert_int_equal(PARSE(false, NULL, "sandsh", "-c", "echo a; --check && x"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_COMMAND);
	assert_string_equal(a.command, "echo a; --check && x");
	/* An option-looking command is still the command. */
	assert_int_equal(PARSE(false, NULL, "sandsh", "-c", "--list"), 0);
	assert_string_equal(a.command, "--list");
	/* -c wins over SSH_ORIGINAL_COMMAND. */
	assert_int_equal(PARSE(false, "scp -f x", "-sandsh", "-c", "id"), 0);
	assert_string_equal(a.command, "id");
}

static void force_command(void **state)
{
	struct sandsh_args a;
	struct sandsh_err e = { 0 };

	assert_int_equal(PARSE(false, "rsync --server .", "sandsh"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_COMMAND);
	assert_string_equal(a.command, "rsync --server .");
}

static void usage_errors(void **state)
{
	struct sandsh_args a;
	struct sandsh_err e = { 0 };

	assert_int_equal(PARSE(false, NULL, "sandsh", "-c"), -1);
	assert_string_equal(e.msg, "-c: missing command (see sandsh --help)");
	assert_int_equal(e.status, SANDSH_EXIT_FAILURE);
	assert_int_equal(PARSE(false, NULL, "sandsh", "-c", "id", "--check"), -1);
	assert_string_equal(e.msg,
			    "--check: unexpected argument after -c COMMAND (see sandsh --help)");
	assert_int_equal(PARSE(false, NULL, "sandsh", "--bogus"), -1);
	assert_string_equal(e.msg, "--bogus: unknown option (see sandsh --help)");
	assert_int_equal(PARSE(false, NULL, "sandsh", "-i"), -1);
	assert_string_equal(e.msg, "-i: unknown option (see sandsh --help)");
	assert_int_equal(PARSE(false, NULL, "sandsh", "file"), -1);
	assert_string_equal(e.msg, "file: unexpected argument (see sandsh --help)");
	assert_int_equal(PARSE(false, NULL, "sandsh", "--", "-c", "id"), -1);
	assert_string_equal(e.msg, "-c: unexpected argument (see sandsh --help)");
	assert_int_equal(PARSE(false, NULL, "sandsh", "--help", "x"), -1);
	assert_int_equal(sandsh_args_parse(0, (char *const[]){ NULL }, NULL, false, &a, &e), -1);
	assert_string_equal(e.msg, "invocation: empty argument list");
	assert_int_equal(sandsh_args_parse(1, (char *const[]){ "", NULL }, NULL, false, &a, &e),
			 -1);
}

static void root_only_options(void **state)
{
	struct sandsh_args a;
	struct sandsh_err e = { 0 };

	const char *opts[] = { "--check", "--explain", "--list" };
	for (size_t i = 0; i < 3; i++) {
		char want[128];
		assert_int_equal(
			sandsh_args_parse(2, (char *const[]){ "sandsh", (char *)opts[i], NULL },
					  NULL, false, &a, &e),
			-1);
		snprintf(want, sizeof(want), "%s: permitted to root only (see sandsh --help)",
			 opts[i]);
		assert_string_equal(e.msg, want);
	}
	assert_int_equal(PARSE(true, NULL, "sandsh", "--check"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_CHECK);
	assert_null(a.operand);
	assert_int_equal(PARSE(true, NULL, "sandsh", "--check", "/tmp/p.conf"), 0);
	assert_string_equal(a.operand, "/tmp/p.conf");
	assert_int_equal(PARSE(true, NULL, "sandsh", "--explain", "alice"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_EXPLAIN);
	assert_string_equal(a.operand, "alice");
	assert_int_equal(PARSE(true, NULL, "sandsh", "--explain"), -1);
	assert_string_equal(e.msg, "--explain: missing user name (see sandsh --help)");
	assert_int_equal(PARSE(true, NULL, "sandsh", "--list"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_LIST);
	assert_int_equal(PARSE(false, NULL, "sandsh", "--help"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_HELP);
	assert_int_equal(PARSE(false, NULL, "sandsh", "--version"), 0);
	assert_int_equal(a.mode, SANDSH_MODE_VERSION);
}

static void inner_argv(void **state)
{
	struct sandsh_args a = { .mode = SANDSH_MODE_SHELL, .login = true };
	char **v;

	v = sandsh_args_inner_argv(&a, "/bin/bash");
	assert_string_equal(v[0], "-bash");
	assert_null(v[1]);
	free(v);
	a.login = false;
	v = sandsh_args_inner_argv(&a, "/bin/bash");
	assert_string_equal(v[0], "bash");
	assert_null(v[1]);
	free(v);
	a.mode = SANDSH_MODE_COMMAND;
	a.login = true; /* sshd: "-sandsh -c CMD" is not a login shell */
	a.command = "echo 'a b'; exit 3";
	v = sandsh_args_inner_argv(&a, "/usr/bin/zsh");
	assert_string_equal(v[0], "zsh");
	assert_string_equal(v[1], "-c");
	assert_string_equal(v[2], "echo 'a b'; exit 3");
	assert_null(v[3]);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interactive_and_login), cmocka_unit_test(command_is_one_argument),
		cmocka_unit_test(force_command),         cmocka_unit_test(usage_errors),
		cmocka_unit_test(root_only_options),     cmocka_unit_test(inner_argv),
	};
	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
