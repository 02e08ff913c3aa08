# shellcheck shell=bash
# sandsh as the login shell: `ssh vmshell@guest CMD` makes sshd run
# `sandsh -c CMD` inside logind's session. The sandbox's processes sit in
# sandsh-<ID>.scope in sandsh-u2001.slice, which carries the policy limits;
# logind shows the session while it lives, and nothing is left after it.

start_sleep shell vmshell || return 0
assert_match "the audit line says via=shell" \
	"^session open id=$SID user=vmshell uid=2001 via=shell rootfs=/srv/sandsh/rootfs pids_max=64 tty=none from=10\.0\.2\.2\$" \
	"$(G "$GS log '$CUR'" | grep "^session open id=$SID ")"
check_live shell vmshell "$SID" "sandsh-init sleep"
# PID 1 became the reaper: Debian's kernel executes the sealed memfd.
init=$(G "$GS pid-of 2001 sandsh-init" | head -n 1)
assert_eq "PID 1 runs the reaper (a sealed memfd, executed)" "/memfd:sandsh-init (deleted)" \
	"$(G "readlink /proc/${init:-0}/exe")"
assert_eq "the reaper's resident memory is a few pages (<= 32 KiB)" "yes" \
	"$(G "awk '/^Rss:/ { print (\$2 <= 32 ? \"yes\" : \"no: \" \$2) }' /proc/${init:-0}/smaps_rollup")"
assert_eq "the registry has the session (/run/sandsh/sessions)" present "$(live_get registry)"
# Still so a while later: systemd has not deactivated or emptied anything.
sleep 3
check_live "3 s later" vmshell "$SID" "sandsh-init sleep"
end_sleep shell vmshell
assert_eq "the close line has status 143 (SIGTERM)" 143 "$(G "$GS close-status $SID '$CUR' 10")"
check_all_gone
