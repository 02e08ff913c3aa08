# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119,SC2120
# Issue 12: the caller of su can stop and kill it at any point of
# open_session (its real uid is the caller's). Over SANDSH_STOPKILL_RUNS
# runs (40 in make check) `su -l sbuser1` is stopped at a random point,
# sometimes continued and stopped again, and killed:
#  - while it is stopped, a login of another user (sbnest) is not delayed;
#  - afterwards nothing is left: no process, and once the next login of
#    the user ran, no session cgroup and no registry entry; `sandsh --list`
#    shows none of the killed sessions.
# Then the worst case on purpose: su stopped while it holds the user's lock
# (strace holds its flock() for 2 s, SIGSTOP arrives meanwhile): another
# user's login is not delayed, and the same user's next login ends within
# the documented bound (10 s, LOCK_WAIT_MS) with a session or the
# documented "busy" error line.

RUNS=${SANDSH_STOPKILL_RUNS:-40}
B_BOUND_MS=5000   # "not delayed": a login takes well under a second
A_BOUND_MS=12000  # the documented 10 s and slack

write_pam_policy
log_mark
b_max=0
b_bad=
for i in $(seq "$RUNS"); do
	(exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin su -l sbuser1 -c 'sleep 1' </dev/null >/dev/null 2>&1) &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 250)))"
	kill -STOP "$pid" 2>/dev/null
	su_run sbnest 'echo b-ok'
	[ "$DURATION_MS" -gt "$b_max" ] && b_max=$DURATION_MS
	[ "$STATUS $OUT" = "0 b-ok" ] || b_bad="$b_bad run $i: status $STATUS, stdout '$OUT', stderr '$ERR';"
	case $((RANDOM % 3)) in
	0) kill -CONT "$pid" 2>/dev/null; sleep "0.0$((RANDOM % 10))"; kill -STOP "$pid" 2>/dev/null ;;
	1) kill -CONT "$pid" 2>/dev/null; sleep "0.0$((RANDOM % 10))" ;;
	*) ;;
	esac
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
assert_eq "stop/kill x$RUNS: another user's login while su was stopped: every one ran" "" "$b_bad"
if [ "$b_max" -lt "$B_BOUND_MS" ]; then
	pass "stop/kill x$RUNS: another user's login while su was stopped: not delayed (< $B_BOUND_MS ms)"
else
	fail "stop/kill x$RUNS: another user's login while su was stopped: not delayed (< $B_BOUND_MS ms)" "slowest: $b_max ms"
fi

# No process of the killed sessions survives (their holders die with su).
for _ in $(seq 100); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_eq "stop/kill x$RUNS: no process of the user left" "" "$(procs -l -u 61001)"

# The next login of the same user works and collects what the killed ones left.
su_run sbuser1 'echo a-ok'
assert_eq "stop/kill x$RUNS: the user's next login works" "0 a-ok" "$STATUS $OUT"
if [ "$DURATION_MS" -lt "$A_BOUND_MS" ]; then
	pass "stop/kill x$RUNS: the user's next login is not held up (< $A_BOUND_MS ms)"
else
	fail "stop/kill x$RUNS: the user's next login is not held up (< $A_BOUND_MS ms)" "took $DURATION_MS ms"
fi
assert_eq "stop/kill x$RUNS: after the next login, no registry entry of a killed session" "" "$(registry_entries)"
assert_eq "stop/kill x$RUNS: after the next login, no session cgroup left" "" "$(session_cgroups)"
run_root --list
assert_eq "stop/kill x$RUNS: sandsh --list shows no session (status 0, the header only)" "0 1" \
	"$STATUS $(printf '%s\n' "$OUT" | wc -l)"
assert_clean "stop/kill x$RUNS"

# --- su stopped while it holds the user's lock -------------------------------------------------
# lock_holders: pids holding an flock on a file of /run/sandsh.
lock_holders() {
	local ino
	for f in /run/sandsh/*.lock; do
		[ -e "$f" ] || continue
		ino=$(stat -c %i "$f")
		awk -v ino="$ino" '$2 == "FLOCK" { split($6, a, ":"); if (a[3] == ino) print $5 }' /proc/locks
	done | sort -u
}
if ! command -v strace >/dev/null; then
	skip "stopped su holding the user lock" "strace not installed (scripts/deps.sh sec)"
else
	(exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin strace -f -qq -o /dev/null -e trace=flock \
		-e inject=flock:delay_exit=2000000 su -l sbuser1 -c 'sleep 1' </dev/null >/dev/null 2>&1) &
	tracer=$!
	su_pid=
	for _ in $(seq 50); do
		su_pid=$(procs -c su | head -n 1)
		[ -n "$su_pid" ] && [ -n "$(lock_holders)" ] && break
		sleep 0.05
	done
	[ -n "$su_pid" ] && kill -STOP "$su_pid"
	sleep 2.5
	held=$(lock_holders)
	log_mark
	su_run sbnest 'echo b-ok'
	assert_eq "su stopped in open_session: another user's login runs" "0 b-ok" "$STATUS $OUT"
	if [ "$DURATION_MS" -lt "$B_BOUND_MS" ]; then
		pass "su stopped in open_session: another user's login is not delayed (< $B_BOUND_MS ms)"
	else
		fail "su stopped in open_session: another user's login is not delayed (< $B_BOUND_MS ms)" "took $DURATION_MS ms"
	fi
	su_run sbuser1 'echo a-ok'
	if [ -n "$held" ]; then
		# The documented bound: the user's own next login waits for the
		# lock 10 s at most, then fails with one line saying so.
		if [ "$DURATION_MS" -lt "$A_BOUND_MS" ]; then
			pass "su stopped holding the user lock: the user's next login ends within the bound (< $A_BOUND_MS ms)"
		else
			fail "su stopped holding the user lock: the user's next login ends within the bound (< $A_BOUND_MS ms)" "took $DURATION_MS ms"
		fi
		if [ "$STATUS $OUT" = "0 a-ok" ]; then
			pass "su stopped holding the user lock: the user's next login: a session, or the busy line"
		else
			assert_line "su stopped holding the user lock: the user's next login: a session, or the busy line" \
				"error user=sbuser1 uid=61001 reason=cgroup: /run/sandsh/user-61001\\.lock: busy for 10 s" "$(log_since)"
		fi
	else
		# No lock a stopped su can hold (a design without one): no delay.
		assert_eq "su stopped in open_session, no lock held: the user's next login runs" "0 a-ok" "$STATUS $OUT"
		if [ "$DURATION_MS" -lt "$B_BOUND_MS" ]; then
			pass "su stopped in open_session, no lock held: the user's next login is not delayed"
		else
			fail "su stopped in open_session, no lock held: the user's next login is not delayed" "took $DURATION_MS ms"
		fi
	fi
	[ -n "$su_pid" ] && kill -KILL "$su_pid" 2>/dev/null
	wait "$tracer" 2>/dev/null
	for _ in $(seq 100); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
	su_run sbuser1 'true'
	run_root --list
	assert_clean "su stopped holding the user lock"
fi

# What today's sessions leave in the registry would fail the next test
# files: remove it (the assertions above have reported it).
rm -f /run/sandsh/sessions/*
