/* The messages between a PAM caller and its supervisor (session.c,
 * join.c), on a SOCK_SEQPACKET socketpair: one struct from the supervisor
 * (with PID 1's pidfd attached when status is 0), single bytes back. */
#ifndef SANDSH_SESSION_MSG_H
#define SANDSH_SESSION_MSG_H

#include "sandsh/err.h"

struct sandsh_msg {
	int status; /* 0: joined may begin; else SANDSH_EXIT_* and msg */
	char id[17];
	char msg[sizeof(((struct sandsh_err *)0)->msg)];
};

#define SANDSH_MSG_JOINED 'j' /* caller -> supervisor: in the sandbox */
#define SANDSH_MSG_ABORT 'x'  /* caller -> supervisor: could not join */
#define SANDSH_MSG_CLOSE 'c'  /* caller -> supervisor: closing the session */

#endif
