# shellcheck shell=bash
# Terminals through a real sshd (ssh -tt, driven by tmux): prompt, job
# control, Ctrl-C, window size, a prompt logout with a background job, and
# a killed client ends the whole session.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

P='e2e-sbuser1\$'   # the policy prompt (PS1 = "e2e-%u$ "), trailing blank trimmed

# expect DESC ERE [SECONDS]: a screen line of window t1 matches ^ERE$.
expect() {
	if tmux_wait "${W:-t1}" "$2" "${3:-10}"; then
		pass "$1"
	else
		fail "$1" "expected a screen line matching: $2" "$(show_screen "${W:-t1}")"
	fi
}

# say NAME TEXT: types TEXT and Enter in window NAME once its shell has
# answered every line typed there before (a fresh prompt); lines typed
# while the previous pipeline runs would be echoed into its output.
declare -A TYPED=()
ready() {
	tmux_wait_prompt "$1" "$P" "$((${TYPED[$1]:-0} + 1))" 20 ||
		echo "# $1: no fresh prompt after ${TYPED[$1]:-0} typed lines; typing anyway"
}
say() {
	ready "$1"
	tmux_type "$1" "$2"
	TYPED[$1]=$((${TYPED[$1]:-0} + 1))
}

log_mark
W=t1
tmux_ssh t1 sbuser1
expect "ssh -tt: the prompt of the sandbox's shell appears" "$P" 15
say t1 'echo "R1:$(hostname):$(cat /proc/1/comm):$(cat /etc/sandsh-e2e-marker)"'
expect "interactive: inside (hostname, PID 1, rootfs)" "R1:e2e-sbuser1:sandsh-init:$E2E_MARKER_IN"
say t1 'test -c "$(tty)" && test -t 0 && echo "R2:tty-ok:$TERM"; set -o | grep "^monitor" | tr -s " \t" " " | sed "s/^/R2:/"'
expect "interactive: stdin is a terminal that exists inside; TERM from the client" "R2:tty-ok:(screen|tmux)(-256color)?"
say t1 'tput cols >/dev/null && echo R2:terminfo-ok'
expect "interactive: terminfo for that TERM is in the rootfs" "R2:terminfo-ok"
expect "interactive: job control is on" "R2:monitor on"
say t1 'ls -A /dev | grep -qx console && echo R2:console'
expect "interactive: /dev/console is the session's terminal" "R2:console"

# Job control: a background job is listed by `jobs`.
say t1 'sleep 100 &'
say t1 'jobs'
expect "job control: 'sleep 100 &' then 'jobs' lists it" '\[1\] *\+? *Running +sleep 100'

# Ctrl-C interrupts the foreground job only.
say t1 'sleep 100'
for _ in $(seq 50); do
	[ "$(procs -u 61001 -c sleep | wc -l)" -ge 2 ] && break
	sleep 0.1
done
assert_eq "Ctrl-C: two sleeps run (background and foreground)" "2" "$(procs -u 61001 -c sleep | wc -l)"
t0=$(date +%s%N)
tmx send-keys -t t1 C-c
say t1 'echo "R3:after-ctrl-c:$?"'
expect "Ctrl-C interrupts the foreground sleep (status 130); the shell goes on" "R3:after-ctrl-c:130" 5
assert_match "Ctrl-C: within 5 s" '^[0-4][0-9]{3}$|^[0-9]{1,3}$' "$((($(date +%s%N) - t0) / 1000000))"
assert_eq "Ctrl-C: the background sleep survives" "1" "$(procs -u 61001 -c sleep | wc -l)"

# Window size: the initial one, a resize reaches the foreground program
# (SIGWINCH) and the shell.
say t1 'echo "R4:$(stty size)"'
expect "window size: the client's 30x100 reaches the inner terminal" "R4:30 100"
say t1 'sh -c '\''trap "echo R5:winch; exit 0" WINCH; echo R5:ready; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo R5:no-winch'\'''
expect "window size: a program waiting for SIGWINCH runs" "R5:ready" 5
tmx resize-window -t t1 -x 120 -y 40
expect "window size: resizing the client's terminal sends SIGWINCH inside" "R5:winch" 8
say t1 'echo "R6:$(stty size)"'
expect "window size: the inner shell sees 40x120 after the resize" "R6:40 120"

# exit with a background job still running: logs out at once.
assert_eq "exit: the background job still runs" "1" "$(procs -u 61001 -c sleep | wc -l)"
ready t1
t0=$(date +%s%N)
say t1 'exit'
st=$(tmux_wait_dead t1 10)
ms=$((($(date +%s%N) - t0) / 1000000))
if [ -n "$st" ] && [ "$ms" -lt 3000 ]; then
	pass "exit with a background job: ssh returns in ${ms} ms (< 3 s)"
else
	fail "exit with a background job: ssh returns within 3 s" "took ${ms} ms, status '${st}'" "$(show_screen t1)"
fi
assert_eq "exit: ssh's status 0" "0" "$st"
log_wait '^session close' 3
assert_eq "exit: the close line has status 0" "0" "$(session_status)"
if wait_user_gone 61001 3; then
	pass "exit: no process of the user and no session cgroup left"
else
	fail "exit: no process of the user and no session cgroup left" "$(procs -l -u 61001)" "$(session_cgroups 61001)"
fi
assert_sessions "interactive session: one open/close pair" 1
assert_log_contains "interactive session: tty=pts/N in the open line" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell rootfs=$E2E_ROOTFS pids_max=64 tty=pts/[0-9]+ from=127\.0\.0\.1\$"

# --- the client dies: the session ends, nothing left ----------------------------------
log_mark
W=t2
tmux_ssh t2 sbuser1
expect "second session: prompt" "$P" 15
# exec: the status is the command's, not the shell's (see t-tty.sh)
say t2 'sleep 100 & exec sleep 200'
for _ in $(seq 50); do
	[ "$(procs -u 61001 -c sleep | wc -l)" -ge 2 ] && break
	sleep 0.1
done
assert_eq "second session: two sleeps run" "2" "$(procs -u 61001 -c sleep | wc -l)"
ssh_pid=$(tmux_ssh_pid t2)
assert_match "the window runs one ssh client" '^[0-9]+$' "$ssh_pid"
t0=$(date +%s%N)
kill -KILL "$ssh_pid"
if wait_user_gone 61001 10; then
	pass "ssh client killed: the whole session ends in $((($(date +%s%N) - t0) / 1000000)) ms (no process, no session cgroup)"
else
	fail "ssh client killed: the whole session ends" "left after 10 s:" "$(procs -l -u 61001)" "$(session_cgroups 61001)"
fi
assert_sessions "killed client: one open/close pair" 1
assert_eq "killed client: the close line has 129 (SIGHUP)" "129" "$(session_status)"
assert_eq "killed client: ssh died of SIGKILL" "137" "$(tmux_wait_dead t2 5)"
sleep 0.5
assert_eq "killed client: the connection's sshd processes are gone" "" \
	"$(for k in $(sshd_children "$SSHD_PID"); do tr '\0' ' ' <"/proc/$k/cmdline"; echo; done)"
