# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119,SC2120
# repo is set by tests/pam/run.sh:
# shellcheck disable=SC2154
# Issue 18, the PAM holder and what enforces the policy:
#  - the holder (PID 1 of a PAM session) cannot be stopped or signalled by a
#    process of the user's uid outside the session (EPERM);
#  - the policy's timeout holds even after someone tried to SIGSTOP it;
#  - `sandsh --list` shows a live su session and keeps its entry;
#  - bind sources are resolved with the user's own supplementary groups,
#    not the caller's;
#  - PID 1 is never dumpable after it changed uid, also on a host with
#    fs.suid_dumpable = 1 (the global sysctl is set to 1 for the few seconds
#    of that case and restored by a trap).

# holder_wait: prints the pid of the only sandsh-holder (waits 5 s).
holder_wait() {
	local h
	for _ in $(seq 50); do
		h=$(procs -c sandsh-holder)
		[ -n "$h" ] && [ "$(echo "$h" | wc -l)" = 1 ] && echo "$h" && return 0
		sleep 0.1
	done
	return 1
}

# as_user_kill SIG PID: bash's kill, run as sbuser1 outside the session;
# sets KSTATUS and KERR.
as_user_kill() {
	{
		env -i PATH=/usr/bin:/bin setpriv --reuid=61001 --regid=61001 --init-groups -- \
			bash -c "kill -$1 $2" >/dev/null 2>"$T_WORK/kill-err"
		KSTATUS=$?
	} 2>/dev/null
	KERR=$(cat "$T_WORK/kill-err")
}

# --- the holder cannot be signalled by the user from outside ------------------------------
write_pam_policy
(su_run sbuser1 'sleep 4; echo survived' >/dev/null; echo "$STATUS $OUT" >"$T_WORK/holder-bg") &
bg=$!
if h=$(holder_wait); then
	for sig in STOP TERM KILL HUP INT 0; do
		as_user_kill "$sig" "$h"
		assert_eq "holder: kill -$sig from the user's uid outside the session: EPERM" \
			"1 bash: line 1: kill: ($h) - Operation not permitted" "$KSTATUS $KERR"
	done
	assert_match "holder: not stopped" '^State:[[:space:]]+S' "$(grep '^State:' "/proc/$h/status" 2>/dev/null)"
	kill -CONT "$h" 2>/dev/null
else
	fail "holder: a session's holder appears" "$(procs -l)"
fi
wait "$bg"
assert_eq "holder: the session went on undisturbed" "0 survived" "$(cat "$T_WORK/holder-bg")"
assert_clean "holder signals"

# --- timeout holds although the user tried to SIGSTOP the holder ---------------------------------
# timeout = 3: SIGTERM at 3 s, SIGKILL 5 s later; the bound allows 4 s more.
write_pam_policy 'timeout = 3;'
log_mark
(su_run sbuser1 'sleep 30; echo not-stopped' >/dev/null; echo "$STATUS $DURATION_MS $OUT" >"$T_WORK/timeout-bg") &
bg=$!
if h=$(holder_wait); then
	as_user_kill STOP "$h"
	assert_eq "timeout: SIGSTOP of the holder by the user: EPERM" \
		"1 bash: line 1: kill: ($h) - Operation not permitted" "$KSTATUS $KERR"
fi
wait "$bg"
read -r st ms out <"$T_WORK/timeout-bg"
assert_eq "timeout = 3 with a SIGSTOP attempt: the command is ended by SIGTERM (status 143), nothing after it ran" \
	"143 " "$st ${out:-}"
if [ "${ms:-99999}" -lt 12000 ]; then
	pass "timeout = 3 with a SIGSTOP attempt: ended in < 3 + 5 + 4 s"
else
	fail "timeout = 3 with a SIGSTOP attempt: ended in < 3 + 5 + 4 s" "took ${ms:-?} ms (status ${st:-?})"
fi
assert_clean "timeout with a SIGSTOP attempt"
write_pam_policy

# --- sandsh --list shows a live su session and keeps its entry --------------------------------------
# su on a terminal (script), so the session has a tty (PAM_TTY pts/N).
log_mark
{
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 20 \
		script -qec "su -l sbuser1 -c 'sleep 4'" /dev/null </dev/null >/dev/null 2>&1
	echo $? >"$T_WORK/list-bg"
} &
bg=$!
for _ in $(seq 50); do [ -n "$(registry_entries)" ] && log_since | grep -q '^session open ' && break; sleep 0.1; done
id=$(log_since | sed -n -E 's/^session open id=([0-9a-f]+) user=sbuser1 .*/\1/p' | head -n 1)
tty=$(log_since | sed -n -E 's/^session open id=[0-9a-f]+ user=sbuser1 .* tty=([^ ]+) .*/\1/p' | head -n 1)
assert_match "--list: the su session has a terminal" '^pts/[0-9]+$' "$tty"
run_root --list
assert_status "--list: status 0" 0
assert_line "--list: shows the live su session (id, user, pid, start, tty, pids/pids_max)" \
	"${id:-NO-ID} +sbuser1 +[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +(/dev/)?$tty +[0-9]+/32 +[-0-9KM]+ +-" "$OUT"
assert_eq "--list: the live entry is kept" "${id:-NO-ID}" "$(registry_entries)"
run_root --list
assert_eq "--list twice: still listed" "1" "$(printf '%s\n' "$OUT" | grep -c "^${id:-NO-ID} ")"
wait "$bg"
assert_eq "--list: the su session itself was not disturbed" "0" "$(cat "$T_WORK/list-bg")"
assert_clean "--list with a live su session"

# --- bind sources: the user's supplementary groups, not the caller's -----------------------------------
# user-grp: reachable only through sbstudents (61101), a group of sbuser1
# and not of the caller; caller-grp: only through sbstaff (61100), a
# group of the caller (setpriv --groups) and not of sbuser1.
install -d -o root -g 61101 -m 0750 "$T_ROOT/user-grp"
install -d -o root -g 61100 -m 0750 "$T_ROOT/caller-grp"
install -d -o root -g root -m 0755 "$T_ROOT/user-grp/data" "$T_ROOT/caller-grp/data"
echo user-group-data >"$T_ROOT/user-grp/data/f"
echo caller-group-data >"$T_ROOT/caller-grp/data/f"
chmod 0644 "$T_ROOT/user-grp/data/f" "$T_ROOT/caller-grp/data/f"
printf '#!/bin/sh\ncat /mnt/data/f\n' >"$T_ROOTFS/bind-probe"
chmod 0755 "$T_ROOTFS/bind-probe"
install -d -o root -g root -m 0755 "$T_ROOTFS/mnt/data"
write_service sandsh-exec <<'EOT'
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  required   pam_exec.so type=open_session stdout /bind-probe
EOT
# bind_pamtester SOURCE GROUPS: pamtester (root, supplementary groups
# GROUPS) with the source bound at /mnt/data; sets STATUS OUT ERR.
bind_pamtester() {
	write_pam_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$1\"; target = \"/mnt/data\"; } );"
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 "$PAM_RUN_TIMEOUT" \
			setpriv --groups="$2" -- pamtester -v sandsh-exec sbuser1 open_session close_session \
			</dev/null >"$T_WORK/pt-out" 2>"$T_WORK/pt-err"
		STATUS=$?
	} 2>/dev/null
	OUT=$(grep -v '^pamtester' "$T_WORK/pt-out")
	ERR=$(cat "$T_WORK/pt-err")
}
log_mark
bind_pamtester "$T_ROOT/user-grp/data" 0
assert_eq "bind source reachable through the user's group only (caller groups: 0): bound" \
	"0 user-group-data" "$STATUS $OUT"
assert_log_lacks "bind source through the user's group: no error line" "^error user=sbuser1 "
assert_clean "bind source through the user's group"
log_mark
bind_pamtester "$T_ROOT/caller-grp/data" 0,61100
assert_eq "bind source reachable through the caller's group only: refused, nothing ran" "1 " "$STATUS $OUT"
assert_log_contains "bind source through the caller's group: error line" \
	"^error user=sbuser1 uid=61001 reason=bind source $T_ROOT/caller-grp/data: Permission denied\$"
assert_log_lacks "bind source through the caller's group: no session opened" "^session open "
assert_clean "bind source through the caller's group"
# su sets the user's groups before open_session; login calls it with its
# own (root's).
write_pam_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$T_ROOT/user-grp/data\"; target = \"/mnt/data\"; } );"
su_run sbuser1 'cat /mnt/data/f'
assert_eq "su: bind source reachable through the user's group only: bound" "0 user-group-data" "$STATUS $OUT"
login_run sbuser1 'cat /mnt/data/f'
assert_line "login: bind source reachable through the user's group only: bound" "user-group-data" "$OUT"
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "bind source through the user's group (su, login)"
# The same through sshd, whose monitor calls open_session with root's groups.
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
sshd_setup
write_pam_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$T_ROOT/user-grp/data\"; target = \"/mnt/data\"; } );"
SSHD_SYSLOG=1 SSHD_USE_PAM=yes sshd_start
log_mark
ssh_run sbuser1 'cat /mnt/data/f'
assert_eq "sshd: bind source reachable through the user's group only: bound" "0 user-group-data" "$STATUS $OUT"
sshd_stop
rm -rf "$T_ROOT/user-grp" "$T_ROOT/caller-grp" "$T_ROOTFS/bind-probe" "$T_ROOTFS/mnt/data"
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "bind sources through sshd"
pam_services
write_pam_policy

# --- PID 1 is never dumpable after it changed uid (fs.suid_dumpable = 1) -----------------------------------
# A credential change resets "dumpable" to fs.suid_dumpable; with 1 there,
# PID 1 is dumpable from its setresuid until it clears the flag again, and
# a process of the user can read its memory and environment. strace widens
# that window: it holds every setresuid of an su -l session for 1.5 s
# (pamtester's session is too short: it closes before the holder gets
# there); meanwhile a process of the user keeps trying to read
# /proc/PID/environ of the holder.
dumpable_probe() { # the user's side: report every read that succeeded
	local end=$((SECONDS + 8)) p
	while [ $SECONDS -lt $end ]; do
		for p in $(procs -c sandsh-holder); do
			if setpriv --reuid=61001 --regid=61001 --init-groups -- cat "/proc/$p/environ" >/dev/null 2>&1; then
				echo "read /proc/$p/environ"
			fi
		done
		[ -e "$T_WORK/dumpable-done" ] && break
	done
}
if ! command -v strace >/dev/null; then
	skip "dumpable: PID 1 never readable by the user" "strace not installed (scripts/deps.sh sec)"
else
	old_dumpable=$(cat /proc/sys/fs/suid_dumpable)
	trap 'echo "$old_dumpable" >/proc/sys/fs/suid_dumpable' EXIT
	echo 1 >/proc/sys/fs/suid_dumpable
	rm -f "$T_WORK/dumpable-done"
	dumpable_probe >"$T_WORK/dumpable-reads" &
	probe=$!
	log_mark
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 30 \
			strace -f -qq -o /dev/null -e trace=setresuid -e inject=setresuid:delay_exit=1500000 \
			su -l sbuser1 -c 'sleep 3; echo done' </dev/null >"$T_WORK/su-out" 2>/dev/null
		STATUS=$?
	} 2>/dev/null
	touch "$T_WORK/dumpable-done"
	wait "$probe"
	echo "$old_dumpable" >/proc/sys/fs/suid_dumpable
	trap - EXIT
	assert_eq "dumpable: fs.suid_dumpable restored" "$old_dumpable" "$(cat /proc/sys/fs/suid_dumpable)"
	assert_eq "dumpable: the session (su -l under strace) ran" "0 done" "$STATUS $(cat "$T_WORK/su-out")"
	assert_open_close "dumpable" sbuser1
	assert_eq "dumpable: with fs.suid_dumpable = 1 the user never read the holder's /proc/PID/environ" "" \
		"$(sort -u "$T_WORK/dumpable-reads")"
	assert_clean "dumpable"
fi
