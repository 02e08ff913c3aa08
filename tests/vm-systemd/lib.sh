# shellcheck shell=bash
# Globals here are used by the sourcing scripts (LIVE by live_get too):
# shellcheck disable=SC2034
# Host-side helpers of the systemd guest suite (sourced by run.sh after
# tests/lib/hermetic.sh for the reporting functions): the ssh clients into
# the guest, background sessions, and the checks several cases share.

GS=/root/vmt/guest.sh       # the guest's helper (tests/vm-systemd/guest.sh)
GONE_S=${VM_GONE_S:-5}      # "nothing of a session remains 5 s after it ends"

# The fixture users (name:uid:how they reach sandsh).
VM_USERS="vmshell:2001:shell vmforce:2002:force vmpam:2003:pam vmbomb:2004:shell vmescape:2005:shell"
VM_UIDS="2001 2002 2003 2004 2005"

# ssh_opts: the real OpenSSH client, nothing of the host's ssh configuration
# or agent, the guest's host key checked against the image's known_hosts.
# SSH_OPTS for ssh, SCP_OPTS for scp (-P for the port).
ssh_opts() {
	local o=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$IMG/known_hosts"
		-o HostKeyAlias=sandsh-debian12 -o UpdateHostKeys=no -o ConnectTimeout=20
		-o ServerAliveInterval=5 -o ServerAliveCountMax=12 -o LogLevel=ERROR)
	SSH_OPTS=(-p "$VM_PORT" "${o[@]}")
	SCP_OPTS=(-P "$VM_PORT" "${o[@]}")
}

# G CMD: CMD as root in the guest (a shell command line); G_T seconds bound.
# The look-ups share one connection (a control master in $VM_WORK, when
# its path fits a socket's): a login per look-up would cost a second each
# under TCG, and root's logins are not what the cases are about.
G() {
	local mux=(-o ControlPath=none)
	[ ${#VM_WORK} -lt 90 ] &&
		mux=(-o ControlMaster=auto -o "ControlPath=$VM_WORK/ssh-mux" -o ControlPersist=120)
	env -u SSH_AUTH_SOCK timeout -k 5 "${G_T:-120}" ssh "${SSH_OPTS[@]}" "${mux[@]}" \
		-i "$IMG/id_root" root@127.0.0.1 "$@"
}
# G_login CMD: the same through a login of its own (sshd, PAM, logind).
G_login() {
	env -u SSH_AUTH_SOCK timeout -k 5 "${G_T:-120}" ssh "${SSH_OPTS[@]}" -o ControlPath=none \
		-i "$IMG/id_root" root@127.0.0.1 "$@"
}
# G_mux_end: ends the shared connection.
G_mux_end() {
	[ -S "$VM_WORK/ssh-mux" ] || return 0
	env -u SSH_AUTH_SOCK timeout -k 5 20 ssh "${SSH_OPTS[@]}" -o "ControlPath=$VM_WORK/ssh-mux" \
		-O exit root@127.0.0.1 2>/dev/null
	rm -f "$VM_WORK/ssh-mux"
}
# g_ready SECONDS: until a new root login works (sshd re-executes itself on
# a reload: for a moment nothing listens on port 22).
g_ready() {
	local i
	for ((i = 0; i < $1; i++)); do
		G_T=15 G_login true 2>/dev/null && return 0
		sleep 1
	done
	return 1
}
# U USER CMD: CMD as USER through sshd (its login shell, ForceCommand or PAM).
U() {
	local user=$1
	shift
	env -u SSH_AUTH_SOCK timeout -k 5 "${U_T:-120}" ssh "${SSH_OPTS[@]}" -i "$IMG/id_user" "$user@127.0.0.1" "$@"
}

# --- background ssh clients ------------------------------------------------------
# bg_ssh NAME USER [SSH-OPTIONS...] -- CMD: an ssh client in the background;
# stdout/stderr in $VM_WORK/NAME.out/.err, its pid in BG[NAME] and in
# $VM_WORK/bg.pids (the teardown ends whatever is left, by pid).
declare -A BG
bg_ssh() {
	local name=$1 user=$2 opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	shift
	env -u SSH_AUTH_SOCK ssh "${SSH_OPTS[@]}" "${opts[@]}" -i "$IMG/id_user" "$user@127.0.0.1" "$@" \
		>"$VM_WORK/$name.out" 2>"$VM_WORK/$name.err" </dev/null &
	BG[$name]=$!
	echo "${BG[$name]}" >>"$VM_WORK/bg.pids"
}
# bg_end_all: SIGKILL to every client bg_ssh started that still runs (the
# suite runs in its own PID namespace: these pids are nobody else's).
bg_end_all() {
	local pid
	while read -r pid; do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ssh ] && kill -KILL "$pid" 2>/dev/null
	done <"$VM_WORK/bg.pids"
	: >"$VM_WORK/bg.pids"
}
# bg_wait NAME SECONDS: waits for that client (in this shell: no command
# substitution, wait needs its parent); its exit status in BG_STATUS.
# Status 1 (BG_STATUS empty) if it still runs after SECONDS.
bg_wait() {
	local pid=${BG[$1]} i
	BG_STATUS=""
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 1
	wait "$pid"
	BG_STATUS=$?
	BG[$1]="" # reaped: its pid may be anybody's now
	return 0
}
# bg_out_wait NAME ERE SECONDS: until a line of its stdout matches ^ERE$.
bg_out_wait() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -x -E -- "$2" "$VM_WORK/$1.out" 2>/dev/null && return 0
		kill -0 "${BG[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	grep -q -x -E -- "$2" "$VM_WORK/$1.out" 2>/dev/null
}
# bg_kill NAME: ends that client (by its pid) if it still runs.
bg_kill() {
	local pid=${BG[$1]:-}
	[ -n "$pid" ] || return 0
	{ kill -KILL "$pid" && wait "$pid"; } 2>/dev/null
	BG[$1]=""
	return 0
}
bg_show() {
	echo "ssh client $1: stdout: $(cat "$VM_WORK/$1.out" 2>/dev/null)"
	echo "ssh client $1: stderr: $(cat "$VM_WORK/$1.err" 2>/dev/null)"
}

# lbl NAME: "NAME: " for a description, unless the case's section says it.
lbl() {
	[ "$1: " = "${T_SECTION:-}" ] || printf '%s: ' "$1"
}

# --- sessions ---------------------------------------------------------------------
uid_of() {
	local u
	for u in $VM_USERS; do
		[ "${u%%:*}" = "$1" ] && { u=${u#*:}; echo "${u%%:*}"; return 0; }
	done
	return 1
}

# start_sleep NAME USER: a session of USER whose command is a long sleep
# (after printing "ready"), found in the audit log. Sets SID (the sandsh
# session id), SLEEP_PID (the sleep, as the guest sees it) and CUR (the
# journal mark before the login). Fails the case (status 1) otherwise.
start_sleep() {
	local name=$1 user=$2 uid i
	uid=$(uid_of "$user")
	SID="" SLEEP_PID=""
	CUR=$(G "$GS mark")
	bg_ssh "$name" "$user" -- 'echo ready; exec sleep 1000'
	if ! bg_out_wait "$name" ready 60; then
		fail "$(lbl "$name")$user logs in and runs a command" "$(bg_show "$name")" \
			"audit log: $(G "$GS log '$CUR'")"
		return 1
	fi
	SID=$(G "$GS open-id $user '$CUR' 20")
	if [ -z "$SID" ]; then
		fail "$(lbl "$name")the audit log has the session open line" "audit log: $(G "$GS log '$CUR'")"
		return 1
	fi
	for i in $(seq 50); do
		SLEEP_PID=$(G "$GS pid-of $uid sleep")
		[ -n "$SLEEP_PID" ] && break
		sleep 0.2
	done
	[ -n "$SLEEP_PID" ] || { fail "$(lbl "$name")the session's sleep runs" "$(G "$GS procs $uid")"; return 1; }
	return 0
}

# live_get KEY: a value of the last check_live report.
live_get() {
	printf '%s\n' "$LIVE" | sed -n "s/^$1=//p"
}

# check_live NAME USER SID INSIDE [TASKS MEMORY CPU]: the assertions of a
# live session: the sandbox's processes (exactly the names INSIDE, sorted)
# in its scope in the user's slice, the limits on the slice, systemctl
# and logind seeing it. Outside the sandbox the user has only the user
# manager and, when sandsh is the shell (not PAM), sshd's own process in
# logind's session scope.
check_live() {
	local name=$1 user=$2 sid=$3 inside=$4 tasks=${5:-64} mem=${6:-268435456} cpu=${7:-1s} uid sc ls host=""
	uid=$(uid_of "$user")
	sc=sandsh-$sid.scope
	LIVE=$(G "$GS live $user $uid $sid")
	assert_eq "$(lbl "$name")$sc is active" "active/running" "$(live_get scope_state)"
	assert_eq "$(lbl "$name")$sc is in the user's slice" "sandsh-u$uid.slice" "$(live_get scope_slice)"
	assert_eq "$(lbl "$name")$sc's cgroup" "/sandsh.slice/sandsh-u$uid.slice/$sc" "$(live_get scope_cgroup)"
	assert_eq "$(lbl "$name")sandsh-u$uid.slice is active, in sandsh.slice" "active in sandsh.slice" "$(live_get user_slice)"
	assert_eq "$(lbl "$name")the policy limits on the user's slice (systemctl show)" \
		"TasksMax=$tasks MemoryMax=$mem CPUQuotaPerSecUSec=$cpu" "$(live_get limits)"
	assert_eq "$(lbl "$name")the kernel enforces them on the slice's cgroup" \
		"pids.max=$tasks memory.max=$mem cpu.max=$(cpu_max_file "$cpu")" "$(live_get kernel_limits)"
	assert_eq "$(lbl "$name")the sandbox's processes are $inside, in $sc (/proc/PID/cgroup)" "$inside" "$(live_get inside)"
	assert_eq "$(lbl "$name")no process of the sandbox (its PID namespace) is outside $sc" "" "$(live_get outside)"
	assert_eq "$(lbl "$name")systemctl status of the command's pid names $sc" "$sc" "$(live_get status_of_sleep)"
	assert_eq "$(lbl "$name")systemctl status $sc lists the command" "1" "$(live_get status_lists_sleep)"
	assert_match "$(lbl "$name")loginctl list-sessions shows one session of $user" '^[0-9]+$' "$(live_get logind_sessions)"
	assert_match "$(lbl "$name")logind's session is active" '^(active|online)$' "$(live_get logind_state)"
	ls=$(live_get logind_scope)
	assert_match "$(lbl "$name")logind's session scope is active" '^session-[0-9]+\.scope/active$' "$ls"
	case "$inside" in
	*sandsh-init*) host="sshd:/user.slice/user-$uid.slice/${ls%/*}" ;;
	esac
	assert_eq "$(lbl "$name")outside the sandbox $user has ${host:-no process} (the user manager aside)" \
		"$host" "$(live_get host_side)"
}

# cpu.max as the kernel shows a CPUQuotaPerSecUSec (systemd's period: 100 ms).
cpu_max_file() {
	case "$1" in
	infinity) echo "max 100000" ;;
	*s) echo "$(awk -v s="${1%s}" 'BEGIN { printf "%d", s * 100000 }') 100000" ;;
	*) echo "?" ;;
	esac
}

# check_gone NAME USER SID: nothing of the session (processes of the user,
# scope, registry entry, cgroups but empty slices, logind session) is there
# GONE_S seconds after its close line was logged.
check_gone() {
	local name=$1 user=$2 sid=$3 uid left
	uid=$(uid_of "$user")
	left=$(G "$GS wait-clean-after $user $uid $sid '$CUR' $GONE_S")
	assert_eq "$(lbl "$name")nothing of the session remains ${GONE_S} s after it ended" "" "$left"
}

# end_sleep NAME USER: ends the session start_sleep began (SIGTERM to its
# sleep, as root), then checks the client's status, the close line and
# that nothing remains.
end_sleep() {
	local name=$1 user=$2
	G "kill -TERM $SLEEP_PID"
	bg_wait "$name" 30 || { fail "$(lbl "$name")the ssh client returns when the command ends" "$(bg_show "$name")"; bg_kill "$name"; }
	# sandsh reports 128+N for a command killed by signal N; under
	# pam_sandsh sshd runs the command itself and reports the signal, which
	# ssh turns into its own 255.
	if [ "$user" = vmpam ]; then
		[ -n "$BG_STATUS" ] && assert_eq "$(lbl "$name")ssh reports the command killed by a signal (255)" 255 "$BG_STATUS"
	else
		[ -n "$BG_STATUS" ] && assert_eq "$(lbl "$name")ssh returns the command's status (SIGTERM: 143)" 143 "$BG_STATUS"
	fi
	check_gone "$name" "$user" "$SID"
}

# slice_linger N|default: this case's policy keeps the user's slice N s
# after the last session, or the built-in time (run.sh writes the policy
# afresh before each case, with 0).
slice_linger() {
	local sed="s/^  slice_linger = 0;\$/  slice_linger = $1;/" want="  slice_linger = $1;"
	if [ "$1" = default ]; then
		sed='/^  slice_linger = 0;$/d' want=
	fi
	G "sed -i '$sed' /etc/sandsh/sandsh.conf && { [ -z '$want' ] || grep -qx '$want' /etc/sandsh/sandsh.conf; } && { [ -n '$want' ] || ! grep -q '^  slice_linger' /etc/sandsh/sandsh.conf; } && sandsh --check >/dev/null" ||
		fail "the case's policy has slice_linger ${want:-unset}"
}

# check_all_gone: at the end of a case, once all its sessions ended:
# nothing of sandsh anywhere (no sandsh-* scope, registry entry, cgroup
# under sandsh.slice but empty slices, cgroup of sandsh's own tree).
check_all_gone() {
	assert_eq "nothing of any session is left (units, registry, cgroups)" "" "$(G "$GS all-leftovers")"
}
