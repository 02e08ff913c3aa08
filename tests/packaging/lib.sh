# Helpers shared by tests/packaging/test-*.sh: counters and the closing
# "N passed, N failed" line. Source it; call ok/fail/check, then finish.
# shellcheck shell=bash

T_PASSED=0
T_FAILED=0

ok() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok   - $*"
}

fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL - $*"
}

# check "description" command...: runs the command, passes when it exits 0.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# Prints the closing line and exits non-zero if anything failed.
finish() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit
}

# Aborts the whole script (counts as one failure) when a precondition is not met.
die() {
	echo "error: $*" >&2
	T_FAILED=$((T_FAILED + 1))
	finish
}

# Counts the "ok   - " / "FAIL - " lines another process printed (one that
# ran in a private namespace) and passes every other line through.
relay() {
	local l
	while IFS= read -r l; do
		case $l in
		"ok   - "*) ok "${l#ok   - }" ;;
		"FAIL - "*) fail "${l#FAIL - }" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done
}

# In a process whose counters are not ours (inside unshare): print only.
say_check() {
	local what=$1
	shift
	if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fi
}

# check_ok_line OUTPUT: sandsh --check of the default policy said it is OK
# first; what may follow is only its audit of this host's sshd ("ssh
# audit: ..." and "side door: ..." lines, docs/ssh.md), which depends on
# the host, not on the package.
check_ok_line() {
	if [ "$(printf '%s\n' "$1" | head -n 1)" = "/etc/sandsh/sandsh.conf: OK" ] &&
		! printf '%s\n' "$1" | tail -n +2 | grep -v -E '^(ssh audit|side door): ' | grep -q .; then
		return 0
	fi
	printf '%s\n' "$1" | sed 's/^/     said: /'
	return 1
}
