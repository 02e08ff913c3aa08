# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034
# repo is set by tests/e2e/run.sh:
# shellcheck disable=SC2154
# Issue 18 item 1: sandsh as a ForceCommand under Debian's stock sshd PAM
# stack (UsePAM yes, /etc/pam.d/sshd as openssh-server installs it, with
# `session required pam_env.so user_readenv=1`) and the recommended
# writable bind of the host home (/home/%u). The attack: from inside the
# sandbox the user writes ~/x.so (a library that leaves a marker on the
# host when it runs outside) and ~/.pam_environment setting LD_PRELOAD to
# it; on the next login sshd reads that file and starts the user's shell
# (`/bin/sh -c sandsh`) on the host with it. The test asserts that no code
# of the user ran outside the sandbox. Today it does.
#
# How it may be stopped is the runtime side's choice; the test accepts
# exactly two outcomes of the first login: the files were written (and
# then the second login must run nothing outside), or sandsh refused the
# session because of the side door, with one line on stderr and status
# REFUSE_STATUS (and nothing was written).
# `sandsh --check` must name the side door (src/sshaudit.c's line).

REFUSE_STATUS=125
REFUSE_ERE='^sandsh: .*user_readenv.*$'

# shellcheck source=tests/lib/inherit.sh
. "$repo/tests/lib/inherit.sh"
inherit_setup

U=sbforce
HOMEDIR=/home/$U
# The stock file, as the host has it (run.sh changed the overlay's copy).
[ -f "$T_ROOT/pam.d-sshd.stock" ] && cp "$T_ROOT/pam.d-sshd.stock" /etc/pam.d/sshd
stock_md5=$(dpkg-query -W -f='${Conffiles}\n' openssh-server 2>/dev/null | awk '$1 == "/etc/pam.d/sshd" { print $2 }')
if [ -z "$stock_md5" ] || [ "$(md5sum </etc/pam.d/sshd | cut -d' ' -f1)" != "$stock_md5" ]; then
	skip "ForceCommand under Debian's stock sshd PAM stack" \
		"/etc/pam.d/sshd is not openssh-server's stock file on this host (dpkg md5 ${stock_md5:-unknown})"
	return 0
fi
readenv_line=$(grep -n -E '^session[[:space:]]+required[[:space:]]+pam_env\.so[[:space:]].*user_readenv=1' /etc/pam.d/sshd | cut -d: -f1 | head -n 1)
assert_match "fixture: Debian's stock /etc/pam.d/sshd reads the user's environment (pam_env user_readenv=1)" \
	'^[0-9]+$' "$readenv_line"

# The recommended set-up of docs/ssh.md: the user's host home bound
# writable into the sandbox.
{
	policy_head "$E2E_ROOTFS"
	echo '  hostname = "e2e-%u";'
	echo '  shell = "/bin/sh";'
	echo '  mounts = ('
	echo '    { type = "tmpfs"; target = "/tmp"; size = "64M"; },'
	echo '    { type = "tmpfs"; target = "/home"; size = "1M"; },'
	echo '    { type = "bind"; source = "/home/%u"; target = "/home/%u"; }'
	echo '  );'
	echo '};'
} | write_policy

# A second sshd of this test (the suite's keeps running for the others).
# sshd_start rewrites the known_hosts file for its port: keep the
# suite's, to put back at the end.
cp "$SSH_KNOWN_HOSTS" "$T_WORK/known_hosts.suite"
SSHD_PID=
SSHD_CONFIG=$T_SSH/sshd_config.pamenv
SSHD_LOG=$T_SSH/sshd-pamenv.log
SSHD_USE_PAM=yes sshd_start "Match Group sbforced" "    ForceCommand $SANDSH"
rm -f "$HOMEDIR/x.so" "$HOMEDIR/.pam_environment"
preload_ran >/dev/null

# Control: the library leaves a marker when the user's shell loads it on
# the host (so a missing marker below means it did not run outside).
env -i PATH=/usr/bin:/bin setpriv --reuid=61004 --regid=61004 --init-groups -- \
	env LD_PRELOAD="$PRELOAD_SO" /bin/sh -c true
assert_match "control: the library marks a run outside the sandbox" "^pid=[0-9]+ uid=61004 host=$(hostname) exe=/usr/bin/dash\$" \
	"$(preload_ran)"

# --- login 1: from inside, write the library and ~/.pam_environment --------------------------
log_mark
ssh_run -i "$PRELOAD_SO" $U 'cat >"$HOME/x.so" && chmod 0755 "$HOME/x.so" && printf "LD_PRELOAD DEFAULT=%s/x.so\n" "$HOME" >"$HOME/.pam_environment" && hostname && echo written'
if [ "$STATUS" = 0 ]; then
	assert_eq "login 1: the user wrote ~/x.so and ~/.pam_environment from inside the sandbox" \
		"e2e-$U
written
LD_PRELOAD DEFAULT=$HOMEDIR/x.so" "$OUT
$(cat "$HOMEDIR/.pam_environment" 2>/dev/null)"
else
	assert_eq "login 1: refused because of the side door (status $REFUSE_STATUS, nothing ran)" \
		"$REFUSE_STATUS" "$STATUS${OUT:+ stdout: $OUT}"
	assert_match "login 1: refused with one line naming pam_env user_readenv" "$REFUSE_ERE" "$ERR"
	# The two files the command writes, not "the home is empty": a stock
	# sshd PAM stack may write there itself first (Ubuntu's pam_motd
	# leaves ~/.cache/motd.legal-displayed before any session module).
	assert_eq "login 1: refused: nothing written" "" \
		"$(ls -d "$HOMEDIR/x.so" "$HOMEDIR/.pam_environment" 2>/dev/null)"
fi

# --- login 2: does any code of the user run outside the sandbox? --------------------------------
ssh_run $U 'echo second'
assert_eq "ForceCommand under Debian's stock PAM stack: no code of the user ran outside the sandbox" "" \
	"$(preload_ran)"

# --- sandsh --check names the side door ----------------------------------------------------------
run_root --check
assert_line "sandsh --check reports pam_env user_readenv=1 in /etc/pam.d/sshd" \
	"side door: /etc/pam.d/sshd:$readenv_line: session pam_env\\.so user_readenv=1: .*" "$OUT
$ERR"

# --- shown, not asserted: what no runtime check can prevent ---------------------------------------
# If ~/.pam_environment got into the host home any other way, the user's
# shell loads the library before sandsh starts: ForceCommand needs a stack
# without user_readenv (docs/ssh.md).
install -o 61004 -g 61004 -m 0755 "$PRELOAD_SO" "$HOMEDIR/x.so"
printf 'LD_PRELOAD DEFAULT=%s/x.so\n' "$HOMEDIR" >"$HOMEDIR/.pam_environment"
chown 61004:61004 "$HOMEDIR/.pam_environment"
ssh_run $U 'true'
if [ -n "$(preload_ran)" ]; then
	echo "# note: a ~/.pam_environment put there outside the sandbox runs the user's library in /bin/sh before sandsh (user_readenv=1; see docs/ssh.md)"
else
	echo "# note: a ~/.pam_environment put there outside the sandbox did not run the user's library"
fi

rm -f "$HOMEDIR/x.so" "$HOMEDIR/.pam_environment"
sshd_stop 5
cp "$T_WORK/known_hosts.suite" "$SSH_KNOWN_HOSTS"
if wait_user_gone 61004 5; then
	pass "ForceCommand under the stock PAM stack: no process or session cgroup left"
else
	fail "ForceCommand under the stock PAM stack: no process or session cgroup left" "$(procs -l -u 61004)"
fi
# The later test files get the documented stack back.
[ -f "$T_ROOT/pam.d-sshd.stock" ] && sed -i -E 's/(pam_env\.so.*)user_readenv=1/\1user_readenv=0/' /etc/pam.d/sshd
