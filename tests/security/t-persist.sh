# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# The persistent sandbox (persist = true) against its own user: the keeper
# is root and serves every later login, so nothing the user does may wedge
# it, starve it, or leave a sandbox built by an older policy in force.

SOCK=/run/sandsh/sandbox-u61001.sock

# The keeper's pid: the registry row of the sandbox (SANDBOX column "*").
keeper_pid() {
	awk '$9 == "*" { print $4 }' /run/sandsh/sessions/* 2>/dev/null | head -n 1
}

# Ends a keeper a failed check left behind (PID 1 dies with it), so the
# next check starts without a sandbox.
reap_keeper() {
	local k i
	k=$(keeper_pid)
	[ -n "$k" ] && kill -KILL "$k" 2>/dev/null
	for i in $(seq 50); do
		[ -z "$(procs -u 61001)" ] && break
		sleep 0.1
	done
	rm -f "$SOCK" /run/sandsh/sessions/* 2>/dev/null
}

# keeper_wedged PID: blocked in read(2) (x86_64 syscall 0). A keeper waits
# in poll(2), or briefly for a lock, never in a read.
keeper_wedged() {
	[ -n "$1" ] && [ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = 0 ]
}

# sandbox_gone SECONDS: the keeper closed the door and ended (no socket, no
# sandbox row, no process of sbuser1).
sandbox_gone() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		[ ! -e "$SOCK" ] && [ -z "$(keeper_pid)" ] && [ -z "$(procs -u 61001)" ] && return 0
		sleep 0.1
	done
	return 1
}

# persist_run [WRAPPER...] -- SANDSH-ARGS...: sandsh as sbuser1 through the
# wrapper commands (taskset, chrt, prlimit), bounded; sets STATUS, OUT,
# ERR, DURATION_MS (files tagged with RUN_TAG, for runs in the background).
persist_run() {
	local wrap=() t0
	while [ "$1" != -- ]; do
		wrap+=("$1")
		shift
	done
	shift
	t0=$(date +%s%N)
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/timeout -k 5 45 \
			/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- "${wrap[@]}" "$SANDSH" "$@" \
			</dev/null >"$T_WORK/${RUN_TAG:-}p-out" 2>"$T_WORK/${RUN_TAG:-}p-err"
		STATUS=$?
	} 2>/dev/null
	DURATION_MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(cat "$T_WORK/${RUN_TAG:-}p-out")
	ERR=$(cat "$T_WORK/${RUN_TAG:-}p-err")
}

# --- a keeper that is slow to run must not wedge --------------------------------
# The user picks the first login's scheduling (SCHED_IDLE, one CPU) and
# keeps that CPU busy from another account: the keeper then sees a login's
# connection and an expired timer in one poll(). Each login must be served
# without waiting for a lock timeout, and with linger = 0 the sandbox must
# end once the login is over; later logins must find a keeper that answers.
if ! command -v taskset >/dev/null || ! command -v chrt >/dev/null; then
	skip "slow keeper: needs taskset and chrt" "util-linux"
else
	write_std_policy 'persist = true;' 'linger = 0;'
	timeout 80 setpriv --reuid=61002 --regid=61002 --clear-groups -- taskset -c 0 \
		sh -c 'while :; do :; done' &
	hog=$!
	for i in 1 2 3; do
		persist_run taskset -c 0 chrt -i 0 -- -c 'echo ran'
		assert_status "slow keeper: login $i: status" 0
		assert_out "slow keeper: login $i: the command ran" "ran"
		if [ "$DURATION_MS" -lt 8000 ]; then
			pass "slow keeper: login $i: no wait for a lock timeout"
		else
			fail "slow keeper: login $i: no wait for a lock timeout" "took $DURATION_MS ms for 'echo ran'"
		fi
		if sandbox_gone 10; then
			pass "slow keeper: login $i: the sandbox ends after the login (linger 0)"
		else
			k=$(keeper_pid)
			fail "slow keeper: login $i: the sandbox ends after the login (linger 0)" \
				"keeper $k still there, in syscall: $(cut -d' ' -f1,2 "/proc/$k/syscall" 2>/dev/null)" \
				"socket: $(ls -l "$SOCK" 2>&1)"
			reap_keeper
		fi
	done
	kill "$hog" 2>/dev/null
	wait "$hog" 2>/dev/null
fi

# --- a changed policy reaches the next login ------------------------------------
# The admin turns the network off and lowers pids_max while the user keeps
# a sandbox alive (a background job). The next login must not get what
# the old policy allowed: host networking in particular. (Refusing the
# login, or making a new sandbox, both satisfy this.)
# The sandbox is made by a background login; should the keeper wedge on
# its first login (the slow-keeper check above), it is made again, so this
# check is about the policy alone.
for _ in 1 2 3 4 5; do
	write_std_policy 'persist = true;' 'linger = 0;' 'net = "host";' 'pids_max = 64;'
	(RUN_TAG=bg- persist_run -- -c 'env sleep 15') &
	bg=$!
	for i in $(seq 50); do
		k=$(keeper_pid)
		[ -n "$k" ] && [ -S "$SOCK" ] && [ -n "$(procs -c sleep)" ] && break
		sleep 0.1
	done
	sleep 0.5
	keeper_wedged "$(keeper_pid)" || break
	reap_keeper
	wait "$bg" 2>/dev/null
done
write_std_policy 'persist = true;' 'linger = 0;' 'net = "none";' 'pids_max = 8;'
persist_run -- -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'
case "$ERR" in
*"did not answer"*) fail "policy change: the keeper answers the next login" "$(_session_ctx)" ;;
*) pass "policy change: the keeper answers the next login" ;;
esac
if [ "$STATUS" = 0 ]; then
	assert_eq "policy change: net = \"none\" holds for the next login (only lo)" "lo " "$OUT"
	user_pids=$(cat "/sys/fs/cgroup/pids/$T_CGROUP_PARENT/user-61001/pids.max" 2>/dev/null ||
		cat "/sys/fs/cgroup/$T_CGROUP_PARENT/user-61001/pids.max" 2>/dev/null)
	assert_eq "policy change: pids_max = 8 holds for the next login" "8" "$user_pids"
else
	assert_status "policy change: the next login is refused as a sandsh failure" 125
fi
reap_keeper
wait "$bg" 2>/dev/null

# --- the first login's process state stays with it ------------------------------
# The keeper lives on for every later login (of any service), so it must
# not keep the limits and scheduling of the login that happened to start
# it: a low RLIMIT_NOFILE makes it refuse logins (and spin on its listening
# socket), SCHED_IDLE on a busy CPU starves it.
write_std_policy 'persist = true;' 'linger = 0;'
if ! command -v chrt >/dev/null; then
	skip "first login's state: needs chrt" "util-linux"
else
	(RUN_TAG=bg- persist_run prlimit --nofile=64:64 chrt -i 0 -- -c 'sleep 6') &
	bg=$!
	for i in $(seq 50); do
		k=$(keeper_pid)
		[ -n "$k" ] && break
		sleep 0.1
	done
	if [ -z "$k" ]; then
		fail "first login's state: a keeper started" "no sandbox row in /run/sandsh/sessions"
	else
		nofile=$(awk '/^Max open files/ { print $4 }' "/proc/$k/limits")
		policy=$(awk -F: '/^policy/ { gsub(/ /, "", $2); print $2 }' "/proc/$k/sched")
		if ! have_sys_resource; then
			# Root cannot raise a hard limit without CAP_SYS_RESOURCE.
			skip "first login's state: the keeper's RLIMIT_NOFILE is not the login's" \
				"no CAP_SYS_RESOURCE in this machine's bounding set"
		elif [ "$nofile" != 64 ]; then
			pass "first login's state: the keeper's RLIMIT_NOFILE is not the login's"
		else
			fail "first login's state: the keeper's RLIMIT_NOFILE is not the login's" \
				"keeper $k runs with the first login's open-files limit 64"
		fi
		if [ "$policy" != 5 ]; then
			pass "first login's state: the keeper does not run SCHED_IDLE"
		else
			fail "first login's state: the keeper does not run SCHED_IDLE" \
				"keeper $k inherited the first login's scheduling policy (SCHED_IDLE)"
		fi
	fi
	wait "$bg" 2>/dev/null
	sandbox_gone 10 || reap_keeper
fi
