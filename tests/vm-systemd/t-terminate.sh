# shellcheck shell=bash
# logind's commands reach the sandbox: `loginctl terminate-session N` and
# `loginctl terminate-user USER` end every process of a sandboxed session,
# for the login shell, the ForceCommand and pam_sandsh alike; nothing is
# left after.

# terminate NAME USER HOW: one session of USER, ended by loginctl HOW
# (session or user).
terminate() {
	local name=$1 user=$2 how=$3 uid n left
	uid=$(uid_of "$user")
	start_sleep "$name" "$user" || return 0
	n=$(G "$GS logind-sessions $user")
	if ! [[ $n =~ ^[0-9]+$ ]]; then
		fail "$(lbl "$name")logind lists one session of $user" "sessions: '$n'"
		return 0
	fi
	if [ "$how" = session ]; then
		G "loginctl terminate-session $n"
	else
		G "loginctl terminate-user $user"
	fi
	left=$(G "$GS wait-ended $uid $SID 15")
	if assert_eq "$(lbl "$name")loginctl terminate-$how ends every process of the session (within 15 s)" "" "$left"; then
		bg_wait "$name" 30 || fail "$(lbl "$name")the ssh client returns" "$(bg_show "$name")"
	fi
	bg_kill "$name"
	check_gone "$name" "$user" "$SID"
	# What this session left must not count against the next one.
	G "$GS cleanup $VM_UIDS" >/dev/null
}

terminate "shell, terminate-session" vmshell session
terminate "force, terminate-session" vmforce session
terminate "pam, terminate-session" vmpam session
terminate "shell, terminate-user" vmshell user
terminate "force, terminate-user" vmforce user
terminate "pam, terminate-user" vmpam user
check_all_gone
