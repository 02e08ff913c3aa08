#!/bin/sh
# Installs what tests/vm/run-vm.sh needs, only what is missing: qemu, a Debian
# cloud kernel (virtio/9p are modules there, but serial console, devtmpfs,
# initramfs, tmpfs, cgroup2 pids/memory/cpu and all namespaces are built in, so
# the VM needs no module for the default setup), busybox-static, cpio, gzip, and
# gcc for the self-test's setuid probe.
#
# The kernel goes to /boot as an ordinary package. Where no initramfs generator
# is installed yet, tiny-initramfs is chosen as Debian's linux-initramfs-tool:
# initramfs-tools would pull udev and upgrade the host's systemd. Should the
# kernel's postinst still fail (an initrd hook), the half-configured package is
# purged so dpkg stays clean, and the vmlinuz is extracted from the .deb into
# /var/cache/sandsh-vm/ instead, where run-vm.sh also looks.
# Usage: scripts/deps-vm.sh          (as root; idempotent; quiet when nothing to do)
set -eu

CACHE=/var/cache/sandsh-vm
KMETA=linux-image-cloud-amd64

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}
kernel_present() {
	for k in /boot/vmlinuz-*-cloud-amd64 "$CACHE"/vmlinuz-*; do
		[ -r "$k" ] && return 0
	done
	return 1
}
apt_install() {
	# Bounded: a stuck mirror must not hang CI forever.
	timeout 900 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pkgs="qemu-system-x86 busybox-static cpio gzip gcc libc6-dev util-linux"
missing=""
for p in $pkgs; do installed "$p" || missing="$missing $p"; done
need_kernel=0
kernel_present || need_kernel=1

[ -z "$missing" ] && [ $need_kernel = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps-vm.sh: missing:$missing$([ $need_kernel = 1 ] && echo " $KMETA") (run as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -qq
if [ -n "$missing" ]; then
	echo "deps-vm.sh: installing$missing"
	# shellcheck disable=SC2086
	apt_install $missing
fi
[ $need_kernel = 1 ] || exit 0

extra=""
if ! installed initramfs-tools && ! installed dracut && ! installed tiny-initramfs; then
	extra=tiny-initramfs
fi
echo "deps-vm.sh: installing $KMETA $extra"
# shellcheck disable=SC2086
if apt_install "$KMETA" $extra && kernel_present; then
	exit 0
fi

echo "deps-vm.sh: installing $KMETA failed; extracting the kernel into $CACHE instead" >&2
# Leave dpkg clean: purge, in one go (the metapackage depends on the image),
# whatever cloud kernel package is now unpacked or half-configured.
broken=$(dpkg-query -W -f='${Package} ${Status}\n' 'linux-image-*cloud-amd64' 2>/dev/null |
	awk '$NF != "installed" && $NF != "not-installed" && $NF != "config-files" {print $1}')
if [ -n "$broken" ]; then
	# shellcheck disable=SC2086
	dpkg --purge --force-depends --force-remove-reinstreq $broken >/dev/null 2>&1 || true
fi
kpkg=$(apt-cache depends "$KMETA" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
[ -n "$kpkg" ] || { echo "deps-vm.sh: cannot resolve $KMETA" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && timeout 600 apt-get download -qq -o APT::Sandbox::User=root "$kpkg" >/dev/null)
# The kernel, and its modules under $CACHE/root/lib/modules (for --module).
rm -rf "$CACHE/root"
mkdir -p "$CACHE/root"
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$CACHE/root" --wildcards './boot/*' './lib/modules/*' './usr/lib/modules/*' 2>/dev/null || true
mv "$CACHE"/root/boot/vmlinuz-* "$CACHE"/root/boot/config-* "$CACHE"/ 2>/dev/null || true
rm -rf "$CACHE/root/boot"
kernel_present || { echo "deps-vm.sh: no vmlinuz in $kpkg" >&2; exit 1; }
for k in "$CACHE"/vmlinuz-*; do
	kv=${k##*/vmlinuz-}
	command -v depmod >/dev/null && depmod -b "$CACHE/root" "$kv" 2>/dev/null ||
		echo "deps-vm.sh: no depmod: --module will not work with this kernel" >&2
done
echo "deps-vm.sh: kernel at $(ls "$CACHE"/vmlinuz-*)"
