# shellcheck shell=bash
# pam_sandsh.so as the last session module of Debian's stock
# /etc/pam.d/sshd, after common-session's pam_systemd (for group sbpam):
# the session's holder, sshd's user-side process and the user's shell sit
# in sandsh-<ID>.scope; logind's session-N.scope is not deactivated while
# the session lives, pam_systemd's close works, nothing is left after.

start_sleep pam vmpam || return 0
assert_match "the audit line says via=pam, service sshd" \
	"^session open id=$SID user=vmpam uid=2003 via=pam rootfs=/srv/sandsh/rootfs pids_max=64 tty=none from=10\.0\.2\.2 service=sshd\$" \
	"$(G "$GS log '$CUR'" | grep "^session open id=$SID ")"
check_live pam vmpam "$SID" "sandsh-holder sleep sshd"
sleep 3
check_live "3 s later" vmpam "$SID" "sandsh-holder sleep sshd"
lscope=$(live_get logind_scope)
lscope=${lscope%/*}
end_sleep pam vmpam
j=$(G "$GS journal '$CUR' -o cat")
assert_eq "systemd did not deactivate logind's scope while the session lived" "" \
	"$(printf '%s\n' "$j" | sed -n '/^session close id=/q; p' | grep -F "$lscope: Deactivated")"
assert_eq "pam_systemd closes the session without an error" "" \
	"$(printf '%s\n' "$j" | grep -E 'pam_systemd\(sshd:session\).*(Failed|failed|error)')"
check_all_gone
