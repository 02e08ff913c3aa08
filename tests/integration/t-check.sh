# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# Options (SPEC §2): usage errors, --help/--version for anyone, and the
# root-only --check, --explain, --list.

USAGE_HINT="(see sandsh --help)"

# --- any user -----------------------------------------------------------------
for u in sbuser1 root; do
	run_as $u --help
	assert_status "--help as $u: 0" 0
	assert_match "--help as $u: prints usage" '^Usage: sandsh ' "$OUT"
	assert_stderr_empty "--help as $u: no stderr"
	run_as $u --version
	assert_status "--version as $u: 0" 0
	assert_out "--version as $u" "sandsh 0.1.0"
done

# --help and --version work even with a broken policy (they read nothing).
write_std_policy 'bogus = 1;'
run_as sbuser1 --version
assert_status "--version with a broken policy: 0" 0
write_std_policy

usage_case() { # usage_case DESC EXPECTED-LINE ARGS...
	local desc=$1 line=$2
	shift 2
	run_as sbuser1 "$@"
	assert_refused "$desc" 125 "$line"
}
usage_case "--check as a user" "sandsh: --check: permitted to root only $USAGE_HINT" --check
usage_case "--check FILE as a user" "sandsh: --check: permitted to root only $USAGE_HINT" --check /etc/shadow
usage_case "--explain as a user" "sandsh: --explain: permitted to root only $USAGE_HINT" --explain sbuser2
usage_case "--list as a user" "sandsh: --list: permitted to root only $USAGE_HINT" --list
usage_case "unknown option" "sandsh: --bogus: unknown option $USAGE_HINT" --bogus
usage_case "unknown short option" "sandsh: -x: unknown option $USAGE_HINT" -x
usage_case "-c without a command" "sandsh: -c: missing command $USAGE_HINT" -c
usage_case "argument after -c COMMAND" "sandsh: x: unexpected argument after -c COMMAND $USAGE_HINT" -c "$PROBE" x
usage_case "operand without option" "sandsh: script.sh: unexpected argument $USAGE_HINT" script.sh
usage_case "argument after --" "sandsh: -c: unexpected argument $USAGE_HINT" -- -c "$PROBE"
usage_case "--help with an argument" "sandsh: x: unexpected argument $USAGE_HINT" --help x

# "--" alone: an interactive shell (stdin /dev/null: it exits at once).
run_as sbuser1 --
assert_status "-- alone starts the shell" 0

# -c COMMAND reaches the shell as one argument.
run_as sbuser1 -c 'echo "$#:$0"; printf "[%s]" a\ b'
assert_out "-c COMMAND is one argument to sh -c" "0:sh
[a b]"

# --- --check (root) -------------------------------------------------------------
run_root --check
assert_status "--check valid policy: 0" 0
assert_eq "--check valid policy: OK line first" "$POLICY: OK" "$(printf '%s\n' "$OUT" | head -n 1)"
# Then sshd's side doors (the hermetic /run has no /run/sshd, so sshd -T
# cannot run here; e2e t-ssh-pamenv.sh checks a real report).
assert_eq "--check valid policy: the rest is the sshd audit" "" \
	"$(printf '%s\n' "$OUT" | sed 1d | grep -v -E '^(side door|ssh audit): ')"
run_root --check "$POLICY"
assert_out "--check FILE: the file only, no sshd audit" "$POLICY: OK"
assert_stderr_empty "--check valid policy: no stderr"

write_std_policy 'bogus = 1;' 'hostname = 5;' 'pids_max = "many";'
run_root --check
assert_status "--check invalid policy: 1" 1
assert_eq "--check reports every error with file:line" \
	"$POLICY:$(policy_line_of bogus): defaults.bogus: unknown key
$POLICY:$(policy_line_of 'hostname = 5'): defaults.hostname: must be a string
$POLICY:$(policy_line_of pids_max): defaults.pids_max: must be an integer" "$ERR"
assert_out "--check invalid policy: nothing on stdout" ""

write_std_policy
cp "$POLICY" /etc/sandsh/other.conf
echo 'unknown_top = 1;' >>/etc/sandsh/other.conf
run_root --check /etc/sandsh/other.conf
assert_status "--check FILE: invalid other file: 1" 1
assert_match "--check FILE: names that file and line" "^/etc/sandsh/other.conf:$(wc -l </etc/sandsh/other.conf): " "$ERR"
run_root --check "$POLICY"
assert_out "--check FILE: valid" "$POLICY: OK"

chmod 0666 /etc/sandsh/other.conf
run_root --check /etc/sandsh/other.conf
assert_status "--check FILE: unsafe mode: 1" 1
assert_eq "--check FILE: unsafe mode reported" "/etc/sandsh/other.conf: writable by group or others" "$ERR"
rm -f /etc/sandsh/other.conf

# --- --explain (root) -------------------------------------------------------------
write_policy <<EOF
version = 1;
settings = { cgroup_parent = "$T_CGROUP_PARENT"; };
defaults = {
  rootfs = "$T_ROOTFS";
  hostname = "lab-%u";
};
groups = {
  sbstudents = { pids_max = 32; };
  sbstaff = { pids_max = 128; };
};
users = {
  sbuser1 = { timeout = 600; };
};
EOF
run_root --explain sbuser1
assert_status "--explain sbuser1: 0" 0
assert_line "--explain: hostname expanded, from defaults" \
	"hostname = \"lab-sbuser1\";  # defaults \\($POLICY:5\\)" "$OUT"
assert_line "--explain: pids_max from the group" \
	"pids_max = 32;  # groups.sbstudents \\($POLICY:8\\)" "$OUT"
assert_line "--explain: timeout from the user" \
	"timeout = 600;  # users.sbuser1 \\($POLICY:12\\)" "$OUT"
assert_line "--explain: built-in values" \
	"shell = \"/bin/sh\";  # built-in" "$OUT"
run_root --explain sbadmin
assert_line "--explain sbadmin: pids_max from sbstaff" \
	"pids_max = 128;  # groups.sbstaff \\($POLICY:9\\)" "$OUT"
run_root --explain nosuchuser
assert_status "--explain unknown user: 1" 1
assert_stderr_line "--explain unknown user: message" "sandsh: user nosuchuser: no such user"
write_std_policy

# --- --list (root) -----------------------------------------------------------------
run_root --list
assert_status "--list without sessions: 0" 0
assert_out "--list without sessions: header only" \
	"ID               USER             PID STARTED             TTY           PIDS   MEMORY SANDBOX"

log_mark
run_bg sbuser1 -c 'sleep 3'
wait_for_session >/dev/null
log_wait '^session open '
id=$(log_since | sed -n -E 's/^session open id=([0-9a-f]+) .*/\1/p' | head -n 1)
run_root --list
assert_line "--list shows the active session" \
	"$id +sbuser1 +[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +none +[0-9]+/64 +[0-9.]+[KMG]? -" "$OUT"
wait_bg
