# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# Network and IPC namespaces (SPEC §3 net, ipc).

host_ifaces=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | sort | tr '\n' ' ')
host_netns=$(readlink /proc/self/ns/net)
host_ipcns=$(readlink /proc/self/ns/ipc)

# net = "host" (default): the host's interfaces.
run_as sbuser1 -c 'awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev | sort | tr "\n" " "'
assert_out "net = host: the host's interfaces" "$host_ifaces"

write_std_policy 'net = "none";'
run_as sbuser1 -c 'awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev | tr "\n" " "; ip link show lo | grep -o "<[^>]*>"'
assert_out "net = none: only lo, and it is up" "lo <LOOPBACK,UP,LOWER_UP>"
run_as sbuser1 -c 'nc -w 1 192.0.2.1 80 </dev/null; echo "[$?]"'
assert_out "net = none: no route out (status)" "[1]"
assert_stderr_line "net = none: no route out" "nc: can't connect to remote host (192.0.2.1): Network is unreachable"
run_as sbuser1 -c 'nc -l -p 7777 -e echo listened & sleep 0.3; nc 127.0.0.1 7777 </dev/null'
assert_out "net = none: lo works" "listened"
write_std_policy

# ipc = true (default): a new IPC namespace; ipc = false: the host's.
# The namespace inodes are compared through a bind of the share dir.
mkdir -p "$T_ROOTFS/mnt/share"
write_std_policy "mounts = ( { type = \"bind\"; source = \"$T_SHARE\"; target = \"/mnt/share\"; } );"
run_as sbuser1 -c 'readlink /proc/$$/ns/ipc >/mnt/share/ipc; readlink /proc/$$/ns/net >/mnt/share/net'
assert_eq "ipc = true: a new IPC namespace" "different" \
	"$([ "$(cat "$T_SHARE/ipc")" != "$host_ipcns" ] && echo different || echo same)"
assert_eq "net = host: the host's network namespace" "$host_netns" "$(cat "$T_SHARE/net")"
write_std_policy 'ipc = false;' "mounts = ( { type = \"bind\"; source = \"$T_SHARE\"; target = \"/mnt/share\"; } );"
run_as sbuser1 -c 'readlink /proc/$$/ns/ipc >/mnt/share/ipc'
assert_eq "ipc = false: the host's IPC namespace" "$host_ipcns" "$(cat "$T_SHARE/ipc")"
rm -f "$T_SHARE/ipc" "$T_SHARE/net"
rmdir "$T_ROOTFS/mnt/share"
write_std_policy
