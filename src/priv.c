/* Dropping from root to the user, then proving it cannot come back
 * (SECURITY 13). Runs as euid 0 in the sandbox's PID 1 after the tree is
 * built, for shell and PAM sessions alike (or in the unconfined child of
 * the shell). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandsh/sandbox.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static int caps_clear(struct sandsh_err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capset, &hdr, data) < 0)
		return sandsh_err_set(e, errno, "capset");
	return 0;
}

static int verify(const struct sandsh_user *u, struct sandsh_err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uid_t r, ef, s;
	gid_t rg, eg, sg;
	gid_t groups[65536 / 16];
	int n;

	if (getresuid(&r, &ef, &s) < 0 || r != u->uid || ef != u->uid || s != u->uid)
		return sandsh_err_set(e, 0, "privilege drop: uid not %u", (unsigned)u->uid);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != u->gid || eg != u->gid || sg != u->gid)
		return sandsh_err_set(e, 0, "privilege drop: gid not %u", (unsigned)u->gid);
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	if (n < 0 || (size_t)n != u->n_gids)
		return sandsh_err_set(e, 0, "privilege drop: supplementary groups differ");
	for (int i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < u->n_gids && u->gids[j] != groups[i]; j++)
			;
		if (j == u->n_gids)
			return sandsh_err_set(e, 0, "privilege drop: unexpected group %u",
					      (unsigned)groups[i]);
	}
	if (syscall(SYS_capget, &hdr, data) < 0)
		return sandsh_err_set(e, errno, "capget");
	if (data[0].effective | data[0].permitted | data[0].inheritable | data[1].effective |
	    data[1].permitted | data[1].inheritable)
		return sandsh_err_set(e, 0, "privilege drop: capabilities remain");
	for (int cap = 0; cap <= 63; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0 && errno == EINVAL)
			break; /* past the last capability */
		if (in < 0)
			return sandsh_err_set(e, errno, "privilege drop: read bounding set");
		if (in)
			return sandsh_err_set(e, 0, "privilege drop: capability %d in bounding set",
					      cap);
	}
	if (u->uid != 0) {
		/* The way back must be closed. */
		if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
			return sandsh_err_set(e, 0, "privilege drop: could regain root");
	}
	return 0;
}

int sandsh_priv_drop(const struct sandsh_user *u, const struct sandsh_policy *p, bool confined,
		     struct sandsh_err *e)
{
	/* Supplementary groups first: setgroups() needs CAP_SETGID. */
	if (setgroups(u->n_gids, u->gids) < 0)
		return sandsh_err_set(e, errno, "setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return sandsh_err_set(e, errno, "setresgid %u", (unsigned)u->gid);
	if (confined) {
		/* The bounding set can only shrink, and only with CAP_SETPCAP:
		 * clear it while still root, so no file capability can return. */
		for (int cap = 0; cap <= 63; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
				if (errno == EINVAL)
					break;
				return sandsh_err_set(e, errno, "drop capability %d", cap);
			}
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return sandsh_err_set(e, errno, "clear ambient capabilities");
	/* Changing the uid resets dumpability to fs.suid_dumpable, which may
	 * be 1: between setresuid() and PR_SET_DUMPABLE the process would be
	 * the user's to ptrace and to read through /proc. Keeping the
	 * permitted capabilities across the change closes that window (the
	 * kernel refuses to let a tracer without them attach), until
	 * dumpability is off again; then they go. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sandsh_err_set(e, errno, "prctl keepcaps");
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return sandsh_err_set(e, errno, "setresuid %u", (unsigned)u->uid);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sandsh_err_set(e, errno, "prctl dumpable");
	if (caps_clear(e) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return e->status ? -1 : sandsh_err_set(e, errno, "prctl keepcaps");
	if (confined) {
		if (verify(u, e) < 0)
			return -1;
		/* A session keyring of its own, owned by the user. */
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
			return sandsh_err_set(e, errno, "join a new session keyring");
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return sandsh_err_set(e, errno, "no_new_privs");
		if (p->seccomp && sandsh_seccomp_load(e) < 0)
			return -1;
	} else {
		/* Unconfined (sandbox = false): the user's normal identity, with
		 * setuid programs working; still prove root is gone. */
		uid_t r, ef, s;
		if (getresuid(&r, &ef, &s) < 0 || r != u->uid || ef != u->uid || s != u->uid)
			return sandsh_err_set(e, 0, "privilege drop: uid not %u", (unsigned)u->uid);
		if (u->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
			return sandsh_err_set(e, 0, "privilege drop: could regain root");
	}
	return 0;
}

int sandsh_priv_hold(const struct sandsh_policy *p, struct sandsh_err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	uid_t r, ef, s;

	/* Root in all three ids, so that no process of the user, inside or
	 * outside, can stop or signal it; no group but root's. */
	if (setgroups(0, NULL) < 0)
		return sandsh_err_set(e, errno, "setgroups");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return sandsh_err_set(e, errno, "setresuid 0");
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return sandsh_err_set(e, errno, "drop capability %d", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return sandsh_err_set(e, errno, "clear ambient capabilities");
	/* One capability: to pass a signal on to every process of the session
	 * (kill(-1) reaches its own PID namespace only). */
	data[CAP_KILL / 32].effective = data[CAP_KILL / 32].permitted = 1U << (CAP_KILL % 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return sandsh_err_set(e, errno, "capset");
	if (getresuid(&r, &ef, &s) < 0 || r || ef || s)
		return sandsh_err_set(e, 0, "holder: not root in all three ids");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sandsh_err_set(e, errno, "prctl dumpable");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sandsh_err_set(e, errno, "no_new_privs");
	if (p->seccomp && sandsh_seccomp_load(e) < 0)
		return -1;
	return 0;
}
