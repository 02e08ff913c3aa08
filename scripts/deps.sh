#!/bin/sh
# Installs the Debian packages a make target needs, only those missing: the
# one place where the project names packages (the sets below).
#
# What it changes on the host: the packages it installs, nothing else. The
# services of packages installed here are not started while they install (a
# temporary /usr/sbin/policy-rc.d, removed afterwards, as Debian's tools
# honour). They are enabled as Debian enables them, though: where
# openssh-server is installed for the tests (sets pam and e2e), the
# machine's own sshd starts at the next boot, with Debian's
# /etc/ssh/sshd_config, like any openssh-server installation (say
# `systemctl disable ssh` to keep it off; the tests start their own sshd).
# Usage: scripts/deps.sh SET...
#        scripts/deps.sh --list SET...   (prints the sets' packages, installs nothing)
set -eu

list=0
[ "${1:-}" = --list ] && list=1 && shift
pkgs=""
for set in "$@"; do
	case "$set" in
	build) pkgs="$pkgs gcc make pkg-config libc6-dev libconfig-dev libpam0g-dev libseccomp-dev libsystemd-dev" ;;
	# procps: kill(1) and ps for the integration, security and e2e suites.
	# clang-format-14: format-check's version (tests/build.mk).
	check) pkgs="$pkgs libcmocka-dev busybox-static util-linux strace clang clang-format-14 procps" ;;
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
	# less: sandsh-mkrootfs promises a pager (e2e builds its rootfs with it).
	e2e) pkgs="$pkgs openssh-server openssh-client openssh-sftp-server rsync tmux busybox-static \
util-linux procps less" ;;
	vm-systemd) pkgs="$pkgs debootstrap debian-archive-keyring qemu-system-x86 qemu-utils e2fsprogs \
openssh-client util-linux coreutils" ;;
	# make vm (scripts/deps-vm.sh adds the kernel, which is not a package
	# installed here): kmod's depmod indexes its modules, gcc builds the
	# self-test's probe.
	# xz-utils, zstd: a kernel's compressed modules (Ubuntu's are .ko.zst).
	vm) pkgs="$pkgs qemu-system-x86 busybox-static cpio gzip xz-utils zstd kmod gcc libc6-dev util-linux" ;;
	# tests/host/fresh-debian.sh: a fresh Debian tree to try the README in.
	fresh) pkgs="$pkgs debootstrap git curl gpg" ;;
	*) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
	esac
done

if [ $list = 1 ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $pkgs | sort -u | tr '\n' ' ' | sed 's/ $/\n/'
	exit 0
fi
missing=""
for p in $pkgs; do
	case " $missing " in *" $p "*) continue ;; esac
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
case " $missing " in
*" openssh-server "*)
	echo "deps.sh: note: openssh-server is new here: it is not started now, but the machine's" \
		"sshd will start at the next boot (systemctl disable ssh to keep it off)" >&2
	;;
esac

log=$(mktemp)
guard=""
cleanup() {
	rm -f "$log"
	[ -z "$guard" ] || rm -f "$guard"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# No service of a package installed here starts now (invoke-rc.d and
# deb-systemd-invoke ask policy-rc.d). An administrator's own policy-rc.d
# is left alone.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	guard=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# scripts/deps.sh (sandsh): removed when it ends\nexit 101\n' >"$guard"
	chmod 755 "$guard"
fi

# run CMD...: quiet when it works, its whole output when it fails.
run() {
	if ! "$@" >"$log" 2>&1; then
		echo "deps.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}
export DEBIAN_FRONTEND=noninteractive
run timeout 300 apt-get update
# shellcheck disable=SC2086
run timeout 1800 apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
