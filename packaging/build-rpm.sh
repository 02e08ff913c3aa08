#!/bin/bash
# Builds the RPM packages from the working tree: a tarball of the tree
# (without .git and build output) as sandsh-VERSION.tar.gz, then
# `rpmbuild -bb` of packaging/rpm/sandsh.spec in a temporary _topdir, and
# copies the .rpm files to OUTDIR.
# Usage: packaging/build-rpm.sh [OUTDIR]     (default: build/pkg)
# Needs: scripts/deps.sh rpm (and the Debian build dependencies).
set -euo pipefail
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/build/pkg}
spec=$here/rpm/sandsh.spec

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
specversion=$(sed -n 's/^Version: *//p' "$spec")
if [ "$specversion" != "$version" ]; then
	echo "build-rpm: $spec is at $specversion but the Makefile's VERSION is $version" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/SOURCES"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude=./debian \
	--transform "s|^\.|sandsh-$version|" -czf "$tmp/SOURCES/sandsh-$version.tar.gz" .

# Everything rpmbuild writes (scratch scripts) stays in $tmp.
mkdir -p "$tmp/tmp"
defs=(--define "_topdir $tmp" --define "_tmppath $tmp/tmp")
# On Debian, rpm's own database is empty, so the BuildRequires (gcc, make,
# libconfig-devel, pam-devel, libseccomp-devel) cannot be satisfied through
# it: build with --nodeps, their Debian counterparts being installed instead
# (scripts/deps.sh deb), and keep rpm's database out of $HOME. On an RPM
# distribution, the BuildRequires are checked as usual.
if [ -e /etc/debian_version ]; then
	mkdir -p "$tmp/rpmdb"
	defs+=(--nodeps --define "_dbpath $tmp/rpmdb")
fi
rpmbuild -bb "${defs[@]}" "$spec" >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "build-rpm: rpmbuild failed (last 40 lines above)" >&2
	exit 1
}

mkdir -p "$out"
find "$tmp/RPMS" -name '*.rpm' -exec cp {} "$out"/ \;
cp "$tmp/build.log" "$out/sandsh-rpm-build.log"
find "$tmp/RPMS" -name '*.rpm' | sed 's|.*/|build-rpm: built |'
