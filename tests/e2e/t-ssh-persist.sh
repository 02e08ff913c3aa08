# shellcheck shell=bash
# The persistent sandbox (persist = true) as a user meets it over real ssh,
# with sandsh as the login shell and as a ForceCommand: start tmux and a
# nohup job, log out, log in again: `tmux ls` and `tmux attach` find the
# session, the job is there; parallel logins share one PID namespace;
# after linger nothing of the user is left. The terminal of a login is not
# reachable by name inside (docs/persist.md). Driven by tmux on the host
# (tests/e2e/lib.sh), with tmux, nohup and the C.UTF-8 locale (tmux
# refuses to start without a UTF-8 locale) copied into the rootfs.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119

# shellcheck source=tests/lib/persist.sh
. "$H_REPO/tests/lib/persist.sh"

P='e2e-sbuser1\$' # the policy prompt (PS1 = "e2e-%u$ "), trailing blank trimmed

# expect DESC ERE [SECONDS]: a screen line of window $W matches ^ERE$.
expect() {
	if tmux_wait "$W" "$2" "${3:-10}"; then
		pass "$1"
	else
		fail "$1" "expected a screen line matching: $2" "$(show_screen "$W")"
	fi
}

"$H_REPO/scripts/sandsh-mkrootfs" --quiet --refresh --add tmux --add nohup --add /usr/lib/locale/C.utf8 \
	"$E2E_ROOTFS" >"$T_WORK/mk.out" 2>&1
assert_eq "fixture: tmux, nohup and the C.UTF-8 locale added to the rootfs" "0" "$?"

write_e2e_policy 'persist = true;' 'linger = 4;'

# --- a tmux session and a nohup job survive logout ------------------------------------------
log_mark
W=p1
tmux_ssh p1 sbuser1
expect "login 1: the prompt" "$P" 15
tmux_type p1 'echo $$ >/tmp/p1.pid; echo "R1:$(cat /proc/1/comm):$(hostname)"'
expect "login 1: inside the persistent sandbox (PID 1 sandsh-holder)" "R1:sandsh-holder:e2e-sbuser1"
sid=$(sandbox_open_id)
assert_log_contains "login 1: the keeper logs sandbox open" \
	"^sandbox open id=$sid user=sbuser1 uid=61001 rootfs=$E2E_ROOTFS pids_max=64\$"
assert_log_contains "login 1: its session open (tty, from, sandbox)" \
	"^session open id=[0-9a-f]{16} user=sbuser1 uid=61001 via=shell rootfs=$E2E_ROOTFS pids_max=64 tty=pts/[0-9]+ from=127\\.0\\.0\\.1 sandbox=$sid\$"
tmux_type p1 'tmux new -d -s work; nohup sleep 300 >/dev/null 2>&1 & tmux ls; echo "R2:$?"'
expect "login 1: tmux new -d -s work" 'work: 1 windows \(created .*\)'
expect "login 1: tmux ls succeeds" 'R2:0'
# The terminal of a login is the host's pty: it has no name inside.
tmux_type p1 'test -t 0 && echo "R3:$(tty):$(test -e /dev/console && echo console)"'
expect "login 1: stdin is a terminal, but tty(1) cannot name it inside" 'R3:not a tty:'

# A parallel login over ssh: the same PID namespace.
ssh_run sbuser1 'p=$(cat /tmp/p1.pid); echo "$(cat /proc/$p/comm) $(kill -0 $p && echo signalable)"; ps -e -o comm= | grep -c "^tmux"'
assert_eq "parallel ssh CMD: sees login 1's \$\$, may signal it; sees the tmux server" "0|sh signalable
1" "$STATUS|$OUT"

tmux_type p1 'exit'
assert_eq "login 1: exit: ssh returns 0" "0" "$(tmux_wait_dead p1 10)"
sleep 1
assert_eq "after logout: the sandbox lives on (no sandbox close)" "" "$(sandbox_close_status "$sid")"
assert_eq "after logout: the tmux server and the nohup job run on" "1 1" \
	"$(procs -u 61001 -c 'tmux: server' | wc -l) $(procs -u 61001 -c sleep | wc -l)"

# --- log in again: tmux ls, tmux attach, the job -------------------------------------------
W=p2
tmux_ssh p2 sbuser1
expect "login 2: the prompt" "$P" 15
tmux_type p2 'tmux ls; echo "R4:$(ps -e -o args= | grep -c "^sleep 300")"'
expect "login 2: tmux ls finds the session" 'work: 1 windows \(created .*\)'
expect "login 2: the nohup job is visible" 'R4:1'
tmux_type p2 'tmux attach -t work'
sleep 1
tmux_type p2 'echo "R5:attached:$TMUX:$(hostname)"'
expect "login 2: tmux attach: typing reaches the shell in the session" 'R5:attached:/tmp/tmux-61001/default,[0-9]+,0:e2e-sbuser1'
tmx send-keys -t p2 C-b d
expect "login 2: detached again (C-b d)" '\[detached \(from session work\)\]'
tmux_type p2 'exit'
assert_eq "login 2: exit: ssh returns 0" "0" "$(tmux_wait_dead p2 10)"
assert_eq "logins 1 and 2 and the parallel one: one sandbox" "1 $sid $sid $sid" \
	"$(sandbox_count) $(login_sandboxes | tr '\n' ' ' | sed 's/ $//')"

assert_sessions "logins 1 and 2 and the parallel one: each its open and close" 3

# --- a dropped connection ends its login only --------------------------------------------------
log_mark
W=p3
tmux_ssh p3 sbuser1
expect "login 3: the prompt" "$P" 15
tmux_type p3 'nohup sleep 301 >/dev/null 2>&1 & echo "R6:started"'
expect "login 3: a nohup job started" 'R6:started'
kill -KILL "$(tmux_ssh_pid p3)"
log_wait '^session close ' 10
# Two things end it, whichever comes first: sandsh passes the terminal's
# SIGHUP on (129), or the shell's next read of the hung-up terminal fails
# and busybox sh exits with 2. Both are this login's end; anything else
# (0, 125, no close line) is not.
st=$(session_status)
case $st in
129 | 2) pass "login 3: client killed: its login ends (SIGHUP 129, or the shell's read error 2: $st)" ;;
*) fail "login 3: client killed: its login ends (SIGHUP 129, or the shell's read error 2)" "observed: '$st'" ;;
esac
sleep 0.5
assert_eq "login 3: client killed: the sandbox, its jobs and the tmux server live on" "|1 1 1" \
	"$(sandbox_close_status "$sid")|$(procs -u 61001 -c 'tmux: server' | wc -l) $(procs -u 61001 -l | grep -c ' sleep 300 $') $(procs -u 61001 -l | grep -c ' sleep 301 $')"

# --- non-interactive: ssh host CMD joins too ------------------------------------------------
ssh_run sbuser1 'tmux ls'
assert_eq "ssh host CMD: tmux ls from a command login" "0" "$STATUS"
assert_match "ssh host CMD: ... lists the session" '^work: 1 windows \(created .*\)$' "$OUT"

# --- linger: after the last logout, nothing of the user remains ----------------------------
# (Should a window above still be connected, its client goes now.)
for w in p1 p2 p3; do
	[ -n "$(tmux_dead $w)" ] || kill -KILL "$(tmux_ssh_pid $w)" 2>/dev/null
done
holder=$(holder_pid 61001)
keeper=$(keeper_pid "$sid")
mntns=$(readlink "/proc/$holder/ns/mnt")
assert_eq "linger = 4: the sandbox ends after the last logout (status 0)" "0" "$(sandbox_wait_closed "$sid" 20)"
assert_sandbox_gone "linger expired (tmux server and job included)" 61001 "$mntns" "$keeper"
assert_sessions "the logins since login 3: each its open and close" 2

# --- ForceCommand --------------------------------------------------------------------------
log_mark
ssh_run sbforce 'nohup sleep 300 >/dev/null 2>&1 & echo "$(cat /proc/1/comm) $(hostname)"'
assert_eq "ForceCommand: the first login makes the sandbox" "0|sandsh-holder e2e-sbforce" "$STATUS|$OUT"
sid=$(sandbox_open_id sbforce)
ssh_run sbforce 'ps -e -o args= | grep -c "^sleep 300"'
assert_eq "ForceCommand: the next login sees the job" "0|1" "$STATUS|$OUT"
assert_eq "ForceCommand: both logins joined the one sandbox" "$sid $sid" \
	"$(login_sandboxes sbforce | tr '\n' ' ' | sed 's/ $//')"
assert_eq "ForceCommand: linger ends it (status 0)" "0" "$(sandbox_wait_closed "$sid" 20)"
assert_sandbox_gone "ForceCommand" 61004
assert_sessions "ForceCommand: each login its open and close" 2

# --- persist off: as before -----------------------------------------------------------------
write_e2e_policy
log_mark
ssh_run sbuser1 'nohup sleep 300 >/dev/null 2>&1 & cat /proc/1/comm'
assert_eq "persist off: a sandbox per login (sandsh-init)" "0|sandsh-init" "$STATUS|$OUT"
if wait_user_gone 61001 5; then
	pass "persist off: the nohup job ends with the login"
else
	fail "persist off: the nohup job ends with the login" "$(procs -l -u 61001)"
fi
assert_log_lacks "persist off: no sandbox lines" '^sandbox '
