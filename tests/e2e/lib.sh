# shellcheck shell=bash
# Globals here are used by the sourcing scripts:
# shellcheck disable=SC2034,SC2120
# Helpers of the end-to-end tests (tests/e2e/run.sh sources this after
# tests/lib/hermetic.sh and tests/lib/sshd.sh).

E2E_ROOTFS=$T_ROOT/e2e-rootfs     # built by scripts/sandsh-mkrootfs
E2E_DATA=$T_ROOT/data              # per-user data dirs, bound at /home/<user>
E2E_TOOL=$T_ROOT/e2e-tool          # a fixture program for mkrootfs --add
E2E_MARKER=/etc/sandsh-e2e-marker  # differs inside (rootfs) and outside (host)
E2E_MARKER_IN=inside-the-e2e-rootfs
E2E_MARKER_OUT=HOST-ONLY-marker
TMUX_SOCK=$T_WORK/tmux.sock

# The e2e policy: the mkrootfs tree, a tmpfs /home with the user's data
# dir bound at /home/<user>, a prompt that is easy to wait for.
write_e2e_policy() {
	local l
	{
		policy_head "$E2E_ROOTFS"
		echo '  hostname = "e2e-%u";'
		echo '  shell = "/bin/sh";'
		echo '  mounts = ('
		echo '    { type = "tmpfs"; target = "/tmp"; size = "64M"; },'
		echo '    { type = "tmpfs"; target = "/home"; size = "1M"; },'
		echo "    { type = \"bind\"; source = \"$E2E_DATA/%u\"; target = \"/home/%u\"; }"
		echo '  );'
		echo '  env = { PS1 = "e2e-%u$ "; };'
		for l in "$@"; do
			echo "  $l"
		done
		echo '};'
		echo 'users = { sbuser2 = { shell = "/bin/bash"; }; };'
	} | write_policy
}

# sq STRING: STRING quoted for a POSIX shell.
sq() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# --- audit log -----------------------------------------------------------------

# sessions_since: "open ID" / "close ID STATUS" lines since the mark.
sessions_since() {
	log_since | sed -n -E \
		-e 's/^session open id=([0-9a-f]+) .*/open \1/p' \
		-e 's/^session close id=([0-9a-f]+) user=[^ ]+ status=([0-9]+) .*/close \1 \2/p'
}

# assert_sessions DESC N [USER]: since the mark, exactly N `session open`
# lines and N `session close` lines, pairwise the same ids (waits up to 5 s
# for late close lines).
assert_sessions() {
	local desc=$1 n=$2 i opens closes
	for i in $(seq 50); do
		closes=$(sessions_since | awk '$1 == "close" { print $2 }' | sort)
		[ "$(printf '%s' "$closes" | grep -c .)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 0.2
	opens=$(sessions_since | awk '$1 == "open" { print $2 }' | sort)
	closes=$(sessions_since | awk '$1 == "close" { print $2 }' | sort)
	if [ "$(printf '%s' "$opens" | grep -c .)" = "$n" ] && [ "$opens" = "$closes" ] &&
		[ -z "$(printf '%s\n' "$opens" | uniq -d)" ]; then
		pass "$desc"
	else
		fail "$desc" "expected $n open/close pair(s) with the same ids" "log since mark:" "$(log_since)"
	fi
}

# session_status: the status of the last close line since the mark.
session_status() {
	sessions_since | awk '$1 == "close" { s = $3 } END { print s }'
}

# --- processes and cgroups -----------------------------------------------------

# session_cgroups UID: session cgroup leaves of that user (every hierarchy).
session_cgroups() {
	local top
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
		while read -r top; do
			ls -d "$top/$T_CGROUP_PARENT/user-$1"/session-* 2>/dev/null
		done
}

# wait_user_gone UID [SECONDS]: until no process of UID is left (and its
# session cgroups are gone); returns 1 on timeout.
wait_user_gone() {
	local i n=$((${2:-5} * 10))
	for ((i = 0; i < n; i++)); do
		[ -z "$(procs -u "$1")" ] && [ -z "$(session_cgroups "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- tmux: a real terminal for ssh -tt -----------------------------------------

tmx() {
	[ -f "$T_WORK/tmux.conf" ] || echo 'set -g remain-on-exit on' >"$T_WORK/tmux.conf"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm HOME="$T_WORK" \
		tmux -S "$TMUX_SOCK" -f "$T_WORK/tmux.conf" "$@"
}

# tmux_start NAME COMMAND: a detached 100x30 window running the shell
# command COMMAND, then writing its exit status to $T_WORK/tmux-NAME.status
# (tmux 3.3a sometimes leaves a pane's exited process unreaped, so its own
# #{pane_dead_status} is not reliable).
tmux_start() {
	local name=$1 st=$T_WORK/tmux-$1.status
	shift
	rm -f "$st" "$st.new"
	tmx new-session -d -s "$name" -x 100 -y 30 "$*; echo \$? >$st.new; mv $st.new $st"
}

# tmux_ssh NAME USER: ssh -tt USER into a new window NAME.
tmux_ssh() {
	tmux_start "$1" "$SSH_CMD -tt -l $2 127.0.0.1"
}

# tmux_screen NAME: the visible screen and history, trailing blanks gone.
tmux_screen() {
	tmx capture-pane -p -J -S -200 -t "$1" 2>/dev/null | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# tmux_wait NAME ERE [SECONDS]: until a screen line matches ^ERE$.
tmux_wait() {
	local i n=$((${3:-10} * 10))
	for ((i = 0; i < n; i++)); do
		tmux_screen "$1" | grep -q -x -E -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# tmux_wait_prompt NAME PROMPT-ERE N [SECONDS]: until window NAME shows at
# least N prompt lines (^PROMPT-ERE( .*)?$) and ends with a bare prompt: the
# shell has answered every line typed before and reads the next. Text typed
# earlier is echoed into the running pipeline's output and its own output
# lands after the next prompt, on the prompt's line.
tmux_wait_prompt() {
	local i n=$((${4:-10} * 10)) scr
	for ((i = 0; i < n; i++)); do
		scr=$(tmux_screen "$1")
		if [ "$(grep -c -x -E -- "$2( .*)?" <<<"$scr")" -ge "$3" ] &&
			tail -n 1 <<<"$scr" | grep -q -x -E -- "$2"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# tmux_count NAME ERE: how many screen lines match ^ERE$.
tmux_count() {
	tmux_screen "$1" | grep -c -x -E -- "$2"
}

# tmux_type NAME TEXT: types TEXT and Enter.
tmux_type() {
	tmx send-keys -t "$1" -l -- "$2" && tmx send-keys -t "$1" Enter
}

# tmux_dead NAME: once the window's command ended, prints its exit status.
tmux_dead() {
	[ -s "$T_WORK/tmux-$1.status" ] && cat "$T_WORK/tmux-$1.status"
}

# tmux_wait_dead NAME [SECONDS]: waits for the pane's command to end;
# prints its status.
tmux_wait_dead() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		tmux_dead "$1" && return 0
		sleep 0.05
	done
	return 1
}

# tmux_ssh_pid NAME: the pid of the ssh client in window NAME.
tmux_ssh_pid() {
	local pp d
	pp=$(tmx display-message -p -t "$1" '#{pane_pid}') || return 1
	for d in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ { print $2 }' "$d/status" 2>/dev/null)" = "$pp" ] &&
			[ "$(cat "$d/comm" 2>/dev/null)" = ssh ] && echo "${d#/proc/}"
	done
}

# tmux_stop: ends the tmux server (by its pid) and waits for it.
tmux_stop() {
	local pid i
	pid=$(tmx display-message -p '#{pid}' 2>/dev/null) || return 0
	tmx kill-server 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$TMUX_SOCK"
	return 0
}

# show_screen NAME: the screen, for failure messages.
show_screen() {
	echo "screen of $1:"
	tmux_screen "$1"
}
