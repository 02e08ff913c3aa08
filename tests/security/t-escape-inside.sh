# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# From inside the sandbox (tests/security/tools/esc-probe, static, as the
# user), and against it from the same user's other shell on the host. Each
# attempt has one exact outcome. With the default seccomp filter, and
# again with seccomp = false to show what holds without it (t-seccomp.sh
# proves the filter itself): no capability, a pivot_root'ed root with the
# old one detached, no /sys, a read-only /proc/sys.

install -o root -g root -m 0755 "$ESC_PROBE" "$T_ROOTFS/bin/esc-probe"

# inside SECCOMP-DESC OP... : runs "esc-probe OP" for each OP in one session
# and checks each result against the EXPECT table (op=result).
inside() {
	local desc=$1 cmd="" op want got
	shift
	for op in "$@"; do cmd="$cmd echo \"$op=\$(/bin/esc-probe $op 2>&1)\";"; done
	run_as sbuser1 -c "$cmd"
	for op in "$@"; do
		want=${EXPECT[$op]}
		got=$(printf '%s\n' "$OUT" | awk -v k="$op=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }')
		assert_eq "$desc: $op -> $want" "$want" "$got"
	done
}

declare -A EXPECT=(
	[mount]=EPERM [mount-cgroup]=EPERM [umount-proc]=EPERM [pivot-root]=EPERM [sethostname]=EPERM
	[open-tree]=EPERM [unshare-user]=EPERM [unshare-mnt]=EPERM [unshare-pid]=EPERM [unshare-net]=EPERM
	[unshare-cgroup]=EPERM [chroot-escape]=EPERM [userns-escape]=EPERM
	["write /sys/fs/cgroup/cgroup.procs"]=ENOENT ["mkdir /sys"]=EROFS
	["write /proc/sys/kernel/core_pattern"]=EACCES ["write /proc/sys/vm/drop_caches"]=EACCES
	["write /proc/sys/kernel/randomize_va_space"]=EACCES ["write /proc/sys/kernel/hostname"]=EACCES
	["read /proc/1/environ"]=EACCES ["read /proc/1/mem"]=EACCES ["ptrace 1"]=EPERM ["seize 1"]=EPERM
	["kill 1 19"]=ok
)
ops=(mount mount-cgroup umount-proc pivot-root sethostname open-tree unshare-user unshare-mnt unshare-pid
	unshare-net unshare-cgroup chroot-escape userns-escape "write /sys/fs/cgroup/cgroup.procs" "mkdir /sys"
	"write /proc/sys/kernel/core_pattern" "write /proc/sys/vm/drop_caches" "write /proc/sys/kernel/randomize_va_space"
	"write /proc/sys/kernel/hostname" "read /proc/1/environ" "read /proc/1/mem" "ptrace 1" "seize 1")
inside "default filter" "${ops[@]}"

# Without the filter the kernel alone: no capability anywhere, except that
# an unprivileged user namespace can be made; inside it, root of its own,
# the chroot escape and a clone of "/" still find only the rootfs.
write_std_policy 'seccomp = false;'
EXPECT[unshare-user]=ok
EXPECT[chroot-escape]=EPERM
EXPECT[userns-escape]="rootfs open_tree=ok"
inside "seccomp = false" "${ops[@]}"
write_std_policy

# SIGSTOP sent to PID 1 from inside: ignored (init of its namespace).
run_as sbuser1 -c '/bin/esc-probe kill 1 19; sleep 0.3; grep "^State:" /proc/1/status | cut -f2 | cut -c1'
assert_eq "SIGSTOP to PID 1 from inside: no effect" "0|ok
S|" "$STATUS|$OUT|$ERR"
# The cgroup namespace hides the host's hierarchy paths.
run_as sbuser1 -c 'cut -d: -f3 /proc/self/cgroup | sort -u'
assert_eq "/proc/self/cgroup: every hierarchy at / (cgroup namespace)" "0|/|" "$STATUS|$OUT|$ERR"

# --- a nested sandsh ---------------------------------------------------------------------
# The binary with its libraries, setuid root, inside the rootfs: the rootfs
# is nosuid and the session under no_new_privs; it refuses, also when the
# caller pretends to be in a PAM session.
libs=$(ldd "$SANDSH" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
copied=()
for l in $libs; do
	if [ ! -e "$T_ROOTFS$l" ]; then
		install -D -o root -g root -m 0755 "$l" "$T_ROOTFS$l"
		copied+=("$T_ROOTFS$l")
	fi
done
install -o root -g root -m 4755 "$SANDSH" "$T_ROOTFS/bin/sandsh"
run_as sbuser1 -c '/bin/sandsh -c "echo nested"; echo "status $?"'
assert_eq "nested sandsh: refused under no_new_privs" \
	"0|status 125|sandsh: invocation: refusing to run under no_new_privs (nested sandbox?)" "$STATUS|$OUT|$ERR"
run_as sbuser1 -c 'SANDSH_SESSION=x /bin/sandsh -c "echo nested"; echo "status $?"'
assert_eq "nested sandsh claiming a PAM session (SANDSH_SESSION): refused all the same" \
	"0|status 125|sandsh: invocation: refusing to run under no_new_privs (nested sandbox?)" "$STATUS|$OUT|$ERR"
rm -f "$T_ROOTFS/bin/sandsh" "${copied[@]}"
find "$T_ROOTFS/lib" "$T_ROOTFS/lib64" "$T_ROOTFS/usr/lib" -depth -type d -empty -delete 2>/dev/null

# --- from the host, as the same user ---------------------------------------------------------
run_bg sbuser1 -c 'sleep 4'
outer=$(wait_for_session)
init=$(procs -c sandsh-init | head -n 1)
host_probe() { env -i timeout 10 setpriv --reuid=61001 --regid=61001 --init-groups -- "$ESC_PROBE" "$@" 2>&1; }
assert_eq "host, same user: ptrace(ATTACH) of the outer sandsh -> EPERM" EPERM "$(host_probe ptrace "$outer")"
assert_eq "host, same user: ptrace(SEIZE) of the outer sandsh -> EPERM" EPERM "$(host_probe seize "$outer")"
assert_eq "host, same user: SIGKILL to the outer sandsh -> EPERM" EPERM "$(host_probe kill "$outer" 9)"
assert_eq "host, same user: SIGSTOP to the outer sandsh -> EPERM" EPERM "$(host_probe kill "$outer" 19)"
assert_eq "host, same user: /proc/<outer>/environ -> EACCES" EACCES "$(host_probe read "/proc/$outer/environ")"
assert_eq "host, same user: /proc/<outer>/mem -> EACCES" EACCES "$(host_probe read "/proc/$outer/mem")"
assert_eq "host, same user: ptrace(ATTACH) of the sandbox's PID 1 (non-dumpable) -> EPERM" EPERM \
	"$(host_probe ptrace "$init")"
assert_eq "host, same user: /proc/<PID 1>/environ -> EACCES" EACCES "$(host_probe read "/proc/$init/environ")"
wait_bg
assert_eq "the session went on undisturbed" "0" "$STATUS"

# --- TIOCSTI on the session's terminal ----------------------------------------------------------
# Under script(1): the session pushes a command line into its own
# terminal, then ends; the shell outside (here, the one script runs) would
# read and run it. The filter refuses TIOCSTI; nothing is left to read.
if command -v script >/dev/null; then
	rm -f "$T_SHARE/INJECTED"
	inj="touch $T_SHARE/INJECTED"
	outer_cmd="env -i PATH=/usr/bin:/bin /usr/bin/setpriv --reuid=61001 --regid=61001 --init-groups -- $SANDSH -c '/bin/esc-probe tiocsti \"$inj
\"'; read -t 2 line && echo \"LEFTOVER:\$line\" && eval \"\$line\"; echo done"
	out=$(sleep 4 | SHELL=/bin/bash timeout 20 script -qec "$outer_cmd" /dev/null 2>&1 | tr -d '\r')
	assert_eq "TIOCSTI into the session's terminal -> EPERM, nothing left for the shell outside" \
		"EPERM|done|absent" "$(printf '%s\n' "$out" | grep -v '^$' | tr '\n' '|' | sed 's/|$//')|$([ -e "$T_SHARE/INJECTED" ] && echo present || echo absent)"
else
	skip "TIOCSTI into the session's terminal" "script(1) not installed"
fi
rm -f "$T_ROOTFS/bin/esc-probe" "$T_SHARE/INJECTED"
