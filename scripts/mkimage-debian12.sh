#!/bin/bash
# Builds (once) the Debian 12 guest of tests/vm-systemd: a debootstrapped
# bookworm with systemd as PID 1 on cgroup v2, logind, dbus, sshd (root by
# key on port 22) and Debian's cloud kernel with the guest's own initrd,
# packed with `mkfs.ext4 -d` (no loop mount). Prints the directory holding
#   image.raw    the root file system (ext4, /dev/vda in the guest)
#   vmlinuz initrd.img   taken from the guest's /boot
#   id_root      ssh key for root@guest (id_root.pub is in its authorized_keys)
#   id_user      ssh key for the test users (run.sh installs id_user.pub)
#   known_hosts  the guest's host key, under the alias sandsh-debian12
#   info         kernel version, package list, build time
# The cache is /var/cache/sandsh-vm/debian12/<hash of this script>/: a
# changed script builds afresh and removes the older builds; the same
# script reuses the cache. Builds run in a private mount and PID namespace
# (nothing mounted or started in the chroot outlives them); no service
# of the guest is started on the host, nothing goes to the host's /boot.
# Usage: scripts/mkimage-debian12.sh [--rebuild]        (root)
# Env: SANDSH_VM_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

me=mkimage-debian12
die() { echo "$me: $*" >&2; exit 1; }

TOP=/var/cache/sandsh-vm/debian12
MIRROR=${SANDSH_VM_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
IMAGE_SIZE=3G
ALIAS=sandsh-debian12
# What the guest needs: systemd + logind + dbus, sshd, the kernel and its
# initrd generator, and what the tests run there (sandsh's own libraries;
# busybox-static for a sandbox rootfs; ps, tmux, ip).
# less and rsync: sandsh-mkrootfs promises them in every sandbox rootfs
# and refuses a host without them, as an administrator would meet it.
PACKAGES="systemd systemd-sysv dbus libpam-systemd openssh-server openssh-sftp-server
linux-image-cloud-amd64 initramfs-tools procps tmux iproute2 libconfig9 libseccomp2
busybox-static util-linux kmod udev less rsync"
# Units a test guest does not need: they only slow the boot (under TCG
# every second counts) or wake up during the tests.
MASK="apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service
fstrim.timer systemd-networkd-wait-online.service getty@tty1.service
systemd-timesyncd.service cron.service"

rebuild=0
case "${1:-}" in
--rebuild) rebuild=1 ;;
'') ;;
*) die "usage: $me [--rebuild]" ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, image ownership)"
for t in debootstrap mkfs.ext4 ssh-keygen unshare chroot flock sha256sum; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh vm-systemd)"
done

hash=$(sha256sum "$0" | cut -c1-16)
out=$TOP/$hash
mkdir -p "$TOP"
exec 9>"$TOP/.lock"
# Another run may be building the same image: wait for it (bounded).
flock -w 1800 9 || die "timed out waiting for $TOP/.lock"
if [ "$rebuild" = 0 ] && [ -f "$out/ok" ]; then
	echo "$out"
	exit 0
fi

work=$TOP/.build-$hash
root=$work/root
rm -rf "$work" "$out"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
log=$work/build.log
echo "$me: building the Debian 12 guest image in $out (log: $out/build.log)" >&2

# In a private mount + PID namespace: the /proc and /sys debootstrap mounts
# in the chroot, and any process a package script leaves, die with it.
# shellcheck disable=SC2016
if ! unshare --mount --propagation private --pid --fork --kill-child -- \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
	ROOT="$root" MIRROR="$MIRROR" SUITE="$SUITE" PACKAGES="$PACKAGES" \
	bash -euo pipefail -c '
	# Stage 1 only unpacks; before stage 2 configures anything, a policy-rc.d
	# keeps every maintainer script from starting a service (an sshd of the
	# chroot must never listen on the host).
	timeout 1800 debootstrap --foreign --variant=minbase --merged-usr \
		--include="$(echo $PACKAGES | tr " " ,)" "$SUITE" "$ROOT" "$MIRROR"
	mkdir -p "$ROOT/usr/sbin"
	printf "#!/bin/sh\nexit 101\n" >"$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
	timeout 1800 chroot "$ROOT" /debootstrap/debootstrap --second-stage
	rm -f "$ROOT/usr/sbin/policy-rc.d"
' >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	mkdir -p "$out" && cp "$log" "$out/build.log"
	die "debootstrap failed (last 30 lines above)"
fi

# --- configuration -------------------------------------------------------------
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$root/etc/fstab"
echo "$ALIAS" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$ALIAS" >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
# A fixed machine id: every boot of the image is the same machine, and
# systemd does not run its first-boot units.
chroot "$root" systemd-machine-id-setup >>"$log" 2>&1
# qemu's user network: the guest is 10.0.2.15, no DHCP round trip at boot.
mkdir -p "$root/etc/systemd/network"
cat >"$root/etc/systemd/network/10-qemu-user.network" <<'EOF'
[Match]
Name=e*

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
# A console login on the serial port (for debugging with the console log).
mkdir -p "$root/etc/systemd/system/getty.target.wants"
ln -sf /lib/systemd/system/serial-getty@.service \
	"$root/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
# The journal in memory only: journalctl -t sandsh works, the disk is spared.
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\n' >"$root/etc/systemd/journald.conf.d/sandsh-vm.conf"
chroot "$root" systemctl enable systemd-networkd.service ssh.service >>"$log" 2>&1
for u in $MASK; do ln -sf /dev/null "$root/etc/systemd/system/$u"; done

# sshd: Debian's stock configuration (UsePAM yes, /etc/pam.d/sshd with
# pam_systemd through common-session), root by key only, no DNS.
cat >"$root/etc/ssh/sshd_config.d/sandsh-vm.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 64:30:128
MaxSessions 64
EOF
mkdir -p "$work/keys"
ssh-keygen -q -t ed25519 -N '' -C root@host -f "$work/keys/id_root"
ssh-keygen -q -t ed25519 -N '' -C users@host -f "$work/keys/id_user"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$work/keys/id_root.pub" "$root/root/.ssh/authorized_keys"
hostkey=$(cat "$root/etc/ssh/ssh_host_ed25519_key.pub") || die "openssh-server made no host key"
echo "$ALIAS ${hostkey% *}" >"$work/keys/known_hosts"

# --- kernel, initrd, image ---------------------------------------------------------
kver=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[ -n "$kver" ] || die "no kernel in the guest's /boot"
[ -s "$root/boot/initrd.img-$kver" ] || die "no initrd.img-$kver in the guest's /boot"
mkdir -p "$work/out"
cp "$root/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/out/initrd.img"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$work/packages"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root/debootstrap"
mkfs.ext4 -q -F -L sandsh-root -d "$root" "$work/out/image.raw" "$IMAGE_SIZE" >>"$log" 2>&1 ||
	die "mkfs.ext4 -d failed (see $log)"
cp "$work/keys/id_root" "$work/keys/id_root.pub" "$work/keys/id_user" "$work/keys/id_user.pub" \
	"$work/keys/known_hosts" "$work/out/"
chmod 0600 "$work/out/id_root" "$work/out/id_user"
{
	echo "kernel $kver"
	echo "mirror $MIRROR"
	echo "built $(date -u +%FT%TZ) in $(($(date +%s) - t0)) s"
	echo "packages $(wc -l <"$work/packages")"
} >"$work/out/info"
cp "$work/packages" "$log" "$work/out/"
mv "$work/out" "$out"
touch "$out/ok"
# Older builds (another version of this script) are not used any more.
for d in "$TOP"/*/; do
	[ "${d%/}" = "$out" ] || rm -rf "${d%/}"
done
echo "$me: built in $(($(date +%s) - t0)) s: $(du -sh --apparent-size "$out/image.raw" | cut -f1) image" \
	"($(du -sh "$out/image.raw" | cut -f1) used), kernel $kver" >&2
echo "$out"
