/* sshd's side doors around a sandsh session: what an sshd configuration
 * lets run, or reach, outside the sandbox (docs/ssh.md), for
 * `sandsh --check`. The audit proper is pure: text in, one line out per
 * side door found. */
#ifndef SANDSH_SSHAUDIT_H
#define SANDSH_SSHAUDIT_H

#include <stdbool.h>
#include <stdio.h>

/* Reads the PAM file path (an @include, or a "include"/"substack" control)
 * and returns its text, malloc'd and NUL-terminated, or NULL with errno. */
typedef char *(*sandsh_sshaudit_read_fn)(const char *path, void *arg);

struct sandsh_sshaudit_in {
	const char *pam_path;         /* sshd's PAM service file; names it in the
				 output, and included names are relative to
				 its directory */
	const char *pam_text;         /* its text; NULL: there is none */
	sandsh_sshaudit_read_fn read; /* for included files; NULL: none read */
	void *read_arg;
	const char *sshd_T; /* the output of `sshd -T`; NULL: not available */
	bool sshrc;         /* /etc/ssh/sshrc exists */
};

/* Prints to out one line per side door,
 *   side door: WHERE: WHAT: WHY
 * WHERE is FILE:LINE of a PAM line, "sshd -T" or "/etc/ssh/sshrc", WHAT the
 * setting as written there. Side doors: pam_env with user_readenv=1 (in
 * sshd's stack, unless sshd -T says usepam no), permituserenvironment not
 * no, acceptenv beyond LANG and LC_*, permituserrc yes, an /etc/ssh/sshrc,
 * every forwarding left open while disableforwarding is no
 * (allowtcpforwarding, allowstreamlocalforwarding, allowagentforwarding,
 * x11forwarding, permittunnel), internal-sftp as a subsystem or forced
 * command. Returns how many lines it printed, or -1 when a file could not
 * be read or @includes nest too deep (an "ssh audit: ..." line says what;
 * the side doors found are printed all the same). */
int sandsh_sshaudit_run(FILE *out, const struct sandsh_sshaudit_in *in);

/* The same for this host's files: reads pam_sshd_path and what it
 * includes (regular files of at most 1 MiB, no symlink as the last
 * component) and looks for /etc/ssh/sshrc; sshd_T_output as above. A
 * missing pam_sshd_path is no PAM stack (nothing to report there). */
int sandsh_sshaudit(FILE *out, const char *pam_sshd_path, const char *sshd_T_output);

#endif
