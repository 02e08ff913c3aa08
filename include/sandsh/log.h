/* Audit log (SPEC §6): syslog, ident "sandsh", the policy's facility. */
#ifndef SANDSH_LOG_H
#define SANDSH_LOG_H

void sandsh_log_open(int facility);
/* One line at LOG_NOTICE (LOG_WARNING for denied/error); control
 * characters in the formatted text are replaced so a line stays one line. */
void sandsh_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
