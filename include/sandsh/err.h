/* Error object filled by every core function that can fail: one line of
 * "what: why" plus the exit-status class the top level should use. */
#ifndef SANDSH_ERR_H
#define SANDSH_ERR_H

#include <stddef.h>

enum {
	SANDSH_EXIT_DENIED = 1,     /* access denied by policy */
	SANDSH_EXIT_FAILURE = 125,  /* sandsh itself failed */
	SANDSH_EXIT_NOEXEC = 126,   /* found but not executable */
	SANDSH_EXIT_NOTFOUND = 127, /* command not found */
};

struct sandsh_err {
	int status;     /* SANDSH_EXIT_*; 0 while no error is set */
	char msg[1024]; /* "what: why", no trailing newline, no "sandsh: " */
	char log[1024]; /* detail for the audit log only (may name policy lines) */
};

/* Sets msg from fmt, appends ": <strerror(errnum)>" when errnum != 0;
 * status SANDSH_EXIT_FAILURE. Returns -1 so callers can `return sandsh_err_set(...)`. */
int sandsh_err_set(struct sandsh_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same with status SANDSH_EXIT_DENIED. */
int sandsh_err_deny(struct sandsh_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the current message with context: "ctx: old". Returns -1. */
int sandsh_err_wrap(struct sandsh_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Locale-free errno text (privileged code never loads a locale). */
const char *sandsh_strerror(int errnum);

#endif
