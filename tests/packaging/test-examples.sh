#!/bin/bash
# Checks the example policies in conf/examples/ with the built sandsh:
#  1. `sandsh --check FILE` accepts every *.conf (copied to a root-owned 0700
#     directory under /run, since the policy walk refuses a checkout that is
#     group/other-writable or under /tmp);
#  2. `sandsh --explain USER` resolves each one for fixture users. That runs
#     in a private mount namespace with an overlayfs over /etc (fixture users
#     and groups, /etc/sandsh/sandsh.conf) and a tmpfs over /srv (the
#     rootfs directories), so the host is not touched; this is verified;
#  3. sftp-only-shell parses and refuses anything but sftp-server/rsync;
#  4. real sessions with each example (live-examples.sh, through
#     tests/integration/run.sh and its hermetic fixture; skipped without
#     busybox-static).
# The EXAMPLES policy of sandsh.conf(5) is checked with --check too.
# Usage: tests/packaging/test-examples.sh [BUILD_DIR]   (root; default: build)
# Ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

build=${1:-$repo/build}
sandsh=$(cd "$build" 2>/dev/null && pwd)/sandsh
examples=$repo/conf/examples

[ "$(id -u)" = 0 ] || { echo "test-examples: SKIPPED: needs root (sandsh --check is root only)"; exit 0; }
[ -x "$sandsh" ] || die "$build/sandsh not built (run make)"
command -v unshare >/dev/null || die "unshare not found (apt-get install util-linux)"

work=$(mktemp -d /run/sandsh-examples.XXXXXX) || die "mktemp under /run"
trap 'rm -rf "$work"' EXIT
chmod 0700 "$work"

confs=("$examples"/*.conf)
[ -e "${confs[0]}" ] || die "no example policies in $examples"

# 1. --check, each file from a root-owned copy.
for f in "${confs[@]}"; do
	name=${f##*/}
	install -m 0644 -o root -g root "$f" "$work/$name"
	if out=$("$sandsh" --check "$work/$name" 2>&1) && [ "$out" = "$work/$name: OK" ]; then
		ok "--check $name"
	else
		fail "--check $name"
		printf '%s\n' "$out" | sed 's/^/     /'
	fi
done

# The example in sandsh.conf(5), too.
awk '/^A machine where students/ { f = 1 } f && /^\.EX/ { g = 1; next } g && /^\.EE/ { exit } g' \
	"$repo/man/sandsh.conf.5" | sed 's/\\-/-/g' >"$work/man-example.conf"
if [ -s "$work/man-example.conf" ] &&
	out=$("$sandsh" --check "$work/man-example.conf" 2>&1) && [ "$out" = "$work/man-example.conf: OK" ]; then
	ok "--check the EXAMPLES policy of sandsh.conf(5)"
else
	fail "--check the EXAMPLES policy of sandsh.conf(5)"
	printf '%s\n' "${out:-empty}" | sed 's/^/     /'
fi

# No policy we ship or show names a group Debian itself has (base-passwd's
# list: staff, users, adm, sudo, ...): copied, it would exempt or restrict
# that group's members by surprise.
section_groups() { # the names of the groups = { ... } sections of a policy on stdin
	awk '/^groups *= *\{/ { g = 1; next } g && /^\};/ { g = 0 }
		g && match($0, /^  [A-Za-z][-A-Za-z0-9_\\]* *= *\{/) { n = $1; sub(/=.*/, "", n); print n }' |
		sed 's/\\-/-/g'
}
sysgroups=$(cut -d: -f1 /usr/share/base-passwd/group.master 2>/dev/null)
if [ -z "$sysgroups" ]; then
	fail "Debian's system groups: /usr/share/base-passwd/group.master not readable"
else
	for f in "$repo/conf/sandsh.conf" "${confs[@]}" "$work/man-example.conf" README.md; do
		if [ "$f" = README.md ]; then
			names=$(awk '/^## Policy/ { p = 1 } p && /^```/ { if (b) exit; b = 1; next } b' "$repo/README.md" |
				section_groups)
		else
			names=$(section_groups <"$f")
		fi
		clash=$(comm -12 <(sort -u <<<"$names") <(sort -u <<<"$sysgroups") | tr '\n' ' ')
		if [ -n "$names" ] && [ -z "$clash" ]; then
			ok "${f##*/}: no group section is a Debian system group ($(paste -s -d " " <<<"$names"))"
		else
			fail "${f##*/}: group sections that are Debian system groups: ${clash:-none found at all}"
		fi
	done
fi

# 2. --explain in a private mount namespace.
host_state() {
	sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>&1
	ls -la /etc/sandsh /srv 2>&1
}
host_before=$(host_state)

inner() {
	set -u
	local w=$1 sandsh=$2 examples=$3
	mkdir -p "$w/upper" "$w/work" || return 1
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$w/upper,workdir=$w/work" /etc || return 1
	mount -t tmpfs -o mode=0755 tmpfs /srv || return 1
	for r in lab shell sftp bastion; do mkdir -p "/srv/sandsh/$r"; done
	mkdir -p /etc/sandsh

	# Fixture accounts: name, then groups (which may exist already).
	for g in students exam sandsh-exempt trial sftponly bastion; do
		getent group "$g" >/dev/null || groupadd "$g" || return 1
	done
	add() {
		local u=$1
		shift
		local gs
		gs=$(
			IFS=,
			echo "$*"
		)
		useradd -M -N -l -g users -d "/home/$u" -s /bin/sh ${gs:+-G "$gs"} "$u" || return 1
	}
	add tx-stud students || return 1
	add tx-exam students exam || return 1
	add tx-ta students sandsh-exempt || return 1
	add tx-user || return 1
	add tx-trial trial || return 1
	add tx-admin sandsh-exempt || return 1
	add tx-sftp sftponly || return 1
	add tx-jump bastion || return 1

	# explain FILE USER EXPECTED-LINE...: --explain exits 0 and prints each line.
	explain() {
		local conf=$1 user=$2 out line bad=""
		shift 2
		install -m 0644 "$examples/$conf" /etc/sandsh/sandsh.conf
		if ! out=$("$sandsh" --explain "$user" 2>&1); then
			echo "FAIL - --explain $user with $conf (exit status)"
			printf '%s\n' "$out" | sed 's/^/     /'
			return
		fi
		for line in "$@"; do
			grep -qxF -- "$line" <<<"$(sed 's/  #.*//' <<<"$out")" || bad="$bad [$line]"
		done
		if [ -n "$bad" ]; then
			echo "FAIL - --explain $user with $conf: missing$bad"
			printf '%s\n' "$out" | sed 's/^/     /'
		else
			echo "ok   - --explain $user with $conf"
		fi
	}

	explain lab.conf tx-stud 'hostname = "lab-tx-stud";' 'pids_max = 64;' 'max_sessions = 3;' 'net = "host";'
	explain lab.conf tx-exam 'net = "none";' 'max_sessions = 1;'
	explain lab.conf tx-ta 'sandbox = false;'
	explain lab.conf tx-user 'pids_max = 256;' 'home = "/home/tx-user";'
	explain shell-server.conf tx-user "hostname = \"$(uname -n | cut -d. -f1)\";" 'home = "/home/tx-user";' 'pids_max = 48;'
	explain shell-server.conf tx-trial 'net = "none";' 'pids_max = 24;' 'timeout = 3600;'
	explain shell-server.conf tx-admin 'sandbox = false;'
	explain sftp-only.conf tx-sftp 'allow = true;' 'home = "/data";' 'net = "none";' \
		'shell = "/usr/local/libexec/sftp-only-shell";'
	explain sftp-only.conf tx-user 'allow = false;'
	explain bastion.conf tx-jump 'allow = true;' 'home = "/home/tx-jump";' 'timeout = 1800;' 'net = "host";'
	explain bastion.conf tx-user 'allow = false;'
}
export -f inner
res=$(unshare --mount --propagation private bash -c 'inner "$@"' inner "$work" "$sandsh" "$examples" 2>&1)
rc=$?
relay <<<"$res"
[ $rc -eq 0 ] || fail "private namespace set-up (exit $rc)"
check "host /etc and /srv untouched" test "$(host_state)" = "$host_before"

# 3. The sftp-only policy shell.
shell=$examples/sftp-only-shell
check "sftp-only-shell: sh -n" sh -n "$shell"
refuses() {
	local out
	if out=$(sh "$shell" "$@" 2>&1 </dev/null); then
		fail "sftp-only-shell refuses [$*] (it exited 0)"
	elif [ "$out" = "This account is for sftp and rsync only." ]; then
		ok "sftp-only-shell refuses [$*]"
	else
		fail "sftp-only-shell refuses [$*]: $out"
	fi
}
refuses
refuses -c ls
refuses -c "/bin/sh -i"
refuses -c "rsync --daemon"
refuses -c "/usr/lib/openssh/sftp-server; sh"
refuses -i

# 4. Real sessions with each example (tests/packaging/live-examples.sh),
# through the integration harness: private mount and PID namespaces,
# fixture users, a busybox rootfs, host state checked before and after.
if [ -x /bin/busybox ] && [ -x "$repo/tests/integration/run.sh" ] && [ -f "$repo/tests/lib/hermetic.sh" ]; then
	live=$("$repo/tests/integration/run.sh" "$build" "$here/live-examples.sh" 2>&1)
	lrc=$?
	while IFS= read -r l; do
		case $l in
		"ok "[0-9-]*" # SKIP"*) echo "skip - ${l#ok * - }" ;;
		"ok "[0-9-]*) ok "${l#ok * - }" ;;
		"not ok "*) fail "${l#not ok * - }" ;;
		"#   "*) echo "    ${l#\#}" ;;
		*" passed, "*" failed"*) ;;
		*) echo "     $l" ;;
		esac
	done <<<"$live"
	[ $lrc -eq 0 ] || [ "$T_FAILED" -gt 0 ] || fail "live: tests/integration/run.sh exit status $lrc"
else
	echo "skip - live sessions: need busybox-static and tests/integration (scripts/deps.sh check)"
fi

finish
