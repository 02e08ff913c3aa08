# shellcheck shell=bash
# sandsh as an SSH ForceCommand (`Match Group sbforced` + `ForceCommand
# <installed sandsh>`) for a user whose login shell stays /bin/sh: commands
# (via SSH_ORIGINAL_COMMAND), terminals, sftp, scp and rsync all land inside.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

U=sbforce
DATA=$E2E_DATA/$U
L=$T_WORK/force
rm -rf "$L"
mkdir -p "$L"
assert_eq "fixture: $U's login shell is /bin/sh, sshd has the Match block" "/bin/sh 1" \
	"$(getent passwd $U | cut -d: -f7) $(grep -c "^Match Group sbforced" "$SSHD_CONFIG")"

# The user's own rc files on the host side: the user's shell runs first
# (`/bin/sh -c <ForceCommand>`, outside the sandbox), and must read none.
for f in .profile .shrc .bashrc .bash_profile .bash_login .kshrc; do
	echo "touch $T_SHARE/rc-ran$f" >"/home/$U/$f"
	chown 61004:61004 "/home/$U/$f"
done

# --- commands -----------------------------------------------------------------------------
log_mark
ssh_run $U 'hostname; cat /proc/1/comm; cat /etc/sandsh-e2e-marker; id -un; echo "SOC=$SSH_ORIGINAL_COMMAND"'
assert_status "ForceCommand: ssh host CMD: status 0" 0
assert_out "ForceCommand: the command runs inside (hostname, PID 1, rootfs, user, SSH_ORIGINAL_COMMAND)" \
	"e2e-$U
sandsh-init
$E2E_MARKER_IN
$U
SOC=hostname; cat /proc/1/comm; cat /etc/sandsh-e2e-marker; id -un; echo \"SOC=\$SSH_ORIGINAL_COMMAND\""
assert_stderr_empty "ForceCommand: nothing on stderr"
assert_sessions "ForceCommand: one session open/close pair" 1
assert_log_contains "ForceCommand: log line for $U, from 127.0.0.1" \
	"^session open id=[0-9a-f]+ user=$U uid=61004 via=shell rootfs=$E2E_ROOTFS pids_max=64 tty=none from=127\.0\.0\.1\$"

args=("a b" "c'd" 'e"f' 'g;h' 'i && j' '$HOME' '`id`' '*' '' 'back\slash')
cmd="printf '%s\n'"
for a in "${args[@]}"; do
	cmd+=" $(sq "$a")"
done
ssh_run $U "$cmd"
assert_eq "ForceCommand: arguments arrive exactly" "$(printf '%s\n' "${args[@]}")" "$OUT"
ssh_run $U 'exit 42'
assert_status "ForceCommand: exit status 42 comes back" 42
head -c 1M /dev/urandom >"$L/rand"
timeout 60 ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -l $U 127.0.0.1 'cat; echo err >&2' \
	<"$L/rand" >"$L/rand.out" 2>"$L/rand.err"
assert_eq "ForceCommand: stdin/stdout byte-exact, stderr apart" "$(sha256sum <"$L/rand") err" \
	"$(sha256sum <"$L/rand.out") $(cat "$L/rand.err")"

# --- terminal -------------------------------------------------------------------------------
log_mark
tmux_ssh f1 $U
if tmux_wait f1 "e2e-$U\\\$" 15; then
	pass "ForceCommand: ssh -tt gives the sandbox's interactive shell"
else
	fail "ForceCommand: ssh -tt gives the sandbox's interactive shell" "$(show_screen f1)"
fi
tmux_type f1 'echo "F1:$(hostname):$(cat /proc/1/comm):${SSH_ORIGINAL_COMMAND-unset}:$(stty size)"'
if tmux_wait f1 "F1:e2e-$U:sandsh-init:unset:30 100" 10; then
	pass "ForceCommand interactive: inside, no SSH_ORIGINAL_COMMAND, window size"
else
	fail "ForceCommand interactive: inside, no SSH_ORIGINAL_COMMAND, window size" "$(show_screen f1)"
fi
tmux_type f1 'exit'
st=$(tmux_wait_dead f1 10)
assert_eq "ForceCommand interactive: exit ends the session (ssh status 0)" "0" "$st"
assert_sessions "ForceCommand interactive: one open/close pair" 1
assert_eq "ForceCommand interactive: close status 0" "0" "$(session_status)"

# --- sftp, scp, rsync -------------------------------------------------------------------------
printf '%s\n' "put $L/rand up-sftp.bin" "get /etc/sandsh-e2e-marker $L/sftp-marker" \
	"-get $T_SHARE/rc-ran.profile $L/nothing" >"$L/batch"
log_mark
sshd_mark=$(wc -l <"$SSHD_LOG")
timeout 60 sftp -q "${SSH_OPTS[@]}" -P "$SSHD_PORT" -b "$L/batch" "$U@127.0.0.1" >"$L/out" 2>&1
assert_eq "ForceCommand: sftp status 0" "0" "$?"
assert_eq "ForceCommand: sftp put lands in the data dir" "$(sha256sum <"$L/rand")" "$(sha256sum <"$DATA/up-sftp.bin" 2>/dev/null)"
assert_eq "ForceCommand: sftp get reads the sandbox's /etc" "$E2E_MARKER_IN" "$(cat "$L/sftp-marker" 2>/dev/null)"
assert_sessions "ForceCommand: sftp is one sandsh session (the Subsystem runs through ForceCommand)" 1
assert_match "ForceCommand: sshd ran the sftp subsystem as the forced command" \
	"Starting session: forced-command \(config\) '$SANDSH' for $U" "$(sshd_log | tail -n +"$((sshd_mark + 1))")"
timeout 60 scp -q "${SSH_OPTS[@]}" -P "$SSHD_PORT" -O "$L/rand" "$U@127.0.0.1:up-scpO.bin" </dev/null >"$L/out" 2>&1
assert_eq "ForceCommand: scp -O lands in the data dir" "0 $(sha256sum <"$L/rand")" "$? $(sha256sum <"$DATA/up-scpO.bin" 2>/dev/null)"
timeout 60 rsync -e "$SSH_CMD" "$L/rand" "$U@127.0.0.1:up-rsync.bin" </dev/null >"$L/out" 2>&1
assert_eq "ForceCommand: rsync lands in the data dir" "0 $(sha256sum <"$L/rand")" "$? $(sha256sum <"$DATA/up-rsync.bin" 2>/dev/null)"
timeout 60 rsync -e "$SSH_CMD" "$U@127.0.0.1:$T_SHARE/host-secret" "$L/rs-secret" </dev/null >"$L/out" 2>&1
assert_eq "ForceCommand: rsync of a host path fails" "no" "$([ -e "$L/rs-secret" ] && echo yes || echo no)"

# --- the user's shell read no rc file -----------------------------------------------------------
assert_eq "ForceCommand with /bin/sh (dash): none of the user's rc files ran outside the sandbox" "" \
	"$(find "$T_SHARE" -maxdepth 1 -name 'rc-ran*' -printf '%f ')"

# The documented caveat (docs/ssh.md): with bash as the login shell, Debian's
# bash (SSH_SOURCE_BASHRC) sources ~/.bashrc for `bash -c <ForceCommand>`
# outside the sandbox. Shown here, not asserted.
sed -i -E "s#^($U:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*):.*#\\1:/bin/bash#" /etc/passwd
ssh_run $U 'true'
if [ -e "$T_SHARE/rc-ran.bashrc" ]; then
	echo "# note: login shell /bin/bash + ForceCommand: ~/.bashrc ran outside the sandbox first (see docs/ssh.md)"
else
	echo "# note: login shell /bin/bash + ForceCommand: ~/.bashrc was not read on this system"
fi
sed -i -E "s#^($U:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*):.*#\\1:/bin/sh#" /etc/passwd
rm -f "$T_SHARE"/rc-ran* /home/$U/.[a-z]*

if wait_user_gone 61004 5; then
	pass "ForceCommand: no process of the user, no session cgroup left"
else
	fail "ForceCommand: no process of the user, no session cgroup left" "$(procs -l -u 61004)" "$(session_cgroups 61004)"
fi
rm -rf "$L" "${DATA:?}"/*
