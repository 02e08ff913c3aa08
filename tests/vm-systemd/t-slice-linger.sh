# shellcheck shell=bash
# The guest expands these command lines, not this shell:
# shellcheck disable=SC2016
# By default (slice_linger, 10 s) the user's slice outlives the user's
# last session, as logind keeps user@.service (UserStopDelaySec): a
# session starting meanwhile runs in the running slice, one systemd job
# less, and no limits to set when its cgroup has the policy's already
# (set again when they differ); one stopper per user waits (not one per
# session), and each session's end moves its time. After the last, the
# slice goes, and nothing of sandsh is left.

slice_linger default
vm_once() {
	G 'setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c "echo ok" </dev/null 2>&1'
}
slice_state() {
	G 'echo $(systemctl show -P ActiveState sandsh-u2001.slice) $(systemctl show -P ActiveEnterTimestampMonotonic sandsh-u2001.slice)'
}

# An ssh login (in logind's session-N.scope): the stopper it leaves moves
# to a scope of its own before the login's process exits, so the logind
# session ends at once (KillUserProcesses=yes would kill it there).
assert_eq "vmshell logs in over ssh and runs a command" ok "$(U vmshell 'echo ok' 2>&1)"
read -r state since <<<"$(slice_state)"
assert_eq "right after it ended, the user's slice is still active" active "$state"
assert_match "the stopper waits in a scope of its own, not in the login's" \
	'^0::/system.slice/sandsh-stop-u2001-[0-9]+\.scope$' \
	"$(G 'p=$(pgrep -x -u root sandsh | head -n 1); [ -n "$p" ] && cat /proc/$p/cgroup')"
assert_eq "the ssh login's logind session is over while the stopper waits (within 8 s)" "" \
	"$(G 'for i in $(seq 80); do s=$(loginctl list-sessions --no-legend | awk "\$3 == \"vmshell\""); [ -z "$s" ] && break; sleep 0.1; done; echo $s')"
assert_eq "a session of vmshell runs (setpriv)" ok "$(vm_once)"

out=$(G_T=600 G 'for i in $(seq 10); do
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c "echo ok" </dev/null >/tmp/lg.out 2>&1
	st=$?; [ $st -eq 0 ] && [ "$(cat /tmp/lg.out)" = ok ] || echo "session $i: status $st: $(cat /tmp/lg.out)"
done; rm -f /tmp/lg.out' 2>&1)
assert_eq "ten more sessions back to back all succeed" "" "$out"
assert_eq "they ran in the same slice, never stopped and started again in between" \
	"active $since" "$(slice_state)"
assert_eq "the slice has the policy's limits" "64 268435456 1s" \
	"$(G 'echo $(systemctl show -P TasksMax sandsh-u2001.slice) $(systemctl show -P MemoryMax sandsh-u2001.slice) $(systemctl show -P CPUQuotaPerSecUSec sandsh-u2001.slice)')"
assert_eq "sessions in the running slice did not set its limits again (in place: no runtime drop-in)" none \
	"$(G '[ -e /run/systemd/system.control/sandsh-u2001.slice.d ] && ls /run/systemd/system.control/sandsh-u2001.slice.d || echo none')"
# Changed while no session runs (the same as a changed policy): the next
# session sets the policy's limits again.
limits='echo $(cat /sys/fs/cgroup/sandsh.slice/sandsh-u2001.slice/pids.max) $(cat /sys/fs/cgroup/sandsh.slice/sandsh-u2001.slice/memory.max) $(cat /sys/fs/cgroup/sandsh.slice/sandsh-u2001.slice/cpu.max)'
assert_eq "systemctl set-property changed the running slice's limits" "100 314572800 50000 100000" \
	"$(G "systemctl set-property --runtime sandsh-u2001.slice TasksMax=100 MemoryMax=300M CPUQuota=50% && $limits" 2>&1)"
assert_eq "a session after the slice's limits were changed runs" ok "$(vm_once)"
assert_eq "... and the slice has the policy's limits again (pids.max, memory.max, cpu.max)" \
	"64 268435456 100000 100000" "$(G "$limits")"
assert_eq "... in the same slice, not stopped and started again" "active $since" "$(slice_state)"
assert_eq "one stopper waits for the user, not one per session (settles within 5 s)" 1 \
	"$(G 'for i in $(seq 50); do n=$(pgrep -x -u root sandsh | wc -l); [ "$n" = 1 ] && break; sleep 0.1; done; echo $n')"
assert_eq "the slice is stopped after the last session, within 10 s and a margin (40 s)" inactive \
	"$(G_T=120 G 'for i in $(seq 400); do s=$(systemctl show -P ActiveState sandsh-u2001.slice); [ "$s" = inactive ] && break; sleep 0.1; done; echo $s')"
assert_eq "no sandsh process is left, the stopper included (within 5 s)" "" \
	"$(G 'for i in $(seq 50); do p=$(pgrep -x sandsh); [ -z "$p" ] && break; sleep 0.1; done; echo $p')"
check_all_gone
