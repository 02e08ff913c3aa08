/* Shared between the session core (session.c), the PAM caller's side
 * (join.c) and the persistent sandbox's keeper (keeper.c). Supervisor or
 * PAM caller, euid 0. */
#ifndef SANDSH_SESSION_INTERNAL_H
#define SANDSH_SESSION_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "sandsh/err.h"
#include "sandsh/sandbox.h"
#include "sandsh/session.h"

/* On a SOCK_SEQPACKET socketpair or the keeper's socket: one struct with
 * up to two descriptors attached (PID 1's pidfd; the v2 leaf), single
 * bytes the other way. */
struct sandsh_msg {
	int status;      /* 0: go ahead; else SANDSH_EXIT_* and msg */
	int flags;       /* SANDSH_MSG_F_* */
	char id[17];     /* the session's, or the persistent sandbox's id */
	char leaf[512];  /* persistent sandbox: its cgroup leaf (relative) */
	char unit[128];  /* persistent sandbox, systemd: its scope */
	char digest[17]; /* persistent sandbox: the policy it was made with */
	char msg[sizeof(((struct sandsh_err *)0)->msg)];
	char log[256]; /* a refusal's reason for the audit log */
};

#define SANDSH_MSG_F_PERSIST 1 /* a persistent sandbox: closing a login ends only the login */
#define SANDSH_MSG_F_ENDING 2  /* the keeper is ending its sandbox: make a new one */

#define SANDSH_MSG_JOINED 'j' /* caller -> supervisor: in the sandbox */
#define SANDSH_MSG_ABORT 'x'  /* caller -> supervisor: could not join */
#define SANDSH_MSG_CLOSE 'c'  /* caller -> supervisor: closing the session */

int sandsh_msg_send(int sock, const struct sandsh_msg *m, const int *fds, int nfds);
/* Returns how many descriptors came with it (close-on-exec), or -1. */
int sandsh_msg_recv(int sock, struct sandsh_msg *m, int *fds, int maxfds);

/* What a supervisor watches. pidfd: the process whose exit ends the
 * session (PID 1, or a persistent sandbox login's command), or -1 when
 * the session ends with its PAM caller. */
struct sandsh_watch {
	int pidfd;
	int sfd;       /* the forwarded signals */
	int caller_fd; /* PAM: pidfd of the caller, or -1 */
	int sock;      /* PAM: the caller's messages, or -1 */
	long timeout;  /* seconds, 0 for none */
};

struct sandsh_outcome {
	bool timed_out, killed, caller_closed, caller_died;
};

/* Waits for the end, forwarding signals, enforcing the timeout and, for
 * PAM, ending when the caller is gone; returns the exit status of pidfd's
 * process (0 without one), or -1 with it killed and reaped and e set. */
int sandsh_supervise(struct sandsh_watch *w, struct sandsh_outcome *o, struct sandsh_err *e);
/* 1 when fd is readable, 0 on timeout or when a or b (pidfds, may be -1)
 * signal an exit, -1 on error. */
int sandsh_wait_readable(int fd, int a, int b, int seconds);
/* PID 1's "ready" report (SANDSH_PID1_HOLD), bounded; a failure report
 * fills e. pidfd and other end the wait when they exit. */
int sandsh_wait_ready(int report_fd, int pidfd, int other, struct sandsh_err *e);
/* A PAM caller gets PID 1's pidfd and the id, and acknowledges its join
 * within SANDSH_JOIN_WAIT_S. */
int sandsh_give_to_caller(int sock, const char *id, int flags, int pid1_fd, int caller_fd,
			  struct sandsh_err *e);
void sandsh_tell_failure(int sock, const struct sandsh_err *e);
long sandsh_elapsed_ms(const struct timespec *t0);

/* A session still running this long after its command started will most
 * likely run for minutes or hours (a login); a `-c` command (scp, rsync, a
 * check) has mostly ended by then. Then, and not before, PID 1 becomes the
 * reaper (init.c) and the supervisor gives back what its start left
 * (session.c): a command that ends sooner pays for neither. */
#define SANDSH_SETTLE_MS 50
/* In a new child: close every fd but 0-2, a, b and c (-1: none). */
int sandsh_keep_fds(int a, int b, int c);
/* A detached supervisor (PAM's, the keeper): 0-2 on /dev/null, a as fd 3,
 * b as fd 4, nothing else. */
int sandsh_detach_fds(int a, int b);
void sandsh_session_log_failure(const struct sandsh_session *s, const struct sandsh_err *e);
/* The "session open" line (sandbox: a persistent sandbox's id, or NULL). */
void sandsh_session_log_open(const struct sandsh_session *s, bool confined, const char *sandbox);
/* After the command's process ended with status: a failure report of
 * sandsh's own in the child (exec, set-up) replaces it and fills e. */
int sandsh_read_failure(int report_fd, int status, struct sandsh_err *e);
/* Steps 1-2 of every session: runtime directory, rootfs check, user
 * database (confined), the shell's argv and environment. */
int sandsh_session_prepare(struct sandsh_session *s, struct sandsh_launch *l, int *run_fd,
			   struct sandsh_err *e);
void sandsh_session_launch_free(struct sandsh_launch *l);

/* keeper.c: a login of a persistent sandbox (policy persist = true). */
int sandsh_keeper_login(struct sandsh_session *s, struct sandsh_err *e);

#endif
