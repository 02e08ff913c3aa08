#!/bin/bash
# Security suite (issue 6): fault injection into every privileged syscall
# (t-failclosed.sh) and escape/abuse attempts (t-escape-*.sh), run against
# the installed setuid sandsh as fixture users in the hermetic environment
# of tests/lib/hermetic.sh (private mount and PID namespaces, fixture
# /etc, a busybox rootfs, cgroups under a random cgroup_parent).
# Usage: tests/security/run.sh BUILD_DIR [t-NAME.sh ...]
# Ends with "N passed, N failed[, N skipped]"; exits non-zero on a failure.
# T_SECTION is read by the sourced reporting functions:
# shellcheck disable=SC2034
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: tests/security/run.sh BUILD_DIR [t-NAME.sh ...]" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	echo "security tests SKIPPED: need root (setuid binary, namespaces, strace as root; run: sudo make security-check)"
	exit 0
fi

if [ -z "${SANDSH_TEST_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt strace script cc; do
		command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/deps.sh sec)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "run.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }

	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp)(/| )|sandsh' | sort
		echo "--"
		for p in /run/sandsh /run/sandsh-test /run/mount /dev/log /etc/sandsh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
	}
	before=$(snap)
	# Private mount and PID namespaces (everything dies with them), and a
	# hard bound on the whole run.
	SANDSH_TEST_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 900 \
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
# shellcheck source=tests/security/lib.sh
. "$here/lib.sh"

# The suite's own helpers (tests/security/tools/*.c): static where they
# run inside the busybox rootfs.
S_TOOLS=$build/security
mkdir -p "$S_TOOLS"
build_tool() { # NAME [CFLAGS...]
	local name=$1
	shift
	if [ ! -x "$S_TOOLS/$name" ] || [ "$here/tools/$name.c" -nt "$S_TOOLS/$name" ]; then
		"${CC:-cc}" -D_GNU_SOURCE -std=gnu11 -O2 -Wall -Werror "$@" -o "$S_TOOLS/$name" \
			"$here/tools/$name.c" || { echo "run.sh: cannot build $name" >&2; exit 1; }
	fi
}
build_tool fc-probe -static
build_tool esc-probe -static
build_tool racer
build_tool evil -shared -fPIC
build_tool finject
FINJECT=$S_TOOLS/finject
FC_PROBE=$S_TOOLS/fc-probe
ESC_PROBE=$S_TOOLS/esc-probe
RACER=$S_TOOLS/racer
EVIL_SO=$S_TOOLS/evil

cd "$repo" || exit 1
hermetic_setup "$build" "$repo"
trap hermetic_teardown EXIT
export T_RESULTS=$T_ROOT/results
: >"$T_RESULTS"
echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"

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
	t0=$(date +%s)
	(
		T_SECTION="${name#t-}: "
		write_std_policy
		rm -rf "${T_SHARE:?}"/* 2>/dev/null
		# shellcheck disable=SC1090
		. "$t"
	)
	echo "# ${name}: $(($(date +%s) - t0)) s"
done

left=$(procs -u 61001,61002,61003 | tr '\n' ' ')
if [ -n "$left" ]; then
	(T_SECTION="run: "; fail "no fixture-user process survives the tests" "left: $(procs -l -u 61001,61002,61003)")
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
