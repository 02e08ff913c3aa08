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

if [ $# -lt 1 ]; then
	echo "usage: tests/pam/run.sh BUILD_DIR [t-NAME.sh ...]" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	echo "PAM tests SKIPPED: need root (they place real su/login/sshd sessions; run: sudo make pam-check)"
	exit 0
fi

if [ -z "${SANDSH_TEST_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt pamtester su script; do
		command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/deps.sh pam)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "run.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }

	# The host state the tests could leak into (as tests/integration/run.sh).
	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp|var|home)(/| )|sandsh' | sort
		echo "--"
		for p in /run/sandsh /run/sandsh-test /run/mount /dev/log /etc/sandsh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
		ls -d /tmp/pam.* /tmp/test_pam.* 2>/dev/null
		stat -c '%n %s %Y' /var/log/wtmp /var/log/btmp /var/log/lastlog /etc/pam.d/* /etc/passwd \
			/etc/shadow 2>/dev/null
	}
	before=$(snap)

	SANDSH_TEST_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 300 \
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
	(
		T_SECTION="${name#t-}: "
		write_pam_policy
		rm -rf "${T_SHARE:?}"/* 2>/dev/null
		# shellcheck disable=SC1090
		. "$t"
	)
done

left=$(procs -u 61001,61002,61003,61004 | tr '\n' ' ')
if [ -n "$left" ]; then
	(T_SECTION="run: "; fail "no fixture-user process survives the tests" "left: $left" "$(procs -l -u 61001,61002,61003,61004)")
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
else
	(T_SECTION="run: "; pass "no fixture-user process survives the tests")
fi

pam_teardown
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
