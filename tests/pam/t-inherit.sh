# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2119,SC2120,SC2034
# repo is set by tests/pam/run.sh:
# shellcheck disable=SC2154
# Issue 12: nothing the caller holds crosses into a PAM-placed session.
# The caller (root, or an unsandboxed user running su) holds a directory
# descriptor of /, a host file, a socket and a pipe whose other ends belong
# to an outside process, an O_PATH descriptor, a memfd and a high-numbered
# directory descriptor, and its cwd is a host directory (tests/tools/
# fdhold.c). Inside, `ls -ln /proc/self/fd` must list 0-2 and the
# descriptor ls opened itself (3, /proc/<ls>/fd), nothing else; the cwd is
# inside the new root; nothing written to fds 7/8 reaches the outside.
# Then pam_env: a user's ~/.pam_environment (user_readenv=1, as in Debian's
# stock sshd stack) before the module: the user's LD_PRELOAD library never
# runs outside the sandbox.

# shellcheck source=tests/lib/inherit.sh
. "$repo/tests/lib/inherit.sh"
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
# sshd_setup also gives the fixture users host-side homes (a tmpfs /home
# of this namespace), where pam_env looks for ~/.pam_environment.
sshd_setup
inherit_setup

# su_hold [-u CALLER-UID] [-i INPUT] SU-ARGS...: su with the held
# descriptors and cwd of HOLD; sets STATUS OUT ERR.
su_hold() {
	local launch=() input=/dev/null
	while [ $# -gt 0 ]; do
		case "$1" in
		-u) launch=(setpriv --reuid="$2" --regid="$2" --init-groups --); shift 2 ;;
		-i) input=$2; shift 2 ;;
		*) break ;;
		esac
	done
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 "$PAM_RUN_TIMEOUT" \
			${launch[@]+"${launch[@]}"} "${HOLD[@]}" su "$@" <"$input" >"$T_WORK/su-out" 2>"$T_WORK/su-err"
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/su-out")
	ERR=$(cat "$T_WORK/su-err")
}

# --- su -l, caller root ----------------------------------------------------------------
log_mark
INHERIT_HOLD su-root
su_hold -l sbuser1 -c "$INHERIT_PROBE"
assert_status "su -l (caller root, fds 5-10 and 250 held, cwd outside): status" 0
assert_inherit "su -l, caller root" "$OUT" /home/sbuser1 su-root
assert_open_close "su -l, caller root" sbuser1
assert_clean "su -l, caller root"

# --- su (not -l): the caller's cwd is not changed by su ----------------------------------
INHERIT_HOLD su-plain
su_hold sbuser1 -c "$INHERIT_PROBE"
assert_status "su without -l (cwd outside): status" 0
assert_inherit "su without -l: the session starts in the sandbox's /" "$OUT" / su-plain
assert_clean "su without -l"

# --- su -l, caller an unprivileged, unsandboxed user (the issue's reproduction) ----------
# sbadmin (sandbox = false) authenticates as sbuser1 with sbuser1's password.
pw=pam-inherit-$$
hash=$(openssl passwd -6 -salt sandshtest "$pw")
cp /etc/shadow "$T_WORK/shadow.saved"
sed -i -E "s#^sbuser1:[^:]*:#sbuser1:$hash:#" /etc/shadow
sed -i 's#^auth     required   pam_deny.so$#auth     required   pam_unix.so#' /etc/pam.d/su-l
printf '%s\n' "$pw" >"$T_WORK/su-pw"
chmod 0644 "$T_WORK/su-pw"
INHERIT_HOLD su-user
su_hold -u 61003 -i "$T_WORK/su-pw" -l sbuser1 -c "$INHERIT_PROBE"
assert_status "su -l by an unsandboxed user with the password (the reproduction): status" 0
assert_inherit "su -l by an unsandboxed user" "$OUT" /home/sbuser1 su-user
# su_by_sbadmin SCRIPT: bash -c SCRIPT as sbadmin (61003), with the
# password on stdin for the su -l it runs; sets STATUS, OUT, ERR.
su_by_sbadmin() {
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 "$PAM_RUN_TIMEOUT" \
			setpriv --reuid=61003 --regid=61003 --init-groups -- bash -c "$1" \
			<"$T_WORK/su-pw" >"$T_WORK/su-out" 2>"$T_WORK/su-err"
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/su-out")
	ERR=$(cat "$T_WORK/su-err")
}
# The exact command of the issue: a directory fd 9 of / and a read through it.
su_by_sbadmin "cd $INHERIT_CWD; exec 9</; su -l sbuser1 -c 'ls /proc/self/fd | tr \"\\n\" \" \"; cat /proc/self/fd/9$INHERIT_MARKER'"
assert_eq "the issue's command: fds 0-2 and ls's own; the host file unreachable through fd 9" \
	"0 1 2 3 " "$OUT"
# The caller's resource limits, umask and signal state (SECURITY 2): su is
# the one PAM path where the user sets them (sshd, login and pamtester are
# started by root). With few descriptors, umask 0777 and the usual signals
# ignored, the session is placed inside (PID 1 the holder), or refused
# with one line; nothing is left either way (assert_clean below).
su_by_sbadmin "ulimit -n 32; umask 0777; trap '' TERM HUP INT QUIT; cd /; su -l sbuser1 -c 'cat /proc/1/comm'"
d="su: hostile limits, umask 0777 and ignored signals: placed inside, or refused with one line"
if [ "$STATUS" = 0 ] && [ "$OUT" = sandsh-holder ]; then
	pass "$d"
elif [ "$STATUS" != 0 ] && [ -z "$OUT" ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]; then
	pass "$d"
else
	fail "$d" "status=$STATUS out=[$OUT] err=[$ERR]"
fi
cp "$T_WORK/shadow.saved" /etc/shadow
pam_services
assert_clean "su -l by an unsandboxed user"

# --- login under script ---------------------------------------------------------------
log_mark
INHERIT_HOLD login
LOGIN_VIA=("${HOLD[@]}")
login_run sbuser1 "$INHERIT_PROBE"
LOGIN_VIA=()
assert_inherit "login -f (under script)" "$OUT" /home/sbuser1 login
assert_open_close "login -f with held descriptors" sbuser1
assert_clean "login -f with held descriptors"

# --- pamtester: a child of the placed caller (pam_exec) and the holder -------------------------
# pam_exec runs the probe as a child of pamtester after the module placed
# it; the probe also lists the holder's (PID 1's) descriptors: beyond 0-2
# only the module's own pipes and anonymous inodes, nothing of the caller's.
{
	echo '#!/bin/sh'
	printf '%s\n' "$INHERIT_PROBE"
	# shellcheck disable=SC2016
	echo 'for f in /proc/1/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && echo "HOLDER $n $(readlink "$f")"; done; true'
} >"$T_ROOTFS/inherit-probe"
chmod 0755 "$T_ROOTFS/inherit-probe"
write_service sandsh-exec <<'EOT'
auth     required   pam_deny.so
account  required   pam_permit.so
session  required   MOD
session  required   pam_exec.so type=open_session stdout /inherit-probe
EOT
log_mark
INHERIT_HOLD pamtester
{
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 "$PAM_RUN_TIMEOUT" \
		"${HOLD[@]}" pamtester -v sandsh-exec sbuser1 open_session close_session \
		</dev/null >"$T_WORK/pt-out" 2>"$T_WORK/pt-err"
	STATUS=$?
} 2>/dev/null
OUT=$(cat "$T_WORK/pt-out")
rm -f "$T_ROOTFS/inherit-probe"
assert_status "pamtester with held descriptors: status" 0
assert_inherit "pamtester: pam_exec's child after the placement" "$OUT" / pamtester
assert_eq "pamtester: the holder keeps no descriptor of the caller's (only pipes, anon inodes)" "" \
	"$(printf '%s\n' "$OUT" | awk '$1 == "HOLDER" && $3 !~ /^(pipe|anon_inode):/')"
assert_open_close "pamtester with held descriptors" sbuser1
assert_clean "pamtester with held descriptors"
pam_services

# --- sshd with UsePAM, started by a caller holding descriptors ------------------------------
log_mark
INHERIT_HOLD sshd
SSHD_WRAPPER=("${HOLD[@]}")
SSHD_SYSLOG=1 SSHD_USE_PAM=yes sshd_start
SSHD_WRAPPER=()
log_mark
ssh_run sbuser1 "$INHERIT_PROBE"
assert_status "sshd (UsePAM, started with held descriptors): status" 0
assert_inherit "sshd: ssh CMD" "$OUT" /home/sbuser1 sshd
assert_open_close "sshd with held descriptors" sbuser1
# The listener's own descriptors are its business; wait for the
# per-connection processes before the checks.
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "sshd with held descriptors"

# --- pam_env user_readenv=1 before the module: the user's environment -----------------------
# ~/.pam_environment in the host home sets LD_PRELOAD to the user's own
# library, which writes a marker on the host when it runs outside.
install -o 61001 -g 61001 -m 0755 "$PRELOAD_SO" /home/sbuser1/x.so
printf 'LD_PRELOAD DEFAULT=/home/sbuser1/x.so\nBASH_ENV DEFAULT=/home/sbuser1/x.sh\nENV DEFAULT=/home/sbuser1/x.sh\n' \
	>/home/sbuser1/.pam_environment
printf 'touch %s/env-file-ran\n' "$T_SHARE" >/home/sbuser1/x.sh
chown 61001:61001 /home/sbuser1/.pam_environment /home/sbuser1/x.sh
preload_ran >/dev/null
# Control: the library works (outside, as the user, it leaves a marker).
env -i PATH=/usr/bin:/bin setpriv --reuid=61001 --regid=61001 --init-groups -- env LD_PRELOAD=/home/sbuser1/x.so /bin/true
assert_match "pam_env control: the user's library leaves a marker when it runs outside" \
	"^pid=[0-9]+ uid=61001 host=$(hostname) exe=" "$(preload_ran)"

sed -i "s#^session  required   $PAM_MODULE\$#session  required   pam_env.so user_readenv=1 envfile=/etc/default/locale\\nsession  required   $PAM_MODULE#" \
	/etc/pam.d/su-l /etc/pam.d/sshd /etc/pam.d/login
log_mark
su_run sbuser1 'echo "LD_PRELOAD=$LD_PRELOAD"; hostname'
assert_eq "su -l with pam_env user_readenv=1: the session runs (inside)" "0 pam-sbuser1" \
	"$STATUS $(printf '%s\n' "$OUT" | tail -n 1)"
assert_eq "su -l with pam_env user_readenv=1: none of the user's code ran outside" "" \
	"$(preload_ran; ls "$T_SHARE"/env-file-ran 2>/dev/null)"
ssh_run sbuser1 'echo "LD_PRELOAD=$LD_PRELOAD"; hostname'
assert_eq "sshd with pam_env user_readenv=1: the session runs (inside)" "0 pam-sbuser1" \
	"$STATUS $(printf '%s\n' "$OUT" | tail -n 1)"
assert_eq "sshd with pam_env user_readenv=1: none of the user's code ran outside" "" \
	"$(preload_ran; ls "$T_SHARE"/env-file-ran 2>/dev/null)"
login_run sbuser1 hostname
assert_line "login with pam_env user_readenv=1: the session runs (inside)" "pam-sbuser1" "$OUT"
assert_eq "login with pam_env user_readenv=1: none of the user's code ran outside" "" \
	"$(preload_ran; ls "$T_SHARE"/env-file-ran 2>/dev/null)"
rm -f /home/sbuser1/.pam_environment /home/sbuser1/x.so /home/sbuser1/x.sh
pam_services
sshd_stop
for _ in $(seq 50); do [ -z "$(procs -u 61001)" ] && break; sleep 0.1; done
assert_clean "pam_env"
