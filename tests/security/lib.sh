# shellcheck shell=bash
# Helpers of the security suite (sourced by tests/security/run.sh after
# tests/lib/hermetic.sh).
# shellcheck disable=SC2012

# sess_run [-l PRLIMIT-OPTION]... [-C FD]... [-e VAR=VAL]... [-0 ARGV0] [-t S] USER [ARGS...]
# Like run_as (the installed sandsh as USER, clean environment, stdin
# /dev/null, timeout), plus: -l applies a resource limit with prlimit(1)
# right before sandsh (after the switch to USER; argv[0] is then the
# path), -C closes fd 0, 1 or 2
# for sandsh instead of redirecting it. Sets STATUS, OUT, ERR (empty for a
# closed fd).
sess_run() {
	local lims=() envs=() closed=" " argv0=$SANDSH tmo=$RUN_TIMEOUT user uid gid cmd=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-l) lims+=("$2"); shift 2 ;;
		-C) closed="$closed$2 "; shift 2 ;;
		-e) envs+=(-e "$2"); shift 2 ;;
		-0) argv0=$2; shift 2 ;;
		-t) tmo=$2; shift 2 ;;
		*) break ;;
		esac
	done
	user=$1
	shift
	if ! uid=$(id -u "$user") || ! gid=$(id -g "$user"); then
		h_die "no fixture user $user"
	fi
	cmd=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/timeout -k 5 "$tmo"
		/usr/bin/setpriv --reuid="$uid" --regid="$gid" --init-groups --)
	if [ ${#lims[@]} -gt 0 ]; then
		# prlimit last, so the limit binds sandsh, not the launchers.
		cmd+=("$RUNARGV" "${envs[@]}" /usr/bin/prlimit prlimit "${lims[@]}" -- "$SANDSH" "$@")
	else
		cmd+=("$RUNARGV" "${envs[@]}" "$SANDSH" "$argv0" "$@")
	fi
	: >"$T_WORK/sess-out"
	: >"$T_WORK/sess-err"
	{
		case "$closed" in
		" ") "${cmd[@]}" </dev/null >"$T_WORK/sess-out" 2>"$T_WORK/sess-err" ;;
		" 0 ") "${cmd[@]}" <&- >"$T_WORK/sess-out" 2>"$T_WORK/sess-err" ;;
		" 1 ") "${cmd[@]}" </dev/null >&- 2>"$T_WORK/sess-err" ;;
		" 2 ") "${cmd[@]}" </dev/null >"$T_WORK/sess-out" 2>&- ;;
		*) "${cmd[@]}" <&- >&- 2>&- ;;
		esac
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/sess-out")
	ERR=$(cat "$T_WORK/sess-err")
}

# no_partial DESC: nothing of a session outlives it: no registry entry, a
# "session close" for every "session open" logged since the last log_mark,
# no session cgroup of sbuser1, no process of sbuser1.
no_partial() {
	local opens closes leaves left uid=${NO_PARTIAL_UID:-61001}
	sleep 0.2
	opens=$(log_since | grep -c '^session open ')
	closes=$(log_since | grep -c '^session close ')
	leaves=$(find /sys/fs/cgroup -path "*/$T_CGROUP_PARENT/user-$uid/session-*" -type d 2>/dev/null | head -3)
	left=$(procs -u "$uid")
	if [ -z "$(ls -A /run/sandsh/sessions 2>/dev/null)" ] && [ "$opens" = "$closes" ] &&
		[ -z "$leaves" ] && [ -z "$left" ]; then
		pass "$1: nothing left behind"
	else
		fail "$1: nothing left behind" "registry: $(ls -A /run/sandsh/sessions 2>/dev/null | tr '\n' ' ')" \
			"session open/close logged: $opens/$closes" "cgroups: $leaves" "processes: $left" "$(_session_ctx)"
		rm -f /run/sandsh/sessions/* 2>/dev/null
		for p in $left; do kill -KILL "$p" 2>/dev/null; done
	fi
}

# one_line_refusal: the last run was refused: non-zero status, no stdout,
# stderr exactly one line starting with "sandsh: ".
one_line_refusal() {
	[ "$STATUS" != 0 ] && [ -z "$OUT" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] &&
		[[ $ERR == "sandsh: "* ]]
}

# Whether this host lets root raise a hard resource limit (containers
# often drop CAP_SYS_RESOURCE from the bounding set).
have_sys_resource() {
	local bnd
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	(((0x$bnd >> 24) & 1))
}
