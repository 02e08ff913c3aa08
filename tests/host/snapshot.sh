#!/bin/bash
# What of the host a test run could change, as text, so that two snapshots
# taken around `make check` can be compared (.ci/run does). As root.
#
# Usage: tests/host/snapshot.sh take FILE          write a snapshot to FILE
#        tests/host/snapshot.sh compare BEFORE AFTER
#            prints the differences; exit 0 if none, 1 if any
#
# A snapshot holds, one item a line, sorted:
#   etc      every path under /etc: type, mode, owner, and the SHA-256 of
#            each regular file's content, each symlink's target
#   boot     the same for /boot
#   local    every path under /usr/local: type, mode, owner, size, mtime
#            (not hashed: it may hold gigabytes)
#   mount    the mount table: mount point, its root, per-mount options,
#            file system type, source, super-block options (no mount ids)
#   cgroup   every directory of every mounted cgroup hierarchy (v1 and v2)
#   daemon   processes that are daemons (parent PID 1, no terminal): uid
#            and executable, with their count
#   listen   listening TCP sockets and bound UDP sockets (address:port)
#   unit     with systemd as PID 1: the active service, socket, timer and
#            mount units, and the enabled unit files
# Env: SNAPSHOT_IGNORE=ERE leaves out the lines it matches, in both
# snapshots (for a machine where other work runs at the same time; CI
# leaves it unset).
set -euo pipefail
export LC_ALL=C

me=snapshot.sh
die() { echo "$me: $*" >&2; exit 2; }

# tree TAG DIR: type, mode, owner, link target of each path; HASH=1 adds
# the content hash of regular files, else size and mtime.
tree() {
	local tag=$1 dir=$2
	[ -e "$dir" ] || { echo "$tag $dir absent"; return 0; }
	if [ "${HASH:-1}" = 1 ]; then
		find "$dir" -printf "$tag %y %m %U:%G %p -> %l\n" || true
		# Names are printed as they are; a file that vanishes between the
		# listing and the hashing shows as unreadable.
		find "$dir" -type f -print0 | xargs -0 -r sha256sum 2>/dev/null |
			awk -v t="$tag" '{ h = $1; sub(/^[0-9a-f]+  /, ""); print t, "sha256", $0, h }' || true
	else
		find "$dir" -printf "$tag %y %m %U:%G %s %T@ %p -> %l\n" || true
	fi
}

mounts() {
	# mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER
	awk '{ for (i = 7; $i != "-"; i++); print "mount", $5, $4, $6, $(i + 1), $(i + 2), $(i + 3) }' \
		/proc/self/mountinfo
}

cgroups() {
	local top
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | sort -u |
		while read -r top; do
			find "$top" -type d -printf "cgroup $top %P\n" 2>/dev/null || true
		done
}

daemons() {
	local d rest ppid tty exe uid
	for d in /proc/[0-9]*; do
		# stat: PID (COMM) STATE PPID PGRP SESSION TTY_NR ...; COMM may hold blanks
		rest=$(cat "$d/stat" 2>/dev/null) || continue
		rest=${rest##*) }
		read -r _ ppid _ _ tty _ <<<"$rest"
		if [ "${d#/proc/}" = 1 ] || { [ "$ppid" = 1 ] && [ "$tty" = 0 ]; }; then
			exe=$(readlink "$d/exe" 2>/dev/null) || continue
			uid=$(awk '/^Uid:/ { print $2; exit }' "$d/status" 2>/dev/null) || continue
			echo "daemon uid=$uid $exe"
		fi
	done | sort | uniq -c | awk '{ c = $1; $1 = ""; print substr($0, 2), "x" c }'
}

listening() {
	local f
	for f in tcp tcp6 udp udp6; do
		[ -r "/proc/net/$f" ] || continue
		# st 0A: TCP_LISTEN; 07: an unconnected (bound) UDP socket
		awk -v p="$f" 'NR > 1 && (($4 == "0A" && p ~ /^tcp/) || ($4 == "07" && p ~ /^udp/)) {
			split($2, a, ":"); addr = a[1]; port = 0
			for (i = 1; i <= length(a[2]); i++) port = port * 16 + index("0123456789ABCDEF", substr(a[2], i, 1)) - 1
			if (length(addr) == 8) {
				ip = ""
				for (i = 7; i >= 1; i -= 2) {
					o = 0
					for (j = 0; j < 2; j++) o = o * 16 + index("0123456789ABCDEF", substr(addr, i + j, 1)) - 1
					ip = ip (ip == "" ? "" : ".") o
				}
				addr = ip
			}
			print "listen", p, addr ":" port
		}' "/proc/net/$f"
	done
}

units() {
	[ -d /run/systemd/system ] && command -v systemctl >/dev/null || return 0
	systemctl list-units --type=service,socket,timer,mount --state=active --no-legend --plain 2>/dev/null |
		awk '{ print "unit active", $1, $3, $4 }'
	systemctl list-unit-files --state=enabled --no-legend 2>/dev/null | awk '{ print "unit enabled", $1 }'
}

take() {
	{
		tree etc /etc
		tree boot /boot
		HASH=0 tree local /usr/local
		mounts
		cgroups
		daemons
		listening
		units
	} | if [ -n "${SNAPSHOT_IGNORE:-}" ]; then grep -v -E -- "$SNAPSHOT_IGNORE" || true; else cat; fi | sort
}

case "${1:-}" in
take)
	[ $# = 2 ] || die "usage: $me take FILE"
	[ "$(id -u)" = 0 ] || die "run as root (every file under /etc must be readable)"
	take >"$2.new"
	mv -f "$2.new" "$2"
	;;
compare)
	[ $# = 3 ] || die "usage: $me compare BEFORE AFTER"
	{ [ -r "$2" ] && [ -r "$3" ]; } || die "cannot read $2 or $3"
	before=$2 after=$3
	if [ -n "${SNAPSHOT_IGNORE:-}" ]; then
		before=$(mktemp) after=$(mktemp)
		trap 'rm -f "$before" "$after"' EXIT
		grep -v -E -- "$SNAPSHOT_IGNORE" "$2" >"$before" || true
		grep -v -E -- "$SNAPSHOT_IGNORE" "$3" >"$after" || true
	fi
	if diff -u "$before" "$after" >/dev/null; then
		echo "$me: the host is as it was ($(wc -l <"$after") items: /etc, /boot, /usr/local, mounts, cgroups, daemons)"
		exit 0
	fi
	echo "$me: the host changed (- before, + after):"
	diff "$before" "$after" | sed -n 's/^< /- /p; s/^> /+ /p'
	exit 1
	;;
*)
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
