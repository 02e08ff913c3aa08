/* The systemd unit names of the placement (src/systemd.c): pure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sandsh/cgroup.h"

static void expect(const char *parent, unsigned uid, const char *slice, const char *path)
{
	char s[1100], p[4096];

	assert_int_equal(sandsh_systemd_names(parent, uid, s, sizeof(s), p, sizeof(p)), 0);
	assert_string_equal(s, slice);
	assert_string_equal(p, path);
}

static void t_names(void **state)
{
	expect("sandsh", 1000, "sandsh-u1000.slice", "sandsh.slice/sandsh-u1000.slice");
	expect("a/b", 7, "a-b-u7.slice", "a.slice/a-b.slice/a-b-u7.slice");
	/* a '-' inside a component would mean a level: escaped */
	expect("sandsh-test-1f2e", 61001, "sandsh\\x2dtest\\x2d1f2e-u61001.slice",
	       "sandsh\\x2dtest\\x2d1f2e.slice/sandsh\\x2dtest\\x2d1f2e-u61001.slice");
	/* a leading '.' is escaped, a later one kept */
	expect(".x.y", 0, "\\x2ex.y-u0.slice", "\\x2ex.y.slice/\\x2ex.y-u0.slice");
}

static void t_too_long(void **state)
{
	char s[32], p[4096], big[600];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sandsh_systemd_names(big, 1, s, sizeof(s), p, sizeof(p)), -1);
	assert_int_equal(sandsh_systemd_names("sandsh", 1, s, sizeof(s), p, 10), -1);
	assert_int_equal(sandsh_systemd_names("sandsh", 1, s, sizeof(s), p, sizeof(p)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_names),
		cmocka_unit_test(t_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
