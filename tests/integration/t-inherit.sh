# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034,SC2153
# repo is set by tests/integration/run.sh:
# shellcheck disable=SC2154
# The shell path as a regression guard for issue 12 (the PAM path's
# escape): a caller holding a directory fd of /, a host file, a socket and
# a pipe to an outside process, an O_PATH fd, a memfd and a high fd, with
# its cwd outside (tests/tools/fdhold.c), starts sandsh. Inside only fds
# 0-2 arrive and the session starts in the policy home; the outer sandsh
# and the sandbox's PID 1 hold none of the caller's descriptors either.
# Also: PID 1 is never dumpable after it changed uid, with
# fs.suid_dumpable = 1 (set for a few seconds, restored by a trap).

# shellcheck source=tests/lib/inherit.sh
. "$repo/tests/lib/inherit.sh"
inherit_setup

# hold_run [-b] ARGS...: sandsh as sbuser1 (clean environment, stdin
# /dev/null) started by fdhold as sbuser1; -b runs it in the background.
hold_run() {
	local bg=0
	[ "$1" = -b ] && { bg=1; shift; }
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/timeout -k 5 "$RUN_TIMEOUT" \
			/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- \
			"${HOLD[@]}" "$SANDSH" "$@" </dev/null >"$T_WORK/hold-out" 2>"$T_WORK/hold-err"
		echo $? >"$T_WORK/hold-status"
	} 2>/dev/null &
	[ $bg = 1 ] && return 0
	wait $!
	STATUS=$(cat "$T_WORK/hold-status")
	OUT=$(cat "$T_WORK/hold-out")
	ERR=$(cat "$T_WORK/hold-err")
}

INHERIT_HOLD shell
hold_run -c "$INHERIT_PROBE"
assert_status "shell path (fds 5-10 and 250 held, cwd outside): status" 0
assert_inherit "shell path" "$OUT" /home/sbuser1 shell

# During a session: the outer sandsh (root) and PID 1 hold none of the
# caller's descriptors (the directories, the host file, the memfd, the
# pipe whose other end the outside process reads).
INHERIT_HOLD shell-bg
hold_run -b -c 'sleep 3'
outer=$(wait_for_session)
init=$(procs -c sandsh-init | head -n 1)
# (The outside process ends when no process holds the pipe's write end:
# with sandsh that is at once, and then there is no pipe to look for.)
recorder=$(inherit_recorder shell-bg)
assert_match "shell path: a session and its PID 1 are running" '^[0-9]+ [0-9]+$' "$outer $init"
assert_eq "shell path: the outer sandsh holds none of the caller's descriptors" "" \
	"$(inherit_held_by "${outer:-0}" "${recorder:-0}")"
assert_eq "shell path: PID 1 (sandsh-init) holds none of the caller's descriptors" "" \
	"$(inherit_held_by "${init:-0}" "${recorder:-0}")"
wait
assert_eq "shell path: the background session ran" "0" "$(cat "$T_WORK/hold-status")"

# --- bind sources: the user's own supplementary groups ---------------------------------
# A source reachable only through sbstudents (61101), a group of sbuser1,
# is bound; one reachable only through sbstaff (61100), which sbuser1 is
# not in, is refused.
install -d -o root -g 61101 -m 0750 "$T_ROOT/user-grp"
install -d -o root -g 61100 -m 0750 "$T_ROOT/other-grp"
install -d -o root -g root -m 0755 "$T_ROOT/user-grp/data" "$T_ROOT/other-grp/data" "$T_ROOTFS/mnt/data"
echo user-group-data >"$T_ROOT/user-grp/data/f"
chmod 0644 "$T_ROOT/user-grp/data/f"
write_std_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$T_ROOT/user-grp/data\"; target = \"/mnt/data\"; } );"
run_as sbuser1 -c 'cat /mnt/data/f'
assert_eq "shell path: bind source reachable through the user's group only: bound" "0 user-group-data" "$STATUS $OUT"
write_std_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$T_ROOT/other-grp/data\"; target = \"/mnt/data\"; } );"
run_as sbuser1 -c "$PROBE"
assert_refused "shell path: bind source through a group the user is not in" 125 \
	"sandsh: bind source $T_ROOT/other-grp/data: Permission denied"
write_std_policy
rm -rf "$T_ROOT/user-grp" "$T_ROOT/other-grp" "$T_ROOTFS/mnt/data"

# --- PID 1 is never dumpable after it changed uid -----------------------------------
# See tests/pam/t-holder.sh: strace holds every setresuid of the session
# for 1.5 s (strace -u runs sandsh as the user with its setuid bit in
# effect); a process of the user keeps trying to read /proc/PID/environ of
# the sandbox's PID 1 meanwhile.
if ! command -v strace >/dev/null; then
	skip "dumpable: PID 1 never readable by the user" "strace not installed (scripts/deps.sh sec)"
else
	rm -f "$T_WORK/dumpable-done"
	(
		end=$((SECONDS + 10))
		while [ $SECONDS -lt $end ] && [ ! -e "$T_WORK/dumpable-done" ]; do
			for p in $(procs -c sandsh-init); do
				setpriv --reuid=61001 --regid=61001 --init-groups -- cat "/proc/$p/environ" >/dev/null 2>&1 &&
					echo "read /proc/$p/environ"
			done
		done
	) >"$T_WORK/dumpable-reads" &
	probe=$!
	old_dumpable=$(cat /proc/sys/fs/suid_dumpable)
	trap 'echo "$old_dumpable" >/proc/sys/fs/suid_dumpable' EXIT
	echo 1 >/proc/sys/fs/suid_dumpable
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 30 \
			strace -f -qq -o /dev/null -u sbuser1 -e trace=setresuid -e inject=setresuid:delay_exit=1500000 \
			"$SANDSH" -c 'sleep 2; echo done' </dev/null >"$T_WORK/dumpable-out" 2>&1
		STATUS=$?
	} 2>/dev/null
	echo "$old_dumpable" >/proc/sys/fs/suid_dumpable
	trap - EXIT
	touch "$T_WORK/dumpable-done"
	wait "$probe"
	assert_eq "dumpable: fs.suid_dumpable restored" "$old_dumpable" "$(cat /proc/sys/fs/suid_dumpable)"
	assert_eq "dumpable: the session (under strace) ran" "0 done" "$STATUS $(cat "$T_WORK/dumpable-out")"
	assert_eq "dumpable: with fs.suid_dumpable = 1 the user never read PID 1's /proc/PID/environ" "" \
		"$(sort -u "$T_WORK/dumpable-reads")"
fi
