# Shared pieces of the root test suites (integration, security, pam, e2e):
# the outer run that re-executes the suite in private mount and PID
# namespaces and checks the host afterwards, test selection, the per-file
# loop, the leftover checks and the closing count.
# shellcheck shell=bash

# Host state a suite could leak into: mounts where the harnesses mount
# (other mounts may come and go with other work on the machine), the paths
# they use, and suite_snap_extra's output if the suite defines it.
suite_snap() {
	awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
		grep -E '^/(run|etc|dev|proc|tmp|home|var)(/| )|sandsh' | sort
	echo "--"
	for p in /run/sandsh /run/sandsh-test /run/mount /run/sshd /dev/log /etc/sandsh /root/.ssh; do
		[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
	done
	if declare -F suite_snap_extra >/dev/null; then
		suite_snap_extra
	fi
}

# suite_start LABEL WHY ARGS...: the usage check (a build directory first)
# and, for a non-root caller, "LABEL tests SKIPPED: need root (WHY)" and a
# clean exit: the suites need root, a plain `make check` as a user does not.
suite_start() {
	local label=$1 why=$2
	shift 2
	if [ $# -lt 1 ]; then
		echo "usage: ${0#"$repo"/} BUILD_DIR [t-NAME.sh ...]" >&2
		exit 2
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "$label tests SKIPPED: need root ($why)"
		exit 0
	fi
}

# suite_outer NAME DEPS TIMEOUT [TOOL...] -- ARGS...
# Outside the namespaces: checks the tools (DEPS says how to get them),
# runs "$0 ARGS" in new private mount and PID namespaces (everything of the
# suite dies with them) under TIMEOUT seconds, and fails the run if the
# host's state changed. Never returns.
suite_outer() {
	local name=$1 deps=$2 limit=$3 before after rc t0 tool
	local tools=(unshare setpriv timeout findmnt)
	shift 3
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		tools+=("$1")
		shift
	done
	shift
	for tool in "${tools[@]}"; do
		command -v "$tool" >/dev/null || { echo "$name: $tool not found ($deps)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "$name: /bin/busybox not found ($deps)" >&2; exit 1; }
	before=$(suite_snap)
	t0=$(date +%s)
	# The run's results, for tests/check-protections.sh: BUILD/test-results/
	# NAME.results (the build directory is the first argument). A run of
	# named test files only (make examples-check runs one through the
	# integration runner) writes NAME.partial.results: it must not replace
	# the whole suite's results that the check reads.
	local res=$name.results
	[ $# -gt 1 ] && res=$name.partial.results
	mkdir -p "$1/test-results" && SANDSH_SUITE_RESULTS=$(cd "$1/test-results" && pwd)/$res
	rm -f "${SANDSH_SUITE_RESULTS:-}"
	SANDSH_SUITE_RESULTS=${SANDSH_SUITE_RESULTS:-} \
		SANDSH_TEST_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 "$limit" \
		unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
		-- "$0" "$@"
	rc=$?
	after=$(suite_snap)
	if [ "$before" != "$after" ]; then
		echo "$name: host state changed by the tests:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		rc=1
	fi
	echo "# $name: $(($(date +%s) - t0)) s"
	exit $rc
}

# suite_tests DIR [FILE...]: SUITE_TESTS = the named files, or DIR/t-*.sh.
suite_tests() {
	local dir=$1 t
	shift
	SUITE_TESTS=()
	if [ $# -eq 0 ]; then
		SUITE_TESTS=("$dir"/t-*.sh)
		# A suite that finds nothing to run has failed, not passed.
		[ -e "${SUITE_TESTS[0]}" ] || { echo "no test files in $dir" >&2; exit 1; }
		return
	fi
	for t in "$@"; do
		case "$t" in
		*/*) SUITE_TESTS+=("$(cd "$(dirname "$t")" && pwd)/${t##*/}") ;;
		*) SUITE_TESTS+=("$dir/$t") ;;
		esac
	done
}

# suite_run POLICY_FN [AFTER_FN]: each test file in its own subshell, with
# the suite's policy written afresh and an empty share directory.
suite_run() {
	local policy=$1 after=${2:-:} t name
	for t in "${SUITE_TESTS[@]}"; do
		name=${t##*/}
		name=${name%.sh}
		echo "# ${name} ($(date +%T))"
		(
			T_SECTION="${name#t-}: "
			"$policy"
			rm -rf "${T_SHARE:?}"/* 2>/dev/null
			# shellcheck disable=SC1090
			. "$t"
		)
		"$after"
	done
}

# suite_no_procs UIDS: no process of the fixture users (comma-separated)
# may survive the tests; survivors are killed.
suite_no_procs() {
	local left p
	left=$(procs -u "$1" | tr '\n' ' ')
	if [ -n "$left" ]; then
		(T_SECTION="run: "; fail "no fixture-user process survives the tests" "left: $(procs -l -u "$1")")
		for p in $left; do kill -KILL "$p" 2>/dev/null; done
	else
		(T_SECTION="run: "; pass "no fixture-user process survives the tests")
	fi
}

# suite_finish: after the teardown, no cgroup of the run may remain; prints
# "N passed, N failed[, N skipped]", keeps the results ("ok|fail|skip
# SECTION: DESCRIPTION", one a line) in $SANDSH_SUITE_RESULTS when
# suite_outer named one, and returns the suite's status.
suite_finish() {
	local leftover npass nfail nskip
	if [ -d /sys/fs/cgroup ]; then
		leftover=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
			while read -r top; do [ -d "$top/$T_CGROUP_PARENT" ] && echo "$top/$T_CGROUP_PARENT"; done)
		(T_SECTION="run: "; assert_eq "fixture cgroups removed" "" "$leftover")
	fi
	if [ -n "${SANDSH_SUITE_RESULTS:-}" ]; then
		cp "$T_RESULTS" "$SANDSH_SUITE_RESULTS.new" && mv -f "$SANDSH_SUITE_RESULTS.new" "$SANDSH_SUITE_RESULTS"
	fi
	npass=$(grep -c '^ok ' "$T_RESULTS")
	nfail=$(grep -c '^fail ' "$T_RESULTS")
	nskip=$(grep -c '^skip ' "$T_RESULTS")
	if [ "$nfail" -gt 0 ]; then
		echo "# failed:"
		grep '^fail ' "$T_RESULTS" | sed 's/^fail /#   /'
	fi
	if [ "$nskip" -gt 0 ]; then
		echo "$npass passed, $nfail failed, $nskip skipped"
	else
		echo "$npass passed, $nfail failed"
	fi
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
}
