# shellcheck shell=bash
# tests/unit/test_pam.c (cmocka + libpamtest under pam_wrapper) with the
# fixture policies that only root can write: the module's account and
# session decisions, each PAM transaction run by an unprivileged child.
# One result per cmocka test.

unit=$H_BUILD/tests/test_pam
if [ ! -x "$unit" ]; then
	skip "test_pam" "$unit not built (make pam-check builds it)"
elif [ ! -e /usr/lib/x86_64-linux-gnu/libpam_wrapper.so ] && ! ldconfig -p | grep -q libpam_wrapper.so; then
	skip "test_pam" "libpam_wrapper.so not installed (scripts/deps.sh pam-unit)"
else
	log_mark
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SANDSH_PAM_MODULE="$PAM_MODULE" \
		SANDSH_PAM_UNIT_HERMETIC=1 SANDSH_PAM_UNIT_ROOTFS="$T_ROOTFS" SANDSH_PAM_UNIT_LOG="$T_LOG" \
		SANDSH_PAM_UNIT_CGROUP_PARENT="$T_CGROUP_PARENT" \
		timeout -k 5 60 "$unit" >"$T_WORK/unit-out" 2>"$T_WORK/unit-err"
	status=$?
	n=0
	cp "$T_WORK/unit-out" "$T_WORK/unit-lines"
	while read -r line; do
		case "$line" in
		*"test(s)"*) ;;
		"[       OK ] "*) pass "${line#*] }"; n=$((n + 1)) ;;
		"[  FAILED  ] "*)
			fail "${line#*] }" "$(grep -B3 -F "[  FAILED  ] ${line#*] }" "$T_WORK/unit-out" | head -5)" \
				"stderr: $(grep -v '^PWRAP_ERROR' "$T_WORK/unit-err" | tail -5)"
			n=$((n + 1))
			;;
		"[  SKIPPED ] "*) skip "${line#*] }" "skipped by test_pam"; n=$((n + 1)) ;;
		esac
	done <"$T_WORK/unit-lines"
	if [ "$n" = 0 ] || { [ "$status" != 0 ] && ! grep -q FAILED "$T_WORK/unit-out"; }; then
		fail "test_pam ran" "status $status" "$(tail -20 "$T_WORK/unit-out")" "$(tail -20 "$T_WORK/unit-err")"
	fi
fi
# The unit test leaves the policy file removed; the next file rewrites it.
