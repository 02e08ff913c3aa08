/* Error object helpers. Pure, used in every privilege state. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sandsh/err.h"

const char *sandsh_strerror(int errnum)
{
	const char *s = strerrordesc_np(errnum);
	return s ? s : "Unknown error";
}

static int vset(struct sandsh_err *e, int status, int errnum, const char *fmt, va_list ap)
{
	int n;

	if (!e)
		return -1;
	e->status = status;
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(e->msg) && errnum)
		snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s", sandsh_strerror(errnum));
	e->log[0] = '\0';
	return -1;
}

int sandsh_err_set(struct sandsh_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, SANDSH_EXIT_FAILURE, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int sandsh_err_deny(struct sandsh_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, SANDSH_EXIT_DENIED, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int sandsh_err_wrap(struct sandsh_err *e, const char *fmt, ...)
{
	char ctx[512], old[sizeof(e->msg)];
	size_t clen, olen;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* "ctx: old", cut to fit. */
	clen = strlen(ctx);
	olen = strlen(old);
	if (clen + 2 + olen >= sizeof(e->msg))
		olen = sizeof(e->msg) - 1 - clen - 2;
	memcpy(e->msg, ctx, clen);
	memcpy(e->msg + clen, ": ", 2);
	memcpy(e->msg + clen + 2, old, olen);
	e->msg[clen + 2 + olen] = '\0';
	if (!e->status)
		e->status = SANDSH_EXIT_FAILURE;
	return -1;
}
