# shellcheck shell=bash
# A fork bomb of vmbomb (pids_max = 32, cpu_max 100%) stops at 32 tasks on
# the user's slice, while root still logs in over ssh within 2 s. The bomb
# is bash (which retries a failed fork instead of giving up at once, so the
# bomb keeps pressing at the limit); the session's command is a `sleep 90`
# the login shell execs after starting it: the bound, and the handle that
# ends the session (and with its PID 1 every process of the bomb).
# The bomb is a shell function, so it is quoted for the sandbox's shell:
# shellcheck disable=SC2016

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
# Root's login while the bomb runs: the best of three, each timed from the
# client's start to its end (the whole login: key exchange, PAM, logind).
times="" best=999999
for _ in 1 2 3; do
	t0=$(date +%s%N)
	if out=$(G_T=30 G 'echo root-in' 2>&1) && [ "$out" = root-in ]; then
		ms=$((($(date +%s%N) - t0) / 1000000))
	else
		ms=999999
	fi
	[ "$ms" = 999999 ] && times="$times failed($out)" || times="$times ${ms}ms"
	[ "$ms" -lt "$best" ] && best=$ms
done
if [ "$best" -le 2000 ] && [[ $times != *failed* ]]; then
	pass "root logs in over ssh within 2 s while the bomb runs (${times# })"
else
	fail "root logs in over ssh within 2 s while the bomb runs (best of three, none failing)" "times:$times"
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
