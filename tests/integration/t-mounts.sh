# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# The sandbox's file system (SPEC §4): read-only rootfs, minimal /dev, /tmp
# tmpfs, fresh /proc, and the policy's mounts.

# --- /dev ---------------------------------------------------------------------
run_as sbuser1 -c 'ls -A /dev | tr "\n" " "; echo; ls -A /dev/pts | tr "\n" " "'
assert_out "/dev holds the minimal entries; /dev/pts is a fresh instance" \
	"fd full null ptmx pts random shm stderr stdin stdout tty urandom zero 
ptmx "
run_as sbuser1 -c 'echo x >/dev/null && head -c 3 /dev/zero | od -An -tx1 | tr -d " "; head -c 8 /dev/urandom | wc -c; echo x >/dev/full'
assert_out "/dev/null, /dev/zero, /dev/urandom work" "000000
8"
assert_stderr_line "/dev/full: ENOSPC" "sh: write error: No space left on device"
run_as sbuser1 -c 'echo data >/dev/shm/f && cat /dev/shm/f; stat -c %a /dev/shm'
assert_out "/dev/shm is writable, 1777" "data
1777"
# Its options one by one (an LSM may add its own, seclabel say); the gid
# is the build's (make TTY_GID=N, 5 by default).
run_as sbuser1 -c 'awk "\$5 == \"/dev/pts\" { print \$NF }" /proc/self/mountinfo | tr , "\n" |
	grep -E "^(gid|mode|ptmxmode|max)=" | sort | tr "\n" " "'
assert_out "/dev/pts: terminals of the tty group (gid fixed at build), mode 620, 64 at most" \
	"gid=${TTY_GID:-5} max=64 mode=620 ptmxmode=666 "
run_as sbuser1 -c 'mknod /tmp/n c 1 3 2>&1; echo "[$?]"'
assert_out "no mknod" "mknod: /tmp/n: Operation not permitted
[1]"

# --- / and /tmp ---------------------------------------------------------------------
run_as sbuser1 -c 'touch /x'
assert_status "/ is read-only: touch /x fails" 1
assert_stderr_line "/ is read-only: message" "touch: /x: Read-only file system"
run_as sbuser1 -c 'touch ~/x'
assert_stderr_line "read-only also for the user's own home in the rootfs" "touch: /home/sbuser1/x: Read-only file system"

run_as sbuser1 -c 'echo hello >/tmp/f && cat /tmp/f && stat -c "%a %U" /tmp /tmp/f && stat -f -c %T /tmp && df -k /tmp | awk "NR==2 {print \$2}"'
assert_out "/tmp: tmpfs 1777, the user's file, 128M by default" "hello
1777 root
644 sbuser1
tmpfs
131072"
run_as sbuser1 -c 'ls -A /tmp'
assert_out "/tmp is fresh for every session" ""

write_std_policy 'readonly_root = false;'
run_as sbuser1 -c 'touch /x; touch ~/y && ls ~'
assert_stderr_line "readonly_root = false: / still not writable by the user" "touch: /x: Permission denied"
assert_out "readonly_root = false: the user's own home is writable" "y"
rm -f "$T_ROOTFS/home/sbuser1/y"

# --- /proc -----------------------------------------------------------------------------
write_std_policy
run_as sbuser1 -c 'awk "\$5 == \"/proc\" { print \$6 }" /proc/self/mountinfo'
assert_out "/proc is nosuid,nodev,noexec" "rw,nosuid,nodev,noexec,relatime"
run_as sbuser1 -c 'echo 1 >/proc/sys/kernel/hostname'
assert_stderr_line "/proc/sys is not writable" "sh: can't create /proc/sys/kernel/hostname: Permission denied"

# --- policy mounts -------------------------------------------------------------------
mkdir -p "$T_ROOTFS/mnt/share" "$T_ROOTFS/mnt/ro" "$T_ROOTFS/mnt/scratch"
mkdir -p "$T_SHARE/ro"
echo "host-data" >"$T_SHARE/ro/file"
write_std_policy "mounts = (
    { type = \"tmpfs\"; target = \"/tmp\"; size = \"8M\"; },
    { type = \"bind\"; source = \"$T_SHARE\"; target = \"/mnt/share\"; },
    { type = \"bind\"; source = \"$T_SHARE/ro\"; target = \"/mnt/ro\"; readonly = true; },
    { type = \"tmpfs\"; target = \"/mnt/scratch\"; size = \"1M\"; }
  );"
run_as sbuser1 -c 'echo from-sandbox >/mnt/share/out; cat /mnt/ro/file; echo x >/mnt/ro/new; df -k /tmp /mnt/scratch | awk "NR>1 {print \$2}"'
assert_status "policy mounts: status" 0
assert_out "policy mounts: ro bind readable, tmpfs sizes" "host-data
8192
1024"
assert_stderr_line "readonly bind: not writable" "sh: can't create /mnt/ro/new: Read-only file system"
assert_eq "read-write bind: the host sees the file" "from-sandbox 61001" \
	"$(cat "$T_SHARE/out" 2>&1) $(stat -c %u "$T_SHARE/out" 2>&1)"
run_as sbuser1 -c 'awk "\$5 ~ /^\/mnt\// { print \$5, \$6 }" /proc/self/mountinfo'
assert_out "policy mounts are nosuid,nodev" "/mnt/share rw,nosuid,nodev,relatime
/mnt/ro ro,nosuid,nodev,relatime
/mnt/scratch rw,nosuid,nodev,relatime"

# A setuid file reachable through a bind does not elevate.
cp /bin/busybox "$T_SHARE/ro/busybox-suid"
chmod 4755 "$T_SHARE/ro/busybox-suid"
run_as sbuser1 -c '/mnt/ro/busybox-suid id -u'
assert_out "setuid file in a bind mount: no effect" "61001"
rm -f "$T_SHARE/ro/busybox-suid" "$T_SHARE/out"

# A list set in a section replaces the default (no /tmp tmpfs).
write_std_policy "mounts = ( { type = \"bind\"; source = \"$T_SHARE\"; target = \"/mnt/share\"; } );"
run_as sbuser1 -c 'stat -f -c %T /tmp; touch /tmp/x'
assert_out "mounts without /tmp: no tmpfs there" "tmpfs"
assert_stderr_line "mounts without /tmp: /tmp is the read-only rootfs dir" "touch: /tmp/x: Read-only file system"

# Unsafe or impossible mounts refuse the session.
ln -sfn "$T_SHARE" "$T_ROOT/sharelink"
write_std_policy "mounts = ( { type = \"bind\"; source = \"$T_ROOT/sharelink\"; target = \"/mnt/share\"; } );"
run_as sbuser1 -c "$PROBE"
assert_refused "bind source through a symlink" 125 \
	"sandsh: bind source $T_ROOT/sharelink: Too many levels of symbolic links"
rm -f "$T_ROOT/sharelink"

write_std_policy "mounts = ( { type = \"bind\"; source = \"$T_ROOT/nosuch\"; target = \"/mnt/share\"; } );"
log_mark
run_as sbuser1 -c "$PROBE"
assert_refused "bind source missing" 125 "sandsh: bind source $T_ROOT/nosuch: No such file or directory"
assert_log_contains "bind source missing: logged" \
	"^error user=sbuser1 uid=61001 reason=bind source $T_ROOT/nosuch: No such file or directory\$"

write_std_policy "mounts = ( { type = \"bind\"; source = \"$T_SHARE\"; target = \"/mnt/nosuch\"; } );"
run_as sbuser1 -c "$PROBE"
assert_refused "bind target missing in the read-only rootfs" 125 \
	"sandsh: mount target /mnt/nosuch: No such file or directory"

# A target through a symlink in the rootfs is refused (it could lead out).
ln -sfn /run/sandsh-test "$T_ROOTFS/mnt/escape"
write_std_policy "mounts = ( { type = \"tmpfs\"; target = \"/mnt/escape/share\"; } );"
run_as sbuser1 -c "$PROBE"
assert_refused "mount target through a symlink" 125 \
	"sandsh: mount target /mnt/escape/share: Too many levels of symbolic links"
rm -f "$T_ROOTFS/mnt/escape"

rmdir "$T_ROOTFS/mnt/share" "$T_ROOTFS/mnt/ro" "$T_ROOTFS/mnt/scratch"
rm -rf "${T_SHARE:?}"/*
write_std_policy
