#!/bin/bash
# Builds the project's .debs for the Debian 12 guest of tests/vm-systemd.
# On Debian 12 itself that is packaging/build-deb.sh on the host. Elsewhere
# (Ubuntu 24.04, say) a package built on the host depends on the host's
# newer libc and does not install in the guest, so the packages are built
# in a Debian 12 build root instead: debootstrapped once (minbase plus the
# `deb` set of scripts/deps.sh) into
# /var/cache/sandsh-vm/debian12-build/<hash>/root, then entered for each
# build in private mount and PID namespaces with the working tree bound
# read-only and OUTDIR bound writable. Nothing is installed on the host,
# nothing outlives the build but the cached root (rm -rf it to free space).
# Usage: scripts/deb-for-debian12.sh OUTDIR        (root)
# Env: SANDSH_VM_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

me=deb-for-debian12
die() { echo "$me: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
[ $# = 1 ] || die "usage: $me OUTDIR"
mkdir -p "$1"
out=$(cd "$1" && pwd)

host=$(. /etc/os-release && echo "${ID:-}:${VERSION_CODENAME:-}")
if [ "$host" = debian:bookworm ]; then
	exec "$repo/packaging/build-deb.sh" "$out"
fi
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"

TOP=/var/cache/sandsh-vm/debian12-build
MIRROR=${SANDSH_VM_MIRROR:-http://deb.debian.org/debian}
# The `deb` set without the checkers (lintian, devscripts): only the build.
pkgs=$("$here/deps.sh" --list deb | tr ' ' '\n' | grep -v -x -e lintian -e devscripts | tr '\n' ' ')
hash=$( (cat "$0"; echo "$pkgs") | sha256sum | cut -c1-16)
broot=$TOP/$hash/root
mkdir -p "$TOP"
exec 9>"$TOP/.lock"
flock -w 1800 9 || die "timed out waiting for $TOP/.lock"
if [ ! -f "$TOP/$hash/ok" ]; then
	echo "$me: $host is not Debian 12: building a Debian 12 build root in $TOP/$hash (once)" >&2
	find "$TOP" -mindepth 1 -maxdepth 1 -type d -exec rm -rf --one-file-system {} +
	mkdir -p "$TOP/$hash"
	# shellcheck disable=SC2016
	if ! timeout 2400 unshare --mount --propagation private --pid --fork --kill-child -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
		ROOT="$broot" MIRROR="$MIRROR" PKGS="$pkgs" bash -euo pipefail -c '
		debootstrap --variant=minbase --merged-usr \
			--include="$(echo $PKGS | tr " " ,)" bookworm "$ROOT" "$MIRROR"
	' >"$TOP/$hash/build.log" 2>&1; then
		tail -n 30 "$TOP/$hash/build.log" >&2
		die "debootstrap of the build root failed (last 30 lines above)"
	fi
	touch "$TOP/$hash/ok"
fi

# One build: the tree read-only at /src, OUTDIR at /out, a fresh /tmp.
# shellcheck disable=SC2016
timeout 1800 unshare --mount --propagation private --pid --fork --kill-child -- \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
	B="$broot" SRC="$repo" OUT="$out" bash -euo pipefail -c '
	mkdir -p "$B/src" "$B/out"
	mount --bind -o ro "$SRC" "$B/src"
	mount --bind "$OUT" "$B/out"
	mount -t proc proc "$B/proc"
	mount -t tmpfs -o mode=1777 tmp "$B/tmp"
	exec chroot "$B" /usr/bin/env TMPDIR=/tmp /src/packaging/build-deb.sh /out
'
