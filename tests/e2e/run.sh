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

# shellcheck source=tests/lib/suite.sh
. "$repo/tests/lib/suite.sh"
suite_start e2e "setuid binary, mount namespaces, sshd; run: sudo make e2e" "$@"
[ -n "${SANDSH_TEST_INNER:-}" ] ||
	suite_outer e2e "scripts/deps.sh e2e installs what is missing" 600 \
		ssh scp sftp rsync tmux ssh-keygen /usr/sbin/sshd -- "$@"

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

suite_tests "$here" "$@"
suite_run write_e2e_policy tmux_stop

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
suite_no_procs "$FIXTURE_UIDS"
e2e_teardown
trap - EXIT
suite_finish
