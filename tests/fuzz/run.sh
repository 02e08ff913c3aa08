#!/bin/bash
# Runs every libFuzzer harness of tests/fuzz for SECONDS each (in parallel,
# one per core), seeded from the committed corpus, the shipped policies and
# the unit-test fixtures. New interesting inputs go to FUZZ_DIR/corpus/NAME
# (kept between runs), crash reproducers to FUZZ_DIR/artifacts/.
# Usage: tests/fuzz/run.sh FUZZ_DIR SECONDS
# Exits non-zero if any harness crashed, leaked, timed out or hit an
# invariant; ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${1:?usage: run.sh FUZZ_DIR SECONDS}
secs=${2:?usage: run.sh FUZZ_DIR SECONDS}
dir=$(cd "$dir" && pwd) || exit 1
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

# Seeds and dictionary per harness (seed directories are read recursively),
# looked up by name below.
declare -A seeds=(
	[fuzz_policy]="$here/corpus/policy $repo/conf $repo/tests/unit/fixtures"
	[fuzz_args_env]="$here/corpus/args_env"
)
declare -A dicts=([fuzz_policy]="$here/policy.dict" [fuzz_args_env]="$here/args_env.dict")

mkdir -p "$dir/artifacts" "$dir/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks inside libconfig itself are not ours (tests/fuzz/lsan.supp says why).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}

run_one() { # NAME
	local name=$1 opts=()
	mkdir -p "$dir/corpus/$name"
	[ -f "${dicts[$name]:-}" ] && opts+=("-dict=${dicts[$name]}")
	# Leak checking on every input costs a heap scan each time libconfig
	# leaks (lsan.supp), a hundredfold slow-down: the search runs without
	# it, then every input of the resulting corpus runs once with it.
	# shellcheck disable=SC2086
	"$dir/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-detect_leaks=0 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" \
		"${opts[@]}" "$dir/corpus/$name" ${seeds[$name]:-} >"$dir/logs/$name.log" 2>&1 || return
	"$dir/$name" -runs=0 -timeout=10 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=1 \
		-artifact_prefix="$dir/artifacts/$name-" "$dir/corpus/$name" \
		>"$dir/logs/$name-leaks.log" 2>&1 || { cat "$dir/logs/$name-leaks.log" >>"$dir/logs/$name.log"; return 1; }
}

names=()
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] && [ -f "$here/${bin##*/}.c" ] && names+=("${bin##*/}")
done
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness built in $dir" >&2; exit 1; }

echo "# fuzzing ${names[*]} for ${secs}s each ($jobs at a time)"
declare -A rc
pids=()
for name in "${names[@]}"; do
	run_one "$name" &
	pids+=("$!:$name")
	if [ ${#pids[@]} -ge "$jobs" ]; then
		p=${pids[0]}
		wait "${p%%:*}"
		rc[${p#*:}]=$?
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do
	wait "${p%%:*}"
	rc[${p#*:}]=$?
done

npass=0 nfail=0
for name in "${names[@]}"; do
	log=$dir/logs/$name.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
	corpus=$(find "$dir/corpus/$name" -type f | wc -l)
	if [ "${rc[$name]}" = 0 ]; then
		echo "ok - $name: ${execs:-?} execs, $cov, corpus $corpus, no crash"
		npass=$((npass + 1))
	else
		echo "not ok - $name: exit ${rc[$name]} after ${execs:-?} execs (log: $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_]+: invariant)|runtime error' "$log" | head -n 5 | sed 's/^/#   /'
		grep -E 'Test unit written to' "$log" | sed 's/^/#   /'
		nfail=$((nfail + 1))
	fi
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
