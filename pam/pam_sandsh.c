/* pam_sandsh: the PAM front end of the sandsh session core (SPEC §5). It
 * runs inside the calling program (sshd's privileged monitor, su, login) as
 * root: it turns PAM's items into a session request, lets the core decide,
 * and has the core place the calling process in the sandbox (src/join.c),
 * so the service's later children are the user's session. Everything else
 * (policy, cgroup, namespaces, PID 1, registry, log, timeout, clean-up) is
 * the core's, run by a supervisor the user cannot signal. Never exit()s;
 * every doubt is PAM_SESSION_ERR. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_SESSION
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "sandsh/log.h"
#include "sandsh/session.h"

#define DATA_KEY "pam_sandsh"

struct opts {
	bool debug;
};

static void parse_opts(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "debug"))
			o->debug = true;
		else
			pam_syslog(pamh, LOG_ERR, "unknown option: %s", argv[i]);
	}
}

static const char *item_str(pam_handle_t *pamh, int type)
{
	const void *v = NULL;
	return pam_get_item(pamh, type, &v) == PAM_SUCCESS && v && *(const char *)v ? v : NULL;
}

/* Identify and decide. PAM_SUCCESS with a decision in *d, or the PAM
 * error to return (the reason is logged). */
static int load(pam_handle_t *pamh, struct sandsh_session *s, struct sandsh_request *r, int *d)
{
	struct sandsh_err e = { 0 };

	memset(s, 0, sizeof(*s));
	memset(r, 0, sizeof(*r));
	r->via = SANDSH_VIA_PAM;
	r->caller_fd = r->sock = -1;
	r->saved.umask = 022;
	/* PAM_USER is only a name to look up; the identity is NSS's. */
	r->name = item_str(pamh, PAM_USER);
	if (!r->name) {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	*d = sandsh_session_load(s, r, &e);
	if (*d >= 0)
		return PAM_SUCCESS;
	if (s->unknown_user) {
		pam_syslog(pamh, LOG_ERR, "%s", e.msg);
		return PAM_USER_UNKNOWN;
	}
	if (e.status == SANDSH_EXIT_DENIED)
		return PAM_PERM_DENIED;
	pam_syslog(pamh, LOG_ERR, "policy invalid, session refused (see the sandsh log)");
	return PAM_SYSTEM_ERR;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sandsh_session s;
	struct sandsh_request r;
	struct opts o;
	int d, rc;

	parse_opts(pamh, argc, argv, &o);
	rc = load(pamh, &s, &r, &d);
	sandsh_session_free(&s);
	return rc;
}

/* The untrusted items that reach the log and the registry, each checked
 * against a strict alphabet and length: a session with a bad one is
 * refused, never logged truncated (SPEC 6 fields stay parseable). */
static int items(pam_handle_t *pamh, struct sandsh_request *r, struct sandsh_err *e)
{
	const char *tty = item_str(pamh, PAM_TTY), *rhost = item_str(pamh, PAM_RHOST);
	const char *service = item_str(pamh, PAM_SERVICE);

	if (tty && !sandsh_session_item_ok(tty, 64, "/._:-"))
		return sandsh_err_deny(e, "invalid PAM_TTY: not a terminal name");
	if (rhost && !sandsh_session_item_ok(rhost, 255, ".:-_%"))
		return sandsh_err_deny(e, "invalid PAM_RHOST: not a host name or address");
	if (service && !sandsh_session_item_ok(service, 64, "._-+@"))
		return sandsh_err_deny(e, "invalid PAM_SERVICE: not a service name");
	/* Services also put pseudo names in PAM_TTY (sshd: "ssh" until it
	 * allocates a terminal, after the session is open; cron: "cron"). */
	if (tty && !strncmp(tty, "/dev/", 5))
		tty += 5;
	if (tty && strncmp(tty, "pts/", 4) && strncmp(tty, "tty", 3) && strcmp(tty, "console"))
		tty = NULL;
	r->tty = tty;
	r->from = rhost;
	r->service = service;
	return 0;
}

static void cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct sandsh_joined *j = data;

	/* pam_end() in any process holding the handle: only the process that
	 * opened may end the session (a forked child must not kill it). */
	if (!(error_status & PAM_DATA_REPLACE))
		sandsh_session_pam_close(j);
	sandsh_session_pam_forget(j);
	free(j);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct sandsh_session s;
	struct sandsh_request r;
	struct sandsh_err e = { 0 };
	struct sandsh_joined *j;
	const void *old = NULL;
	struct opts o;
	int d, rc;

	parse_opts(pamh, argc, argv, &o);
	if (pam_get_data(pamh, DATA_KEY, &old) == PAM_SUCCESS && old)
		return PAM_SUCCESS; /* already placed */
	rc = load(pamh, &s, &r, &d);
	if (rc != PAM_SUCCESS) {
		sandsh_session_free(&s);
		return PAM_SESSION_ERR;
	}
	if (d == SANDSH_DECIDE_PASS || d == SANDSH_DECIDE_UNCONFINED) {
		if (o.debug && d == SANDSH_DECIDE_UNCONFINED)
			pam_syslog(pamh, LOG_DEBUG, "%s: sandbox = false, session left alone",
				   s.user.name);
		sandsh_session_free(&s);
		return PAM_IGNORE;
	}
	if (geteuid() != 0) {
		pam_syslog(pamh, LOG_ERR, "needs root to place the session");
		sandsh_session_free(&s);
		return PAM_SESSION_ERR;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		sandsh_session_free(&s);
		return PAM_BUF_ERR;
	}
	if (items(pamh, &r, &e) < 0) {
		sandsh_log(LOG_WARNING, "denied user=%s uid=%u reason=%s", s.user.name,
			   (unsigned)s.user.uid, e.msg);
		pam_syslog(pamh, LOG_ERR, "session refused: %s", e.msg);
		free(j);
		sandsh_session_free(&s);
		return PAM_SESSION_ERR;
	}
	if (sandsh_session_pam_open(&s, &r, j, &e) < 0) {
		pam_syslog(pamh, LOG_ERR, "session refused: %s", e.msg);
		free(j);
		sandsh_session_free(&s);
		return PAM_SESSION_ERR;
	}
	{
		char env[64];
		/* Tells a sandsh login shell started in here not to nest. */
		snprintf(env, sizeof(env), "SANDSH_SESSION=%s", j->id);
		pam_putenv(pamh, env);
		/* The policy's variables; the application builds the rest of the
		 * environment (env_keep does not apply to PAM sessions). */
		for (size_t i = 0; i < s.p.n_env; i++) {
			char *kv = NULL;
			if (asprintf(&kv, "%s=%s", s.p.env[i].name, s.p.env[i].value) >= 0) {
				pam_putenv(pamh, kv);
				free(kv);
			}
		}
	}
	sandsh_session_free(&s);
	if (pam_set_data(pamh, DATA_KEY, j, cleanup) != PAM_SUCCESS) {
		sandsh_session_pam_close(j);
		free(j);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;

	if (pam_get_data(pamh, DATA_KEY, &data) != PAM_SUCCESS || !data)
		return PAM_SUCCESS; /* nothing placed, or closed already */
	sandsh_session_pam_close((struct sandsh_joined *)data);
	return PAM_SUCCESS;
}
