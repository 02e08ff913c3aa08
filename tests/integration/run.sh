#!/bin/bash
# Integration tests: the installed setuid sandsh run as real (fixture) users
# in a hermetic private mount namespace (tests/lib/hermetic.sh).
# Usage: tests/integration/run.sh BUILD_DIR [t-NAME.sh ...]
# Runs every tests/integration/t-*.sh (or the named ones) and ends with
# "N passed, N failed[, N skipped]"; exits non-zero on any failure.
# T_SECTION is read by the sourced reporting functions:
# shellcheck disable=SC2034
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: tests/integration/run.sh BUILD_DIR [t-NAME.sh ...]" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	echo "integration tests SKIPPED: need root (they install a setuid binary and use mount namespaces; run: sudo make integration)"
	exit 0
fi

if [ -z "${SANDSH_TEST_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt; do
		command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (apt-get install util-linux coreutils)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "run.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }

	# Host state the tests could leak into: mounts where the harness
	# mounts (other mounts may come and go with other work on the machine)
	# and the paths it uses.
	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp)(/| )|sandsh' | sort
		echo "--"
		for p in /run/sandsh /run/sandsh-test /run/mount /dev/log /etc/sandsh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
	}
	before=$(snap)

	# A private mount namespace: every mount of the tests lives and dies
	# with it; a PID namespace: every process of the tests dies with it
	# (and the checks for leftover processes see only ours). The timeout
	# bounds the whole run.
	SANDSH_TEST_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 1200 \
		unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
		-- "$0" "$@"
	rc=$?

	after=$(snap)
	if [ "$before" != "$after" ]; then
		echo "run.sh: host state changed by the tests:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		rc=1
	fi
	exit $rc
fi

build=$1
shift
build=$(cd "$build" && pwd) || exit 1

# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"

cd "$repo" || exit 1
hermetic_setup "$build" "$repo"
trap hermetic_teardown EXIT
export T_RESULTS=$T_ROOT/results
: >"$T_RESULTS"

if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do
		case "$t" in
		*/*) tests+=("$(cd "$(dirname "$t")" && pwd)/${t##*/}") ;;
		*) tests+=("$here/$t") ;;
		esac
	done
else
	tests=("$here"/t-*.sh)
fi

for t in "${tests[@]}"; do
	name=${t##*/}
	name=${name%.sh}
	echo "# ${name}"
	# Each file runs in its own subshell with the standard policy and an
	# empty share directory.
	(
		T_SECTION="${name#t-}: "
		write_std_policy
		rm -rf "${T_SHARE:?}"/* 2>/dev/null
		# shellcheck disable=SC1090
		. "$t"
	)
done

# Nothing of the tests may still run.
left=$(procs -u 61001,61002,61003 | tr '\n' ' ')
if [ -n "$left" ]; then
	(T_SECTION="run: "; fail "no fixture-user process survives the tests" "left: $left")
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
else
	(T_SECTION="run: "; pass "no fixture-user process survives the tests")
fi

hermetic_teardown
trap - EXIT
if [ -d /sys/fs/cgroup ]; then
	leftover=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
		while read -r top; do [ -d "$top/$T_CGROUP_PARENT" ] && echo "$top/$T_CGROUP_PARENT"; done)
	(T_SECTION="run: "; assert_eq "fixture cgroups removed" "" "$leftover")
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
