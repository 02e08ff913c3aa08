# shellcheck shell=bash
# LIVE is read by live_get (lib.sh):
# shellcheck disable=SC2034
# systemd --user and the user bus from inside a sandboxed session: neither
# `systemd-run --user` nor `busctl --user` (nor systemd-run on the system
# bus) reaches anything outside the sandbox; whatever they fail with, no
# process of theirs appears anywhere. The user's manager is pam_systemd's:
# it runs outside, in user@UID.service, unreachable from inside, and logind
# stops it after the user's last session (docs/systemd.md).
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

start_sleep usermgr vmescape || return 0
LIVE=$(G "$GS live vmescape 2005 $SID")
assert_match "the user manager runs outside, in user@2005.service (pam_systemd's, left alone)" \
	'^systemd' "$(live_get user_manager)"

tries='
systemd-run --user --unit=sbx-escape-1 /bin/sleep 771 >/dev/null 2>&1; echo "systemd-run --user=$?"
XDG_RUNTIME_DIR=/run/user/2005 systemd-run --user --unit=sbx-escape-2 /bin/sleep 772 >/dev/null 2>&1; echo "systemd-run --user (XDG_RUNTIME_DIR)=$?"
DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/2005/bus systemd-run --user --unit=sbx-escape-3 /bin/sleep 773 >/dev/null 2>&1; echo "systemd-run --user (bus address)=$?"
systemd-run --unit=sbx-escape-4 /bin/sleep 774 >/dev/null 2>&1; echo "systemd-run (system)=$?"
systemd-run --scope /bin/sleep 775 >/dev/null 2>&1; echo "systemd-run --scope=$?"
busctl --user list >/dev/null 2>&1; echo "busctl --user=$?"
XDG_RUNTIME_DIR=/run/user/2005 busctl --user list >/dev/null 2>&1; echo "busctl --user (XDG_RUNTIME_DIR)=$?"
busctl list >/dev/null 2>&1; echo "busctl (system)=$?"
'
out=$(U vmescape "$tries" 2>&1)
for t in "systemd-run --user" "systemd-run --user (XDG_RUNTIME_DIR)" "systemd-run --user (bus address)" \
	"systemd-run (system)" "systemd-run --scope" "busctl --user" "busctl --user (XDG_RUNTIME_DIR)" \
	"busctl (system)"; do
	# It ran (not 126/127: the rootfs has it) and failed (status 1).
	assert_line "$t from inside fails (status 1)" "$(printf '%s' "$t" | sed 's/[][()*.^$]/\\&/g')=1" "$out"
done
assert_eq "no process of those commands runs anywhere in the guest" "" \
	"$(G "ps -e -o pid=,user=,args= | grep -E 'sleep 77[1-5]' | grep -v grep")"
assert_eq "no unit of theirs exists (system manager)" "" \
	"$(G "systemctl list-units --all --plain --no-legend 'sbx-escape*'")"
LIVE=$(G "$GS live vmescape 2005 $SID")

assert_eq "afterwards, no process of the sandbox outside sandsh-$SID.scope" "" "$(live_get outside)"
assert_match "afterwards, nothing new of vmescape on the host side (only sshd in logind's scope)" \
	'^sshd:/user\.slice/user-2005\.slice/session-[0-9]+\.scope$' "$(live_get host_side)"
end_sleep usermgr vmescape
check_all_gone
# logind stops the manager UserStopDelaySec (10 s) after the last session.
assert_eq "the user manager is gone within 20 s of the session's end" "" \
	"$(G "for i in \$(seq 200); do systemctl -q is-active user@2005.service || exit 0; sleep 0.1; done; echo still active")"
