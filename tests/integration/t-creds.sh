# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The user's identity inside: ids and groups from passwd/group, no
# capabilities, no_new_privs, seccomp, a generated user database, no
# inherited file descriptors, no way back to root.

run_as sbuser1 -c 'id -u; id -g; id -G; id -un; id -Gn'
assert_status "ids: status" 0
assert_out "ids are the user's (uid, gid, groups, names)" "61001
61001
61001 61101
sbuser1
sbuser1 sbstudents"

run_as sbadmin -c 'id'
assert_out "ids of a user in another group" "uid=61003(sbadmin) gid=61003(sbadmin) groups=61003(sbadmin),61100(sbstaff)"

caps_expected="CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1
Seccomp:	2"
run_as sbuser1 -c 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status'
assert_out "no capabilities, no_new_privs, seccomp filter" "$caps_expected"
run_as sbuser1 -c 'grep -E "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/1/status'
assert_out "init holds no privilege either" "Uid:	61001	61001	61001	61001
Gid:	61001	61001	61001	61001
Groups:	61001 61101 
$caps_expected"

write_std_policy 'seccomp = false;'
run_as sbuser1 -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
assert_out "seccomp = false: no filter, still no_new_privs" "NoNewPrivs:	1
Seccomp:	0"
write_std_policy

# The generated user database names root, the user and the user's groups
# only: sbuser2 shares sbstudents with sbuser1 and must not appear.
run_as sbuser1 -c 'cat /etc/passwd; echo --; cat /etc/group; echo --; ls -l /etc/passwd /etc/group | cut -c1-10'
assert_out "generated /etc/passwd and /etc/group" "root:x:0:0:root:/root:/bin/sh
sbuser1:x:61001:61001:Fixture sbuser1:/home/sbuser1:/bin/sh
--
sbuser1:x:61001:
sbstudents:x:61101:sbuser1
root:x:0:
--
-rw-r--r--
-rw-r--r--"
run_as sbuser1 -c 'echo x >>/etc/passwd; echo x >>/etc/group'
assert_eq "generated files are not writable by the user" "sh: can't create /etc/passwd: Permission denied
sh: can't create /etc/group: Permission denied" "$ERR"

write_std_policy 'passwd = "rootfs";'
echo "rootfs-passwd-line" >"$T_ROOTFS/etc/passwd"
run_as sbuser1 -c 'cat /etc/passwd; id'
assert_out "passwd = \"rootfs\": the rootfs's own files" "rootfs-passwd-line
uid=61001 gid=61001 groups=61001,61101"
: >"$T_ROOTFS/etc/passwd"
write_std_policy

# No way back to root: a setuid-root binary in the rootfs does not work.
cp /bin/busybox "$T_ROOTFS/bin/busybox-suid"
chmod 4755 "$T_ROOTFS/bin/busybox-suid"
run_as sbuser1 -c '/bin/busybox-suid id -u; /bin/busybox-suid id -ru'
assert_out "setuid binaries inside do not elevate" "61001
61001"
rm -f "$T_ROOTFS/bin/busybox-suid"

# File descriptors beyond 0-2 are not inherited.
echo secret >"$T_WORK/secret"
chmod 0600 "$T_WORK/secret"
# (The listing is made by a subshell while the shell only waits for it:
# while the shell sets up a pipeline, the pipe's descriptors are open in
# it, and a redirection of a command it runs itself saves fd 1 at fd 10.)
run_as sbuser1 -c '(ls /proc/$$/fd >/tmp/fds); tr "\n" " " </tmp/fds; cat /proc/$$/fd/5 2>&1' 5<"$T_WORK/secret" 7>"$T_WORK/fd7"
assert_out "only fds 0-2 reach the shell" "0 1 2 cat: can't open '/proc/2/fd/5': No such file or directory"

# The outer sandsh is root in all three ids: the user cannot signal it.
run_bg sbuser1 -c 'sleep 3'
outer=$(wait_for_session)
assert_eq "outer sandsh: real, effective, saved uid 0" "0 0 0" \
	"$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$outer/status" 2>/dev/null)"
out=$(timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups -- kill -TERM "$outer" 2>&1)
assert_match "the user cannot signal the outer sandsh" "Operation not permitted" "$out"
wait_bg
assert_status "the session went on undisturbed" 0
