# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# su -l with pam_sandsh in su-l's account and session stacks: su (root) is
# placed, its child (the user's shell) is inside.

host_name=$(hostname)

# --- a sandboxed user ------------------------------------------------------------
log_mark
su_run sbuser1 'hostname; echo $$; cat /proc/1/comm'
assert_status "su -l: status" 0
assert_out "su -l: policy hostname, the shell is PID 2, PID 1 is the holder" "pam-sbuser1
2
sandsh-holder"
assert_log_contains "su -l: session open via=pam, service su-l" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=none from=local service=su-l\$"
assert_open_close "su -l" sbuser1
assert_log_contains "su -l: pam_unix's session lines (syslog from inside the sandbox)" \
	"pam_unix\(su-l:session\): session closed for user sbuser1"
assert_clean "su -l"
assert_eq "su -l: host hostname unchanged" "$host_name" "$(hostname)"

caps='CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1
Seccomp:	2'
su_run sbuser1 'id; grep -E "^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs|Seccomp):" /proc/self/status'
assert_out "su -l: the user's ids, no capabilities, no_new_privs, seccomp" \
	"uid=61001(sbuser1) gid=61001(sbuser1) groups=61001(sbuser1),61101(sbstudents)
$caps"
su_run sbuser1 'grep -E "^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/1/status'
# Root, so that no process of the user can stop or signal it (issue 18),
# with nothing but CAP_KILL (bit 5: passing a signal on to its namespace).
assert_out "su -l: the holder (PID 1) is root with CAP_KILL only, no_new_privs, the filter" "Uid:	0	0	0	0
CapPrm:	0000000000000020
CapEff:	0000000000000020
CapBnd:	0000000000000000
NoNewPrivs:	1
Seccomp:	2"

su_run sbuser1 'cat /etc/passwd; echo --; cat /etc/group'
assert_out "su -l: generated /etc/passwd and /etc/group" "root:x:0:0:root:/root:/bin/sh
sbuser1:x:61001:61001:Fixture sbuser1:/home/sbuser1:/bin/sh
--
sbuser1:x:61001:
sbstudents:x:61101:sbuser1
root:x:0:"

echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"
echo host-marker >"$T_ROOT/HOST-MARKER"
su_run sbuser1 "cat /ROOTFS-MARKER; test -e $T_ROOT/HOST-MARKER && echo host-visible; test -e /etc/pam.d && echo host-etc; pwd"
assert_out "su -l: rootfs is /, host files invisible, starts in the home" "rootfs-marker
/home/sbuser1"
rm -f "$T_ROOTFS/ROOTFS-MARKER" "$T_ROOT/HOST-MARKER"

su_run sbuser1 'exit 7'
assert_status "su -l: the command's exit status comes back" 7

# Background jobs die with the session: su waits for the shell only,
# close_session kills PID 1 and with it the namespace.
su_run sbuser1 'sleep 60 & sleep 60 & echo started'
assert_out "su -l: background jobs: returns" "started"
assert_clean "su -l: background jobs"
assert_match "su -l: background jobs: ended promptly" '^[0-9]$' "$((DURATION_MS / 1000))"

# --- refusals ----------------------------------------------------------------------
# allow = false: refused at account; nothing runs.
rm -f "$T_SHARE/PROBE-RAN"
log_mark
su_run sbuser2 "$PROBE"
assert_eq "allow = false: su refused" "1" "$STATUS"
assert_eq "allow = false: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "allow = false: denied line" "^denied user=sbuser2 uid=61002 reason=allow is false\$"
assert_match "allow = false: refused by the account phase" "Permission denied" "$ERR"
assert_log_contains "allow = false: su logs the failure" "^FAILED SU \(to sbuser2\) root on none\$"

# A broken policy: su fails, nothing runs, the log says why.
write_policy <<EOT
version = 1;
defaults = { rootfs = "$T_ROOTFS"; hostname = 42; };
EOT
line=$(policy_line_of hostname)
log_mark
su_run sbuser1 "$PROBE"
assert_eq "broken policy: su fails" "1" "$STATUS"
assert_eq "broken policy: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "broken policy: error line with file:line" "^error user=sbuser1 uid=61001 reason=$POLICY:$line: "
assert_log_lacks "broken policy: no session opened" "^session open"
su_run root 'hostname'
assert_eq "broken policy: root is untouched (recovery path)" "0 $host_name" "$STATUS $OUT"
# Even the session phase alone (no account line) refuses.
sed -i "s#^account  required   $PAM_MODULE\$#account  required   pam_permit.so#" /etc/pam.d/su-l
log_mark
su_run sbuser1 "$PROBE"
assert_eq "broken policy, session phase only: su fails" "1" "$STATUS"
assert_eq "broken policy, session phase only: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "broken policy, session phase only: the module says why" "pam_sandsh\(su-l:session\): policy invalid, session refused"
pam_services
write_pam_policy
rm -f "$T_SHARE/PROBE-RAN"
assert_clean "refusals"

# --- untouched users ---------------------------------------------------------------
log_mark
su_run sbadmin 'hostname; cat /proc/1/comm; grep NoNewPrivs /proc/self/status | tr -d "\t"'
assert_out "sandbox = false: untouched (host hostname, host PID 1, no no_new_privs)" \
	"$host_name
$(cat /proc/1/comm)
NoNewPrivs:0"
su_run root 'hostname; cat /proc/1/comm'
assert_out "root: untouched" "$host_name
$(cat /proc/1/comm)"
assert_log_lacks "untouched users: no session logged" "^session open"

# --- sandsh as the login shell inside a PAM session: no nesting ---------------------
log_mark
su_run sbnest 'cat /proc/1/comm; echo $$; echo "$0"; readlink /proc/$$/exe; hostname; test -n "$SANDSH_SESSION" && echo has-id'
assert_status "sandsh login shell inside a PAM session: status" 0
assert_out "sandsh login shell does not nest (holder is PID 1, policy shell runs as PID 2)" "sandsh-holder
2
sh
/bin/busybox
pam-sbnest
has-id"
assert_eq "sandsh login shell: one session only" "1" "$(log_since | grep -c '^session open')"
assert_open_close "sandsh login shell" sbnest
assert_clean "sandsh login shell"

# --- SANDSH_SESSION set by the user, outside a PAM session: no bypass ---------------
# The setuid sandsh ignores it (it decides from kernel state, never the
# environment): a full sandbox of its own, logged via=shell.
log_mark
run_as -e SANDSH_SESSION=0123456789abcdef sbuser1 -c 'cat /proc/1/comm; hostname; echo $$'
assert_status "user-set SANDSH_SESSION: status" 0
assert_out "user-set SANDSH_SESSION: still sandboxed by sandsh itself" "sandsh-init
pam-sbuser1
2"
assert_log_contains "user-set SANDSH_SESSION: a session of its own (via=shell)" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell "
# ... and with no_new_privs set by the user (so the setuid bit has no
# effect), sandsh refuses instead of running the shell unsandboxed.
rm -f "$T_SHARE/PROBE-RAN"
{
	env -i PATH=/usr/bin:/bin SANDSH_SESSION=0123456789abcdef timeout -k 5 20 \
		setpriv --reuid=61001 --regid=61001 --init-groups --no-new-privs -- \
		"$SANDSH" -c "$PROBE" </dev/null >"$T_WORK/nnp-out" 2>"$T_WORK/nnp-err"
	STATUS=$?
} 2>/dev/null
OUT=$(cat "$T_WORK/nnp-out")
ERR=$(cat "$T_WORK/nnp-err")
assert_refused "user-set SANDSH_SESSION under no_new_privs" 125 \
	"sandsh: invocation: refusing to run under no_new_privs (nested sandbox?)"

# --- two sessions of one user at once: each ends on its own -------------------------
(su_run sbuser1 'sleep 2; echo first-done' >/dev/null) &
bg=$!
for _ in $(seq 50); do [ -n "$(registry_entries)" ] && break; sleep 0.1; done
su_run sbuser1 'hostname; cat /proc/1/comm; ls /proc | grep -c "^[0-9]"'
assert_out "a second concurrent session: a sandbox of its own (holder, sh, ls, grep: not the first one's sleep)" "pam-sbuser1
sandsh-holder
4"
assert_eq "a second concurrent session: the first one still runs" "1" "$(registry_entries | wc -w)"
wait "$bg"
assert_clean "two concurrent sessions"

# --- limits: pids_max and max_sessions hold for PAM sessions --------------------------
write_pam_policy 'pids_max = 8;' 'max_sessions = 1;'
# The cgroup holds su itself, the holder, the shell and the sleeps: the
# sixth sleep cannot be forked (busybox sh gives up on "can't fork").
su_run sbuser1 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; echo all-forked'
assert_eq "pids_max = 8: the session cannot grow past it" "2 -sh: can't fork: Resource temporarily unavailable" \
	"$STATUS $ERR"
assert_clean "pids_max"

# One session running in the background: a second one is refused.
(su_run sbuser1 'echo first; sleep 3' >/dev/null) &
bg=$!
for _ in $(seq 50); do [ -n "$(registry_entries)" ] && break; sleep 0.1; done
log_mark
su_run sbuser1 "$PROBE"
assert_eq "max_sessions = 1: a second session is refused" "1" "$STATUS"
assert_eq "max_sessions = 1: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "max_sessions = 1: denied line" "^denied user=sbuser1 uid=61001 reason=.*session"
wait "$bg"
su_run sbuser1 'echo again'
assert_out "max_sessions = 1: a new session once the first ended" "again"
write_pam_policy
assert_clean "max_sessions"
