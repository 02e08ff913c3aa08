# shellcheck shell=bash
# A terminal that works (SPEC §4): an interactive login shell on a pty
# (script(1) provides it) with job control, Ctrl-C, a usable /dev/tty, and
# a hang-up that ends the whole session.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

if ! command -v script >/dev/null; then
	skip "terminal tests" "script(1) not installed (util-linux)"
	return 0
fi

PTY_CMD="env -i TERM=xterm PATH=/usr/bin:/bin /usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $RUNARGV $SANDSH -sandsh"

# pty_session FEEDER: runs a login session of sbuser1 on a pty, its input
# written by the function FEEDER (which may sleep between lines). Sets
# STATUS, OUT (the terminal's output, CRs removed), ERR (empty),
# DURATION_MS.
pty_session() {
	local t0
	t0=$(date +%s%N)
	"$1" | timeout 20 script -qec "$PTY_CMD" /dev/null >"$T_WORK/pty" 2>&1
	STATUS=${PIPESTATUS[1]}
	DURATION_MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(tr -d '\r' <"$T_WORK/pty")
	ERR=
}

feed_basic() {
	printf '%s\n' 'echo "argv0=$0"' 'set -o | grep "^monitor"' \
		'echo via-dev-tty >/dev/tty' 'stty rows 30 cols 100; stty size' \
		'echo "dev: $(ls -A /dev | tr "\n" " ")"' 'exit 4'
	sleep 3
}
log_mark
pty_session feed_basic
assert_status "interactive login shell on a pty: exit status" 4
assert_line "login shell: argv[0] is -sh" "argv0=-sh" "$OUT"
assert_line "job control is on" "monitor +on" "$OUT"
assert_line "/dev/tty is the session's terminal" "via-dev-tty" "$OUT"
assert_line "window size can be set and read" "30 100" "$OUT"
assert_line "/dev on a terminal: the minimal entries plus console" \
	"dev: console fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "$OUT"
assert_log_contains "log: tty=<the pty>" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell rootfs=$T_ROOTFS pids_max=64 tty=pts/[0-9]+ from=local\$"

feed_ttyname() {
	printf '%s\n' 'tty && test -c "$(tty)" && echo tty-ok; exit' ''
	sleep 3
}
pty_session feed_ttyname
assert_line "tty(1) names a terminal device that exists inside" "tty-ok" "$OUT"

# Ctrl-C interrupts the foreground job, not the session.
feed_ctrl_c() {
	printf '%s\n' 'sleep 8; echo after-sleep'
	sleep 1.5
	printf '\003'
	sleep 0.5
	printf '%s\n' 'echo alive; exit 5'
	sleep 3
}
log_mark
pty_session feed_ctrl_c
assert_status "Ctrl-C: the session goes on (exit 5)" 5
assert_line "Ctrl-C: the shell survives" "alive" "$OUT"
assert_eq "Ctrl-C: the rest of the interrupted line did not run" "" "$(printf '%s\n' "$OUT" | grep -x after-sleep)"
assert_log_contains "Ctrl-C: the session ended at once, not after the sleep" \
	'^session close id=[0-9a-f]+ user=sbuser1 status=5 duration_ms=([0-9]{1,3}|[1-3][0-9]{3})$'

# Hang-up: the terminal goes away (ssh disconnect) -> the session ends.
# The foreground job replaces the shell (exec), so the status is that of
# the command sandsh forwarded SIGHUP to: 129, or 137 had it not (killed
# after the grace period). A job-control shell waiting on a foreground
# child may instead exit with its own status when it sees the terminal
# vanish first (busybox ash: 2), which says nothing about sandsh.
feed_hangup() {
	printf '%s\n' 'env sleep 100 & exec sleep 100'
	# Short sleeps: killing this feeder leaves nothing behind for long.
	for _ in $(seq 300); do sleep 0.1; done
}
log_mark
feed_hangup | timeout 40 script -qec "$PTY_CMD" /dev/null >/dev/null 2>&1 &
feeder_pid=$!
wait_for_session >/dev/null
sleep 1
script_pid=$(procs -c script | head -n 1)
assert_eq "hang-up: the session runs its two sleeps" "2" "$(procs -u 61001 -c sleep | wc -l)"
[ -n "$script_pid" ] && kill -KILL "$script_pid"
for i in $(seq 50); do
	[ -z "$(procs -u 61001)" ] && break
	sleep 0.1
done
assert_eq "hang-up: no process of the session survives" "" "$(procs -l -u 61001)"
assert_log_contains "hang-up: close line with 129 (SIGHUP)" \
	'^session close id=[0-9a-f]+ user=sbuser1 status=129 duration_ms=[0-9]+$'
kill "$feeder_pid" 2>/dev/null
wait "$feeder_pid" 2>/dev/null
