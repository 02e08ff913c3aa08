# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# PAM logins of a persistent sandbox (persist = true): each login joins the
# user's one sandbox and ends alone; root can end one login (`sandsh --stop
# ID`); one login's trouble never ends the others. (The keeper's own
# robustness is tests/security/t-persist.sh's.)

SOCK=/run/sandsh/sandbox-u61001.sock

keeper_pid() {
	awk '$9 == "*" { print $4 }' /run/sandsh/sessions/* 2>/dev/null | head -n 1
}

# Registry ids of the logins (not the sandbox row).
login_ids() {
	awk '$9 != "*" { print $1 }' /run/sandsh/sessions/* 2>/dev/null
}

# keeper_wedged PID: blocked in read(2) (x86_64 syscall 0); a keeper waits
# in poll(2), or briefly for a lock, never in a read.
keeper_wedged() {
	[ -n "$1" ] && [ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = 0 ]
}

# Ends a keeper a failed check left behind (PID 1 dies with it).
reap_keeper() {
	local k
	# The keeper cleans up after --stop (a KILLed one would leave its leaf
	# for the user's next login to collect).
	timeout 20 "$SANDSH" --stop sbuser1 >/dev/null 2>&1
	k=$(keeper_pid)
	[ -n "$k" ] && kill -KILL "$k" 2>/dev/null
	for _ in $(seq 50); do
		[ -z "$(procs -u 61001)" ] && break
		sleep 0.1
	done
	rm -f "$SOCK" /run/sandsh/sessions/* 2>/dev/null
}

# bg_su TAG CMD: su -l sbuser1 -c CMD as root in the background (BG_PID);
# its output and status land in $T_WORK/TAG-out and TAG-status.
bg_su() {
	local tag=$1 cmd=$2
	(
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 60 \
			su -l sbuser1 -c "$cmd" </dev/null >"$T_WORK/$tag-out" 2>&1
		echo $? >"$T_WORK/$tag-status"
	) &
	BG_PID=$!
}

# A login in the background that keeps the sandbox (its registry row is
# there); made again if the keeper wedged on it. Sets BG_PID, LOGIN_ID.
start_kept_login() {
	for _ in 1 2 3 4 5; do
		bg_su kept 'env sleep 20; echo kept-finished'
		LOGIN_ID=
		for _ in $(seq 150); do
			LOGIN_ID=$(login_ids | head -n 1)
			[ -n "$LOGIN_ID" ] && [ -n "$(procs -c sleep)" ] && break
			sleep 0.1
		done
		sleep 0.5
		[ -n "$LOGIN_ID" ] && ! keeper_wedged "$(keeper_pid)" && return 0
		reap_keeper
		wait "$BG_PID" 2>/dev/null
	done
	return 1
}

write_pam_policy 'persist = true;' 'linger = 0;'

# --- sandsh --stop ID ends that login --------------------------------------------
if ! start_kept_login; then
	fail "--stop login: a login to stop" "no login row, or the keeper wedged, in 5 attempts"
else
	out=$(timeout 30 "$SANDSH" --stop "$LOGIN_ID" 2>&1)
	assert_eq "--stop login: reported" "stopping session $LOGIN_ID (sbuser1)" "$out"
	wait "$BG_PID"
	assert_eq "--stop login: the login's command did not finish" "" "$(grep kept-finished "$T_WORK/kept-out")"
	reap_keeper
fi

# --- a login that is slow to join does not end the others ------------------------
# Between the supervisor's answer and the caller's "joined" the caller may
# be stopped (su's caller can SIGSTOP it) or just slow; past the wait the
# supervisor gives up. That login fails; the sandbox and its other logins
# stay. strace holds su for 12 s right after its setns().
if ! command -v strace >/dev/null; then
	skip "slow join: needs strace" ""
elif ! start_kept_login; then
	fail "slow join: a login to keep" "no login row, or the keeper wedged, in 5 attempts"
else
	log_mark
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 60 \
		strace -o /dev/null -e trace=setns -e inject=setns:delay_exit=12000000 \
		su -l sbuser1 -c 'echo slow-ran' </dev/null >"$T_WORK/slow-out" 2>&1
	assert_eq "slow join: the slow login did not run its command" "" "$(grep slow-ran "$T_WORK/slow-out")"
	assert_log_lacks "slow join: the sandbox did not close" "^sandbox close "
	if [ -n "$(procs -c sleep)" ]; then
		pass "slow join: the other login's command still runs"
	else
		fail "slow join: the other login's command still runs" "$(log_since)"
	fi
	wait "$BG_PID"
	assert_eq "slow join: the other login finished normally" "kept-finished" "$(cat "$T_WORK/kept-out")"
	reap_keeper
fi
assert_clean "persist"
