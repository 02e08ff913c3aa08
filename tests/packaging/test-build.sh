#!/bin/bash
# The build as a distribution sees it, each case in its own build directory
# (the checkout's build/ is not touched):
#  1. a missing build dependency (libconfig-dev, libpam0g-dev,
#     libseccomp-dev, hidden by an overlay over /usr/include in a private
#     mount namespace; root) stops `make` with one line naming the package,
#     and `make` runs no apt-get or dpkg (they are replaced by traps in PATH);
#  2. dpkg-buildflags' defaults (DEB_BUILD_MAINT_OPTIONS=hardening=+all)
#     build with WERROR=1: no "_FORTIFY_SOURCE redefined", the caller's flags
#     after ours;
#  3. the caller's flags win: CFLAGS=-fcf-protection=none takes the CET
#     notes off the objects, LDFLAGS reach both links;
#  4. the default build is hardened (fortify, stack protector, CET on x86,
#     PIE, full RELRO, BIND_NOW) and carries no RPATH/RUNPATH; pam_sandsh.so
#     is linked with -z defs (a missing library is a link error);
#  5. -Werror only with WERROR=1;
#  6. the static-analysis gate (tests/analyze/gate.sh) on made-up findings:
#     under the pinned tool versions the pinned checks fail the build, under
#     newer ones only the explicit list does; new checks are only reported.
# Usage: tests/packaging/test-build.sh
# Ends with "N passed, N failed".
set -u
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS CC CPPFLAGS CFLAGS LDFLAGS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for tool in make cc readelf; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-test-build.XXXXXX") || die "mktemp"
trap 'rm -rf "$work"' EXIT

# Package tools that `make` must never run: each leaves a mark and fails.
mkdir -p "$work/traps"
for t in apt-get apt aptitude dpkg dpkg-query dnf yum; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/ran"\nexit 1\n' "$t" "$work" >"$work/traps/$t"
	chmod +x "$work/traps/$t"
done
# mk DIR ARGS...: make in the checkout, building into $work/DIR, package
# tools trapped; stdout to DIR.out, stderr to DIR.err.
mk() {
	local d=$1
	shift
	PATH="$work/traps:$PATH" make -s -C "$repo" BUILD="$work/$d" "$@" >"$work/$d.out" 2>"$work/$d.err"
}
show() { sed 's/^/     /' "$@"; }

# 1. A missing build dependency.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	# hide HEADER: the header is gone from /usr/include (an overlay whose
	# upper layer has a whiteout for it), then make.
	missing() {
		local name=$1 hdr=$2 pkg=$3 d
		d=$work/hide-$name
		mkdir -p "$d/upper/$(dirname "$hdr")" "$d/work"
		mknod "$d/upper/$hdr" c 0 0 || return 1
		rm -f "$work/ran"
		unshare --mount --propagation private bash -c '
			mount -t overlay hide -o "lowerdir=/usr/include,upperdir=$1/upper,workdir=$1/work" /usr/include &&
			test ! -e "/usr/include/$2" && shift 2 && "$@"' _ "$d" "$hdr" \
			env PATH="$work/traps:$PATH" make -s -C "$repo" BUILD="$work/miss-$name" \
			>"$work/miss-$name.out" 2>"$work/miss-$name.err"
		local rc=$?
		check "without $pkg: make fails" test $rc -ne 0
		check "without $pkg: one line, naming $pkg" bash -c \
			'[ "$(wc -l <"$1")" = 1 ] && grep -q "cannot build: .* not found .*$2" "$1"' \
			_ "$work/miss-$name.err" "$pkg"
		show "$work/miss-$name.err"
		check "without $pkg: no apt-get, no dpkg" test ! -e "$work/ran"
		[ -e "$work/ran" ] && show "$work/ran"
	}
	missing libconfig libconfig.h libconfig-dev
	missing pam security/pam_modules.h libpam0g-dev
	missing seccomp seccomp.h libseccomp-dev
else
	echo "skip - missing dependencies: need root and unshare (an overlay over /usr/include)"
fi

# 2. Debian's default flags, warnings as errors.
if command -v dpkg-buildflags >/dev/null; then
	eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
	rm -f "$work/ran"
	if mk deb CPPFLAGS="$CPPFLAGS" CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" WERROR=1; then
		ok "dpkg-buildflags (hardening=+all), WERROR=1: builds"
	else
		fail "dpkg-buildflags (hardening=+all), WERROR=1: builds"
		show "$work/deb.err"
	fi
	check "... without a warning" test ! -s "$work/deb.err"
	check "... no apt-get, no dpkg run by make" test ! -e "$work/ran"
	# .flags: CC | CPPFLAGS | CFLAGS | LDFLAGS | tools. Debian 12's dpkg
	# says _FORTIFY_SOURCE=2: ours (=3) is left out; Ubuntu 24.04's says =3,
	# the same as ours (no redefinition warning, both may stay). Either way
	# dpkg's is the only value.
	dfort=$(grep -o -- '-D_FORTIFY_SOURCE=[0-9]' <<<"$CPPFLAGS" || true)
	check "... our -D_FORTIFY_SOURCE=3 left out for dpkg's ${dfort:-(none)}" bash -c \
		'[ "$(sed "s/ | /\n/g" "$1" | sed -n 2p | grep -o -- "-D_FORTIFY_SOURCE=[0-9]" | sort -u)" = "${2:--D_FORTIFY_SOURCE=3}" ]' \
		_ "$work/deb/.flags" "$dfort"
	check "... dpkg's CFLAGS after ours" bash -c \
		'[[ "$(sed "s/ | /\n/g" "$1" | sed -n 3p)" == *"-Wvla "*" $2"* ]]' _ "$work/deb/.flags" "$CFLAGS"
	unset CPPFLAGS CFLAGS LDFLAGS CXXFLAGS OBJCFLAGS OBJCXXFLAGS FFLAGS FCFLAGS GCJFLAGS DFLAGS ASFLAGS
else
	echo "skip - dpkg-buildflags not installed"
fi

# 3. The caller's flags win, and reach both links.
if mk mine CFLAGS=-fcf-protection=none LDFLAGS=-Wl,-rpath,/sandsh-test-marker; then
	ok "make CFLAGS=-fcf-protection=none LDFLAGS=-Wl,-rpath,...: builds"
	check "... no CET property note in the objects (the caller's -fcf-protection=none won)" bash -c \
		'! LC_ALL=C readelf -n "$1" | grep -q "x86 feature: .*IBT"' _ "$work/mine/obj/main.o"
	for f in sandsh pam_sandsh.so; do
		check "... LDFLAGS reached the link of $f" bash -c \
			'LC_ALL=C readelf -d "$1" | grep -Eq "(RPATH|RUNPATH).*/sandsh-test-marker"' _ "$work/mine/$f"
	done
else
	fail "make CFLAGS=... LDFLAGS=...: builds"
	show "$work/mine.err"
fi

# 4. The default build.
if mk plain; then
	ok "make: builds"
	for f in sandsh pam_sandsh.so; do
		check "$f: no RPATH or RUNPATH" bash -c '! LC_ALL=C readelf -d "$1" | grep -Eq "RPATH|RUNPATH"' _ "$work/plain/$f"
		check "$f: BIND_NOW, GNU_RELRO" bash -c \
			'LC_ALL=C readelf -d "$1" | grep -q "BIND_NOW" && LC_ALL=C readelf -lW "$1" | grep -q GNU_RELRO' \
			_ "$work/plain/$f"
		check "$f: stack protector and fortified calls" bash -c \
			'syms=$(LC_ALL=C readelf --dyn-syms -W "$1"); grep -q " __stack_chk_fail" <<<"$syms" && grep -q "_chk@" <<<"$syms"' \
			_ "$work/plain/$f"
	done
	check "sandsh: PIE" bash -c 'LC_ALL=C readelf -d "$1" | grep -q "Flags: .*PIE"' _ "$work/plain/sandsh"
	check "pam_sandsh.so: needs libpam and libconfig" bash -c \
		'd=$(LC_ALL=C readelf -d "$1"); grep -q "\[libpam.so" <<<"$d" && grep -q "\[libconfig.so" <<<"$d"' \
		_ "$work/plain/pam_sandsh.so"
	if [ "$(uname -m)" = x86_64 ]; then
		# (in the objects: the link keeps it only if libc's start files have it too)
		check "objects: CET (IBT, SHSTK) property note" bash -c \
			'LC_ALL=C readelf -n "$1" | grep -q "x86 feature: IBT, SHSTK"' _ "$work/plain/obj/main.o"
	fi
	check "no -Werror without WERROR=1" bash -c '! grep -q -- "-Werror " "$1"' _ "$work/plain/.flags"
	# -z defs: the module without -lconfig does not link.
	rm -f "$work/plain/pam_sandsh.so"
	mk plain LIBS= "$work/plain/pam_sandsh.so"
	check "pam_sandsh.so is linked with -z defs (without -lconfig: undefined reference)" \
		grep -q "undefined reference to .config_" "$work/plain.err"
else
	fail "make: builds"
	show "$work/plain.err"
fi

# 5. WERROR=1 adds -Werror; the flags change rebuilds everything.
touch "$work/before-werror"
sleep 1
if mk plain WERROR=1 && grep -q -- "-Werror " "$work/plain/.flags"; then
	ok "WERROR=1: -Werror in the flags"
	check "... and every object rebuilt with it" bash -c \
		'[ -z "$(find "$1/obj" -name "*.o" ! -newer "$2")" ]' _ "$work/plain" "$work/before-werror"
else
	fail "WERROR=1"
	show "$work/plain.err"
fi

# 6. The static-analysis gate.
g=$work/gate
mkdir -p "$g"
cat >"$g/clang-tidy.log" <<'LOG'
src/a.c:10:5: warning: Dereference of null pointer [clang-analyzer-core.NullDereference]
src/a.c:11:5: warning: side effect in assert [bugprone-assert-side-effect]
src/a.c:12:5: warning: from a check clang-tidy 14 does not have [bugprone-made-up-new-check]
LOG
cat >"$g/cppcheck.log" <<'LOG'
src/b.c:3:1: warning: Uninitialized variable: x [uninitvar]
src/b.c:5:1: portability: Shifting signed 32-bit value by 31 bits [shiftTooManyBitsSigned]
src/b.c:6:1: warning: from a check cppcheck 2.10 does not have [madeUpNewId]
LOG
echo 0 >"$g/clang-tidy.status"
echo 0 >"$g/cppcheck.status"
printf '%s\n' bugprone-assert-side-effect bugprone-made-up-new-check clang-analyzer-core.NullDereference >"$g/clang-tidy.enabled"
always=$(make -s -C "$repo" --no-print-directory -f Makefile -f - print-gate <<<'print-gate: ; @echo $(ANALYZE_GATE_ALWAYS)')
pinned=$(make -s -C "$repo" --no-print-directory -f Makefile -f - print-pins <<<'print-pins: ; @echo $(TIDY_PINNED) $(CPPCHECK_PINNED)')
read -r tp cp <<<"$pinned"
gate() {
	TIDY_VERSION=$1 TIDY_PINNED=$tp CPPCHECK_VERSION=$2 CPPCHECK_PINNED=$cp GATE_ALWAYS="$always" \
		"$repo/tests/analyze/gate.sh" "$g" >/dev/null 2>&1
	echo "$? $(grep -c '^GATED' "$g/classified.tsv")"
}
check "analyze gate, pinned versions ($tp, $cp): the 4 findings of pinned checks fail it" test "$(gate "$tp" "$cp")" = "1 4"
check "analyze gate, newer versions: only the explicit list (null dereference, uninitvar) fails it" \
	test "$(gate 99 9.99)" = "1 2"
check "analyze gate: the new checks are in the report, not gated" bash -c \
	'grep -q "made-up-new-check.*check not pinned" "$1" && grep -q "madeUpNewId.*check not pinned" "$1" &&
	 sed -n "/did not have/,\$p" "$1" | grep -q "bugprone-made-up-new-check"' _ "$g/report.txt"

finish
