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

# shellcheck source=tests/lib/suite.sh
. "$repo/tests/lib/suite.sh"
suite_start security "setuid binary, namespaces, strace as root; run: sudo make security-check" "$@"
[ -n "${SANDSH_TEST_INNER:-}" ] ||
	suite_outer security "scripts/deps.sh sec" 900 strace script cc -- "$@"

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
build_tool join-tracer -static
build_tool racer
build_tool evil -shared -fPIC
build_tool finject
FINJECT=$S_TOOLS/finject
FC_PROBE=$S_TOOLS/fc-probe
ESC_PROBE=$S_TOOLS/esc-probe
JOIN_TRACER=$S_TOOLS/join-tracer
RACER=$S_TOOLS/racer
EVIL_SO=$S_TOOLS/evil

cd "$repo" || exit 1
hermetic_setup "$build" "$repo"
trap hermetic_teardown EXIT
export T_RESULTS=$T_ROOT/results
: >"$T_RESULTS"
echo rootfs-marker >"$T_ROOTFS/ROOTFS-MARKER"

suite_tests "$here" "$@"
suite_run write_std_policy
suite_no_procs 61001,61002,61003
hermetic_teardown
trap - EXIT
suite_finish
