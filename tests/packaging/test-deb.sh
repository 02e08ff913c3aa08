#!/bin/bash
# Builds the Debian packages (packaging/build-deb.sh, from a clean copy of
# the tree), inspects them, runs lintian, then really installs, reinstalls,
# removes and purges them with dpkg. dpkg runs in a private mount namespace
# where /etc, /usr and /var (and /lib, /bin, /sbin where they are not
# symlinks) are overlayfs mounts whose upper layers live in a temporary
# directory, so the host's files and dpkg database are never written; the
# test checks that afterwards.
# Usage: tests/packaging/test-deb.sh       (root; needs scripts/deps-pkg.sh deb)
# Ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || { echo "test-deb: SKIPPED: needs root (dpkg -i in a private mount namespace)"; exit 0; }
for tool in dpkg-buildpackage dh lintian unshare dpkg-deb; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps-pkg.sh deb)"
done

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
pamdir=/lib/$multiarch/security
work=$(mktemp -d /run/sandsh-test-deb.XXXXXX) || die "mktemp under /run"
trap 'rm -rf "$work"' EXIT

# Everything of the host a package installation could change.
host_state() {
	sha256sum /etc/shells /var/lib/dpkg/status /var/lib/dpkg/available 2>&1
	dpkg-query -W -f='${binary:Package} ${Status}\n' sandsh libpam-sandsh 2>&1
	ls -ld /usr/sbin/sandsh /etc/sandsh "$pamdir/pam_sandsh.so" /usr/share/man/man1/sandsh.1.gz \
		/usr/share/doc/sandsh 2>&1
	find /var/lib/dpkg/info -name 'sandsh.*' -o -name 'libpam-sandsh*' 2>&1
}
host_before=$(host_state)

# 1. Build.
if "$repo/packaging/build-deb.sh" "$work/out" >"$work/build.out" 2>&1; then
	ok "build the .debs (dpkg-buildpackage -us -uc -b in a clean copy)"
else
	fail "build the .debs"
	sed 's/^/     /' "$work/build.out"
	finish
fi
deb=$(ls "$work"/out/sandsh_*.deb)
pamdeb=$(ls "$work"/out/libpam-sandsh_*.deb 2>/dev/null)
[ -n "$pamdeb" ] || fail "libpam-sandsh was built (pam/ has the module)"

# 2. What is in them.
contents=$(dpkg-deb -c "$deb")
check "sandsh: /usr/sbin/sandsh is -rwsr-xr-x root/root" \
	grep -Eq '^-rwsr-xr-x root/root .* \./usr/sbin/sandsh$' <<<"$contents"
check "sandsh: /etc/sandsh/sandsh.conf is a conffile" \
	grep -qx /etc/sandsh/sandsh.conf <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)"
for f in usr/share/man/man1/sandsh.1.gz usr/share/man/man5/sandsh.conf.5.gz usr/share/doc/sandsh/examples/lab.conf; do
	check "sandsh: ships /$f" grep -q " \./$f\$" <<<"$contents"
done
check "sandsh: postinst runs add-shell, postrm remove-shell" bash -c \
	'dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./postinst | grep -q "add-shell /usr/sbin/sandsh" &&
	 dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./postrm | grep -q "remove-shell /usr/sbin/sandsh"' _ "$deb"
check "sandsh: version $version" test "$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')" = "$version"
if [ -n "$pamdeb" ]; then
	pcontents=$(dpkg-deb -c "$pamdeb")
	check "libpam-sandsh: ships $pamdir/pam_sandsh.so, mode 0644" \
		grep -Eq "^-rw-r--r-- root/root .* \.$pamdir/pam_sandsh\.so\$" <<<"$pcontents"
	check "libpam-sandsh: ships pam_sandsh(8)" grep -q ' \./usr/share/man/man8/pam_sandsh\.8\.gz$' <<<"$pcontents"
	check "libpam-sandsh: the man page is not in sandsh too" bash -c '! grep -q pam_sandsh <<<"$1"' _ "$contents"
fi

# 3. lintian: no errors (warnings and overrides are shown).
lintian --fail-on error --show-overrides "$work"/out/*.changes >"$work/lintian.out" 2>&1
lrc=$?
grep -v '^running with root privileges' "$work/lintian.out" | sed 's/^/     /'
check "lintian: no errors" test "$lrc" -eq 0 -a -z "$(grep '^E:' "$work/lintian.out")"

# 4. dpkg -i / -r / -P for real, in a private mount namespace.
inner() {
	set -u
	local w=$1 deb=$2 pamdeb=$3 version=$4 pamdir=$5 d n
	for d in /etc /usr /var /lib /lib64 /bin /sbin; do
		[ -d "$d" ] && [ ! -L "$d" ] || continue
		n=${d#/}
		mkdir -p "$w/ovl/$n/upper" "$w/ovl/$n/work" || return 1
		mount -t overlay "ovl-$n" -o "lowerdir=$d,upperdir=$w/ovl/$n/upper,workdir=$w/ovl/$n/work" "$d" || return 1
	done
	# dpkg must see a clean slate for sandsh inside too.
	if dpkg-query -W sandsh >/dev/null 2>&1; then
		dpkg --purge libpam-sandsh sandsh >/dev/null 2>&1
	fi

	shells_count() { grep -cx /usr/sbin/sandsh /etc/shells; }
	# run_dpkg "description" ARGS...: dpkg ARGS, its output shown on failure.
	run_dpkg() {
		local what=$1 rc
		shift
		dpkg "$@" >"$w/dpkg.log" 2>&1
		rc=$?
		say_check "$what" test $rc -eq 0
		[ $rc -eq 0 ] || sed 's/^/     /' "$w/dpkg.log"
	}
	installed() {
		say_check "install: /usr/sbin/sandsh is 4755 root root" \
			test "$(stat -c '%a %U %G' /usr/sbin/sandsh 2>&1)" = "4755 root root"
		say_check "install: /usr/sbin/sandsh listed once in /etc/shells" test "$(shells_count)" = 1
		say_check "install: /etc/sandsh/sandsh.conf registered as conffile" \
			grep -q '^ /etc/sandsh/sandsh.conf [0-9a-f]*$' <<<"$(dpkg-query -W -f='${Conffiles}\n' sandsh)"
		say_check "install: /etc/sandsh/sandsh.conf is 644 root root" \
			test "$(stat -c '%a %U %G' /etc/sandsh/sandsh.conf 2>&1)" = "644 root root"
		say_check "install: man finds sandsh(1), sandsh.conf(5)" \
			bash -c '{ man -w 1 sandsh && man -w 5 sandsh.conf; } >/dev/null 2>&1'
		say_check "install: sandsh --version" test "$(/usr/sbin/sandsh --version 2>&1)" = "sandsh $version"
		say_check "install: sandsh --check accepts the shipped policy" \
			test "$(/usr/sbin/sandsh --check 2>&1)" = "/etc/sandsh/sandsh.conf: OK"
		if [ -n "$pamdeb" ]; then
			say_check "install: $pamdir/pam_sandsh.so and pam_sandsh(8)" \
				bash -c 'test -f "$1/pam_sandsh.so" && man -w 8 pam_sandsh >/dev/null 2>&1' _ "$pamdir"
		fi
	}
	# No file (directories are shared) of the packages is left.
	gone() {
		local f left=""
		while read -r f; do
			[ -e "$f" ] && [ ! -d "$f" ] && left="$left $f"
		done < <(for d in "$deb" $pamdeb; do dpkg-deb --fsys-tarfile "$d" | tar -tf - | sed 's|^\.||'; done)
		[ -z "$left" ] || echo "     left behind:$left"
		[ -z "$left" ]
	}

	run_dpkg "dpkg -i sandsh ${pamdeb:+libpam-sandsh}" -i "$deb" $pamdeb
	installed
	run_dpkg "dpkg -i again (reinstall)" -i "$deb" $pamdeb
	installed

	run_dpkg "dpkg -r" -r ${pamdeb:+libpam-sandsh} sandsh
	say_check "remove: /usr/sbin/sandsh gone" test ! -e /usr/sbin/sandsh
	say_check "remove: not in /etc/shells" test "$(shells_count)" = 0
	say_check "remove: conffile kept (config-files state)" bash -c \
		'test -f /etc/sandsh/sandsh.conf && dpkg-query -W -f="\${Status}" sandsh | grep -q "config-files"'

	run_dpkg "dpkg -P" -P ${pamdeb:+libpam-sandsh} sandsh
	say_check "purge: /etc/sandsh gone" test ! -e /etc/sandsh
	say_check "purge: dpkg knows no sandsh" bash -c \
		'! dpkg-query -W -f="\${Status}\n" sandsh libpam-sandsh 2>/dev/null |
		  grep -Eq " (installed|config-files|half-installed|half-configured|unpacked|triggers-[a-z]*)\$"'
	say_check "purge: no file of the packages left" gone

	# Straight from installed to purged (postrm purge without remove first).
	run_dpkg "dpkg -i sandsh alone" -i "$deb"
	say_check "install again: in /etc/shells" test "$(shells_count)" = 1
	run_dpkg "dpkg -P from installed" -P sandsh
	say_check "purge: not in /etc/shells, /etc/sandsh gone" test "$(shells_count)" = 0 -a ! -e /etc/sandsh
}
export -f inner say_check
res=$(unshare --mount --propagation private bash -c 'inner "$@"' inner "$work" "$deb" "$pamdeb" "$version" "$pamdir" 2>&1)
rc=$?
relay <<<"$res"
[ $rc -eq 0 ] || fail "private mount namespace with overlays (exit $rc)"

# 5. The host.
host_after=$(host_state)
if [ "$host_after" = "$host_before" ]; then
	ok "host untouched: /etc/shells, dpkg database, installed files"
else
	fail "host untouched"
	diff <(echo "$host_before") <(echo "$host_after") | sed 's/^/     /'
fi
echo "     host: $(dpkg-query -W -f='${binary:Package} ${Status}' sandsh 2>&1 | head -1)"

finish
