#!/bin/bash
# A throwaway sandsh session to look at (`make demo`, as root).
# Usage: scripts/demo.sh BUILD_DIR
#
# Everything lives in a private mount (and PID) namespace, as in the
# integration tests (tests/lib/hermetic.sh): sandsh installed setuid under
# /run/sandsh-demo, a busybox rootfs, a demo user "sandshdemo" that exists
# only in that namespace's /etc/passwd, and /etc/sandsh/sandsh.conf for it.
# With a terminal on stdin you get an interactive sandboxed login shell;
# otherwise a scripted walk-through is printed. The host is left as it was
# (checked at the end).
# The T_* variables configure the sourced tests/lib/hermetic.sh:
# shellcheck disable=SC2034
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
DEMO_ROOT=/run/sandsh-demo
DEMO_USER=sandshdemo
DEMO_UID=61900

if [ $# -ne 1 ]; then
	echo "usage: scripts/demo.sh BUILD_DIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: must run as root (it installs a setuid binary in a private mount namespace)" >&2
	exit 1
fi

if [ -z "${SANDSH_DEMO_INNER:-}" ]; then
	for tool in unshare setpriv timeout findmnt; do
		command -v "$tool" >/dev/null || { echo "demo.sh: $tool not found (apt-get install util-linux)" >&2; exit 1; }
	done
	[ -x /bin/busybox ] || { echo "demo.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }
	[ -x "$1/sandsh" ] || { echo "demo.sh: $1/sandsh not built (run make)" >&2; exit 1; }

	snap() {
		awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo |
			grep -E '^/(run|etc|dev|proc|tmp)(/| )|sandsh' | sort
		for p in "$DEMO_ROOT" /run/sandsh /run/mount /dev/log /etc/sandsh; do
			[ -e "$p" ] || [ -L "$p" ] && echo "exists: $p"
		done
		getent passwd "$DEMO_USER"
		ls -d /sys/fs/cgroup/sandsh-demo-* /sys/fs/cgroup/*/sandsh-demo-* 2>/dev/null
	}
	before=$(snap)

	# Interactive: no overall timeout (the policy's timeout bounds the
	# session); scripted: a few minutes at most.
	limit=300
	[ -t 0 ] && limit=0
	SANDSH_DEMO_INNER=1 SANDSH_HOST_MNTNS=$(readlink /proc/self/ns/mnt) timeout -k 10 "$limit" \
		unshare --mount --propagation private --pid --fork --kill-child --mount-proc \
		-- "$0" "$@"
	rc=$?

	after=$(snap)
	left=$(for d in /proc/[0-9]*; do
		awk -v u="$DEMO_UID" '/^Uid:/ && $2 == u { print FILENAME }' "$d/status" 2>/dev/null
	done)
	if [ "$before" == "$after" ] && [ -z "$left" ]; then
		echo "demo: the host is as it was (mounts, /run, /etc, processes, cgroups)."
	else
		echo "demo: WARNING: the host changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		[ -n "$left" ] && echo "processes of $DEMO_USER left: $left" >&2
		rc=1
	fi
	exit $rc
fi

# --- inside the private namespaces ------------------------------------------------
build=$(cd "$1" && pwd) || exit 1
T_ROOT=$DEMO_ROOT
T_USERS="$DEMO_USER:$DEMO_UID:$DEMO_UID"
T_GROUPS="sandshdemos:x:61901:$DEMO_USER"
T_CGROUP_PARENT=sandsh-demo-$$-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
# shellcheck source=tests/lib/hermetic.sh
. "$repo/tests/lib/hermetic.sh"

cd "$repo" || exit 1
hermetic_setup "$build" "$repo"
trap hermetic_teardown EXIT

cat >"$T_ROOTFS/etc/motd" <<'EOF'
You are inside a sandsh sandbox: your own hostname, PID namespace, a
read-only busybox root, a private /tmp, no capabilities. Try:
  hostname; id; ps; ls /; cat /etc/passwd; cat /proc/self/mountinfo
  cat /proc/self/status | grep -E 'Cap|NoNewPrivs|Seccomp'
  touch /x            (read-only root)     echo hi >/tmp/x   (private tmpfs)
Type exit (or Ctrl-D) to leave.
EOF
chmod 0644 "$T_ROOTFS/etc/motd"
printf 'cat /etc/motd\nexport PS1='"'"'\\u@\\h:\\w\\$ '"'"'\n' >"$T_ROOTFS/etc/profile"
chmod 0644 "$T_ROOTFS/etc/profile"

# The walk-through: one script inside the rootfs, run in one session.
cat >"$T_ROOTFS/bin/demo-walk-through" <<'WALK'
#!/bin/sh
for c in "hostname" "id" "ps" "cat /proc/self/mountinfo | head" "ls /" \
	"cat /etc/passwd" "cat /etc/group" \
	"grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status" \
	"touch /x" "echo hi >/tmp/x && ls -l /tmp" "env | sort"; do
	printf '\n$ %s\n' "$c"
	eval "$c" 2>&1
done
WALK
chmod 0755 "$T_ROOTFS/bin/demo-walk-through"

# The demo's policy (lives only in the demo's private mount namespace).
{
	policy_head "$T_ROOTFS"
	cat <<EOF
  hostname = "demo-%u";
  shell = "/bin/sh";
  pids_max = 64;
  timeout = 3600;
  mounts = ( { type = "tmpfs"; target = "/tmp"; size = "64M"; } );
};
EOF
} | write_policy

echo "== sandsh --check (as root)"
"$SANDSH" --check
echo

if [ -t 0 ]; then
	cat <<EOF
== An interactive sandboxed login shell for "$DEMO_USER" (uid $DEMO_UID), started
   as sshd or login would: argv[0] "-sandsh". Exit the shell to end the demo.

EOF
	env -i TERM="${TERM:-xterm}" LANG="${LANG:-C}" PATH=/usr/bin:/bin \
		setpriv --reuid="$DEMO_UID" --regid="$DEMO_UID" --init-groups -- \
		"$RUNARGV" "$SANDSH" -sandsh
	status=$?
	echo
	echo "== the session ended with status $status"
else
	echo "== stdin is not a terminal: a scripted walk-through instead of a shell"
	echo "   (one session of \"$DEMO_USER\", uid $DEMO_UID: sandsh -c /bin/demo-walk-through)"
	echo
	env -i TERM=dumb PATH=/usr/bin:/bin timeout 60 \
		setpriv --reuid="$DEMO_UID" --regid="$DEMO_UID" --init-groups -- \
		"$SANDSH" -c /bin/demo-walk-through </dev/null
	status=$?
	echo
	echo "== the session ended with status $status"
fi

sleep 0.2
echo
echo "== the audit log (syslog lines sandsh wrote to /dev/log)"
sed -E 's/^<[0-9]+>//' "$T_LOG"
hermetic_teardown
trap - EXIT
