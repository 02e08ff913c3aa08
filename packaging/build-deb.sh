#!/bin/bash
# Builds the Debian binary packages from the working tree:
# copies the tree (without .git and build output) to a temporary directory,
# adds packaging/debian as debian/, runs `dpkg-buildpackage -us -uc -b` there
# and copies the .deb files (and the .changes, for lintian) to OUTDIR.
# Usage: packaging/build-deb.sh [OUTDIR]     (default: build/pkg)
# Needs: scripts/deps.sh deb.
set -euo pipefail
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/build/pkg}

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
debversion=$(dpkg-parsechangelog -l "$here/debian/changelog" -SVersion)
if [ "${debversion%-*}" != "$version" ]; then
	echo "build-deb: packaging/debian/changelog is at $debversion but the Makefile's VERSION is $version;" >&2
	echo "build-deb: add a changelog entry (dch -v $version-1) first" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/sandsh-$version
mkdir -p "$src"
# The working tree as it is (committed or not), minus VCS data and any
# build output, so the package is built from scratch.
tar -C "$repo" --exclude=./.git --exclude=./build --exclude=./debian -cf - . | tar -C "$src" -xf -
rm -rf "$src/debian"
cp -a "$here/debian" "$src/debian"

(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (last 40 lines above)" >&2
	exit 1
}

mkdir -p "$out"
cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out"/
cp "$tmp/build.log" "$out/sandsh-deb-build.log"
ls "$tmp"/*.deb | sed 's|.*/|build-deb: built |'
