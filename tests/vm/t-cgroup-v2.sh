#!/bin/bash
# cgroup v2 for real: boots Debian's kernel under qemu with sandsh, a
# busybox rootfs and cgroup-v2-guest.sh, and reports the guest's results.
# Usage: tests/vm/t-cgroup-v2.sh BUILD_DIR       (root; make check runs it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
[ "$(id -u)" = 0 ] || { echo "cgroup v2 VM test SKIPPED: needs root"; exit 0; }
"$top/scripts/deps-vm.sh"

tmp=$(mktemp -d /run/sandsh-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$top/scripts/mkrootfs-busybox.sh" "$tmp/rootfs" >/dev/null
"$here/run-vm.sh" --out "$build/vm-cgroup-v2" --timeout 300 --mem 512M \
	--file "$build/sandsh:/opt/sandsh/sbin/sandsh:4755" \
	--file "$tmp/rootfs:/srv/rootfs" \
	--file /usr/bin/setpriv:/usr/bin/setpriv \
	-- "$here/cgroup-v2-guest.sh"
