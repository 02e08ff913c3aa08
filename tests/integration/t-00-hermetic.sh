# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The test environment itself (tests/lib/hermetic.sh): if these fail, every
# other result is meaningless.

assert_eq "private mount namespace" "private" "$(findmnt -n -o PROPAGATION / | grep -o private)"
# The mount on top of /run, the one paths resolve to: on a systemd host
# the test's tmpfs is stacked on the host's own /run tmpfs (nosuid,nodev),
# and findmnt lists both. Top = the /run mount no other /run mount sits on.
top_run=$(awk '$5 == "/run" { id[$1] = 1; parent[$1] = $2; line[$1] = $0 }
	END { for (i in id) { top = 1; for (j in id) if (parent[j] == i) top = 0; if (top) print line[i] } }' \
	/proc/self/mountinfo)
# mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
top_run_fs=$(awk '{ for (i = 7; $i != "-"; i++); print $(i + 1), $(i + 2) }' <<<"$top_run")
top_run_opts=$(awk '{ print $6 }' <<<"$top_run")
assert_eq "/run is the test tmpfs (the mount on top)" "tmpfs sandsh-hermetic-run" "$top_run_fs"
assert_eq "/run is not nosuid" "" "$(tr , '\n' <<<"$top_run_opts" | grep -x nosuid)"
assert_eq "installed sandsh is setuid root" "4755 0 0" "$(stat -c '%a %u %g' "$SANDSH")"
assert_eq "fixture passwd" "61001:61001:/home/sbuser1" "$(getent passwd sbuser1 | cut -d: -f3,4,6)"
assert_eq "fixture groups of sbuser1" "sbuser1 sbstudents" "$(id -Gn sbuser1)"
assert_eq "fixture groups of sbadmin" "sbadmin sbstaff" "$(id -Gn sbadmin)"
assert_eq "policy file root 0644 in root 0755 dir" "644 0 0|755 0 0" \
	"$(stat -c '%a %u %g' "$POLICY")|$(stat -c '%a %u %g' /etc/sandsh)"

unsafe=""
for d in / /run "$T_ROOT" "$T_ROOTFS"; do
	[ "$(stat -c %u "$d")" = 0 ] || unsafe="$unsafe $d(owner)"
	[ $((0$(stat -c %a "$d") & 022)) = 0 ] || unsafe="$unsafe $d(mode)"
done
assert_eq "rootfs and its parents root-owned, not group/other-writable" "" "$unsafe"
assert_eq "rootfs has no group/other-writable file" "" \
	"$(find "$T_ROOTFS" -perm /022 ! -type l | head -3)"

assert_eq "/dev entries" "fd full log null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	"$(ls -A /dev | tr '\n' ' ' | sed 's/ $//')"
assert_eq "/dev/null works" "" "$(echo x >/dev/null && cat /dev/null)"
assert_eq "/dev/zero works" "0000" "$(head -c 2 /dev/zero | od -An -tx1 | tr -d ' \n')"

log_mark
logger -u /dev/log -t sandsh "hermetic-selftest $$"
assert_log_contains "logsink captures /dev/log" "^hermetic-selftest $$\$"

# setpriv as a fixture user, without sandsh.
out=$(env -i PATH=/usr/bin:/bin timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups -- id 2>&1)
assert_eq "setpriv gives fixture credentials" \
	"uid=61001(sbuser1) gid=61001(sbuser1) groups=61001(sbuser1),61101(sbstudents)" "$out"
