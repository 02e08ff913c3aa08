/* Unit tests of pam_sandsh.so's decisions through a real libpam, with
 * pam_wrapper (service files from a directory of our own, never
 * /etc/pam.d) and libpamtest (run a list of PAM operations, compare return
 * values), plus direct calls of the module's entry points for return codes
 * that a stack hides (PAM_IGNORE).
 *
 * The module reads the fixed policy path /etc/sandsh/sandsh.conf through a
 * root-owned path walk, so an unprivileged test cannot supply a policy.
 * Two levels, then:
 *   - always (any uid, any host): unknown user, no PAM_USER, root (never
 *     placed: before the policy is read), close without open, and, when the
 *     host has no policy at all, "missing policy fails closed";
 *   - with SANDSH_PAM_UNIT_HERMETIC=1 (tests/pam/run.sh, as root inside the
 *     hermetic mount namespace of tests/lib/hermetic.sh, whose /etc is an
 *     overlay): this process writes fixture policies as root and runs each
 *     PAM transaction in a child that has dropped to an unprivileged uid,
 *     so open_session never places this very process; the untrusted-item
 *     tests (items_*) need a real placement and run it as root in a forked
 *     child, which the module places and which exits after the close
 *     (their policy names the run's cgroup_parent,
 *     SANDSH_PAM_UNIT_CGROUP_PARENT).
 * Everything else is skipped, and says so.
 *
 * The binary re-executes itself under pam_wrapper (LD_PRELOAD=
 * libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=<temp dir>) when
 * started without it, so `build/tests/test_pam` runs as is.
 * The module: $SANDSH_PAM_MODULE, else pam_sandsh.so beside the directory
 * of this binary (build/tests/../pam_sandsh.so). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <libpamtest.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>

#define POLICY "/etc/sandsh/sandsh.conf"
#define UNPRIV_UID 65534 /* nobody */

static char module[PATH_MAX];
static char svcdir[PATH_MAX];
static bool hermetic;
static const char *rootfs;   /* the fixture rootfs (hermetic) */
static const char *logfile;  /* the log sink's file (hermetic) */
static const char *cgparent; /* the run's cgroup_parent (hermetic) */

/* --- set-up ------------------------------------------------------------------- */

static void die(const char *what)
{
	fprintf(stderr, "test_pam: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, mode_t mode, const char *text)
{
	char tmp[PATH_MAX + 128];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		die(tmp);
	fputs(text, f);
	if (fclose(f) != 0 || chmod(tmp, mode) < 0 || rename(tmp, path) < 0)
		die(path);
}

static void write_service(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", svcdir, name);
	write_file(path, 0644, text);
}

/* Services of the untrusted-item tests: a valid name first, then names
 * with a vertical tab and a blank. */
static const char *const item_services[] = { "sandsh-items", "sandsh\vitems", "sandsh items" };

/* Service files: the module alone ("sandsh"), the module followed by
 * pam_permit so that a PAM_IGNORE leaves the stack a success
 * ("sandsh-permit"), and an empty-ish one for direct calls. */
static void make_services(void)
{
	char text[3 * PATH_MAX];

	snprintf(text, sizeof(text),
		 "account required %s\n"
		 "session required %s debug\n",
		 module, module);
	write_service("sandsh", text);
	snprintf(text, sizeof(text),
		 "account required %s\n"
		 "account required pam_permit.so\n"
		 "session required %s\n"
		 "session required pam_permit.so\n",
		 module, module);
	write_service("sandsh-permit", text);
	write_service("direct", "account required pam_permit.so\nsession required pam_permit.so\n");
	/* The untrusted-item cases: the module in the session stack, and
	 * service names the module must refuse (PAM_SERVICE is the name the
	 * application passed to pam_start). */
	snprintf(text, sizeof(text), "account required pam_permit.so\nsession required %s\n",
		 module);
	for (size_t i = 0; i < sizeof(item_services) / sizeof(item_services[0]); i++)
		write_service(item_services[i], text);
	/* libpam reads "other" with every service: deny all, as Debian's. */
	write_service("other", "auth required pam_deny.so\naccount required pam_deny.so\n"
			       "password required pam_deny.so\nsession required pam_deny.so\n");
}

static void rm_services(void)
{
	const char *names[] = { "sandsh", "sandsh-permit", "direct", "other" };
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", svcdir, names[i]);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(item_services) / sizeof(item_services[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", svcdir, item_services[i]);
		unlink(path);
	}
	rmdir(svcdir);
}

/* Starts again under pam_wrapper with a fresh service directory. */
static void reexec_under_wrapper(char **argv)
{
	const char *m = getenv("SANDSH_PAM_MODULE");
	char self[PATH_MAX], tmpl[] = "/tmp/test_pam.XXXXXX";
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	if (m) {
		if (!realpath(m, module))
			die(m);
	} else {
		char guess[PATH_MAX + 32];
		char *slash = strrchr(self, '/');
		*slash = '\0';
		snprintf(guess, sizeof(guess), "%s/../pam_sandsh.so", self);
		*slash = '/';
		if (!realpath(guess, module))
			die(guess);
	}
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	/* Readable by the unprivileged children too. */
	chmod(tmpl, 0755);
	snprintf(svcdir, sizeof(svcdir), "%s", tmpl);
	make_services();
	setenv("LD_PRELOAD", "libpam_wrapper.so", 1);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", svcdir, 1);
	setenv("SANDSH_PAM_MODULE", module, 1);
	setenv("SANDSH_PAM_UNIT_OWN_SVCDIR", "1", 1);
	execv(self, argv);
	die("re-exec under pam_wrapper");
}

/* --- running PAM ---------------------------------------------------------------- */

/* Runs the operations on a fresh handle for SERVICE/USER (in this process)
 * and stores each return value in rv[]. */
static void pam_ops(const char *service, const char *user, const enum pamtest_ops *ops, size_t n,
		    int *rv)
{
	struct pam_testcase tc[8];
	enum pamtest_err perr;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		memset(&tc[i], 0, sizeof(tc[i]));
		tc[i].pam_operation = ops[i];
		tc[i].expected_rv = PAM_SUCCESS;
	}
	perr = _pamtest(service, user, NULL, tc, n, NULL);
	/* A "case failed" result only means some rv was not PAM_SUCCESS;
	 * libpamtest stops at the first such case, so later ones keep -1. */
	for (size_t i = 0; i < n; i++)
		rv[i] = -1;
	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE) {
		fail_msg("pamtest: %s", pamtest_strerror(perr));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		rv[i] = tc[i].op_rv;
		if (rv[i] != PAM_SUCCESS)
			break;
	}
}

/* The same, in a child that has dropped to uid/gid 65534 (never privileged
 * when the test runs as root). */
static void pam_ops_unpriv(const char *service, const char *user, const enum pamtest_ops *ops,
			   size_t n, int *rv)
{
	int pfd[2], status;
	pid_t pid;

	for (size_t i = 0; i < n; i++)
		rv[i] = -1;
	if (geteuid() != 0) {
		pam_ops(service, user, ops, n, rv);
		return;
	}
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out[8];
		close(pfd[0]);
		if (setgroups(0, NULL) < 0 || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 ||
		    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 || geteuid() == 0)
			_exit(3);
		for (size_t i = 0; i < n; i++)
			out[i] = -1;
		{
			struct pam_testcase tc[8];
			for (size_t i = 0; i < n; i++) {
				memset(&tc[i], 0, sizeof(tc[i]));
				tc[i].pam_operation = ops[i];
				tc[i].expected_rv = PAM_SUCCESS;
			}
			_pamtest(service, user, NULL, tc, n, NULL);
			for (size_t i = 0; i < n; i++) {
				out[i] = tc[i].op_rv;
				if (out[i] != PAM_SUCCESS)
					break;
			}
		}
		(void)!write(pfd[1], out, n * sizeof(int));
		/* exit(), not _exit(): pam_wrapper's destructor removes the
		 * child's own temporary directory. */
		exit(0);
	}
	close(pfd[1]);
	{
		int in[8];
		ssize_t got = read(pfd[0], in, n * sizeof(int));
		close(pfd[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_int_equal(got, (ssize_t)(n * sizeof(int)));
		memcpy(rv, in, n * sizeof(int));
	}
}

typedef int (*sm_fn)(pam_handle_t *, int, int, const char **);

static int conv_none(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	return PAM_CONV_ERR;
}

/* Calls one entry point of the module directly with a handle of libpam's,
 * PAM_USER = user (NULL: unset). Returns the module's own return value, or
 * -1000 - step when the call could not be made, -2000 when the module left
 * data or SANDSH_SESSION behind although it placed nothing. No cmocka
 * assertion here: this also runs in forked children. */
static int direct_call_raw(const char *sym, const char *user)
{
	struct pam_conv conv = { conv_none, NULL };
	pam_handle_t *pamh = NULL;
	const void *data = NULL;
	void *h;
	sm_fn fn;
	int rc;

	h = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "test_pam: dlopen %s: %s\n", module, dlerror());
		return -1001;
	}
	fn = (sm_fn)dlsym(h, sym);
	if (!fn) {
		dlclose(h);
		return -1002;
	}
	if (pam_start("direct", user, &conv, &pamh) != PAM_SUCCESS) {
		dlclose(h);
		return -1003;
	}
	rc = fn(pamh, 0, 0, NULL);
	/* The module keeps no data unless it placed the session. */
	if (pam_get_data(pamh, "pam_sandsh", &data) == PAM_SUCCESS ||
	    pam_getenv(pamh, "SANDSH_SESSION"))
		rc = -2000;
	pam_end(pamh, rc);
	dlclose(h);
	return rc;
}

static int direct_call(const char *sym, const char *user)
{
	int rc = direct_call_raw(sym, user);
	assert_int_not_equal(rc, -2000);
	assert_true(rc > -1000);
	return rc;
}

/* The same in an unprivileged child (see pam_ops_unpriv). */
static int direct_call_unpriv(const char *sym, const char *user)
{
	int pfd[2], status, rc = -1;
	pid_t pid;

	if (geteuid() != 0)
		return direct_call(sym, user);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(0, NULL) < 0 || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 ||
		    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 || geteuid() == 0)
			_exit(3);
		rc = direct_call_raw(sym, user);
		(void)!write(pfd[1], &rc, sizeof(rc));
		/* exit(), not _exit(): pam_wrapper's destructor removes the
		 * child's own temporary directory. */
		exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &rc, sizeof(rc)), (ssize_t)sizeof(rc));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_not_equal(rc, -2000);
	assert_true(rc > -1000);
	return rc;
}

/* As root, the children must be able to load the module and read the
 * service files as uid 65534: say so plainly rather than fail oddly. */
static void check_unpriv_access(void)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char path[PATH_MAX + 64];
		if (setgroups(0, NULL) < 0 || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 ||
		    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0)
			_exit(2);
		snprintf(path, sizeof(path), "%s/sandsh", svcdir);
		_exit(access(module, R_OK) == 0 && access(path, R_OK) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr,
			"test_pam: uid %d cannot read %s or %s (a parent directory not searchable?): "
			"put the build where every user can read it\n",
			UNPRIV_UID, module, svcdir);
		if (getenv("SANDSH_PAM_UNIT_OWN_SVCDIR"))
			rm_services();
		exit(1);
	}
}

static const enum pamtest_ops ACCT[] = { PAMTEST_ACCOUNT };
static const enum pamtest_ops OPEN_CLOSE[] = { PAMTEST_OPEN_SESSION, PAMTEST_CLOSE_SESSION };
static const enum pamtest_ops CLOSE2[] = { PAMTEST_CLOSE_SESSION, PAMTEST_CLOSE_SESSION };

#define N(a) (sizeof(a) / sizeof(a[0]))

/* --- policy fixtures (hermetic only) -------------------------------------------- */

static void need_hermetic(void)
{
	if (!hermetic) {
		print_message(
			"# needs root in the hermetic namespace (tests/pam/run.sh): skipped\n");
		skip();
	}
}

/* The policy file; unsafe: group-writable. */
static void set_policy(const char *body, bool unsafe)
{
	char text[4096];

	if (!body) {
		if (unlink(POLICY) < 0 && errno != ENOENT)
			die("unlink policy");
		return;
	}
	snprintf(text, sizeof(text), "version = 1;\n%s", body);
	/* rootfs and cgroup_parent: expanded in by the %R and %C
	 * placeholders below. */
	{
		char out[8192], *o = out;
		for (const char *p = text; *p && o < out + sizeof(out) - PATH_MAX; p++) {
			if (p[0] == '%' && p[1] == 'R') {
				o += sprintf(o, "%s", rootfs);
				p++;
			} else if (p[0] == '%' && p[1] == 'C') {
				o += sprintf(o, "%s", cgparent ? cgparent : "sandsh");
				p++;
			} else {
				*o++ = *p;
			}
		}
		*o = '\0';
		write_file(POLICY, unsafe ? 0664 : 0644, out);
	}
	assert_int_equal(chown(POLICY, 0, 0), 0);
}

#define STD_POLICY                                                \
	"defaults = { rootfs = \"%R\"; hostname = \"unit\"; };\n" \
	"groups = { sbstaff = { sandbox = false; }; };\n"         \
	"users = { sbuser2 = { allow = false; }; };\n"

/* Waits (2 s at most) for a line containing every one of the strings in
 * the log sink's file, after offset *mark. */
static bool log_has(long mark, const char *a, const char *b)
{
	char line[4096];

	if (!logfile)
		return true;
	for (int i = 0; i < 40; i++) {
		FILE *f = fopen(logfile, "re");
		if (f) {
			fseek(f, mark, SEEK_SET);
			while (fgets(line, sizeof(line), f))
				if (strstr(line, a) && (!b || strstr(line, b))) {
					fclose(f);
					return true;
				}
			fclose(f);
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

static long log_mark(void)
{
	struct stat st;
	return logfile && stat(logfile, &st) == 0 ? (long)st.st_size : 0;
}

/* --- tests: no policy needed ------------------------------------------------------ */

static void unknown_user_account(void **state)
{
	int rv[1];
	pam_ops("sandsh", "no-such-user-sandsh", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_USER_UNKNOWN);
}

static void unknown_user_session(void **state)
{
	int rv[2];
	pam_ops_unpriv("sandsh", "no-such-user-sandsh", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
}

static void no_pam_user(void **state)
{
	assert_int_equal(direct_call("pam_sm_acct_mgmt", NULL), PAM_USER_UNKNOWN);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", NULL), PAM_SESSION_ERR);
	assert_int_equal(direct_call("pam_sm_acct_mgmt", ""), PAM_USER_UNKNOWN);
}

/* Root is never placed, whatever the policy (and before reading it). */
static void root_account(void **state)
{
	int rv[1];
	pam_ops("sandsh", "root", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
}

static void root_session_ignored(void **state)
{
	int rv[2];
	/* The module's own answer. */
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "root"), PAM_IGNORE);
	/* In a stack with another session module: the session goes on. */
	pam_ops_unpriv("sandsh-permit", "root", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	assert_int_equal(rv[1], PAM_SUCCESS);
	/* Alone in the stack, an ignoring module leaves libpam nothing to
	 * succeed with: the stack fails (libpam's rule, documented). */
	pam_ops_unpriv("sandsh", "root", OPEN_CLOSE, 1, rv);
	assert_int_equal(rv[0], PAM_PERM_DENIED);
}

static void close_without_open(void **state)
{
	int rv[2];
	pam_ops("sandsh", "root", CLOSE2, 2, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	assert_int_equal(rv[1], PAM_SUCCESS);
	pam_ops("sandsh", "nobody", CLOSE2, 2, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	assert_int_equal(rv[1], PAM_SUCCESS);
	assert_int_equal(direct_call("pam_sm_close_session", "nobody"), PAM_SUCCESS);
	assert_int_equal(direct_call("pam_sm_close_session", NULL), PAM_SUCCESS);
}

/* With no policy file at all, a non-root user fails closed. On a host that
 * has a policy this proves nothing (and is skipped); in the hermetic
 * namespace the policy is removed first. */
static void missing_policy(void **state)
{
	int rv[2];
	struct stat st;

	if (hermetic)
		set_policy(NULL, false);
	else if (lstat(POLICY, &st) == 0 || errno != ENOENT) {
		print_message("# this host has %s: skipped\n", POLICY);
		skip();
	}
	pam_ops("sandsh", "nobody", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SYSTEM_ERR);
	pam_ops_unpriv("sandsh", "nobody", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "nobody"), PAM_SESSION_ERR);
}

/* --- tests: fixture policies (hermetic) -------------------------------------------- */

static void allowed_account(void **state)
{
	int rv[1];
	need_hermetic();
	set_policy(STD_POLICY, false);
	pam_ops_unpriv("sandsh", "sbuser1", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	/* sandbox = false users are allowed too. */
	pam_ops_unpriv("sandsh", "sbadmin", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
}

static void denied_account(void **state)
{
	long mark;
	int rv[1];
	need_hermetic();
	set_policy(STD_POLICY, false);
	mark = log_mark();
	pam_ops_unpriv("sandsh", "sbuser2", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_PERM_DENIED);
	assert_true(log_has(mark, "denied user=sbuser2 uid=61002", "reason=allow is false"));
	/* The same user at the session phase (no account line). */
	pam_ops_unpriv("sandsh", "sbuser2", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "sbuser2"), PAM_SESSION_ERR);
}

static void broken_policy(void **state)
{
	long mark;
	int rv[2];
	need_hermetic();
	set_policy("defaults = { rootfs = \"%R\"; no_such_key = 1; };\n", false);
	mark = log_mark();
	pam_ops_unpriv("sandsh", "sbuser1", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SYSTEM_ERR);
	assert_true(log_has(mark, "error user=sbuser1 uid=61001 reason=" POLICY ":2", NULL));
	pam_ops_unpriv("sandsh", "sbuser1", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	/* Even for users that the broken file would exempt. */
	pam_ops_unpriv("sandsh", "sbadmin", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	/* Root stays untouched: the recovery path. */
	pam_ops("sandsh", "root", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "root"), PAM_IGNORE);
}

static void unsafe_policy(void **state)
{
	int rv[2];
	need_hermetic();
	set_policy(STD_POLICY, true);
	pam_ops_unpriv("sandsh", "sbuser1", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SYSTEM_ERR);
	pam_ops_unpriv("sandsh", "sbuser1", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
}

static void resolve_error(void **state)
{
	int rv[1];
	need_hermetic();
	/* Valid file, but sbuser1 gets no rootfs: the resolved policy is
	 * invalid for that user only. */
	set_policy("users = { sbadmin = { rootfs = \"%R\"; }; };\n", false);
	pam_ops_unpriv("sandsh", "sbuser1", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SYSTEM_ERR);
	pam_ops_unpriv("sandsh", "sbadmin", ACCT, 1, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
}

/* A sandboxed user's session needs root: without it the module refuses,
 * never lets the session run outside. */
static void session_needs_root(void **state)
{
	long mark;
	int rv[2];
	need_hermetic();
	set_policy(STD_POLICY, false);
	mark = log_mark();
	pam_ops_unpriv("sandsh", "sbuser1", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	pam_ops_unpriv("sandsh-permit", "sbuser1", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SESSION_ERR);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "sbuser1"), PAM_SESSION_ERR);
	/* No session was opened, so none is logged. */
	assert_false(log_has(mark, "session open", NULL));
}

static void unsandboxed_user_ignored(void **state)
{
	int rv[2];
	need_hermetic();
	set_policy(STD_POLICY, false);
	assert_int_equal(direct_call_unpriv("pam_sm_open_session", "sbadmin"), PAM_IGNORE);
	pam_ops_unpriv("sandsh-permit", "sbadmin", OPEN_CLOSE, 2, rv);
	assert_int_equal(rv[0], PAM_SUCCESS);
	assert_int_equal(rv[1], PAM_SUCCESS);
}

/* --- tests: untrusted PAM items (issue 18) ------------------------------------------- */

/* The rule: PAM_TTY, PAM_RHOST and PAM_SERVICE come from the application
 * (and from whoever controls it: a client's reverse DNS, a caller's
 * arguments), so before any of them reaches the audit log or the session
 * registry the module checks it against a strict alphabet and length, and
 * a session with an invalid one is refused (PAM_SESSION_ERR, one `denied`
 * or `error` line naming the item), never truncated or passed on. Valid
 * values of the real services still work: sshd's "ssh" and "/dev/pts/N",
 * login's "pts/N", an address or a host name. */

#define ITEMS_POLICY                                \
	"settings = { cgroup_parent = \"%C\"; };\n" \
	"defaults = { rootfs = \"%R\"; hostname = \"unit\"; };\n"

static void need_root_placement(void)
{
	need_hermetic();
	if (!cgparent) {
		print_message("# SANDSH_PAM_UNIT_CGROUP_PARENT not set: skipped\n");
		skip();
	}
}

/* Opens (and, when that succeeded, closes) a session of user for service
 * with the given items, as root, in a forked child: the child is the
 * process the module places. Returns open_session's value, or 1000 + the
 * close value when the open succeeded and the close did not. */
static int open_close_root(const char *service, const char *user, const char *tty,
			   const char *rhost)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pam_conv conv = { conv_none, NULL };
		pam_handle_t *pamh = NULL;
		int rv, crv = PAM_SUCCESS;

		if (pam_start(service, user, &conv, &pamh) != PAM_SUCCESS)
			_exit(200);
		if ((tty && pam_set_item(pamh, PAM_TTY, tty) != PAM_SUCCESS) ||
		    (rhost && pam_set_item(pamh, PAM_RHOST, rhost) != PAM_SUCCESS))
			_exit(201);
		rv = pam_open_session(pamh, 0);
		if (rv == PAM_SUCCESS)
			crv = pam_close_session(pamh, 0);
		pam_end(pamh, rv);
		/* exit(): pam_wrapper's destructor cleans up after itself. */
		exit(rv != PAM_SUCCESS ? rv : crv == PAM_SUCCESS ? 0 : 100);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) < 200);
	return WEXITSTATUS(status) == 100 ? 1000 : WEXITSTATUS(status);
}

/* Lines of the log sink's file after mark that contain a and (if given) b. */
static int log_count(long mark, const char *a, const char *b)
{
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *f = fopen(logfile, "re");

	if (!f)
		return -1;
	fseek(f, mark, SEEK_SET);
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	free(line);
	fclose(f);
	return n;
}

/* The log after mark carries no control character but newlines, and no
 * line longer than 1024 bytes (nothing of a hostile value got through). */
static bool log_clean(long mark)
{
	int c, len = 0;
	bool ok = true;
	FILE *f = fopen(logfile, "re");

	if (!f)
		return false;
	fseek(f, mark, SEEK_SET);
	while ((c = fgetc(f)) != EOF) {
		if (c == '\n') {
			len = 0;
			continue;
		}
		if ((c < 0x20 || c == 0x7f) || ++len > 1024)
			ok = false;
	}
	fclose(f);
	return ok;
}

/* A session with these items is refused, with one denied/error line
 * naming item, and nothing of it in the log. */
static void assert_refused_item(const char *service, const char *tty, const char *rhost,
				const char *item)
{
	long mark = log_mark();
	int rv = open_close_root(service, "sbuser1", tty, rhost);

	if (rv != PAM_SESSION_ERR)
		fail_msg("%s: open_session returned %d (%s), expected PAM_SESSION_ERR", item, rv,
			 rv == PAM_SUCCESS ? "the session was opened" : "other error");
	if (!log_has(mark, "user=sbuser1 uid=61001 reason=", item))
		fail_msg("%s: no denied/error line naming the item", item);
	assert_int_equal(log_count(mark, "denied user=sbuser1 uid=61001 reason=", NULL) +
				 log_count(mark, "error user=sbuser1 uid=61001 reason=", NULL),
			 1);
	assert_int_equal(log_count(mark, "session open ", NULL), 0);
	assert_true(log_clean(mark));
}

/* A session with these items opens and closes, and its open line says so. */
static void assert_accepted_items(const char *tty, const char *rhost, const char *want_tty,
				  const char *want_from)
{
	char t[128], fr[300];
	long mark = log_mark();
	int rv = open_close_root("sandsh-items", "sbuser1", tty, rhost);

	if (rv != PAM_SUCCESS)
		fail_msg("tty \"%s\" rhost \"%s\": open/close returned %d", tty ? tty : "(unset)",
			 rhost ? rhost : "(unset)", rv);
	snprintf(t, sizeof(t), " tty=%s ", want_tty);
	snprintf(fr, sizeof(fr), " from=%s ", want_from);
	assert_true(log_has(mark, "session open id=", t));
	assert_int_equal(log_count(mark, "session open id=", fr), 1);
	assert_true(log_has(mark, "session close id=", NULL));
	assert_true(log_clean(mark));
}

static void items_valid(void **state)
{
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	assert_accepted_items("ssh", "127.0.0.1", "none", "127.0.0.1");
	assert_accepted_items("/dev/pts/3", "::1", "pts/3", "::1");
	assert_accepted_items("pts/3", "client.example.org", "pts/3", "client.example.org");
	assert_accepted_items(NULL, NULL, "none", "local");
}

static char *repeat(const char *head, char c, size_t total)
{
	char *s = malloc(total + 1);
	size_t h = strlen(head);

	assert_non_null(s);
	memcpy(s, head, h);
	memset(s + h, c, total - h);
	s[total] = '\0';
	return s;
}

static void items_tty_3000(void **state)
{
	char *tty;
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	tty = repeat("/dev/pts/", 'x', 3000);
	assert_refused_item("sandsh-items", tty, "127.0.0.1", "PAM_TTY");
	free(tty);
}

static void items_tty_1k(void **state)
{
	char *tty;
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	tty = repeat("pts/", '7', 1024);
	assert_refused_item("sandsh-items", tty, NULL, "PAM_TTY");
	free(tty);
}

static void items_tty_control(void **state)
{
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	assert_refused_item("sandsh-items", "pts/3\vfrom=10.6.6.6", NULL, "PAM_TTY");
	assert_refused_item("sandsh-items", "pts/3\nsession close id=0 user=x", NULL, "PAM_TTY");
	assert_refused_item("sandsh-items", "pts/3\033[2J", NULL, "PAM_TTY");
	assert_refused_item("sandsh-items", "pts/3 x", NULL, "PAM_TTY");
}

static void items_rhost(void **state)
{
	char *h;
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	assert_refused_item("sandsh-items", "ssh", "10.0.0.1\vservice=sshd", "PAM_RHOST");
	assert_refused_item("sandsh-items", "ssh", "evil\nsession open id=deadbeef", "PAM_RHOST");
	assert_refused_item("sandsh-items", "ssh", "evil host", "PAM_RHOST");
	h = repeat("a", 'b', 1024);
	assert_refused_item("sandsh-items", "ssh", h, "PAM_RHOST");
	free(h);
	h = repeat("a.", 'c', 3000);
	assert_refused_item("sandsh-items", "ssh", h, "PAM_RHOST");
	free(h);
}

static void items_service(void **state)
{
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	assert_refused_item(item_services[1], "ssh", NULL, "PAM_SERVICE");
	assert_refused_item(item_services[2], "ssh", NULL, "PAM_SERVICE");
}

/* PAM_USER in other spellings is another name, not the user: NSS does
 * not know it, and nothing is placed or logged as a session. */
static void items_user_spellings(void **state)
{
	const char *names[] = { "sbuser1 ",  " sbuser1",  "SBUSER1",
				"sbuser1\n", "sbuser1\v", "sbuser1\t" };
	need_root_placement();
	set_policy(ITEMS_POLICY, false);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long mark = log_mark();
		int rv[1];
		assert_int_equal(open_close_root("sandsh-items", names[i], "ssh", "127.0.0.1"),
				 PAM_SESSION_ERR);
		pam_ops("sandsh", names[i], ACCT, 1, rv);
		assert_int_equal(rv[0], PAM_USER_UNKNOWN);
		assert_false(log_has(mark, "session open", NULL));
		assert_true(log_clean(mark));
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_user_account), cmocka_unit_test(unknown_user_session),
		cmocka_unit_test(no_pam_user),          cmocka_unit_test(root_account),
		cmocka_unit_test(root_session_ignored), cmocka_unit_test(close_without_open),
		cmocka_unit_test(missing_policy),       cmocka_unit_test(allowed_account),
		cmocka_unit_test(denied_account),       cmocka_unit_test(broken_policy),
		cmocka_unit_test(unsafe_policy),        cmocka_unit_test(resolve_error),
		cmocka_unit_test(session_needs_root),   cmocka_unit_test(unsandboxed_user_ignored),
		cmocka_unit_test(items_valid),          cmocka_unit_test(items_tty_3000),
		cmocka_unit_test(items_tty_1k),         cmocka_unit_test(items_tty_control),
		cmocka_unit_test(items_rhost),          cmocka_unit_test(items_service),
		cmocka_unit_test(items_user_spellings),
	};
	const char *m, *s;
	int rc;

	if (!getenv("PAM_WRAPPER") || !getenv("PAM_WRAPPER_SERVICE_DIR"))
		reexec_under_wrapper(argv);
	m = getenv("SANDSH_PAM_MODULE");
	s = getenv("PAM_WRAPPER_SERVICE_DIR");
	if (!m || !realpath(m, module) || !realpath(s, svcdir))
		die("SANDSH_PAM_MODULE / PAM_WRAPPER_SERVICE_DIR");
	if (!getenv("SANDSH_PAM_UNIT_OWN_SVCDIR"))
		make_services();
	check_unpriv_access();
	/* Hermetic: root, and the harness says this mount namespace's /etc is
	 * a throw-away overlay (hermetic_setup checked that it is private). */
	if (getenv("SANDSH_PAM_UNIT_HERMETIC") && geteuid() == 0) {
		rootfs = getenv("SANDSH_PAM_UNIT_ROOTFS");
		logfile = getenv("SANDSH_PAM_UNIT_LOG");
		cgparent = getenv("SANDSH_PAM_UNIT_CGROUP_PARENT");
		if (!rootfs || rootfs[0] != '/')
			die("SANDSH_PAM_UNIT_ROOTFS not set");
		hermetic = true;
	}
	rc = cmocka_run_group_tests_name("pam", tests, NULL, NULL);
	if (hermetic)
		set_policy(NULL, false);
	if (getenv("SANDSH_PAM_UNIT_OWN_SVCDIR"))
		rm_services();
	return rc;
}
