/* The session core: the steps every session goes through, written once for
 * the shell and the PAM module. The front ends (main.c, pam/pam_sandsh.c)
 * fill a request with what they know of their caller and differ only where
 * their callers differ: the shell's outer process supervises the sandbox
 * itself and its PID 1 starts the command; the PAM module forks a
 * supervisor and turns the calling process into a member of the sandbox. */
#ifndef SANDSH_SESSION_H
#define SANDSH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "sandsh/args.h"
#include "sandsh/cgroup.h"
#include "sandsh/err.h"
#include "sandsh/hygiene.h"
#include "sandsh/ident.h"
#include "sandsh/policy.h"

/* The grace period between SIGTERM and SIGKILL, for a timeout, a hang-up
 * and a termination request alike. */
#define SANDSH_KILL_GRACE_S 5
/* How long a supervisor waits for a PAM caller to join the sandbox. */
#define SANDSH_JOIN_WAIT_S 10

enum sandsh_via { SANDSH_VIA_SHELL, SANDSH_VIA_PAM };

/* What a front end knows of its caller. Strings that reach the log are
 * validated by the front end (sandsh_session_item_ok). */
struct sandsh_request {
	enum sandsh_via via;
	uid_t uid;           /* shell: getuid() */
	const char *name;    /* PAM: PAM_USER, a name to look up in NSS */
	const char *tty;     /* "pts/3", or NULL: "none" */
	const char *from;    /* client address or host, or NULL: "local" */
	const char *service; /* PAM service; NULL for the shell */
	/* The shell as an sshd ForceCommand: why the user's own code may have
	 * run, or may run next time, before sandsh (a side door), or NULL. */
	const char *side_door;
	/* The shell's command line, environment and the limits it restores. */
	const struct sandsh_args *args;
	char **env;
	struct sandsh_saved saved;
	/* PAM: the process that joins the sandbox, and a pidfd of it. */
	pid_t caller;
	int caller_fd;
	int sock; /* SOCK_SEQPACKET to the caller (sandsh_session_pam_open) */
};

enum sandsh_decision {
	SANDSH_DECIDE_SANDBOX,    /* confine the session */
	SANDSH_DECIDE_UNCONFINED, /* sandbox = false */
	SANDSH_DECIDE_PASS,       /* PAM and root: never placed */
};

struct sandsh_session {
	const struct sandsh_request *req;
	struct sandsh_user user;
	bool have_user;
	bool unknown_user;
	struct sandsh_policy_file *pf;
	struct sandsh_policy p;
	bool have_policy;
	char id[17];
};

/* Identify the user, load and resolve the policy, decide. Returns a
 * decision, or -1 with e set (status 1 for a refusal, 125 otherwise); the
 * audit log has the "denied"/"error" line already. euid 0. */
int sandsh_session_load(struct sandsh_session *s, const struct sandsh_request *r,
			struct sandsh_err *e);
void sandsh_session_free(struct sandsh_session *s);

/* Runs the session and returns its exit status: the command's, 128+N, or
 * 126/127; a PAM session's status (0 when its caller closed it). On
 * failure returns -1 with e set and logged. Logs "session open" and
 * "session close". The supervisor: the shell's outer process, or the PAM
 * module's, root in all three ids. */
int sandsh_session_run(struct sandsh_session *s, struct sandsh_err *e);

/* PAM, in the calling process: forks the supervisor, which runs the
 * session, and joins the sandbox it made: the caller's namespaces, root,
 * cwd and cgroup become the sandbox's, every descriptor beyond 0-2 is
 * close-on-exec, no_new_privs and the seccomp filter are set. On failure
 * the caller is as it was and e says why (logged by the supervisor, or
 * here when there was none). */
struct sandsh_joined {
	pid_t owner; /* the process that joined */
	int pid1_fd; /* pidfd of the sandbox's PID 1 */
	int sock;    /* to the supervisor */
	int proc_fd; /* the host's /proc, for the zombies of the session */
	char id[17];
	bool persist; /* a persistent sandbox: close ends this login only */
	bool closed;
};
int sandsh_session_pam_open(struct sandsh_session *s, struct sandsh_request *r,
			    struct sandsh_joined *j, struct sandsh_err *e);
/* Ends a joined session: every process of it is killed; the supervisor
 * cleans up and logs "session close". Idempotent; only in the owner. */
void sandsh_session_pam_close(struct sandsh_joined *j);
void sandsh_session_pam_forget(struct sandsh_joined *j);

/* An untrusted item for the log and the registry (PAM_TTY, PAM_RHOST, the
 * service): 1..max bytes of [A-Za-z0-9] and the characters in extra.
 * Anything else is refused, never truncated. Pure. */
bool sandsh_session_item_ok(const char *v, size_t max, const char *extra);

#endif
