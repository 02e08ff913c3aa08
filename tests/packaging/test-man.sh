#!/bin/bash
# Lints the man pages (mandoc -Tlint, groff warnings through man) and checks
# that they keep up with the code: every policy key, setting and mount key of
# src/policy.c is documented in sandsh.conf(5), every option of src/args.c in
# sandsh(1), and every page carries the Makefile's VERSION.
# Usage: tests/packaging/test-man.sh          (needs: scripts/deps-pkg.sh man)
# Ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

man=$repo/man
pages=("$man/sandsh.1" "$man/sandsh.conf.5" "$man/pam_sandsh.8")

command -v mandoc >/dev/null || die "mandoc not found (scripts/deps-pkg.sh man)"
command -v man >/dev/null || die "man not found (scripts/deps-pkg.sh man)"

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")

for p in "${pages[@]}"; do
	name=${p##*/}
	if [ ! -f "$p" ]; then
		fail "$name exists"
		continue
	fi
	out=$(mandoc -Tlint -W all "$p" 2>&1)
	if [ -z "$out" ]; then ok "mandoc -Tlint $name"; else fail "mandoc -Tlint $name"; printf '%s\n' "$out" | sed 's/^/     /'; fi
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -E UTF-8 -l "$p" 2>&1 >/dev/null)
	if [ -z "$out" ]; then ok "man --warnings $name"; else fail "man --warnings $name"; printf '%s\n' "$out" | sed 's/^/     /'; fi
	check "$name: .TH says sandsh $version" grep -q "^\.TH .* \"sandsh $version\"" "$p"
done

# The policy keys, from the table in src/policy.c.
conf5=$man/sandsh.conf.5
mapfile -t keys < <(sed -n 's/^\t\[SANDSH_K_[A-Z_]*\] = { "\([a-z_]*\)", KIND_.*/\1/p' "$repo/src/policy.c")
[ "${#keys[@]}" -ge 19 ] || fail "found the policy keys in src/policy.c (got ${#keys[@]})"
missing=""
for k in "${keys[@]}"; do
	grep -q "^\.BR $k \" (" "$conf5" || missing="$missing $k"
done
check "sandsh.conf(5) documents every policy key (${#keys[@]})${missing:+, missing:$missing}" test -z "$missing"

missing=""
for k in cgroup_parent allow_root log_facility; do
	grep -q "strcmp(kn, \"$k\")" "$repo/src/policy.c" || missing="$missing (gone from code: $k)"
	grep -q "^\.BR $k \" (" "$conf5" || missing="$missing $k"
done
for k in $(sed -n 's/^static const char \*const mount_keys\[\] = { \(.*\) };/\1/p' "$repo/src/policy.c" | tr -d '",'); do
	grep -q "^\.BR $k \" (" "$conf5" || missing="$missing mounts.$k"
done
check "sandsh.conf(5) documents the settings and mount keys${missing:+, missing:$missing}" test -z "$missing"

missing=""
for f in $(grep -o '"auth[a-z]*"\|"daemon"\|"user"\|"local[0-7]"' "$repo/src/policy.c" | tr -d '"' | sort -u); do
	case $f in local[1-6]) continue ;; esac
	grep -q "^\.BR* $f" "$conf5" || missing="$missing $f"
done
check "sandsh.conf(5) lists the log facilities${missing:+, missing:$missing}" test -z "$missing"

missing=""
denied=$(sed -n '/^static const char \*const denied\[\] = {/,/^};/p' "$repo/tools/seccomp-gen.c" | grep -o '"[a-z0-9_]*"' | tr -d '"')
check "the seccomp rules' list of denied calls is found ($(echo "$denied" | wc -w) calls)" test "$(echo "$denied" | wc -w)" -ge 30
for sc in $denied; do
	grep -q "^\.BR $sc ,\?\$" "$conf5" || missing="$missing $sc"
done
check "sandsh.conf(5) lists every system call of the seccomp filter${missing:+, missing:$missing}" test -z "$missing"

# The options, from src/args.c.
sandsh1=$man/sandsh.1
missing=""
for o in $(grep -o '"--[a-z-]*"\|"-c"' "$repo/src/args.c" | tr -d '"' | sort -u); do
	[ "$o" = "--" ] && continue
	esc=${o//-/\\\\-}
	grep -q -- "$esc" "$sandsh1" || missing="$missing $o"
done
check "sandsh(1) documents every option${missing:+, missing:$missing}" test -z "$missing"

missing=""
for s in 125 126 127; do
	grep -q "^\.B $s\$" "$sandsh1" || missing="$missing $s"
done
check "sandsh(1) documents exit statuses 125-127${missing:+, missing:$missing}" test -z "$missing"

if compgen -G "$repo/pam/*.c" >/dev/null; then
	check "pam_sandsh(8) no longer calls the module unshipped once pam/ has code" \
		bash -c '! grep -q "is not shipped" "$1"' _ "$man/pam_sandsh.8"
fi

finish
