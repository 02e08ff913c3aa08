# shellcheck shell=bash
# A persistent sandbox (persist = true) on systemd: the user's sandbox is
# one unit, sandsh-<SID>.scope, that outlives its logins. A job left
# running by one ssh login is there for the next; logind's sessions end
# with the logins; sandsh --stop ends the unit and nothing is left.

G "sed -i 's/^users = {/users = {\n  vmshell = { persist = true; linger = 60; };/' /etc/sandsh/sandsh.conf && sandsh --check >/dev/null" ||
	fail "the policy gives vmshell a persistent sandbox"
CUR=$(G "$GS mark")
out=$(U vmshell 'nohup sleep 300 >/dev/null 2>&1 & echo started; hostname')
assert_eq "login 1 starts a job and logs out" "started
sbx-vmshell" "$out"
sbid=$(G "$GS log '$CUR'" | sed -n -E 's/^sandbox open id=([0-9a-f]{16}) user=vmshell .*/\1/p' | head -n 1)
assert_match "the audit log has the sandbox open line" '^[0-9a-f]{16}$' "$sbid"
assert_eq "after the logout the sandbox's scope is active" active \
	"$(G "systemctl is-active sandsh-$sbid.scope")"
spid=$(G "$GS pid-of 2001 sleep")
assert_match "the job runs in that scope" "/sandsh\\.slice/sandsh-u2001\\.slice/sandsh-$sbid\\.scope\$" \
	"$(G "cut -d: -f3 /proc/${spid:-0}/cgroup")"
assert_eq "logind has no session of vmshell once the login ended" "" \
	"$(G "for i in \$(seq 50); do s=\$($GS logind-sessions vmshell); [ -z \"\$s\" ] && exit 0; sleep 0.2; done; echo \$s")"

out=$(U vmshell 'ps -o comm | grep -c "^sleep"; hostname')
assert_eq "login 2 joins the same sandbox and sees the job" "1
sbx-vmshell" "$out"
assert_match "login 2's session open line names the sandbox" "sandbox=$sbid\$" \
	"$(G "$GS log '$CUR'" | grep '^session open id=.* user=vmshell ' | tail -n 1)"

assert_match "sandsh --stop vmshell ends the sandbox" "^stopping sandbox $sbid \\(vmshell\\)" \
	"$(G "sandsh --stop vmshell")"
assert_eq "the scope is gone" "" \
	"$(G "for i in \$(seq 50); do systemctl -q is-active sandsh-$sbid.scope || exit 0; sleep 0.2; done; echo active")"
assert_match "the sandbox close line (143: stopped)" "^sandbox close id=$sbid user=vmshell status=143 " \
	"$(G "$GS log '$CUR'" | grep "^sandbox close id=$sbid ")"
# Like every session: nothing of it may remain GONE_S seconds after its
# close line (systemd still stops the scope's last processes, the keeper
# among them, when --stop returns).
assert_eq "nothing of any session is left ${GONE_S} s after the sandbox closed (units, registry, cgroups)" "" \
	"$(G "for i in \$(seq $((GONE_S * 10))); do l=\$($GS all-leftovers); [ -z \"\$l\" ] && exit 0; sleep 0.1; done; echo \"\$l\"")"
