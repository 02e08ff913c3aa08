# shellcheck shell=bash
# LIVE is read by live_get (lib.sh):
# shellcheck disable=SC2034
# systemd never deactivates or kills a live sandboxed session: one long
# session each by login shell, ForceCommand and pam_sandsh survives
# `systemctl daemon-reload`, `systemctl daemon-reexec` and
# `systemctl restart ssh`, with its scope and logind's session active.

declare -A S_SID S_PID S_CUR S_USER
for s in shell:vmshell force:vmforce pam:vmpam; do
	name=restart-${s%%:*}
	start_sleep "$name" "${s#*:}" || continue
	S_SID[$name]=$SID S_PID[$name]=$SLEEP_PID S_CUR[$name]=$CUR S_USER[$name]=${s#*:}
done

# still NAME OP: the session of NAME after OP.
still() {
	local name=$1 op=$2 user=${S_USER[$1]} uid sid=${S_SID[$1]}
	uid=$(uid_of "$user")
	LIVE=$(G "$GS live $user $uid $sid; echo sleep_alive=\$(kill -0 ${S_PID[$name]} 2>/dev/null && echo yes || echo no)")
	assert_eq "$(lbl "$name")after $op the session's command still runs" yes "$(live_get sleep_alive)"
	assert_eq "$(lbl "$name")after $op sandsh-$sid.scope is active" active/running "$(live_get scope_state)"
	assert_eq "$(lbl "$name")after $op no process of the sandbox is outside its scope" "" "$(live_get outside)"
	assert_match "$(lbl "$name")after $op logind lists the session, its scope active" \
		'^session-[0-9]+\.scope/active$' "$(live_get logind_scope)"
}

for op in daemon-reload daemon-reexec "restart ssh"; do
	out=$(G_T=180 G "systemctl $op" 2>&1)
	assert_eq "systemctl $op succeeds" "" "$out"
	g_ready 60 || fail "root logs in again after systemctl $op"
	# Whatever systemd does to units after it happens within a second or two.
	sleep 3
	for name in $(printf "%s\n" "${!S_SID[@]}" | sort); do
		still "$name" "systemctl $op"
	done
done

for name in $(printf "%s\n" "${!S_SID[@]}" | sort); do
	SID=${S_SID[$name]} SLEEP_PID=${S_PID[$name]} CUR=${S_CUR[$name]}
	end_sleep "$name" "${S_USER[$name]}"
done
check_all_gone
