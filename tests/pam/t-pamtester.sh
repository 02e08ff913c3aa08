# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# pamtester against the fixture service: the module places pamtester itself
# and close_session undoes all of it.

log_mark
pamtester_run sandsh-test sbuser1 acct_mgmt open_session close_session
assert_status "sandboxed user: acct_mgmt open_session close_session succeed" 0
assert_match "pamtester reports the session opened and closed" "successfully opened a session.*successfully been closed" "$(echo "$OUT" | tr '\n' ' ')"
assert_log_contains "session open line (via=pam, service, rootfs, pids_max)" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=none from=local service=sandsh-test\$"
assert_open_close "pamtester" sbuser1
assert_log_contains "pam_unix's own syslog lines still arrive" "pam_unix\(sandsh-test:session\): session closed for user sbuser1"
assert_clean "pamtester"

# What the service starts after the module is inside: pam_exec runs a
# command as a child of pamtester, between open_session and close_session.
cat >"$T_ROOTFS/pam-probe" <<'EOT'
#!/bin/sh
hostname; cat /proc/1/comm; echo $$
test -e /ROOTFS-MARKER && echo rootfs
test -e /etc/pam.d && echo host-etc
grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\t'
EOT
chmod 0755 "$T_ROOTFS/pam-probe"
write_service sandsh-exec <<'EOT'
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  required   pam_exec.so type=open_session stdout /pam-probe
EOT
echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"
log_mark
pamtester_run sandsh-exec sbuser1 open_session close_session
rm -f "$T_ROOTFS/ROOTFS-MARKER" "$T_ROOTFS/pam-probe"
assert_status "pam_exec after the module: status" 0
assert_match "a child of the caller started after open_session is inside" 	"pam-sbuser1 sandsh-holder 2 rootfs NoNewPrivs:1 Seccomp:2 " "$(echo "$OUT" | grep -v '^pamtester' | tr '\n' ' ')"
assert_open_close "pam_exec" sbuser1
assert_clean "pam_exec"

# open_session without close_session: pam_end() ends the session.
log_mark
pamtester_run sandsh-test sbuser1 open_session
assert_status "open_session alone: status" 0
assert_open_close "pam_end without close_session" sbuser1
assert_clean "pam_end without close_session"

# Root: never placed (the module ignores it; pam_unix makes the stack succeed).
log_mark
pamtester_run sandsh-test root acct_mgmt open_session close_session
assert_status "root: succeeds, untouched" 0
assert_log_lacks "root: no session logged" "^session open"

# sandbox = false (sbadmin in sbstaff): passes through.
log_mark
pamtester_run sandsh-test sbadmin acct_mgmt open_session close_session
assert_status "sandbox = false user: succeeds" 0
assert_log_lacks "sandbox = false user: no session logged" "^session open"

# allow = false: refused at account.
log_mark
pamtester_run sandsh-test sbuser2 acct_mgmt
assert_status "allow = false: acct_mgmt refused" 1
assert_match "allow = false: permission denied" "Permission denied" "$ERR"
assert_log_contains "allow = false: denied line" "^denied user=sbuser2 uid=61002 reason=allow is false\$"
# ... and at session when the stack has no account line.
pamtester_run sandsh-sessonly sbuser2 open_session
assert_status "allow = false, session only: open_session refused" 1
assert_match "allow = false, session only: session error" "Cannot make/remove an entry for the specified session" "$ERR"
assert_log_lacks "allow = false: no session opened" "^session open"

# A broken policy: every non-root user is refused, root still works.
write_policy <<EOT
version = 1;
defaults = { rootfs = "$T_ROOTFS"; pids_max = "many"; };
EOT
line=$(policy_line_of pids_max)
log_mark
pamtester_run sandsh-test sbuser1 acct_mgmt
assert_status "broken policy: acct_mgmt refused" 1
assert_match "broken policy: system error" "System error" "$ERR"
pamtester_run sandsh-test sbuser1 open_session close_session
assert_status "broken policy: open_session refused" 1
assert_log_contains "broken policy: error line with file:line" "^error user=sbuser1 uid=61001 reason=$POLICY:$line: "
pamtester_run sandsh-test sbadmin open_session close_session
assert_status "broken policy: a sandbox = false user is refused too" 1
pamtester_run sandsh-test root acct_mgmt open_session close_session
assert_status "broken policy: root is untouched (recovery path)" 0
assert_clean "broken policy"

# A module after pam_sandsh whose close_session forks: libpam closes in
# stack order, so it runs after pam_sandsh killed the session's PID 1, and
# the caller can no longer fork (clone fails with ENOMEM in a PID namespace
# whose init is gone). Documented in docs/pam.md: put pam_sandsh last.
write_pam_policy
printf '#!/bin/sh\nexit 0\n' >"$T_ROOTFS/pam-probe"
chmod 0755 "$T_ROOTFS/pam-probe"
write_service sandsh-exec <<'EOT'
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  required   pam_exec.so /pam-probe
EOT
log_mark
pamtester_run sandsh-exec sbuser1 open_session close_session
rm -f "$T_ROOTFS/pam-probe"
assert_match "a forking module after pam_sandsh: opens, then fails at close (known limit)" \
	"successfully opened a session" "$OUT"
assert_match "a forking module after pam_sandsh: close_session System error" "System error" "$ERR"
assert_open_close "forking module after pam_sandsh" sbuser1
assert_clean "forking module after pam_sandsh"

# close_session twice (and pam_end after it): the second close is a no-op.
log_mark
pamtester_run sandsh-test sbuser1 open_session close_session close_session
assert_status "close_session twice: succeeds" 0
assert_eq "close_session twice: one close line" "1" "$(log_wait '^session close' 3; log_since | grep -c '^session close')"
assert_clean "close_session twice"

# A placement that fails half-way (unsafe rootfs: found after the cgroup
# and the namespaces) puts the caller back where it was: a module after
# pam_sandsh (the stack goes on after a failed "required") runs in the
# caller's own namespaces and cgroup.
install -d -o root -g root -m 0775 "$T_ROOT/rootfs-unsafe"
write_pam_policy
sed -i "s#rootfs = \"$T_ROOTFS\";#rootfs = \"$T_ROOT/rootfs-unsafe\";#" "$POLICY"
cat >"$T_WORK/host-probe" <<EOT
#!/bin/sh
{ hostname; for n in mnt uts ipc pid; do readlink /proc/self/ns/\$n; done; cat /proc/self/cgroup; } >$T_WORK/host-probe.out
EOT
chmod 0755 "$T_WORK/host-probe"
write_service sandsh-exec <<EOT
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  optional   pam_exec.so $T_WORK/host-probe
EOT
rm -f "$T_WORK/host-probe.out"
log_mark
pamtester_run sandsh-exec sbuser1 open_session
assert_status "unsafe rootfs: open_session refused" 1
assert_log_contains "unsafe rootfs: error line" "^error user=sbuser1 uid=61001 reason=.*rootfs-unsafe"
expected="$(hostname)
$(for n in mnt uts ipc pid; do readlink /proc/self/ns/$n; done)"
observed=$(head -n 5 "$T_WORK/host-probe.out" 2>/dev/null)
assert_eq "unsafe rootfs: the caller is back in its own namespaces" "$expected" "$observed"
assert_eq "unsafe rootfs: ... and out of the session cgroup" "" "$(grep session- "$T_WORK/host-probe.out")"
assert_clean "unsafe rootfs"
rmdir "$T_ROOT/rootfs-unsafe"
write_pam_policy
pam_services
