#!/bin/bash
# sandsh benchmark (issue 8): sandsh against bubblewrap, firejail,
# unshare+chroot, plain fork+exec and a minimal setuid launcher (the floor),
# on the same busybox rootfs, the same unprivileged user, the same command.
# Usage: bench/run.sh BUILD_DIR                      (as root; `make bench`)
#
# Like the integration tests it runs in a private mount + PID namespace
# (tests/lib/hermetic.sh): sandsh installed setuid under /run/sandsh-bench,
# fixture users in an overlay /etc, a per-run cgroup_parent. Every process
# it starts dies with that namespace; every cgroup it makes is removed; the
# host is checked unchanged at the end. Fork bombs run inside sandsh only,
# under the user's pids cgroup (pids_max 64) and killed by pid after
# BENCH_BOMB_S seconds (and by the policy's timeout as a second bound).
#
# Environment (all optional):
#   BENCH_RUNS=200      counted runs per tool (latency), after BENCH_WARMUP=10
#   BENCH_CPU_RUNS=300  back-to-back sessions per tool (in three rounds) for 1b, CPU time
#   BENCH_N=200         concurrent sessions
#   BENCH_TEARDOWN=200  teardown samples; BENCH_SEQ=1000 sequential sessions
#   BENCH_PROBE_S=5     seconds of host probing per phase; BENCH_BOMB_S
#   BENCH_OUT=$BUILD/bench   results.json, raw samples, logs
# Results: $BENCH_OUT/results.json and a table on stdout.
# The T_* variables configure the sourced tests/lib/hermetic.sh:
# shellcheck disable=SC2034
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ $# -ne 1 ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: must run as root (setuid binaries, namespaces, cgroups)" >&2
	exit 1
fi

# Fixture users of the bench only (the integration tests use 610xx, the
# demo 61900): every process with these uids is one the bench started.
BUID=61501
BOMBUID=61502

if [ -z "${SANDSH_BENCH_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt bwrap firejail; do
		command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found (scripts/deps.sh bench)" >&2; exit 1; }
	done
	[ -x "$1/sandsh" ] || { echo "bench/run.sh: $1/sandsh not built (run make)" >&2; exit 1; }
	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp)(/| )|sandsh' | sort
		echo "--"
		for p in /run/sandsh /run/sandsh-bench /dev/log /etc/sandsh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
		ls -d /sys/fs/cgroup/*/sandsh-bench-* /sys/fs/cgroup/sandsh-bench-* 2>/dev/null
	}
	before=$(snap)
	cgparent=sandsh-bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	# A private mount namespace, but no PID namespace: firejail refuses to
	# sandbox where it sees no kernel threads in /proc ("an existing sandbox
	# was detected") and runs the command unconfined. Processes are killed
	# by pid instead (the bench's own, and the fixture users').
	SANDSH_BENCH_INNER=1 BENCH_CGROUP_PARENT=$cgparent SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) \
		timeout -k 10 1800 unshare --mount --propagation private -- "$0" "$@"
	rc=$?
	# Should the inner run have been killed: what it may have left.
	for d in /proc/[0-9]*; do
		awk -v a=$BUID -v b=$BOMBUID '/^Uid:/ && ($2 == a || $2 == b) { print FILENAME; exit }' "$d/status" 2>/dev/null
	done | sed 's|/proc/||; s|/status||' | while read -r p; do kill -KILL "$p" 2>/dev/null; done
	for top in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
		[ -d "$top" ] && find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	after=$(snap)
	if [ "$before" != "$after" ]; then
		echo "bench/run.sh: host state changed by the bench:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		rc=1
	fi
	exit $rc
fi

# --- inside the private namespaces --------------------------------------------

build=$(cd "$1" && pwd) || exit 1
OUT=${BENCH_OUT:-$build/bench}
RUNS=${BENCH_RUNS:-200}
CPU_RUNS=${BENCH_CPU_RUNS:-300}
WARMUP=${BENCH_WARMUP:-10}
N=${BENCH_N:-200}
TD_RUNS=${BENCH_TEARDOWN:-200}
SEQ=${BENCH_SEQ:-1000}
PROBE_S=${BENCH_PROBE_S:-5}
BOMB_S=${BENCH_BOMB_S:-$((PROBE_S + 3))}
IDLE_K=${BENCH_IDLE_K:-10}

T_ROOT=/run/sandsh-bench
T_USERS="sbbench:61501:61501 sbbomb:61502:61502"
T_GROUPS="sbbenchg:x:61510:sbbench"
T_CGROUP_PARENT=$BENCH_CGROUP_PARENT
BUSER=sbbench
BOMBUSER=sbbomb
# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"

mkdir -p "$OUT" || exit 1
rm -rf "${OUT:?}/raw" "$OUT/logs"
mkdir -p "$OUT/raw" "$OUT/logs" "$OUT/bin"
RAW=$OUT/raw
LOGS=$OUT/logs
PIDS_CG=/sys/fs/cgroup/pids
FLOOR_CG=$PIDS_CG/$T_CGROUP_PARENT/floor
BOMB_PID=

say() { printf '# %s\n' "$*" >&2; }

cleanup() {
	[ -n "$BOMB_PID" ] && kill -KILL "$BOMB_PID" 2>/dev/null
	# Only our own processes: the fixture users' (by pid, this namespace).
	for p in $(procs -u "$BUID,$BOMBUID"); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	rmdir "$FLOOR_CG" 2>/dev/null
	hermetic_teardown
}

cd "$repo" || exit 1
hermetic_setup "$build" "$repo" >/dev/null
trap cleanup EXIT
ROOTFS=$T_ROOTFS
# BENCH_B_BUILD=DIR: a second sandsh build (a candidate fix), measured
# interleaved with the first as "sandsh-b".
SANDSH_B=
if [ -n "${BENCH_B_BUILD:-}" ]; then
	SANDSH_B=$T_PREFIX/sbin/sandsh-b
	install -o root -g root -m 4755 "$BENCH_B_BUILD/sandsh" "$SANDSH_B" || h_die "install $BENCH_B_BUILD/sandsh"
fi
SANDSHES="sandsh${SANDSH_B:+ sandsh-b}"

# Bench tools, built here (plain programs, no sandsh code).
CC=${CC:-cc}
for t in lat conc teardown probe; do
	$CC -O2 -Wall -Werror -D_GNU_SOURCE -o "$OUT/bin/$t" "$here/$t.c" || h_die "build $t"
done
# The fork bomb runs inside the (busybox, libc-less) rootfs: static.
$CC -O2 -Wall -Werror -static -o "$OUT/bin/forkbomb" "$here/forkbomb.c" || h_die "build forkbomb"
install -o root -g root -m 0755 "$OUT/bin/forkbomb" "$T_ROOTFS/bin/forkbomb"
# The floor: setuid root, rootfs and cgroup leaf compiled in. It joins
# the leaf the cheapest way there is, as sandsh does: a single-threaded
# process writing "0" to the v1 "tasks" file moves itself without the
# kernel's global threadgroup lock, whose writer waits for an RCU grace
# period (7-15 ms here) on every "cgroup.procs" write.
mkdir -p "$FLOOR_CG" || h_die "mkdir $FLOOR_CG"
echo max >"$FLOOR_CG/pids.max"
$CC -O2 -Wall -Werror -D_GNU_SOURCE -DFLOOR_ROOTFS="\"$ROOTFS\"" \
	-DFLOOR_CGROUP_PROCS="\"$FLOOR_CG/tasks\"" -o "$OUT/bin/floor" "$here/floor.c" || h_die "build floor"
FLOOR=$T_PREFIX/sbin/floor
install -o root -g root -m 4755 "$OUT/bin/floor" "$FLOOR"
LAT=$OUT/bin/lat CONC=$OUT/bin/conc TEARDOWN=$OUT/bin/teardown PROBE=$OUT/bin/probe

# firejail refuses --chroot unless its config allows it (Debian: off); the
# change lands in this namespace's /etc overlay only.
echo "chroot yes" >>/etc/firejail/firejail.config

# The bench policy: defaults (cpu_max 100%, pids_max 64, /tmp tmpfs,
# seccomp...), rootfs and cgroup_parent of this run; the bench user may
# have enough pids for BENCH_N sessions at once (max_sessions stays unset).
bench_policy() { # bench_policy [EXTRA-LINES-FOR-sbbomb]
	{
		policy_head "$ROOTFS"
		echo '};'
		echo 'users = {'
		echo "  $BUSER = { pids_max = $((N * 4 + 256)); };"
		echo "  $BOMBUSER = { timeout = $((BOMB_S + 20)); $* };"
		echo '};'
	} | write_policy
	"$SANDSH" --check >/dev/null || h_die "bench policy invalid"
}
bench_policy

# stats FILE COL: n median p90 p99 max (of column COL, as printed)
stats() {
	awk -v c="$2" '$c >= 0 { print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END {
			n = NR; if (!n) { print 0, -1, -1, -1, -1; exit }
			printf "%d %.0f %.0f %.0f %.0f\n", n, v[int(0.5 * n + 0.999999)], v[int(0.9 * n + 0.999999)],
				v[int(0.99 * n + 0.999999)], v[n] }'
}
ms() { awk -v x="$1" 'BEGIN { if (x < 0) print "-"; else printf "%.3f", x / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0 || b <= 0) print "null"; else printf "%.2f", a / b }'; }

JSON=$OUT/results.json
J_SECTIONS=()
json_add() { J_SECTIONS+=("$1"); }

uidgid="$BUID:$BUID"
say "sandsh $("$SANDSH" --version | cut -d' ' -f2), rootfs $ROOTFS, user $BUSER ($BUID), cgroup_parent $T_CGROUP_PARENT"

# --- 1. latency -------------------------------------------------------------------
# The same command everywhere: the rootfs's busybox /bin/sh -c true.
SPEC=$RAW/lat.spec
T=$'\t'
{
	echo "sandsh${T}$BUSER${T}$SANDSH${T}-c${T}true"
	[ -n "$SANDSH_B" ] && echo "sandsh-b${T}$BUSER${T}$SANDSH_B${T}-c${T}true"
	echo "floor${T}$BUSER${T}$FLOOR${T}/bin/sh${T}-c${T}true"
	echo "bwrap${T}$BUSER${T}$(command -v bwrap)${T}--unshare-uts${T}--unshare-pid${T}--unshare-ipc${T}--hostname${T}bench${T}--ro-bind${T}$ROOTFS${T}/${T}--proc${T}/proc${T}--dev${T}/dev${T}--tmpfs${T}/tmp${T}/bin/sh${T}-c${T}true"
	echo "firejail${T}$BUSER${T}$(command -v firejail)${T}--quiet${T}--noprofile${T}--chroot=$ROOTFS${T}--ipc-namespace${T}--hostname=bench${T}/bin/sh${T}-c${T}true"
	echo "unshare-chroot${T}root${T}$(command -v unshare)${T}--fork${T}--pid${T}--mount${T}--uts${T}--ipc${T}--mount-proc=$ROOTFS/proc${T}$(command -v chroot)${T}--userspec=$uidgid${T}--groups=$BUID${T}$ROOTFS${T}/bin/sh${T}-c${T}true"
	echo "fork-exec${T}$BUSER${T}$ROOTFS/bin/sh${T}-c${T}true"
} >"$SPEC"
say "1. latency: $WARMUP warm-up + $RUNS counted rounds, round-robin over $(cut -f1 "$SPEC" | tr '\n' ' ')"
"$LAT" "$WARMUP" "$RUNS" "$SPEC" "$RAW/lat.txt" "$LOGS" || h_die "lat failed"
sandsh_med=$(awk '$1 == "sandsh"' "$RAW/lat.txt" | stats /dev/stdin 3 | cut -d' ' -f2)
floor_med=$(awk '$1 == "floor"' "$RAW/lat.txt" | stats /dev/stdin 3 | cut -d' ' -f2)
LAT_ROWS=()
lat_json="\"latency\": { \"command\": \"/bin/sh -c true\", \"warmup\": $WARMUP, \"runs\": $RUNS, \"tools\": {"
sep=
for tool in $(cut -f1 "$SPEC"); do
	read -r n med p90 p99 max < <(awk -v t="$tool" '$1 == t' "$RAW/lat.txt" | stats /dev/stdin 3)
	fails=$(awk -v t="$tool" '$1 == t && $4 != 0' "$RAW/lat.txt" | wc -l)
	LAT_ROWS+=("$(printf '%-15s %9s %9s %9s %8s %8s %6s' "$tool" "$(ms "$med")" "$(ms "$p90")" "$(ms "$p99")" \
		"$(ratio "$med" "$sandsh_med")" "$(ratio "$med" "$floor_med")" "$fails")")
	lat_json+="$sep \"$tool\": { \"n\": $n, \"median_ns\": $med, \"p90_ns\": $p90, \"p99_ns\": $p99, \"max_ns\": $max, \"nonzero_exits\": $fails, \"ratio_to_sandsh\": $(ratio "$med" "$sandsh_med"), \"ratio_to_floor\": $(ratio "$med" "$floor_med") }"
	sep=,
done
lat_json+=" } }"
json_add "$lat_json"
for tool in $(cut -f1 "$SPEC"); do
	[ -s "$LOGS/$tool.err" ] && say "$tool stderr (first line): $(head -n 1 "$LOGS/$tool.err")"
done

# hyperfine as a cross-check (not interleaved; both through setpriv).
if command -v hyperfine >/dev/null && [ "${BENCH_HYPERFINE:-1}" = 1 ]; then
	sp="setpriv --reuid=$BUID --regid=$BUID --init-groups --"
	hyperfine -N -w 5 -r 100 --export-json "$RAW/hyperfine.json" \
		-n sandsh "$sp $SANDSH -c true" -n floor "$sp $FLOOR /bin/sh -c true" >"$LOGS/hyperfine.txt" 2>&1 ||
		say "hyperfine failed (see $LOGS/hyperfine.txt)"
fi

# --- 1b. CPU time per session ------------------------------------------------------
# What a session costs the machine, whichever process or CPU pays: every
# CPU's busy time (/proc/stat: user, nice, system, irq, softirq; idle,
# iowait and steal excluded) over back-to-back sessions of one tool,
# divided by their number. Kernel threads' deferred work (cgroup and
# namespace teardown, RCU) counts; so would any other load on the machine.
# Three rounds, each a batch of CPU_RUNS/3 sessions per tool in a rotating
# order, half a second apart so one batch's deferred work does not land in
# the next. /proc/stat ticks at USER_HZ (100): 300 sessions of ~3 ms are
# ~90 ticks per tool.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
CPU_ROUNDS=3
[ "$CPU_RUNS" -ge $CPU_ROUNDS ] || h_die "BENCH_CPU_RUNS must be at least $CPU_ROUNDS"
read -r -a CPU_TOOLS <<<"$SANDSHES floor bwrap"
say "1b. CPU time per session: $CPU_ROUNDS rounds of $((CPU_RUNS / CPU_ROUNDS)) back-to-back sessions of each of ${CPU_TOOLS[*]}"
declare -A CPU_TICKS CPU_US
for tool in "${CPU_TOOLS[@]}"; do
	awk -F'\t' -v t="$tool" '$1 == t' "$SPEC" >"$RAW/cpu-$tool.spec"
	[ -s "$RAW/cpu-$tool.spec" ] || h_die "no latency spec line for $tool"
	CPU_TICKS[$tool]=0
	: >"$RAW/cpu-$tool.txt"
done
for ((round = 0; round < CPU_ROUNDS; round++)); do
	for ((k = 0; k < ${#CPU_TOOLS[@]}; k++)); do
		tool=${CPU_TOOLS[$(((k + round) % ${#CPU_TOOLS[@]}))]}
		sleep 0.5
		t0=$(busy_ticks)
		"$LAT" 0 $((CPU_RUNS / CPU_ROUNDS)) "$RAW/cpu-$tool.spec" "$RAW/cpu-round.txt" "$LOGS" ||
			h_die "cpu runs of $tool failed"
		t1=$(busy_ticks)
		CPU_TICKS[$tool]=$((CPU_TICKS[$tool] + t1 - t0))
		cat "$RAW/cpu-round.txt" >>"$RAW/cpu-$tool.txt"
	done
done
rm -f "$RAW/cpu-round.txt"
CPU_ROWS=()
cpu_json="\"cpu\": { \"command\": \"/bin/sh -c true\", \"rounds\": $CPU_ROUNDS, \"user_hz\": $(getconf CLK_TCK), \"tools\": {"
sep=
for tool in "${CPU_TOOLS[@]}"; do
	n=$(wc -l <"$RAW/cpu-$tool.txt")
	[ "$n" -gt 0 ] || h_die "no cpu samples of $tool"
	fails=$(awk '$4 != 0' "$RAW/cpu-$tool.txt" | wc -l)
	CPU_US[$tool]=$(awk -v d="${CPU_TICKS[$tool]}" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%d", d * 1e6 / hz / n }')
	wall=$(awk '{ s += $3 } END { printf "%d", s / NR / 1000 }' "$RAW/cpu-$tool.txt")
	cpu_json+="$sep \"$tool\": { \"sessions\": $n, \"nonzero_exits\": $fails, \"cpu_us_per_session\": ${CPU_US[$tool]}, \"mean_wall_us\": $wall, \"busy_ticks\": ${CPU_TICKS[$tool]} }"
	sep=,
	CPU_ROWS+=("$tool ${CPU_US[$tool]} $wall $fails")
done
cpu_json+=" } }"
json_add "$cpu_json"

# --- 2. concurrency ---------------------------------------------------------------
say "2. concurrency: $N sessions at once, each 'echo; sleep 1'"
CONC_ROWS=()
conc_json="\"concurrency\": { \"n\": $N, \"command\": \"/bin/sh -c 'echo s; sleep 1'\", \"tools\": {"
sep=
declare -A ALLSTART
for tool in $SANDSHES floor bwrap; do
	if [ "$tool" = bwrap ]; then
		"$CONC" "$N" "$BUSER" 120 "$RAW/conc-$tool.txt" "$LOGS/conc-$tool.err" "$(command -v bwrap)" \
			--unshare-uts --unshare-pid --unshare-ipc --hostname bench --ro-bind "$ROOTFS" / --proc /proc \
			--dev /dev --tmpfs /tmp /bin/sh -c 'echo s; sleep 1'
	elif [ "$tool" = sandsh ]; then
		"$CONC" "$N" "$BUSER" 120 "$RAW/conc-$tool.txt" "$LOGS/conc-$tool.err" "$SANDSH" -c 'echo s; sleep 1'
	elif [ "$tool" = sandsh-b ]; then
		"$CONC" "$N" "$BUSER" 120 "$RAW/conc-$tool.txt" "$LOGS/conc-$tool.err" "$SANDSH_B" -c 'echo s; sleep 1'
	else
		"$CONC" "$N" "$BUSER" 120 "$RAW/conc-$tool.txt" "$LOGS/conc-$tool.err" "$FLOOR" /bin/sh -c 'echo s; sleep 1'
	fi
	sleep 1
done
for tool in $SANDSHES floor bwrap; do
	read -r _ _ _ _ "ALLSTART[$tool]" < <(stats "$RAW/conc-$tool.txt" 2)
done
for tool in $SANDSHES floor bwrap; do
	ok=$(awk '$4 == 0' "$RAW/conc-$tool.txt" | wc -l)
	read -r _ p50 _ p99 allstart < <(stats "$RAW/conc-$tool.txt" 2)
	read -r _ _ _ _ allexit < <(stats "$RAW/conc-$tool.txt" 3)
	r=$(ratio "$allstart" "${ALLSTART[floor]}")
	CONC_ROWS+=("$(printf '%-8s %5s/%-5s %10s %10s %12s %8s %12s' "$tool" "$ok" "$N" "$(ms "$p50")" "$(ms "$p99")" "$(ms "$allstart")" "$r" "$(ms "$allexit")")")
	conc_json+="$sep \"$tool\": { \"succeeded\": $ok, \"start_p50_ns\": $p50, \"start_p99_ns\": $p99, \"all_started_ns\": $allstart, \"all_started_ratio_to_floor\": $r, \"all_exited_ns\": $allexit }"
	sep=,
done
conc_ratio=$(ratio "${ALLSTART[sandsh]}" "${ALLSTART[floor]}")
conc_json+=" }, \"all_started_ratio_to_floor\": $conc_ratio }"
json_add "$conc_json"

# --- 3. memory --------------------------------------------------------------------
# pss PID...: summed Pss (kB) from smaps_rollup.
pss() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# ptree: "PID PPID COMM" of every process of this PID namespace (no
# /proc/PID/task/*/children on every kernel).
ptree() {
	local f
	for f in /proc/[0-9]*/stat; do
		read -r line <"$f" 2>/dev/null || continue
		# PID (COMM) STATE PPID ...: COMM may hold blanks.
		local pid=${line%% *} rest=${line##*) } comm=${line#*(}
		comm=${comm%)*}
		set -- $rest
		echo "$pid $2 $comm"
	done 2>/dev/null
}
# descendants_named PID COMM [TREE]: PID and its descendants whose comm is COMM.
descendants_named() {
	local tree=${3:-$(ptree)}
	awk -v root="$1" -v want="$2" '{ pp[$1] = $2; c[$1] = $3 } END {
		for (p in pp) { q = p; while (q != "" && q != root && q > 1) q = pp[q]
			if (q == root && c[p] == want) print p } }' <<<"$tree"
}
has_sleep() { # has_sleep PID: a 'sleep' among its descendants
	[ -n "$(descendants_named "$1" sleep)" ]
}
# mem_of TOOL K: K idle sessions of TOOL at once; prints the total PSS (kB)
# of the launcher's own processes.
mem_of() {
	local tool=$1 k=$2 i pids=() p comm total=0 ok
	for ((i = 0; i < k; i++)); do
		case $tool in
		sandsh) setpriv --reuid=$BUID --regid=$BUID --init-groups -- "$SANDSH" -c 'sleep 6' </dev/null >/dev/null 2>&1 & ;;
		sandsh-b) setpriv --reuid=$BUID --regid=$BUID --init-groups -- "$SANDSH_B" -c 'sleep 6' </dev/null >/dev/null 2>&1 & ;;
		bwrap) setpriv --reuid=$BUID --regid=$BUID --init-groups -- bwrap --unshare-uts --unshare-pid --unshare-ipc \
			--hostname bench --ro-bind "$ROOTFS" / --proc /proc --dev /dev --tmpfs /tmp /bin/sh -c 'sleep 6' </dev/null >/dev/null 2>&1 & ;;
		firejail) setpriv --reuid=$BUID --regid=$BUID --init-groups -- firejail --quiet --noprofile --chroot="$ROOTFS" \
			--ipc-namespace --hostname=bench /bin/sh -c 'sleep 6' </dev/null >/dev/null 2>&1 & ;;
		floor) setpriv --reuid=$BUID --regid=$BUID --init-groups -- "$FLOOR" /bin/sh -c 'sleep 6' </dev/null >/dev/null 2>&1 & ;;
		esac
		pids+=($!)
	done
	for ((i = 0; i < 50; i++)); do
		ok=1
		for p in "${pids[@]}"; do has_sleep "$p" || ok=0; done
		[ $ok = 1 ] && break
		sleep 0.1
	done
	sleep 0.3
	case $tool in sandsh*) comm="$tool sandsh-init" ;; *) comm=$tool ;; esac
	for p in "${pids[@]}"; do
		for c in $comm; do
			# shellcheck disable=SC2046
			total=$((total + $(pss $(descendants_named "$p" "$c"))))
			# One idle session: where the memory is, mapping by mapping.
			if [ "$k" = 1 ]; then
				for q in $(descendants_named "$p" "$c"); do
					cat "/proc/$q/smaps" >"$RAW/smaps-$tool-$c.txt" 2>/dev/null
				done
			fi
		done
	done
	[ $ok = 1 ] || total=-1
	wait "${pids[@]}" 2>/dev/null
	echo "$total"
}
say "3. memory: PSS of the launcher's processes, 1 and $IDLE_K idle sessions"
MEM_ROWS=()
mem_json="\"memory\": { \"idle_sessions\": [1, $IDLE_K], \"unit\": \"KiB\", \"tools\": {"
sep=
declare -A PSS1
for tool in $SANDSHES floor bwrap firejail; do
	one=$(mem_of $tool 1)
	many=$(mem_of $tool "$IDLE_K")
	PSS1[$tool]=$one
	per=$(awk -v t="$many" -v k="$IDLE_K" 'BEGIN { if (t < 0) print -1; else printf "%d", t / k }')
	case $tool in sandsh*) what="outer + sandsh-init" ;; floor) what="outer (PID 1 is the command)" ;; *) what="all $tool processes" ;; esac
	MEM_ROWS+=("$(printf '%-9s %10s %14s   %s' "$tool" "$one" "$per" "$what")")
	mem_json+="$sep \"$tool\": { \"pss_one_session_kib\": $one, \"pss_per_session_of_${IDLE_K}_kib\": $per, \"processes\": \"$what\" }"
	sep=,
done
mem_json+=" } }"
json_add "$mem_json"

# --- 4. teardown and leftovers ---------------------------------------------------
say "4. teardown: $TD_RUNS sessions ending with 'printf x'; then $SEQ sequential sessions"
LEAFDIR=$PIDS_CG/$T_CGROUP_PARENT/user-$BUID
mkdir -p "$LEAFDIR" # so -L finds the directory; sandsh's own levels
"$TEARDOWN" "$TD_RUNS" "$BUSER" "$RAW/teardown-sandsh.txt" "$LOGS/teardown-sandsh.err" -L "$LEAFDIR" \
	"$SANDSH" -c 'printf x'
[ -n "$SANDSH_B" ] && "$TEARDOWN" "$TD_RUNS" "$BUSER" "$RAW/teardown-sandsh-b.txt" "$LOGS/teardown-sandsh-b.err" \
	-L "$LEAFDIR" "$SANDSH_B" -c 'printf x'
"$TEARDOWN" "$TD_RUNS" "$BUSER" "$RAW/teardown-floor.txt" "$LOGS/teardown-floor.err" \
	"$FLOOR" /bin/sh -c 'printf x'
"$TEARDOWN" "$TD_RUNS" "$BUSER" "$RAW/teardown-bwrap.txt" "$LOGS/teardown-bwrap.err" \
	"$(command -v bwrap)" --unshare-uts --unshare-pid --unshare-ipc --hostname bench --ro-bind "$ROOTFS" / \
	--proc /proc --dev /dev --tmpfs /tmp /bin/sh -c 'printf x'
TD_ROWS=()
td_json="\"teardown\": { \"runs\": $TD_RUNS, \"tools\": {"
sep=
for tool in $SANDSHES floor bwrap; do
	read -r _ e50 e90 e99 _ < <(stats "$RAW/teardown-$tool.txt" 1)
	read -r nl l50 l90 l99 _ < <(stats "$RAW/teardown-$tool.txt" 2)
	TD_ROWS+=("$(printf '%-7s %12s %12s %12s %14s %14s' "$tool" "$(ms "$e50")" "$(ms "$e90")" "$(ms "$e99")" \
		"$([ "$nl" -gt 0 ] && ms "$l50" || echo -)" "$([ "$nl" -gt 0 ] && ms "$l90" || echo -)")")
	td_json+="$sep \"$tool\": { \"to_exit_p50_ns\": $e50, \"to_exit_p90_ns\": $e90, \"to_exit_p99_ns\": $e99"
	[ "$nl" -gt 0 ] && td_json+=", \"to_leaf_removed_p50_ns\": $l50, \"to_leaf_removed_p90_ns\": $l90, \"to_leaf_removed_p99_ns\": $l99"
	td_json+=" }"
	sep=,
done
rmdir "$LEAFDIR" 2>/dev/null

printf 'sandsh\t%s\t%s\t-c\ttrue\n' "$BUSER" "$SANDSH" >"$RAW/seq.spec"
"$LAT" 0 "$SEQ" "$RAW/seq.spec" "$RAW/seq.txt" "$LOGS" || h_die "sequential sessions failed"
seq_fail=$(awk '$4 != 0' "$RAW/seq.txt" | wc -l)
sleep 0.5
left_cg=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r top; do
	[ -d "$top/$T_CGROUP_PARENT" ] && find "$top/$T_CGROUP_PARENT" -type d -name 'session-*'
done | wc -l)
left_user=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r top; do
	[ -d "$top/$T_CGROUP_PARENT" ] && find "$top/$T_CGROUP_PARENT" -type d -name "user-$BUID"
done | wc -l)
# Exiting processes (zombies until reaped) vanish on their own; what is
# still there after 3 s is a leftover.
for _ in $(seq 30); do
	[ -z "$(procs -u "$BUID")" ] && break
	sleep 0.1
done
left_proc=$(procs -u "$BUID" | wc -l)
left_run=$(find /run/sandsh/sessions -mindepth 1 2>/dev/null | wc -l)
left_mnt=$(grep -c -E 'sandsh-bench/rootfs/(proc|dev|tmp)' /proc/self/mountinfo)
td_json+=" }, \"sequential\": { \"sessions\": $SEQ, \"nonzero_exits\": $seq_fail, \"leftover_session_cgroups\": $left_cg, \"leftover_user_cgroups\": $left_user, \"leftover_processes\": $left_proc, \"leftover_registry_entries\": $left_run, \"leftover_mounts\": $left_mnt } }"
json_add "$td_json"
left_total=$((left_cg + left_user + left_proc + left_run + left_mnt))

# --- 5. fork bomb ---------------------------------------------------------------
# host probe: fork+exec /bin/true as root outside any sandbox.
BOMB="exec /bin/forkbomb $((BOMB_S + 10))"
bomb_phase() { # bomb_phase LABEL: probe while a bomb runs in sandsh as sbbomb; sets B_*
	local label=$1 thr0 thr1 i
	local cpu_user=/sys/fs/cgroup/cpu/$T_CGROUP_PARENT/user-$BOMBUID
	setpriv --reuid=$BOMBUID --regid=$BOMBUID --init-groups -- "$SANDSH" -c "$BOMB" </dev/null >/dev/null 2>"$LOGS/bomb-$label.err" &
	BOMB_PID=$!
	sleep 1
	thr0=$(awk '$1 == "nr_throttled" { print $2 }' "$cpu_user/cpu.stat" 2>/dev/null)
	read -r _ B_P50 B_P90 B_P99 _ < <("$PROBE" "$PROBE_S" /bin/true)
	B_PIDS=$(cat "$PIDS_CG/$T_CGROUP_PARENT/user-$BOMBUID/pids.current" 2>/dev/null || echo -1)
	thr1=$(awk '$1 == "nr_throttled" { print $2 }' "$cpu_user/cpu.stat" 2>/dev/null)
	B_THR=$((${thr1:-0} - ${thr0:-0}))
	# The bound: the outer sandsh killed by pid; its PID 1 dies with it
	# (parent-death signal) and takes the whole PID namespace along.
	kill -KILL "$BOMB_PID" 2>/dev/null
	wait "$BOMB_PID" 2>/dev/null
	BOMB_PID=
	for ((i = 0; i < 100; i++)); do
		[ -z "$(procs -u "$BOMBUID")" ] && break
		sleep 0.05
	done
	B_GONE_MS=$((i * 50))
}
say "5. fork bomb: host fork+exec probe ($PROBE_S s each) idle, during a bomb in sandsh (default policy), with cpu_max = \"max\""
read -r _ idle50 idle90 idle99 _ < <("$PROBE" "$PROBE_S" /bin/true)
bomb_phase default
def50=$B_P50 def90=$B_P90 def99=$B_P99 defpids=$B_PIDS defthr=$B_THR defgone=$B_GONE_MS
bench_policy 'cpu_max = "max";'
bomb_phase cpumax
max50=$B_P50 max90=$B_P90 max99=$B_P99 maxpids=$B_PIDS maxthr=$B_THR maxgone=$B_GONE_MS
bench_policy
left_bomb=$(procs -u "$BOMBUID" | wc -l)
bomb_json="\"fork_bomb\": { \"probe\": \"fork+exec /bin/true as root\", \"seconds\": $PROBE_S, \"bomb\": \"$BOMB\", \"pids_max\": 64,"
bomb_json+=" \"idle\": { \"p50_ns\": $idle50, \"p90_ns\": $idle90, \"p99_ns\": $idle99 },"
bomb_json+=" \"bomb_cpu_max_100\": { \"p50_ns\": $def50, \"p90_ns\": $def90, \"p99_ns\": $def99, \"pids_current\": $defpids, \"cfs_throttled_periods\": ${defthr:-0}, \"p50_ratio_to_idle\": $(ratio "$def50" "$idle50") },"
bomb_json+=" \"bomb_cpu_max_max\": { \"p50_ns\": $max50, \"p90_ns\": $max90, \"p99_ns\": $max99, \"pids_current\": $maxpids, \"cfs_throttled_periods\": ${maxthr:-0}, \"p50_ratio_to_idle\": $(ratio "$max50" "$idle50") },"
bomb_json+=" \"bomb_gone_after_kill_ms\": [$defgone, $maxgone], \"bomb_processes_left\": $left_bomb }"
json_add "$bomb_json"

# --- report --------------------------------------------------------------------
{
	echo "{"
	echo "  \"sandsh_version\": \"$("$SANDSH" --version | cut -d' ' -f2)\", \"kernel\": \"$(uname -r)\", \"cpus\": $(nproc),"
	echo "  \"bwrap_mode\": \"$([ -u "$(command -v bwrap)" ] && echo setuid || echo 'user namespaces (not setuid)')\","
	for ((i = 0; i < ${#J_SECTIONS[@]}; i++)); do
		printf '  %s%s\n' "${J_SECTIONS[$i]}" "$([ $i -lt $((${#J_SECTIONS[@]} - 1)) ] && echo ,)"
	done
	echo "}"
} >"$JSON"

tgt() { [ "$1" = 1 ] && echo "met" || echo "MISSED"; }
bwrap_med=$(awk '$1 == "bwrap"' "$RAW/lat.txt" | stats /dev/stdin 3 | cut -d' ' -f2)
lat_ok=$(awk -v f="$(ratio "$sandsh_med" "$floor_med")" -v b="$(ratio "$sandsh_med" "$bwrap_med")" \
	'BEGIN { print (f != "null" && b != "null" && f <= 1.5 && b <= 0.85) }')
n_ok=$(awk '$4 == 0' "$RAW/conc-sandsh.txt" | wc -l)
conc_ok=$(awk -v r="$conc_ratio" -v ok="$n_ok" -v n="$N" 'BEGIN { print (ok == n && r != "null" && r <= 1.2) }')
mem_ok=$(awk -v p="${PSS1[sandsh]}" -v b="${PSS1[bwrap]}" 'BEGIN { print (p >= 0 && p <= 512 && p <= b) }')
bomb_ok=$(awk -v a="$def50" -v b="$idle50" 'BEGIN { print (b > 0 && a <= 2 * b) }')

echo
echo "== 1. start->exit latency, /bin/sh -c true, $RUNS interleaved runs (ms) =="
printf '%-15s %9s %9s %9s %8s %8s %6s\n' tool median p90 p99 "/sandsh" "/floor" fails
printf '%s\n' "${LAT_ROWS[@]}"
echo "(bwrap: $(jq -r .bwrap_mode "$JSON" 2>/dev/null || echo 'see results.json'); firejail: --chroot (enabled in this run's firejail.config), --noprofile)"
echo
echo "== 1b. CPU time per session, all CPUs (/proc/stat), back-to-back runs of /bin/sh -c true (ms) =="
printf '%-15s %9s %9s %8s %9s %6s\n' tool cpu "/floor" "/bwrap" "mean-wall" fails
for row in "${CPU_ROWS[@]}"; do
	read -r tool us wall fails <<<"$row"
	printf '%-15s %9s %9s %8s %9s %6s\n' "$tool" "$(ms $((us * 1000)))" "$(ratio "$us" "${CPU_US[floor]}")" \
		"$(ratio "$us" "${CPU_US[bwrap]}")" "$(ms $((wall * 1000)))" "$fails"
done
echo
echo "== 2. $N concurrent sessions, 'echo s; sleep 1' (ms from release) =="
printf '%-8s %11s %10s %10s %12s %8s %12s\n' tool ok start-p50 start-p99 all-started "/floor" all-exited
printf '%s\n' "${CONC_ROWS[@]}"
echo
echo "== 3. PSS of the launcher's own processes, idle session (KiB) =="
printf '%-9s %10s %14s   %s\n' tool "1 session" "each of $IDLE_K" processes
printf '%s\n' "${MEM_ROWS[@]}"
echo
echo "== 4. teardown, command exit -> (ms) =="
printf '%-7s %12s %12s %12s %14s %14s\n' tool exit-p50 exit-p90 exit-p99 leaf-gone-p50 leaf-gone-p90
printf '%s\n' "${TD_ROWS[@]}"
echo "after $SEQ sequential sessions ($seq_fail failed): session cgroups $left_cg, user cgroups $left_user, processes $left_proc, registry entries $left_run, mounts $left_mnt"
echo
echo "== 5. host fork+exec latency (ms), bomb in sandsh as $BOMBUSER (pids_max 64) =="
printf '%-22s %9s %9s %9s %10s %10s\n' phase p50 p90 p99 bomb-pids throttled
printf '%-22s %9s %9s %9s %10s %10s\n' idle "$(ms "$idle50")" "$(ms "$idle90")" "$(ms "$idle99")" - -
printf '%-22s %9s %9s %9s %10s %10s\n' "bomb, cpu_max 100%" "$(ms "$def50")" "$(ms "$def90")" "$(ms "$def99")" "$defpids" "${defthr:-0}"
printf '%-22s %9s %9s %9s %10s %10s\n' "bomb, cpu_max max" "$(ms "$max50")" "$(ms "$max90")" "$(ms "$max99")" "$maxpids" "${maxthr:-0}"
echo
echo "== targets (reported, not asserted) =="
echo "sandsh median <= 0.85x bwrap, <= 1.5x floor: $(tgt "$lat_ok") ($(ratio "$sandsh_med" "$bwrap_med")x bwrap, $(ratio "$sandsh_med" "$floor_med")x floor)"
echo "$N concurrent all ok, all started <= 1.2x floor: $(tgt "$conc_ok") ($n_ok/$N ok, ${conc_ratio}x floor)"
echo "PSS of one idle session <= 512 KiB, <= bwrap: $(tgt "$mem_ok") (${PSS1[sandsh]} KiB, bwrap ${PSS1[bwrap]} KiB)"
echo "0 leftovers after $SEQ sessions:         $(tgt "$([ "$left_total" = 0 ] && echo 1)") ($left_total)"
echo "bomb (cpu_max 100%) <= 2x idle:          $(tgt "$bomb_ok") ($(ratio "$def50" "$idle50")x)"
echo
echo "results: $JSON"
