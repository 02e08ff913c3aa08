#!/bin/bash
# Builds the RPM packages with Debian's rpm (packaging/build-rpm.sh: a
# tarball of the tree, `rpmbuild -bb --nodeps`, since rpm's database on
# Debian knows none of the Debian packages that satisfy the BuildRequires),
# checks them with rpm -qp (setuid mode, man pages, scriptlets) and rpmlint
# (packaging/rpm/sandsh.rpmlintrc: no error), then installs and erases
# sandsh with `rpm -i/-e` in a private mount namespace whose /etc, /usr and
# /var are overlayfs mounts (upper layers in a temporary directory) with
# rpm's database in that directory, so the host is not touched; this is
# verified. There, the policy /etc/sandsh/sandsh.conf is the package's only
# when the package wrote it (an erase keeps any other, and leaves no
# .rpmsave), and `make install` and the packages refuse each other.
# Usage: tests/packaging/test-rpm.sh     (root; needs scripts/deps.sh rpm deb)
# Ends with "N passed, N failed".
set -u
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || { echo "test-rpm: SKIPPED: needs root (the Makefile installs setuid root; rpm -i in a namespace)"; exit 0; }
for tool in rpmbuild rpm unshare; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh rpm)"
done

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
work=$(mktemp -d /run/sandsh-test-rpm.XXXXXX) || die "mktemp under /run"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rpmdb"
# rpm -qp opens a database too: keep it out of $HOME.
q() { rpm --dbpath "$work/rpmdb" "$@"; }

host_state() {
	sha256sum /etc/shells 2>&1
	ls -ld /usr/sbin/sandsh /etc/sandsh /usr/lib64/security/pam_sandsh.so /root/.rpmdb /var/lib/rpm/* \
		/var/lib/sandsh /usr/share/sandsh 2>&1
}
host_before=$(host_state)

# 1. Build.
if "$repo/packaging/build-rpm.sh" "$work/out" >"$work/build.out" 2>&1; then
	ok "rpmbuild -bb (--nodeps on Debian) from a tarball of the tree"
else
	fail "rpmbuild -bb"
	sed 's/^/     /' "$work/build.out"
	finish
fi
shopt -s nullglob
rpms=("$work"/out/sandsh-"$version"-*.rpm)
pamrpms=("$work"/out/sandsh-pam-"$version"-*.rpm)
shopt -u nullglob
rpmfile=${rpms[0]:-}
pamrpm=${pamrpms[0]:-}
[ -n "$rpmfile" ] || die "no sandsh-$version rpm built"

# 2. What is in it.
list=$(q -qlpv "$rpmfile" 2>&1)
flags=$(q -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpmfile" 2>&1)
check "sandsh: /usr/sbin/sandsh is -rwsr-xr-x root root" \
	grep -Eq '^-rwsr-xr-x +1 root +root .* /usr/sbin/sandsh$' <<<"$list"
check "sandsh: nothing under /etc (the policy is written by %post)" bash -c '! grep -q " /etc/" <<<"$1"' _ "$list"
check "sandsh: ships /usr/share/sandsh/sandsh.conf.default" grep -q ' /usr/share/sandsh/sandsh.conf.default$' <<<"$flags"
for m in /usr/share/man/man1/sandsh.1 /usr/share/man/man5/sandsh.conf.5; do
	check "sandsh: ships $m (documentation)" grep -Eq "^d $m(\.gz)?\$" <<<"$flags"
done
check "sandsh: ships the example policies" grep -q '/examples/lab.conf$' <<<"$flags"
scripts=$(q -qp --scripts "$rpmfile" 2>&1)
check "sandsh: %post adds to /etc/shells, %postun removes" bash -c \
	'grep -q ">>/etc/shells" <<<"$1" && grep -q "sed -i .*/usr/sbin/sandsh.* /etc/shells" <<<"$1"' _ "$scripts"
check "sandsh: version $version" test "$(q -qp --qf '%{VERSION}' "$rpmfile" 2>&1)" = "$version"
if [ -n "$pamrpm" ]; then
	plist=$(q -qlp "$pamrpm" 2>&1)
	check "sandsh-pam: ships pam_sandsh.so in %{_libdir}/security, -rwxr-xr-x root root" \
		grep -Eq '^-rwxr-xr-x +1 root +root .* /usr/lib64/security/pam_sandsh.so$' <<<"$(q -qlpv "$pamrpm" 2>&1)"
	check "sandsh-pam: ships pam_sandsh(8)" grep -Eq '^/usr/share/man/man8/pam_sandsh\.8(\.gz)?$' <<<"$plist"
	check "sandsh-pam: requires sandsh of the same version" \
		grep -q "^sandsh(x86-64) = $version-" <<<"$(q -qpR "$pamrpm" 2>&1)"
else
	fail "sandsh-pam was built"
fi

# 3. rpmlint, with the filters (and their reasons) of the packaging.
if command -v rpmlint >/dev/null; then
	rpmlint -r "$repo/packaging/rpm/sandsh.rpmlintrc" "$rpmfile" ${pamrpm:+"$pamrpm"} \
		"$repo/packaging/rpm/sandsh.spec" >"$work/rpmlint.out" 2>&1
	grep -E ': (E|W): |errors, ' "$work/rpmlint.out" | sed 's/^/     /'
	check "rpmlint: no errors" grep -q ' 0 errors, ' "$work/rpmlint.out"
else
	echo "skip - rpmlint not installed"
fi

# 4. rpm -i / -e for real, in a private mount namespace; `make install`
# from a build of the checkout in $work/build.
make -s -C "$repo" BUILD="$work/build" >"$work/make.out" 2>&1 || { sed 's/^/     /' "$work/make.out"; die "make"; }
inner() {
	set -u
	local w=$1 rpmfile=$2 pamrpm=$3 repo=$4 d n before
	local conf=/etc/sandsh/sandsh.conf record=/var/lib/sandsh/sandsh.conf.sha256
	for d in /etc /usr /var; do
		n=${d#/}
		mkdir -p "$w/ovl/$n/upper" "$w/ovl/$n/work" || return 1
		mount -t overlay "ovl-$n" -o "lowerdir=$d,upperdir=$w/ovl/$n/upper,workdir=$w/ovl/$n/work" "$d" || return 1
	done
	mkdir -p "$w/instdb" "$w/tmp"
	# --force-debian: Debian's rpm refuses to install without it;
	# --nodeps: its database has no glibc, libconfig... (dpkg has them).
	r() { rpm --dbpath "$w/instdb" --define "_tmppath $w/tmp" --force-debian --nodeps "$@" >"$w/rpm.log" 2>&1; }
	count() { grep -cx /usr/sbin/sandsh /etc/shells; }

	# make as an administrator would, with rpm's database of this test.
	mk() { make -s -C "$repo" BUILD="$w/build" RPM="rpm --dbpath $w/instdb" PAMDIR=/usr/lib64/security "$@" \
		>"$w/make.log" 2>&1; }
	r_fails() {
		local what=$1 pat=$2
		shift 2
		if r "$@"; then
			echo "FAIL - $what (rpm succeeded)"
		else
			say_check "$what" grep -q -- "$pat" "$w/rpm.log"
		fi
	}

	# A. `make install PREFIX=/usr` first: the packages refuse to overwrite it.
	mk install PREFIX=/usr
	say_check "make install PREFIX=/usr" test -u /usr/sbin/sandsh -a -f /usr/lib64/security/pam_sandsh.so
	r_fails "rpm -i sandsh over a make install: refused" "make uninstall PREFIX=/usr" -i "$rpmfile"
	r_fails "rpm -i sandsh-pam over a make install: refused" "make uninstall" -i "$pamrpm"
	say_check "refused: rpm knows no sandsh" bash -c '! rpm --dbpath "$1" -q sandsh sandsh-pam >/dev/null' _ "$w/instdb"
	mk uninstall PREFIX=/usr
	say_check "make uninstall PREFIX=/usr: files gone, the policy kept" \
		test ! -e /usr/sbin/sandsh -a ! -e /usr/lib64/security/pam_sandsh.so -a -f "$conf"

	# B. A policy the package did not write: untouched, and kept on erase.
	echo "# local change" >>"$conf"
	before=$(sha256sum <"$conf")
	if r -i "$rpmfile" "$pamrpm"; then echo "ok   - rpm -i (a policy is there)"; else echo "FAIL - rpm -i (a policy is there)"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "installed: the policy that was there is untouched, not recorded as the package's" \
		test "$(sha256sum <"$conf")" = "$before" -a ! -e "$record"
	mk install
	say_check "make install while the packages are installed: refused" bash -c \
		'grep -q "make install: the package(s) .*sandsh.* are installed" "$1" && test ! -e /usr/local/sbin/sandsh' _ "$w/make.log"
	if r -e sandsh-pam sandsh; then echo "ok   - rpm -e (a policy the package did not write)"; else echo "FAIL - rpm -e"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "erased: that policy kept, as it was, no .rpmsave" \
		test "$(sha256sum <"$conf" 2>&1)" = "$before" -a ! -e "$conf.rpmsave"
	rm -rf /etc/sandsh

	# C. No policy yet: the package writes the default, and owns it.
	if r -i "$rpmfile"; then echo "ok   - rpm -i"; else echo "FAIL - rpm -i"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "installed: /usr/sbin/sandsh is 4755 root root" \
		test "$(stat -c '%a %U %G' /usr/sbin/sandsh 2>&1)" = "4755 root root"
	say_check "installed: %post listed it once in /etc/shells" test "$(count)" = 1
	say_check "installed: the policy is the default, 644 root root, recorded as the package's" bash -c \
		'cmp -s /etc/sandsh/sandsh.conf /usr/share/sandsh/sandsh.conf.default &&
		 test "$(stat -c "%a %U %G" /etc/sandsh/sandsh.conf)" = "644 root root" &&
		 test "$(sha256sum </etc/sandsh/sandsh.conf)" = "$(cat "$1")"' _ "$record"
	say_check "installed: sandsh --version" test "$(/usr/sbin/sandsh --version 2>&1)" = "sandsh $(rpm -qp --dbpath "$w/instdb" --qf '%{VERSION}' "$rpmfile" 2>/dev/null)"
	say_check "installed: sandsh --check accepts the shipped policy" \
		check_ok_line "$(/usr/sbin/sandsh --check 2>&1)"
	if r -U --replacepkgs "$rpmfile"; then echo "ok   - rpm -U --replacepkgs"; else echo "FAIL - rpm -U --replacepkgs"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "reinstalled: still once in /etc/shells" test "$(count)" = 1
	echo "# local change" >>"$conf"
	before=$(sha256sum <"$conf")
	if r -U --replacepkgs "$rpmfile"; then echo "ok   - rpm -U --replacepkgs, the policy changed"; else echo "FAIL - rpm -U --replacepkgs, the policy changed"; fi
	say_check "reinstalled: the changed policy kept, no .rpmnew" test "$(sha256sum <"$conf")" = "$before" -a ! -e "$conf.rpmnew"
	if r -e sandsh; then echo "ok   - rpm -e"; else echo "FAIL - rpm -e"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "erased: %postun removed it from /etc/shells" test "$(count)" = 0
	say_check "erased: /usr/sbin/sandsh gone; the changed policy kept, no .rpmsave" \
		test ! -e /usr/sbin/sandsh -a "$(sha256sum <"$conf" 2>&1)" = "$before" -a ! -e "$conf.rpmsave"
	rm -rf /etc/sandsh

	# D. The policy the package wrote, unchanged: erased with the package.
	if r -i "$rpmfile"; then echo "ok   - rpm -i again"; else echo "FAIL - rpm -i again"; fi
	if r -e sandsh; then echo "ok   - rpm -e again"; else echo "FAIL - rpm -e again"; fi
	say_check "erased: the package's unchanged policy, /etc/sandsh and /var/lib/sandsh gone" \
		test ! -e /etc/sandsh -a ! -e /var/lib/sandsh
}
export -f inner say_check check_ok_line
res=$(unshare --mount --propagation private bash -c 'inner "$@"' inner "$work" "$rpmfile" "$pamrpm" "$repo" 2>&1)
rc=$?
relay <<<"$res"
[ $rc -eq 0 ] || fail "private mount namespace with overlays (exit $rc)"

# 5. The host.
host_after=$(host_state)
if [ "$host_after" = "$host_before" ]; then
	ok "host untouched: /etc/shells, installed files, rpm database"
else
	fail "host untouched"
	diff <(echo "$host_before") <(echo "$host_after") | sed 's/^/     /'
fi

finish
