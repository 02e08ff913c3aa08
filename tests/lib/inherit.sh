# shellcheck shell=bash
# Globals here are used by the sourcing scripts:
# shellcheck disable=SC2034,SC2016
# What a caller carries into a session (issue 12): descriptors and a working
# directory that lead outside the sandbox. Sourced by the PAM, integration
# and e2e tests after tests/lib/hermetic.sh (hermetic_setup done).
#
#   inherit_setup            the host file, the outside directory, the
#                            LD_PRELOAD marker library (build it once)
#   INHERIT_HOLD NAME        sets HOLD: the fdhold launcher (tests/tools/
#                            fdhold.c) for case NAME: fds 5-10 and 250 open
#                            on host things (see fdhold.c), cwd outside
#   INHERIT_PROBE            shell code to run inside: prints "PRBE ..."
#                            lines: every open fd of `ls -ln /proc/self/fd`
#                            with its target, the cwd, and what the session
#                            could do with fds 6-9. ls runs under `sh -c`,
#                            a real exec from the session's shell: busybox
#                            runs ls without an exec, where it would also
#                            list the shell's own close-on-exec descriptors
#                            (ash keeps /dev/tty at fd 10+ when interactive)
#   inherit_summary TEXT     the probe's lines, normalized: the sorted fd
#                            list, then each fd above 2 with its target;
#                            ls's own descriptor of /proc/self/fd (it is
#                            one more fd, 3 when nothing else is open) shows
#                            as /proc/N/fd whether ls printed the target
#                            (coreutils) or had closed it first (busybox)
#   inherit_expected CWD     what a session that inherited nothing prints
#   assert_inherit DESC TEXT CWD NAME
#                            the session's probe output says nothing crossed,
#                            and nothing reached the outside process of NAME

INHERIT_FILE=$T_ROOT/inherit-host-file      # a host file the caller opened
INHERIT_CWD=$T_ROOT/inherit-outside         # the caller's cwd, outside
INHERIT_MARKER=$T_ROOT/inherit-host-marker  # read through a leaked fd of /
PRELOAD_SO=$T_ROOT/preload-marker.so        # writes $T_SHARE/preload-ran.*

INHERIT_PROBE='t=PRB; sh -c "ls -ln /proc/self/fd 2>/dev/null" | sed -n -e "s/^l.* \([0-9][0-9]*\) -> \(.*\)\$/${t}E fd \1 \2/p" -e t -e "s/^l.* \([0-9][0-9]*\)\$/${t}E fd \1 -/p"; echo "${t}E cwd $(readlink /proc/self/cwd)"; (echo leak-pipe >&8) 2>/dev/null && echo "${t}E wrote-pipe"; (echo leak-sock >&7) 2>/dev/null && echo "${t}E wrote-sock"; grep -q host-marker /proc/self/fd/9'"$INHERIT_MARKER"' 2>/dev/null && echo "${t}E read-host-through-fd-9"; grep -q memfd-secret /proc/self/fd/6 2>/dev/null && echo "${t}E read-memfd"; ls . 2>/dev/null | grep -q OUTSIDE-CWD && echo "${t}E cwd-is-outside"; true'

inherit_setup() {
	echo host-secret >"$INHERIT_FILE"
	chmod 0644 "$INHERIT_FILE"
	echo host-marker >"$INHERIT_MARKER"
	chmod 0644 "$INHERIT_MARKER"
	install -d -o root -g root -m 0755 "$INHERIT_CWD"
	: >"$INHERIT_CWD/OUTSIDE-CWD"
	[ -x "$H_TOOLS/fdhold" ] || h_die "$H_TOOLS/fdhold not built"
	if [ ! -f "$PRELOAD_SO" ]; then
		"${CC:-cc}" -shared -fPIC -O2 -Wall -Werror -DMARKER_DIR="\"$T_SHARE\"" \
			-o "$PRELOAD_SO" "$H_REPO/tests/lib/preload-marker.c" || h_die "cannot build $PRELOAD_SO"
		chmod 0755 "$PRELOAD_SO"
	fi
}

# INHERIT_HOLD NAME: HOLD=(fdhold ... --) for case NAME; the outside
# process records into $T_SHARE/rec-NAME.{pipe,sock}.
INHERIT_HOLD() {
	rm -f "$T_SHARE/rec-$1.pipe" "$T_SHARE/rec-$1.sock"
	HOLD=("$H_TOOLS/fdhold" -f "$INHERIT_FILE" -p "$T_ROOT" -r "$T_SHARE/rec-$1" -c "$INHERIT_CWD" --)
}

inherit_summary() {
	local lines
	lines=$(printf '%s\n' "$1" | tr -d '\r' | sed -n 's/^PRBE //p')
	echo "fds $(printf '%s\n' "$lines" | awk '$1 == "fd" { print $2 }' | sort -n | tr '\n' ' ' | sed 's/ $//')"
	printf '%s\n' "$lines" | awk '$1 == "fd" && $2 > 2' | sort -n -k2 |
		sed -E -e 's#^fd ([0-9]+) /proc/[0-9]+/fd$#fd \1 /proc/N/fd#' -e 's#^fd ([0-9]+) -$#fd \1 /proc/N/fd#'
	printf '%s\n' "$lines" | grep -v -e '^fd ' -e '^$'
}

inherit_expected() {
	printf 'fds 0 1 2 3\nfd 3 /proc/N/fd\ncwd %s\n' "$1"
}

# assert_inherit DESC TEXT CWD NAME
assert_inherit() {
	local desc=$1 got rec
	got=$(inherit_summary "$2")
	assert_eq "$desc: only fds 0-2 (and the one ls opens), cwd $3" "$(inherit_expected "$3")" "$got"
	sleep 0.2
	rec=$(cat "$T_SHARE/rec-$4.pipe" "$T_SHARE/rec-$4.sock" 2>/dev/null)
	assert_eq "$desc: nothing reached the caller's outside process (pipe, socket)" "" "$rec"
}

# inherit_recorder NAME: the pid of case NAME's outside process.
inherit_recorder() {
	local d
	for d in /proc/[0-9]*; do
		find "$d/fd/" -mindepth 1 -lname "$T_SHARE/rec-$1.pipe" 2>/dev/null | grep -q . &&
			echo "${d#/proc/}" && return 0
	done
	return 1
}

# inherit_held_by PID RECORDER: the descriptors of PID above 2 that are
# the caller's (fdhold's): a directory of / or of $T_ROOT, the host file,
# the memfd, or the pipe the outside process RECORDER reads. One "fd
# target" line each; nothing when PID holds none.
inherit_held_by() {
	local pipe
	pipe=$(find "/proc/$2/fd/" -mindepth 1 -printf '%l\n' 2>/dev/null | grep '^pipe:' | head -n 1)
	find "/proc/$1/fd/" -mindepth 1 -printf '%f %l\n' 2>/dev/null |
		awk -v root="$T_ROOT" -v file="$INHERIT_FILE" -v pipe="${pipe:-none}" \
			'$1 > 2 { t = substr($0, length($1) + 2)
			  if (t == "/" || t == root || t == file || t == "/memfd:fdhold (deleted)" || t == pipe) print }'
}

# preload_ran: the markers the LD_PRELOAD library wrote on the host (one
# line each: pid, uid, hostname, program), and removes them.
preload_ran() {
	cat "$T_SHARE"/preload-ran.* 2>/dev/null
	rm -f "$T_SHARE"/preload-ran.*
}
