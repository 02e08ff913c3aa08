# shellcheck shell=bash
# sandsh as the login shell under a real sshd: `ssh host CMD` runs inside,
# arguments arrive exactly, the exit status comes back, stdio is byte-exact.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

# --- inside --------------------------------------------------------------------------
log_mark
ssh_run sbuser1 'hostname; cat /proc/1/comm; cat /etc/sandsh-e2e-marker; id -un; echo "$HOME"; pwd; echo "$SHELL"'
assert_status "ssh host CMD: status 0" 0
assert_out "ssh host CMD runs inside: policy hostname, sandsh-init as PID 1, the rootfs, the user, home" \
	"e2e-sbuser1
sandsh-init
$E2E_MARKER_IN
sbuser1
/home/sbuser1
/home/sbuser1
/bin/sh"
assert_stderr_empty "ssh host CMD: nothing on stderr"
assert_sessions "ssh host CMD: one session open/close pair" 1
assert_log_contains "log: via=shell, no tty, from 127.0.0.1" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell rootfs=$E2E_ROOTFS pids_max=64 tty=none from=127\.0\.0\.1\$"

ssh_run sbuser1 'ps -e -o pid=,comm= | sed "s/^ *//"; echo "ppid1=$(ps -o ppid= -p $$ | tr -d " ")"'
assert_line "ps inside sees sandsh-init as PID 1" "1 sandsh-init" "$OUT"
assert_eq "ps inside sees no sshd" "" "$(printf '%s\n' "$OUT" | grep -E 'sshd|sandsh$')"
assert_line "the shell is a child of PID 1" "ppid1=1" "$OUT"

ssh_run sbuser1 'echo "$SSH_CONNECTION" | cut -d" " -f1,3; env | cut -d= -f1 | sort | tr "\n" " "'
assert_line "SSH_CONNECTION kept" "127.0.0.1 127.0.0.1" "$OUT"
assert_line "environment: only sandsh's allow-list" \
	"HOME LOGNAME PATH PS1 PWD SHELL SSH_CLIENT SSH_CONNECTION USER " "$OUT"

ssh_run sbuser2 'echo "bash=${BASH_VERSION:+yes} $0"'
assert_out "policy shell /bin/bash (sbuser2) from the rootfs" "bash=yes bash"

# --- arguments ---------------------------------------------------------------------------
args=("a b" "c'd" 'e"f' 'g;h' 'i && j' '$HOME' '`id`' '*' '' 'tab	x' 'back\slash' '-n' '$(echo no)' 'ü€')
cmd="printf '%s\n'"
for a in "${args[@]}"; do
	cmd+=" $(sq "$a")"
done
ssh_run sbuser1 "$cmd"
assert_eq "arguments with spaces, quotes, ;, &&, \$, backquotes, globs arrive exactly" \
	"$(printf '%s\n' "${args[@]}")" "$OUT"
ssh_run sbuser1 'echo one; echo two && echo three || echo four; false && echo five; echo "$((6 * 7))"'
assert_out "a command line with ; && || runs as one shell command" "one
two
three
42"
ssh_run sbuser1 echo split 'words  here'
assert_out "several ssh arguments are joined with spaces (as ssh does)" "split words here"

# --- exit status -------------------------------------------------------------------------
log_mark
ssh_run sbuser1 'exit 42'
assert_status "ssh host 'exit 42' -> 42" 42
assert_sessions "exit 42: one open/close pair" 1
assert_eq "exit 42: the close line has status 42" "42" "$(session_status)"
ssh_run sbuser1 'kill -KILL $$'
assert_status "a command killed by SIGKILL -> 137" 137
ssh_run sbuser1 'nosuchcommand'
assert_status "command not found inside -> 127" 127
assert_match "command not found: the inner shell says so" "nosuchcommand: not found" "$ERR"

# --- stdio byte-exact ----------------------------------------------------------------------
head -c 4M /dev/urandom >"$T_WORK/rand"
want=$(sha256sum <"$T_WORK/rand" | cut -d' ' -f1)
log_mark
timeout 60 ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -l sbuser1 127.0.0.1 cat \
	<"$T_WORK/rand" >"$T_WORK/rand.out" 2>"$T_WORK/rand.err"
STATUS=$?
assert_eq "4 MiB of random data through ssh host cat: status 0" "0" "$STATUS"
assert_eq "stdin -> stdout byte-exact (sha256)" "$want" "$(sha256sum <"$T_WORK/rand.out" | cut -d' ' -f1)"
assert_eq "stderr stays empty" "0" "$(stat -c %s "$T_WORK/rand.err")"
assert_sessions "ssh host cat: one open/close pair" 1

timeout 60 ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -l sbuser1 127.0.0.1 'cat >&2; echo out-line' \
	<"$T_WORK/rand" >"$T_WORK/rand.out" 2>"$T_WORK/rand.err"
STATUS=$?
assert_eq "stdin -> stderr: status 0" "0" "$STATUS"
assert_eq "stdin -> stderr byte-exact (sha256)" "$want" "$(sha256sum <"$T_WORK/rand.err" | cut -d' ' -f1)"
assert_eq "stdout separate from stderr" "out-line" "$(cat "$T_WORK/rand.out")"

head -c 100000 /dev/urandom >"$T_WORK/rand2"
timeout 60 ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -l sbuser1 127.0.0.1 \
	'head -c 50000 >/tmp/a; cat >/tmp/b; cat /tmp/b; cat /tmp/a >&2; exit 3' \
	<"$T_WORK/rand2" >"$T_WORK/rand.out" 2>"$T_WORK/rand.err"
STATUS=$?
assert_eq "split stream: status 3" "3" "$STATUS"
assert_eq "split stream: second half on stdout" "$(tail -c 50000 "$T_WORK/rand2" | sha256sum)" "$(sha256sum <"$T_WORK/rand.out")"
assert_eq "split stream: first half on stderr" "$(head -c 50000 "$T_WORK/rand2" | sha256sum)" "$(sha256sum <"$T_WORK/rand.err")"
rm -f "$T_WORK"/rand*

# --- nothing left ----------------------------------------------------------------------------
if wait_user_gone 61001 5; then
	pass "after the commands: no process of the user, no session cgroup"
else
	fail "after the commands: no process of the user, no session cgroup" "$(procs -l -u 61001)" "$(session_cgroups 61001)"
fi
