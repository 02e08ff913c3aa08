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

# shellcheck source=tests/lib/suite.sh
. "$repo/tests/lib/suite.sh"
suite_start integration "they install a setuid binary and use mount namespaces; run: sudo make integration" "$@"
[ -n "${SANDSH_TEST_INNER:-}" ] ||
	suite_outer integration "apt-get install util-linux coreutils busybox-static" 1200 -- "$@"

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

suite_tests "$here" "$@"
suite_run write_std_policy
suite_no_procs 61001,61002,61003
hermetic_teardown
trap - EXIT
suite_finish
