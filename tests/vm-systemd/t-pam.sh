# shellcheck shell=bash
# pam_sandsh.so as the last session module of Debian's stock
# /etc/pam.d/sshd, after common-session's pam_systemd (for group sbpam):
# the session's holder (root: the user cannot signal it), sshd's monitor
# and user-side process and the user's shell sit in sandsh-<ID>.scope;
# logind's session-N.scope is not deactivated while the session lives;
# pam_systemd's close cannot reach the bus from inside (docs/pam.md) and
# logind ends the session all the same; nothing is left after.

start_sleep pam vmpam || return 0
assert_match "the audit line says via=pam, service sshd" \
	"^session open id=$SID user=vmpam uid=2003 via=pam rootfs=/srv/sandsh/rootfs pids_max=64 tty=none from=10\.0\.2\.2 service=sshd\$" \
	"$(G "$GS log '$CUR'" | grep "^session open id=$SID ")"
check_live pam vmpam "$SID" "sleep sshd"
scope_procs() {
	G "for p in \$(cat /sys/fs/cgroup/sandsh.slice/sandsh-u2003.slice/sandsh-$SID.scope/cgroup.procs); do echo \$(stat -c %u /proc/\$p):\$(cat /proc/\$p/comm); done | sort | tr '\n' ' '"
}
assert_match "the scope holds the root holder, sshd's monitor, sshd's user side and the command" \
	'^0:sandsh-holder 0:sshd 2003:sleep 2003:sshd $' "$(scope_procs)"
sleep 3
check_live "3 s later" vmpam "$SID" "sleep sshd"
lscope=$(live_get logind_scope)
lscope=${lscope%/*}
end_sleep pam vmpam
j=$(G "$GS journal '$CUR' -o cat")
assert_eq "systemd did not deactivate logind's scope while the session lived" "" \
	"$(printf '%s\n' "$j" | sed -n '/^session close id=/q; p' | grep -F "$lscope: Deactivated")"
assert_eq "pam_systemd's close: no error but the documented one (no system bus inside)" "" \
	"$(printf '%s\n' "$j" | grep -E 'pam_systemd\(sshd:session\).*(Failed|failed|error)' |
		grep -v -F 'Failed to connect to system bus: No such file or directory')"
check_all_gone
