# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The default seccomp filter (SPEC §3 seccomp, SECURITY 12), observed by
# tests/tools/seccomp-probe run inside the sandbox as the user, once with
# seccomp = false (the baseline: what the kernel alone allows the user) and
# once with the default filter.

install -o root -g root -m 0755 "$SECCOMP_PROBE" "$T_ROOTFS/bin/seccomp-probe"

write_std_policy 'seccomp = false;'
run_as sbuser1 -c '/bin/seccomp-probe'
assert_status "probe without filter: status" 0
baseline=$OUT
write_std_policy
run_as sbuser1 -c '/bin/seccomp-probe'
assert_status "probe with filter: status" 0
filtered=$OUT
rm -f "$T_ROOTFS/bin/seccomp-probe"

# result PROBE-OUTPUT CALL: the result printed for CALL.
result() { printf '%s\n' "$1" | awk -v k="$2: " 'index($0, k) == 1 { print substr($0, length(k) + 1) }'; }

# Without the filter the user really could do these: the test proves the
# filter, not the lack of privilege.
for call in "unshare(CLONE_NEWUSER)" "clone(CLONE_NEWUSER)" "keyctl" "add_key" "ioctl(TIOCSTI)" \
	"ioctl(TIOCSTI|1<<32)" "userfaultfd" "clone3"; do
	assert_eq "baseline: $call allowed to the user without the filter" "ok" "$(result "$baseline" "$call")"
done

for call in "unshare(CLONE_NEWUSER)" "clone(CLONE_NEWUSER)" "unshare(CLONE_NEWNS)" mount umount2 \
	pivot_root chroot setns keyctl add_key request_key bpf userfaultfd \
	"ioctl(TIOCSTI)" "ioctl(TIOCSTI|1<<32)" "ioctl(TIOCLINUX)"; do
	assert_eq "filter: $call -> EPERM" "EPERM" "$(result "$filtered" "$call")"
done
assert_eq "filter: clone3 -> ENOSYS (libc falls back to clone)" "ENOSYS" "$(result "$filtered" clone3)"

# Other ABIs must be filtered too, where the kernel offers them.
for call in "i386 unshare(CLONE_NEWUSER)" "x32 unshare(CLONE_NEWUSER)"; do
	b=$(result "$baseline" "$call")
	case "$b" in
	ok) assert_eq "filter: $call -> EPERM" "EPERM" "$(result "$filtered" "$call")" ;;
	*) skip "filter: $call" "ABI not available on this kernel ($b)" ;;
	esac
done

# Ordinary work still works under the filter.
run_as sbuser1 -c 'sleep 0 & wait; echo a | grep -c a; ls / >/dev/null && echo fine'
assert_out "ordinary commands run under the filter (fork via clone)" "1
fine"
