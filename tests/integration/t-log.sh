# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The audit log (SPEC §6): syslog, ident sandsh, one line per event, every
# "session open" with its "session close".

raw_since() { tail -n +"$((${LOG_MARK:-0} + 1))" "$T_LOG"; }

log_mark
run_as sbuser1 -c 'exit 3'
assert_status "logged session: status" 3
open_re="^session open id=([0-9a-f]+) user=sbuser1 uid=61001 via=shell rootfs=$T_ROOTFS pids_max=64 tty=none from=local\$"
assert_log_contains "session open line" "$open_re"
id=$(log_since | sed -n -E "s|$open_re|\\1|p")
assert_log_contains "session close line with the same id and status" \
	"^session close id=$id user=sbuser1 status=3 duration_ms=[0-9]+\$"
assert_eq "exactly two lines for one session" "2" "$(log_since | wc -l)"
assert_line "syslog: ident sandsh with pid, facility authpriv (10), notice (5)" \
	"<85>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} sandsh\\[[0-9]+\\]: session open id=$id .*" "$(raw_since)"

# Session ids differ.
log_mark
run_as sbuser1 -c 'true'
run_as sbuser1 -c 'true'
log_wait '^session close .*' 3
sleep 0.3
assert_eq "two sessions get two ids" "2" \
	"$(log_since | sed -n -E 's/^session open id=([0-9a-f]+) .*/\1/p' | sort -u | wc -l)"

# pids_max as resolved, and the remote address from SSH_CONNECTION.
write_std_policy 'pids_max = 17;'
log_mark
run_as -e "SSH_CONNECTION=192.0.2.7 40000 192.0.2.1 22" sbuser1 -c 'true'
assert_log_contains "open line: pids_max and from=<ip>" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell rootfs=$T_ROOTFS pids_max=17 tty=none from=192.0.2.7\$"
log_mark
run_as -e "SSH_CONNECTION=bogus; rm -rf / 1 2 3" sbuser1 -c 'true'
assert_log_contains "a malformed SSH_CONNECTION is not logged as an address" \
	"^session open .* from=local\$"
write_std_policy

# Killed sessions are closed too.
write_std_policy 'timeout = 1;'
log_mark
run_as sbuser1 -c 'trap "" TERM; sleep 30'
assert_status "killed session: status 137" 137
assert_log_contains "killed session: close line with 137" \
	'^session close id=[0-9a-f]+ user=sbuser1 status=137 duration_ms=[0-9]+$' 5
write_std_policy

log_mark
run_bg sbuser1 -c 'sleep 30'
outer=$(wait_for_session)
kill -TERM "$outer"
wait_bg
assert_log_contains "SIGTERM to sandsh: close line with 143" \
	'^session close id=[0-9a-f]+ user=sbuser1 status=143 duration_ms=[0-9]+$'

# The user cannot inject log lines through what sandsh logs of theirs.
log_mark
run_as -e "SSH_CONNECTION=$(printf '192.0.2.9 1 2 3\nsession close id=fake')" sbuser1 -c 'true'
log_wait '^session close '
assert_eq "every log line is one syslog record" "0" "$(raw_since | grep -c -v -E '^<[0-9]+>')"
assert_log_lacks "no injected line" 'id=fake'

# Denied and error lines.
write_std_policy 'allow = false;'
log_mark
run_as sbuser2 -c true
assert_log_contains "denied line" '^denied user=sbuser2 uid=61002 reason=allow is false$'
assert_log_lacks "denied: no session line" '^session '
assert_line "denied: priority warning (authpriv.warning = 84)" "<84>.* sandsh\\[[0-9]+\\]: denied user=sbuser2 .*" "$(raw_since)"

write_std_policy 'hostname = 5;'
log_mark
run_as sbuser2 -c true
assert_log_contains "error line for a broken policy" \
	"^error user=sbuser2 uid=61002 reason=$POLICY:[0-9]+: defaults.hostname: must be a string\$"
assert_line "error: priority err (authpriv.err = 83)" "<83>.* sandsh\\[[0-9]+\\]: error user=sbuser2 .*" "$(raw_since)"

# log_facility from the policy.
write_policy <<EOF
version = 1;
settings = { cgroup_parent = "$T_CGROUP_PARENT"; log_facility = "local3"; };
defaults = { rootfs = "$T_ROOTFS"; };
EOF
log_mark
run_as sbuser1 -c true
assert_line "log_facility = local3 (19*8+5 = 157)" "<157>.* sandsh\\[[0-9]+\\]: session open .*" "$(raw_since)"
write_std_policy
