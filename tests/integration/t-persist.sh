# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2034,SC2119
# The persistent sandbox (persist = true, linger) on the shell path: the
# first login makes the user's sandbox, later ones join it (same hostname,
# /tmp, PID namespace: background jobs survive logout, parallel logins see
# and signal each other); it ends when nothing is left in it, after
# linger, at timeout, or by root's --stop; --list and --explain show it;
# persist off keeps one sandbox per login. The attacks on joining are in
# tests/security/t-persist-join.sh.

# shellcheck source=tests/lib/persist.sh
. "$H_REPO/tests/lib/persist.sh"

persist_policy() { # LINES...: the standard policy, hostname p-%u, plus LINES
	write_std_policy 'hostname = "p-%u";' "$@"
}
fresh() { sandbox_fresh 61001; }

# --- persist off: one sandbox per login, as before ------------------------------------
persist_policy
log_mark
run_as sbuser1 -c 'env sleep 300 & echo "$$ $(cat /proc/1/comm) $(hostname)"; echo one >/tmp/mark'
assert_out "persist off: the login is PID 2 under its own sandsh-init" "2 sandsh-init p-sbuser1"
assert_eq "persist off: its background job ends with it" "" "$(procs -u 61001)"
run_as sbuser1 -c 'echo "$$ $(ps -o comm | grep -c "^sleep")"; cat /tmp/mark 2>/dev/null || echo no-mark'
assert_out "persist off: the next login is PID 2 again, sees no job, has a fresh /tmp" "2 0
no-mark"
assert_log_lacks "persist off: no sandbox open/close lines" '^sandbox '
assert_eq "persist off: session open lines carry no sandbox=" "- -" "$(login_sandboxes | tr '\n' ' ' | sed 's/ $//')"
assert_eq "persist off: no sandbox socket or lock" "" "$(find /run/sandsh -maxdepth 1 -name 'sandbox-*' 2>/dev/null)"
run_bg sbuser1 -c 'sleep 3'
wait_for_session >/dev/null
run_root --list
assert_eq "persist off: --list has the SANDBOX column, '-' for an ordinary session" \
	"ID USER PID STARTED TTY PIDS MEMORY SANDBOX
sbuser1 none -" "$(printf '%s\n' "$OUT" | awk 'NR == 1 { print; next } { print $2, $6, $9 }' | tr -s ' ')"
run_as sbuser1 -c 'echo "$$ $(cat /proc/1/comm) $(ps -o comm | grep -c "^sleep")"'
assert_out "persist off: a parallel login has a sandbox of its own (PID 2, its init, no sleep)" "2 sandsh-init 0"
wait_bg

# persist with sandbox = false: unconfined, no keeper.
write_policy <<EOF
$(policy_head "$T_ROOTFS")
  persist = true;
};
users = { sbadmin = { sandbox = false; }; };
EOF
log_mark
run_as sbadmin -c 'hostname; cat /proc/1/comm'
assert_out "persist with sandbox = false: unconfined (host hostname, host PID 1)" "$(hostname)
$(cat /proc/1/comm)"
assert_log_contains "persist with sandbox = false: the unconfined session's open line, no sandbox=" \
	'^session open id=[0-9a-f]{16} user=sbadmin uid=61003 via=shell rootfs=none pids_max=none tty=none from=local$'
assert_log_lacks "persist with sandbox = false: no sandbox" '^sandbox open'

# --- the first login makes the sandbox, the next one joins it ---------------------------
persist_policy 'persist = true;'
log_mark
run_as sbuser1 -c 'echo "$$ $(cat /proc/1/comm) $(hostname)"; env sleep 300 & echo "$!" >/tmp/bg; echo from-login-1 >/tmp/mark'
assert_status "persist: first login: status 0" 0
assert_out "persist: first login: PID 2 under sandsh-holder, the policy hostname" "2 sandsh-holder p-sbuser1"
assert_stderr_empty "persist: first login: nothing on stderr"
sid=$(sandbox_open_id)
assert_log_contains "persist: the keeper logs sandbox open" \
	"^sandbox open id=$sid user=sbuser1 uid=61001 rootfs=$T_ROOTFS pids_max=64\$"
assert_log_contains "persist: the login's session open names the sandbox" \
	"^session open id=[0-9a-f]{16} user=sbuser1 uid=61001 via=shell rootfs=$T_ROOTFS pids_max=64 tty=none from=local sandbox=$sid\$"
assert_log_contains "persist: the login's session close, status 0" \
	'^session close id=[0-9a-f]{16} user=sbuser1 status=0 duration_ms=[0-9]+$'
assert_eq "persist: the sandbox outlives the login (no sandbox close)" "" "$(sandbox_close_status "$sid")"
assert_eq "persist: the background job survives logout" "1" "$(procs -u 61001 -c sleep | wc -l)"
assert_eq "persist: socket and lock in the root-only runtime directory" \
	"root 600 socket
root 600 regular empty file" \
	"$(stat -c '%U %a %F' /run/sandsh/sandbox-u61001.sock /run/sandsh/sandbox-u61001.lock)"
keeper=$(keeper_pid "$sid")
holder=$(holder_pid 61001)
mntns=$(readlink "/proc/$holder/ns/mnt")
assert_eq "persist: the keeper is root in all ids, outside the sandbox, without a terminal" \
	"0 0 0 0 $(readlink /proc/self/ns/pid)" \
	"$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$keeper/status") $(awk '{ print $7 }' "/proc/$keeper/stat") $(readlink "/proc/$keeper/ns/pid")"
assert_eq "persist: PID 1 is the keeper's child, root (no process of the user can signal it) with CAP_KILL only" \
	"$keeper 0 0000000000000020" \
	"$(awk '/^PPid:/ { p = $2 } /^Uid:/ { u = $2 } /^CapEff:/ { c = $2 } END { print p, u, c }' "/proc/$holder/status")"

run_root --list
assert_eq "--list: the sandbox's row: TTY -, PIDS 2/64 (PID 1 and the job), SANDBOX (sandbox)" \
	"$sid sbuser1 $keeper - 2/64 (sandbox)" \
	"$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1, $2, $3, $6, $7, $9 }')"

log_mark
run_as sbuser1 -c 'echo "$(cat /proc/1/comm) $(hostname) $(cat /tmp/mark)"; bg=$(cat /tmp/bg); cat /proc/$bg/cmdline | tr "\0" " "; echo; kill -0 $bg && echo can-signal; [ "$$" != 2 ] && echo "not-pid-2"'
assert_out "persist: second login: same PID 1, hostname and /tmp; sees the job and may signal it" \
	"sandsh-holder p-sbuser1 from-login-1
sleep 300 
can-signal
not-pid-2"
assert_eq "persist: second login: no new sandbox" "0" "$(sandbox_count)"
assert_eq "persist: second login: its session open names the same sandbox" "$sid" "$(login_sandboxes)"
run_bg sbuser1 -c 'grep -c -E "^[0-9]+:pids:/\$" /proc/self/cgroup; exec sleep 7'
for _ in $(seq 100); do
	j=$(procs -u 61001 -l | awk '$2 == "sleep" && $3 == "7" { print $1 }')
	[ -n "$j" ] && break
	sleep 0.1
done
assert_eq "persist: a joining login is in the sandbox's cgroup leaf" \
	"$(grep -E '^[0-9]+:pids:' "/proc/$holder/cgroup")" "$(grep -E '^[0-9]+:pids:' "/proc/$j/cgroup" 2>&1)"
kill -TERM "$j"
wait_bg
assert_out "persist: ... and its cgroup namespace (the leaf is its /)" "1"
run_as sbuser1 -c 'grep -E "^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status'
assert_out "persist: a joining login has the same credentials, no capability, no_new_privs and the filter" \
	"Uid:	61001	61001	61001	61001
Gid:	61001	61001	61001	61001
CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1
Seccomp:	2"

# Another user's sandbox is another one.
log_mark
run_as sbuser2 -c 'echo "$$ $(hostname) $(ps -o comm | grep -c "^sleep")"'
assert_out "persist: another user gets a sandbox of its own (PID 2, its hostname, none of sbuser1's processes)" \
	"2 p-sbuser2 0"
sid2=$(sandbox_open_id sbuser2)
assert_match "persist: another user: its own sandbox id" '^[0-9a-f]{16}$' "$sid2"
assert_eq "persist: another user: its sandbox ends when nothing is left in it (status 0)" "0" \
	"$(sandbox_wait_closed "$sid2" 10)"
assert_sandbox_gone "persist: another user's ended sandbox" 61002

# --- parallel logins see and signal each other -------------------------------------------
log_mark
run_bg sbuser1 -c 'env sleep 60 & echo $! >/tmp/a.sleep; echo $$ >/tmp/a.pid
	i=0; while [ ! -s /tmp/b.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	b=$(cat /tmp/b.pid); echo "A sees B: $(cat /proc/$b/comm)"
	kill -TERM $(cat /tmp/b.sleep) && echo "A signalled B"
	wait $!; echo "A job: $?"'
for _ in $(seq 100); do
	[ "$(procs -u 61001 -c sleep | wc -l)" -ge 2 ] && break
	sleep 0.1
done
run_as sbuser1 -c 'env sleep 60 & echo $! >/tmp/b.sleep; echo $$ >/tmp/b.pid
	a=$(cat /tmp/a.pid); echo "B sees A: $(cat /proc/$a/comm)"
	wait $!; echo "B job: $?"
	kill -TERM $(cat /tmp/a.sleep) && echo "B signalled A"'
assert_out "parallel logins: B sees A's \$\$; its job is ended by A (SIGTERM); B signals A's job" "B sees A: sh
B job: 143
B signalled A"
wait_bg
assert_out "parallel logins: A sees B's \$\$, signals B's job; its own job ended by B" "A sees B: sh
A signalled B
A job: 143"
assert_eq "parallel logins: both joined the one sandbox" "$sid $sid" "$(login_sandboxes | tr '\n' ' ' | sed 's/ $//')"

# --- --list, --explain ------------------------------------------------------------------
log_mark
run_bg sbuser1 -c 'sleep 30'
log_wait '^session open ' 10
lid=$(login_ids)
run_root --list
assert_eq "--list: the sandbox's row, and the login's row naming it (TTY none)" \
	"$lid sbuser1 none $sid
$sid sbuser1 - (sandbox)" \
	"$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1, $2, $6, $9 }' | sort -k 3,3r)"
lpid=$(printf '%s\n' "$OUT" | awk -v id="$lid" '$1 == id { print $3 }')
assert_eq "--list: the login's PID is its supervisor, a root sandsh" "0 0 0 sandsh" \
	"$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$lpid/status" 2>&1) $(cat "/proc/$lpid/comm" 2>&1)"

persist_policy 'persist = true;' 'linger = 30;'
run_root --explain sbuser1
line_p=$(policy_line_of 'persist = true')
line_l=$(policy_line_of 'linger = 30')
assert_line "--explain: persist with its origin" "persist = true;  # defaults \\($POLICY:$line_p\\)" "$OUT"
assert_line "--explain: linger with its origin" "linger = 30;  # defaults \\($POLICY:$line_l\\)" "$OUT"
persist_policy
run_root --explain sbuser1
assert_line "--explain: persist off by default" "persist = false;  # built-in" "$OUT"
assert_line "--explain: linger unset by default" "# linger = unset;  # built-in" "$OUT"
persist_policy 'persist = true;'

# --- --stop ------------------------------------------------------------------------------
# A login by its id: only that login ends.
run_root --stop "$lid"
assert_eq "--stop LOGIN-ID: status 0, names the login" "0 stopping session $lid (sbuser1)" "$STATUS $OUT"
wait_bg
assert_status "--stop LOGIN-ID: the login's command got SIGTERM (143)" 143
assert_log_contains "--stop LOGIN-ID: its session close has 143" \
	"^session close id=$lid user=sbuser1 status=143 duration_ms=[0-9]+\$"
assert_eq "--stop LOGIN-ID: the sandbox and its job live on" "1 " \
	"$(procs -u 61001 -c sleep | wc -l) $(sandbox_close_status "$sid")"

# The user: the sandbox and every login.
run_bg sbuser1 -c 'sleep 30'
log_wait "^session open id=[0-9a-f]{16} user=sbuser1 .* sandbox=$sid\$" 10
for _ in $(seq 50); do [ "$(login_ids | wc -l)" -ge 2 ] && break; sleep 0.1; done
lid2=$(login_ids | tail -n 1)
log_mark
run_root --stop sbuser1
assert_status "--stop USER: status 0" 0
assert_eq "--stop USER: names the sandbox and the login" \
	"stopping sandbox $sid (sbuser1)
stopping session $lid2 (sbuser1)" "$(printf '%s\n' "$OUT" | sort)"
wait_bg
assert_status "--stop USER: the login ended with 143" 143
assert_eq "--stop USER: sandbox close with 143" "143" "$(sandbox_wait_closed "$sid" 10)"
assert_log_contains "--stop USER: the login's close with 143" \
	"^session close id=$lid2 user=sbuser1 status=143 duration_ms=[0-9]+\$"
assert_sandbox_gone "--stop USER" 61001 "$mntns" "$keeper"

# A sandbox by its id.
fresh
log_mark
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
keeper=$(keeper_pid "$sid")
run_root --stop "$sid"
assert_eq "--stop SANDBOX-ID: status 0, names the sandbox" "0 stopping sandbox $sid (sbuser1)" "$STATUS $OUT"
assert_eq "--stop SANDBOX-ID: sandbox close with 143" "143" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "--stop SANDBOX-ID" 61001 "" "$keeper"

run_root --stop sbuser1
assert_eq "--stop with nothing to stop: status 1, one line" \
	"1 sandsh: --stop: no active session or sandbox of that user or id" "$STATUS $ERR"
run_root --stop 0123456789abcdef
assert_eq "--stop of an unknown id: status 1, one line" \
	"1 sandsh: --stop: no active session or sandbox of that user or id" "$STATUS $ERR"
run_as sbuser1 --stop sbuser1
assert_eq "--stop is root's only" "125 sandsh: --stop: permitted to root only (see sandsh --help)" "$STATUS $ERR"
run_root --stop
assert_eq "--stop without an operand: usage error" \
	"125 sandsh: --stop: missing user name or session id (see sandsh --help)" "$STATUS $ERR"

# --- when the sandbox ends by itself -----------------------------------------------------
fresh
# No linger: once no login and no process but PID 1 are left.
log_mark
run_as sbuser1 -c 'echo $$ >/tmp/x'
sid=$(sandbox_open_id)
keeper=$(keeper_pid "$sid")
assert_eq "empty sandbox: ends by itself, status 0" "0" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "empty sandbox" 61001 "" "$keeper"

# The last job ends: so does the sandbox.
log_mark
run_as sbuser1 -c 'env sleep 4 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
sleep 1
assert_eq "the last job still runs: the sandbox lives" "" "$(sandbox_close_status "$sid")"
assert_eq "the last job ended: the sandbox ends, status 0" "0" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "the last job ended" 61001

# linger: the sandbox ends linger seconds after the last login, jobs or not.
fresh
persist_policy 'persist = true;' 'linger = 3;'
log_mark
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 & echo x >/tmp/mark'
sid=$(sandbox_open_id)
keeper=$(keeper_pid "$sid")
holder=$(holder_pid 61001)
mntns=$(readlink "/proc/$holder/ns/mnt")
run_as sbuser1 -c 'cat /tmp/mark'
assert_out "linger: a login within linger joins" "x"
t_last=$(date +%s%N)
sleep 1.5
assert_eq "linger: 1.5 s after the last login, still there" "1 " \
	"$(procs -u 61001 -c sleep | wc -l) $(sandbox_close_status "$sid")"
st=$(sandbox_wait_closed "$sid" 15)
ms=$((($(date +%s%N) - t_last) / 1000000))
assert_eq "linger = 3: the sandbox ends with its job running, status 0" "0" "$st"
if [ "$ms" -ge 2000 ]; then
	pass "linger = 3: not at once, but after the last login (${ms} ms)"
else
	fail "linger = 3: not at once, but after the last login" "closed after ${ms} ms"
fi
assert_sandbox_gone "linger expired" 61001 "$mntns" "$keeper"
assert_eq "linger expired: the runtime directory holds the locks, an empty registry" \
	"sandbox-u61001.lock sessions user-61001.lock |" \
	"$(find /run/sandsh -mindepth 1 -maxdepth 1 \( -name '*61001*' -o -name sessions \) -printf '%f\n' | sort | tr '\n' ' ')|$(ls /run/sandsh/sessions)"

# A login during linger keeps it; linger counts from the last one.
fresh
persist_policy 'persist = true;' 'linger = 4;'
log_mark
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
sleep 2.5
run_as sbuser1 -c 'true'
sleep 2.5
assert_eq "linger = 4: a login 2.5 s into linger restarts it (alive 5 s after the first)" "" \
	"$(sandbox_close_status "$sid")"
assert_eq "linger: then it ends" "0" "$(sandbox_wait_closed "$sid" 15)"
assert_eq "linger: one sandbox for all of it" "1" "$(sandbox_count)"
assert_sandbox_gone "linger restarted" 61001

# linger = 0: at the last logout.
fresh
persist_policy 'persist = true;' 'linger = 0;'
log_mark
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
assert_eq "linger = 0: ends at logout, its job with it" "0" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "linger = 0" 61001

# A job that ignores SIGTERM: killed after the grace period (137).
fresh
persist_policy 'persist = true;' 'linger = 1;'
log_mark
run_as sbuser1 -c 'sh -c "trap \"\" TERM; sleep 300" >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
assert_eq "linger, a job ignoring SIGTERM: SIGKILL after the grace period, status 137" "137" \
	"$(sandbox_wait_closed "$sid" 20)"
assert_sandbox_gone "linger, SIGKILL" 61001

# --- timeout: for the whole sandbox, not per login ---------------------------------------
fresh
persist_policy 'persist = true;' 'timeout = 6;'
log_mark
t0=$(date +%s%N)
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
while [ $((($(date +%s%N) - t0) / 1000000)) -lt 3000 ]; do sleep 0.1; done
run_as sbuser1 -c 'echo $$ >/dev/null; sleep 30'
assert_status "timeout: a later login ends with the sandbox's timeout (SIGTERM, 143)" 143
if [ "$DURATION_MS" -lt 6000 ]; then
	pass "timeout: counted from the sandbox's start, not the login's (the login lasted ${DURATION_MS} ms)"
else
	fail "timeout: counted from the sandbox's start, not the login's" "the login lasted ${DURATION_MS} ms"
fi
assert_eq "timeout: sandbox close with 143" "143" "$(sandbox_wait_closed "$sid" 10)"
assert_sandbox_gone "timeout" 61001

persist_policy 'persist = true;' 'timeout = 2;'
log_mark
run_as sbuser1 -c 'sh -c "trap \"\" TERM; sleep 300" >/dev/null 2>&1 &'
sid=$(sandbox_open_id)
assert_eq "timeout, a job ignoring SIGTERM: sandbox close with 137" "137" "$(sandbox_wait_closed "$sid" 20)"
assert_sandbox_gone "timeout, SIGKILL" 61001

# --- a changed policy waits for the next sandbox -------------------------------------------
# A login never joins a sandbox made under another policy (it might confine
# less, or differently): it is refused, one line, until the sandbox ends.
fresh
persist_policy 'persist = true;' 'net = "none";'
log_mark
run_as sbuser1 -c 'env sleep 300 >/dev/null 2>&1 & grep -c : /proc/net/dev'
assert_out "net = none: the first login has only lo" "1"
sid=$(sandbox_open_id)
persist_policy 'persist = true;' 'net = "host";'
run_as sbuser1 -c 'grep -c : /proc/net/dev'
refused="sandsh: sandbox: sbuser1's policy changed since the sandbox started; session refused until it ends (sandsh --stop sbuser1)"
assert_eq "policy now net = host: the login is refused, the sandbox left as it is" "125||$refused" \
	"$STATUS|$OUT|$ERR"
write_std_policy 'hostname = "changed-%u";' 'persist = true;'
run_as sbuser1 -c 'hostname'
assert_eq "policy now another hostname: refused too" "125||$refused" "$STATUS|$OUT|$ERR"
persist_policy 'persist = true;' 'net = "none";'
run_as sbuser1 -c 'grep -c : /proc/net/dev'
assert_eq "the policy as the sandbox was made: the login joins it" "0|1|$sid" \
	"$STATUS|$OUT|$(login_sandboxes | tail -n 1)"
run_root --stop "$sid" >/dev/null
sandbox_wait_closed "$sid" 10 >/dev/null
assert_sandbox_gone "a changed policy" 61001

# --- many sandboxes in a row ------------------------------------------------------------
fresh
# Each first login makes a sandbox that ends at its logout (linger = 0) or
# once empty: every login is prompt, every sandbox closes, whatever the
# order in which the keeper sees the creator's connection, its emptiness
# check and its linger timer.
for lg in 'linger = 0;' ''; do
	persist_policy 'persist = true;' "$lg"
	slow="" open=""
	for i in $(seq 15); do
		log_mark
		run_as -t 40 sbuser1 -c 'env sleep 300 >/dev/null 2>&1 &'
		sid=$(sandbox_open_id)
		[ "$STATUS" = 0 ] && [ "$DURATION_MS" -lt 5000 ] || slow+=" #$i:status=$STATUS,${DURATION_MS}ms,$ERR"
		[ -n "$lg" ] || procs -u 61001 -c sleep | xargs -r kill -TERM
		st=$(sandbox_wait_closed "$sid" 8) || { open+=" #$i:$sid"; sandbox_kill_all 61001; }
	done
	assert_eq "15 sandboxes in a row (${lg:-no linger}): every first login returns at once (< 5 s)" "" "$slow"
	assert_eq "15 sandboxes in a row (${lg:-no linger}): every sandbox closes" "" "$open"
	assert_sandbox_gone "15 sandboxes in a row (${lg:-no linger})" 61001
done

# --- max_sessions counts the logins of the sandbox --------------------------------------
fresh
persist_policy 'persist = true;' 'max_sessions = 2;'
log_mark
run_bg sbuser1 -c 'sleep 4'
log_wait '^session open ' 10
RUN_TAG=b2- run_as sbuser1 -c 'sleep 3' &
b2=$!
for _ in $(seq 100); do [ "$(login_ids | wc -l)" -ge 2 ] && break; sleep 0.1; done
run_as sbuser1 -c "$PROBE"
assert_refused "max_sessions = 2: a third login" 1 "sandsh: session refused: too many sessions (max_sessions 2)"
assert_log_contains "max_sessions: the denied line as for any session" \
	'^denied user=sbuser1 uid=61001 reason=max_sessions reached \(2 active\)$'
wait "$b2"
wait_bg
assert_status "max_sessions: the first login is unaffected" 0
run_as sbuser1 -c 'echo again'
assert_out "max_sessions: a login once the others ended" "again"
sid=$(sandbox_open_id)
sandbox_wait_closed "$sid" 10 >/dev/null
assert_sandbox_gone "max_sessions" 61001

sandbox_kill_all 61001
sandbox_kill_all 61002
