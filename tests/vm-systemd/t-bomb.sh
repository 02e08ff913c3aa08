# shellcheck shell=bash
# A fork bomb of vmbomb (pids_max = 32, cpu_max 100%) stops at 32 tasks on
# the user's slice, while root still logs in over ssh within 2 s. The bomb
# is bash (which retries a failed fork instead of giving up at once, so the
# bomb keeps pressing at the limit); the session's command is a `sleep 90`
# the login shell execs after starting it: the bound, and the handle that
# ends the session (and with its PID 1 every process of the bomb).
# The bomb is a shell function, so it is quoted for the sandbox's shell:
# shellcheck disable=SC2016

# root_logins: three root logins through ssh, each timed from the client's
# start to its end (the whole login: key exchange, PAM, logind, a shell);
# BEST is the fastest in ms, TIMES all of them ("failed" for one that was).
root_logins() {
	local t0 ms out
	TIMES="" BEST=999999
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		if out=$(G_T=30 G_login 'echo root-in' 2>&1) && [ "$out" = root-in ]; then
			ms=$((($(date +%s%N) - t0) / 1000000))
			TIMES="$TIMES ${ms}ms"
			[ "$ms" -lt "$BEST" ] && BEST=$ms
		else
			TIMES="$TIMES failed($out)"
		fi
	done
	TIMES=${TIMES# }
}
# The same before the bomb: how fast this host logs in at all (TCG on a
# loaded machine can be slower than the issue's 2 s by itself).
root_logins
IDLE_BEST=$BEST IDLE_TIMES=$TIMES

CUR=$(G "$GS mark")
bg_ssh bomb vmbomb -- 'echo ready; bash -c "f() { while :; do f & done; }; f" >/dev/null 2>&1 & exec sleep 90'
if ! bg_out_wait bomb ready 60; then
	fail "vmbomb logs in" "$(bg_show bomb)" "audit log: $(G "$GS log '$CUR'")"
	return 0
fi
SID=$(G "$GS open-id vmbomb '$CUR' 20")
tasks=$(G "$GS wait-tasks sandsh-u2004.slice 32 30")
assert_eq "the user's slice reaches TasksCurrent=32 and stays there" 32 "$tasks"
assert_eq "systemctl show sandsh-u2004.slice: TasksMax=32" \
	"TasksMax=32" "$(G "systemctl show -p TasksMax sandsh-u2004.slice")"
# Kernel 6.1 counts a refused fork in the pids.events of the forking
# task's own cgroup: add up those under the slice.
assert_match "the kernel refused forks beyond 32 (pids.events under the slice)" '^[1-9][0-9]*$' \
	"$(G "find /sys/fs/cgroup/sandsh.slice/sandsh-u2004.slice -name pids.events -exec cat {} + 2>/dev/null |
		awk '\$1 == \"max\" { n += \$2 } END { print n + 0 }'")"
# Root's login while the bomb runs.
root_logins
if [[ $TIMES == *failed* ]]; then
	fail "root logs in over ssh while the bomb runs" "times: $TIMES"
elif [ "$IDLE_BEST" -gt 1500 ]; then
	skip "root logs in over ssh within 2 s while the bomb runs ($TIMES)" \
		"this host is too slow to judge: the best idle login took ${IDLE_BEST} ms ($IDLE_TIMES)"
elif [ "$BEST" -le 2000 ]; then
	pass "root logs in over ssh within 2 s while the bomb runs ($TIMES; idle: $IDLE_TIMES)"
else
	fail "root logs in over ssh within 2 s while the bomb runs (the best of three)" \
		"times: $TIMES" "idle, before the bomb: $IDLE_TIMES"
fi
# Whatever the host's speed: the bomb does not make logins much slower.
if [ "$BEST" -le $((IDLE_BEST + 1000)) ]; then
	pass "root's login during the bomb is at most 1 s slower than before it (best ${BEST} ms, idle ${IDLE_BEST} ms)"
else
	fail "root's login during the bomb is at most 1 s slower than before it" \
		"best during the bomb: ${BEST} ms ($TIMES)" "best idle: ${IDLE_BEST} ms ($IDLE_TIMES)"
fi
assert_eq "still at most 32 tasks after root's logins" 32 \
	"$(G "systemctl show -P TasksCurrent sandsh-u2004.slice")"

# End it: SIGTERM to the session's command; PID 1 of the sandbox exits with
# its status and takes the bomb with it.
G "kill -TERM \$($GS pid-of 2004 sleep | head -n 1)"
bg_wait bomb 60 || { fail "the session ends once its command is stopped" "$(bg_show bomb)"; bg_kill bomb; }
[ -n "$BG_STATUS" ] && assert_eq "ssh returns the command's status (SIGTERM: 143)" 143 "$BG_STATUS"
check_gone bomb vmbomb "$SID"
check_all_gone
