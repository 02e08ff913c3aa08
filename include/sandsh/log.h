/* Audit log (SPEC §6): syslog lines with ident "sandsh", sent on a private
 * socket, so the PAM module never touches the host application's own
 * openlog() state. */
#ifndef SANDSH_LOG_H
#define SANDSH_LOG_H

/* Connects to /dev/log now (before any root change); facility as LOG_*.
 * May be called again to change the facility. Never fails: without a
 * syslog socket, lines are dropped like syslog(3) does. */
void sandsh_log_open(int facility);
/* One line at the given LOG_* priority; control characters in the text
 * are replaced so a line stays one line. */
void sandsh_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sandsh_log_close(void);
/* Drops the socket without closing it: its descriptor was closed already
 * (close_range in a new process). */
void sandsh_log_forget(void);

struct sandsh_diags;
/* The "error user=... uid=... reason=FILE:LINE: MSG" line for a policy that
 * failed to load or resolve: the first diagnostic, and how many more. */
void sandsh_log_policy_error(const char *user, unsigned uid, const struct sandsh_diags *d);

#endif
