#!/bin/bash
# The README's set-up, tried as a new administrator would, on a fresh
# Debian (not part of make check; as root, needs Debian's archive):
#
#   1. debootstrap --variant=minbase SUITE (default bookworm) into a
#      directory under /var/tmp;
#   2. enter it as root (pivot_root, as nspawn does) in private mount and
#      PID namespaces, with the mounts systemd gives a machine: /run a
#      nosuid,nodev tmpfs mode 755, /tmp a nosuid,nodev tmpfs, /dev/shm a
#      tmpfs, a fresh /proc, /sys (with /sys/fs/cgroup) and /dev bound from
#      the host;
#   3. there: apt-get install git make, git clone this repository's HEAD
#      (committed work only), make demo (without a terminal: the scripted
#      walk-through), make check; with --ci, .ci/run after it (make check
#      again, between two host snapshots: only what it installed may
#      differ, i.e. nothing);
#   4. remove the tree (after checking that nothing is mounted there any
#      more: the namespaces and their mounts end with the run).
#
# Usage: tests/host/fresh-debian.sh [--suite SUITE] [--mirror URL] [--ci]
#            [--keep] [--cache DIR] [--timeout SECS] [--ubuntu]
#   --keep    leave the tree (its path is printed) instead of removing it
#   --cache   keep debootstrap's downloaded packages in DIR between runs
# Prints every step's output; ends with "fresh-debian: PASS" or
# "fresh-debian: FAIL (step)" and exits 0 or 1.
# Ubuntu 24.04 (noble, components main and universe) is tried with
# --ubuntu: Debian 12 has no Ubuntu keyring package, so the script fetches
# Ubuntu's ubuntu-keyring .deb from the archive and uses its archive key
# only after checking that key's pinned fingerprint; debootstrap gets the
# Ubuntu script (gutsy), as Ubuntu's own debootstrap does for noble.
# The inner script is single-quoted on purpose; cleanup runs from a trap:
# shellcheck disable=SC2016,SC2317
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
me=fresh-debian
die() { echo "$me: $*" >&2; exit 2; }

suite=bookworm mirror=http://deb.debian.org/debian ci=0 keep=0 cache="" limit=5400 ubuntu=0
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=$2; shift 2 ;;
	--mirror) mirror=$2; shift 2 ;;
	--ci) ci=1; shift ;;
	--keep) keep=1; shift ;;
	--cache) cache=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--ubuntu) ubuntu=1 suite=noble mirror=http://archive.ubuntu.com/ubuntu; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	--inner) break ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done

# --- inside the private namespaces (runs as PID 1 of the new PID namespace) ----
if [ "${1:-}" = --inner ]; then
	root=$2
	# The tree is a mount point of its own, so that inside the chroot
	# findmnt and /proc/self/mountinfo see a / as on a real machine.
	mount --bind "$root" "$root"
	mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm"
	mount -t tmpfs -o nosuid,nodev,mode=0755,size=20% run "$root/run"
	mount -t tmpfs -o nosuid,nodev,mode=1777,size=50% tmp "$root/tmp"
	mkdir -p "$root/run/lock"
	chmod 1777 "$root/run/lock"
	# Enter it as nspawn does, not with a bare chroot: the tree becomes the
	# root of this mount namespace (pivot_root) and the host's tree is
	# detached. A chrooted process is not its namespace's root, and the
	# kernel refuses it user namespaces (EPERM), which a real machine allows.
	mkdir -p "$root/.host"
	cd "$root"
	pivot_root . .host
	cd /
	umount -l /.host
	rmdir /.host
	echo "== mounts inside"
	awk '{ for (i = 7; $i != "-"; i++); print "  " $5, $(i + 1), $6 }' /proc/self/mountinfo |
		grep -v '^  /sys/' || true
	# What the administrator types; a login shell's environment
	# (MAKEFLAGS passes through: -k finds every failure in one run; and
	# SNAPSHOT_IGNORE for .ci/run, on a machine where other work runs).
	exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${MAKEFLAGS:+MAKEFLAGS="$MAKEFLAGS"} ${SNAPSHOT_IGNORE:+SNAPSHOT_IGNORE="$SNAPSHOT_IGNORE"} \
		CI_TOO="$ci" /bin/bash -c '
			set -u
			step() { echo; echo "== $1 ($(date +%T))"; STEP=$1; }
			failed() { echo; echo "fresh-debian: FAIL ($STEP)"; exit 1; }
			cd /root
			step "apt-get install git make"
			export DEBIAN_FRONTEND=noninteractive
			{ apt-get update -q && apt-get install -y -q git make; } || failed
			step "git clone"
			git clone -q /srv/sandsh.git sandsh || failed
			cd sandsh && git log --oneline -1
			step "make demo"
			t0=$(date +%s)
			make demo </dev/null || failed
			echo "# make demo: $(($(date +%s) - t0)) s"
			step "make check"
			t0=$(date +%s)
			make check || failed
			echo "# make check: $(($(date +%s) - t0)) s"
			if [ "$CI_TOO" = 1 ]; then
				step ".ci/run (make check between two host snapshots)"
				.ci/run || failed
			fi
			echo
			echo "fresh-debian: PASS"
		'
fi

# --- outside -------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root"
"$repo/scripts/deps.sh" fresh
head=$(git -C "$repo" rev-parse HEAD) || die "$repo is not a git checkout"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
	echo "$me: note: uncommitted changes in $repo are not tested (HEAD $head is)" >&2
fi

tree=$(mktemp -d /var/tmp/sandsh-fresh.XXXXXX)
chmod 0755 "$tree"
root=$tree/root
cleanup() {
	local rc=$?
	# Nothing may be mounted in the tree any more (the namespace is gone);
	# never remove a tree through a mount.
	if grep -q -F " $tree" /proc/self/mountinfo; then
		echo "$me: something is still mounted under $tree: left in place" >&2
	elif [ "$keep" = 1 ]; then
		echo "$me: the tree is kept: $tree"
	else
		rm -rf --one-file-system "$tree"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== debootstrap --variant=minbase $suite ($mirror) into $root ($(date +%T))"
opts=(--variant=minbase)
script=()
[ -n "$cache" ] && mkdir -p "$cache" && opts+=(--cache-dir="$(cd "$cache" && pwd)")
if [ $ubuntu = 1 ]; then
	# The Ubuntu Archive Automatic Signing Key (2018), which signs noble.
	ukey=F6ECB3762474EDA9D21B7022871920D1991BC93C
	mkdir -m 0700 "$tree/key" "$tree/key/gnupg"
	export GNUPGHOME=$tree/key/gnupg # never root's ~/.gnupg
	curl -fsS -o "$tree/key/Packages.gz" "$mirror/dists/$suite/main/binary-amd64/Packages.gz" ||
		die "cannot reach $mirror"
	# (awk reads to the end: an early exit would fail the pipe, and the script)
	kdeb=$(zcat "$tree/key/Packages.gz" |
		awk '$0 == "Package: ubuntu-keyring" { p = 1 } p && !f && /^Filename:/ { print $2; f = 1 }')
	if [ -z "$kdeb" ] || ! curl -fsS -o "$tree/key/k.deb" "$mirror/$kdeb"; then
		die "cannot fetch ubuntu-keyring"
	fi
	dpkg-deb -x "$tree/key/k.deb" "$tree/key/x"
	ring=$tree/key/x/usr/share/keyrings/ubuntu-archive-keyring.gpg
	# --show-keys reads the file only (no keyring, no agent started).
	gpg --batch --with-colons --show-keys "$ring" 2>/dev/null | grep -q "^fpr:*$ukey:" ||
		die "the fetched ubuntu-keyring lacks the archive key $ukey"
	opts+=(--keyring="$ring" "--components=main,universe")
	[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/gutsy)
fi
if ! debootstrap "${opts[@]}" "$suite" "$root" "$mirror" "${script[@]}" >"$tree/debootstrap.log" 2>&1; then
	cat "$tree/debootstrap.log"
	echo "$me: FAIL (debootstrap)"
	exit 1
fi
tail -n 1 "$tree/debootstrap.log"

# The repository, as a clone would fetch it: a bare copy of HEAD inside.
git clone -q --bare --no-hardlinks "$repo" "$root/srv/sandsh.git"
git -C "$root/srv/sandsh.git" symbolic-ref HEAD "refs/heads/$(git -C "$repo" rev-parse --abbrev-ref HEAD)"

ci_opt=""
[ $ci = 0 ] || ci_opt=--ci
set +e
timeout -k 30 "$limit" \
	unshare --mount --propagation private --pid --fork --kill-child \
	-- "$0" ${ci_opt:+"$ci_opt"} --inner "$root"
rc=$?
set -e
[ $rc = 124 ] && echo "$me: FAIL (timeout after $limit s)"
exit $rc
