#!/bin/sh
# Installs what tests/vm/run-vm.sh needs, only what is missing: the Debian
# packages of the `vm` set of scripts/deps.sh (qemu, busybox-static, cpio,
# gzip, kmod, gcc for the self-test's setuid probe), and Debian's cloud
# kernel.
#
# The kernel is NOT installed: it is fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` into a cache, /var/cache/sandsh-vm/kernel/
# (boot/vmlinuz-*, lib/modules/*, and modules.dep made by depmod there), where
# run-vm.sh finds it. Nothing goes to /boot, no /vmlinuz link, no initramfs,
# no boot-loader hook runs; dpkg does not know about it. To remove it:
# rm -rf /var/cache/sandsh-vm/kernel. The cloud flavour has serial console,
# devtmpfs, initramfs, tmpfs, cgroup2 pids/memory/cpu and all namespaces
# built in, so the VM needs no module for the default set-up.
# Usage: scripts/deps-vm.sh        (as root; idempotent; quiet when nothing to do)
#   --refresh   fetch the newest kernel even if one is cached
set -eu

CACHE=/var/cache/sandsh-vm/kernel
KMETA=linux-image-cloud-amd64
here=$(cd "$(dirname "$0")" && pwd)
me=deps-vm.sh

refresh=0
case "${1:-}" in
--refresh) refresh=1 ;;
"") ;;
*) echo "usage: scripts/deps-vm.sh [--refresh]" >&2; exit 2 ;;
esac

kernel_cached() {
	for k in "$CACHE"/boot/vmlinuz-*; do
		[ -r "$k" ] && return 0
	done
	return 1
}

# The packages: one place names them (scripts/deps.sh).
"$here/deps.sh" vm

[ $refresh = 0 ] && kernel_cached && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "$me: no kernel in $CACHE (run as root: scripts/deps-vm.sh)" >&2
	exit 1
fi

# run LOG CMD...: runs CMD with its output in LOG; shows LOG if it fails.
run() {
	log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "$me: failed: $*" >&2
		cat "$log" >&2
		return 1
	fi
}

parent=$(dirname "$CACHE")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Bounded: a stuck mirror must not hang CI forever.
run "$tmp/update.log" timeout 300 apt-get update
# Ubuntu has no cloud flavour: its virtual flavour (the generic kernel,
# with serial console, devtmpfs, cgroup2 and the namespaces built in, and
# its modules in a package of their own, fetched below).
apt-cache show "$KMETA" >/dev/null 2>&1 || KMETA=linux-image-virtual
kpkg=$(apt-cache depends "$KMETA" 2>"$tmp/depends.log" | awk '/Depends: linux-image-/ {print $2; exit}') || true
if [ -z "$kpkg" ]; then
	echo "$me: cannot resolve $KMETA to a kernel package:" >&2
	cat "$tmp/depends.log" >&2
	exit 1
fi
echo "$me: fetching $kpkg ($KMETA) into $CACHE (not installed: no /boot, no boot loader)" >&2
# fetch PKG DIR: PKG downloaded (into DIR.deb) and unpacked into DIR.
fetch() {
	mkdir "$2.deb" "$2"
	# apt-get download drops privileges to _apt unless told otherwise; the
	# directory is root's 0700.
	(cd "$2.deb" && run "$tmp/download.log" timeout 600 apt-get download -o APT::Sandbox::User=root "$1")
	run "$tmp/extract.log" dpkg-deb -x "$(ls "$2.deb"/*.deb)" "$2"
}
# take_modules TREE: the module directories of an unpacked package.
take_modules() {
	for m in lib/modules usr/lib/modules; do
		[ -d "$1/$m" ] || continue
		mkdir -p "$tmp/kernel/lib/modules"
		for v in "$1/$m"/*; do
			[ -d "$v" ] && mv "$v" "$tmp/kernel/lib/modules/"
		done
		return 0
	done
}
fetch "$kpkg" "$tmp/tree"
deb=$(ls "$tmp"/tree.deb/*.deb)
# Only what run-vm.sh uses: the kernel, its config, its modules.
mkdir "$tmp/kernel"
mv "$tmp/tree/boot" "$tmp/kernel/boot"
take_modules "$tmp/tree"
set -- "$tmp"/kernel/boot/vmlinuz-*
[ -r "$1" ] || { echo "$me: no boot/vmlinuz-* in $deb" >&2; exit 1; }
kver=${1##*/vmlinuz-}
# Ubuntu: the image package holds the kernel only; its modules are in
# linux-modules-VERSION.
if [ ! -d "$tmp/kernel/lib/modules/$kver" ] && apt-cache show "linux-modules-$kver" >/dev/null 2>&1; then
	fetch "linux-modules-$kver" "$tmp/mtree"
	take_modules "$tmp/mtree"
fi
# modules.dep is made by the package's postinst, which does not run here.
[ -d "$tmp/kernel/lib/modules/$kver" ] && run "$tmp/depmod.log" depmod -b "$tmp/kernel" "$kver"
{ dpkg-deb -f "$deb" Package Version; echo; } >"$tmp/kernel/PACKAGE"

rm -rf "$CACHE"
mv "$tmp/kernel" "$CACHE"
echo "$me: kernel $kver at $CACHE/boot/vmlinuz-$kver ($(du -sh "$CACHE" | cut -f1))" >&2
