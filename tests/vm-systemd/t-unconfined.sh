# shellcheck shell=bash
# The guest expands these command lines, not this shell:
# shellcheck disable=SC2016
# sandsh connects to systemd while it looks the user up, before the policy
# says where the session goes. A session that systemd will not place (the
# user's policy says sandbox = false) must not keep that connection for its
# life: systemd takes at most 4096 private connections, and an unconfined
# user must not be able to use them up. A confined session without a PAM
# caller does not keep one either once its command runs: the placement
# took the early connection and closed it (libsystemd unloaded with it);
# the release connects again if it has to stop the user's slice.

# outer_streams MODE: starts `sandsh -c` as vmshell in the guest; prints
# whether the outer process still runs, how many stream sockets it holds,
# and how many mappings of libsystemd it has.
outer_streams() {
	G 'rm -f /tmp/unc.out
	setpriv --reuid=vmshell --regid=vmshell --init-groups -- /usr/sbin/sandsh -c "echo started; exec sleep 4" </dev/null >/tmp/unc.out 2>&1 &
	p=$!
	for i in $(seq 100); do grep -q started /tmp/unc.out 2>/dev/null && break; sleep 0.1; done
	echo "alive=$(kill -0 $p 2>/dev/null && echo yes || echo no) streams=$(ss -xp | grep "pid=$p," | grep -c "^u_str") libsystemd=$(grep -c libsystemd /proc/$p/maps)"
	wait $p; rm -f /tmp/unc.out'
}

G 'cp /etc/sandsh/sandsh.conf /root/vmt/sandsh.conf.case
sed "s/^users = {/users = {\n  vmshell = { sandbox = false; };/" /root/vmt/sandsh.conf.case >/etc/sandsh/sandsh.conf.new &&
	mv /etc/sandsh/sandsh.conf.new /etc/sandsh/sandsh.conf && sandsh --check >/dev/null' ||
	fail "the case's policy (vmshell unconfined) is written and accepted"
assert_eq "an unconfined session's outer process holds no connection to systemd, nor libsystemd" \
	"alive=yes streams=0 libsystemd=0" "$(outer_streams)"
assert_eq "no sandsh scope was made for it" "" \
	"$(G "systemctl list-units --all --plain --no-legend 'sandsh-*.scope'")"

G 'mv /root/vmt/sandsh.conf.case /etc/sandsh/sandsh.conf'
assert_eq "a confined session's outer process holds no connection to systemd, nor libsystemd, while its command runs" \
	"alive=yes streams=0 libsystemd=0" "$(outer_streams)"
assert_eq "the user's slice is stopped after it all the same (within 5 s)" inactive \
	"$(G 'for i in $(seq 50); do s=$(systemctl show -P ActiveState sandsh-u2001.slice); [ "$s" = inactive ] && break; sleep 0.1; done; echo $s')"
check_all_gone
