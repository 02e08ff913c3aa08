#!/bin/bash
# PAM tests of pam_sandsh.so: the real PAM stack (pamtester, su -l, login,
# sshd with UsePAM yes) as root against fixture /etc/pam.d services, in the
# hermetic private mount + PID namespace of tests/lib/hermetic.sh; plus the
# unit test tests/unit/test_pam.c with the policies only root can write.
# Usage: tests/pam/run.sh BUILD_DIR [t-NAME.sh ...]
# Ends with "N passed, N failed[, N skipped]"; exits non-zero on a failure.
# T_SECTION is read by the sourced reporting functions:
# shellcheck disable=SC2034,SC2119
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=tests/lib/suite.sh
. "$repo/tests/lib/suite.sh"
suite_start PAM "they place real su/login/sshd sessions; run: sudo make pam-check" "$@"
# Also what PAM and login write on the host if they ran outside.
suite_snap_extra() {
	ls -d /tmp/pam.* /tmp/test_pam.* 2>/dev/null
	stat -c '%n %s %Y' /var/log/wtmp /var/log/btmp /var/log/lastlog /etc/pam.d/* /etc/passwd \
		/etc/shadow 2>/dev/null
}
[ -n "${SANDSH_TEST_INNER:-}" ] ||
	suite_outer pam "scripts/deps.sh pam" 600 pamtester su script -- "$@"

build=$1
shift
build=$(cd "$build" && pwd) || exit 1

# A fourth fixture user whose login shell is sandsh (tests of nesting).
T_USERS="sbuser1:61001:61001 sbuser2:61002:61002 sbadmin:61003:61003 sbnest:61004:61004"
# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"
# shellcheck source=tests/pam/lib.sh
. "$here/lib.sh"

cd "$repo" || exit 1
hermetic_setup "$build" "$repo"
trap 'pam_teardown; hermetic_teardown' EXIT
pam_setup
export T_RESULTS=$T_ROOT/results
: >"$T_RESULTS"

suite_tests "$here" "$@"
suite_run write_pam_policy
suite_no_procs 61001,61002,61003,61004
pam_teardown
hermetic_teardown
trap - EXIT
suite_finish
