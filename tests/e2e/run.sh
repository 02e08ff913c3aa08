#!/bin/bash
# End-to-end tests: the installed setuid sandsh behind a real OpenSSH
# server, driven by the real ssh, scp, sftp and rsync clients (and tmux for
# terminals), with a rootfs built by scripts/sandsh-mkrootfs. Everything
# runs in a private mount + PID namespace (tests/lib/hermetic.sh), sshd
# listens on 127.0.0.1 on a free high port (tests/lib/sshd.sh).
# Usage: tests/e2e/run.sh BUILD_DIR [t-NAME.sh ...]
# Ends with "N passed, N failed[, N skipped]"; exits non-zero on failure.
# T_SECTION is read by the sourced reporting functions:
# shellcheck disable=SC2034,SC2119
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: tests/e2e/run.sh BUILD_DIR [t-NAME.sh ...]" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	echo "e2e tests SKIPPED: need root (setuid binary, mount namespaces, sshd; run: sudo make e2e)"
	exit 0
fi

if [ -z "${SANDSH_TEST_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt ssh scp sftp rsync tmux ssh-keygen /usr/sbin/sshd; do
		command -v "$tool" >/dev/null ||
			{ echo "e2e: $tool not found (scripts/deps.sh e2e installs what is missing)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "e2e: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }

	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp|home|var)(/| )|sandsh' | sort
		echo "--"
		for p in /run/sandsh /run/sandsh-test /run/sshd /dev/log /etc/sandsh /root/.ssh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
	}
	before=$(snap)
	t0=$(date +%s)
	SANDSH_TEST_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 600 \
		unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
		-- "$0" "$@"
	rc=$?
	after=$(snap)
	if [ "$before" != "$after" ]; then
		echo "e2e: host state changed by the tests:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		rc=1
	fi
	echo "# e2e: $(($(date +%s) - t0)) s"
	exit $rc
fi

build=$1
shift
build=$(cd "$build" && pwd) || exit 1

# One more fixture user, whose login shell stays /bin/sh and who reaches
# sandsh through `Match Group sbforced` + ForceCommand.
T_USERS="sbuser1:61001:61001 sbuser2:61002:61002 sbadmin:61003:61003 sbforce:61004:61004"
T_GROUPS="sbstaff:x:61100:sbadmin sbstudents:x:61101:sbuser1,sbuser2 sbforced:x:61102:sbforce"
FIXTURE_UIDS=61001,61002,61003,61004
RUN_TIMEOUT=30

# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

cd "$repo" || exit 1
e2e_teardown() {
	tmux_stop
	sshd_stop 3
	hermetic_teardown
}
hermetic_setup "$build" "$repo"
trap e2e_teardown EXIT
export T_RESULTS=$T_ROOT/results
: >"$T_RESULTS"

# --- the e2e fixture ---------------------------------------------------------------
# A fixture program for `sandsh-mkrootfs --add` (t-mkrootfs changes it).
printf '#!/bin/sh\necho e2e-tool v1\n' >"$E2E_TOOL"
chmod 0755 "$E2E_TOOL"
t0=$(date +%s%N)
scripts/sandsh-mkrootfs --quiet --add "$E2E_TOOL" "$E2E_ROOTFS" >"$T_WORK/mkrootfs.out" 2>&1
MKROOTFS_STATUS=$?
MKROOTFS_MS=$((($(date +%s%N) - t0) / 1000000))
echo "$E2E_MARKER_IN" >"$E2E_ROOTFS$E2E_MARKER"
chmod 0644 "$E2E_ROOTFS$E2E_MARKER"
echo "$E2E_MARKER_OUT" >"$E2E_MARKER"   # in the /etc overlay only
install -d -o root -g root -m 0755 "$E2E_DATA"
for u in $T_USERS; do
	IFS=: read -r name uid gid <<<"$u"
	install -d -o "$uid" -g "$gid" -m 0700 "$E2E_DATA/$name"
done
# sbforce keeps an ordinary login shell (dash).
sed -i -E 's#^(sbforce:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*):.*#\1:/bin/sh#' /etc/passwd
write_e2e_policy
sshd_setup
sshd_start "Match Group sbforced" "    ForceCommand $SANDSH"
export SSH_CMD SSHD_PORT

(
	T_SECTION="setup: "
	if [ "$MKROOTFS_STATUS" = 0 ]; then
		pass "sandsh-mkrootfs builds the e2e rootfs (${MKROOTFS_MS} ms)"
	else
		fail "sandsh-mkrootfs builds the e2e rootfs" "status $MKROOTFS_STATUS" "$(cat "$T_WORK/mkrootfs.out")"
	fi
	assert_eq "sshd listens on 127.0.0.1:$SSHD_PORT" "1" "$(grep -c "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_LOG")"
)

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
	echo "# ${name} ($(date +%T))"
	(
		T_SECTION="${name#t-}: "
		write_e2e_policy
		rm -rf "${T_SHARE:?}"/* 2>/dev/null
		# shellcheck disable=SC1090
		. "$t"
	)
	tmux_stop
done

T_SECTION="run: "
# The whole run: every session open has exactly one close with its id.
log_mark_all=$(sed -n -E 's/.*session open id=([0-9a-f]+) .*/\1/p' "$T_LOG" | sort)
log_close_all=$(sed -n -E 's/.*session close id=([0-9a-f]+) .*/\1/p' "$T_LOG" | sort)
if [ -n "$log_mark_all" ] && [ "$log_mark_all" = "$log_close_all" ] &&
	[ -z "$(printf '%s\n' "$log_mark_all" | uniq -d)" ]; then
	pass "audit log: $(printf '%s\n' "$log_mark_all" | wc -l) sessions, each one open and one close line"
else
	fail "audit log: each session one open and one close line" \
		"opens without close: $(comm -23 <(echo "$log_mark_all") <(echo "$log_close_all") | tr '\n' ' ')" \
		"closes without open: $(comm -13 <(echo "$log_mark_all") <(echo "$log_close_all") | tr '\n' ' ')" \
		"repeated: $(printf '%s\n' "$log_mark_all" | uniq -d | tr '\n' ' ')"
fi

sshd_stop 5
assert_eq "sshd and its connection processes are gone" "" "$(procs -c sshd -l)"
left=$(procs -u "$FIXTURE_UIDS" | tr '\n' ' ')
if [ -n "$left" ]; then
	fail "no fixture-user process survives the tests" "left: $left" "$(procs -l -u "$FIXTURE_UIDS")"
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
else
	pass "no fixture-user process survives the tests"
fi

e2e_teardown
trap - EXIT
if [ -d /sys/fs/cgroup ]; then
	leftover=$(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
		while read -r top; do [ -d "$top/$T_CGROUP_PARENT" ] && echo "$top/$T_CGROUP_PARENT"; done)
	assert_eq "fixture cgroups removed" "" "$leftover"
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
