# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# Issue 18 item 4 through a real service: login -h HOST sets PAM_RHOST to
# whatever its caller passes. A host name with a control character or of
# 1 KB is refused (no session, nothing runs, one denied/error line naming
# PAM_RHOST), never truncated or logged; a plain one still works. The
# other values (3000-byte and \v PAM_TTY, PAM_SERVICE, PAM_USER spellings)
# are set directly with pam_set_item in tests/unit/test_pam.c (t-unit).

# login_h HOST: `login -h HOST -f sbuser1` (login_run), typing a command
# that prints "LOGIN-RAN" (its echo on the terminal does not contain that
# word); sets STATUS, OUT and RAN (yes/no).
login_h() {
	LOGIN_HOST=$1 login_run sbuser1 'echo "LOGIN""-RAN"'
	RAN=no
	printf '%s\n' "$OUT" | grep -qx LOGIN-RAN && RAN=yes
}

# refused_rhost DESC HOST
refused_rhost() {
	log_mark
	login_h "$2"
	assert_eq "$1: nothing ran" "no" "$RAN"
	assert_log_contains "$1: a denied/error line naming PAM_RHOST" \
		"^(denied|error) user=sbuser1 uid=61001 reason=.*PAM_RHOST"
	assert_eq "$1: exactly one such line, no session opened" "1 0" \
		"$(log_since | grep -c -E '^(denied|error) user=sbuser1 ') $(log_since | grep -c '^session open ')"
	assert_eq "$1: no log line longer than 1024 bytes" "" "$(log_since | awk 'length($0) > 1024 { print NR }')"
	assert_clean "$1"
}

log_mark
login_h client.example.org
assert_eq "login -h client.example.org: the session runs" "yes" "$RAN"
assert_log_contains "login -h client.example.org: from= in the open line" \
	"^session open id=[0-9a-f]+ user=sbuser1 uid=61001 via=pam .* from=client\\.example\\.org "
assert_clean "login -h client.example.org"

refused_rhost "login -h with a vertical tab" "$(printf 'evil\vfrom=10.6.6.6')"
refused_rhost "login -h with a newline" "$(printf 'evil\nsession open id=deadbeef')"
refused_rhost "login -h of 1 KB" "$(head -c 1024 /dev/zero | tr '\0' a)"
