# shellcheck shell=bash
# `make bench-systemd`: the field's path. A case for the systemd guest
# runner (tests/vm-systemd/run.sh): Debian 12, systemd as PID 1 on pure
# cgroup v2, the project's .debs installed with dpkg. sandsh places each
# session in a transient scope of the user's slice through sd-bus; this
# times it start->exit against bubblewrap in the same guest (bench/lat.c,
# interleaved rounds of /bin/sh -c true as the user vmshell), and the PSS
# of one idle session. qemu runs under TCG here (no usable KVM), so only
# the ratio counts, not the milliseconds.
# repo, IMG, SCP_OPTS: the runner's; the PSS loop runs in the guest:
# shellcheck disable=SC2154,SC2016

# The shipped default for the user's slice (the test policy stops it at
# once, tests/vm-systemd/run.sh): back-to-back sessions find it running.
slice_linger default
BENCH_RUNS=${BENCH_SYSTEMD_RUNS:-60}
bdir=$(mktemp -d)
if ! cc -O2 -Wall -Werror -D_GNU_SOURCE -o "$bdir/lat" "$repo/bench/lat.c" ||
	! env -u SSH_AUTH_SOCK scp -q "${SCP_OPTS[@]}" -i "$IMG/id_root" "$bdir/lat" /usr/bin/bwrap \
		root@127.0.0.1:/root/vmt/; then
	fail "bench: lat and bwrap are copied into the guest"
	rm -rf "$bdir"
	return 0
fi
rm -rf "$bdir"
pass "bench: lat and the host's bwrap ($(bwrap --version)) are copied into the guest"

T=$'\t'
spec="sandsh${T}vmshell${T}/usr/sbin/sandsh${T}-c${T}true
bwrap${T}vmshell${T}/usr/local/bin/bwrap${T}--unshare-uts${T}--unshare-pid${T}--unshare-ipc${T}--hostname${T}bench${T}--ro-bind${T}/srv/sandsh/rootfs${T}/${T}--proc${T}/proc${T}--dev${T}/dev${T}--tmpfs${T}/tmp${T}/bin/sh${T}-c${T}true"
# lat runs as root and drops to vmshell for each run; bwrap without setuid
# needs unprivileged user namespaces (Debian 12's default).
out=$(G_T=1800 G "set -e; install -m 0755 /root/vmt/bwrap /usr/local/bin/bwrap; printf '%s\n' '$spec' >/root/vmt/spec
	rm -rf /root/vmt/logs; mkdir -p /root/vmt/logs
	/root/vmt/lat 5 $BENCH_RUNS /root/vmt/spec /root/vmt/lat.txt /root/vmt/logs
	med() { awk -v t=\"\$1\" '\$1 == t && \$4 == 0 { print \$3 }' /root/vmt/lat.txt | sort -n |
		awk '{ v[NR] = \$1 } END { printf \"%.3f %d\", v[int((NR + 1) / 2)] / 1e6, NR }'; }
	echo \"sandsh \$(med sandsh) bwrap \$(med bwrap)\"
	for t in sandsh bwrap; do [ -s /root/vmt/logs/\$t.err ] && echo \"# \$t stderr: \$(head -n 1 /root/vmt/logs/\$t.err)\"; done; true" 2>&1)
st=$?
printf '%s\n' "$out" | grep '^#' || true
read -r _ s sn _ b bn <<<"$(printf '%s\n' "$out" | grep '^sandsh ')"
if [ $st -ne 0 ] || [ "${sn:-0}" -lt "$BENCH_RUNS" ] || [ "${bn:-0}" -lt "$BENCH_RUNS" ]; then
	fail "bench: every run of both tools succeeds ($BENCH_RUNS rounds)" "status $st" "$out"
else
	pass "bench: every run of both tools succeeds ($BENCH_RUNS rounds)"
	echo "# latency, /bin/sh -c true as vmshell, $BENCH_RUNS interleaved rounds, median ms:"
	awk -v s="$s" -v b="$b" 'BEGIN { printf "#   sandsh %.3f  bwrap %.3f  sandsh/bwrap %.2f\n", s, b, s / b }'
fi

# PSS (KiB) of one idle session: every process of the launcher.
pss='t=0; for d in /proc/[0-9]*; do c=$(cat $d/comm 2>/dev/null) || continue; case " $* " in *" $c "*) v=$(awk "/^Pss:/ { print \$2 }" $d/smaps_rollup 2>/dev/null); t=$((t + ${v:-0}));; esac; done; echo $t'
# One idle session alone: the latency runs' slice stopper (a root sandsh
# process, slice_linger) has gone first; its own PSS is printed apart.
out=$(G "for i in \$(seq 100); do p=\$(pgrep -x sandsh) || break; [ \$i = 1 ] && echo \"stopper \$(sh -c '$pss' pss sandsh)\"; sleep 0.5; done
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c 'sleep 6' </dev/null >/dev/null 2>&1 &
	sleep 4; sh -c '$pss' pss sandsh sandsh-init; wait
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/local/bin/bwrap --unshare-uts --unshare-pid --unshare-ipc \
		--hostname bench --ro-bind /srv/sandsh/rootfs / --proc /proc --dev /dev --tmpfs /tmp /bin/sh -c 'sleep 6' </dev/null >/dev/null 2>&1 &
	sleep 4; sh -c '$pss' pss bwrap; wait" 2>&1)
stopper=$(printf '%s\n' "$out" | sed -n 's/^stopper //p')
read -r sp bp <<<"$(printf '%s\n' "$out" | grep -v '^stopper ' | tr '\n' ' ')"
assert_match "bench: PSS of one idle session is measured for both" '^[1-9][0-9]* [1-9][0-9]*$' "$sp $bp"
echo "# PSS of one idle session (KiB): sandsh $sp (outer + sandsh-init), bwrap $bp (all bwrap processes)"
[ -n "$stopper" ] && echo "# PSS of the user's slice stopper while it waited (KiB): $stopper"
true
