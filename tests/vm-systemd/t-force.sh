# shellcheck shell=bash
# sandsh as the ForceCommand of `Match User vmforce` (login shell bash):
# sshd runs `bash -c /usr/sbin/sandsh` with SSH_ORIGINAL_COMMAND. Same
# placement and logind view as the login-shell path.

start_sleep force vmforce || return 0
assert_match "the audit line (via=shell, the forced command)" \
	"^session open id=$SID user=vmforce uid=2002 via=shell rootfs=/srv/sandsh/rootfs pids_max=64 tty=none from=10\.0\.2\.2\$" \
	"$(G "$GS log '$CUR'" | grep "^session open id=$SID ")"
check_live force vmforce "$SID" "sandsh-init sleep"
sleep 3
check_live "3 s later" vmforce "$SID" "sandsh-init sleep"
end_sleep force vmforce
assert_eq "the close line has status 143 (SIGTERM)" 143 "$(G "$GS close-status $SID '$CUR' 10")"
check_all_gone
