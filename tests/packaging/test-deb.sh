#!/bin/bash
# Builds the Debian packages (packaging/build-deb.sh, from a clean copy of
# the tree, with dpkg's default build flags and no workaround in
# debian/rules), inspects them, runs lintian (and blhc on the build log when
# it is installed), then really installs, reinstalls, removes and purges
# them with dpkg: the policy /etc/sandsh/sandsh.conf is the package's only
# when the package wrote it (never a conffile, no prompt, a purge keeps any
# other), and `make install` and the packages refuse each other. dpkg runs in
# a private mount namespace where /etc, /usr and /var (and /lib, /bin, /sbin
# where they are not symlinks) are overlayfs mounts whose upper layers live
# in a temporary directory, so the host's files and dpkg database are never
# written; the test checks that afterwards.
# Usage: tests/packaging/test-deb.sh       (root; needs scripts/deps.sh deb)
# Ends with "N passed, N failed".
set -u
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || { echo "test-deb: SKIPPED: needs root (dpkg -i in a private mount namespace)"; exit 0; }
for tool in dpkg-buildpackage dh lintian unshare dpkg-deb; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh deb)"
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
	ls -ld /var/lib/sandsh /usr/local/sbin/sandsh /usr/share/sandsh 2>&1
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
check "debian/rules carries no workaround (no deps stamp, no fortify switch-off)" \
	bash -c '! grep -Eq "\.deps-|fortify|touch " "$1"' _ "$repo/packaging/debian/rules"
check "the build log shows dpkg's flags on every compile (V=1)" \
	grep -q -- "-D_FORTIFY_SOURCE=2 .*-ffile-prefix-map=.*-c -o build/obj/args.o src/args.c" "$work/out/sandsh-deb-build.log"
if command -v blhc >/dev/null; then
	check "blhc: every compile and link with dpkg's hardening flags" blhc --all "$work/out/sandsh-deb-build.log"
else
	echo "skip - blhc not installed"
fi
deb=$(ls "$work"/out/sandsh_*.deb)
pamdeb=$(ls "$work"/out/libpam-sandsh_*.deb 2>/dev/null)
[ -n "$pamdeb" ] || fail "libpam-sandsh was built (pam/ has the module)"

# 2. What is in them.
contents=$(dpkg-deb -c "$deb")
check "sandsh: /usr/sbin/sandsh is -rwsr-xr-x root/root" \
	grep -Eq '^-rwsr-xr-x root/root .* \./usr/sbin/sandsh$' <<<"$contents"
check "sandsh: no conffile, nothing under /etc" bash -c \
	'! dpkg-deb --ctrl-tarfile "$1" | tar -tf - | grep -q conffiles && ! grep -q " \./etc/" <<<"$2"' _ "$deb" "$contents"
for f in usr/share/man/man1/sandsh.1.gz usr/share/man/man5/sandsh.conf.5.gz usr/share/doc/sandsh/examples/lab.conf \
	usr/share/sandsh/sandsh.conf.default; do
	check "sandsh: ships /$f" grep -q " \./$f\$" <<<"$contents"
done
check "sandsh: the default policy is conf/sandsh.conf" bash -c \
	'cmp -s <(dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/share/sandsh/sandsh.conf.default) "$2"' \
	_ "$deb" "$repo/conf/sandsh.conf"
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

# 4. dpkg -i / -r / -P for real, in a private mount namespace; `make
# install` from a build of the checkout in $work/build.
make -s -C "$repo" BUILD="$work/build" >"$work/make.out" 2>&1 || { sed 's/^/     /' "$work/make.out"; die "make"; }
inner() {
	set -u
	local w=$1 deb=$2 pamdeb=$3 version=$4 pamdir=$5 repo=$6 d n conf record before
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
		say_check "install: no conffile" test -z "$(dpkg-query -W -f='${Conffiles}' sandsh)"
		say_check "install: /etc/sandsh/sandsh.conf is 644 root root" \
			test "$(stat -c '%a %U %G' /etc/sandsh/sandsh.conf 2>&1)" = "644 root root"
		say_check "install: man finds sandsh(1), sandsh.conf(5)" \
			bash -c '{ man -w 1 sandsh && man -w 5 sandsh.conf; } >/dev/null 2>&1'
		say_check "install: sandsh --version" test "$(/usr/sbin/sandsh --version 2>&1)" = "sandsh $version"
		say_check "install: sandsh --check accepts the shipped policy" \
			check_ok_line "$(/usr/sbin/sandsh --check 2>&1)"
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

	conf=/etc/sandsh/sandsh.conf
	record=/var/lib/sandsh/sandsh.conf.sha256
	mk() { make -s -C "$repo" BUILD="$w/build" "$@" >"$w/make.log" 2>&1; }
	# run_dpkg_fails "description" PATTERN ARGS...: dpkg ARGS fails, saying PATTERN.
	run_dpkg_fails() {
		local what=$1 pat=$2 rc
		shift 2
		dpkg "$@" </dev/null >"$w/dpkg.log" 2>&1
		rc=$?
		say_check "$what" bash -c '[ "$1" != 0 ] && grep -q -- "$2" "$3"' _ $rc "$pat" "$w/dpkg.log"
		[ $rc != 0 ] || sed 's/^/     /' "$w/dpkg.log"
	}
	not_installed() {
		! dpkg-query -W -f='${Status}\n' sandsh libpam-sandsh 2>/dev/null |
			grep -Eq " (installed|config-files|half-installed|half-configured|unpacked|triggers-[a-z]*)\$"
	}

	# A. `make install PREFIX=/usr` first: the packages refuse to overwrite it.
	mk install PREFIX=/usr
	say_check "make install PREFIX=/usr" test -u /usr/sbin/sandsh -a -f "$pamdir/pam_sandsh.so"
	run_dpkg_fails "dpkg -i sandsh over a make install: refused" "make uninstall PREFIX=/usr" -i "$deb"
	if [ -n "$pamdeb" ]; then
		run_dpkg_fails "dpkg -i libpam-sandsh over a make install: refused" "make uninstall" -i "$pamdeb"
	fi
	say_check "refused: dpkg knows no sandsh, the make install is intact" bash -c \
		'! dpkg-query -W -f="\${Status}\n" sandsh libpam-sandsh 2>/dev/null | grep -q " installed$" &&
		 test -u /usr/sbin/sandsh -a -f "$1/pam_sandsh.so"' _ "$pamdir"
	mk uninstall PREFIX=/usr
	say_check "make uninstall PREFIX=/usr: files gone, the policy kept" bash -c \
		'test ! -e /usr/sbin/sandsh -a ! -e "$1/pam_sandsh.so" -a -f /etc/sandsh/sandsh.conf &&
		 grep -q "kept /etc/sandsh/sandsh.conf" "$2"' _ "$pamdir" "$w/make.log"

	# B. A policy the package did not write: untouched, and kept on purge.
	echo "# local change" >>"$conf"
	before=$(sha256sum <"$conf")
	run_dpkg "dpkg -i sandsh ${pamdeb:+libpam-sandsh} (a policy is there)" -i "$deb" $pamdeb
	installed
	say_check "install: the policy that was there is untouched, not recorded as the package's" \
		test "$(sha256sum <"$conf")" = "$before" -a ! -e "$record"
	mk install
	say_check "make install while the packages are installed: refused" bash -c \
		'grep -q "make install: the package(s) .*sandsh.* are installed" "$1" && test ! -e /usr/local/sbin/sandsh' \
		_ "$w/make.log"
	mk uninstall PREFIX=/usr
	say_check "make uninstall PREFIX=/usr leaves the packages' files alone" bash -c \
		'test -u /usr/sbin/sandsh -a -f "$1/pam_sandsh.so" && grep -q "keeping /usr/sbin/sandsh (a package owns it)" "$2"' \
		_ "$pamdir" "$w/make.log"
	run_dpkg "dpkg -P (a policy the package did not write)" -P ${pamdeb:+libpam-sandsh} sandsh
	say_check "purge: that policy kept, as it was" test "$(sha256sum <"$conf" 2>&1)" = "$before"
	say_check "purge: /var/lib/sandsh gone" test ! -e /var/lib/sandsh
	rm -rf /etc/sandsh

	# C. No policy yet: the package writes the default, and owns it.
	run_dpkg "dpkg -i sandsh ${pamdeb:+libpam-sandsh}" -i "$deb" $pamdeb
	installed
	say_check "install: the policy is the default, recorded as the package's" bash -c \
		'cmp -s /etc/sandsh/sandsh.conf /usr/share/sandsh/sandsh.conf.default &&
		 test "$(sha256sum </etc/sandsh/sandsh.conf)" = "$(cat "$1")"' _ "$record"
	run_dpkg "dpkg -i again (reinstall)" -i "$deb" $pamdeb
	installed
	echo "# local change" >>"$conf"
	before=$(sha256sum <"$conf")
	run_dpkg "dpkg -i again, the policy changed, stdin not a terminal (no prompt)" -i "$deb" $pamdeb
	say_check "reinstall: the changed policy kept" test "$(sha256sum <"$conf")" = "$before"

	run_dpkg "dpkg -r" -r ${pamdeb:+libpam-sandsh} sandsh
	say_check "remove: /usr/sbin/sandsh gone" test ! -e /usr/sbin/sandsh
	say_check "remove: not in /etc/shells" test "$(shells_count)" = 0
	say_check "remove: the changed policy kept" test "$(sha256sum <"$conf" 2>&1)" = "$before"
	run_dpkg "dpkg -P" -P ${pamdeb:+libpam-sandsh} sandsh
	say_check "purge: the changed policy kept" test "$(sha256sum <"$conf" 2>&1)" = "$before"
	say_check "purge: dpkg knows no sandsh" not_installed
	say_check "purge: no file of the packages left" gone
	rm -rf /etc/sandsh

	# D. The policy the package wrote, unchanged: purged with the package.
	run_dpkg "dpkg -i sandsh alone" -i "$deb"
	say_check "install again: in /etc/shells, the default policy" \
		bash -c 'test "$(grep -cx /usr/sbin/sandsh /etc/shells)" = 1 && test -f /etc/sandsh/sandsh.conf'
	rm -f "$conf"
	run_dpkg "dpkg -i again after the administrator removed the policy" -i "$deb"
	say_check "reinstall: a policy the administrator removed is not written again" test ! -e "$conf"
	run_dpkg "dpkg -P" -P sandsh
	run_dpkg "dpkg -i sandsh alone, after a purge" -i "$deb"
	say_check "after a purge: the default policy is written again" test -f "$conf"
	run_dpkg "dpkg -P from installed" -P sandsh
	say_check "purge: not in /etc/shells; the package's unchanged policy, /etc/sandsh and /var/lib/sandsh gone" \
		test "$(shells_count)" = 0 -a ! -e /etc/sandsh -a ! -e /var/lib/sandsh
	say_check "purge: dpkg knows no sandsh" not_installed
}
export -f inner say_check check_ok_line
res=$(unshare --mount --propagation private bash -c 'inner "$@"' inner "$work" "$deb" "$pamdeb" "$version" "$pamdir" "$repo" 2>&1)
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
