#!/bin/sh
# Runs inside the cgroup v2 VM as root (busybox sh): sandsh's per-user
# cgroup on a pure v2 kernel, through the setuid binary, as real users.
# Prints one line per check and ends with "N passed, N failed".
S=/opt/sandsh/sbin/sandsh
CG=/sys/fs/cgroup/sandsh
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$2]"; fi; }
# Every wait is for a condition, bounded generously (the host may be loaded,
# qemu may be emulating): never a count read at an instant.
# until_ok SECS CMD...: runs CMD every 0.1 s until it succeeds; 1 if SECS pass.
until_ok() {
	_n=$(($1 * 10)) _i=0
	shift
	while ! "$@" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -ge $_n ] && return 1
		sleep 0.1
	done
}
W=60
num() { v=$(cat "$1" 2>/dev/null) && [ -n "$v" ] && echo "$v" || echo 0; }
# at_least FILE N: FILE holds a number >= N.
at_least() { [ "$(num "$1")" -ge "$2" ]; }
# leaf_procs N: some session leaf of sbuser1 holds at least N processes.
leaf_procs() {
	for l in $CG/user-61001/session-*; do
		[ "$(wc -l <"$l/cgroup.procs")" -ge "$1" ] && return 0
	done
	return 1
}
# sessions_listed N: sandsh --list shows N sessions of sbuser1.
sessions_listed() { [ "$($S --list | awk 'NR > 1 && $2 == "sbuser1"' | wc -l)" = "$1" ]; }
user_gone() { ! ls $CG | grep -q '^user-61001$'; }
# leaf_sizes: the process counts of sbuser1's session leaves, sorted.
leaf_sizes() { for l in $CG/user-61001/session-*; do wc -l <"$l/cgroup.procs"; done | sort -n | tr '\n' ' '; }
sizes_are() { [ "$(leaf_sizes)" = "$1" ]; }
as() { u=$1; shift; /usr/bin/setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; }
# For sessions in the background: $! is then sandsh itself (setpriv execs it),
# not a subshell running a function.
AS1="/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups --"

# sandsh refuses paths with group/other-writable parents; the VM's / is a tmpfs.
chmod 755 / /srv /opt /opt/sandsh /opt/sandsh/sbin /etc
echo 'sbuser1:x:61001:61001:one:/tmp:/bin/sh' >>/etc/passwd
echo 'sbuser2:x:61002:61002:two:/tmp:/bin/sh' >>/etc/passwd
printf 'root:x:0:\nsbuser1:x:61001:\nsbuser2:x:61002:\n' >/etc/group
mkdir -p /etc/sandsh && chmod 755 /etc/sandsh
cat >/etc/sandsh/sandsh.conf <<'POLICY'
version = 1;
defaults = {
  rootfs = "/srv/rootfs";
  hostname = "v2-%u";
  pids_max = 16;
  cpu_max = "50%";
  memory_max = "64M";
  max_sessions = 2;
};
POLICY
chmod 644 /etc/sandsh/sandsh.conf

check "hierarchy is cgroup v2 only" "$(awk '$3 ~ /^cgroup/ {print $3}' /proc/mounts | sort -u | tr '\n' ' ')" "cgroup2 "

out=$(as 61001 $S -c 'hostname; cat /proc/self/cgroup' 2>&1)
check "session runs on v2" "$(echo "$out" | head -1)" "v2-sbuser1"
check "the session's cgroup namespace hides host paths" "$(echo "$out" | tail -1)" "0::/"

# A session that lives until it is ended (never a sleep that may run out).
$AS1 $S -c 'exec sleep 300' & p=$!
until_ok $W leaf_procs 2
leaf=$(ls -d $CG/user-61001/session-* 2>/dev/null)
check "the command is in its session leaf (PID 1 + command)" "$(wc -l <"$leaf/cgroup.procs")" "2"
# Limits on the user level while a session lives.
check "pids.max" "$(cat $CG/user-61001/pids.max)" "16"
check "cpu.max" "$(cat $CG/user-61001/cpu.max)" "50000 100000"
check "memory.max" "$(cat $CG/user-61001/memory.max)" "67108864"
check "controllers enabled for the user level" "$(cat $CG/cgroup.subtree_control)" "cpu memory pids"
check "user level owned by root" "$(stat -c %u:%a $CG/user-61001)" "0:755"
until_ok $W sessions_listed 1
list=$($S --list | awk 'NR > 1 {print $2, $7}')
check "--list shows the session" "$list" "sbuser1 2/16"
kill -TERM $p
wait $p
check "SIGTERM to sandsh ends the session (143)" "$?" "143"
until_ok $W user_gone
check "leaf and user cgroup removed after the session" "$(ls $CG | grep -c user-61001)" "0"

# A fork bomb stops at pids_max (16, PID 1 and the shell included); read
# from outside, since inside nothing more can fork. Its sleeps never end by
# themselves, so once the loop is over (the shell exec'd sleep: no shell
# left in the leaf) nothing forks or exits any more and the counts hold
# still. The user is then at the limit, or one below it: the last refused
# fork may have been a subshell's sleep, and that subshell then exited.
# (busybox sh exits on a failed fork; in a subshell it does not)
B='i=0; while [ $i -lt 60 ]; do (sleep 300 &) 2>/dev/null; i=$((i+1)); done; exec sleep 300'
# Linux 6.1 counts a refused fork in the forking (leaf) cgroup, newer
# kernels in the limiting one too: read both.
refused() { cat $CG/user-61001/pids.events $CG/user-61001/session-*/pids.events 2>/dev/null | awk '$1 == "max" {n += $2} END {print n + 0}'; }
refused_some() { [ "$(refused)" -gt 0 ]; }
# settled LEAF: no shell is left in LEAF.
settled() {
	for p in $(cat "$1/cgroup.procs"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = sh ] && return 1
	done
	return 0
}
$AS1 $S -c "$B" 2>/dev/null & bomb=$!
until_ok $W refused_some
r=$(refused)
[ "$r" -gt 0 ] && ok "fork bomb: $r forks were refused" || bad "fork bomb: no fork was refused"
leaf=$(ls -d $CG/user-61001/session-* 2>/dev/null)
until_ok $W settled "$leaf"
n=$(num $CG/user-61001/pids.current)
[ "$n" -le 16 ] && [ "$n" -ge 15 ] && ok "fork bomb contained at pids_max ($n of 16)" || bad "fork bomb: $n processes (limit 16)"
kill -TERM $bomb
wait
until_ok $W user_gone
check "the bomb's session is gone after SIGTERM to sandsh" "$(ls $CG | grep -c user-61001)" "0"

# Two sessions of one user share the limit: the first holds 12 (PID 1,
# its shell, 10 sleeps), the bomb in the second gets only the 4 left.
$AS1 $S -c 'i=0; while [ $i -lt 10 ]; do sleep 300 & i=$((i+1)); done; wait' 2>/tmp/s1.err & s1=$!
until_ok $W leaf_procs 12
leaf1=$(ls -d $CG/user-61001/session-* 2>/dev/null)
$AS1 $S -c "$B" 2>/tmp/s2.err & s2=$!
other_leaf() { leaf2=$(ls -d $CG/user-61001/session-* | grep -v -x -F "$leaf1") && [ -n "$leaf2" ]; }
until_ok $W other_leaf
until_ok $W refused_some
until_ok $W settled "$leaf2"
n=$(num $CG/user-61001/pids.current)
[ "$n" -le 16 ] && [ "$n" -ge 15 ] && ok "two sessions together stop at the user's pids_max ($n of 16)" ||
	bad "two sessions: $n processes (limit 16)"
n1=$(wc -l <"$leaf1/cgroup.procs") n2=$(wc -l <"$leaf2/cgroup.procs")
[ "$n1" = 12 ] && [ "$n2" -le 4 ] && [ "$n2" -ge 3 ] &&
	ok "the second session got only what was left ($n2 beside $n1)" ||
	bad "session sizes: $n2 beside $n1 (want 3 or 4 beside 12)"
# Should either have ended early: what it said (the bomb's refused forks
# are filtered out).
for s in s1 s2; do
	kill -0 "$(eval echo \$$s)" 2>/dev/null && continue
	wait "$(eval echo \$$s)"
	echo "# $s ended early with status $?: $(grep -v "can't fork" /tmp/$s.err | head -3)"
done
kill -TERM $s1 $s2 2>/dev/null
wait
until_ok $W user_gone

# max_sessions = 2: the third concurrent session is refused.
$AS1 $S -c 'exec sleep 300' & p1=$!
$AS1 $S -c 'exec sleep 300' & p2=$!
until_ok $W sessions_listed 2
err=$(as 61001 $S -c 'echo ran' 2>&1)
check "third session refused (status)" "$?" "1"
check "third session refused (message)" "$err" "sandsh: session refused: too many sessions (max_sessions 2)"
other=$(as 61002 $S -c 'echo other' 2>&1)
check "another user is not affected" "$other" "other"

# The outer process SIGKILLed: its sandbox dies with it, the leaf is
# collected by the user's next session.
until_ok $W sizes_are "2 2 "
kill -KILL $p1
until_ok $W sizes_are "0 2 "
check "the killed session's processes are gone, the other's live" "$(leaf_sizes)" "0 2 "
kill -TERM $p2
wait $p2
wait
one_leaf() { [ "$(ls $CG/user-61001 2>/dev/null | grep -c '^session-')" = 1 ]; }
until_ok $W one_leaf
leftover=$(ls $CG/user-61001 2>/dev/null | grep -c '^session-')
check "the killed session left its (empty) leaf" "$leftover" "1"
as 61001 $S -c true
until_ok $W user_gone
check "next session collected the leftover" "$(ls $CG | grep -c user-61001)" "0"

# memory_max holds: 100M into a tmpfs under a 64M limit is OOM-killed.
as 61001 $S -c 'exec dd if=/dev/zero of=/tmp/fill bs=1M count=100' >/dev/null 2>&1
st=$?
[ $st = 137 ] && ok "memory_max: the writer was OOM-killed (137)" || bad "memory_max: status $st"

# timeout: SIGTERM, exit 143.
cat >/etc/sandsh/sandsh.conf <<'POLICY'
version = 1;
defaults = { rootfs = "/srv/rootfs"; timeout = 1; };
POLICY
as 61001 $S -c 'sleep 300'
check "timeout ends the session with 143" "$?" "143"

nothing_left() { [ "$(find $CG -mindepth 1 -type d | wc -l)" = 0 ]; }
until_ok $W nothing_left
check "nothing left under the cgroup parent" "$(find $CG -mindepth 1 -type d | wc -l)" "0"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
