/* Process hygiene for a privileged process that inherited its state from
 * an untrusted caller (SECURITY 2): the setuid shell at start-up and the
 * PAM module's supervisor right after it is forked. */
#ifndef SANDSH_HYGIENE_H
#define SANDSH_HYGIENE_H

#include <sys/resource.h>
#include <sys/types.h>

#include "sandsh/err.h"

/* What hygiene changed that the user's command gets back (shell only). */
struct sandsh_saved {
	mode_t umask;
	struct rlimit rlimits[RLIM_NLIMITS];
};

/* umask 022; every signal to its default (SIGPIPE, SIGXFSZ and the
 * terminal stop signals ignored), an empty mask; not dumpable; no core;
 * file-size, CPU and stack limits that cannot kill us halfway. Saves the
 * caller's umask and limits in saved (may be NULL). 0 or -1 with e set. */
int sandsh_hygiene(struct sandsh_saved *saved, struct sandsh_err *e);

/* A detached supervisor (PAM's, a keeper) also resets what it would
 * otherwise keep of its caller: nice value, scheduling policy, CPU
 * affinity, descriptor limit, OOM score. 0 or -1. */
int sandsh_hygiene_detached(struct sandsh_err *e);

/* Refuses fds 0-2 that are directories or O_PATH descriptors: they
 * reach into the host's tree from inside. 0 or -1. */
int sandsh_std_fds_ok(struct sandsh_err *e);

/* Signals to their defaults and an empty mask: what a process we start
 * should begin with. */
void sandsh_hygiene_signals_default(void);

#endif
