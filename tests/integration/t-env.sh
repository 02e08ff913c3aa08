# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The environment inside is rebuilt from an allow-list (SPEC §4, SECURITY 4).
# busybox sh itself adds PWD and SHLVL=1.

run_as -e LD_PRELOAD=/x -e FOO=bar -e USER=root -e HOME=/root -e TERM=xterm \
	-e LANG=../../x -e TZ=/etc/shadow -e LOGNAME=root -e SHELL=/bin/bash \
	-e PATH=/evil -e IFS=x -e ENV=/tmp/rc -e BASH_ENV=/tmp/rc \
	sbuser1 -c 'env | sort'
assert_status "hostile environment: status" 0
assert_stderr_empty "hostile environment: nothing on stderr"
assert_out "hostile environment: only the allow-list reaches the shell" "HOME=/home/sbuser1
LOGNAME=sbuser1
PATH=/usr/local/bin:/usr/bin:/bin
PWD=/home/sbuser1
SHELL=/bin/sh
SHLVL=1
TERM=xterm
USER=sbuser1"

run_as -e LANG=C.UTF-8 -e LC_ALL=C -e LC_TIME=en_GB.UTF-8 -e LC_MESSAGES=../x \
	-e TZ=Europe/Paris -e "SSH_CONNECTION=10.1.2.3 50000 10.9.9.9 22" \
	-e "SSH_CLIENT=10.1.2.3 50000 22" -e SSH_TTY=/dev/pts/3 -e "TERM=xterm/../x" \
	sbuser1 -c 'env | grep -E "^(LANG|LC_|TZ|SSH_|TERM)" | sort'
assert_out "env_keep: valid locale, TZ and ssh variables kept, bad ones dropped" "LANG=C.UTF-8
LC_ALL=C
LC_TIME=en_GB.UTF-8
SSH_CLIENT=10.1.2.3 50000 22
SSH_CONNECTION=10.1.2.3 50000 10.9.9.9 22
SSH_TTY=/dev/pts/3
TZ=Europe/Paris"

for tz in /etc/shadow :/etc/shadow ../../etc/shadow Europe/../../../etc/shadow; do
	run_as -e "TZ=$tz" sbuser1 -c 'echo "[${TZ-unset}]"'
	assert_out "TZ=$tz (a path) is dropped" "[unset]"
done

run_as -e TZ=UTC -e "TERM=$(printf 'xt\033erm')" -e "LANG=$(printf 'C\nX')" sbuser1 -c 'env | grep -E "^(TZ|TERM|LANG)=" | sort'
assert_out "control characters drop a variable; TZ=UTC kept" "TZ=UTC"

long=$(head -c 5000 /dev/zero | tr '\0' a)
run_as -e "TERM=$long" sbuser1 -c 'echo "${#TERM}"'
assert_out "an overlong value is dropped" "0"

write_std_policy 'env = { PATH = "/bin"; EDITOR = "vi"; GREETING = "hi %u"; };' \
	'env_keep = [ "FOO", "MY_*" ];' 'home = "/tmp";' 'shell = "/bin/ash";'
run_as -e FOO=bar -e MY_A=1 -e MY_B=2 -e TERM=xterm -e LANG=C -e EDITOR=nano \
	sbuser1 -c 'env | sort'
assert_out "policy env, env_keep patterns, home and shell" "EDITOR=vi
FOO=bar
GREETING=hi sbuser1
HOME=/tmp
LOGNAME=sbuser1
MY_A=1
MY_B=2
PATH=/bin
PWD=/tmp
SHELL=/bin/ash
SHLVL=1
USER=sbuser1"

write_std_policy 'env = { HOME = "/root"; USER = "root"; };'
line=$(policy_line_of 'env = ')
log_mark
run_as sbuser1 -c "$PROBE"
assert_refused "policy env may not set HOME/USER" 125 "sandsh: policy: invalid, session refused (see the system log)"
assert_log_contains "policy env HOME: logged with file:line" \
	"^error user=sbuser1 uid=61001 reason=/etc/sandsh/sandsh.conf:$line: defaults.env.HOME: is set by sandsh \(and 1 more\)\$"
write_std_policy

# The caller's umask is the command's (sandsh itself uses 022).
run_as sbuser1 -c 'umask'
assert_out "umask of the caller reaches the command" "$(printf '%04o' "$(umask)")"

# As an sshd ForceCommand (no argument, not a login shell, SSH_CONNECTION
# set), a loader or shell start-up variable shows that the shell sshd
# started sandsh with ran in a user-controlled environment (pam_env's
# user_readenv, PermitUserEnvironment): refused, and logged as a side door.
conn="SSH_CONNECTION=10.1.2.3 50000 10.9.9.9 22"
for v in LD_PRELOAD=/home/sbuser1/x.so LD_AUDIT=/x BASH_ENV=/home/sbuser1/rc "BASH_FUNC_f%%=() { :; }"; do
	name=${v%%=*}
	log_mark
	run_as -e "$conn" -e "$v" -e "SSH_ORIGINAL_COMMAND=$PROBE" sbuser1
	assert_refused "ForceCommand with $name" 125 \
		"sandsh: ForceCommand: refused: $name in the environment of the shell that started sandsh (see sandsh --check)"
	assert_log_contains "ForceCommand with $name: logged as a side door" \
		"^error user=sbuser1 uid=61001 reason=ForceCommand side door: $name in the environment of the shell that started sandsh\$"
done
# Padding does not push a variable out of sight.
pad=$(head -c 100000 /dev/zero | tr '\0' x)
run_as -e "$conn" -e "PAD1=$pad" -e "PAD2=$pad" -e "PAD3=$pad" -e GCONV_PATH=/home/sbuser1/g -e "SSH_ORIGINAL_COMMAND=$PROBE" sbuser1
assert_refused "ForceCommand with GCONV_PATH after 300 KB of padding" 125 \
	"sandsh: ForceCommand: refused: GCONV_PATH in the environment of the shell that started sandsh (see sandsh --check)"
# sshd's PAM stack reads the user's environment (Debian's stock file): every
# ForceCommand session is refused, before the user could plant anything.
if [ -f "$T_ROOT/pam.d-sshd.stock" ] && grep -q 'user_readenv=1' "$T_ROOT/pam.d-sshd.stock"; then
	cp /etc/pam.d/sshd "$T_WORK/sshd.pam"
	cp "$T_ROOT/pam.d-sshd.stock" /etc/pam.d/sshd
	line=$(grep -n 'pam_env.so.*user_readenv=1' /etc/pam.d/sshd | head -n1 | cut -d: -f1)
	run_as -e "$conn" -e "SSH_ORIGINAL_COMMAND=$PROBE" sbuser1
	assert_refused "ForceCommand under a PAM stack with pam_env user_readenv=1" 125 \
		"sandsh: ForceCommand: refused: /etc/pam.d/sshd:$line reads the user's environment (pam_env user_readenv=1) (see sandsh --check)"
	run_as -e "$conn" sbuser1 -c 'echo login-shell'
	assert_out "the same stack, sandsh as the login shell: runs" "login-shell"
	cp "$T_WORK/sshd.pam" /etc/pam.d/sshd
else
	skip "ForceCommand under a PAM stack with pam_env user_readenv=1" "no stock /etc/pam.d/sshd with user_readenv=1 on this host"
fi
# The same variables with -c (sshd running sandsh as the login shell: no
# shell ran before it) or without SSH_CONNECTION are only dropped.
run_as -e "$conn" -e LD_PRELOAD=/x sbuser1 -c 'echo in'
assert_out "login-shell -c with LD_PRELOAD: runs, variable dropped" "in"
run_as -e "$conn" -e "SSH_ORIGINAL_COMMAND=echo forced" sbuser1
assert_out "ForceCommand with a clean environment: runs the command" "forced"
