# shellcheck shell=bash
# Globals here are used by the sourcing scripts:
# shellcheck disable=SC2034,SC2119,SC2120
# Hermetic test environment for sandsh (sourced by tests/integration/run.sh,
# the integration tests and scripts/demo.sh).
#
# Everything happens inside a private mount namespace that the caller has
# already entered (unshare --mount --propagation private):
#   /run            a fresh tmpfs (hides the host's /run, so sandsh's
#                   /run/sandsh state never touches the host)
#   /run/sandsh-test/{prefix,rootfs,log,share,...}
#   /etc            an overlay on the host's /etc (writes land in a tmpfs),
#                   holding fixture passwd/group/shadow and sandsh/sandsh.conf
#   /dev            a tmpfs with binds of the host's null zero full random
#                   urandom tty, pts, a shm tmpfs and /dev/log = logsink
# When the namespace's last process exits all of it disappears. The only
# host state sandsh itself creates outside the namespace is cgroups under
# the fixture's cgroup_parent ("sandsh-test-<random>"); hermetic_teardown
# removes those that are empty.

# Overridable before sourcing (scripts/demo.sh uses its own root and user).
T_ROOT=${T_ROOT:-/run/sandsh-test}
T_PREFIX=$T_ROOT/prefix
T_ROOTFS=$T_ROOT/rootfs
T_LOGDIR=$T_ROOT/log
T_LOG=$T_LOGDIR/syslog
T_SHARE=$T_ROOT/share
T_WORK=$T_ROOT/work
SANDSH=$T_PREFIX/sbin/sandsh
POLICY=/etc/sandsh/sandsh.conf
# A cgroup_parent of its own per run: cgroups are the one host-wide thing
# sessions share, and two runs at once must not count each other's pids.
T_CGROUP_PARENT=${T_CGROUP_PARENT:-sandsh-test-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')}
RUN_TIMEOUT=${RUN_TIMEOUT:-20}

# Fixture accounts (name:uid:gid) and extra groups (group-file lines).
T_USERS=${T_USERS:-"sbuser1:61001:61001 sbuser2:61002:61002 sbadmin:61003:61003"}
T_GROUPS=${T_GROUPS:-"sbstaff:x:61100:sbadmin sbstudents:x:61101:sbuser1,sbuser2"}

h_die() {
	echo "hermetic: $*" >&2
	exit 1
}

# Runs "$@" and dies with its message if it fails.
h_must() {
	"$@" || h_die "failed: $*"
}

# hermetic_setup BUILD_DIR [REPO_DIR]: builds the environment described
# above. Must run as root inside a private mount namespace.
# h_tmpfs_over DIR OPTIONS NAME: a tmpfs on DIR in this namespace that keeps
# the repository and the build directory reachable when they lie beneath
# DIR (CI may clone into /tmp or /home): they are bound aside first and
# bound back in the new tmpfs. Needs $T_ROOT (after hermetic_setup).
h_tmpfs_over() {
	local dir=$1 opts=$2 name=$3 p i=0 keep=()
	for p in "$H_REPO" "$H_BUILD"; do
		case "$p/" in
		"$dir"/*)
			h_must mkdir -p "$T_ROOT/keep/$i"
			h_must mount -n --bind "$p" "$T_ROOT/keep/$i"
			keep+=("$p")
			i=$((i + 1))
			;;
		esac
	done
	h_must mount -n -t tmpfs -o "$opts" "$name" "$dir"
	for i in "${!keep[@]}"; do
		h_must mkdir -p "${keep[$i]}"
		h_must mount -n --bind "$T_ROOT/keep/$i" "${keep[$i]}"
	done
}

hermetic_setup() {
	local build=$1 repo=${2:-$(pwd)} mi

	[ "$(id -u)" = 0 ] || h_die "must run as root"
	# Refuse to run in the host's mount namespace: every mount below would
	# then be the host's.
	mi=$(readlink /proc/self/ns/mnt)
	[ -n "${SANDSH_HOST_MNTNS:-}" ] || h_die "SANDSH_HOST_MNTNS (the host's mount namespace) not set"
	[ "$mi" != "$SANDSH_HOST_MNTNS" ] || h_die "not in a private mount namespace"
	findmnt -n -o PROPAGATION / | grep -q private ||
		h_die "/ is not private in this namespace"

	H_BUILD=$(cd "$build" && pwd) || h_die "no build directory $build"
	H_REPO=$(cd "$repo" && pwd)
	[ -x "$H_BUILD/sandsh" ] || h_die "$H_BUILD/sandsh not built"
	hermetic_tools

	# /run: a fresh tmpfs, root 0755, suid allowed (the installed binary is
	# setuid and sandsh keeps its state in /run/sandsh).
	h_must mount -n -t tmpfs -o mode=0755,size=256m,nodev sandsh-hermetic-run /run
	h_must install -d -o root -g root -m 0755 "$T_ROOT" "$T_PREFIX" "$T_PREFIX/sbin" \
		"$T_LOGDIR" "$T_WORK"
	h_must install -d -o root -g root -m 1777 "$T_SHARE"
	h_must install -o root -g root -m 4755 "$H_BUILD/sandsh" "$SANDSH"

	h_must "$H_REPO/scripts/mkrootfs-busybox.sh" "$T_ROOTFS" >/dev/null
	hermetic_etc
	hermetic_dev
	hermetic_homes
	hermetic_logsink
}

# Builds the test tools if the Makefile has not (tests/tests.mk).
hermetic_tools() {
	local t
	H_TOOLS=$H_BUILD/tools
	local static
	for t in logsink runargv seccomp-probe fdhold; do
		if [ ! -x "$H_TOOLS/$t" ] || [ "$H_REPO/tests/tools/$t.c" -nt "$H_TOOLS/$t" ]; then
			static=
			[ "$t" = seccomp-probe ] && static=-static
			mkdir -p "$H_TOOLS"
			h_must "${CC:-cc}" -D_GNU_SOURCE -std=gnu11 -O2 -Wall -Werror $static \
				-o "$H_TOOLS/$t" "$H_REPO/tests/tools/$t.c"
		fi
	done
	LOGSINK=$H_TOOLS/logsink
	RUNARGV=$H_TOOLS/runargv
	SECCOMP_PROBE=$H_TOOLS/seccomp-probe
}

# /etc: overlay over the host's /etc so the fixture files (and
# /etc/sandsh, which need not exist on the host) can be written without
# touching the host. Falls back to a tmpfs copy when overlayfs is missing.
hermetic_etc() {
	local u name uid gid
	h_must install -d -m 0755 "$T_ROOT/etc-upper" "$T_ROOT/etc-work"
	if ! mount -n -t overlay sandsh-hermetic-etc \
		-o "lowerdir=/etc,upperdir=$T_ROOT/etc-upper,workdir=$T_ROOT/etc-work" /etc 2>/dev/null; then
		h_must install -d -m 0755 "$T_ROOT/etc-copy"
		h_must cp -a /etc/. "$T_ROOT/etc-copy/"
		h_must mount -n --bind "$T_ROOT/etc-copy" /etc
	fi
	# /etc must stay root-owned 0755 for sandsh's policy-path walk.
	chown root:root /etc && chmod 0755 /etc

	{
		echo "root:x:0:0:root:/root:/bin/bash"
		echo "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"
		for u in $T_USERS; do
			IFS=: read -r name uid gid <<<"$u"
			echo "$name:x:$uid:$gid:Fixture $name:/home/$name:$SANDSH"
		done
	} >"$T_ROOT/passwd.new"
	{
		echo "root:x:0:"
		echo "nogroup:x:65534:"
		for u in $T_USERS; do
			IFS=: read -r name uid gid <<<"$u"
			echo "$name:x:$gid:"
		done
		for u in $T_GROUPS; do
			echo "$u"
		done
	} >"$T_ROOT/group.new"
	{
		echo "root:*:19000:0:99999:7:::"
		echo "nobody:*:19000:0:99999:7:::"
		for u in $T_USERS; do
			echo "${u%%:*}:!:19000:0:99999:7:::"
		done
	} >"$T_ROOT/shadow.new"
	# Replace, not bind: the overlay makes the files ours to rewrite.
	h_must install -o root -g root -m 0644 "$T_ROOT/passwd.new" /etc/passwd
	h_must install -o root -g root -m 0644 "$T_ROOT/group.new" /etc/group
	h_must install -o root -g root -m 0600 "$T_ROOT/shadow.new" /etc/shadow
	rm -f /etc/gshadow "$T_ROOT"/*.new
	h_must install -d -o root -g root -m 0755 /etc/sandsh
	# sandsh refuses ForceCommand sessions while sshd's PAM stack reads the
	# user's environment (Debian's stock pam_env user_readenv=1): the
	# fixture has the documented set-up; the stock file is kept beside
	# for the test that needs it (e2e t-ssh-pamenv.sh).
	if [ -f /etc/pam.d/sshd ]; then
		cp /etc/pam.d/sshd "$T_ROOT/pam.d-sshd.stock"
		sed -i -E 's/(pam_env\.so.*)user_readenv=1/\1user_readenv=0/' /etc/pam.d/sshd
	fi
	write_std_policy
}

# /dev: a tmpfs holding only what sandsh and the tests need.
hermetic_dev() {
	local hd=$T_ROOT/hostdev n
	h_must install -d -m 0755 "$hd"
	h_must mount -n --rbind /dev "$hd"
	h_must mount -n -t tmpfs -o mode=0755,size=1m,nosuid,noexec sandsh-hermetic-dev /dev
	for n in null zero full random urandom tty; do
		: >"/dev/$n"
		h_must mount -n --bind "$hd/$n" "/dev/$n"
	done
	h_must install -d -m 0755 /dev/pts
	h_must mount -n --rbind "$hd/pts" /dev/pts
	ln -s pts/ptmx /dev/ptmx
	h_must install -d -m 1777 /dev/shm
	h_must mount -n -t tmpfs -o mode=1777,nosuid,nodev,size=16m sandsh-hermetic-shm /dev/shm
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	umount -n -R -l "$hd" && rmdir "$hd"
}

# Home directories inside the rootfs, owned by their users.
hermetic_homes() {
	local u name uid gid
	for u in $T_USERS; do
		IFS=: read -r name uid gid <<<"$u"
		h_must install -d -o "$uid" -g "$gid" -m 0755 "$T_ROOTFS/home/$name"
	done
}

hermetic_logsink() {
	local i
	: >"$T_LOG"
	"$LOGSINK" /dev/log "$T_LOG" &
	H_LOGSINK_PID=$!
	for i in $(seq 50); do
		[ -S /dev/log ] && return 0
		sleep 0.1
	done
	h_die "logsink did not start"
}

# hermetic_teardown: stops what setup started and removes the fixture's
# empty cgroups (the only host state a session leaves).
hermetic_teardown() {
	if [ -n "${H_LOGSINK_PID:-}" ]; then
		kill "$H_LOGSINK_PID" 2>/dev/null
		wait "$H_LOGSINK_PID" 2>/dev/null
		H_LOGSINK_PID=
	fi
	hermetic_cgroup_cleanup
}

# Removes empty cgroups under the fixture cgroup_parent in every mounted
# hierarchy (cgroup v2 and v1). Prints those that could not be removed.
hermetic_cgroup_cleanup() {
	local top d
	while read -r top; do
		[ -d "$top/$T_CGROUP_PARENT" ] || continue
		find "$top/$T_CGROUP_PARENT" -depth -type d 2>/dev/null | while read -r d; do
			rmdir "$d" 2>/dev/null || echo "hermetic: cgroup left behind: $d" >&2
		done
	done < <(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo)
}

# --- policies ----------------------------------------------------------------

# write_policy: stdin becomes /etc/sandsh/sandsh.conf (root 0644, in a root
# 0755 /etc/sandsh), replacing whatever a previous test left there.
write_policy() {
	rm -rf /etc/sandsh
	install -d -o root -g root -m 0755 /etc/sandsh
	cat >"$POLICY.new"
	chown root:root "$POLICY.new"
	chmod 0644 "$POLICY.new"
	mv -f "$POLICY.new" "$POLICY"
}

# policy_head ROOTFS: the opening every fixture policy shares, up to the
# open defaults section (version, this run's cgroup parent, the rootfs).
policy_head() {
	echo 'version = 1;'
	echo 'settings = {'
	echo "  cgroup_parent = \"$T_CGROUP_PARENT\";"
	echo '};'
	echo 'defaults = {'
	echo "  rootfs = \"$1\";"
}

# write_std_policy [LINES...]: the standard fixture policy; each LINE is
# added to the defaults section.
write_std_policy() {
	local l
	{
		policy_head "$T_ROOTFS"
		for l in "$@"; do
			echo "  $l"
		done
		echo '};'
	} | write_policy
}

# Line number (1-based) of the first line of the policy matching an ERE.
policy_line_of() {
	grep -n -E -m1 -- "$1" "$POLICY" | cut -d: -f1
}

# --- running sessions ----------------------------------------------------------

# run_as [-e VAR=VAL]... [-0 ARGV0] [-n] [-i FILE] [-t SECONDS] USER [SANDSH-ARGS...]
# Runs the installed sandsh as USER (setpriv: real ids of USER, its groups)
# with a clean environment (PATH, then each -e), stdin /dev/null (or -i
# FILE), bounded by a timeout (default $RUN_TIMEOUT s, then SIGKILL 5 s
# later). -0 sets argv[0]; -n execs it with argc == 0.
# Sets STATUS, OUT (stdout), ERR (stderr), DURATION_MS.
run_as() {
	local envs=() argv0=$SANDSH noargv=0 tmo=$RUN_TIMEOUT input=/dev/null
	local user uid gid t0 t1 launcher
	while [ $# -gt 0 ]; do
		case "$1" in
		-e) envs+=(-e "$2"); shift 2 ;;
		-0) argv0=$2; shift 2 ;;
		-n) noargv=1; shift ;;
		-i) input=$2; shift 2 ;;
		-t) tmo=$2; shift 2 ;;
		*) break ;;
		esac
	done
	user=$1
	shift
	if [ "$user" = root ]; then
		launcher=()
	else
		if ! uid=$(id -u "$user") || ! gid=$(id -g "$user"); then
			h_die "no fixture user $user"
		fi
		launcher=(/usr/bin/setpriv --reuid="$uid" --regid="$gid" --init-groups --)
	fi
	# The -e variables are set by runargv, so only sandsh sees them.
	if [ $noargv = 1 ]; then
		launcher+=("$RUNARGV" "${envs[@]}" --no-argv "$SANDSH")
	else
		launcher+=("$RUNARGV" "${envs[@]}" "$SANDSH" "$argv0")
	fi
	t0=$(date +%s%N)
	# (The braces keep bash's own "Killed" notice off the test output.)
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/timeout -k 5 "$tmo" "${launcher[@]}" "$@" \
			<"$input" >"$T_WORK/${RUN_TAG:-}out" 2>"$T_WORK/${RUN_TAG:-}err"
		STATUS=$?
	} 2>/dev/null
	t1=$(date +%s%N)
	DURATION_MS=$(((t1 - t0) / 1000000))
	OUT=$(cat "$T_WORK/${RUN_TAG:-}out")
	ERR=$(cat "$T_WORK/${RUN_TAG:-}err")
	echo "$STATUS $DURATION_MS" >"$T_WORK/${RUN_TAG:-}status"
}

# run_bg RUN_AS-ARGS...: run_as in the background (BG_PID); wait_bg then
# sets STATUS, OUT, ERR, DURATION_MS as run_as would have.
run_bg() {
	(RUN_TAG=bg- run_as "$@") &
	BG_PID=$!
}

wait_bg() {
	wait "$BG_PID"
	read -r STATUS DURATION_MS <"$T_WORK/bg-status"
	OUT=$(cat "$T_WORK/bg-out")
	ERR=$(cat "$T_WORK/bg-err")
}

# procs [-u UID,...] [-c COMM] [-l]: pids of the processes (of this PID
# namespace) with one of those real uids and/or that exact comm; -l adds
# the command line. A small pgrep, so procps is not needed.
# A job a test looks for by name is started as `env sleep N &` in the
# session: busybox 1.36 (Ubuntu 24.04) runs a plain `sleep` as a NOFORK
# applet, inside a forked copy of the shell, so no process named sleep
# (nor one a signal reaches apart from the shell) would exist.
procs() {
	local uids="" comm="" long=0 d pid ruid c
	while [ $# -gt 0 ]; do
		case "$1" in
		-u) uids=",$2,"; shift 2 ;;
		-c) comm=$2; shift 2 ;;
		-l) long=1; shift ;;
		*) return 2 ;;
		esac
	done
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" = "$BASHPID" ] && continue
		if [ -n "$uids" ]; then
			ruid=$(awk '/^Uid:/ { print $2; exit }' "$d/status" 2>/dev/null) || continue
			[ -n "$ruid" ] && [[ $uids == *",$ruid,"* ]] || continue
		fi
		if [ -n "$comm" ]; then
			c=$(cat "$d/comm" 2>/dev/null) || continue
			[ "$c" = "$comm" ] || continue
		fi
		if [ $long = 1 ]; then
			echo "$pid $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
		else
			echo "$pid"
		fi
	done
}

# wait_for_session: waits until a session's init runs (PID namespace of
# the tests: only ours are visible); prints the outer sandsh's pid.
wait_for_session() {
	local i
	for i in $(seq 100); do
		if [ -n "$(procs -c sandsh-init)" ]; then
			procs -c sandsh | head -n 1
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# run_root [-e VAR=VAL]... SANDSH-ARGS...: same, as root.
run_root() {
	local opts=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-e | -0 | -t | -i) opts+=("$1" "$2"); shift 2 ;;
		-n) opts+=("$1"); shift ;;
		*) break ;;
		esac
	done
	run_as "${opts[@]}" root "$@"
}

# --- audit log -------------------------------------------------------------------

# log_mark: later log assertions only look at lines logged after this.
log_mark() {
	LOG_MARK=$(wc -l <"$T_LOG")
}

# log_since: lines logged since the last log_mark (message part only:
# "<PRI>Mon dd hh:mm:ss sandsh[PID]: " stripped).
log_since() {
	tail -n +"$((${LOG_MARK:-0} + 1))" "$T_LOG" | sed -E 's/^<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^:]*: //'
}

# log_wait ERE [SECONDS]: waits until a line since the mark matches.
log_wait() {
	local i n=$((${2:-3} * 10))
	for ((i = 0; i < n; i++)); do
		log_since | grep -q -E -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- reporting ---------------------------------------------------------------------

T_RESULTS=${T_RESULTS:-/dev/null}
T_SECTION=${T_SECTION:-}

_report() { # _report ok|fail|skip DESC [DETAIL...]
	local kind=$1 desc=$2 n
	shift 2
	n=$(($(wc -l <"$T_RESULTS" 2>/dev/null || echo 0) + 1))
	[ "$T_RESULTS" = /dev/null ] && n=-
	case "$kind" in
	ok) echo "ok $n - $T_SECTION$desc" ;;
	skip) echo "ok $n - $T_SECTION$desc # SKIP $*" ;;
	fail)
		echo "not ok $n - $T_SECTION$desc"
		local d
		for d in "$@"; do
			printf '%s\n' "$d" | sed 's/^/#   /'
		done
		;;
	esac
	echo "$kind $T_SECTION$desc" >>"$T_RESULTS"
	[ "$kind" != fail ]
}

pass() { _report ok "$1"; }
fail() { _report fail "$@"; }
skip() { _report skip "$1" "${2:-}"; }

# Context shown with every failure of a session assertion.
_session_ctx() {
	echo "status: ${STATUS:-?}"
	echo "stdout: ${OUT:-}"
	echo "stderr: ${ERR:-}"
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2" "observed: $3"
	fi
}

# assert_match DESC ERE ACTUAL
assert_match() {
	if printf '%s' "$3" | grep -q -E -- "$2"; then
		pass "$1"
	else
		fail "$1" "expected to match: $2" "observed: $3"
	fi
}

# assert_line DESC ERE TEXT: some line of TEXT matches ^ERE$.
assert_line() {
	if printf '%s\n' "$3" | grep -q -x -E -- "$2"; then
		pass "$1"
	else
		fail "$1" "expected a line matching: $2" "observed: $3"
	fi
}

# assert_status DESC EXPECTED: the last run's exit status.
assert_status() {
	if [ "$STATUS" == "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected status $2" "$(_session_ctx)"
	fi
}

# assert_out DESC EXPECTED: the last run's stdout (without the final newline).
assert_out() {
	if [ "$OUT" == "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected stdout: $2" "$(_session_ctx)"
	fi
}

# assert_stderr_line DESC EXPECTED: stderr is exactly that one line.
assert_stderr_line() {
	if [ "$ERR" == "$2" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]; then
		pass "$1"
	else
		fail "$1" "expected stderr (one line): $2" "$(_session_ctx)"
	fi
}

# assert_stderr_empty DESC
assert_stderr_empty() {
	if [ -z "$ERR" ]; then
		pass "$1"
	else
		fail "$1" "expected empty stderr" "$(_session_ctx)"
	fi
}

# assert_log_contains DESC ERE [SECONDS]: a log line since the mark matches.
assert_log_contains() {
	if log_wait "$2" "${3:-3}"; then
		pass "$1"
	else
		fail "$1" "expected a log line matching: $2" "log since mark:" "$(log_since)"
	fi
}

# assert_log_lacks DESC ERE: no log line since the mark matches (waits
# briefly so late lines are seen).
assert_log_lacks() {
	sleep 0.3
	if log_since | grep -q -E -- "$2"; then
		fail "$1" "unexpected log line matching: $2" "$(log_since)"
	else
		pass "$1"
	fi
}

# assert_refused DESC STATUS STDERR-LINE: the last run was refused and its
# probe (see PROBE) did not run.
PROBE="echo PROBE-RAN; touch $T_SHARE/PROBE-RAN"
assert_refused() {
	local desc=$1
	assert_status "$desc: status $2" "$2"
	assert_stderr_line "$desc: message" "$3"
	if [ -z "$OUT" ] && [ ! -e "$T_SHARE/PROBE-RAN" ]; then
		pass "$desc: nothing ran"
	else
		fail "$desc: nothing ran" "the probe command ran" "$(_session_ctx)"
	fi
	rm -f "$T_SHARE/PROBE-RAN"
}
