# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034,SC2119
# repo is set by tests/pam/run.sh:
# shellcheck disable=SC2154
# The persistent sandbox (persist = true) through PAM: su -l, pamtester,
# login(1) and sshd with UsePAM join the user's one sandbox, and so do
# sandsh's own logins; closing a PAM login ends that login only; linger
# ends it all and leaves nothing; persist off keeps one sandbox per PAM
# session. The joining attacks that concern PAM's privileged callers:
# planted symlinks and FIFOs, ptrace of the joining service, PID 1 killed
# while su joins.

# shellcheck source=tests/lib/persist.sh
. "$repo/tests/lib/persist.sh"

# The suite's policy (hostname pam-%u, pids_max 32) with persist on.
persist_pam_policy() {
	write_pam_policy 'persist = true;' "$@"
}

fresh() { sandbox_fresh 61001; }

# logins_closed DESC: since the mark, each session open has its
# close, and no sandbox closed.
logins_closed() {
	local o c
	log_wait '^session close ' 3
	sleep 0.3
	o=$(login_ids | sort)
	c=$(log_since | sed -n -E 's/^session close id=([0-9a-f]{16}) .*/\1/p' | sort)
	if [ -n "$o" ] && [ "$o" = "$c" ]; then
		pass "$1: each login's session open has its close"
	else
		fail "$1: each login's session open has its close" "$(log_since)"
	fi
}

# --- persist off: as before -------------------------------------------------------------------
log_mark
su_run sbuser1 'env sleep 300 >/dev/null 2>&1 & echo $$'
assert_out "persist off: su -l's shell is PID 2" "2"
assert_clean "persist off: su -l's job ends with the session"
assert_log_lacks "persist off: no sandbox lines" '^sandbox '

# --- su -l makes the sandbox, later PAM and shell logins join ------------------------------------
persist_pam_policy
CREDS='id; grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status'
su_run sbuser1 "$CREDS"
creds_own=$OUT
log_mark
su_run sbuser1 'echo "$$ $(hostname) $(cat /proc/1/comm)"; env sleep 300 >/dev/null 2>&1 & echo $! >/tmp/job; echo su >/tmp/mark'
assert_eq "persist: su -l: status 0, PID 2 under sandsh-holder, the policy hostname" \
	"0|2 pam-sbuser1 sandsh-holder" "$STATUS|$OUT"
sid=$(sandbox_open_id)
assert_log_contains "persist: su -l: sandbox open" \
	"^sandbox open id=$sid user=sbuser1 uid=61001 rootfs=$T_ROOTFS pids_max=32\$"
assert_log_contains "persist: su -l: session open via=pam names the sandbox" \
	"^session open id=[0-9a-f]{16} user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=none from=local service=su-l sandbox=$sid\$"
logins_closed "persist: su -l"
assert_eq "persist: su -l closed: the sandbox and the job live on" "1 " \
	"$(procs -u 61001 -c sleep | wc -l) $(sandbox_close_status "$sid")"
keeper=$(keeper_pid "$sid")
holder=$(holder_pid 61001)
mntns=$(readlink "/proc/$holder/ns/mnt")

log_mark
su_run sbuser1 'echo "$(hostname) $(cat /proc/1/comm) $(cat /tmp/mark)"; j=$(cat /tmp/job); tr "\0" " " </proc/$j/cmdline; echo; [ $$ != 2 ] && echo not-2'
assert_eq "persist: a second su -l joins: same hostname, PID 1, /tmp; sees the job" \
	"0|pam-sbuser1 sandsh-holder su
sleep 300 
not-2" "$STATUS|$OUT"
assert_eq "persist: second su -l: no new sandbox, its session names the first" "0 $sid" \
	"$(sandbox_count) $(login_sandboxes)"
su_run sbuser1 "$CREDS"
assert_out "persist: a joining su -l has the credentials of a PAM session of its own (ids, capability sets, no_new_privs, filter)" \
	"$creds_own"
assert_match "persist: ... which are the user's, without capabilities, no_new_privs, the filter" \
	'^uid=61001\(sbuser1\) gid=61001\(sbuser1\) groups=61001\(sbuser1\),61101\(sbstudents\) CapInh:	0+ CapPrm:	0+ CapEff:	0+ CapBnd:	[0-9a-f]+ CapAmb:	0+ NoNewPrivs:	1 Seccomp:	2$' \
	"$(printf '%s\n' "$OUT" | tr '\n' ' ' | sed 's/ $//')"

log_mark
pamtester_run sandsh-test sbuser1 open_session close_session
assert_status "persist: pamtester open_session close_session: status 0" 0
assert_eq "persist: pamtester joins the sandbox" "$sid" "$(login_sandboxes)"
logins_closed "persist: pamtester"
assert_eq "persist: pamtester's close_session leaves the sandbox and its job" "1 " \
	"$(procs -u 61001 -c sleep | wc -l) $(sandbox_close_status "$sid")"

log_mark
run_as sbuser1 -c 'echo "$(hostname) $(cat /tmp/mark)"; test -S /dev/log && echo dev-log'
assert_eq "persist: sandsh's own login joins the PAM-made sandbox (via=shell); /dev/log is there" \
	"0|pam-sbuser1 su
dev-log|$sid" "$STATUS|$OUT|$(login_sandboxes)"

# login(1) on a terminal (script), as t-login.sh drives it.
login_run() {
	local user=$1 cmds=$2
	printf '%s\nexit\n' "$cmds" >"$T_WORK/login-in"
	{
		(sleep 0.5; cat "$T_WORK/login-in"; sleep 1.5) |
			env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 "$PAM_RUN_TIMEOUT" \
				script -qec "login -f $user" /dev/null >"$T_WORK/login-out" 2>&1
		STATUS=$?
	} 2>/dev/null
	OUT=$(tr -d '\r' <"$T_WORK/login-out")
}
log_mark
login_run sbuser1 'echo "L=$(hostname):$(cat /tmp/mark):$(cat /proc/1/comm)"'
assert_line "persist: login(1) joins (hostname, /tmp, PID 1)" 'L=pam-sbuser1:su:sandsh-holder' "$OUT"
assert_log_contains "persist: login(1)'s session open names the sandbox, with its tty" \
	"^session open id=[0-9a-f]{16} user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=pts/[0-9]+ from=local service=login sandbox=$sid\$"
logins_closed "persist: login(1)"

# --- parallel logins: su and sandsh see and signal each other ------------------------------------
log_mark
run_bg sbuser1 -c 'env sleep 60 & echo $! >/tmp/s.job; echo $$ >/tmp/s.pid; wait $!; echo "shell job: $?"'
for _ in $(seq 100); do [ "$(procs -u 61001 -c sleep | wc -l)" -ge 2 ] && break; sleep 0.1; done
su_run sbuser1 'p=$(cat /tmp/s.pid); echo "su sees $(cat /proc/$p/comm)"; kill -TERM $(cat /tmp/s.job) && echo signalled'
assert_eq "parallel: su -l sees the shell login's \$\$ and signals its job" "0|su sees sh
signalled" "$STATUS|$OUT"
wait_bg
assert_out "parallel: the shell login's job was ended by su's SIGTERM" "shell job: 143"

# --- --stop of a PAM login by id -----------------------------------------------------------------
log_mark
(su_run sbuser1 'sleep 14; echo slept' ; echo "$STATUS|$OUT" >"$T_WORK/su-stop") &
su_bg=$!
log_wait '^session open .* service=su-l ' 10
lid=$(login_ids)
t0=$(date +%s%N)
run_root --stop "$lid"
assert_eq "--stop of a PAM login's id: status 0, names it" "0 stopping session $lid (sbuser1)" "$STATUS $OUT"
wait "$su_bg"
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt 12000 ]; then
	pass "--stop of a PAM login's id: the login ends (${ms} ms)"
else
	fail "--stop of a PAM login's id: the login ends" "it ran on for ${ms} ms: $(cat "$T_WORK/su-stop")"
fi
assert_eq "--stop of a PAM login's id: its command did not finish" "" "$(cut -d'|' -f2 "$T_WORK/su-stop")"
# (What the login left behind lives on too, like any job of a persistent
# sandbox: su ended its shell, the shell's sleep was orphaned to PID 1.)
assert_eq "--stop of a PAM login's id: the sandbox and its job live on" "yes " \
	"$([ "$(procs -u 61001 -c sleep | wc -l)" -ge 1 ] && echo yes) $(sandbox_close_status "$sid")"

# --- linger: the end of everything ----------------------------------------------------------------
persist_pam_policy 'linger = 2;'
log_mark
su_run sbuser1 'true'
assert_eq "linger = 2 (a new policy, the running sandbox keeps its own): still there after a login" "" \
	"$(sandbox_close_status "$sid")"
run_root --stop "$sid" >/dev/null
assert_eq "--stop of the sandbox made by su: status 143" "143" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "--stop of the sandbox made by su" 61001 "$mntns" "$keeper"
fresh

log_mark
su_run sbuser1 'env sleep 300 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
keeper=$(keeper_pid "$sid")
holder=$(holder_pid 61001)
mntns=$(readlink "/proc/$holder/ns/mnt")
pamtester_run sandsh-test sbuser1 open_session close_session
assert_eq "linger = 2: su's job runs on, pamtester joined" "1 $sid" \
	"$(procs -u 61001 -c sleep | wc -l) $(login_sandboxes | tail -n 1)"
assert_eq "linger = 2: after the last PAM login, the sandbox ends (status 0)" "0" "$(sandbox_wait_closed "$sid" 15)"
logins_closed "linger = 2"
assert_sandbox_gone "linger expired (PAM)" 61001 "$mntns" "$keeper"
assert_clean "linger expired (PAM)"

# --- timeout: the keeper's, for PAM logins too ------------------------------------------------
fresh
persist_pam_policy 'timeout = 3;'
log_mark
su_run sbuser1 'sleep 30; echo not-reached'
assert_eq "timeout = 3 (persist): the sandbox's timeout ends a PAM login too (SIGTERM, 143)" "143|" "$STATUS|$OUT"
sid=$(sandbox_open_id)
assert_eq "timeout = 3 (persist): sandbox close with 143" "143" "$(sandbox_wait_closed "$sid" 10)"
logins_closed "timeout (PAM)"
assert_sandbox_gone "timeout (PAM)" 61001

# --- sshd with UsePAM --------------------------------------------------------------------------
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
sshd_setup
SSHD_SYSLOG=1 SSHD_USE_PAM=yes sshd_start
persist_pam_policy 'linger = 3;'
fresh
log_mark
ssh_run sbuser1 'echo "$(hostname) $(cat /proc/1/comm)"; env sleep 300 >/dev/null 2>&1 & echo ssh >/tmp/mark'
assert_eq "sshd: ssh CMD makes the sandbox" "0|pam-sbuser1 sandsh-holder" "$STATUS|$OUT"
sid=$(sandbox_open_id)
assert_log_contains "sshd: session open via=pam, service sshd, names the sandbox" \
	"^session open id=[0-9a-f]{16} user=sbuser1 uid=61001 via=pam rootfs=$T_ROOTFS pids_max=32 tty=none from=127.0.0.1 service=sshd sandbox=$sid\$"
ssh_run sbuser1 'cat /tmp/mark; ps -o comm | grep -c "^sleep"'
assert_eq "sshd: the next ssh joins (/tmp, the job)" "0|ssh
1" "$STATUS|$OUT"
su_run sbuser1 'cat /tmp/mark'
assert_eq "sshd: su -l joins the sandbox ssh made" "0|ssh" "$STATUS|$OUT"
assert_eq "sshd: every login named the one sandbox" "$sid $sid $sid" "$(login_sandboxes | tr '\n' ' ' | sed 's/ $//')"
assert_eq "sshd: linger after the last login ends it, status 0" "0" "$(sandbox_wait_closed "$sid" 15)"
logins_closed "sshd"
assert_sandbox_gone "sshd" 61001

# --- planted symlinks and FIFOs: su, login and sshd (root until they drop) --------------------
fresh
persist_pam_policy
log_mark
su_run sbuser1 'env sleep 300 >/dev/null 2>&1 &
	for d in /tmp /dev/shm; do
		ln -s /etc $d/.X11-unix; ln -s /proc/1/root $d/.ICE-unix; ln -s / $d/tmux-61001
		busybox mkfifo $d/.font-unix $d/sandsh $d/.sandsh $d/ssh-agent $d/krb5cc_61001 $d/.profile $d/sem.sandsh
		ln -s /dev/tty $d/tty; ln -s $d/.profile $d/.shrc
	done
	echo "$(find /tmp /dev/shm -type p | wc -l) $(find /tmp /dev/shm -type l | wc -l)"'
sid=$(sandbox_open_id)
assert_eq "planted: 14 FIFOs and 10 symlinks in /tmp and /dev/shm" "0|14 10" "$STATUS|$OUT"
su_run sbuser1 'echo "in $(cat /proc/1/comm)"'
assert_eq "planted: su -l joins at once" "0|in sandsh-holder" "$STATUS|$OUT"
ssh_run -t 15 sbuser1 'echo "in $(cat /proc/1/comm)"'
assert_eq "planted: ssh joins at once" "0|in sandsh-holder" "$STATUS|$OUT"
login_run sbuser1 'echo "L=$(cat /proc/1/comm)"'
assert_line "planted: login(1) joins" 'L=sandsh-holder' "$OUT"
assert_eq "planted: still 14 FIFOs and 10 symlinks, nothing written through them" "0|14 10" \
	"$(su_run sbuser1 'echo "$(find /tmp /dev/shm -type p | wc -l) $(find /tmp /dev/shm -type l | wc -l)"'; echo "$STATUS|$OUT")"
run_root --stop "$sid" >/dev/null
assert_eq "planted: --stop ends it" "143" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "planted (PAM)" 61001

# --- ptrace of joining su and ssh sessions from inside -------------------------------------------
fresh
tracer=$T_WORK/join-tracer
if ${CC:-cc} -D_GNU_SOURCE -std=gnu11 -O2 -Wall -Werror -static -o "$tracer" \
	"$repo/tests/security/tools/join-tracer.c" 2>"$T_WORK/cc.err"; then
	install -o root -g root -m 0755 "$tracer" "$T_ROOTFS/bin/join-tracer"
	log_mark
	run_bg -t 40 sbuser1 -c '/bin/join-tracer 12'
	for _ in $(seq 100); do [ -n "$(procs -u 61001 -c join-tracer)" ] && break; sleep 0.1; done
	sid=$(sandbox_open_id)
	ok=0
	for i in $(seq 8); do
		su_run sbuser1 'echo in' && [ "$OUT" = in ] && ok=$((ok + 1))
		ssh_run sbuser1 'echo in' && [ "$OUT" = in ] && ok=$((ok + 1))
	done
	pamtester_run sandsh-test sbuser1 open_session close_session && ok=$((ok + 1))
	wait_bg
	assert_eq "ptrace of joining PAM logins: all 17 joined" "17" "$ok"
	summary=$(printf '%s\n' "$OUT" | head -n 1)
	assert_eq "ptrace (ATTACH and SEIZE) of every new process while su, sshd and pamtester join: none caught before it is the user's ($summary)" \
		"breach=0|" "$(printf '%s\n' "$summary" | sed -n 's/.* \(breach=[0-9]*\)$/\1/p')|$(printf '%s\n' "$OUT" | tail -n +2)"
	rm -f "$T_ROOTFS/bin/join-tracer"
	run_root --stop "$sid" >/dev/null
	sandbox_wait_closed "$sid" 10 >/dev/null
	assert_sandbox_gone "ptrace of joining PAM logins" 61001
else
	skip "ptrace of joining PAM logins" "cannot build the static join-tracer: $(head -n 1 "$T_WORK/cc.err")"
fi

# --- PID 1 killed while su joins ----------------------------------------------------------------
fresh
log_mark
rm -f "$T_WORK/killer.stop"
(
	n=0
	while [ ! -e "$T_WORK/killer.stop" ] && [ $n -lt 400 ]; do
		h=$(holder_pid 61001)
		[ -n "$h" ] && kill -KILL "$h" 2>/dev/null
		n=$((n + 1))
		sleep "0.0$((RANDOM % 9 + 1))"
	done
) &
killer=$!
bad=""
for i in $(seq 25); do
	su_run sbuser1 'echo "in $(hostname) $(cat /proc/1/comm)"'
	# Joined (the line), killed with the sandbox (nothing, su's 137 or
	# the shell's), or refused by the module (su's 1, nothing ran).
	case "$STATUS|$OUT" in
	"0|in pam-sbuser1 sandsh-holder") ;;
	1\| | 137\| | 9\|) ;;
	*) bad+=" #$i:$STATUS|$OUT|$ERR" ;;
	esac
done
touch "$T_WORK/killer.stop"
wait "$killer"
assert_eq "PID 1 killed while 25 su -l join: each joins a live sandbox, is refused, or dies with it; never elsewhere" "" "$bad"
su_run sbuser1 'echo "in $(hostname) $(cat /proc/1/comm)"'
assert_eq "after the race: su -l works" "0|in pam-sbuser1 sandsh-holder" "$STATUS|$OUT"
sandbox_wait_gone 61001 10 || sandbox_kill_all 61001
assert_sandbox_gone "PID 1 killed while su joins" 61001
assert_clean "persist (PAM)"

sshd_stop
sandbox_kill_all 61001
