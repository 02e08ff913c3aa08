# shellcheck shell=bash
# Globals here are used by the sourcing scripts:
# shellcheck disable=SC2034
# A hermetic OpenSSH server for the tests (sourced after tests/lib/hermetic.sh,
# after hermetic_setup, inside the same private mount + PID namespace).
#
#   sshd_setup            host key, client key, known_hosts, the sshd
#                         privilege-separation user and directory, fixture
#                         homes on the host side, empty /var/log for sshd's
#                         wtmp/lastlog writes (all in the namespace)
#   sshd_start [LINE...]  writes $SSHD_CONFIG (the standard lines, then each
#                         LINE; put Match blocks last) and starts
#                         /usr/sbin/sshd -D on 127.0.0.1:<free high port>;
#                         sets SSHD_PID, SSHD_PORT; with SSHD_SYSLOG set,
#                         sshd logs through syslog (/dev/log), not -e;
#                         SSHD_WRAPPER (array): a launcher that execs sshd
#   ssh_as USER ARGS...   the real ssh client, as root in the namespace, to
#                         USER@127.0.0.1 with the fixture key (BatchMode,
#                         strict host key check against the fixture
#                         known_hosts, no ~/.ssh, no agent, no ssh_config)
#   SSH_OPTS (array)      the same options for scp/sftp (add -P/-p yourself:
#                         SSH_PORT_OPT_SCP / SSH_PORT_OPT_SSH)
#   SSH_CMD               one string for rsync -e / tmux / script
#   sshd_stop             stops exactly this sshd (by pid) and waits for
#                         (then kills) its per-connection children
#   sshd_log              the server's own log (sshd -e, LogLevel VERBOSE)
#
# Nothing here touches the host's /etc/ssh, passwd or known_hosts: /etc is
# hermetic.sh's overlay, /run and /home and /var/log are tmpfs of the
# namespace, the keys live in $T_ROOT/ssh.
#
# Overridable before sshd_setup: SSHD_USER (sshd's privilege-separation
# user, uid SSHD_UID), SSHD_HOST_HOMES=0 to leave /home alone.

T_SSH=$T_ROOT/ssh
SSHD_CONFIG=$T_SSH/sshd_config
SSHD_LOG=$T_SSH/sshd.log
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_UID=${SSHD_UID:-61990}
SSHD_HOST_HOMES=${SSHD_HOST_HOMES:-1}
SSHD_PID=
SSHD_PORT=
SSH_KEY=$T_SSH/client_ed25519
SSH_KNOWN_HOSTS=$T_SSH/known_hosts

sshd_setup() {
	local u name uid gid
	if ! command -v ssh >/dev/null || [ ! -x "$SSHD_BIN" ]; then
		h_die "openssh-server/openssh-client not installed (scripts/deps.sh e2e)"
	fi
	h_must install -d -o root -g root -m 0755 "$T_SSH" "$T_SSH/authorized_keys"
	rm -f "$T_SSH/host_ed25519" "$T_SSH/host_ed25519.pub" "$SSH_KEY" "$SSH_KEY.pub"
	h_must ssh-keygen -q -t ed25519 -N '' -C sandsh-test-host -f "$T_SSH/host_ed25519"
	h_must ssh-keygen -q -t ed25519 -N '' -C sandsh-test-client -f "$SSH_KEY"
	chmod 0600 "$T_SSH/host_ed25519" "$SSH_KEY"

	# One authorized_keys file per fixture user, root-owned (StrictModes
	# accepts root or the user as owner; every parent is root 0755).
	for u in $T_USERS; do
		name=${u%%:*}
		h_must install -o root -g root -m 0644 "$SSH_KEY.pub" "$T_SSH/authorized_keys/$name"
	done

	# sshd refuses accounts whose password field starts with "!" (locked)
	# when UsePAM is off; "*" (no password) still allows public keys.
	sed -i -E 's/^([^:]+):!/\1:*/' /etc/shadow
	# The privilege-separation user and its empty chroot directory.
	grep -q "^${SSHD_USER:-sshd}:" /etc/passwd ||
		echo "${SSHD_USER:-sshd}:x:$SSHD_UID:65534::/run/sshd:/usr/sbin/nologin" >>/etc/passwd
	h_must install -d -o root -g root -m 0755 /run/sshd

	# sshd writes wtmp/btmp/lastlog under /var/log: keep that in the namespace.
	h_tmpfs_over /var/log mode=0755,size=4m,nosuid,nodev sandsh-hermetic-varlog
	# sshd starts the user's session in the passwd home (on the host side,
	# before any sandbox); without it every session prints "Could not
	# chdir to home directory" on stderr.
	if [ "$SSHD_HOST_HOMES" = 1 ]; then
		h_tmpfs_over /home mode=0755,size=16m,nosuid,nodev sandsh-hermetic-home
		for u in $T_USERS; do
			IFS=: read -r name uid gid <<<"$u"
			h_must install -d -o "$uid" -g "$gid" -m 0755 "/home/$name"
		done
	fi
	SSH_OPTS=(-F /dev/null -i "$SSH_KEY" -o IdentitiesOnly=yes -o IdentityAgent=none
		-o BatchMode=yes -o StrictHostKeyChecking=yes
		-o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
		-o UpdateHostKeys=no -o ConnectTimeout=10 -o ServerAliveInterval=5
		-o ServerAliveCountMax=3 -o LogLevel=ERROR)
}

# A TCP port on 127.0.0.1 nobody listens on (the namespace shares the
# host's network, so look at the host's listeners).
sshd_free_port() {
	local p hex
	for _ in $(seq 50); do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		hex=$(printf '%04X' "$p")
		if ! awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
			/proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -qx "$hex"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

sshd_write_config() {
	local l
	{
		echo "Port $SSHD_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "AddressFamily inet"
		echo "HostKey $T_SSH/host_ed25519"
		echo "PidFile none"
		echo "AuthorizedKeysFile $T_SSH/authorized_keys/%u"
		echo "AuthorizedPrincipalsFile none"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "HostbasedAuthentication no"
		echo "PermitRootLogin no"
		echo "StrictModes yes"
		echo "UsePAM ${SSHD_USE_PAM:-no}"
		echo "UseDNS no"
		echo "PrintMotd no"
		echo "PrintLastLog no"
		echo "Banner none"
		echo "LogLevel VERBOSE"
		echo "MaxStartups 50"
		echo "LoginGraceTime 30"
		echo "ClientAliveInterval 5"
		echo "ClientAliveCountMax 3"
		# The side doors docs/ssh.md tells administrators to close.
		echo "DisableForwarding yes"
		echo "PermitUserEnvironment no"
		echo "PermitUserRC no"
		echo "Subsystem sftp ${SSHD_SFTP:-/usr/lib/openssh/sftp-server}"
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$SSHD_CONFIG.new"
	chmod 0644 "$SSHD_CONFIG.new"
	mv -f "$SSHD_CONFIG.new" "$SSHD_CONFIG"
}

# sshd_said TEXT: sshd has logged TEXT (since its start).
sshd_said() {
	if [ -n "${SSHD_SYSLOG:-}" ]; then
		log_since | grep -qF -- "$1"
	else
		grep -qF -- "$1" "$SSHD_LOG"
	fi
}

# sshd_start [CONFIG-LINE...]: starts sshd (stopping a previous one).
sshd_start() {
	local try i
	[ -z "$SSHD_PID" ] || sshd_stop 5
	for try in 1 2 3 4 5; do
		SSHD_PORT=$(sshd_free_port) || h_die "no free port"
		sshd_write_config "$@"
		"$SSHD_BIN" -t -f "$SSHD_CONFIG" || h_die "sshd -t rejects $SSHD_CONFIG"
		if [ -n "${SSHD_SYSLOG:-}" ]; then
			log_mark
			${SSHD_WRAPPER[@]+"${SSHD_WRAPPER[@]}"} "$SSHD_BIN" -D -f "$SSHD_CONFIG" </dev/null >>"$SSHD_LOG" 2>&1 &
		else
			: >"$SSHD_LOG"
			${SSHD_WRAPPER[@]+"${SSHD_WRAPPER[@]}"} "$SSHD_BIN" -D -e -f "$SSHD_CONFIG" </dev/null 2>>"$SSHD_LOG" &
		fi
		SSHD_PID=$!
		for i in $(seq 100); do
			if sshd_said "Server listening on 127.0.0.1 port $SSHD_PORT"; then
				echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T_SSH/host_ed25519.pub")" >"$SSH_KNOWN_HOSTS"
				SSH_CMD="ssh ${SSH_OPTS[*]} -p $SSHD_PORT"
				return 0
			fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		# Lost a race for the port (or worse): try another one.
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	done
	cat "$SSHD_LOG" >&2
	h_die "sshd did not start"
}

# Pids of the per-connection sshd processes of the listener $1 (its
# children; each is followed by its own privsep/session children).
sshd_children() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ { print $2 }' "$d/status" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"
	done
}

# sshd_stop [SECONDS]: SIGTERM to the listener, then waits up to SECONDS
# (default 5) for its connection processes to end on their own before
# SIGTERM and finally SIGKILL to each of them (by pid).
sshd_stop() {
	local kids k i n
	[ -n "$SSHD_PID" ] || return 0
	kids=$(sshd_children "$SSHD_PID")
	kill -TERM "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
	n=$((${1:-5} * 10))
	for k in $kids; do
		for ((i = 0; i < n; i++)); do
			kill -0 "$k" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$k" 2>/dev/null; then
			kill -TERM "$k" 2>/dev/null
			for i in $(seq 30); do
				kill -0 "$k" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$k" 2>/dev/null
		fi
	done
	return 0
}

# ssh_as USER [SSH-ARGS...]: the real client to USER@127.0.0.1.
ssh_as() {
	local user=$1
	shift
	ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" "$@" -l "$user" 127.0.0.1
}

# ssh_run [-i FILE] [-t SECONDS] USER ARGS...: ssh_as with stdin FILE
# (default /dev/null), bounded; sets STATUS, OUT, ERR, DURATION_MS like
# run_as (the remote command follows the host: ssh_run sbuser1 'CMD').
ssh_run() {
	local input=/dev/null tmo=${RUN_TIMEOUT:-20} user t0
	while [ $# -gt 0 ]; do
		case "$1" in
		-i) input=$2; shift 2 ;;
		-t) tmo=$2; shift 2 ;;
		*) break ;;
		esac
	done
	user=$1
	shift
	t0=$(date +%s%N)
	{
		timeout -k 5 "$tmo" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -l "$user" 127.0.0.1 "$@" \
			<"$input" >"$T_WORK/ssh-out" 2>"$T_WORK/ssh-err"
		STATUS=$?
	} 2>/dev/null
	DURATION_MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(cat "$T_WORK/ssh-out")
	ERR=$(cat "$T_WORK/ssh-err")
}

# sshd_log: the server's log so far.
sshd_log() {
	cat "$SSHD_LOG" 2>/dev/null
}
