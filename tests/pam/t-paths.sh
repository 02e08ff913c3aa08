# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119,SC2120,SC2034
# repo is set by tests/pam/run.sh:
# shellcheck disable=SC2154
# The same protections through every PAM service (issue 16 item 4, the
# protection-by-path table tests/protections.tsv): one probe inside a
# session of sshd, su -l, login and pamtester, and checks from outside
# while it runs. For each SERVICE:
#   SERVICE: inside: ...           what the session sees of itself
#   SERVICE: outside: ...          what the host sees while it runs
#   SERVICE: timeout ...           the policy's timeout ends the session
#   SERVICE: unsafe policy ...     a group-writable policy refuses it
#   SERVICE: dumpable ...          PID 1 never readable by the user
# pamtester starts no process of the user: its probe is pam_exec's child,
# which the service runs as root; the table says so where it matters.

# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
sshd_setup

# The probe, in the rootfs; it holds the session open for 4 s (PAUSE).
cp /bin/busybox "$T_ROOTFS/bin/busybox-suid"
install -o root -g root -m 0755 "$SECCOMP_PROBE" "$T_ROOTFS/bin/seccomp-probe"
chmod 4755 "$T_ROOTFS/bin/busybox-suid"
echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"
cat >"$T_ROOTFS/paths-probe" <<'EOT'
#!/bin/sh
echo "H=$(hostname) P1=$(cat /proc/1/comm) ROOTFS=$(cat /ROOTFS-MARKER) HOSTETC=$(test -e /etc/pam.d && echo yes || echo no)"
echo "ID=$(id -u):$(id -g):$(id -G | tr ' ' ,)"
echo "SUID=$(/bin/busybox-suid id -u)"
grep -E '^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\t' | tr '\n' ' '; echo
echo "PASSWD=$(cut -d: -f1 /etc/passwd | sort | tr '\n' ,)"
touch /ro-probe 2>/dev/null && echo "ROOT=writable" || echo "ROOT=read-only"
echo "PROC=$(awk '$2 == "/proc" { print $4 }' /proc/mounts | tr , '\n' | grep -E '^(nosuid|nodev|noexec)$' | sort | tr '\n' ,)"
/bin/seccomp-probe | awk -F ': ' '$1 ~ /^(mount|bpf|keyctl|unshare\(CLONE_NEWUSER\)|ioctl\(TIOCSTI\)|ioctl\(TIOCLINUX\))$/ { printf "%s=%s ", $1, $2 } END { print "" }'
echo PAUSE
sleep "${PAUSE:-4}"
EOT
chmod 0755 "$T_ROOTFS/paths-probe"
find "$T_ROOTFS" -type d -exec chmod go-w {} + -exec chown root:root {} +

# What a session of sbuser1 must print (pamtester's child is root: its
# own lines for ids and capabilities).
want_user="H=pam-sbuser1 P1=sandsh-holder ROOTFS=rootfs-marker HOSTETC=no
ID=61001:61001:61001,61101
SUID=61001
CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1 Seccomp:2 
PASSWD=root,sbuser1,
ROOT=read-only
PROC=nodev,noexec,nosuid,
unshare(CLONE_NEWUSER)=EPERM mount=EPERM keyctl=EPERM bpf=EPERM ioctl(TIOCSTI)=EPERM ioctl(TIOCLINUX)=EPERM "
write_service sandsh-paths <<'EOT'
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  required   pam_exec.so type=open_session stdout /paths-probe
EOT

# user_kill SIG PID: kill from a process of sbuser1 outside the session.
user_kill() {
	env -i PATH=/usr/bin:/bin setpriv --reuid=61001 --regid=61001 --init-groups -- \
		bash -c "kill -$1 $2" 2>&1
	echo "status $?"
}

# outside_checks SERVICE: while a session of sbuser1 runs (the probe's
# pause), what the host sees.
outside_checks() {
	local svc=$1 h i
	h=
	for i in $(seq 80); do
		h=$(procs -c sandsh-holder | head -n 1)
		[ -n "$h" ] && log_since | grep -q "^session open " && break
		sleep 0.1
	done
	if [ -z "$h" ]; then
		fail "$svc: outside: a session is running" "$(procs -l)"
		return
	fi
	assert_eq "$svc: outside: the host's mount table is unchanged during the session" \
		"$MOUNTS_BEFORE" "$(awk '{ print $5 }' /proc/self/mountinfo | sort)"
	assert_eq "$svc: outside: /run/sandsh is root-owned 0700" "0:0 700" "$(stat -c '%u:%g %a' /run/sandsh)"
	assert_match "$svc: outside: the session is in the user's pids leaf" \
		":/$T_CGROUP_PARENT/user-61001/session-[0-9a-f]+\$" \
		"$(grep -E '^[0-9]+:pids:' "/proc/$h/cgroup" || grep '^0::' "/proc/$h/cgroup")"
	assert_eq "$svc: outside: pids_max on the user's level" "32" \
		"$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r top; do
			cat "$top/$T_CGROUP_PARENT/user-61001/pids.max" 2>/dev/null; done | head -n 1)"
	assert_eq "$svc: outside: the user cannot read PID 1's environment" "EACCES" \
		"$(setpriv --reuid=61001 --regid=61001 --init-groups -- cat "/proc/$h/environ" >/dev/null 2>&1 && echo read || echo EACCES)"
	assert_eq "$svc: outside: the user cannot stop PID 1 (kill -STOP: EPERM)" \
		"bash: line 1: kill: ($h) - Operation not permitted
status 1" "$(user_kill STOP "$h")"
	kill -CONT "$h" 2>/dev/null
	run_root --list
	assert_line "$svc: outside: sandsh --list shows the session" "[0-9a-f]{16} +sbuser1 +[0-9]+ .*" "$OUT"
}

MOUNTS_BEFORE=$(awk '{ print $5 }' /proc/self/mountinfo | sort)
SSHD_SYSLOG=1 SSHD_USE_PAM=yes sshd_start

# --- sshd --------------------------------------------------------------------------
log_mark
(ssh_run sbuser1 '/paths-probe'; echo "$STATUS" >"$T_WORK/paths-status"; printf '%s\n' "$OUT" >"$T_WORK/paths-out") &
bg=$!
outside_checks sshd
wait "$bg"
assert_eq "sshd: inside: hostname, holder, rootfs, ids, setuid powerless, no caps, nnp, seccomp, passwd, read-only /, /proc flags, filtered calls" \
	"$want_user" "$(sed '/^PAUSE$/d' "$T_WORK/paths-out")"
assert_open_close "sshd probe" sbuser1
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "sshd probe"

# --- su -l ---------------------------------------------------------------------------
log_mark
(su_run sbuser1 '/paths-probe'; echo "$STATUS" >"$T_WORK/paths-status"; printf '%s\n' "$OUT" >"$T_WORK/paths-out") &
bg=$!
outside_checks su
wait "$bg"
assert_eq "su: inside: hostname, holder, rootfs, ids, setuid powerless, no caps, nnp, seccomp, passwd, read-only /, /proc flags, filtered calls" \
	"$want_user" "$(sed '/^PAUSE$/d' "$T_WORK/paths-out")"
assert_open_close "su probe" sbuser1
assert_clean "su probe"

# --- login ----------------------------------------------------------------------------
log_mark
(login_run sbuser1 '/paths-probe'; printf '%s\n' "$OUT" >"$T_WORK/paths-out") &
bg=$!
outside_checks login
wait "$bg"
# The terminal also echoes the typed line: keep the probe's own lines.
assert_eq "login: inside: hostname, holder, rootfs, ids, setuid powerless, no caps, nnp, seccomp, passwd, read-only /, /proc flags, filtered calls" \
	"$want_user" "$(grep -E '^(H=|ID=|SUID=|CapInh:|PASSWD=|ROOT=|PROC=|unshare)' "$T_WORK/paths-out")"
assert_open_close "login probe" sbuser1
assert_clean "login probe"

# --- pamtester (pam_exec's root child) -------------------------------------------------------
log_mark
(pamtester_run sandsh-paths sbuser1 open_session close_session; echo "$STATUS" >"$T_WORK/paths-status"; printf '%s\n' "$OUT" >"$T_WORK/paths-out") &
bg=$!
outside_checks pamtester
wait "$bg"
assert_eq "pamtester: inside: hostname, holder, rootfs, nnp, seccomp, passwd, /proc flags, filtered calls (pam_exec's child is root)" \
	"H=pam-sbuser1 P1=sandsh-holder ROOTFS=rootfs-marker HOSTETC=no
NoNewPrivs:1 Seccomp:2 
PASSWD=root,sbuser1,
PROC=nodev,noexec,nosuid,
unshare(CLONE_NEWUSER)=EPERM mount=EPERM keyctl=EPERM bpf=EPERM ioctl(TIOCSTI)=EPERM ioctl(TIOCLINUX)=EPERM " \
	"$(sed -n -E -e '/^(H=|PASSWD=|PROC=|unshare)/p' -e 's/^CapInh:.*(NoNewPrivs:[0-9] Seccomp:[0-9] )$/\1/p' "$T_WORK/paths-out")"
assert_open_close "pamtester probe" sbuser1
assert_clean "pamtester probe"

# --- allow = false and a group-writable policy: refused, nothing runs ----------------------------
refuse_all() { # DESC LOG-ERE: every service refuses sbuser1 (sbuser2 for allow = false)
	local desc=$1 ere=$2 user=${3:-sbuser1}
	log_mark
	ssh_run "$user" 'echo "RAN""-INSIDE"'
	assert_eq "sshd: $desc: refused, nothing ran" "no" "$(printf '%s\n' "$OUT" | grep -qx RAN-INSIDE && echo ran || echo no)"
	su_run "$user" 'echo "RAN""-INSIDE"'
	assert_eq "su: $desc: refused, nothing ran" "1 no" "$STATUS $(printf '%s\n' "$OUT" | grep -qx RAN-INSIDE && echo ran || echo no)"
	login_run "$user" 'echo "RAN""-INSIDE"'
	assert_eq "login: $desc: refused, nothing ran" "no" "$(printf '%s\n' "$OUT" | grep -qx RAN-INSIDE && echo ran || echo no)"
	pamtester_run sandsh-test "$user" open_session close_session
	assert_eq "pamtester: $desc: open_session refused" "1" "$STATUS"
	assert_eq "$desc: four refusals logged, no session opened" "4 0" \
		"$(log_since | grep -c -E "$ere") $(log_since | grep -c '^session open ')"
}
refuse_all "allow = false" "^denied user=sbuser2 uid=61002 reason=allow is false\$" sbuser2
chmod 0664 "$POLICY"
refuse_all "group-writable policy file" "^error user=sbuser1 uid=61001 reason=$POLICY: writable by group or others"
ln -sfn "$T_SHARE" "$T_ROOT/sharelink"
install -d -o root -g root -m 0755 "$T_ROOTFS/mnt/share"
write_pam_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$T_ROOT/sharelink\"; target = \"/mnt/share\"; } );"
refuse_all "bind source through a symlink" \
	"^error user=sbuser1 uid=61001 reason=bind source $T_ROOT/sharelink: Too many levels of symbolic links\$"
rm -f "$T_ROOT/sharelink"
rmdir "$T_ROOTFS/mnt/share"
write_pam_policy
for _ in $(seq 50); do [ -z "$(procs -u 61001,61002)" ] && break; sleep 0.1; done
assert_clean "refusals through every service"

# --- timeout ends the session (sshd, login) ------------------------------------------------
write_pam_policy 'timeout = 3;'
log_mark
t0=$(date +%s%N)
ssh_run sbuser1 'sleep 30; echo after'
assert_eq "sshd: timeout = 3: the command is killed (ssh's 255 for a signal), nothing after it ran" "255 " "$STATUS $OUT"
assert_match "sshd: timeout = 3: ended within 12 s" '^([0-9]|1[01])$' "$((($(date +%s%N) - t0) / 1000000000))"
t0=$(date +%s%N)
login_run sbuser1 'exec sleep 30'
assert_match "login: timeout = 3: ended within 12 s" '^([0-9]|1[01])$' "$((($(date +%s%N) - t0) / 1000000000))"
write_pam_policy
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "timeout through sshd and login"

# --- PID 1 is never dumpable after it changed uid (see t-holder.sh) ---------------------------------
# strace holds every setresuid of the service for 1.5 s while a process of
# the user tries to read the holder's environment; fs.suid_dumpable is 1
# for those seconds and restored by a trap.
STRACE_HOLD=(strace -f -qq -o /dev/null -e trace=setresuid -e inject=setresuid:delay_exit=1500000)
dumpable_watch() { # until $T_WORK/dumpable-done: print each read that succeeded
	local end=$((SECONDS + 20)) p
	while [ $SECONDS -lt $end ] && [ ! -e "$T_WORK/dumpable-done" ]; do
		for p in $(procs -c sandsh-holder); do
			setpriv --reuid=61001 --regid=61001 --init-groups -- cat "/proc/$p/environ" >/dev/null 2>&1 &&
				echo "read /proc/$p/environ"
		done
	done
}
dumpable_case() { # SERVICE RUN-COMMAND...
	local svc=$1
	shift
	rm -f "$T_WORK/dumpable-done"
	dumpable_watch >"$T_WORK/dumpable-reads" &
	local watch=$!
	echo 1 >/proc/sys/fs/suid_dumpable
	log_mark
	"$@"
	echo "$old_dumpable" >/proc/sys/fs/suid_dumpable
	touch "$T_WORK/dumpable-done"
	wait "$watch"
	assert_log_contains "$svc: dumpable: a session ran under strace" "^session open id=[0-9a-f]+ user=sbuser1 " 5
	assert_eq "$svc: dumpable: with fs.suid_dumpable = 1 the user never read the holder's /proc/PID/environ" "" \
		"$(sort -u "$T_WORK/dumpable-reads")"
}
if ! command -v strace >/dev/null; then
	skip "dumpable through sshd, login, pamtester" "strace not installed (scripts/deps.sh sec)"
else
	old_dumpable=$(cat /proc/sys/fs/suid_dumpable)
	trap 'echo "$old_dumpable" >/proc/sys/fs/suid_dumpable' EXIT
	# strace attaches to the running listener and follows its connections.
	"${STRACE_HOLD[@]}" -p "$SSHD_PID" &
	tracer=$!
	sleep 1
	dumpable_case sshd ssh_run sbuser1 'sleep 3'
	kill -TERM "$tracer"
	wait "$tracer"
	LOGIN_VIA=("${STRACE_HOLD[@]}")
	dumpable_case login login_run sbuser1 'sleep 3'
	LOGIN_VIA=()
	# pamtester's own session is too short: the probe's pause keeps it open.
	dumpable_case pamtester env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 30 \
		"${STRACE_HOLD[@]}" pamtester sandsh-paths sbuser1 open_session close_session >/dev/null 2>&1
	echo "$old_dumpable" >/proc/sys/fs/suid_dumpable
	trap - EXIT
	assert_eq "dumpable: fs.suid_dumpable restored" "$old_dumpable" "$(cat /proc/sys/fs/suid_dumpable)"
fi

sshd_stop
rm -f "$T_ROOTFS/paths-probe" "$T_ROOTFS/bin/busybox-suid" "$T_ROOTFS/bin/seccomp-probe" "$T_ROOTFS/ROOTFS-MARKER"
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "paths"
pam_services
