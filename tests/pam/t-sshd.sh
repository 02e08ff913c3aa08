# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119,SC2120
# repo is set by tests/pam/run.sh:
# shellcheck disable=SC2154
# sshd with UsePAM yes and pam_sandsh in /etc/pam.d/sshd (tests/lib/sshd.sh:
# a hermetic sshd on 127.0.0.1, public-key login with the fixture key).
# sshd runs without -e here, so that its own log lines go through syslog
# to /dev/log (the log sink), as on a real host, also from the monitor
# after the module has placed it.

if [ ! -f "$repo/tests/lib/sshd.sh" ]; then
	skip "sshd" "tests/lib/sshd.sh not present"
	return 0
fi
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
sshd_setup

# wait_no_monitor [SECONDS]: the per-connection sshd processes are gone.
wait_no_monitor() {
	local i
	for ((i = 0; i < ${1:-5} * 10; i++)); do
		[ -z "$(sshd_children "$SSHD_PID")" ] && return 0
		sleep 0.1
	done
	return 1
}

SSHD_SYSLOG=1 SSHD_USE_PAM=yes sshd_start
host_name=$(hostname)

# --- a command ------------------------------------------------------------------
log_mark
ssh_run sbuser1 'hostname; cat /proc/1/comm; id -un; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"; exit 42'
assert_status "ssh CMD: the command's exit status comes back" 42
assert_out "ssh CMD: inside (hostname, PID 1 holder, user, no_new_privs, seccomp)" "pam-sbuser1
sandsh-holder
sbuser1
NoNewPrivs:1
Seccomp:2"
assert_log_contains "ssh: session open via=pam, service sshd, from the client" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=[a-z/0-9]+ from=127.0.0.1 service=sshd\$"
assert_open_close "ssh CMD" sbuser1
assert_log_contains "ssh: sshd's own Accepted line reaches syslog" "^Accepted publickey for sbuser1 from 127.0.0.1 port [0-9]+ ssh2"
assert_log_contains "ssh: pam_unix session opened (syslog)" "pam_unix\(sshd:session\): session opened for user sbuser1"
assert_log_contains "ssh: pam_unix session closed, logged by the placed monitor" "pam_unix\(sshd:session\): session closed for user sbuser1"
assert_log_contains "ssh: sshd's Disconnected line, logged by the placed monitor" "^Disconnected from user sbuser1 127.0.0.1 port [0-9]+"
if wait_no_monitor 5; then
	pass "ssh CMD: the sshd monitor exits after the connection"
else
	fail "ssh CMD: the sshd monitor exits after the connection" "$(sshd_children "$SSHD_PID" | xargs -r ps -o pid,stat,comm -p 2>/dev/null)"
fi
assert_clean "ssh CMD"

ssh_run sbuser1 'exit 0'
assert_status "ssh: exit 0" 0
ssh_run sbuser1 'kill -TERM $$'
assert_status "ssh: a command killed by a signal: the client's 255 (exit-signal)" 255

# --- sftp through the sftp-server program inside the rootfs -----------------------------
for f in /usr/lib/openssh/sftp-server $(ldd /usr/lib/openssh/sftp-server | grep -oE '/[^ ]+'); do
	install -D -o root -g root -m 0755 "$(readlink -f "$f")" "$T_ROOTFS$f"
done
find "$T_ROOTFS" -type d -exec chmod go-w {} + -exec chown root:root {} +
echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"
echo "sftp payload $$" >"$T_WORK/sftp-up"
rm -f "$T_WORK/sftp-down"
printf 'put %s /tmp/up\nget /tmp/up %s\nls /\n' "$T_WORK/sftp-up" "$T_WORK/sftp-down" >"$T_WORK/sftp-batch"
log_mark
{
	timeout -k 5 20 sftp "${SSH_OPTS[@]}" -P "$SSHD_PORT" -b "$T_WORK/sftp-batch" sbuser1@127.0.0.1 \
		</dev/null >"$T_WORK/sftp-out" 2>&1
	STATUS=$?
} 2>/dev/null
assert_eq "sftp: batch succeeds" "0" "$STATUS"
assert_eq "sftp: a file goes in and comes back" "sftp payload $$" "$(cat "$T_WORK/sftp-down" 2>/dev/null)"
assert_match "sftp: sees the rootfs" "ROOTFS-MARKER" "$(cat "$T_WORK/sftp-out")"
assert_open_close "sftp" sbuser1
rm -f "$T_ROOTFS/ROOTFS-MARKER"
wait_no_monitor 5
assert_clean "sftp"

# --- untouched and refused users -------------------------------------------------------
log_mark
ssh_run sbadmin 'hostname; cat /proc/1/comm'
assert_out "ssh, sandbox = false: untouched" "$host_name
$(cat /proc/1/comm)"
ssh_run sbuser2 "$PROBE"
assert_status "ssh, allow = false: refused" 255
assert_eq "ssh, allow = false: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "ssh, allow = false: denied line" "^denied user=sbuser2 uid=61002 reason=allow is false\$"
assert_log_lacks "ssh: no sandbox for the untouched and refused users" "^session open"
# A broken policy: refused (account phase first), nothing runs; with only
# the session line, nothing runs either.
write_policy <<EOT
version = 1;
defaults = { rootfs = "$T_ROOTFS"; pids_max = 0; };
EOT
log_mark
ssh_run sbuser1 "$PROBE"
assert_status "ssh, broken policy: refused" 255
assert_eq "ssh, broken policy: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "ssh, broken policy: error line" "^error user=sbuser1 uid=61001 reason=$POLICY:2: "
sed -i "s#^account  required   $PAM_MODULE\$#account  required   pam_permit.so#" /etc/pam.d/sshd
log_mark
ssh_run sbuser1 "$PROBE"
# OpenSSH keeps the connection after a failed pam_open_session() but
# restricts it (auth_restrict_session) and its session child exits 254
# before running anything ("PAM session not opened, exiting").
assert_status "ssh, broken policy, session line only: refused (sshd's 254)" 254
assert_eq "ssh, broken policy, session line only: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] || [ -n "$OUT" ] && echo ran || echo no)"
assert_log_contains "ssh, broken policy, session line only: sshd says the session failed" "pam_open_session\(\): "
pam_services
write_pam_policy
rm -f "$T_SHARE/PROBE-RAN"
wait_no_monitor 5
assert_clean "ssh refusals"

# --- an interactive session (a pty inside) -----------------------------------------------
TMUX_SOCK=$T_WORK/tmux.sock
tmx() { tmux -S "$TMUX_SOCK" "$@"; }
# screen_has ERE [SECONDS]: the pane shows a line matching ERE.
screen_has() {
	local i
	for ((i = 0; i < ${2:-5} * 10; i++)); do
		tmx capture-pane -p -t pamt 2>/dev/null | grep -q -E -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

log_mark
tmx -f /dev/null new-session -d -s pamt -x 120 -y 30 \
	"env -i PATH=/usr/bin:/bin TERM=xterm timeout -k 5 60 ssh ${SSH_OPTS[*]} -p $SSHD_PORT -tt -l sbuser1 127.0.0.1"
if screen_has '\$$' 10; then
	pass "ssh -tt: a prompt"
	tmx send-keys -t pamt 'echo "H=$(hostname) P1=$(cat /proc/1/comm) T=$(tty)"' Enter
	if screen_has '^H=pam-sbuser1 P1=sandsh-holder T=/dev/pts/[0-9]+$' 5; then
		pass "ssh -tt: inside, with a terminal of the sandbox's devpts"
	else
		fail "ssh -tt: inside, with a terminal of the sandbox's devpts" "$(tmx capture-pane -p -t pamt)"
	fi
	tmx send-keys -t pamt 'env sleep 300 & env sleep 301 & echo "JOBS=$!"' Enter
	screen_has '^JOBS=[0-9]+' 5
	assert_eq "ssh -tt: one session leaf while connected" "1" "$(session_cgroups | xargs -rn1 basename | sort -u | wc -l)"
	assert_eq "ssh -tt: the registry lists it" "1" "$(registry_entries | wc -w)"
	assert_match "ssh -tt: the user's processes run (sleep jobs)" "sleep 300" "$(procs -l -u 61001)"
	job=$(procs -l -u 61001 | awk '$2 == "sleep" && $3 == "300" { print $1; exit }')
	assert_match "ssh -tt: they are in the session's pids leaf" \
		":/$T_CGROUP_PARENT/user-61001/session-[0-9a-f]+\$" "$(cat "/proc/$job/cgroup" 2>/dev/null)"
	tmx send-keys -t pamt 'exit' Enter
	if wait_no_monitor 5; then
		pass "ssh -tt: logout: the monitor exits"
	else
		fail "ssh -tt: logout: the monitor exits" "$(sshd_children "$SSHD_PID")"
	fi
	assert_clean "ssh -tt: logout (background jobs too)"
	assert_open_close "ssh -tt" sbuser1
else
	fail "ssh -tt: a prompt" "$(tmx capture-pane -p -t pamt 2>&1)"
fi
tmx kill-server 2>/dev/null

# --- the client disappears ----------------------------------------------------------------
log_mark
tmx -f /dev/null new-session -d -s pamt -x 120 -y 30 \
	"env -i PATH=/usr/bin:/bin TERM=xterm timeout -k 5 60 ssh ${SSH_OPTS[*]} -p $SSHD_PORT -tt -l sbuser1 127.0.0.1"
if screen_has '\$$' 10; then
	tmx send-keys -t pamt 'env sleep 300 & echo "STARTED"' Enter
	screen_has '^STARTED' 5
	client=$(procs -c ssh | head -n 1)
	[ -n "$client" ] && kill -KILL "$client"
	if wait_no_monitor 8; then
		pass "ssh client killed: the monitor exits"
	else
		fail "ssh client killed: the monitor exits" "$(sshd_children "$SSHD_PID")"
	fi
	assert_clean "ssh client killed: the whole session ends"
	assert_open_close "ssh client killed" sbuser1
else
	fail "ssh client killed: a prompt" "$(tmx capture-pane -p -t pamt 2>&1)"
fi
tmx kill-server 2>/dev/null

sshd_stop
