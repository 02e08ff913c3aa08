# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034
# login(1) (shadow's, /bin/login) with pam_sandsh in /etc/pam.d/login:
# root runs `login -f USER` (no authentication) on a pty made by script(1),
# the shell reads its commands from that terminal (login_run, lib.sh).

log_mark
login_run sbuser1 'echo "H=$(hostname) P1=$(cat /proc/1/comm) PID=$$ U=$(id -un) NNP=$(grep NoNewPrivs /proc/self/status | tr -d "\t")"'
assert_line "login -f: inside (hostname, PID 1 holder, shell PID 2, user, no_new_privs)" \
	'H=pam-sbuser1 P1=sandsh-holder PID=2 U=sbuser1 NNP=NoNewPrivs:1' "$OUT"
assert_log_contains "login: session open via=pam with the terminal" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=pts/[0-9]+ from=local service=login\$"
assert_open_close "login" sbuser1
assert_log_contains "login: pam_unix's session lines" "pam_unix\(login:session\): session closed for user sbuser1"
assert_clean "login"

# A broken policy: login fails before any shell runs.
write_policy <<EOT
version = 1;
defaults = { rootfs = "$T_ROOTFS"; no_such_key = true; };
EOT
rm -f "$T_SHARE/PROBE-RAN"
log_mark
login_run sbuser1 "$PROBE"
assert_eq "login, broken policy: nothing ran" "no" "$([ -e "$T_SHARE/PROBE-RAN" ] && echo ran || echo no)"
assert_log_contains "login, broken policy: error line" "^error user=sbuser1 uid=61001 reason=$POLICY:2: "
assert_log_lacks "login, broken policy: no session" "^session open"
write_pam_policy
assert_clean "login, broken policy"
