# shellcheck shell=bash
# Hang-up: the ssh client of an interactive `ssh -tt` login (sandsh as the
# login shell, a pty in the guest) is killed; sshd hangs up the terminal,
# the session ends with status 129 (SIGHUP, docs/ssh.md) and nothing of it
# is left.
# Commands typed into the sandbox's shell are single-quoted on purpose:
# shellcheck disable=SC2016
# BG (lib.sh) is an associative array, its keys are words:
# shellcheck disable=SC2154

CUR=$(G "$GS mark")
fifo=$VM_WORK/hup.in
rm -f "$fifo"
mkfifo "$fifo"
# Held open read-write here, so the client never sees end-of-file.
exec {hupfd}<>"$fifo"
env -u SSH_AUTH_SOCK ssh "${SSH_OPTS[@]}" -tt -i "$IMG/id_user" vmshell@127.0.0.1 \
	<"$fifo" >"$VM_WORK/hup.out" 2>"$VM_WORK/hup.err" &
BG[hup]=$!
echo "${BG[hup]}" >>"$VM_WORK/bg.pids"
printf '%s\n' 'echo "READY-$((6 * 7))"; sleep 1000' >&"$hupfd"
ok=0
for _ in $(seq 600); do
	tr -d '\r' <"$VM_WORK/hup.out" | grep -q 'READY-42$' && { ok=1; break; }
	kill -0 "${BG[hup]}" 2>/dev/null || break
	sleep 0.1
done
if [ $ok = 0 ]; then
	fail "an interactive ssh -tt login runs a command" "$(bg_show hup)"
	exec {hupfd}>&-
	return 0
fi
SID=$(G "$GS open-id vmshell '$CUR' 20")
assert_match "the session has a pty (tty=pts/N in the audit line)" " tty=pts/[0-9]+ " \
	"$(G "$GS log '$CUR'" | grep "^session open id=$SID ")"
for _ in $(seq 50); do
	[ -n "$(G "$GS pid-of 2001 sleep")" ] && break
	sleep 0.2
done
check_live hangup vmshell "$SID" "sandsh-init sh sleep"
{ kill -KILL "${BG[hup]}" && wait "${BG[hup]}"; } 2>/dev/null
exec {hupfd}>&-
rm -f "$fifo"
assert_eq "the close line has status 129 (SIGHUP)" 129 "$(G "$GS close-status $SID '$CUR' 30")"
check_gone hangup vmshell "$SID"
check_all_gone
