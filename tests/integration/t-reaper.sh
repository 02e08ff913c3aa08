# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# A shell session's PID 1 becomes the reaper (src/reaper) once the command
# runs: a program of its own, executed from a sealed memfd, with PID 1's
# duties (reap every child, pass signals on, end with the command's status,
# die with the supervisor) and none of the supervisor's memory; still the
# user's, not dumpable, under the session's seccomp filter.

# In the session: wait (5 s) until PID 1 runs the reaper (its argv is then
# "sandsh-init" alone).
IN_WAIT='i=0; while [ "$(tr "\0" " " </proc/1/cmdline)" != "sandsh-init " ]; do [ $i -lt 50 ] || exit 99; sleep 0.1; i=$((i + 1)); done; '
PAGE_KB=$(($(getconf PAGESIZE) / 1024))
REAPER_EXE='/memfd:sandsh-init (deleted)'

# reaper_wait PID: waits (5 s) until PID runs the reaper; prints its exe link.
reaper_wait() {
	local i
	for i in $(seq 50); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$REAPER_EXE" ] && break
		sleep 0.1
	done
	readlink "/proc/$1/exe" 2>/dev/null
}

# fields PID: the ids, capabilities and confinement of PID, one line.
fields() {
	awk '/^(Uid|Gid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):/ { $1 = $1; printf "%s%s", s, $0; s = "|" }' \
		"/proc/$1/status" 2>/dev/null
}

# Where fs.suid_dumpable is 1 the exec would leave PID 1 traceable by the
# user until the reaper's first system call: PID 1 stays as it is there.
if [ "$(cat /proc/sys/fs/suid_dumpable)" = 1 ]; then
	run_bg sbuser1 -c 'env sleep 2'
	wait_for_session >/dev/null
	init=$(procs -c sandsh-init | head -n 1)
	sleep 0.5
	assert_eq "fs.suid_dumpable = 1: PID 1 stays the copy (no reaper)" "no" \
		"$([ "$(readlink "/proc/${init:-0}/exe")" = "$REAPER_EXE" ] && echo yes || echo no)"
	wait_bg
	return 0
fi

# --- from the host -------------------------------------------------------------
run_bg sbuser1 -c 'env sleep 4'
outer=$(wait_for_session)
init=$(procs -c sandsh-init | head -n 1)
assert_eq "PID 1 runs the reaper, executed from a memfd" "$REAPER_EXE" "$(reaper_wait "${init:-0}")"
rss=$(awk '/^Rss:/ { print $2 }' "/proc/${init:-0}/smaps_rollup" 2>/dev/null)
assert_eq "the reaper's resident memory is a few pages (<= 8)" "yes" \
	"$([ "${rss:-99999}" -le $((8 * PAGE_KB)) ] && echo yes || echo "no: ${rss:-?} KiB")"
assert_eq "the reaper: argv 'sandsh-init'" "sandsh-init " "$(tr '\0' ' ' <"/proc/${init:-0}/cmdline" 2>&1)"
assert_eq "the reaper: the user's ids, no capability, no_new_privs, the seccomp filter" \
	"Uid: 61001 61001 61001 61001|Gid: 61001 61001 61001 61001|CapPrm: 0000000000000000|CapEff: 0000000000000000|CapBnd: 0000000000000000|NoNewPrivs: 1|Seccomp: 2" \
	"$(fields "${init:-0}")"
assert_eq "the reaper holds fds 0-2 and its signalfd only (no memfd, no pipe of the supervisor)" \
	"anon_inode:[signalfd]" \
	"$(for f in /proc/"${init:-0}"/fd/*; do case ${f##*/} in 0 | 1 | 2) ;; *) readlink "$f" ;; esac; done 2>&1)"
assert_eq "host, same user: /proc/<reaper>/environ -> refused (not dumpable)" "refused" \
	"$(env -i timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups -- cat "/proc/${init:-0}/environ" \
		>/dev/null 2>&1 && echo read || echo refused)"
assert_eq "the outer sandsh is not the reaper" "yes" \
	"$([ "$(readlink "/proc/${outer:-0}/exe")" != "$REAPER_EXE" ] && echo yes)"
# The supervisor, asleep in poll() 50 ms after the start, gave back the
# stack its start grew: nothing resident more than two pages below where
# it waits (/proc/PID/syscall's stack pointer).
sp=$(awk '$(NF - 1) ~ /^0x[0-9a-f]+$/ { print $(NF - 1) }' "/proc/${outer:-0}/syscall" 2>/dev/null)
stack=$(awk '/ \[stack\]$/ { split($1, a, "-"); print a[2]; f = 1 } f && /^Rss:/ { print $2; exit }' \
	"/proc/${outer:-0}/smaps" 2>/dev/null | tr '\n' ' ')
read -r hi rss <<<"$stack"
if [ -n "$sp" ] && [ -n "${hi:-}" ]; then
	live=$(((0x$hi - (sp & ~($(getconf PAGESIZE) - 1))) / 1024))
	assert_eq "the waiting supervisor's stack: only its live frames resident (+ 2 pages)" "yes" \
		"$([ "${rss:-99999}" -le $((live + 2 * PAGE_KB)) ] && echo yes || echo "no: $rss KiB resident, $live KiB above the stack pointer")"
else
	fail "the waiting supervisor's stack: only its live frames resident (+ 2 pages)" "no stack pointer ($(cat "/proc/${outer:-0}/syscall" 2>&1)) or [stack] line"
fi
wait_bg
assert_status "a session under the reaper ends with the command's status" 0

# --- inside --------------------------------------------------------------------
run_as sbuser1 -c "$IN_WAIT"'tr "\0" " " </proc/1/cmdline; echo; readlink /proc/1/exe; echo "exe rc=$?"'
assert_out "inside: PID 1 is sandsh-init; its exe is not the user's to read" "sandsh-init 
exe rc=1"

run_as sbuser1 -c "$IN_WAIT"'(env sleep 0.2 &); env sleep 1.2; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l'
assert_out "an orphan that ended is reaped by the reaper (no zombie)" "0"

run_as sbuser1 -c "$IN_WAIT"'exit 7'
assert_status "under the reaper: exit 7 -> 7" 7
run_as sbuser1 -c "$IN_WAIT"'kill -KILL $$'
assert_status "under the reaper: the command killed by SIGKILL -> 137" 137

# A signal sent to the session on purpose reaches the command through the
# reaper.
run_bg sbuser1 -c 'trap "echo got-TERM; exit 3" TERM; '"$IN_WAIT"'echo ready; env sleep 20 & wait'
outer=$(wait_for_session)
for i in $(seq 50); do
	grep -qx ready "$T_WORK/bg-out" 2>/dev/null && break
	sleep 0.1
done
kill -TERM "${outer:-0}"
wait_bg
assert_status "SIGTERM to sandsh: the reaper passes it on, the command's trap ends it (3)" 3
assert_out "SIGTERM to sandsh: the command saw it" "ready
got-TERM"

# The parent-death signal survives the exec: the supervisor's death ends
# the reaper, and with it the session.
run_bg sbuser1 -c "$IN_WAIT"'echo ready; env sleep 30'
outer=$(wait_for_session)
init=$(procs -c sandsh-init | head -n 1)
for i in $(seq 50); do
	grep -qx ready "$T_WORK/bg-out" 2>/dev/null && break
	sleep 0.1
done
assert_eq "before the kill: PID 1 runs the reaper" "$REAPER_EXE" "$(readlink "/proc/${init:-0}/exe" 2>&1)"
kill -KILL "${outer:-0}"
wait_bg
for i in $(seq 50); do
	[ -z "$(procs -c sandsh-init)$(procs -u 61001)" ] && break
	sleep 0.1
done
assert_eq "SIGKILL of sandsh: the reaper and the session die with it" "" "$(procs -c sandsh-init)$(procs -u 61001)"
