# shellcheck shell=bash
# An administrator's own unit file for a user's slice: sandsh-u2001.slice
# loaded from /run/systemd/system but inactive (no cgroup). sandsh starts a
# user's first session with its slice as an auxiliary unit of the scope's
# StartTransientUnit; systemd refuses that for a unit with a fragment file
# (UnitExists), and sandsh falls back to the slice on its own (its limits
# set at runtime), then the scope. The session is placed as any other: in
# the slice, the policy's limits on it, nothing left after.

UNIT=/run/systemd/system/sandsh-u2001.slice
DROPINS=/run/systemd/system.control/sandsh-u2001.slice.d
# slice_unit_cleanup: the unit file and the runtime drop-ins of the
# limits go, systemd forgets the unit.
slice_unit_cleanup() {
	G "rm -f $UNIT; rm -rf $DROPINS; systemctl daemon-reload"
}

out=$(G "printf '[Unit]\nDescription=an administrator s slice for uid 2001\n' >$UNIT && systemctl daemon-reload && systemctl show -P LoadState sandsh-u2001.slice && systemctl show -P ActiveState sandsh-u2001.slice && { [ -d /sys/fs/cgroup/sandsh.slice/sandsh-u2001.slice ] && echo cgroup || echo no-cgroup; }" 2>&1)
assert_eq "the slice's unit file is loaded, inactive, without a cgroup" \
	"loaded inactive no-cgroup" "$(printf "%s\n" "$out" | tr "\n" " " | sed "s/ $//")"
g_ready 60 || fail "root logs in again after systemctl daemon-reload"

if start_sleep slice-unit vmshell; then
	check_live slice-unit vmshell "$SID" "sandsh-init sleep"
	assert_eq "the slice is the administrator's unit (its Description), started" \
		"an administrator s slice for uid 2001 active" \
		"$(G "echo \$(systemctl show -P Description sandsh-u2001.slice) \$(systemctl show -P ActiveState sandsh-u2001.slice)")"
	end_sleep slice-unit vmshell
fi
slice_unit_cleanup
check_all_gone
# (A slice needs no file: `systemctl show` loads one; FragmentPath tells.)
assert_eq "systemd has forgotten the unit file and the drop-ins" "fragment= dropins=" \
	"$(G "echo fragment=\$(systemctl show -P FragmentPath sandsh-u2001.slice) dropins=\$(systemctl show -P DropInPaths sandsh-u2001.slice)")"
