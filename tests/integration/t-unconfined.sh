# shellcheck shell=bash
# sandbox = false (SPEC §3): the policy shell runs unconfined on the host,
# as the user, with the same clean environment and the same audit lines.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

{
	policy_head "$T_ROOTFS"
	echo '};'
	echo 'groups = { sbstaff = { sandbox = false; }; };'
} | write_policy
echo "host-marker" >"$T_ROOT/HOST-MARKER"

log_mark
run_as -e FOO=bar -e TERM=vt100 sbadmin -c "hostname; id; cat $T_ROOT/HOST-MARKER; env | sort; exit 6"
assert_status "sandbox = false: the command's status" 6
assert_out "sandbox = false: host hostname and files, user ids, clean environment" "$(hostname)
uid=61003(sbadmin) gid=61003(sbadmin) groups=61003(sbadmin),61100(sbstaff)
host-marker
HOME=/home/sbadmin
LOGNAME=sbadmin
PATH=/usr/local/bin:/usr/bin:/bin
PWD=/
SHELL=/bin/sh
TERM=vt100
USER=sbadmin"
assert_log_contains "sandbox = false: session open with rootfs=none" \
	'^session open id=[0-9a-f]+ user=sbadmin uid=61003 via=shell rootfs=none pids_max=none tty=none from=local$'
assert_log_contains "sandbox = false: session close" \
	'^session close id=[0-9a-f]+ user=sbadmin status=6 duration_ms=[0-9]+$'

run_as sbadmin -c 'grep -E "^(Uid|CapEff|CapAmb):" /proc/self/status'
assert_out "sandbox = false: no privilege kept" "Uid:	61003	61003	61003	61003
CapEff:	0000000000000000
CapAmb:	0000000000000000"

run_as sbuser1 -c "test -e $T_ROOT/HOST-MARKER && echo visible; hostname"
assert_out "other users in the same policy stay sandboxed" "sandsh"

# sandbox = false does not bypass allow = false.
{
	policy_head "$T_ROOTFS"
	echo '  allow = false;'
	echo '};'
	echo 'groups = { sbstaff = { sandbox = false; }; };'
} | write_policy
run_as sbadmin -c "$PROBE"
assert_refused "sandbox = false, allow = false" 1 "sandsh: session refused: access denied by policy"

rm -f "$T_ROOT/HOST-MARKER"
write_std_policy
