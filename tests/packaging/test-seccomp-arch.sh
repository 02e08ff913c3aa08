#!/bin/bash
# The seccomp program is the target's, not the build machine's:
#  1. every program in BUILD/gen/seccomp_filter.h, run through a BPF
#     interpreter (tests/tools/seccomp-eval.c) with the system-call numbers
#     of its target written out below (not libseccomp's): the denied calls
#     are EPERM, clone with CLONE_NEWUSER in the flags argument of that
#     target is EPERM, TIOCSTI is EPERM, getpid passes, the compat ABIs of
#     the same kernel are filtered too, and an unknown ABI is killed;
#  2. the compiler picks the program of its own target: the host compiler,
#     and aarch64-linux-gnu-gcc in a cross build with `make CC=...` (the
#     header, the core objects and, when arm64 libraries are there, the
#     whole build), whose seccomp.o holds the arm64 program;
#  3. a compiler for a target the generator does not know stops `make` at
#     the header with one line.
# The cross and unknown-target parts need aarch64-linux-gnu-gcc and clang;
# without them they are reported as skipped.
# Usage: tests/packaging/test-seccomp-arch.sh [BUILD_DIR]   (default: build)
# Ends with "N passed, N failed".
set -u
# Run from make (make check, make deb): the variables given to that make
# (WERROR=1, BUILD=...) must not reach the builds started here.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR V BUILD OPT CROSS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

build=$(cd "${1:-$repo/build}" 2>/dev/null && pwd) || die "no build directory ${1:-build}"
header=$build/gen/seccomp_filter.h
eval=$build/tools/seccomp-eval
[ -r "$header" ] || die "$header missing (make $header)"
[ -x "$eval" ] || die "$eval missing (make $eval)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-seccomp-arch.XXXXXX") || die "mktemp"
trap 'rm -rf "$work"' EXIT

# The program of one target, as the header writes it.
block() {
	awk -v t="/* target: $1 (" 'index($0, t) == 1 { on = 1; next }
		on && /^\t\{/ { print } on && /^};/ { exit }' "$header"
}
# What the compiler sees: the program it selects.
selected() {
	printf '#include "seccomp_filter.h"\n' | "$@" -E -P -I"$build/gen" -x c - 2>/dev/null |
		sed -n '/sandsh_seccomp_filter\[\] = {/,/^};/p' | grep '{ 0x' | tr -d ' \t'
}
# The same program, spacing aside.
same_program() {
	cmp -s <(selected "${@:2}") <(tr -d ' \t' <"$work/$1.prog")
}

EPERM=1
ENOSYS=38
NEWUSER=0x10000000
SIGCHLD_=0x11
X32=0x40000000
UNKNOWN_ARCH=0x12345678

# target  audit-arch  -b?  mount getpid clone clone3 ioctl  flags-arg  TIOCSTI  compat: "arch nr(mount)"...
targets=(
	"x86_64      0xc000003e -  165  39   56   435  16   0 0x5412     0x40000003:21 0xc000003e:$((X32 | 165))"
	"x32         0xc000003e -  $((X32 | 165)) $((X32 | 39)) $((X32 | 56)) $((X32 | 435)) $((X32 | 514)) 0 0x5412 0xc000003e:165 0x40000003:21"
	"x86         0x40000003 -  21   20   120  435  54   0 0x5412     0xc000003e:165"
	"aarch64     0xc00000b7 -  40   172  220  435  29   0 0x5412     0x40000028:21"
	"arm         0x40000028 -  21   20   120  435  54   0 0x5412     0xc00000b7:40"
	"riscv64     0xc00000f3 -  40   172  220  435  29   0 0x5412"
	"ppc64le     0xc0000015 -  21   20   120  435  54   0 0x80017472"
	"s390x       0x80000016 -b 21   20   120  435  54   1 0x5412     0x16:21"
	"mipsel64    0xc0000008 -  5160 5038 5055 5435 5015 0 0x5472"
	"loongarch64 0xc0000102 -  40   172  220  435  29   0 0x5412"
)

# run NAME EXPECTED DESCRIPTION ARCH NR ARGS...: one system call through
# the program of target NAME.
run() {
	local name=$1 want=$2 what=$3 got
	shift 3
	got=$("$eval" $be "$@" <"$work/$name.prog" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "$name: $what: $want"
	else
		fail "$name: $what: got '$got', want '$want'"
	fi
}

# 1. Every program, on the system calls of its target.
for t in "${targets[@]}"; do
	read -r name arch be mount getpid clone clone3 ioctl flagarg tiocsti compat <<<"$t"
	[ "$be" = - ] && be=""
	block "$name" >"$work/$name.prog"
	if [ ! -s "$work/$name.prog" ]; then
		# Only where the build machine's libseccomp cannot make it, and
		# then the header stops a build for that target.
		if awk -v t="/* target: $name (" 'index($0, t) == 1 { getline; print; exit }' "$header" |
			grep -q '^#error "sandsh: libseccomp .* cannot make a seccomp filter for '"$name"'"$'; then
			ok "$name: no program (libseccomp on this machine does not know it); a build for it stops with #error"
		else
			fail "$name: no program in the header"
		fi
		continue
	fi
	# clone(flags, ...) with the flags where this target's kernel reads them.
	newuser=(0 0) plain=(0 0)
	newuser[flagarg]=$((NEWUSER | SIGCHLD_))
	plain[flagarg]=$SIGCHLD_
	wrong=($((SIGCHLD_)) $((SIGCHLD_)))
	wrong[1 - flagarg]=$((NEWUSER | SIGCHLD_))

	run "$name" "errno $EPERM" "mount" "$arch" "$mount"
	run "$name" "allow" "getpid" "$arch" "$getpid"
	run "$name" "errno $EPERM" "clone(CLONE_NEWUSER) in argument $flagarg" "$arch" "$clone" "${newuser[@]}"
	run "$name" "allow" "clone(SIGCHLD)" "$arch" "$clone" "${plain[@]}"
	run "$name" "allow" "clone with CLONE_NEWUSER only in the other argument" "$arch" "$clone" "${wrong[@]}"
	run "$name" "errno $ENOSYS" "clone3" "$arch" "$clone3"
	run "$name" "errno $EPERM" "ioctl(TIOCSTI)" "$arch" "$ioctl" 0 "$tiocsti"
	run "$name" "errno $EPERM" "ioctl(TIOCSTI) with high bits set" "$arch" "$ioctl" 0 $((tiocsti | 0x700000000))
	run "$name" "allow" "ioctl(TCGETS)" "$arch" "$ioctl" 0 0x5401
	run "$name" "kill" "any call of an unknown ABI" "$UNKNOWN_ARCH" "$getpid"
	for c in $compat; do
		run "$name" "errno $EPERM" "mount of the compat ABI $c" "${c%%:*}" "${c#*:}"
	done
	# The target's own ABI is checked first.
	first=$(sed -n 2p "$work/$name.prog" | awk -F, '{ gsub(/[ }]/, "", $4); print $4 }')
	check "$name: the program checks its own ABI first ($first)" test $((first)) = $((arch))
done

# 2. The compiler picks its own target's program.
case $(uname -m) in
x86_64) native=x86_64 ;; i?86) native=x86 ;; aarch64) native=aarch64 ;; armv7l | armv8l) native=arm ;;
riscv64) native=riscv64 ;; ppc64le) native=ppc64le ;; s390x) native=s390x ;; *) native="" ;;
esac
if [ -n "$native" ]; then
	check "${CC:-cc} selects the $native program" same_program "$native" "${CC:-cc}"
fi
if printf 'int x;\n' | "${CC:-cc}" -m32 -x c -c -o /dev/null - 2>/dev/null &&
	printf '#include <sys/ioctl.h>\n' | "${CC:-cc}" -m32 -E -x c - >/dev/null 2>&1; then
	check "${CC:-cc} -m32 selects the x86 program" same_program x86 "${CC:-cc}" -m32
else
	echo "skip - ${CC:-cc} -m32 (no 32-bit headers)"
fi

cross=aarch64-linux-gnu-gcc
if command -v "$cross" >/dev/null; then
	check "$cross selects the aarch64 program" same_program aarch64 "$cross"
	b=$work/arm64
	if make -s -C "$repo" BUILD="$b" CC="$cross" WERROR=1 "$b/gen/seccomp_filter.h" "$b/libsandsh.a" \
		"$b/obj/main.o" "$b/obj/pam_sandsh.o" >"$work/cross.log" 2>&1; then
		ok "make CC=$cross: the filter header and every object (-Werror)"
	else
		fail "make CC=$cross: header and objects"
		sed 's/^/     /' "$work/cross.log"
	fi
	# seccomp.o's data starts with the arm64 prelude: load the arch, compare with AUDIT_ARCH_AARCH64.
	prelude=$(aarch64-linux-gnu-objcopy -O binary -j .rodata "$b/obj/seccomp.o" /dev/stdout 2>/dev/null |
		od -An -v -tx1 | tr -d ' \n' | grep -Eo '20000000040000001500[0-9a-f]{4}b70000c0' | head -n1)
	check "the cross-built seccomp.o holds the program for AUDIT_ARCH_AARCH64" test -n "$prelude"
	check "the cross build's flags: -mbranch-protection, no -fcf-protection" \
		bash -c 'grep -q -- "-mbranch-protection=standard" "$1" && ! grep -q -- "-fcf-protection" "$1"' _ "$b/.flags"
	# The whole build needs libconfig and libpam for arm64; without them,
	# it stops with one line naming the package.
	make -s -C "$repo" BUILD="$b" CC="$cross" WERROR=1 >/dev/null 2>"$work/cross-all.log"
	rc=$?
	if [ $rc = 0 ]; then
		check "make CC=$cross: sandsh is an arm64 executable" \
			bash -c 'LC_ALL=C readelf -h "$1" | grep -q "Machine: *AArch64"' _ "$b/sandsh"
		check "make CC=$cross: pam_sandsh.so is an arm64 object" \
			bash -c 'LC_ALL=C readelf -h "$1" | grep -q "Machine: *AArch64"' _ "$b/pam_sandsh.so"
	else
		check "make CC=$cross without arm64 libconfig: one line naming libconfig-dev" bash -c \
			'[ "$(grep -vc "^make" "$1")" = 1 ] && grep -q "libconfig not found by aarch64-linux-gnu-gcc.*libconfig-dev" "$1"' \
			_ "$work/cross-all.log"
		[ $? = 0 ] || sed 's/^/     /' "$work/cross-all.log"
	fi
else
	echo "skip - cross build: $cross not installed (apt-get install gcc-aarch64-linux-gnu)"
fi

# 3. A target the generator does not know: the build stops at the header.
if command -v clang >/dev/null; then
	b=$work/sparc64
	make -s -C "$repo" BUILD="$b" CC="clang --target=sparc64-linux-gnu" "$b/gen/seccomp_filter.h" \
		>/dev/null 2>"$work/unknown.log"
	rc=$?
	check "make CC='clang --target=sparc64-linux-gnu' stops at the filter header" test $rc -ne 0 -a ! -e "$b/gen/seccomp_filter.h"
	check "... with one line: no seccomp filter for this target architecture" bash -c \
		'[ "$(grep -vc "^make" "$1")" = 1 ] && grep -q "error: \"sandsh: no seccomp filter for this target architecture" "$1"' \
		_ "$work/unknown.log"
	[ $rc -ne 0 ] && grep -q 'no seccomp filter' "$work/unknown.log" || sed 's/^/     /' "$work/unknown.log"
else
	echo "skip - unknown target: clang not installed"
fi

finish
