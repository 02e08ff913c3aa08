# shellcheck shell=bash
# The guest expands these command lines, not this shell:
# shellcheck disable=SC2016
# sandsh connects to systemd while it looks the user up, before the policy
# says where the session goes. A session that systemd will not place (the
# user's policy says sandbox = false) must not keep that connection for its
# life: systemd takes at most 4096 private connections, and an unconfined
# user must not be able to use them up. A confined session keeps exactly
# one (the early one, taken by the placement; not a second).

# outer_streams MODE: starts `sandsh -c` as vmshell in the guest; prints
# whether the outer process still runs and how many stream sockets it holds.
outer_streams() {
	G 'rm -f /tmp/unc.out
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c "echo started; exec sleep 4" </dev/null >/tmp/unc.out 2>&1 &
	p=$!
	for i in $(seq 100); do grep -q started /tmp/unc.out 2>/dev/null && break; sleep 0.1; done
	echo "alive=$(kill -0 $p 2>/dev/null && echo yes || echo no) streams=$(ss -xp | grep "pid=$p," | grep -c "^u_str")"
	wait $p; rm -f /tmp/unc.out'
}

G 'cp /etc/sandsh/sandsh.conf /root/vmt/sandsh.conf.case
sed "s/^users = {/users = {\n  vmshell = { sandbox = false; };/" /root/vmt/sandsh.conf.case >/etc/sandsh/sandsh.conf.new &&
	mv /etc/sandsh/sandsh.conf.new /etc/sandsh/sandsh.conf && sandsh --check >/dev/null' ||
	fail "the case's policy (vmshell unconfined) is written and accepted"
assert_eq "an unconfined session's outer process holds no connection to systemd" \
	"alive=yes streams=0" "$(outer_streams)"
assert_eq "no sandsh scope was made for it" "" \
	"$(G "systemctl list-units --all --plain --no-legend 'sandsh-*.scope'")"

G 'mv /root/vmt/sandsh.conf.case /etc/sandsh/sandsh.conf'
assert_eq "a confined session's outer process holds one connection to systemd" \
	"alive=yes streams=1" "$(outer_streams)"
check_all_gone
