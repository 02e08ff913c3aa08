# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# Refusals: each prints exactly one line, exits with the documented status,
# logs the reason, and runs nothing (the PROBE prints to stdout when it runs
# sandboxed and writes to the host's share directory when unsandboxed).

POLICY_MSG="sandsh: policy: invalid, session refused (see the system log)"
ROOTFS_MSG="sandsh: rootfs: unsafe, session refused (see the system log)"

# refuse_policy DESC LOG-REASON: runs the probe as sbuser1 and expects the
# policy refusal with "error ... reason=LOG-REASON" (a literal string).
refuse_policy() {
	log_mark
	run_as sbuser1 -c "$PROBE"
	assert_refused "$1" 125 "$POLICY_MSG"
	assert_log_contains "$1: logged" "^error user=sbuser1 uid=61001 reason=$(ere_quote "$2")\$"
	assert_log_lacks "$1: no session opened" "^session open"
}

refuse_rootfs() {
	log_mark
	run_as sbuser1 -c "$PROBE"
	assert_refused "$1" 125 "$ROOTFS_MSG"
	assert_log_contains "$1: logged" "^error user=sbuser1 uid=61001 reason=$(ere_quote "$2")\$"
}

ere_quote() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# --- the policy file and its directories -------------------------------------
chown 61001 "$POLICY"
refuse_policy "policy file owned by the user" "$POLICY: not owned by root"

write_std_policy
chmod 0664 "$POLICY"
refuse_policy "policy file group-writable" "$POLICY: writable by group or others"

write_std_policy
chmod 0775 /etc/sandsh
refuse_policy "policy directory group-writable" "$POLICY: component sandsh is writable by group or others"

write_std_policy
chown 61001 /etc/sandsh
refuse_policy "policy directory owned by the user" "$POLICY: component sandsh is not owned by root"

write_std_policy
chmod 0757 /etc
refuse_policy "/etc other-writable" "$POLICY: component etc is writable by group or others"
chmod 0755 /etc

write_std_policy
mv "$POLICY" /etc/sandsh/real.conf
ln -s real.conf "$POLICY"
refuse_policy "policy file is a symlink" "$POLICY: Too many levels of symbolic links"

write_std_policy
rm -f "$POLICY"
refuse_policy "policy file missing" "$POLICY: No such file or directory"

write_std_policy
rm -f "$POLICY"
mkfifo -m 0644 "$POLICY"
refuse_policy "policy file is a FIFO (no hang)" "$POLICY: not a regular file"

write_std_policy
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$POLICY"
refuse_policy "policy file too large" "$POLICY: larger than 1048576 bytes"

# --- the policy's content --------------------------------------------------------
write_std_policy 'bogus = 1;'
refuse_policy "unknown key" "$POLICY:$(policy_line_of bogus): defaults.bogus: unknown key"

write_std_policy 'hostname = ;'
refuse_policy "syntax error" "$POLICY:$(policy_line_of 'hostname = ;'): syntax error"

write_std_policy 'hostname = 5;'
refuse_policy "wrong type" "$POLICY:$(policy_line_of 'hostname = 5'): defaults.hostname: must be a string"

write_std_policy 'hostname = "bad_name!";'
refuse_policy "invalid hostname" "$POLICY:$(policy_line_of 'bad_name'): defaults.hostname: \"bad_name!\" is not a valid hostname"

write_std_policy 'pids_max = 0;'
refuse_policy "pids_max = 0" "$POLICY:$(policy_line_of 'pids_max'): defaults.pids_max: must be between 1 and 4194304"

write_std_policy
sed -i 's/^version = 1;$//' "$POLICY"
refuse_policy "version missing" "$POLICY: version: required"

write_std_policy '@include "/etc/passwd"'
refuse_policy "@include refused" "$POLICY:$(policy_line_of '@include'): @include is not supported"

printf 'version = 1;\ndefaults = { hostname = "x"; };\n' | write_policy
refuse_policy "rootfs required when sandboxed" "$POLICY: rootfs: required when sandbox is true"

# --- allow = false ------------------------------------------------------------------
write_std_policy 'allow = false;'
log_mark
run_as sbuser1 -c "$PROBE"
assert_refused "allow = false" 1 "sandsh: session refused: access denied by policy"
assert_log_contains "allow = false: logged" '^denied user=sbuser1 uid=61001 reason=allow is false$'

{
	policy_head "$T_ROOTFS"
	echo '};'
	echo 'groups = { sbstudents = { allow = false; }; };'
	echo 'users = { sbuser2 = { allow = true; }; };'
} | write_policy
run_as sbuser1 -c "$PROBE"
assert_refused "allow = false by group" 1 "sandsh: session refused: access denied by policy"
run_as sbuser2 -c 'echo ran'
assert_out "users section overrides the group" "ran"
run_as sbadmin -c 'echo ran'
assert_out "a user outside the group is allowed" "ran"

# --- root ------------------------------------------------------------------------------
write_std_policy
log_mark
run_root -c "$PROBE"
assert_refused "root without allow_root" 1 "sandsh: session refused: root is not allowed"
assert_log_contains "root refused: logged" '^denied user=root uid=0 reason=root is not allowed$'

# --- the rootfs ---------------------------------------------------------------------------
write_std_policy
chmod g+w "$T_ROOTFS"
refuse_rootfs "rootfs group-writable" "rootfs $T_ROOTFS: writable by group or others"
chmod g-w "$T_ROOTFS"

chown 61001 "$T_ROOTFS"
refuse_rootfs "rootfs owned by the user" "rootfs $T_ROOTFS: not owned by root"
chown 0 "$T_ROOTFS"

chmod o+w "$T_ROOT"
refuse_rootfs "rootfs parent other-writable" "rootfs $T_ROOTFS: component sandsh-test is writable by group or others"
chmod o-w "$T_ROOT"

ln -sfn rootfs "$T_ROOT/rootlink"
write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOT/rootlink\"|" "$POLICY"
refuse_rootfs "rootfs is a symlink" "rootfs $T_ROOT/rootlink: is a symbolic link"
rm -f "$T_ROOT/rootlink"

write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOT/nosuch\"|" "$POLICY"
refuse_rootfs "rootfs missing" "rootfs $T_ROOT/nosuch: No such file or directory"

write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOTFS/etc/passwd\"|" "$POLICY"
refuse_rootfs "rootfs is a file" "rootfs $T_ROOTFS/etc/passwd: not a directory"
write_std_policy

# --- how sandsh is started --------------------------------------------------------------
run_as -n sbuser1
assert_refused "argc == 0" 125 "sandsh: invocation: empty argument list"
run_as -0 "" sbuser1 -c "$PROBE"
assert_refused "empty argv[0]" 125 "sandsh: invocation: empty argument list"

out=$(env -i timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups --no-new-privs \
	"$SANDSH" -c "$PROBE" 2>&1)
assert_eq "under no_new_privs: refused" "sandsh: invocation: refusing to run under no_new_privs (nested sandbox?)
status 125" "$out
status $?"
rm -f "$T_SHARE/PROBE-RAN"

if env -i timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups unshare -U -r true 2>/dev/null; then
	out=$(env -i timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups unshare -U -r \
		"$SANDSH" -c "$PROBE" 2>&1)
	assert_eq "inside a user namespace: refused" "sandsh: invocation: refusing to run inside a user namespace
status 125" "$out
status $?"
else
	skip "inside a user namespace: refused" "unprivileged user namespaces disabled"
fi

log_mark
out=$(env -i timeout 10 setpriv --reuid=61999 --regid=61999 --clear-groups "$SANDSH" -c "$PROBE" 2>&1)
assert_eq "uid without passwd entry: refused" "sandsh: uid 61999: not in the user database
status 125" "$out
status $?"
assert_log_contains "uid without passwd entry: logged" '^error user=\? uid=61999 reason=uid 61999: not in the user database$'
assert_eq "no probe ran" "" "$(ls "$T_SHARE")"
