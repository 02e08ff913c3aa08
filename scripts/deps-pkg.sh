#!/bin/sh
# Installs the Debian packages the packaging targets need, only those missing.
# Usage: scripts/deps-pkg.sh man|deb|rpm ...
#   man  man-page linters (mandoc -Tlint; man --warnings uses groff-base)
#   deb  dpkg-buildpackage -b, debhelper (dh, compat 13), lintian
#   rpm  rpmbuild and rpm from Debian's rpm package
set -eu

pkgs=""
for set in "$@"; do
	case "$set" in
	man) pkgs="$pkgs man-db groff-base mandoc" ;;
	deb) pkgs="$pkgs build-essential dpkg-dev debhelper devscripts lintian fakeroot \
pkg-config libconfig-dev libpam0g-dev libseccomp-dev util-linux" ;;
	rpm) pkgs="$pkgs rpm gzip tar" ;;
	*) echo "deps-pkg.sh: unknown set '$set'" >&2; exit 2 ;;
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
	echo "deps-pkg.sh: missing Debian packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps-pkg.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
