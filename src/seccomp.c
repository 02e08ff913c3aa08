/* The baseline seccomp filter (SECURITY 12), loaded after no_new_privs as
 * the user, just before the sandbox's PID 1 starts the command. */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "sandsh/sandbox.h"

/* Denied outright (EPERM): changing mounts or namespaces, kernel keyrings,
 * eBPF, perf, userfaultfd, io_uring (a large, often-exploited surface no
 * shell needs), kernel images and modules. */
static const char *const denied[] = {
	"mount",	 "umount",	 "umount2",	"pivot_root",	"move_mount",	 "open_tree",
	"fsopen",	 "fsconfig",	 "fsmount",	"fspick",	"mount_setattr", "unshare",
	"setns",	 "keyctl",	 "add_key",	"request_key",	"bpf",		 "perf_event_open",
	"userfaultfd", "kexec_load",	 "kexec_file_load", "init_module", "finit_module",
	"delete_module", "acct",	 "swapon",	"swapoff",	"quotactl",	 "lookup_dcookie",
	"chroot",	 "io_uring_setup", "io_uring_enter", "io_uring_register",
};

static int add_rules(scmp_filter_ctx ctx)
{
	int rc;

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0 && rc != -EDOM)
			return rc;
	}
	/* No new user namespace by clone(); clone3 hides its flags in memory,
	 * so it is answered ENOSYS and libc falls back to clone(). */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (rc < 0)
		return rc;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0 && rc != -EDOM)
		return rc;
	/* Terminal input injection; the kernel compares only the low 32 bits of
	 * the request, so must the filter. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (rc < 0)
		return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
}

int sandsh_seccomp_load(struct sandsh_err *e)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return sandsh_err_set(e, ENOMEM, "seccomp init");
	/* The same rules for every ABI the CPU can run (i386, x32 on x86-64),
	 * so a 32-bit syscall is no way around them. */
#if defined(__x86_64__)
	rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (rc == 0 || rc == -EEXIST)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	if (rc < 0 && rc != -EEXIST)
		goto fail;
#endif
	rc = add_rules(ctx);
	if (rc < 0)
		goto fail;
	rc = seccomp_load(ctx);
	if (rc < 0)
		goto fail;
	seccomp_release(ctx);
	/* Building the filter grew PID 1's heap by ~150 KiB that it never
	 * needs again; PID 1 then idles for the whole session. Give it back. */
	malloc_trim(0);
	return 0;
fail:
	seccomp_release(ctx);
	return sandsh_err_set(e, -rc, "seccomp filter");
}
