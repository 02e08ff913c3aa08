# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# Exit statuses (SPEC §2), signals to the session (SPEC §4) and the
# timeout (SPEC §3).

run_as sbuser1 -c 'exit 7'
assert_status "exit 7 -> 7" 7
assert_stderr_empty "exit 7: no stderr"

run_as sbuser1 -c 'true'
assert_status "true -> 0" 0
run_as sbuser1 -c 'false'
assert_status "false -> 1" 1

run_as sbuser1 -c 'kill -TERM $$'
assert_status "shell killed by SIGTERM -> 143" 143
assert_stderr_empty "killed by SIGTERM: no stderr"
run_as sbuser1 -c 'kill -KILL $$'
assert_status "shell killed by SIGKILL -> 137" 137
run_as sbuser1 -c 'kill -SEGV $$'
assert_status "shell killed by SIGSEGV -> 139" 139

run_as sbuser1 -c 'nosuchcommand'
assert_status "command not found inside -> the shell's 127" 127
assert_stderr_line "command not found inside: the shell's message" "sh: nosuchcommand: not found"

# The policy shell itself.
write_std_policy 'shell = "/bin/nosuch";'
log_mark
run_as sbuser1 -c "$PROBE"
assert_refused "shell missing" 127 "sandsh: /bin/nosuch: No such file or directory"

printf '#!/bin/sh\necho should-not-run\n' >"$T_ROOTFS/bin/noexec"
chmod 0644 "$T_ROOTFS/bin/noexec"
write_std_policy 'shell = "/bin/noexec";'
run_as sbuser1 -c "$PROBE"
assert_refused "shell not executable" 126 "sandsh: /bin/noexec: Permission denied"
rm -f "$T_ROOTFS/bin/noexec"

write_std_policy 'shell = "/home";'
run_as sbuser1 -c "$PROBE"
assert_refused "shell is a directory" 126 "sandsh: /home: Permission denied"

# A shell that exists on the host but not in the rootfs.
write_std_policy 'shell = "/usr/bin/bash";'
run_as sbuser1 -c "$PROBE"
assert_refused "shell only on the host, not in the rootfs" 127 "sandsh: /usr/bin/bash: No such file or directory"
write_std_policy

# --- signals from outside ----------------------------------------------------
for sig in HUP TERM; do
	run_bg sbuser1 -c 'sleep 30; echo not-reached'
	outer=$(wait_for_session)
	sleep 0.3
	kill -"$sig" "$outer"
	wait_bg
	case $sig in HUP) n=1 ;; TERM) n=15 ;; esac
	assert_status "SIG$sig to sandsh ends the session with $((128 + n))" $((128 + n))
	assert_match "SIG$sig ends the session promptly" '^[0-2]$' "$((DURATION_MS / 1000))"
	assert_eq "SIG$sig: no process of the session survives" "" "$(procs -u 61001)"
done
# SIGINT is forwarded to the command (PID 2) only, as SPEC §4 says: the
# shell (which catches INT) waits for its foreground sleep, then dies of it.
run_bg sbuser1 -c 'env sleep 2; echo not-reached'
outer=$(wait_for_session)
sleep 0.3
kill -INT "$outer"
wait_bg
assert_status "SIGINT to sandsh ends the session with 130" 130
assert_out "SIGINT: the shell ran no further command" ""
assert_match "SIGINT: the session ended after the foreground sleep" '^[2-3]$' "$((DURATION_MS / 1000))"

# SIGKILL of the outer sandsh: the sandbox dies with it (PDEATHSIG).
run_bg sbuser1 -c 'sleep 30'
outer=$(wait_for_session)
kill -KILL "$outer"
wait_bg
assert_status "SIGKILL of sandsh -> 137" 137
sleep 0.5
assert_eq "SIGKILL of sandsh: no process of the session survives" "" "$(procs -u 61001)"
assert_eq "SIGKILL of sandsh: no init survives" "" "$(procs -c sandsh-init)"

# --- timeout --------------------------------------------------------------------
write_std_policy 'timeout = 2;'
log_mark
run_as sbuser1 -c 'sleep 30'
assert_status "timeout = 2: sleep 30 ends with SIGTERM -> 143" 143
assert_match "timeout = 2: after about 2 s" '^[2-4]$' "$((DURATION_MS / 1000))"
assert_log_contains "timeout: close line carries 143" \
	'^session close id=[0-9a-f]+ user=sbuser1 status=143 duration_ms=[0-9]+$'

run_as sbuser1 -c 'trap "" TERM; sleep 30'
assert_status "timeout = 2, TERM ignored: SIGKILL -> 137" 137
assert_match "timeout = 2, TERM ignored: after about 7 s" '^[7-9]$' "$((DURATION_MS / 1000))"
assert_eq "timeout: no process of the session survives" "" "$(procs -u 61001)"

run_as sbuser1 -c 'echo quick'
assert_status "timeout = 2: a quick command is not affected" 0
assert_out "timeout = 2: quick output" "quick"
write_std_policy
