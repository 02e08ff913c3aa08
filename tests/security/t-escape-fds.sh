# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# Descriptors 0-2 of whoever starts sandsh stay the session's terminal, but
# they are the caller's choice: `su -l`, runuser or sudo -u into a user
# whose login shell is sandsh hand it whatever they were given. A directory
# there is a handle on the host's tree that no pivot_root hides: through
# /proc/self/fd/N/.. the command would walk the host's filesystem as the
# user. A session must not start with one (replaced, or refused).

dir=$T_ROOT/fds-host-dir
install -d -o root -g root -m 0755 "$dir"
echo host-only-marker >"$dir/marker"
chmod 0644 "$dir/marker"

# fd_run FD OUTFD: sandsh as sbuser1 with descriptor FD opened on the host
# directory; the command looks through (copies of) its standard
# descriptors for the marker and reports on OUTFD (which is not the directory). Sets STATUS,
# OUT (what OUTFD received) and ERR (the other standard output).
fd_run() {
	local fd=$1 ofd=$2
	# Copies first: busybox runs cat inside the shell, so a redirection
	# of the cat would change the descriptor it looks at.
	local inner='exec 7<&0 8>&1 9>&2; for n in 7 8 9; do cat /proc/$$/fd/$n/marker >&'"$ofd"'; done; echo looked >&'"$ofd"
	local cmd=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/timeout -k 5 "$RUN_TIMEOUT"
		/usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- "$SANDSH" -c "$inner")
	: >"$T_WORK/fd-a"
	: >"$T_WORK/fd-b"
	{
		case "$fd" in
		0) "${cmd[@]}" 0<"$dir" 1>"$T_WORK/fd-a" 2>"$T_WORK/fd-b" ;;
		1) "${cmd[@]}" </dev/null 1<"$dir" 2>"$T_WORK/fd-a" ;;
		2) "${cmd[@]}" </dev/null 1>"$T_WORK/fd-a" 2<"$dir" ;;
		esac
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/fd-a")
	ERR=$(cat "$T_WORK/fd-b")
}

for fd in 0 1 2; do
	ofd=1
	[ "$fd" = 1 ] && ofd=2
	fd_run "$fd" "$ofd"
	if [ "$STATUS" = 0 ]; then
		assert_line "fd $fd on a host directory: the session ran" "looked" "$OUT"
	else
		assert_status "fd $fd on a host directory: refused as a sandsh failure" 125
	fi
	case "$OUT$ERR" in
	*host-only-marker*) fail "fd $fd on a host directory: the host's tree is not reachable from inside" \
		"the command read $dir/marker through /proc/self/fd/$fd" "$(_session_ctx)" ;;
	*) pass "fd $fd on a host directory: the host's tree is not reachable from inside" ;;
	esac
done
rm -rf "$dir"
