# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# Per-user cgroup limits (SPEC §4): pids_max across all of a user's
# sessions, memory_max, cpu_max, max_sessions, session cgroups removed.
# Works with cgroup v2 (unified) and v1 (one hierarchy per controller).

# cg_dir CONTROLLER: the directory of the fixture cgroup_parent in the
# hierarchy that has CONTROLLER (v1 first, then v2 when it is enabled there).
cg_dir() {
	local c=$1 mp fstype opts
	while read -r mp fstype opts; do
		if [ "$fstype" = cgroup ] && printf '%s' "$opts" | tr , '\n' | grep -qx "$c"; then
			echo "$mp/$T_CGROUP_PARENT"
			return 0
		fi
	done < <(awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo)
	while read -r mp fstype opts; do
		if [ "$fstype" = cgroup2 ] && grep -qw "$c" "$mp/cgroup.controllers" 2>/dev/null; then
			echo "$mp/$T_CGROUP_PARENT"
			return 0
		fi
	done < <(awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo)
	return 1
}

pids_dir=$(cg_dir pids)
if [ -z "$pids_dir" ]; then
	skip "cgroup limits" "no pids controller on this machine"
	return 0
fi

# --- limits written during a session ------------------------------------------
write_std_policy 'pids_max = 8;' 'memory_max = "64M";' 'cpu_max = "50%";'
log_mark
run_bg sbuser1 -c 'sleep 2'
wait_for_session >/dev/null
log_wait '^session open '
id=$(log_since | sed -n -E 's/^session open id=([0-9a-f]+) .*/\1/p' | head -n 1)
user_dir=$pids_dir/user-61001
assert_eq "pids.max of the user's cgroup" "8" "$(cat "$user_dir/pids.max" 2>&1)"
assert_eq "the session is a leaf session-<id> holding init and the shell" "2" \
	"$(wc -l <"$user_dir/session-$id/cgroup.procs" 2>&1)"
assert_eq "the user cannot write the limit" "root 644" "$(stat -c '%U %a' "$user_dir/pids.max")"
if mem_dir=$(cg_dir memory); then
	if [ -e "$mem_dir/user-61001/memory.max" ]; then
		assert_eq "memory_max = 64M (memory.max)" "67108864" "$(cat "$mem_dir/user-61001/memory.max")"
	else
		assert_eq "memory_max = 64M (memory.limit_in_bytes)" "67108864" \
			"$(cat "$mem_dir/user-61001/memory.limit_in_bytes" 2>&1)"
	fi
else
	skip "memory_max" "no memory controller"
fi
if cpu_dir=$(cg_dir cpu); then
	if [ -e "$cpu_dir/user-61001/cpu.max" ]; then
		assert_eq "cpu_max = 50% (cpu.max)" "50000 100000" "$(cat "$cpu_dir/user-61001/cpu.max")"
	else
		assert_eq "cpu_max = 50% (cfs quota/period)" "50000/100000" \
			"$(cat "$cpu_dir/user-61001/cpu.cfs_quota_us" 2>&1)/$(cat "$cpu_dir/user-61001/cpu.cfs_period_us" 2>&1)"
	fi
else
	skip "cpu_max" "no cpu controller"
fi
wait_bg
assert_status "limited session: status" 0
assert_eq "the session cgroup is removed when the session ends" "absent" \
	"$([ -e "$user_dir/session-$id" ] && echo present || echo absent)"

# --- pids_max holds ------------------------------------------------------------------
run_as sbuser1 -c '(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 3 & done) 2>/dev/null; ls /proc >/tmp/p; grep -c "^[0-9]" /tmp/p'
assert_out "pids_max = 8: init, shell, 5 sleeps and ls, no more" "8"

# The limit is per user, across sessions.
run_bg sbuser1 -c 'sleep 4 & sleep 4 & sleep 4 & sleep 4 & wait'
wait_for_session >/dev/null
sleep 0.5
run_as sbuser1 -c 'ls / >/dev/null; echo not-reached'
assert_status "pids_max across sessions: the second session cannot fork" 2
assert_stderr_line "pids_max across sessions: message" "sh: can't fork: Resource temporarily unavailable"
run_as sbuser2 -c 'ls / >/dev/null && echo other-user-ok'
assert_out "another user is not limited by sbuser1's processes" "other-user-ok"
wait_bg

# --- memory_max --------------------------------------------------------------------------
if [ -n "${mem_dir:-}" ]; then
	write_std_policy 'memory_max = "32M";' \
		'mounts = ( { type = "tmpfs"; target = "/tmp"; size = "256M"; } );'
	run_as sbuser1 -c 'dd if=/dev/zero of=/tmp/big bs=1M count=100 2>/dev/null; echo "[$?]"; ls -s /tmp/big'
	assert_eq "memory_max = 32M: writing 100M to tmpfs gets the writer OOM-killed" "[137]" \
		"$(printf '%s\n' "$OUT" | head -n 1)"
	kib=$(printf '%s\n' "$OUT" | tail -n 1 | awk '{ print $1 }')
	assert_eq "memory_max = 32M: less than 32M were written" "yes" \
		"$([ "${kib:-0}" -gt 0 ] && [ "${kib:-0}" -le 32768 ] && echo yes || echo "no (${kib:-?} KiB)")"
	write_std_policy
fi

# --- max_sessions ------------------------------------------------------------------------
write_std_policy 'max_sessions = 1;'
run_bg sbuser1 -c 'sleep 2'
wait_for_session >/dev/null
log_mark
run_as sbuser1 -c "$PROBE"
assert_refused "max_sessions = 1: a second session" 1 "sandsh: session refused: too many sessions (max_sessions 1)"
assert_log_contains "max_sessions: logged" '^denied user=sbuser1 uid=61001 reason=max_sessions reached \(1 active\)$'
run_as sbuser2 -c 'echo ok'
assert_out "max_sessions counts per user" "ok"
wait_bg
assert_status "max_sessions: the first session is unaffected" 0
run_as sbuser1 -c 'echo again'
assert_out "max_sessions: a new session once the first ended" "again"

# --- leftovers of crashed sessions -----------------------------------------------------------
write_std_policy
mkdir -p "$user_dir/session-0000000000000000"
run_as sbuser1 -c 'true'
assert_eq "a crashed session's empty cgroup is removed by the next session" "absent" \
	"$([ -e "$user_dir/session-0000000000000000" ] && echo present || echo absent)"
rmdir "$user_dir/session-0000000000000000" 2>/dev/null
