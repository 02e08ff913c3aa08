#!/bin/bash
# Builds the RPM packages with Debian's rpm (packaging/build-rpm.sh: a
# tarball of the tree, `rpmbuild -bb --nodeps`, since rpm's database on
# Debian knows none of the Debian packages that satisfy the BuildRequires),
# checks them with rpm -qp (setuid mode, config flags, man pages,
# scriptlets), then installs and erases sandsh with `rpm -i/-e` in a private
# mount namespace whose /etc, /usr and /var are overlayfs mounts (upper
# layers in a temporary directory) with rpm's database in that directory,
# so the host is not touched; this is verified.
# Usage: tests/packaging/test-rpm.sh     (root; needs scripts/deps-pkg.sh rpm deb)
# Ends with "N passed, N failed".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || { echo "test-rpm: SKIPPED: needs root (the Makefile installs setuid root; rpm -i in a namespace)"; exit 0; }
for tool in rpmbuild rpm unshare; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps-pkg.sh rpm)"
done

version=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
work=$(mktemp -d /run/sandsh-test-rpm.XXXXXX) || die "mktemp under /run"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rpmdb"
# rpm -qp opens a database too: keep it out of $HOME.
q() { rpm --dbpath "$work/rpmdb" "$@"; }

host_state() {
	sha256sum /etc/shells 2>&1
	ls -ld /usr/sbin/sandsh /etc/sandsh /usr/lib64/security/pam_sandsh.so /root/.rpmdb /var/lib/rpm/* 2>&1
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
check "sandsh: /etc/sandsh/sandsh.conf is %config(noreplace)" grep -qx 'cn /etc/sandsh/sandsh.conf' <<<"$flags"
check "sandsh: /etc/sandsh/sandsh.conf is -rw-r--r-- root root" \
	grep -Eq '^-rw-r--r-- +1 root +root .* /etc/sandsh/sandsh.conf$' <<<"$list"
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
	check "sandsh-pam: ships pam_sandsh.so in %{_libdir}/security" grep -qx '/usr/lib64/security/pam_sandsh.so' <<<"$plist"
	check "sandsh-pam: ships pam_sandsh(8)" grep -Eq '^/usr/share/man/man8/pam_sandsh\.8(\.gz)?$' <<<"$plist"
	check "sandsh-pam: requires sandsh of the same version" \
		grep -q "^sandsh(x86-64) = $version-" <<<"$(q -qpR "$pamrpm" 2>&1)"
else
	fail "sandsh-pam was built"
fi

# 3. rpm -i / -e for real, in a private mount namespace.
inner() {
	set -u
	local w=$1 rpmfile=$2 d n
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

	if r -i "$rpmfile"; then echo "ok   - rpm -i"; else echo "FAIL - rpm -i"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "installed: /usr/sbin/sandsh is 4755 root root" \
		test "$(stat -c '%a %U %G' /usr/sbin/sandsh 2>&1)" = "4755 root root"
	say_check "installed: %post listed it once in /etc/shells" test "$(count)" = 1
	say_check "installed: sandsh --version" test "$(/usr/sbin/sandsh --version 2>&1)" = "sandsh $(rpm -qp --dbpath "$w/instdb" --qf '%{VERSION}' "$rpmfile" 2>/dev/null)"
	say_check "installed: sandsh --check accepts the shipped policy" \
		test "$(/usr/sbin/sandsh --check 2>&1)" = "/etc/sandsh/sandsh.conf: OK"
	if r -U --replacepkgs "$rpmfile"; then echo "ok   - rpm -U --replacepkgs"; else echo "FAIL - rpm -U --replacepkgs"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "reinstalled: still once in /etc/shells" test "$(count)" = 1
	if r -e sandsh; then echo "ok   - rpm -e"; else echo "FAIL - rpm -e"; sed 's/^/     /' "$w/rpm.log"; fi
	say_check "erased: %postun removed it from /etc/shells" test "$(count)" = 0
	say_check "erased: /usr/sbin/sandsh and /etc/sandsh gone" test ! -e /usr/sbin/sandsh -a ! -e /etc/sandsh
}
export -f inner say_check
res=$(unshare --mount --propagation private bash -c 'inner "$@"' inner "$work" "$rpmfile" 2>&1)
rc=$?
relay <<<"$res"
[ $rc -eq 0 ] || fail "private mount namespace with overlays (exit $rc)"

# 4. The host.
host_after=$(host_state)
if [ "$host_after" = "$host_before" ]; then
	ok "host untouched: /etc/shells, installed files, rpm database"
else
	fail "host untouched"
	diff <(echo "$host_before") <(echo "$host_after") | sed 's/^/     /'
fi

finish
