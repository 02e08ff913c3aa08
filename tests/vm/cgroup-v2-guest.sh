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
# waitfor FILE VALUE: until FILE reads VALUE (15 s at most; TCG is slow).
waitfor() { i=0; while [ $i -lt 150 ] && [ "$(cat "$1" 2>/dev/null)" != "$2" ]; do sleep 0.1; i=$((i + 1)); done; }
as() { u=$1; shift; /usr/bin/setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; }

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
as 61001 $S -c 'exec sleep 2' &
sleep 1
waitfor $CG/user-61001/pids.current 2
leaf=$(ls -d $CG/user-61001/session-* 2>/dev/null)
check "the command is in its session leaf (PID 1 + command)" "$(wc -l <"$leaf/cgroup.procs")" "2"
wait

# Limits on the user level while a session lives.
as 61001 $S -c 'sleep 3' &
sleep 1
check "pids.max" "$(cat $CG/user-61001/pids.max)" "16"
check "cpu.max" "$(cat $CG/user-61001/cpu.max)" "50000 100000"
check "memory.max" "$(cat $CG/user-61001/memory.max)" "67108864"
check "controllers enabled for the user level" "$(cat $CG/cgroup.subtree_control)" "cpu memory pids"
check "user level owned by root" "$(stat -c %u:%a $CG/user-61001)" "0:755"
list=$($S --list | awk 'NR > 1 {print $2, $7}')
check "--list shows the session" "$list" "sbuser1 2/16"
wait

check "leaf and user cgroup removed after the session" "$(ls $CG | grep -c user-61001)" "0"

# A fork bomb stops at pids_max (16, PID 1 and the shell included); read
# from outside, since inside nothing more can fork.
# (busybox sh exits on a failed fork; in a subshell it does not)
B='i=0; while [ $i -lt 60 ]; do (sleep 20 &) 2>/dev/null; i=$((i+1)); done; exec sleep 20'
/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $S -c "$B" 2>/dev/null & bomb=$!
sleep 1
waitfor $CG/user-61001/pids.current 16
# The bomb's subshells come and go: the count sits at the limit or just below.
n=$(cat $CG/user-61001/pids.current)
[ "$n" -le 16 ] && [ "$n" -ge 14 ] && ok "fork bomb contained at pids_max ($n of 16)" || bad "fork bomb: $n processes (limit 16)"
# Linux 6.1 counts a refused fork in the forking (leaf) cgroup, newer
# kernels in the limiting one too: read both.
refused=$(cat $CG/user-61001/pids.events $CG/user-61001/session-*/pids.events | awk '$1 == "max" {n += $2} END {print n + 0}')
[ "$refused" -gt 0 ] && ok "fork bomb: $refused forks were refused" || bad "fork bomb: no fork was refused"
kill -TERM $bomb
wait
check "the bomb's session is gone after SIGTERM to sandsh" "$(ls $CG | grep -c user-61001)" "0"

# Two sessions of one user share the limit.
/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $S -c 'i=0; while [ $i -lt 10 ]; do sleep 20 & i=$((i+1)); done; wait' 2>/tmp/s1.err & s1=$!
sleep 1
waitfor $CG/user-61001/pids.current 12
/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $S -c "$B" 2>/tmp/s2.err & s2=$!
sleep 1
waitfor $CG/user-61001/pids.current 16
n=$(cat $CG/user-61001/pids.current)
[ "$n" -le 16 ] && [ "$n" -ge 14 ] && ok "two sessions together stop at the user's pids_max ($n of 16)" ||
	bad "two sessions: $n processes (limit 16)"
sizes=$(for l in $CG/user-61001/session-*; do cat $l/pids.current; done | sort -n | tr '\n' ' ')
case "$sizes" in
"2 12 " | "3 12 " | "4 12 ") ok "the second session got only what was left ($sizes)" ;;
*) bad "session sizes: $sizes (want at most 4 beside 12)" ;;
esac
# Should either have ended early: what it said (the bomb's refused forks
# are filtered out).
for s in s1 s2; do
	kill -0 "$(eval echo \$$s)" 2>/dev/null && continue
	wait "$(eval echo \$$s)"
	echo "# $s ended early with status $?: $(grep -v "can't fork" /tmp/$s.err | head -3)"
done
kill -TERM $s1 $s2 2>/dev/null
wait

# max_sessions = 2: the third concurrent session is refused.
/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $S -c 'sleep 3' & p1=$!
/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $S -c 'sleep 3' & p2=$!
sleep 1
err=$(as 61001 $S -c 'echo ran' 2>&1)
check "third session refused (status)" "$?" "1"
check "third session refused (message)" "$err" "sandsh: session refused: too many sessions (max_sessions 2)"
other=$(as 61002 $S -c 'echo other' 2>&1)
check "another user is not affected" "$other" "other"

# The outer process SIGKILLed: its sandbox dies with it, the leaf is
# collected by the user's next session.
kill -KILL $p1
sleep 1
procs=$(for l in $CG/user-61001/session-*; do wc -l <$l/cgroup.procs; done | sort -n | tr '\n' ' ')
check "the killed session's processes are gone, the other's live" "$procs" "0 2 "
wait $p2
leftover=$(ls $CG/user-61001 2>/dev/null | grep -c '^session-')
check "the killed session left its (empty) leaf" "$leftover" "1"
as 61001 $S -c true
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
as 61001 $S -c 'sleep 20'
check "timeout ends the session with 143" "$?" "143"

check "nothing left under the cgroup parent" "$(find $CG -mindepth 1 -type d | wc -l)" "0"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
