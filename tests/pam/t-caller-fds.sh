# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# `su -l` by another user who knows the target's password: the caller
# chooses su's descriptors 0-2, and they become the sandboxed shell's. A
# directory there is a handle on the host's tree that setns() does not
# move: through /proc/self/fd/N the shell would walk the host's
# filesystem as the target. The session must not get one (replaced, or
# refused). pam_permit stands in for the password the caller knows.

dir=$T_ROOT/fds-host-dir
install -d -o root -g root -m 0755 "$dir"
echo host-only-marker >"$dir/marker"
chmod 0644 "$dir/marker"

write_service su-l <<-'EOT'
	auth     sufficient pam_permit.so
	account  required   MOD
	account  required   pam_unix.so
	session  required   pam_unix.so
	session  required   MOD
EOT

# Copies first: busybox runs cat inside the shell, so a redirection of the
# cat would change the descriptor it looks at.
inner='exec 7<&0 9>&2; for n in 7 9; do cat /proc/$$/fd/$n/marker; done; echo looked'

# caller_su CALLER-UID: su -l sbuser1 started by that uid (sbadmin is
# unsandboxed: a user with a shell on the host), fds 0 and 2 on the host
# directory. Sets STATUS and OUT (su's own stderr is the directory).
caller_su() {
	local launcher=()
	[ "$1" = 0 ] || launcher=(/usr/bin/setpriv --reuid="$1" --regid="$1" --init-groups --)
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 "$PAM_RUN_TIMEOUT" \
			"${launcher[@]}" su -l sbuser1 -c "$inner" 0<"$dir" >"$T_WORK/su-out" 2<"$dir"
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/su-out")
}

for caller in 61003 0; do
	what="su -l by uid $caller with fds 0 and 2 on a host directory"
	caller_su "$caller"
	if [ "$STATUS" = 0 ]; then
		assert_line "$what: the session ran" "looked" "$OUT"
	else
		pass "$what: the session was refused (status $STATUS)"
	fi
	case "$OUT" in
	*host-only-marker*) fail "$what: the host's tree is not reachable from inside" \
		"the sandboxed shell read $dir/marker through an inherited descriptor" "$(_session_ctx)" ;;
	*) pass "$what: the host's tree is not reachable from inside" ;;
	esac
	assert_clean "$what"
done

pam_services
rm -rf "$dir"
