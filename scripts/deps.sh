#!/bin/sh
# Installs the Debian packages a make target needs, only those missing.
# One place for every make target's packages (sets below).
# Usage: scripts/deps.sh SET...     SET: build check demo man deb rpm
set -eu

pkgs=""
for set in "$@"; do
	case "$set" in
	build) pkgs="$pkgs gcc make pkg-config libc6-dev libconfig-dev libpam0g-dev libseccomp-dev" ;;
	check) pkgs="$pkgs libcmocka-dev busybox-static util-linux strace clang" ;;
	demo) pkgs="$pkgs busybox-static util-linux" ;;
	man) pkgs="$pkgs man-db groff-base mandoc" ;;
	deb) pkgs="$pkgs build-essential dpkg-dev debhelper devscripts lintian fakeroot \
pkg-config libconfig-dev libpam0g-dev libseccomp-dev util-linux" ;;
	rpm) pkgs="$pkgs rpm gzip tar" ;;
	*) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
