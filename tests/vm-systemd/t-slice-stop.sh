# shellcheck shell=bash
# The guest expands these command lines, not this shell:
# shellcheck disable=SC2016
# The user's slice goes with the user's last session. sandsh stops it from
# a child of its own once the session's process has exited (the caller does
# not wait for systemd's job), the user's lock held until the job is done:
# a session started right after the last one ended must never find the
# slice stopping, so twenty sessions back to back all succeed; and nothing
# of sandsh, that child included, outlives them.

start_sleep slice-stop vmshell || return 0
end_sleep slice-stop vmshell
assert_eq "the user's slice is stopped after the last session (within 5 s)" inactive \
	"$(G 'for i in $(seq 50); do s=$(systemctl show -P ActiveState sandsh-u2001.slice); [ "$s" = inactive ] && break; sleep 0.1; done; echo $s')"

out=$(G_T=600 G 'for i in $(seq 20); do
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c "echo ok" </dev/null >/tmp/b2b.out 2>&1
	st=$?; [ $st -eq 0 ] && [ "$(cat /tmp/b2b.out)" = ok ] || echo "session $i: status $st: $(cat /tmp/b2b.out)"
done; rm -f /tmp/b2b.out' 2>&1)
assert_eq "twenty sessions of one user back to back all succeed" "" "$out"
assert_eq "no sandsh process is left (within 5 s)" "" \
	"$(G 'for i in $(seq 50); do p=$(pgrep -x sandsh); [ -z "$p" ] && break; sleep 0.1; done; echo $p')"
assert_eq "the user's slice is stopped after the last of them (within 5 s)" inactive \
	"$(G 'for i in $(seq 50); do s=$(systemctl show -P ActiveState sandsh-u2001.slice); [ "$s" = inactive ] && break; sleep 0.1; done; echo $s')"
check_all_gone
