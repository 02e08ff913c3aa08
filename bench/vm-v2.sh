#!/bin/bash
# The latency and memory sections of the benchmark on cgroup v2 (issue 15):
# Debian's cloud kernel booted under qemu with a busybox initramfs
# (tests/vm/run-vm.sh), sandsh (setuid) against bubblewrap (user
# namespaces) in the same VM, the same rootfs, the same user, interleaved.
# Usage: bench/vm-v2.sh [BUILD_DIR]           (root; `make bench-v2`)
# Prints the guest's table; BENCH_V2_RUNS (default 100) counted rounds.
# Nothing on the host changes: the VM is a child process, its files live
# in a temporary directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/vm-v2.sh: must run as root" >&2; exit 1; }
"$top/scripts/deps-vm.sh"
command -v bwrap >/dev/null || { echo "bench/vm-v2.sh: bwrap not found (scripts/deps.sh bench)" >&2; exit 1; }

tmp=$(mktemp -d /run/sandsh-bench-v2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$top/scripts/mkrootfs-busybox.sh" "$tmp/rootfs" >/dev/null
cc -O2 -Wall -Werror -D_GNU_SOURCE -o "$tmp/lat" "$here/lat.c"
runs=${BENCH_V2_RUNS:-100}
case $runs in '' | *[!0-9]*) echo "bench/vm-v2.sh: BENCH_V2_RUNS wants a number" >&2; exit 1 ;; esac
echo "$runs" >"$tmp/runs"
out=$build/bench-v2
"$top/tests/vm/run-vm.sh" --out "$out" --timeout 900 --mem 1024M \
	--file "$build/sandsh:/opt/sandsh/sbin/sandsh:4755" \
	--file "$tmp/rootfs:/srv/rootfs" \
	--file /usr/bin/setpriv:/usr/bin/setpriv \
	--file "$(command -v bwrap):/usr/bin/bwrap" \
	--file "$tmp/lat:/opt/bench/lat" \
	--file "$tmp/runs:/opt/bench/runs" \
	-- "$here/vm-v2-guest.sh"
rc=$?
cat "$out/output.log"
exit $rc
