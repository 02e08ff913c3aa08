#!/bin/sh
# Runs inside the VM (as /test.sh) for tests/vm/selftest.sh: proves pure cgroup
# v2 with pids/memory/cpu, a working pids.max, dynamic binaries, uid switching,
# setuid-root, pivot_root, a kernel module and the extra disk.
# Exits with the number of failed checks.
# shellcheck disable=SC2015,SC2016  # ok/ko always succeed; $$ is meant for the inner shell
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi
}

echo "# cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "# /proc/self/cgroup: $(cat /proc/self/cgroup)"
echo "# uname -r: $(uname -r)"
echo "# hostname: $(hostname)"

check "cgroup2 at /sys/fs/cgroup" cgroup2 "$(awk '$2 == "/sys/fs/cgroup" {print $3}' /proc/mounts)"
check "pure v2 (/proc/self/cgroup)" "0::/" "$(cat /proc/self/cgroup)"
check "no v1 hierarchies" 0 "$(grep -c ' cgroup ' /proc/mounts)"
for c in pids memory cpu; do
	case " $(cat /sys/fs/cgroup/cgroup.subtree_control) " in
	*" $c "*) ok "controller $c enabled at the root" ;;
	*) ko "controller $c not in subtree_control" ;;
	esac
done

# pids.max=5: the shell plus four children fit, the sixth process cannot fork.
cg=/sys/fs/cgroup/t
mkdir "$cg" && echo 5 >"$cg/pids.max" && ok "created $cg, pids.max=5" || ko "create $cg"
sh -c '
	echo $$ >'"$cg"'/cgroup.procs || exit 99
	i=0
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		sleep 60 </dev/null >/dev/null 2>&1 &   # must not hold the pipe open
		read -r cur <'"$cg"'/pids.current   # a builtin: no fork
		echo "  fork $i ok, pids.current=$cur"
	done
' 2>&1 | sed 's/^/  /' >/tmp/forks.txt
cat /tmp/forks.txt
check "4 forks succeed under pids.max=5" 4 "$(grep -c 'fork .* ok' /tmp/forks.txt)"
grep -q "can't fork" /tmp/forks.txt && ok "the 6th process fails to fork" || ko "no fork failure seen"
events=$(cat "$cg/pids.events")
echo "# pids.events: $events"
case "$events" in "max 0" | "") ko "pids.events max not counted" ;; *) ok "pids.events counts the refusal" ;; esac
echo 1 >"$cg/cgroup.kill"
# cgroup.procs can read empty while killed tasks are still exiting (rmdir then
# says EBUSY): wait for "populated 0" and retry, bounded.
n=0
until grep -q '^populated 0' "$cg/cgroup.events" && rmdir "$cg" 2>/dev/null; do
	[ $n -lt 50 ] || break
	sleep 0.1
	n=$((n + 1))
done
[ ! -d "$cg" ] && ok "cgroup removed (after $n retries)" || ko "rmdir $cg"

# memory and cpu limits can be written
mkdir "$cg"
echo 64M >"$cg/memory.max" && echo "50000 100000" >"$cg/cpu.max" &&
	ok "memory.max and cpu.max writable" || ko "memory.max/cpu.max"
rmdir "$cg"

# dynamically linked host binaries, uid switch
check "host setpriv + id as uid 1000" "uid=1000(vmuser) gid=1000(vmuser) groups=1000(vmuser)" \
	"$(/usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups /usr/bin/id 2>&1)"
head -c 4 /usr/bin/id | grep -q ELF && ! /bin/busybox cmp -s /usr/bin/id /bin/busybox &&
	ok "/usr/bin/id is the host's dynamic binary" || ko "/usr/bin/id is not the host binary"

# setuid root, run by a non-root user
echo "# euid probe: $(ls -l /opt/t/euid)"
check "setuid-root binary gets euid 0 as uid 1000" "uid=1000 euid=0" \
	"$(/usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups /opt/t/euid 2>&1)"
check "no_new_privs blocks it" "uid=1000 euid=1000" \
	"$(/usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --no-new-privs /opt/t/euid 2>&1)"

# pivot_root works from the VM's root (it would fail on the initramfs rootfs)
r=$(unshare -m sh -c 'mount --make-rprivate / && mkdir -p /tmp/nr && mount -t tmpfs nr /tmp/nr &&
	mkdir /tmp/nr/old && pivot_root /tmp/nr /tmp/nr/old && echo pivoted' 2>&1)
check "pivot_root in a new mount namespace" pivoted "$r"

# namespaces sandsh uses
r=$(unshare -p -f -m -u -i -n --mount-proc sh -c 'hostname inner && echo "$$ $(hostname)"' 2>&1)
check "pid/mnt/uts/ipc/net namespaces" "1 inner" "$r"

# a kernel module (--module overlay) and the virtio disk (--disk)
mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && echo lower >/tmp/o/l/f
mount -t overlay -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w ov /tmp/o/m 2>/dev/null &&
	check "overlay module loaded and mounts" lower "$(cat /tmp/o/m/f)" || ko "overlay mount"
umount /tmp/o/m 2>/dev/null
check "virtio disk /dev/vda" "sandsh-vm-disk" "$(head -c 14 /dev/vda 2>&1)"

echo "$pass passed, $fail failed"
exit "$fail"
