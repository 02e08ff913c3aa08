# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034
# repo is set by tests/e2e/run.sh:
# shellcheck disable=SC2154
# Issue 12's sweep on the shell path behind sshd, as a regression guard:
# an sshd started by a caller that holds descriptors leading outside (a
# directory fd of /, a host file, a socket and a pipe to an outside
# process, an O_PATH fd, a memfd, a high fd; tests/tools/fdhold.c) and
# whose cwd is outside. Through sandsh as a ForceCommand (sbforce, login
# shell /bin/sh) and as the login shell (sbuser1), the session gets fds
# 0-2 only and starts in its home inside.

# shellcheck source=tests/lib/inherit.sh
. "$repo/tests/lib/inherit.sh"
inherit_setup

# A second sshd of this test (the suite's keeps running for the others):
# its own config, log and port.
# sshd_start rewrites the known_hosts file for its port: keep the
# suite's, to put back at the end.
cp "$SSH_KNOWN_HOSTS" "$T_WORK/known_hosts.suite"
SSHD_PID=
SSHD_CONFIG=$T_SSH/sshd_config.inherit
SSHD_LOG=$T_SSH/sshd-inherit.log
INHERIT_HOLD sshd-force
SSHD_WRAPPER=("${HOLD[@]}")
sshd_start "Match Group sbforced" "    ForceCommand $SANDSH"
SSHD_WRAPPER=()

log_mark
ssh_run sbforce "$INHERIT_PROBE"
assert_status "ForceCommand, sshd started with held descriptors: status" 0
assert_inherit "ForceCommand" "$OUT" /home/sbforce sshd-force
assert_sessions "ForceCommand with held descriptors: one open/close pair" 1

log_mark
ssh_run sbuser1 "$INHERIT_PROBE"
assert_status "login shell, sshd started with held descriptors: status" 0
assert_inherit "login shell" "$OUT" /home/sbuser1 sshd-force
assert_sessions "login shell with held descriptors: one open/close pair" 1

sshd_stop 5
cp "$T_WORK/known_hosts.suite" "$SSH_KNOWN_HOSTS"
for uid in 61001 61004; do
	if wait_user_gone "$uid" 5; then
		pass "held descriptors: no process or session cgroup of uid $uid left"
	else
		fail "held descriptors: no process or session cgroup of uid $uid left" "$(procs -l -u "$uid")"
	fi
done
