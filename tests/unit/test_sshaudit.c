/* Unit tests: the audit of sshd's side doors (src/sshaudit.c). Debian 12's
 * stock sshd PAM stack and `sshd -T` (tests/unit/fixtures/sshaudit/), each
 * side door on its own, the recommended configuration (no line), and the
 * PAM syntax the audit must read like Linux-PAM does. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandsh/sshaudit.h"

#define FIXTURES "tests/unit/fixtures/sshaudit"

/* The "why" of each kind of line, as the audit prints it. */
#define WHY_PAMENV                                                                                     \
	"sshd reads the user's ~/.pam_environment into the environment of what it starts outside the " \
	"sandbox (the user's shell, /etc/ssh/sshrc, xauth)"
#define WHY_USERENV                                                                                       \
	"~/.ssh/environment and environment= in authorized_keys set the environment of what sshd starts " \
	"outside the sandbox"
#define WHY_ACCEPTENV \
	"the client sets this variable for what sshd starts outside the sandbox (accept only LANG and LC_*)"
#define WHY_USERRC "sshd runs ~/.ssh/rc from the user's host home when no ForceCommand applies"
#define WHY_FWD \
	"sshd forwards on the host, outside the sandbox (DisableForwarding yes closes every kind)"
#define WHY_SFTP "sftp runs inside sshd, outside the sandbox"
#define WHY_SSHRC "sshd runs it on the host before every session, with the session's environment"

/* The recommended settings of docs/ssh.md, as sshd -T prints them. */
#define SSHD_CLOSED                        \
	"usepam yes\n"                     \
	"permituserenvironment no\n"       \
	"acceptenv LANG\n"                 \
	"acceptenv LC_*\n"                 \
	"permituserrc no\n"                \
	"disableforwarding yes\n"          \
	"allowtcpforwarding yes\n"         \
	"allowstreamlocalforwarding yes\n" \
	"allowagentforwarding yes\n"       \
	"x11forwarding yes\n"              \
	"permittunnel no\n"                \
	"forcecommand none\n"              \
	"subsystem sftp /usr/lib/openssh/sftp-server\n"

/* --- fixtures ------------------------------------------------------------------ */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *grown = realloc(buf, cap = len + 8192);
			assert_non_null(grown);
			buf = grown;
		}
		size_t n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Reads "/etc/pam.d/NAME" from the fixture directory. */
static char *fixture_reader(const char *path, void *arg)
{
	char real[PATH_MAX];
	(void)arg;
	if (strncmp(path, "/etc/pam.d/", 11) != 0) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(real, sizeof(real), FIXTURES "/pam.d/%s", path + 11);
	return slurp(real);
}

/* An in-memory /etc/pam.d: pairs of name and text, NULL-terminated. */
static char *memory_reader(const char *path, void *arg)
{
	const char *const *files = arg;

	for (size_t i = 0; files[i]; i += 2) {
		if (!strcmp(path, files[i]))
			return strdup(files[i + 1]);
	}
	errno = ENOENT;
	return NULL;
}

/* Runs the audit; *out gets its output (free it), returns its value. */
static int audit(const struct sandsh_sshaudit_in *in, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int rc;

	assert_non_null(f);
	rc = sandsh_sshaudit_run(f, in);
	assert_int_equal(fclose(f), 0);
	return rc;
}

/* The audit of an in-memory sshd stack (plus included files) and sshd -T. */
static int audit_pam(const char *pam, const char *const *files, const char *T, char **out)
{
	struct sandsh_sshaudit_in in = {
		.pam_path = "/etc/pam.d/sshd",
		.pam_text = pam,
		.read = memory_reader,
		.read_arg = (void *)files,
		.sshd_T = T,
	};
	return audit(&in, out);
}

static const char *const no_files[] = { NULL };

/* --- Debian's stock configuration ---------------------------------------------------- */

static void debian12_stock(void **state)
{
	char *pam = slurp(FIXTURES "/pam.d/sshd"), *T = slurp(FIXTURES "/sshd-T-debian12.txt"),
	     *out;
	struct sandsh_sshaudit_in in = {
		.pam_path = "/etc/pam.d/sshd",
		.pam_text = pam,
		.read = fixture_reader,
		.sshd_T = T,
	};
	int rc;

	assert_non_null(pam);
	assert_non_null(T);
	rc = audit(&in, &out);
	assert_string_equal(
		out,
		"side door: /etc/pam.d/sshd:47: session pam_env.so user_readenv=1: " WHY_PAMENV "\n"
		"side door: sshd -T: permituserrc yes: " WHY_USERRC "\n"
		"side door: sshd -T: allowtcpforwarding yes: " WHY_FWD "\n"
		"side door: sshd -T: allowstreamlocalforwarding yes: " WHY_FWD "\n"
		"side door: sshd -T: allowagentforwarding yes: " WHY_FWD "\n"
		"side door: sshd -T: x11forwarding yes: " WHY_FWD "\n");
	assert_int_equal(rc, 6);
	free(out);

	/* With an /etc/ssh/sshrc as well: one more. */
	in.sshrc = true;
	rc = audit(&in, &out);
	assert_int_equal(rc, 7);
	assert_non_null(strstr(out, "side door: /etc/ssh/sshrc: present: " WHY_SSHRC "\n"));
	free(out);
	free(pam);
	free(T);
}

/* The stock stack with Debian's line changed as docs/ssh.md says, and the
 * recommended sshd settings: nothing to report. */
static void recommended_is_silent(void **state)
{
	char *pam = slurp(FIXTURES "/pam.d/sshd"), *out, *p;
	struct sandsh_sshaudit_in in = {
		.pam_path = "/etc/pam.d/sshd",
		.read = fixture_reader,
		.sshd_T = SSHD_CLOSED,
	};

	assert_non_null(pam);
	p = strstr(pam, " user_readenv=1");
	assert_non_null(p);
	memcpy(p, " user_readenv=0", 15);
	in.pam_text = pam;
	assert_int_equal(audit(&in, &out), 0);
	assert_string_equal(out, "");
	free(out);
	free(pam);
}

/* --- sshd -T, one side door at a time ---------------------------------------------------- */

static void sshd_each_door(void **state)
{
	static const struct {
		const char *T, *want;
	} cases[] = {
		{ "permituserenvironment yes\n",
		  "side door: sshd -T: permituserenvironment yes: " WHY_USERENV "\n" },
		{ "permituserenvironment LANG,BASH_ENV\n",
		  "side door: sshd -T: permituserenvironment LANG,BASH_ENV: " WHY_USERENV "\n" },
		{ "acceptenv LANG\nacceptenv LC_*\nacceptenv XMODIFIERS\n",
		  "side door: sshd -T: acceptenv XMODIFIERS: " WHY_ACCEPTENV "\n" },
		{ "acceptenv LANG LC_* LD_PRELOAD BASH_ENV\n",
		  "side door: sshd -T: acceptenv LD_PRELOAD: " WHY_ACCEPTENV "\n"
		  "side door: sshd -T: acceptenv BASH_ENV: " WHY_ACCEPTENV "\n" },
		{ "acceptenv *\n", "side door: sshd -T: acceptenv *: " WHY_ACCEPTENV "\n" },
		{ "acceptenv LC_ALL\nacceptenv LC_MESSAGES\n", "" },
		{ "acceptenv LC_?*\n", "side door: sshd -T: acceptenv LC_?*: " WHY_ACCEPTENV "\n" },
		{ "permituserrc yes\n", "side door: sshd -T: permituserrc yes: " WHY_USERRC "\n" },
		{ "disableforwarding no\nallowtcpforwarding local\n",
		  "side door: sshd -T: allowtcpforwarding local: " WHY_FWD "\n" },
		{ "disableforwarding no\nallowstreamlocalforwarding all\n",
		  "side door: sshd -T: allowstreamlocalforwarding all: " WHY_FWD "\n" },
		{ "disableforwarding no\nallowagentforwarding yes\n",
		  "side door: sshd -T: allowagentforwarding yes: " WHY_FWD "\n" },
		{ "disableforwarding no\nx11forwarding yes\n",
		  "side door: sshd -T: x11forwarding yes: " WHY_FWD "\n" },
		{ "disableforwarding no\npermittunnel point-to-point\n",
		  "side door: sshd -T: permittunnel point-to-point: " WHY_FWD "\n" },
		/* Without a disableforwarding line, forwarding counts as open. */
		{ "allowtcpforwarding yes\n",
		  "side door: sshd -T: allowtcpforwarding yes: " WHY_FWD "\n" },
		{ "disableforwarding yes\nallowtcpforwarding yes\npermittunnel yes\nx11forwarding yes\n",
		  "" },
		{ "disableforwarding no\nallowtcpforwarding no\nallowstreamlocalforwarding no\n"
		  "allowagentforwarding no\nx11forwarding no\npermittunnel no\n",
		  "" },
		{ "subsystem sftp internal-sftp\n",
		  "side door: sshd -T: subsystem sftp internal-sftp: " WHY_SFTP "\n" },
		{ "subsystem sftp internal-sftp -l INFO -u 077\n",
		  "side door: sshd -T: subsystem sftp internal-sftp: " WHY_SFTP "\n" },
		{ "subsystem sftp /usr/lib/openssh/sftp-server\n", "" },
		{ "forcecommand internal-sftp -d /upload\n",
		  "side door: sshd -T: forcecommand internal-sftp: " WHY_SFTP "\n" },
		{ "forcecommand none\n", "" },
		{ "forcecommand /usr/sbin/sandsh\n", "" },
		/* Keywords are whole words; other lines are not read. */
		{ "permituserrcx yes\nxpermituserrc yes\n# permituserrc yes\n", "" },
		/* CRLF and blanks around the value. */
		{ "permituserrc   yes \r\n",
		  "side door: sshd -T: permituserrc yes: " WHY_USERRC "\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;
		int rc = audit_pam(NULL, no_files, cases[i].T, &out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", i, cases[i].T, out,
				 cases[i].want);
		{
			int lines = 0;
			for (const char *c = cases[i].want; *c; c++)
				lines += *c == '\n';
			assert_int_equal(rc, lines);
		}
		free(out);
	}
}

/* sshd without PAM does not read its stack; without sshd -T only the PAM
 * stack (and the sshrc flag) is audited. */
static void usepam_and_missing_inputs(void **state)
{
	static const char pam[] = "session required pam_env.so user_readenv=1\n";
	char *out;

	assert_int_equal(audit_pam(pam, no_files, "usepam no\npermituserrc no\n", &out), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(audit_pam(pam, no_files, NULL, &out), 1);
	assert_string_equal(
		out, "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		     "\n");
	free(out);
	assert_int_equal(audit_pam(NULL, no_files, NULL, &out), 0);
	assert_string_equal(out, "");
	free(out);
}

/* --- the PAM syntax ------------------------------------------------------------------------- */

static void pam_syntax(void **state)
{
	static const struct {
		const char *pam, *want;
	} cases[] = {
		{ "# session required pam_env.so user_readenv=1\n", "" },
		{ "session required pam_unix.so # pam_env.so user_readenv=1\n", "" },
		{ "session required pam_env.so user_readenv=0\n", "" },
		{ "session required pam_env.so\n", "" },
		{ "session required pam_env.so user_readenv=\n", "" },
		{ "session required pam_env.so user_readenv=-0\n", "" },
		{ "session required pam_env.so readenv=1 user_envfile=.env\n", "" },
		{ "account required pam_env.so user_readenv=1\n", "" },
		{ "password required pam_env.so user_readenv=1\n", "" },
		{ "session required pam_myenv.so user_readenv=1\n", "" },
		{ "\n\nsession   required   pam_env.so   user_readenv=1   envfile=/etc/default/locale\n",
		  "side door: /etc/pam.d/sshd:3: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "auth required pam_env.so user_readenv=1\n",
		  "side door: /etc/pam.d/sshd:1: auth pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "-session optional /lib/x86_64-linux-gnu/security/pam_env.so user_readenv=1\n",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "session [success=ok ignore=ignore default=bad] pam_env.so user_readenv=1\n",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "session required pam_env.so [conffile=/etc/x y] user_readenv=2\n",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=2: " WHY_PAMENV
		  "\n" },
		/* A continued line is one line, reported where it starts. */
		{ "session required pam_unix.so\nsession required \\\n  pam_env.so \\\n  user_readenv=1\nsession required pam_limits.so\n",
		  "side door: /etc/pam.d/sshd:2: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		/* pam_env reads the value with atoi(): "1\r" (a CRLF file) and
		 * "1x" are on. */
		{ "session required pam_env.so\tuser_readenv=1\r\n",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "session required pam_env.so user_readenv=1x\n",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
		{ "session required pam_env.so user_readenv=1\nauth required pam_env.so user_readenv=1",
		  "side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n"
		  "side door: /etc/pam.d/sshd:2: auth pam_env.so user_readenv=1: " WHY_PAMENV
		  "\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;
		int rc = audit_pam(cases[i].pam, no_files, NULL, &out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
		assert_int_equal(rc, cases[i].want[0]
					     ? (strstr(cases[i].want + 1, "side door") ? 2 : 1)
					     : 0);
		free(out);
	}
}

/* @include, "include" and "substack" read files of the same directory,
 * nested; the line names the file and line where pam_env is. */
static void pam_includes(void **state)
{
	static const char *const files[] = {
		"/etc/pam.d/common-session",
		"session required pam_unix.so\n@include common-env\n",
		"/etc/pam.d/common-env",
		"# env\n\nsession required pam_env.so user_readenv=1\n",
		"/etc/pam.d/env-sub",
		"auth required pam_env.so user_readenv=1\n",
		"/etc/pam.d/quiet",
		"session required pam_env.so\n",
		"/etc/pam.d/abs",
		"session required pam_env.so user_readenv=1\n",
		NULL,
	};
	char *out;

	assert_int_equal(audit_pam("@include common-session\n", files, NULL, &out), 1);
	assert_string_equal(
		out,
		"side door: /etc/pam.d/common-env:3: session pam_env.so user_readenv=1: " WHY_PAMENV
		"\n");
	free(out);
	assert_int_equal(audit_pam("session include common-session\nauth substack env-sub\n", files,
				   NULL, &out),
			 2);
	assert_string_equal(
		out,
		"side door: /etc/pam.d/common-env:3: session pam_env.so user_readenv=1: " WHY_PAMENV
		"\n"
		"side door: /etc/pam.d/env-sub:1: auth pam_env.so user_readenv=1: " WHY_PAMENV
		"\n");
	free(out);
	assert_int_equal(audit_pam("@include quiet\n", files, NULL, &out), 0);
	assert_string_equal(out, "");
	free(out);
	/* An absolute name is that file. */
	assert_int_equal(audit_pam("@include /etc/pam.d/abs\n", files, NULL, &out), 1);
	assert_string_equal(
		out,
		"side door: /etc/pam.d/abs:1: session pam_env.so user_readenv=1: " WHY_PAMENV "\n");
	free(out);
}

/* What cannot be read is an error (-1), said in one line; what was found
 * is printed all the same. */
static void pam_errors(void **state)
{
	static const char *const loop[] = {
		"/etc/pam.d/a", "@include b\n", "/etc/pam.d/b", "@include a\n", NULL,
	};
	char *out;

	assert_int_equal(audit_pam("session required pam_env.so user_readenv=1\n@include missing\n",
				   no_files, "permituserrc yes\n", &out),
			 -1);
	assert_string_equal(
		out,
		"side door: /etc/pam.d/sshd:1: session pam_env.so user_readenv=1: " WHY_PAMENV "\n"
		"ssh audit: /etc/pam.d/missing: No such file or directory\n"
		"side door: sshd -T: permituserrc yes: " WHY_USERRC "\n");
	free(out);
	assert_int_equal(audit_pam("@include a\n", loop, NULL, &out), -1);
	assert_non_null(strstr(out, ": includes nest too deep\n"));
	assert_null(strstr(out, "side door"));
	free(out);
	/* No reader at all: an include cannot be followed. */
	{
		struct sandsh_sshaudit_in in = { .pam_path = "/etc/pam.d/sshd",
						 .pam_text = "@include x\n" };
		assert_int_equal(audit(&in, &out), -1);
		assert_string_equal(out, "ssh audit: /etc/pam.d/x: cannot read\n");
		free(out);
	}
}

/* sandsh_sshaudit() reads the files of this host itself. */
static void host_files(void **state)
{
	char dir[] = "/tmp/test_sshaudit.XXXXXX", path[PATH_MAX], link[PATH_MAX], *out;
	size_t len;
	FILE *f;
	int rc;
	struct stat st;
	bool sshrc = lstat("/etc/ssh/sshrc", &st) == 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sshd", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("@include common-x\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/common-x", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("session required pam_env.so user_readenv=1\n", f);
	fclose(f);

	snprintf(path, sizeof(path), "%s/sshd", dir);
	f = open_memstream(&out, &len);
	rc = sandsh_sshaudit(f, path, "disableforwarding yes\n");
	fclose(f);
	{
		char want[PATH_MAX + 512];
		snprintf(want, sizeof(want),
			 "side door: %s/common-x:1: session pam_env.so user_readenv=1: %s\n", dir,
			 WHY_PAMENV);
		assert_int_equal(strncmp(out, want, strlen(want)), 0);
	}
	assert_int_equal(rc, sshrc ? 2 : 1);
	free(out);

	/* No PAM file at all: no PAM stack, nothing to report there. */
	snprintf(path, sizeof(path), "%s/none", dir);
	f = open_memstream(&out, &len);
	rc = sandsh_sshaudit(f, path, NULL);
	fclose(f);
	assert_int_equal(rc, sshrc ? 1 : 0);
	free(out);

	/* A symlink as the PAM file is not followed: an error. */
	snprintf(link, sizeof(link), "%s/sshd-link", dir);
	snprintf(path, sizeof(path), "%s/sshd", dir);
	assert_int_equal(symlink(path, link), 0);
	f = open_memstream(&out, &len);
	rc = sandsh_sshaudit(f, link, NULL);
	fclose(f);
	assert_int_equal(rc, -1);
	{
		char want[PATH_MAX + 64];
		snprintf(want, sizeof(want), "ssh audit: %s: Too many levels of symbolic links\n",
			 link);
		assert_int_equal(strncmp(out, want, strlen(want)), 0);
	}
	free(out);

	unlink(link);
	unlink(path);
	snprintf(path, sizeof(path), "%s/common-x", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian12_stock), cmocka_unit_test(recommended_is_silent),
		cmocka_unit_test(sshd_each_door), cmocka_unit_test(usepam_and_missing_inputs),
		cmocka_unit_test(pam_syntax),     cmocka_unit_test(pam_includes),
		cmocka_unit_test(pam_errors),     cmocka_unit_test(host_files),
	};
	return cmocka_run_group_tests_name("sshaudit", tests, NULL, NULL);
}
