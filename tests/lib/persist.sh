# shellcheck shell=bash
# Optional arguments (a user other than sbuser1):
# shellcheck disable=SC2120
# Helpers of the tests of the persistent sandbox (policy persist = true),
# sourced by the t-*persist*.sh files of the integration, security, PAM and
# e2e suites after tests/lib/hermetic.sh (they use its log_since, procs,
# pass/fail and $T_CGROUP_PARENT).
#
# What a user's persistent sandbox leaves on the host while it lives:
#   a keeper (root, detached) with a registry entry /run/sandsh/sessions/SID
#   whose TTY is "-" and SANDBOX "*"; PID 1 "sandsh-holder" (the user's
#   uid); the socket /run/sandsh/sandbox-u<UID>.sock; the lock
#   /run/sandsh/sandbox-u<UID>.lock; the leaf session-SID under
#   <cgroup_parent>/user-<UID>/ in every hierarchy.
# After it ended, the lock stays (an empty root-only file, like the user's
# cgroup lock user-<UID>.lock, taken again by the next login); nothing else
# of it may remain.

# sandbox_open_id [USER]: the id of the last "sandbox open" of USER
# (default sbuser1) since the log mark; empty if none.
sandbox_open_id() {
	log_since | sed -n -E "s/^sandbox open id=([0-9a-f]{16}) user=${1:-sbuser1} .*/\\1/p" | tail -n 1
}

# sandbox_count [USER]: how many "sandbox open" lines of USER since the mark.
sandbox_count() {
	log_since | grep -c -E "^sandbox open id=[0-9a-f]{16} user=${1:-sbuser1} "
}

# login_ids [USER]: ids of the "session open" lines of USER since the mark.
login_ids() {
	log_since | sed -n -E "s/^session open id=([0-9a-f]{16}) user=${1:-sbuser1} .*/\\1/p"
}

# login_sandboxes [USER]: the sandbox= field of each "session open" of USER
# since the mark ("-" for a session without one), one a line.
login_sandboxes() {
	log_since | grep -E "^session open id=[0-9a-f]{16} user=${1:-sbuser1} " |
		sed -E 's/.* sandbox=([0-9a-f]{16})$/\1/; t; s/.*/-/'
}

# sandbox_close_status SID: the status of the "sandbox close" line of SID
# since the mark (empty while there is none).
sandbox_close_status() {
	log_since | sed -n -E "s/^sandbox close id=$1 user=[^ ]+ status=([0-9]+) duration_ms=[0-9]+\$/\\1/p"
}

# sandbox_wait_closed SID [SECONDS]: until its close line is logged
# (default 15 s); prints the status; returns 1 on timeout.
sandbox_wait_closed() {
	local i st
	for ((i = 0; i < ${2:-15} * 10; i++)); do
		st=$(sandbox_close_status "$1")
		[ -n "$st" ] && { echo "$st"; return 0; }
		sleep 0.1
	done
	return 1
}

# keeper_pid SID: the keeper's pid from its registry entry (empty if none).
keeper_pid() {
	awk '{ print $4 }' "/run/sandsh/sessions/$1" 2>/dev/null
}

# holder_pid UID: the pid of the sandbox's PID 1 (comm sandsh-holder) of UID.
# (The holder is root: it is found as the child of the user's keeper.)
holder_pid() {
	local k p
	k=$(cat /run/sandsh/sessions/* 2>/dev/null | awk -v u="$1" '$2 == u && $9 == "*" { print $4; exit }')
	[ -n "$k" ] || return 0
	for p in $(procs -u 0 -c sandsh-holder); do
		[ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$k" ] && { echo "$p"; return 0; }
	done
}

# user_cgroups UID: every cgroup directory of the fixture user UID (the
# user's own and its leaves, in every hierarchy), one a line.
user_cgroups() {
	local top
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | sort -u |
		while read -r top; do
			[ -d "$top/$T_CGROUP_PARENT/user-$1" ] && find "$top/$T_CGROUP_PARENT/user-$1" -type d
		done
}

# pids_cg UID: the user's cgroup directory in the pids hierarchy (v1 pids,
# or v2 when it has the pids controller); returns 1 if there is none.
pids_cg() {
	local mp fstype opts
	while read -r mp fstype opts; do
		if [ "$fstype" = cgroup ] && printf '%s' "$opts" | tr , '\n' | grep -qx pids; then
			echo "$mp/$T_CGROUP_PARENT/user-$1"
			return 0
		fi
	done < <(awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo)
	while read -r mp fstype opts; do
		if [ "$fstype" = cgroup2 ] && grep -qw pids "$mp/cgroup.controllers" 2>/dev/null; then
			echo "$mp/$T_CGROUP_PARENT/user-$1"
			return 0
		fi
	done < <(awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo)
	return 1
}

# mntns_users NS: how many processes are in the mount namespace NS (as
# readlink /proc/PID/ns/mnt prints it) plus how many mounts (nsfs) pin it.
mntns_users() {
	local n=0 d
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$1" ] && n=$((n + 1))
	done
	echo $((n + $(grep -c -F "${1#mnt:}" /proc/self/mountinfo)))
}

# sandbox_leftovers UID [MNTNS [KEEPER]]: what is left of UID's sandboxes,
# one item a line; empty when nothing is. The lock file is expected to
# stay; a missing one is not a leftover.
sandbox_leftovers() {
	local uid=$1 ns=${2:-} keeper=${3:-} f
	procs -u "$uid" -l | sed 's/^/process: /'
	[ -n "$keeper" ] && [ -d "/proc/$keeper" ] &&
		echo "keeper: $keeper $(tr '\0' ' ' <"/proc/$keeper/cmdline" 2>/dev/null)(waits in $(cat "/proc/$keeper/wchan" 2>/dev/null))"
	user_cgroups "$uid" | sed 's/^/cgroup: /'
	for f in /run/sandsh/sessions/*; do
		[ -f "$f" ] && [ "$(awk '{ print $2 }' "$f")" = "$uid" ] &&
			echo "registry: ${f##*/} (pid $(awk '{ print $4 }' "$f"), waits in $(cat "/proc/$(awk '{ print $4 }' "$f")/wchan" 2>/dev/null))"
	done
	[ -e "/run/sandsh/sandbox-u$uid.sock" ] && echo "socket: /run/sandsh/sandbox-u$uid.sock"
	if [ -n "$ns" ] && [ "$(mntns_users "$ns")" != 0 ]; then
		echo "mount namespace $ns: still held"
	fi
	return 0
}

# sandbox_wait_gone UID [SECONDS [MNTNS [KEEPER]]]: until nothing is left
# (default 10 s); returns 1 on timeout.
sandbox_wait_gone() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ -z "$(sandbox_leftovers "$1" "${3:-}" "${4:-}")" ] && return 0
		sleep 0.1
	done
	return 1
}

# assert_sandbox_gone DESC UID [MNTNS [KEEPER]]: nothing of UID's sandbox
# is left (waits up to 10 s), and its lock file is an empty root 0600 file.
assert_sandbox_gone() {
	local desc=$1 uid=$2
	if sandbox_wait_gone "$uid" 10 "${3:-}" "${4:-}"; then
		pass "$desc: no process, keeper, cgroup, registry entry, socket or mount namespace left"
	else
		fail "$desc: no process, keeper, cgroup, registry entry, socket or mount namespace left" \
			"$(sandbox_leftovers "$uid" "${3:-}" "${4:-}")"
	fi
	if [ -e "/run/sandsh/sandbox-u$uid.lock" ]; then
		assert_eq "$desc: the sandbox lock stays, an empty root-only file" "root root 600 0 regular empty file" \
			"$(stat -c '%U %G %a %s %F' "/run/sandsh/sandbox-u$uid.lock")"
	fi
}

# sandbox_fresh UID: a part of a test starts without a sandbox of UID (a
# part that failed has said so; what it left must not spoil the next).
sandbox_fresh() {
	[ -z "$(sandbox_leftovers "$1")" ] || sandbox_kill_all "$1"
}

# sandbox_kill_all UID: ends what a failed test left of UID's sandbox
# (root's --stop, then SIGKILL, by pid, to its keepers and processes).
sandbox_kill_all() {
	local p f
	env -i PATH=/usr/bin:/bin timeout -k 5 15 "$SANDSH" --stop "$(id -un "$1")" >/dev/null 2>&1
	for f in /run/sandsh/sessions/*; do
		if [ ! -f "$f" ] || [ "$(awk '{ print $2, $9 }' "$f")" != "$1 *" ]; then
			continue
		fi
		p=$(awk '{ print $4 }' "$f")
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sandsh ] && kill -KILL "$p"
	done
	for p in $(procs -u "$1"); do
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.5
	# --list drops the registry entries of supervisors that are gone; a
	# killed keeper leaves its socket to the next one, which replaces it.
	env -i PATH=/usr/bin:/bin "$SANDSH" --list >/dev/null 2>&1
	rm -f "/run/sandsh/sandbox-u$1.sock"
	return 0
}
