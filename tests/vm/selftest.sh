#!/bin/bash
# Self-test of the VM runner: boots the VM once with host binaries (setpriv,
# id), a freshly compiled setuid-root probe, the overlay module and a small
# virtio disk, and runs tests/vm/selftest-guest.sh inside.
# Usage: tests/vm/selftest.sh [OUTDIR]     (as root; scripts/deps-vm.sh first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}/sandsh-vm-selftest}
[ "$(id -u)" = 0 ] || { echo "selftest.sh: run as root (setuid probe must be root-owned)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-vm-st.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)

cat >"$tmp/euid.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid()); return 0; }
EOF
gcc -O2 -o "$tmp/euid" "$tmp/euid.c"
printf 'sandsh-vm-disk' >"$tmp/disk.img"
truncate -s 1M "$tmp/disk.img"

set +e
"$here/run-vm.sh" --out "$out" --timeout 90 --mem 512M \
	--file /usr/bin/setpriv:/usr/bin/setpriv \
	--file /usr/bin/id:/usr/bin/id \
	--file "$tmp/euid:/opt/t/euid:4755" \
	--module overlay --disk "$tmp/disk.img" \
	-- "$here/selftest-guest.sh"
rc=$?
set -e
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "selftest.sh: total %.1fs\n", b-a}'
if [ $rc = 0 ]; then
	echo "selftest.sh: OK"
else
	echo "selftest.sh: FAILED (status $rc; console in $out/console.log)"
fi
exit $rc
