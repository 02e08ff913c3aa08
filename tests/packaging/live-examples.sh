# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016
# Real sessions with each example policy of conf/examples/, adapted to the
# hermetic fixture (tests/lib/hermetic.sh): the busybox rootfs, the fixture
# cgroup_parent, /bin/sh for /bin/bash, and the example's groups renamed to
# the fixture's (sbuser1 is in sbstudents, sbadmin in sbstaff).
# Run by tests/packaging/test-examples.sh through tests/integration/run.sh,
# which provides the private namespaces, fixture users and host checks.

EXAMPLES=$H_REPO/conf/examples

# Host homes for the bind sources, in a tmpfs of this private namespace.
h_tmpfs_over /home mode=0755,size=4m sandsh-examples-home
install -d -o sbuser1 -g sbuser1 -m 0700 /home/sbuser1
install -d -o sbadmin -g sbadmin -m 0700 /home/sbadmin
# What sftp-only.conf expects in its rootfs.
install -d -o root -g root -m 0755 "$T_ROOTFS/data" "$T_ROOTFS/usr/local" "$T_ROOTFS/usr/local/libexec"
install -o root -g root -m 0755 "$EXAMPLES/sftp-only-shell" "$T_ROOTFS/usr/local/libexec/sftp-only-shell"

# use_example FILE [SED-EXPRESSION...]: FILE, adapted, becomes the policy.
use_example() {
	local f=$1 e args=()
	shift
	for e in "$@"; do args+=(-e "$e"); done
	sed -e "s|rootfs *= *\"/srv/sandsh/[a-z]*\"|rootfs = \"$T_ROOTFS\"|" \
		-e "s|cgroup_parent *= *\"sandsh\"|cgroup_parent = \"$T_CGROUP_PARENT\"|" \
		-e 's|"/bin/bash"|"/bin/sh"|' "${args[@]}" "$EXAMPLES/$f" >"$T_WORK/example.conf"
	if ! grep -q cgroup_parent "$T_WORK/example.conf"; then
		sed -i "s|^version = 1;|version = 1;\nsettings = { cgroup_parent = \"$T_CGROUP_PARENT\"; };|" \
			"$T_WORK/example.conf"
	fi
	write_policy <"$T_WORK/example.conf"
}

host=$(hostname | cut -d. -f1)

# --- lab.conf -----------------------------------------------------------------
use_example lab.conf 's/^  students = {/  sbstudents = {/' 's/^  sandsh-exempt = {/  sbstaff = {/'
run_as sbuser1 -c 'hostname; echo "$HOME"; pwd; ls /home; echo hi >"$HOME/lab-file"'
assert_status "lab: student session" 0
assert_out "lab: hostname lab-<user>, home bound at its path, no other home visible" "lab-sbuser1
/home/sbuser1
/home/sbuser1
sbuser1"
assert_eq "lab: the file written in the sandbox is in the user's host home" "hi" \
	"$(cat /home/sbuser1/lab-file 2>&1)"
run_as sbadmin -c 'hostname'
assert_status "lab: staff session" 0
assert_out "lab: staff are not sandboxed (the host's name)" "$(hostname)"

# --- shell-server.conf ------------------------------------------------------------
use_example shell-server.conf 's/^  sandsh-exempt = {/  sbstaff = {/'
run_as sbuser1 -c 'hostname; ls /home; grep -c ":" /proc/net/dev'
assert_status "shell-server: session" 0
host_ifaces=$(grep -c ":" /proc/net/dev)
assert_out "shell-server: hostname %h, own home only, host network" "$host
sbuser1
$host_ifaces"
use_example shell-server.conf 's/^  trial = {/  sbstudents = {/'
run_as sbuser1 -c 'grep ":" /proc/net/dev | cut -d: -f1 | tr -d " "'
assert_status "shell-server trial: session" 0
assert_out "shell-server trial: net = \"none\" leaves only lo" "lo"

# --- sftp-only.conf -----------------------------------------------------------------
use_example sftp-only.conf 's/^  sftponly = {/  sbstudents = {/'
run_as sbuser1 -c 'ls /'
assert_status "sftp-only: a shell command is refused (status 1)" 1
assert_stderr_line "sftp-only: the wrapper says why" "This account is for sftp and rsync only."
run_as sbuser1
assert_status "sftp-only: an interactive login is refused (status 1)" 1
run_as sbuser1 -c '/usr/lib/openssh/sftp-server'
# The busybox rootfs has no sftp-server: the wrapper let it through and
# its exec failed inside the sandbox.
assert_status "sftp-only: sftp-server is let through (not in this rootfs: 127)" 127
run_as sbadmin -c 'true'
assert_status "sftp-only: a non-member is refused" 1
assert_stderr_line "sftp-only: non-member message" "sandsh: session refused: access denied by policy"

# --- bastion.conf -----------------------------------------------------------------
use_example bastion.conf 's/^  bastion = {/  sbstudents = {/'
run_as sbuser1 -c 'hostname; stat -c "%U %a" "$HOME"; ls /home; touch "$HOME/x" && echo written'
assert_status "bastion: session" 0
assert_out "bastion: hostname, a private tmpfs home of the user's own, no other home" "bastion
sbuser1 700
sbuser1
written"
assert_eq "bastion: nothing written to the host home" "" "$(find /home/sbuser1 -mindepth 1 ! -name lab-file)"
run_as sbadmin -c 'true'
assert_status "bastion: a non-member is refused" 1

umount -n -R /home
