#!/bin/bash
# The systemd host test bed (issue 11): a Debian 12 guest with systemd as
# PID 1 on pure cgroup v2 (scripts/mkimage-debian12.sh, cached), booted
# under qemu (TCG, 2 CPUs, 1 GiB) from a qcow2 overlay of the cached image;
# the project's .debs (packaging/build-deb.sh, as `make deb`; built in a
# Debian 12 build root on other hosts: scripts/deb-for-debian12.sh)
# installed with dpkg -i; sessions driven through real ssh logins from the host to the
# guest's stock sshd (UsePAM, pam_systemd) on a loopback port forwarded to
# the guest's port 22. The cases are tests/vm-systemd/t-*.sh.
# Usage: tests/vm-systemd/run.sh BUILD_DIR [t-NAME.sh ...]       (root)
# Env: VM_HOLD=S   before the guest is powered off, keep it up S seconds
#                  (or until BUILD_DIR/vm-systemd/release exists) and print
#                  root's ssh command line, to look around from another terminal
#      VM_GONE_S   the "nothing remains" bound in seconds (default 5)
# Everything runs in private mount and PID namespaces (tests/lib/suite.sh):
# qemu dies with them; the overlay, logs and temporary files live in
# BUILD_DIR/vm-systemd/ (console.log, journal.log, qemu.log stay there).
# Ends with "N passed, N failed[, N skipped]"; exits non-zero on failure.
# T_SECTION is read by the sourced reporting functions; commands for the
# guest are single-quoted on purpose:
# shellcheck disable=SC2034,SC2016
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=tests/lib/suite.sh
. "$repo/tests/lib/suite.sh"
suite_start vm-systemd "qemu, the image cache in /var/cache/sandsh-vm; run: sudo make vm-systemd" "$@"
[ -n "${SANDSH_TEST_INNER:-}" ] ||
	suite_outer vm-systemd "scripts/deps.sh vm-systemd installs what is missing" 3000 \
		qemu-system-x86_64 qemu-img ssh scp debootstrap mkfs.ext4 dpkg-buildpackage -- "$@"

build=$1
shift
mkdir -p "$build" && build=$(cd "$build" && pwd) || exit 1

VM_WORK=$build/vm-systemd
T_ROOT=$VM_WORK            # hermetic.sh's paths point here, never at the host's /run
# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"
# shellcheck source=tests/lib/sshd.sh
. "$repo/tests/lib/sshd.sh"
# shellcheck source=tests/vm-systemd/lib.sh
. "$here/lib.sh"

rm -rf "$VM_WORK"
mkdir -p "$VM_WORK/tmp" "$VM_WORK/share"
export TMPDIR=$VM_WORK/tmp
export T_RESULTS=$VM_WORK/results
: >"$T_RESULTS"
: >"$VM_WORK/bg.pids"
cd "$repo" || exit 1
T_SECTION="setup: "

die_setup() {
	fail "$@"
	vm_stop
	suite_end
	exit 1
}

# --- the image and the packages ---------------------------------------------------
t0=$(date +%s)
if ! IMG=$(scripts/mkimage-debian12.sh 2>"$VM_WORK/mkimage.err"); then
	die_setup "the Debian 12 guest image is built" "$(cat "$VM_WORK/mkimage.err")"
fi
pass "the Debian 12 guest image ($(sed -n 's/^kernel //p' "$IMG/info"), $(($(date +%s) - t0)) s)"
t0=$(date +%s)
if ! scripts/deps.sh deb >"$VM_WORK/deb.log" 2>&1 ||
	! scripts/deb-for-debian12.sh "$VM_WORK/pkg" >>"$VM_WORK/deb.log" 2>&1; then
	die_setup "the .debs are built for Debian 12 (scripts/deb-for-debian12.sh: as make deb on Debian 12)" \
		"$(tail -n 30 "$VM_WORK/deb.log")"
fi
debs=()
for f in "$VM_WORK"/pkg/sandsh_*.deb "$VM_WORK"/pkg/libpam-sandsh_*.deb; do
	[ -f "$f" ] && debs+=("$f")
done
[ ${#debs[@]} = 2 ] || die_setup "the .debs are built" "found: ${debs[*]}"
pass "the .debs are built (${debs[*]##*/} in $(($(date +%s) - t0)) s)"

# --- the guest ---------------------------------------------------------------------
QEMU_PID="" QEMU_WRAP=""
qemu_alive() { [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; }

# vm_boot: qemu on a free loopback port (another one if that port was
# taken meanwhile); waits for root's ssh login. Sets VM_PORT, BOOT_S.
vm_boot() {
	local try i t0
	qemu-img create -q -f qcow2 -F raw -b "$IMG/image.raw" "$VM_WORK/disk.qcow2" || return 1
	for try in 1 2 3 4 5; do
		VM_PORT=$(sshd_free_port) || return 1
		rm -f "$VM_WORK/qemu.pid"
		t0=$(date +%s%N)
		# The qemu process dies with its parent (pdeathsig), the parent with
		# the suite's timeout or PID namespace.
		timeout -k 5 2700 setpriv --pdeathsig KILL -- \
			qemu-system-x86_64 -nodefaults -no-user-config -nographic -monitor none \
			-serial "file:$VM_WORK/console.log" -accel tcg,thread=multi -m 1G -smp 2 \
			-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
			-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1" \
			-drive "file=$VM_WORK/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$VM_PORT-:22" -device virtio-net-pci,netdev=n0 \
			-object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-pci,rng=rng0 \
			-no-reboot -pidfile "$VM_WORK/qemu.pid" >"$VM_WORK/qemu.log" 2>&1 &
		QEMU_WRAP=$!
		for i in $(seq 50); do
			[ -s "$VM_WORK/qemu.pid" ] && break
			kill -0 "$QEMU_WRAP" 2>/dev/null || break
			sleep 0.1
		done
		QEMU_PID=$(cat "$VM_WORK/qemu.pid" 2>/dev/null)
		if ! qemu_alive; then
			# The port was taken between the look-up and qemu's bind.
			grep -q 'hostfwd\|host forwarding' "$VM_WORK/qemu.log" && continue
			return 1
		fi
		ssh_opts
		for i in $(seq 240); do
			qemu_alive || return 1
			if G_T=15 G_login true 2>/dev/null; then
				BOOT_S=$(awk -v t="$((($(date +%s%N) - t0) / 1000000))" 'BEGIN { printf "%.1f", t / 1000 }')
				return 0
			fi
			sleep 1
		done
		return 1
	done
	return 1
}

# vm_hold: with VM_HOLD=SECONDS, the guest stays up that long (or until
# BUILD/vm-systemd/release exists) for a login from another terminal.
vm_hold() {
	local i
	case "${VM_HOLD:-}" in '' | *[!0-9]*) return 0 ;; esac
	rm -f "$VM_WORK/release"
	echo "# VM_HOLD: the guest stays up for $VM_HOLD s (touch $VM_WORK/release to end it now); root's login:"
	echo "#   ssh ${SSH_OPTS[*]} -i $IMG/id_root root@127.0.0.1"
	for ((i = 0; i < VM_HOLD; i++)); do
		[ -e "$VM_WORK/release" ] && break
		qemu_alive || break
		sleep 1
	done
	rm -f "$VM_WORK/release"
}

# vm_stop: the guest's journal into journal.log, power-off, and qemu gone
# (killed by its pid if it does not stop within 60 s); the overlay removed.
vm_stop() {
	local i
	bg_end_all
	if qemu_alive; then
		G_T=60 G "journalctl -b --no-pager -o short-monotonic" >"$VM_WORK/journal.log" 2>&1
		vm_hold
		G_T=20 G "systemctl poweroff" >/dev/null 2>&1
		G_mux_end
		for i in $(seq 600); do
			qemu_alive || break
			sleep 0.1
		done
		qemu_alive && kill -KILL "$QEMU_PID"
	fi
	[ -n "$QEMU_WRAP" ] && wait "$QEMU_WRAP" 2>/dev/null
	QEMU_WRAP=""
	rm -f "$VM_WORK/disk.qcow2"
	rm -rf "$VM_WORK/tmp"
}

suite_end() {
	local npass nfail nskip
	npass=$(grep -c '^ok ' "$T_RESULTS")
	nfail=$(grep -c '^fail ' "$T_RESULTS")
	nskip=$(grep -c '^skip ' "$T_RESULTS")
	if [ "$nfail" -gt 0 ]; then
		echo "# failed:"
		grep '^fail ' "$T_RESULTS" | sed 's/^fail /#   /'
	fi
	if [ "$nskip" -gt 0 ]; then
		echo "$npass passed, $nfail failed, $nskip skipped"
	else
		echo "$npass passed, $nfail failed"
	fi
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
}

trap 'vm_stop' EXIT
vm_boot || die_setup "the guest boots and root logs in over ssh" "qemu: $(cat "$VM_WORK/qemu.log" 2>/dev/null)" \
	"console (last 30 lines): $(tail -n 30 "$VM_WORK/console.log" 2>/dev/null | tr -d '\r')"
pass "the guest boots and root logs in over ssh on 127.0.0.1:$VM_PORT (${BOOT_S} s)"
echo "# boot: ${BOOT_S} s from qemu's start to root's first ssh login"

assert_eq "systemd is PID 1 on pure cgroup v2 (/run/systemd/system, cgroup2fs)" \
	"systemd cgroup2fs yes" \
	"$(G 'echo "$(cat /proc/1/comm) $(stat -f -c %T /sys/fs/cgroup) $([ -d /run/systemd/system ] && echo yes)"')"

# --- installing: dpkg -i, a rootfs, the fixture users, sshd and PAM -----------------
if ! G "install -d -m 0700 /root/vmt" ||
	! env -u SSH_AUTH_SOCK scp -q "${SCP_OPTS[@]}" -i "$IMG/id_root" "${debs[@]}" "$here/guest.sh" \
		"$IMG/id_user.pub" root@127.0.0.1:/root/vmt/; then
	die_setup "the packages are copied into the guest (scp)"
fi
out=$(G "chmod 0755 $GS && dpkg -i /root/vmt/sandsh_*.deb /root/vmt/libpam-sandsh_*.deb 2>&1")
st=$?
[ $st = 0 ] || die_setup "dpkg -i installs the packages" "status $st" "$out"
assert_eq "dpkg -i installs the packages (sandsh setuid root, pam_sandsh.so in Debian's module directory)" \
	"4755 root /usr/lib/x86_64-linux-gnu/security/pam_sandsh.so" \
	"$(G 'echo "$(stat -c "%a %U" /usr/sbin/sandsh) $(readlink -f /lib/x86_64-linux-gnu/security/pam_sandsh.so)"')"

# nohup: the persistent sandbox's job (t-persist) must outlive its login.
out=$(G "sandsh-mkrootfs --quiet --add systemd-run --add busctl --add nohup /srv/sandsh/rootfs 2>&1")
st=$?
[ $st = 0 ] || die_setup "sandsh-mkrootfs builds the sandbox rootfs" "status $st" "$out"
pass "sandsh-mkrootfs builds the sandbox rootfs (with systemd-run, busctl and nohup)"

# The users: login shell sandsh (shell), bash with a ForceCommand (force),
# bash with pam_sandsh (pam, group sbpam). Their homes exist on the host
# side (authorized_keys) and, root-owned, in the rootfs.
setup=$(
	echo "set -e; groupadd -g 2100 sbpam"
	for u in $VM_USERS; do
		IFS=: read -r name uid how <<<"$u"
		sh=/usr/sbin/sandsh grp=""
		case "$how" in force) sh=/bin/bash ;; pam) sh=/bin/bash grp="-G sbpam" ;; esac
		echo "useradd -m -u $uid -U -s $sh $grp -p '*' $name"
		echo "install -d -o $name -g $name -m 0700 /home/$name/.ssh"
		echo "install -o $name -g $name -m 0600 /root/vmt/id_user.pub /home/$name/.ssh/authorized_keys"
		echo "install -d -m 0755 /srv/sandsh/rootfs/home/$name"
	done
	echo "{ echo 'Match User vmforce'; echo '    ForceCommand /usr/sbin/sandsh'; } >/etc/ssh/sshd_config.d/zz-sandsh-tests.conf"
	# ForceCommand needs a stack that does not read the user's environment
	# (sandsh refuses it otherwise: docs/ssh.md).
	echo "sed -i -E 's/(pam_env\\.so.*)user_readenv=1/\\1user_readenv=0/' /etc/pam.d/sshd"
	echo "sshd -t && systemctl reload ssh"
	# pam_sandsh last in Debian's stock sshd stack, after common-session
	# (pam_systemd), for the group sbpam only.
	echo "{ echo 'session [success=1 default=ignore] pam_succeed_if.so quiet user notingroup sbpam'; echo 'session required pam_sandsh.so'; } >>/etc/pam.d/sshd"
)
if ! out=$(G "$setup" 2>&1) || ! g_ready 60; then
	die_setup "the fixture users, ForceCommand and pam_sandsh are set up" "$out"
fi
pass "users vmshell/vmbomb/vmescape (login shell sandsh), vmforce (ForceCommand), vmpam (pam_sandsh after pam_systemd)"

# vm_policy: the test policy, written afresh before each case. The user's
# slice goes with the last session (slice_linger = 0): no case finds the
# last one's slice, or its stopper, still there; t-slice-linger.sh and the
# bench take the built-in time (lib.sh: slice_linger).
vm_policy() {
	G "cat >/etc/sandsh/sandsh.conf.new && mv /etc/sandsh/sandsh.conf.new /etc/sandsh/sandsh.conf && sandsh --check >/dev/null" <<'EOF' ||
version = 1;
settings = {
  slice_linger = 0;
  cgroup_parent = "sandsh";
  log_facility = "authpriv";
};
defaults = {
  rootfs = "/srv/sandsh/rootfs";
  hostname = "sbx-%u";
  shell = "/bin/sh";
  pids_max = 64;
  memory_max = "256M";
  cpu_max = "100%";
  mounts = ( { type = "tmpfs"; target = "/tmp"; size = "16M"; } );
};
users = {
  vmbomb = { pids_max = 32; };
};
EOF
		fail "the test policy is written and sandsh --check accepts it"
}
vm_policy && pass "the test policy is written and sandsh --check accepts it"
echo "# guest: $(G 'echo "$(. /etc/os-release; echo $PRETTY_NAME), $(systemctl --version | head -n 1), kernel $(uname -r)"')"

# vm_after: between cases, whatever a case left (it has been reported) is
# ended so the next case starts clean.
vm_after() {
	local left
	bg_end_all
	left=$(G "$GS cleanup $VM_UIDS")
	[ -z "$left" ] || printf '%s\n' "$left" | sed 's/^/# cleanup after the case: /'
}

suite_tests "$here" "$@"
suite_start_s=$(date +%s)
suite_run vm_policy vm_after
T_SECTION="run: "
echo "# cases: $(($(date +%s) - suite_start_s)) s"

vm_stop
trap - EXIT
assert_eq "qemu has stopped (guest powered off)" "" "$(qemu_alive && echo "qemu $QEMU_PID still runs")"
suite_end
