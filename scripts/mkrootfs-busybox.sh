#!/bin/sh
# Builds (or refreshes) a minimal root filesystem for sandsh from
# busybox-static: DIR/bin/busybox plus applet symlinks, the directories a
# sandbox expects, and empty etc/passwd and etc/group (sandsh bind-mounts
# generated ones over them). Everything is root-owned and nothing is group-
# or other-writable, as sandsh requires of a rootfs. Idempotent.
# Usage: scripts/mkrootfs-busybox.sh DIR        (as root)
set -eu

BUSYBOX=${BUSYBOX:-/bin/busybox}
APPLETS="sh ash ls ps id cat hostname mount umount sleep echo env stat touch
readlink grep egrep head tail wc kill true false printf test [ tr sort uniq cut
sed awk mkdir rm rmdir cp mv ln chmod pwd whoami uname df find xargs tee tty
stty date seq yes expr basename dirname mktemp timeout vi less more ip nproc
free uptime clear"

die() { echo "mkrootfs-busybox.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkrootfs-busybox.sh DIR"
dir=$1
case "$dir" in /*) ;; *) dir=$(pwd)/$dir ;; esac
[ "$(id -u)" = 0 ] || die "must run as root (the rootfs must be root-owned)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would need the host's libraries inside.
if command -v ldd >/dev/null 2>&1 && ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked (install busybox-static)"
fi

umask 022
mkdir -p "$dir"
for d in bin sbin usr usr/bin usr/sbin proc dev tmp etc home root mnt run var var/tmp; do
	mkdir -p "$dir/$d"
done

# cp to a temporary name and rename, so a rootfs in use never sees a
# half-written busybox.
if ! cmp -s "$BUSYBOX" "$dir/bin/busybox" 2>/dev/null; then
	cp "$BUSYBOX" "$dir/bin/.busybox.new"
	mv -f "$dir/bin/.busybox.new" "$dir/bin/busybox"
fi
for a in $APPLETS; do
	ln -sfn busybox "$dir/bin/$a"
done

for f in passwd group; do
	[ -f "$dir/etc/$f" ] || : >"$dir/etc/$f"
done
[ -f "$dir/etc/hostname" ] || : >"$dir/etc/hostname"

chown -hR 0:0 "$dir"
chmod 0755 "$dir" "$dir"/bin "$dir"/sbin "$dir"/usr "$dir"/usr/bin "$dir"/usr/sbin \
	"$dir"/proc "$dir"/dev "$dir"/tmp "$dir"/etc "$dir"/home "$dir"/mnt \
	"$dir"/run "$dir"/var "$dir"/var/tmp
chmod 0700 "$dir/root"
chmod 0755 "$dir/bin/busybox"
chmod 0644 "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/hostname"
