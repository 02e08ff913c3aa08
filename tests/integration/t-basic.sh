# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The sandbox's namespaces: hostname (UTS), PID namespace with sandsh's init
# as PID 1, the rootfs as /, and a host mount table that never changes.

# --- UTS ---------------------------------------------------------------------
host_before=$(hostname)
run_as sbuser1 -c 'hostname'
assert_status "default hostname: status" 0
assert_out "default hostname is \"sandsh\"" "sandsh"
assert_stderr_empty "default hostname: no stderr"

write_std_policy 'hostname = "lab-%u";'
run_as sbuser1 -c 'hostname; cat /proc/sys/kernel/hostname'
assert_out "hostname \"lab-%u\" expands to lab-sbuser1" "lab-sbuser1
lab-sbuser1"
run_as sbuser2 -c 'hostname'
assert_out "hostname \"lab-%u\" for sbuser2" "lab-sbuser2"

write_std_policy 'hostname = "u%U-%g.%h-x";'
run_as sbuser1 -c 'hostname'
assert_out "hostname expansions %U %g %h" "u61001-sbuser1.$(hostname | cut -d. -f1)-x"
assert_eq "host hostname unchanged" "$host_before" "$(hostname)"

# --- PID namespace -------------------------------------------------------------
write_std_policy
cmd='echo $$; ls /proc >/tmp/p; grep "^[0-9]" /tmp/p | tr "\n" " "'
run_as sbuser1 -c "$cmd"
assert_status "pid namespace: status" 0
assert_out "shell is PID 2; /proc shows only init, shell and ls" "2
1 2 3 "

# PID 1 becomes the reaper (argv "sandsh-init") once the command runs;
# t-reaper.sh has the rest.
run_as sbuser1 -c 'i=0; while [ "$(tr "\0" " " </proc/1/cmdline)" != "sandsh-init " ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; cat /proc/1/cmdline | tr "\0" " "'
assert_out "PID 1 is sandsh's init (argv sandsh-init)" "sandsh-init "

run_as sbuser1 -c 'ps -o pid,user,comm >/tmp/ps; sed 1d /tmp/ps | tr -s " " | sed "s/^ //"'
# init has dropped to the user too (no privileged process inside).
assert_out "ps: init and the user's processes only" "1 sbuser1 sandsh-init
2 sbuser1 sh
3 sbuser1 ps"

run_as sbuser1 -c 'readlink /proc/1/root; echo "rc=$?"; readlink /proc/self/root'
assert_out "init is not ptraceable by the user; own root is /" "rc=1
/"

# init runs as the user, so kill(2) succeeds, but the kernel never
# delivers SIGKILL to a PID namespace's init from inside it.
run_as sbuser1 -c 'kill -KILL 1; echo "rc=$?"; sleep 0.3; echo alive'
assert_out "the user cannot kill init (SIGKILL from inside is ignored)" "rc=0
alive"
assert_status "the user cannot kill init: status" 0

# Other signals sent to init are forwarded to the command, as from outside.
run_as sbuser1 -c 'kill -TERM 1; sleep 5; echo not-reached'
assert_status "SIGTERM to init from inside reaches the shell: 143" 143
assert_out "SIGTERM to init from inside: nothing more ran" ""

# Orphans are reaped and gone when the session ends.
run_as sbuser1 -c 'sleep 60 & sleep 60 & echo started'
assert_out "background jobs: session returns" "started"
assert_status "background jobs: status" 0
assert_eq "background jobs killed with the session" "" "$(procs -u 61001)"
assert_match "background jobs: session ended promptly" '^[0-9]$' "$((DURATION_MS / 1000))"

# --- rootfs --------------------------------------------------------------------------
echo "rootfs-marker" >"$T_ROOTFS/ROOTFS-MARKER"
echo "host-marker" >"$T_ROOT/HOST-MARKER"
run_as sbuser1 -c "cat /ROOTFS-MARKER; test -e $T_ROOT/HOST-MARKER && echo host-visible; ls -A / | tr '\n' ' '"
assert_out "rootfs is /, host files invisible" "rootfs-marker
ROOTFS-MARKER bin dev etc home mnt proc root run sbin tmp usr var "
rm -f "$T_ROOTFS/ROOTFS-MARKER" "$T_ROOT/HOST-MARKER"

echo "host-etc-marker" >/etc/HOST-ETC-MARKER
run_as sbuser1 -c 'ls /etc; ls /sys 2>&1; ls /run'
assert_out "the host's /etc and /sys are not reachable" "group
hostname
passwd
ls: /sys: No such file or directory"
rm -f /etc/HOST-ETC-MARKER

run_as sbuser1 -c 'pwd; echo "$HOME"'
assert_out "starts in the passwd home" "/home/sbuser1
/home/sbuser1"

run_as sbuser1 -c 'awk "{print \$5}" /proc/self/mountinfo | tr "\n" " "'
assert_out "mount points inside" "/ /tmp /etc/passwd /etc/group /dev /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/pts /dev/shm /proc "

# --- the host's mount table -----------------------------------------------------------
mi_before=$(cat /proc/self/mountinfo)
run_as -t 20 sbuser1 -c 'sleep 3' &
bg=$!
sleep 1.5
mi_during=$(cat /proc/self/mountinfo)
wait $bg
mi_after=$(cat /proc/self/mountinfo)
assert_eq "host mount table unchanged during a session" "$mi_before" "$mi_during"
assert_eq "host mount table unchanged after a session" "$mi_before" "$mi_after"
assert_eq "no runtime state visible outside but /run/sandsh" "sandsh sandsh-test" "$(ls /run | tr '\n' ' ' | sed 's/ $//')"
assert_eq "/run/sandsh is root-owned 0700" "700 0 0" "$(stat -c '%a %u %g' /run/sandsh)"

# --- login shell ------------------------------------------------------------------------
printf 'echo "argv0=$0"\nhostname\n' >"$T_WORK/login-input"
run_as -0 -sandsh -i "$T_WORK/login-input" sbuser1
assert_status "login shell (argv0 -sandsh): status" 0
assert_out "login shell runs the policy shell as -sh" "argv0=-sh
sandsh"

run_as -e "SSH_ORIGINAL_COMMAND=echo forced; hostname" sbuser1
assert_out "SSH_ORIGINAL_COMMAND runs with the policy shell" "forced
sandsh"

run_as -e "SSH_ORIGINAL_COMMAND=echo forced" sbuser1 -c 'echo given'
assert_out "-c wins over SSH_ORIGINAL_COMMAND" "given"
