/* The baseline seccomp filter (SECURITY 12), loaded after no_new_privs as
 * the user, just before the sandbox's PID 1 starts the command.
 *
 * The program is compiled at build time by tools/seccomp-gen.c (the rules
 * live there) with libseccomp; at run time it is one seccomp(2) call. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandsh/sandbox.h"
#include "seccomp_filter.h"

int sandsh_seccomp_load(struct sandsh_err *e)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(sandsh_seccomp_filter) /
					sizeof(sandsh_seccomp_filter[0])),
		.filter = (struct sock_filter *)sandsh_seccomp_filter,
	};

	/* no_new_privs is set by the caller (priv.c): the kernel refuses a
	 * filter from an unprivileged process without it. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return sandsh_err_set(e, errno, "seccomp filter");
	return 0;
}
