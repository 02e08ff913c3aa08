# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# Hostile resource limits of the caller (prlimit right before sandsh, as
# the user): each session is refused with one "sandsh: ..." line or works
# (the command then runs with the caller's limits), and never leaves
# anything half done: no registry entry, a "session close" for every
# "session open", no session cgroup, no process.
# Where the outcome depends on whether root may raise a hard limit
# (CAP_SYS_RESOURCE: containers often drop it; this suite's host may),
# both outcomes are spelled out.

CMD='hostname; id -u'
WORKS="0|sandsh
61001|"
if have_sys_resource; then raise=yes; else raise=no; fi
echo "# root can raise hard limits (CAP_SYS_RESOURCE): $raise"

# limit_case LIMIT EXPECTED [EXPECTED2]: STATUS|OUT|ERR must be one of them.
limit_case() {
	local lim=$1 got
	shift
	log_mark
	sess_run -l "$lim" "${LIMIT_USER:-sbuser1}" -c "$CMD"
	got="$STATUS|$OUT|$ERR"
	if [ "$got" = "$1" ] || { [ $# -gt 1 ] && [ "$got" = "$2" ]; }; then
		pass "prlimit $lim: $(printf '%s' "$got" | head -n 1)"
	else
		fail "prlimit $lim" "expected: $*" "observed: $got"
	fi
	no_partial "prlimit $lim"
}

too_small() { echo "125||sandsh: resource limits: the $1 limit is too small for sandsh"; }

# A file-size limit of 0 kills whoever writes a file: the outer sandsh
# writes its state (it lifts the limit for itself, or refuses when it
# cannot); the command, whose stdout here is a file, gets the caller's 0.
# (Refused, the one line cannot be written either: stderr is a file here.)
if [ $raise = yes ]; then limit_case --fsize=0 "153||"; else limit_case --fsize=0 "125||"; fi
if [ $raise = no ]; then limit_case --fsize=4096 "$(too_small "file size")"; fi
limit_case --fsize=1048576 "$WORKS"
# RLIMIT_CPU 0: SIGKILL at the first tick, perhaps before sandsh's first
# instruction could lift it; then nothing has been done.
if [ $raise = yes ]; then limit_case --cpu=0 "137||"; else limit_case --cpu=0 "137||" "$(too_small "CPU time")"; fi
limit_case --cpu=120 "$WORKS"
# A stack too small for the dynamic loader and main() itself: SIGSEGV
# before sandsh does anything. Above that, lifted for sandsh or refused.
limit_case --stack=16384 "139||"
if [ $raise = yes ]; then limit_case --stack=65536 "$WORKS"; else limit_case --stack=65536 "$(too_small "stack size")"; fi
limit_case --stack=262144 "$WORKS"
# RLIMIT_NPROC counts every process of the real uid on the machine: a
# previous case's not yet reaped, and those of other runs of the suites
# (which share the fixture uids). So these cases run as a user of their
# own, with a uid of this run only.
np_uid=$((100000 + RANDOM * 32 + RANDOM % 32))
while getent passwd "$np_uid" >/dev/null; do np_uid=$((np_uid + 1)); done
echo "sbnproc:x:$np_uid:$np_uid:Fixture sbnproc:/home/sbnproc:$SANDSH" >>/etc/passwd
echo "sbnproc:x:$np_uid:" >>/etc/group
install -d -o "$np_uid" -g "$np_uid" -m 0755 "$T_ROOTFS/home/sbnproc"
# One process for the user: PID 1 cannot fork the command.
LIMIT_USER=sbnproc NO_PARTIAL_UID=$np_uid \
	limit_case --nproc=1 "125||sandsh: fork the command: Resource temporarily unavailable"
LIMIT_USER=sbnproc NO_PARTIAL_UID=$np_uid limit_case --nproc=3 "0|sandsh
$np_uid|"
sed -i '/^sbnproc:/d' /etc/passwd /etc/group
rmdir "$T_ROOTFS/home/sbnproc"
limit_case --as=16777216 "$WORKS"
limit_case --data=1048576 "$WORKS"
limit_case --memlock=0 "$WORKS"
limit_case --msgqueue=0 "$WORKS"
limit_case --sigpending=0 "$WORKS"
limit_case --locks=0 "$WORKS"
limit_case --core=0 "$WORKS"
# Too few descriptors for the loader: refused before main(), by ld.so.
limit_case --nofile=3 "127||$SANDSH: error while loading shared libraries: libconfig.so.9: cannot open shared object file: Error 24"
limit_case --nofile=64 "$WORKS"

# Every descriptor limit from 4 up: works, or one clean line.
bad=()
outcomes=""
for n in $(seq 4 24); do
	log_mark
	sess_run -l --nofile="$n" sbuser1 -c "$CMD"
	if [ "$STATUS|$OUT|$ERR" = "$WORKS" ]; then
		outcomes="$outcomes $n:works"
	elif one_line_refusal; then
		outcomes="$outcomes $n:refused"
	else
		bad+=("nofile=$n: status=$STATUS out=[$OUT] err=[$ERR]")
	fi
	[ -z "$(ls -A /run/sandsh/sessions 2>/dev/null)" ] && [ "$(log_since | grep -c '^session open ')" = "$(log_since | grep -c '^session close ')" ] ||
		bad+=("nofile=$n: left state behind")
done
echo "#$outcomes"
if [ ${#bad[@]} -eq 0 ]; then
	pass "RLIMIT_NOFILE 4..24: each session works or is refused with one line, nothing left"
else
	fail "RLIMIT_NOFILE 4..24: each session works or is refused with one line, nothing left" "${bad[@]}"
fi
rm -f /run/sandsh/sessions/* 2>/dev/null
