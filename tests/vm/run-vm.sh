#!/bin/bash
# shellcheck disable=SC2015,SC2012  # `A && B || die` is meant; kernel names are plain
# Runs a shell script as root inside a throw-away qemu VM booted from a Debian
# kernel and a fresh busybox initramfs, on pure cgroup v2 (pids, memory, cpu
# enabled at the root). Prints the script's output, exits with its status:
# 124 if the VM timed out, 125 if it ended without reporting a status.
#
# Usage: tests/vm/run-vm.sh --out DIR [--timeout SECS] [--mem 512M] [--smp 2]
#            [--file SRC:DST[:MODE]]... [--module NAME]... [--disk IMG]
#            [--kernel VMLINUZ] [--append ARGS] [--verbose] -- SCRIPT
#   --file    copy SRC (file or directory, owner and mode kept, setuid too) to
#             DST in the VM; MODE (octal) overrides the mode. Every ELF copied
#             brings the libraries ldd finds for it, and the dynamic loader.
#   --module  load a kernel module (and its modules.dep dependencies) at boot.
#   --disk    attach IMG (raw) as a virtio disk, /dev/vda in the VM.
#   --verbose stream the console while the VM runs.
# Env: VM_KERNEL (as --kernel; default: the newest in /var/cache/sandsh-vm/kernel/boot,
#      where scripts/deps-vm.sh puts Debian's cloud kernel), VM_KEEP=1 keeps DIR/initrd.img,
#      VM_ACCEL=auto|kvm|tcg, VM_KVM_GRACE (seconds KVM gets to start the script).
# DIR gets console.log (raw serial console), output.log (the script's
# output), status, qemu.log, initrd.img (with VM_KEEP=1).
set -euo pipefail

me=run-vm.sh
die() { echo "$me: $*" >&2; exit 2; }
usage() { sed -n '8,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

out="" timeout_s=120 mem=512M smp=2 kernel=${VM_KERNEL:-} append="" verbose=0 disk=""
files=() modules=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
[ $# -eq 1 ] || usage
script=$1
[ -n "$out" ] || die "--out DIR is required"
[ -r "$script" ] || die "cannot read script '$script'"
case "$timeout_s" in '' | *[!0-9]*) die "--timeout wants whole seconds" ;; esac

for q in qemu-system-x86_64 cpio gzip ldd timeout; do
	command -v "$q" >/dev/null || die "$q not found (run scripts/deps-vm.sh)"
done
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
	die "$BUSYBOX missing or not static (run scripts/deps-vm.sh)"
KCACHE=/var/cache/sandsh-vm/kernel
if [ -z "$kernel" ]; then
	# The newest kernel scripts/deps-vm.sh unpacked into its cache.
	kernel=$(ls -v "$KCACHE"/boot/vmlinuz-* 2>/dev/null | tail -n 1 || true)
fi
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no kernel in $KCACHE (run scripts/deps-vm.sh, or set VM_KERNEL)"
kver=${kernel##*/vmlinuz-}

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/console.log" "$out/output.log" "$out/status" "$out/qemu.log" "$out/initrd.img"
stage=$(mktemp -d "${TMPDIR:-/tmp}/sandsh-vm.XXXXXX")
qpid=""
# shellcheck disable=SC2317  # called from the trap
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
	rm -rf "$stage"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root=$stage/root
mkdir -p "$root"
umask 022

# --- the initramfs tree ------------------------------------------------------
# Same merged-/usr layout as the host, so ldd's paths are valid in the VM.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$root/$d"
	fi
done
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,newroot,lib/modules}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$BUSYBOX" "$root/bin/busybox"
# perl (Essential in Debian): one process instead of ~400 ln calls.
"$BUSYBOX" --list-full | (cd "$root" && perl -ne 'chomp; symlink("/bin/busybox", $_) unless -e $_ || -l $_')
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
fi
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
vmuser:x:1000:1000:vm user:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
vmuser:x:1000:
nogroup:x:65534:
EOF
echo "sandsh-vm" >"$root/etc/hostname"

elfs=()
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "177ELF" ]; }
put() { # SRC DST: copy one file, replacing a busybox link or anything else there
	local dst=$root$2
	mkdir -p "$(dirname "$dst")"
	rm -rf "$dst"
	cp -a "$1" "$dst"
}
for spec in "${files[@]}"; do
	IFS=: read -r src dst mode <<<"$spec"
	[ -n "$src" ] && [ -n "$dst" ] || die "--file wants SRC:DST[:MODE], got '$spec'"
	case "$dst" in /*) ;; *) die "--file DST must be absolute: '$spec'" ;; esac
	[ -e "$src" ] || die "--file: '$src' does not exist"
	put "$src" "$dst"
	[ -z "$mode" ] || chmod "$mode" "$root$dst"
	if [ -d "$src" ]; then
		while IFS= read -r -d '' f; do is_elf "$f" && elfs+=("$f"); done < <(find "$src" -type f -print0)
	elif is_elf "$src"; then
		elfs+=("$src")
	fi
done
declare -A seen=()
for f in "${elfs[@]}"; do
	# ldd fails on static binaries: nothing to copy then.
	libs=$(ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p') || true
	for l in $libs; do
		[ -n "${seen[$l]:-}" ] && continue
		seen[$l]=1
		mkdir -p "$(dirname "$root$l")"
		rm -f "$root$l"
		cp -L "$l" "$root$l"
	done
done

# Kernel modules, with their dependencies first (modules.dep order reversed).
modlist=$root/etc/modules.load
: >"$modlist"
if [ ${#modules[@]} -gt 0 ] || [ -n "$disk" ]; then
	[ -n "$disk" ] && modules+=(virtio_pci virtio_blk)
	# A kernel from the cache has its modules there (KCACHE/lib/modules),
	# another (VM_KERNEL) those the system has for its version.
	mdir=/lib/modules/$kver
	[ -r "$(dirname "$kernel")/../lib/modules/$kver/modules.dep" ] &&
		mdir=$(cd "$(dirname "$kernel")/../lib/modules/$kver" && pwd)
	[ -r "$mdir/modules.dep" ] || die "no $mdir/modules.dep for --module (run scripts/deps-vm.sh)"
	declare -A loaded=()
	for m in "${modules[@]}"; do
		pat=${m//[-_]/[-_]}   # dm-mod, dm_mod: modules.dep spells them either way
		# Built into this kernel (Ubuntu's virtio, say): nothing to load.
		grep -qE "(^|/)${pat}\.ko\$" "$mdir/modules.builtin" 2>/dev/null && continue
		line=$(grep -E "(^|/)${pat}\.ko(\.[a-z]+)?:" "$mdir/modules.dep" | head -n 1) ||
			die "module '$m' not found for $kver (built in? check the kernel's config-$kver)"
		deps=${line#*:}
		for k in $(echo "$deps" | tr ' ' '\n' | tac) "${line%%:*}"; do
			[ -n "${loaded[$k]:-}" ] && continue
			loaded[$k]=1
			name=$(basename "$k")
			case "$name" in
			*.ko.xz) xz -dc "$mdir/$k" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
			*.ko.zst) zstd -qdc "$mdir/$k" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
			*.ko.gz) gzip -dc "$mdir/$k" >"$root/lib/modules/${name%.gz}"; name=${name%.gz} ;;
			*) cp "$mdir/$k" "$root/lib/modules/$name" ;;
			esac
			echo "/lib/modules/$name" >>"$modlist"
		done
	done
fi

cp "$script" "$root/test.sh"
chmod 755 "$root/test.sh"

cat >"$root/init" <<'EOF'
#!/bin/sh
# Stage 1 (initramfs rootfs): copy everything onto a tmpfs and switch_root to it,
# because pivot_root(2) refuses to move the initramfs rootfs (EINVAL), and
# sandboxes under test pivot_root.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
if [ "$1" != stage2 ]; then
	mount -t tmpfs -o mode=0755 vmroot /newroot
	for f in /* /.[!.]*; do
		case "$f" in /newroot | '/.[!.]*') continue ;; esac
		cp -a "$f" /newroot/
	done
	exec switch_root /newroot /init stage2
fi
mkdir -p /proc /sys /dev /run /tmp
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx 2>/dev/null || true
mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=0755 run /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmp /tmp
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup
echo "+pids +memory +cpu" >/sys/fs/cgroup/cgroup.subtree_control ||
	echo "VM-WARN: cannot enable cgroup controllers"
while read -r m; do insmod "$m" || echo "VM-WARN: insmod $m failed"; done </etc/modules.load
hostname -F /etc/hostname
ip link set lo up 2>/dev/null
cd /
export HOME=/root TERM=dumb VM=1
read -r up _ </proc/uptime
echo "VM-TEST-BEGIN uptime=$up"
/bin/sh /test.sh </dev/null
rc=$?
read -r up _ </proc/uptime
sync
echo "VM-EXIT-STATUS=$rc uptime=$up"
poweroff -f
sleep 10
EOF
chmod 755 "$root/init"

# --- pack ---------------------------------------------------------------------
cpio_owner=()
[ "$(id -u)" = 0 ] || cpio_owner=(-R 0:0)
initrd=$stage/initrd.img
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet "${cpio_owner[@]}" | gzip -1 >"$initrd")
initrd_size=$(stat -c %s "$initrd")

# --- boot ---------------------------------------------------------------------
# KVM where /dev/kvm is usable, else (or with VM_ACCEL=tcg) qemu's emulator.
# Some hosts offer a /dev/kvm that cannot run this kernel (nested or
# paravirtual KVM: the guest prints nothing, then "KVM internal error ...
# emulation failure" a minute later, and qemu stops it until the timeout).
# So a KVM guest that has not started the script within VM_KVM_GRACE
# seconds (default 20; a KVM boot takes about one), or that KVM reports
# failing, is ended and the VM booted again under TCG; the script had not
# started, so nothing of it runs twice.
accel_mode=${VM_ACCEL:-auto}
case "$accel_mode" in
auto) [ -w /dev/kvm ] && accel_mode=kvm || accel_mode=tcg ;;
kvm | tcg) ;;
*) die "VM_ACCEL must be auto, kvm or tcg" ;;
esac
drive=()
[ -n "$disk" ] && drive=(-drive "file=$disk,if=virtio,format=raw")
tailpid=""
if [ $verbose = 1 ]; then
	: >"$out/console.log"
	tail -n +1 -F "$out/console.log" 2>/dev/null | tr -d '\r' >&2 &
	tailpid=$!
fi
t0=$(date +%s.%N)
while :; do
	accel=(-accel "tcg,thread=multi")
	[ "$accel_mode" = kvm ] && accel=(-accel kvm -cpu host)
	# -nodefaults: no VGA/NIC/floppy/cdrom to probe; the serial console goes to a
	# file, so qemu never touches the caller's terminal. -no-reboot + panic=-1: a
	# guest panic ends qemu at once.
	timeout -k 5 "$timeout_s" qemu-system-x86_64 -nodefaults -no-user-config -display none \
		-no-reboot "${accel[@]}" -m "$mem" -smp "$smp" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic i8042.noaux i8042.nokbd i8042.nopnp no_timer_check cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 rdinit=/init $append" \
		-serial "file:$out/console.log" -monitor none "${drive[@]}" \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	kvm_failed="" waited=0
	while kill -0 "$qpid" 2>/dev/null; do
		if [ "$accel_mode" = kvm ] && ! grep -q '^VM-TEST-BEGIN' "$out/console.log" 2>/dev/null; then
			if grep -q '^KVM internal error' "$out/qemu.log" 2>/dev/null; then
				kvm_failed="KVM internal error"
			elif [ $waited -ge $((${VM_KVM_GRACE:-20} * 5)) ]; then
				kvm_failed="the script had not started after ${VM_KVM_GRACE:-20} s"
			fi
			if [ -n "$kvm_failed" ]; then
				kill "$qpid" 2>/dev/null || true
				break
			fi
		fi
		sleep 0.2
		waited=$((waited + 1))
	done
	set +e
	wait "$qpid"
	qrc=$?
	set -e
	[ -n "$kvm_failed" ] || break
	echo "$me: KVM cannot run this guest ($kvm_failed); booting again under TCG" >&2
	accel_mode=tcg
done
qpid=""
t1=$(date +%s.%N)
if [ -n "$tailpid" ]; then
	sleep 0.2
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
fi
[ "${VM_KEEP:-0}" = 1 ] && cp "$initrd" "$out/initrd.img"

console=$(tr -d '\r' <"$out/console.log" 2>/dev/null || true)
# The script's output: the lines between the two markers.
printf '%s\n' "$console" | awk '/^VM-EXIT-STATUS=/ {exit} p {print} /^VM-TEST-BEGIN/ {p=1}' >"$out/output.log"
cat "$out/output.log"
begin_up=$(printf '%s\n' "$console" | sed -n 's/^VM-TEST-BEGIN uptime=\([0-9.]*\).*/\1/p' | head -n 1)
end_line=$(printf '%s\n' "$console" | grep -m 1 '^VM-EXIT-STATUS=' || true)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
summary() { echo "$me: $*; kernel $kver ($accel_mode); initrd $((initrd_size / 1024)) KiB; wall ${wall}s" >&2; }

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	summary "TIMEOUT after ${timeout_s}s"
	echo "--- last console lines ($out/console.log) ---" >&2
	printf '%s\n' "$console" | tail -n 20 >&2
	echo 124 >"$out/status"
	exit 124
fi
if [ -z "$end_line" ]; then
	summary "VM ended without a status (qemu exit $qrc)"
	echo "--- last console lines ($out/console.log) ---" >&2
	printf '%s\n' "$console" | tail -n 30 >&2
	[ -s "$out/qemu.log" ] && sed 's/^/qemu: /' "$out/qemu.log" >&2
	echo 125 >"$out/status"
	exit 125
fi
rc=$(printf '%s\n' "$end_line" | sed -n 's/^VM-EXIT-STATUS=\([0-9]*\).*/\1/p')
end_up=$(printf '%s\n' "$end_line" | sed -n 's/.*uptime=\([0-9.]*\).*/\1/p')
# Boot = wall time minus the time the script ran (guest clock) minus shutdown,
# i.e. qemu start, firmware, kernel, /init up to the script.
boot=$(awk -v w="$wall" -v b="$begin_up" -v e="$end_up" 'BEGIN{printf "%.2f", w-(e-b)}')
summary "status $rc; boot ${boot}s (guest kernel+init ${begin_up}s)"
echo "$rc" >"$out/status"
exit "$rc"
