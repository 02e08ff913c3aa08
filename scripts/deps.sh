#!/bin/sh
# Installs the Debian packages a make target needs, only those missing: one
# place for every target's packages (the sets below). Services of packages
# installed here are never started (a temporary policy-rc.d), so installing
# openssh-server for the tests starts no sshd on the machine; when it was
# not installed before, /etc/ssh/sshd_not_to_be_run keeps Debian's ssh
# service from starting at boot too (remove it to use the system sshd).
# Usage: scripts/deps.sh SET...
set -eu

pkgs=""
for set in "$@"; do
	case "$set" in
	build) pkgs="$pkgs gcc make pkg-config libc6-dev libconfig-dev libpam0g-dev libseccomp-dev libsystemd-dev" ;;
	check) pkgs="$pkgs libcmocka-dev busybox-static util-linux strace clang" ;;
	demo) pkgs="$pkgs busybox-static util-linux" ;;
	man) pkgs="$pkgs man-db groff-base mandoc" ;;
	deb) pkgs="$pkgs build-essential dpkg-dev debhelper devscripts lintian fakeroot \
pkg-config libconfig-dev libpam0g-dev libseccomp-dev libsystemd-dev util-linux" ;;
	rpm) pkgs="$pkgs rpm gzip tar" ;;
	pam-unit) pkgs="$pkgs libcmocka-dev libpam-wrapper libpamtest0-dev libpam0g-dev pkg-config" ;;
	pam) pkgs="$pkgs pamtester util-linux login bsdutils openssh-server openssh-client tmux \
busybox-static libpam-modules" ;;
	sec) pkgs="$pkgs clang libclang-rt-dev clang-tidy cppcheck strace util-linux busybox-static gcc \
libc6-dev" ;;
	bench) pkgs="$pkgs bubblewrap firejail hyperfine busybox-static util-linux coreutils gcc \
libc6-dev strace" ;;
	e2e) pkgs="$pkgs openssh-server openssh-client openssh-sftp-server rsync tmux busybox-static \
util-linux procps" ;;
	vm-systemd) pkgs="$pkgs debootstrap debian-archive-keyring qemu-system-x86 qemu-utils e2fsprogs \
openssh-client util-linux coreutils" ;;
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
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=/usr/sbin/policy-rc.d
	trap 'rm -f "$guard"' EXIT INT TERM
fi
case " $missing " in
*" openssh-server "*)
	if [ ! -e /etc/ssh/sshd_not_to_be_run ]; then
		mkdir -p /etc/ssh
		echo "# sandsh scripts/deps.sh: openssh-server was installed for the tests only" \
			>/etc/ssh/sshd_not_to_be_run
	fi
	;;
esac
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
