#!/bin/bash
# Runs in the Debian 12 guest as root (copied to /root/vmt/guest.sh by
# run.sh): the look-ups the cases make, each one ssh round trip, with the
# waiting done here rather than over ssh. The names it knows are the
# contract of the systemd placement (issue 11):
#   sandsh.slice / sandsh-u<UID>.slice / sandsh-<ID>.scope
# where ID is the id of the audit line `session open id=<ID> ...`.
# Usage: guest.sh COMMAND ARGS...   (see the functions below)
set -u
export SYSTEMD_PAGER="" SYSTEMD_COLORS=0 LC_ALL=C

CG=/sys/fs/cgroup
PARENT=sandsh          # settings.cgroup_parent of the test policy
SLICE=$PARENT.slice

user_slice() { echo "sandsh-u$1.slice"; }
scope() { echo "sandsh-$1.scope"; }
# The cgroup path the contract gives a session's scope.
scope_cg() { echo "/$SLICE/$(user_slice "$1")/$(scope "$2")"; }

# ticks: a monotonic count of tenths of seconds, for the bounded waits.
ticks() { local u; read -r u _ </proc/uptime; u=${u/./}; echo $((10#$u / 10)); }

# mark: the cursor of the newest journal entry (log/journal read after it).
cmd_mark() {
	journalctl -q -n 1 -o export | sed -n 's/^__CURSOR=//p'
}
# log_ts CURSOR: "TIME LINE" for each of sandsh's audit lines since the
# mark (TIME: seconds since the epoch, 6 decimals). Not `-t sandsh`:
# systemd 252's journalctl skips the first match after --after-cursor.
log_ts() {
	journalctl -q --no-pager --after-cursor="$1" -o short-unix |
		sed -n -E 's/^([0-9]+\.[0-9]{6}) [^ ]+ sandsh\[[0-9]+\]: /\1 /p'
}
# log CURSOR: sandsh's audit lines since the mark.
cmd_log() {
	log_ts "$1" | cut -d' ' -f2-
}
# journal CURSOR [ARGS]: the whole journal since the mark (for failures).
cmd_journal() {
	local c=$1
	shift
	journalctl -q --no-pager --after-cursor="$c" -o short-monotonic "$@"
}

# open-id USER CURSOR SECS: the id of USER's first `session open` since the
# mark, once it is logged.
cmd_open-id() {
	local end=$(($(ticks) + $3 * 10)) id
	while :; do
		id=$(cmd_log "$2" | sed -n -E "s/^session open id=([0-9a-f]+) user=$1 .*/\\1/p" | head -n 1)
		[ -n "$id" ] && { echo "$id"; return 0; }
		[ "$(ticks)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# close-status ID CURSOR SECS: the status of that session's close line.
cmd_close-status() {
	local end=$(($(ticks) + $3 * 10)) st
	while :; do
		st=$(cmd_log "$2" | sed -n -E "s/^session close id=$1 user=[^ ]+ status=([0-9]+) .*/\\1/p" | head -n 1)
		[ -n "$st" ] && { echo "$st"; return 0; }
		[ "$(ticks)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# procs UID: "pid comm cgroup" of every process whose real uid is UID
# (bash builtins only: a fork per process costs too much under TCG).
cmd_procs() {
	local d k v ruid comm cg
	for d in /proc/[0-9]*; do
		ruid=""
		while read -r k v _; do
			[ "$k" = Uid: ] && { ruid=$v; break; }
		done 2>/dev/null <"$d/status"
		[ "$ruid" = "$1" ] || continue
		read -r comm 2>/dev/null <"$d/comm" || continue
		cg=""
		while read -r k; do
			case "$k" in 0::*) cg=${k#0::} ;; esac
		done 2>/dev/null <"$d/cgroup"
		echo "${d#/proc/} $comm $cg"
	done
}
# pid-of UID COMM: the pids of UID's processes named COMM.
cmd_pid-of() {
	cmd_procs "$1" | awk -v c="$2" '$2 == c { print $1 }'
}

# unit-prop UNIT PROP: one property's value.
prop() { systemctl show -P "$2" "$1" 2>/dev/null; }

# logind-sessions USER: the logind session ids of USER.
cmd_logind-sessions() {
	loginctl list-sessions --no-legend 2>/dev/null | awk -v u="$1" '$3 == u { print $1 }' | sort -n
}

# live USER UID ID: what a live session looks like, as key=value lines.
cmd_live() {
	local user=$1 uid=$2 id=$3 us sc want inside="" pid comm cg n ls
	us=$(user_slice "$uid")
	sc=$(scope "$id")
	want=$(scope_cg "$uid" "$id")
	echo "scope_state=$(prop "$sc" ActiveState)/$(prop "$sc" SubState)"
	echo "scope_slice=$(prop "$sc" Slice)"
	echo "scope_cgroup=$(prop "$sc" ControlGroup)"
	echo "user_slice=$(prop "$us" ActiveState) in $(prop "$us" Slice)"
	echo "limits=TasksMax=$(prop "$us" TasksMax) MemoryMax=$(prop "$us" MemoryMax) CPUQuotaPerSecUSec=$(prop "$us" CPUQuotaPerSecUSec)"
	# What the kernel enforces, from the slice's own cgroup.
	echo "kernel_limits=pids.max=$(cat "$CG/$SLICE/$us/pids.max" 2>/dev/null) memory.max=$(cat "$CG/$SLICE/$us/memory.max" 2>/dev/null) cpu.max=$(cat "$CG/$SLICE/$us/cpu.max" 2>/dev/null)"
	# The user's processes: in the scope (names), or else sorted by where
	# they are: in a PID namespace of a sandbox (must not be), the user
	# manager (user@UID.service), anything else of the user on the host.
	local hostns um="" host="" outside=""
	hostns=$(readlink /proc/1/ns/pid)
	while read -r pid comm cg; do
		[ -n "$pid" ] || continue
		case "$cg/" in
		"$want"/*) inside="$inside $comm" ;;
		"/user.slice/user-$uid.slice/user@$uid.service/"*) um="$um $comm" ;;
		*)
			if [ "$(readlink "/proc/$pid/ns/pid")" != "$hostns" ]; then
				outside="$outside $pid:$comm:$cg"
			else
				host="$host $comm:$cg"
			fi
			;;
		esac
	done < <(cmd_procs "$uid")
	echo "outside=${outside# }"
	echo "host_side=${host# }"
	echo "user_manager=${um# }"
	# Its PID 1 and its commands (names only, sorted, duplicates kept).
	echo "inside=$(echo "$inside" | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//')"
	# systemctl status of the command's process names the scope.
	pid=$(cmd_procs "$uid" | awk '$2 == "sleep" { print $1; exit }')
	if [ -n "$pid" ]; then
		echo "status_of_sleep=$(systemctl status --no-pager "$pid" 2>/dev/null | head -n 1 | sed -E 's/^[^a-z0-9]*//; s/ - .*//')"
	else
		echo "status_of_sleep=no sleep process"
	fi
	echo "status_lists_sleep=$(systemctl status --no-pager -n 0 "$sc" 2>/dev/null | grep -c -E "[0-9]+ sleep ")"
	ls=$(cmd_logind-sessions "$user" | tr '\n' ' ')
	echo "logind_sessions=${ls% }"
	n=${ls%% *}
	if [ -n "$n" ]; then
		echo "logind_state=$(loginctl show-session -P State "$n" 2>/dev/null)"
		echo "logind_scope=$(loginctl show-session -P Scope "$n" 2>/dev/null)/$(prop "$(loginctl show-session -P Scope "$n" 2>/dev/null)" ActiveState)"
	else
		echo "logind_state=none"
		echo "logind_scope=none"
	fi
	echo "registry=$([ -e "/run/sandsh/sessions/$id" ] && echo present || echo absent)"
}

# leftovers USER UID ID: one line per thing of the session still there
# (nothing printed: nothing left): a process of the user, its scope unit,
# its registry entry, a cgroup named after it anywhere, a cgroup in the
# user's slice but empty slices (systemd may keep those), the user's tree
# in sandsh's own hierarchy, a logind session of the user. Other users'
# live sessions do not count (global: see all-leftovers).
cmd_leftovers() {
	local user=$1 uid=$2 id=$3 sc us d ls
	sc=$(scope "$id")
	us=$CG/$SLICE/$(user_slice "$uid")
	# The user manager (user@UID.service) is logind's: it stops it
	# UserStopDelaySec (10 s) after the user's last session, and sandsh
	# leaves it alone (docs/systemd.md); t-usermgr.sh checks it goes.
	cmd_procs "$uid" | awk -v u="/user.slice/user-$uid.slice/user@$uid.service" \
		'index($3 "/", u "/") != 1 { print "process: " $0 }'
	[ "$(prop "$sc" LoadState)" = not-found ] || echo "unit: $sc $(prop "$sc" LoadState)/$(prop "$sc" ActiveState)"
	[ -e "/run/sandsh/sessions/$id" ] && echo "registry: /run/sandsh/sessions/$id"
	find "$CG" -type d -name "*$id*" 2>/dev/null | sed "s|^$CG|cgroup: |"
	if [ -d "$us" ]; then
		while read -r d; do
			case "$d" in
			*"$id"*) ;; # reported above
			*.slice) grep -qx 'populated 1' "$d/cgroup.events" && echo "cgroup (populated): ${d#"$CG"}" ;;
			*) echo "cgroup: ${d#"$CG"}" ;;
			esac
		done < <(find "$us" -type d 2>/dev/null)
	fi
	[ -d "$CG/$PARENT/user-$uid" ] && echo "cgroup outside systemd's tree: /$PARENT/user-$uid"
	ls=$(cmd_logind-sessions "$user" | tr '\n' ' ')
	[ -n "$ls" ] && echo "logind session: ${ls% }"
	return 0
}

# all-leftovers: once every session has ended, what is left anywhere: a
# sandsh-* scope unit, a registry entry, a cgroup under sandsh.slice but
# empty slices, anything of sandsh's own tree beside systemd's.
cmd_all-leftovers() {
	local d
	systemctl list-units --all --plain --no-legend 'sandsh-*.scope' | awk '{ print "unit: " $1 }'
	find /run/sandsh/sessions -mindepth 1 -maxdepth 1 2>/dev/null | sed 's|^|registry: |'
	if [ -d "$CG/$SLICE" ]; then
		while read -r d; do
			case "$d" in
			*.slice) grep -qx 'populated 1' "$d/cgroup.events" && echo "cgroup (populated): ${d#"$CG"}" ;;
			*) echo "cgroup: ${d#"$CG"}" ;;
			esac
		done < <(find "$CG/$SLICE" -type d 2>/dev/null)
	fi
	[ -d "$CG/$PARENT" ] && find "$CG/$PARENT" -mindepth 1 -type d | sed "s|^$CG|cgroup outside systemd's tree: |"
	return 0
}

# wait-clean USER UID ID SECS: waits until nothing is left; prints what
# still is when SECS pass (status 1).
cmd_wait-clean() {
	local end=$(($(ticks) + $4 * 10)) left
	while :; do
		left=$(cmd_leftovers "$1" "$2" "$3")
		[ -z "$left" ] && return 0
		[ "$(ticks)" -ge "$end" ] && { echo "$left"; return 1; }
		sleep 0.1
	done
}

# wait-clean-after USER UID ID CURSOR SECS: the same, SECS counted from
# the session's close line (waited for up to 15 s; without one, from now,
# and "no close line" is reported).
cmd_wait-clean-after() {
	local user=$1 uid=$2 id=$3 cur=$4 secs=$5 ts="" end left nocl=""
	for _ in $(seq 75); do
		ts=$(log_ts "$cur" | awk -v m="session close id=$id " 'index($0, m) == 19 { sub(/\./, "", $1); print $1; exit }')
		[ -n "$ts" ] && break
		sleep 0.2
	done
	[ -n "$ts" ] || { nocl="no close line for $id within 15 s"; ts=$(date +%s%6N); }
	end=$((ts + secs * 1000000))
	while :; do
		left=$(cmd_leftovers "$user" "$uid" "$id")
		[ -z "$left" ] && [ -z "$nocl" ] && return 0
		if [ "$(date +%s%6N)" -ge "$end" ]; then
			[ -n "$nocl" ] && echo "$nocl"
			[ -n "$left" ] && echo "$left"
			return 1
		fi
		sleep 0.1
	done
}

# session-procs UID ID: the session's processes: those in its scope and
# every process of the user outside user@UID.service (the user manager is
# logind's, not the session's).
cmd_session-procs() {
	local want
	want=$(scope_cg "$1" "$2")
	cmd_procs "$1" | awk -v u="/user.slice/user-$1.slice/user@$1.service" \
		'index($3 "/", u "/") != 1 { print }'
	[ -r "$CG$want/cgroup.procs" ] && sed "s|^|in $want: |" "$CG$want/cgroup.procs"
	return 0
}
# wait-ended UID ID SECS: until session-procs is empty (status 1 and what
# is left after SECS).
cmd_wait-ended() {
	local end=$(($(ticks) + $3 * 10)) left
	while :; do
		left=$(cmd_session-procs "$1" "$2" | sort -u)
		[ -z "$left" ] && return 0
		[ "$(ticks)" -ge "$end" ] && { echo "$left"; return 1; }
		sleep 0.1
	done
}

# wait-tasks UNIT N SECS: until the unit's TasksCurrent is N (prints it).
cmd_wait-tasks() {
	local end=$(($(ticks) + $3 * 10)) cur
	while :; do
		cur=$(prop "$1" TasksCurrent)
		[ "$cur" = "$2" ] && { echo "$cur"; return 0; }
		[ "$(ticks)" -ge "$end" ] && { echo "$cur"; return 1; }
		sleep 0.2
	done
}

# kill-user UID: SIGKILL to every process of UID (cleanup between cases).
cmd_kill-user() {
	local pid
	for pid in $(cmd_procs "$1" | awk '{ print $1 }'); do kill -KILL "$pid" 2>/dev/null; done
	return 0
}

# cleanup UID...: ends whatever of those users a case left (printing what
# it found): their processes, sandsh's units, logind's users, stale
# registry entries, empty cgroups of sandsh's own tree.
cmd_cleanup() {
	local uid p d n
	for uid in "$@"; do
		p=$(cmd_procs "$uid")
		[ -n "$p" ] && echo "killed: $(echo "$p" | awk '{ print $1 ":" $2 }' | tr '\n' ' ')"
		cmd_kill-user "$uid"
	done
	for n in $(systemctl list-units --all --plain --no-legend 'sandsh-*' | awk '$1 ~ /\.scope$/ { print $1 }'); do
		echo "stopped: $n"
		systemctl stop "$n" 2>/dev/null
	done
	systemctl reset-failed 'sandsh-*' 2>/dev/null
	for uid in "$@"; do
		if loginctl show-user "$uid" >/dev/null 2>&1; then
			loginctl terminate-user "$uid" 2>/dev/null
		fi
	done
	sleep 0.5
	sandsh --list >/dev/null 2>&1 # drops registry entries of ended sessions
	if [ -d "$CG/$PARENT" ]; then
		find "$CG/$PARENT" -mindepth 1 -depth -type d | while read -r d; do
			rmdir "$d" 2>/dev/null && echo "removed cgroup: ${d#"$CG"}"
		done
	fi
	for uid in "$@"; do
		for d in $(seq 50); do
			[ -z "$(cmd_procs "$uid")" ] && break
			sleep 0.1
		done
	done
	return 0
}

c=${1:-}
shift || true
case "$c" in
mark | log | journal | open-id | close-status | procs | pid-of | live | leftovers | wait-clean | wait-clean-after | \
	session-procs | wait-ended | wait-tasks | kill-user | logind-sessions | cleanup | all-leftovers)
	"cmd_$c" "$@" ;;
*) echo "guest.sh: unknown command '$c'" >&2; exit 2 ;;
esac
