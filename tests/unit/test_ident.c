/* The answer of the user-lookup child (src/ident.c): what the supervisor
 * accepts from it. Pure: no NSS, no fork. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandsh/ident.h"

static gid_t gids[3] = { 61001, 61100, 27 };
static char *names[3] = { "sbuser1", NULL, "sudo" };

static struct sandsh_user sample(void)
{
	struct sandsh_user u = { .uid = 61001,
				 .gid = 61001,
				 .name = "sbuser1",
				 .home = "/home/sbuser1",
				 .gecos = "Student One",
				 .group = "sbuser1",
				 .gids = gids,
				 .group_names = names,
				 .n_gids = 3 };
	return u;
}

static void encode(int rc, const struct sandsh_user *u, const struct sandsh_err *err, char **buf,
		   size_t *len)
{
	assert_int_equal(sandsh_ident_wire_encode(rc, u, err, buf, len), 0);
	assert_non_null(*buf);
}

static void t_round_trip(void **state)
{
	struct sandsh_user in = sample(), out;
	struct sandsh_err err = { 0 }, e = { 0 };
	char *buf;
	size_t len;

	(void)state;
	encode(0, &in, &err, &buf, &len);
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.uid, 61001);
	assert_int_equal(out.gid, 61001);
	assert_string_equal(out.name, "sbuser1");
	assert_string_equal(out.home, "/home/sbuser1");
	assert_string_equal(out.gecos, "Student One");
	assert_string_equal(out.group, "sbuser1");
	assert_int_equal(out.n_gids, 3);
	assert_int_equal(out.gids[0], 61001);
	assert_int_equal(out.gids[1], 61100);
	assert_int_equal(out.gids[2], 27);
	assert_string_equal(out.group_names[0], "sbuser1");
	assert_null(out.group_names[1]); /* a gid without a name stays one */
	assert_string_equal(out.group_names[2], "sudo");
	assert_int_equal(e.status, 0);
	sandsh_ident_free(&out);
	free(buf);
}

static void t_lookup_error(void **state)
{
	struct sandsh_err err = { 0 }, e = { 0 };
	struct sandsh_user out;
	char *buf;
	size_t len;

	(void)state;
	err.status = 125;
	strcpy(err.msg, "uid 4242: not in the user database");
	encode(-1, NULL, &err, &buf, &len);
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), -2);
	assert_int_equal(e.status, 125);
	assert_string_equal(e.msg, "uid 4242: not in the user database");
	assert_null(out.name);
	free(buf);
}

/* Every proper prefix of a good answer, and the answer with a byte more,
 * is refused, and leaves nothing allocated (ASan's leak check). */
static void t_truncated_or_long(void **state)
{
	struct sandsh_user in = sample(), out;
	struct sandsh_err err = { 0 }, e = { 0 };
	char *buf, *more;
	size_t len;

	(void)state;
	encode(0, &in, &err, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(sandsh_ident_wire_decode(buf, n, &out, &e), -1);
		assert_null(out.name);
		assert_null(out.gids);
	}
	more = malloc(len + 1);
	assert_non_null(more);
	memcpy(more, buf, len);
	more[len] = 'x';
	assert_int_equal(sandsh_ident_wire_decode(more, len + 1, &out, &e), -1);
	assert_int_equal(sandsh_ident_wire_decode(NULL, 0, &out, &e), -1);
	free(more);
	free(buf);
}

static void t_hostile(void **state)
{
	struct sandsh_user in = sample(), out;
	struct sandsh_err err = { 0 }, e = { 0 };
	char *buf, *p;
	size_t len;

	(void)state;
	/* a NUL inside a string: "sbuser1" would end early */
	encode(0, &in, &err, &buf, &len);
	p = memmem(buf, len, "sbuser1", 7);
	assert_non_null(p);
	p[3] = '\0';
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), -1);
	free(buf);
	/* the primary group not first */
	in.gid = 27;
	encode(0, &in, &err, &buf, &len);
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), -1);
	free(buf);
	/* no group at all */
	in = sample();
	in.n_gids = 0;
	encode(0, &in, &err, &buf, &len);
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), -1);
	free(buf);
	/* a bad magic number */
	in = sample();
	encode(0, &in, &err, &buf, &len);
	buf[0] ^= 1;
	assert_int_equal(sandsh_ident_wire_decode(buf, len, &out, &e), -1);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_lookup_error),
		cmocka_unit_test(t_truncated_or_long),
		cmocka_unit_test(t_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
