# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# What an unprivileged caller controls before sandsh runs: the environment
# the dynamic loader and libc read, its identity variables, argv, and the
# state of its file descriptors (t-env.sh covers the variables reaching the
# shell; t-refuse.sh argc == 0 and usage errors).

# --- the loader and libc of the setuid binary ----------------------------------
# evil.so leaves $T_SHARE/EVIL-<pid> (with its ids) if anything loads it.
install -d -m 0755 "$T_WORK/evil" "$T_WORK/gconv"
install -m 0755 "$EVIL_SO" "$T_WORK/evil/evil.so"
install -m 0755 "$EVIL_SO" "$T_WORK/evil/libconfig.so.9"
install -m 0755 "$EVIL_SO" "$T_WORK/evil/libc.so.6"
install -m 0755 "$EVIL_SO" "$T_WORK/gconv/EVIL.so"
printf 'module  INTERNAL  EVIL//  EVIL  1\nmodule  EVIL//  INTERNAL  EVIL  1\nalias UTF-8// EVIL//\n' \
	>"$T_WORK/gconv/gconv-modules"
chmod -R a+rX "$T_WORK/evil" "$T_WORK/gconv"
tunables_overflow="glibc.malloc.mxfast=glibc.malloc.mxfast=$(head -c 2000 /dev/zero | tr '\0' A)"
write_std_policy 'hostname = "u-%u";'
for v in "LD_PRELOAD=$T_WORK/evil/evil.so" "LD_AUDIT=$T_WORK/evil/evil.so" \
	"LD_LIBRARY_PATH=$T_WORK/evil" "GCONV_PATH=$T_WORK/gconv" "CHARSET=EVIL" \
	"GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.tcache_count=0:glibc.rtld.nns=1" \
	"GLIBC_TUNABLES=$tunables_overflow" "LD_DEBUG=all" "LD_DEBUG_OUTPUT=$T_SHARE/lddebug" \
	"LD_PROFILE=libc.so.6" "MALLOC_CHECK_=3" "LOCPATH=$T_WORK/evil" "NLSPATH=$T_WORK/evil/%N" \
	"HOSTALIASES=/etc/shadow" "TMPDIR=$T_SHARE" "BASH_ENV=$T_WORK/evil/rc" "ENV=$T_WORK/evil/rc" \
	"IFS=/" "USER=root"; do
	rm -f "$T_SHARE"/EVIL-* "$T_SHARE/lddebug"*
	log_mark
	sess_run -e "$v" -e LC_ALL=C.UTF-8 -e LANG=C.UTF-8 sbuser1 -c \
		'hostname; id -u; env | grep -cE "^(LD_|GCONV_PATH|CHARSET|GLIBC_TUNABLES|MALLOC_|LOCPATH|NLSPATH|HOSTALIASES|TMPDIR|BASH_ENV|ENV|IFS)=" || :'
	name=${v%%=*}
	[ "$name" = GLIBC_TUNABLES ] && [ ${#v} -gt 200 ] && name="GLIBC_TUNABLES (CVE-2023-4911 shape)"
	# The loader of a setuid program still honours LD_PROFILE, writing only
	# below /var/profile (root's; absent here): its notice is not sandsh's.
	[ "$name" = LD_PROFILE ] && ERR=$(printf '%s\n' "$ERR" | grep -v '^/var/profile/libc.so.6.profile: cannot open file')
	assert_eq "$name: the session runs sandboxed as the real user, the variable dropped" \
		"0|u-sbuser1
61001
0|" "$STATUS|$OUT|$ERR"
	assert_eq "$name: nothing was loaded into the setuid process or the shell" "" \
		"$(find "$T_SHARE" -mindepth 1 \( -name 'EVIL-*' -o -name 'lddebug*' \) -printf '%f\n')"
	assert_log_contains "$name: logged as the real user" \
		'^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=shell'
done
sess_run -e USER=root -e LOGNAME=root -e HOME=/root -e SUDO_USER=root -e SUDO_UID=0 sbuser1 \
	-c 'hostname; id -un; echo "$USER $LOGNAME $HOME"; echo "${SUDO_USER-unset}"'
assert_eq "USER/LOGNAME/HOME/SUDO_* = root: identity from getuid() only (%u, ids, variables)" \
	"0|u-sbuser1
sbuser1
sbuser1 sbuser1 /home/sbuser1
unset" "$STATUS|$OUT"
write_std_policy
rm -rf "$T_WORK/evil" "$T_WORK/gconv" "$T_SHARE"/EVIL-*

# --- options after -c, and other smuggling ------------------------------------------
# Non-root: never a root-only mode, whatever the position or spelling.
usage_msg() { echo "sandsh: $1: $2 (see sandsh --help)"; }
for args in "-c|id|--check" "-c|id|--check|/etc/shadow" "-c|id|--list" "-c|id|--explain|root" \
	"-c|id|-c|id" "--|--check" "--|-c|id" "--check|-c|id" "--list|-c|id" "--explain|root|-c|id" \
	"--check=/etc/shadow" "--CHECK" "-check" "--che" "--explain=root" "-c"; do
	IFS='|' read -r -a argv <<<"$args"
	sess_run sbuser1 "${argv[@]}"
	case "$args" in
	-c\|id\|*) want=$(usage_msg "${argv[2]}" "unexpected argument after -c COMMAND") ;;
	--\|*) want=$(usage_msg "${argv[1]}" "unexpected argument") ;;
	--check\|* | --list\|* | --explain\|*) want=$(usage_msg "${argv[0]}" "permitted to root only") ;;
	-c) want=$(usage_msg -c "missing command") ;;
	*) want=$(usage_msg "${argv[0]}" "unknown option") ;;
	esac
	assert_eq "sandsh ${argv[*]}: a usage error (125), nothing run" "125||$want" "$STATUS|$OUT|$ERR"
done
# An argument that looks like an option is only ever data for the shell
# inside: the command of -c, argv[0], SSH_ORIGINAL_COMMAND.
# (Like sshd, sandsh runs "shell -c COMMAND": busybox sh reads a COMMAND
# starting with "-" as its own options, inside the sandbox.)
sess_run sbuser1 -c '--check'
assert_eq "sandsh -c --check: \"--check\" goes to the inner shell, in the sandbox" \
	"2||sh: -c requires an argument" "$STATUS|$OUT|$ERR"
sess_run -0 --check sbuser1 -c 'hostname; id -u'
assert_eq "argv[0] \"--check\" (a login shell): the sandboxed session" "0|sandsh
61001" "$STATUS|$OUT"
sess_run -e "SSH_ORIGINAL_COMMAND=--list" sbuser1
assert_eq "SSH_ORIGINAL_COMMAND=--list: for the inner shell, not sandsh's option" \
	"2||sh: -c requires an argument" "$STATUS|$OUT|$ERR"
sess_run sbuser1 "$(printf -- '--x\nsandsh: forged line\033[2J')"
assert_eq "an unknown option with a newline and escapes: still one line, control characters shown as ?" \
	"125||sandsh: --x?sandsh: forged line?[2J: unknown option (see sandsh --help)" "$STATUS|$OUT|$ERR"

# --- closed standard descriptors ---------------------------------------------------
# glibc reopens a closed 0-2 of a setuid program on /dev/full or /dev/null
# (write-only stdin, read-only stdout/stderr) before main(); sandsh's own
# reopen is the second line. Either way no message may land in a file
# that happens to get fd 0-2, and the session works or fails cleanly.
log_mark
sess_run -C 0 sbuser1 -c 'test -c /proc/self/fd/0 && echo fd0-is-a-device; hostname'
assert_eq "fd 0 closed: the session works, its fd 0 a device" "0|fd0-is-a-device
sandsh|" "$STATUS|$OUT|$ERR"
sess_run -C 1 sbuser1 -c 'hostname; echo to-stderr >&2; exit 3'
assert_eq "fd 1 closed: the session works (writes to fd 1 fail), status the command's" \
	"3|to-stderr" "$STATUS|$ERR"
sess_run -C 2 sbuser1 -c 'hostname; echo x >&2; test -c /proc/self/fd/2 && echo fd2-is-a-device'
assert_eq "fd 2 closed: the session works, its fd 2 a device" "0|sandsh
fd2-is-a-device" "$STATUS|$OUT"
no_partial "closed fds"

policy_sum=$(sha256sum "$POLICY")
write_std_policy 'bogus = 1;'
policy_sum=$(sha256sum "$POLICY")
for fds in 2 "0 1 2"; do
	args=()
	for f in $fds; do args+=(-C "$f"); done
	log_mark
	sess_run "${args[@]}" sbuser1 -c "$PROBE"
	assert_eq "fds $fds closed, policy invalid: refused (125), probe not run" "125|" \
		"$STATUS|$(ls "$T_SHARE")"
	assert_eq "fds $fds closed: the refusal went to no file (policy, runtime state, work files)" \
		"$policy_sum|" "$(sha256sum "$POLICY")|$(grep -rl 'sandsh:' /run/sandsh /etc/sandsh "$T_WORK"/sess-* 2>/dev/null)"
	assert_log_contains "fds $fds closed: the refusal is logged" '^error user=sbuser1 uid=61001 reason=.*unknown key'
done
write_std_policy
# During a session the outer sandsh's fd 2 is a device, not a file of ours.
(exec 2>&-; sess_run -C 2 -t 10 sbuser1 -c 'sleep 2') &
bg=$!
outer=$(wait_for_session)
assert_match "fd 2 closed: the outer sandsh's fd 2 is /dev/null or /dev/full" '^/dev/(null|full)$' \
	"$(readlink "/proc/$outer/fd/2" 2>&1)"
wait "$bg"

# --- an inherited descriptor above a low RLIMIT_NOFILE --------------------------------
# close_range(3, ~0U): a loop up to RLIMIT_NOFILE would miss fd 1000.
echo host-secret >"$T_WORK/secret"
chmod 0644 "$T_WORK/secret"
exec 9>&2
(
	exec 1000<"$T_WORK/secret"
	sess_run -l --nofile=64 sbuser1 -c 'ls /proc/self/fd | tr "\n" " "; cat /proc/self/fd/1000; ulimit -n'
	echo "$STATUS|$OUT|$ERR" >"$T_WORK/fd1000"
) 2>&9
assert_eq "fd 1000 with RLIMIT_NOFILE=64: not inherited; the limit is the caller's inside" \
	"0|0 1 2 3 64|cat: can't open '/proc/self/fd/1000': No such file or directory" "$(cat "$T_WORK/fd1000")"
(
	exec 1000<"$T_WORK/secret"
	sess_run -l --nofile=64 -t 10 sbuser1 -c 'sleep 2'
) &
bg=$!
outer=$(wait_for_session)
assert_eq "fd 1000: not open in the outer sandsh either (only its own descriptors)" "" \
	"$(find "/proc/$outer/fd/" -mindepth 1 -lname "$T_WORK/secret" 2>/dev/null)"
wait "$bg"
rm -f "$T_WORK/secret" "$T_WORK/fd1000"
