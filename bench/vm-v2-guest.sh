#!/bin/sh
# Inside the cgroup v2 VM (bench/vm-v2.sh), as root, busybox sh: sandsh
# against bubblewrap, start->exit latency of /bin/sh -c true (interleaved,
# bench/lat.c) and the PSS of one idle session.
S=/opt/sandsh/sbin/sandsh
RUNS=$(cat /opt/bench/runs)
chmod 755 / /srv /opt /opt/sandsh /opt/sandsh/sbin /etc
echo 'sbbench:x:61501:61501:bench:/tmp:/bin/sh' >>/etc/passwd
printf 'root:x:0:\nsbbench:x:61501:\n' >/etc/group
mkdir -p /etc/sandsh && chmod 755 /etc/sandsh
# The same policy as the host bench: defaults (pids, cpu_max 100%...).
cat >/etc/sandsh/sandsh.conf <<'POLICY'
version = 1;
defaults = {
  rootfs = "/srv/rootfs";
  hostname = "bench";
  pids_max = 1056;
};
POLICY
chmod 644 /etc/sandsh/sandsh.conf
# bubblewrap without setuid needs unprivileged user namespaces.
[ -w /proc/sys/kernel/unprivileged_userns_clone ] && echo 1 >/proc/sys/kernel/unprivileged_userns_clone
echo "# kernel $(uname -r), $(awk '$3 ~ /^cgroup/ {print $3}' /proc/mounts | sort -u | tr '\n' ' ')$(nproc) cpus"
$S --check >/dev/null || { echo "FAIL: policy"; exit 1; }
/usr/bin/setpriv --reuid=61501 --regid=61501 --init-groups -- $S -c 'true' || { echo "FAIL: sandsh session"; exit 1; }
T=$(printf '\t')
cat >/tmp/spec <<SPEC
sandsh${T}sbbench${T}$S${T}-c${T}true
bwrap${T}sbbench${T}/usr/bin/bwrap${T}--unshare-uts${T}--unshare-pid${T}--unshare-ipc${T}--hostname${T}bench${T}--ro-bind${T}/srv/rootfs${T}/${T}--proc${T}/proc${T}--dev${T}/dev${T}--tmpfs${T}/tmp${T}/bin/sh${T}-c${T}true
SPEC
mkdir -p /tmp/logs
/opt/bench/lat 10 "$RUNS" /tmp/spec /tmp/lat.txt /tmp/logs || { echo "FAIL: lat"; exit 1; }
med() { awk -v t="$1" '$1 == t && $4 == 0 { print $3 }' /tmp/lat.txt | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] + 0, NR }'; }
read -r s sn <<MED
$(med sandsh)
MED
read -r b bn <<MED
$(med bwrap)
MED
echo "latency, /bin/sh -c true, $RUNS interleaved rounds (median ms, ok runs):"
awk -v s="$s" -v b="$b" -v sn="$sn" -v bn="$bn" 'BEGIN {
	printf "  sandsh %8.3f (%d)\n  bwrap  %8.3f (%d)\n  sandsh/bwrap %.2f\n", s / 1e6, sn, b / 1e6, bn, (b > 0 ? s / b : 0) }'
for t in sandsh bwrap; do [ -s /tmp/logs/$t.err ] && echo "  $t stderr: $(head -n 1 /tmp/logs/$t.err)"; done

# PSS (KiB) of one idle session: the launcher's own processes.
pss_of() { # pss_of COMM...: summed Pss of every process named COMM
	t=0
	for d in /proc/[0-9]*; do
		c=$(cat "$d/comm" 2>/dev/null) || continue
		for want in "$@"; do
			if [ "$c" = "$want" ]; then
				v=$(awk '/^Pss:/ { print $2 }' "$d/smaps_rollup" 2>/dev/null)
				t=$((t + ${v:-0}))
			fi
		done
	done
	echo $t
}
/usr/bin/setpriv --reuid=61501 --regid=61501 --init-groups -- $S -c 'sleep 8' </dev/null >/dev/null 2>&1 &
sleep 4
sp=$(pss_of sandsh sandsh-init)
wait
/usr/bin/setpriv --reuid=61501 --regid=61501 --init-groups -- /usr/bin/bwrap --unshare-uts --unshare-pid --unshare-ipc \
	--hostname bench --ro-bind /srv/rootfs / --proc /proc --dev /dev --tmpfs /tmp /bin/sh -c 'sleep 8' </dev/null >/dev/null 2>&1 &
sleep 4
bp=$(pss_of bwrap)
wait
echo "PSS of one idle session (KiB): sandsh $sp (outer + sandsh-init), bwrap $bp (all bwrap processes)"
echo "done"
