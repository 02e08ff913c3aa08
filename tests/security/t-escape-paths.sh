# shellcheck shell=bash
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016,SC2012
# RACER is set by tests/security/run.sh:
# shellcheck disable=SC2153
# Paths a user can influence (extending t-refuse.sh and t-mounts.sh): a
# user-owned directory or a symlink in the middle of the rootfs or policy
# path, a bind source whose components the user swaps for symlinks while
# sessions start, and mount targets created beneath a user's bind.

ROOTFS_MSG="sandsh: rootfs: unsafe, session refused (see the system log)"
POLICY_MSG="sandsh: policy: invalid, session refused (see the system log)"

# refused_with MSG LOGREASON DESC
refused_with() {
	log_mark
	run_as sbuser1 -c "$PROBE"
	assert_refused "$3" 125 "$1"
	assert_log_contains "$3: logged" "^error user=sbuser1 uid=61001 reason=$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|/]/\\&/g')\$"
}

# --- the rootfs path -------------------------------------------------------------
# A user-owned directory in the middle (the rootfs itself root-owned below it).
install -d -o 61001 -g 61001 -m 0755 "$T_ROOT/udir"
install -d -o root -g root -m 0755 "$T_ROOT/udir/r"
mount -n --bind "$T_ROOTFS" "$T_ROOT/udir/r"
write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOT/udir/r\"|" "$POLICY"
refused_with "$ROOTFS_MSG" "rootfs $T_ROOT/udir/r: component udir is not owned by root" \
	"rootfs below a user-owned directory"
umount -n "$T_ROOT/udir/r"
rm -rf "$T_ROOT/udir"

# A root-owned symlink in the middle.
ln -sfn . "$T_ROOT/lnk"
write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOT/lnk/rootfs\"|" "$POLICY"
refused_with "$ROOTFS_MSG" "rootfs $T_ROOT/lnk/rootfs: component lnk is a symbolic link" \
	"rootfs path through a symlink"
rm -f "$T_ROOT/lnk"

# The rootfs's parent swapped by its (root) owner is not the point; a
# directory the user may rename is: group-writable parent of the rootfs.
install -d -o root -g 61001 -m 0775 "$T_ROOT/gw"
install -d -o root -g root -m 0755 "$T_ROOT/gw/r"
mount -n --bind "$T_ROOTFS" "$T_ROOT/gw/r"
write_std_policy
sed -i "s|\"$T_ROOTFS\"|\"$T_ROOT/gw/r\"|" "$POLICY"
refused_with "$ROOTFS_MSG" "rootfs $T_ROOT/gw/r: component gw is writable by group or others" \
	"rootfs below a directory the user's group may write"
umount -n "$T_ROOT/gw/r"
rm -rf "$T_ROOT/gw"

# --- the policy path -------------------------------------------------------------
write_std_policy
install -d -o root -g root -m 0755 "$T_ROOT/etc-sandsh"
cp -a /etc/sandsh/sandsh.conf "$T_ROOT/etc-sandsh/"
rm -rf /etc/sandsh
ln -s "$T_ROOT/etc-sandsh" /etc/sandsh
refused_with "$POLICY_MSG" "$POLICY: component sandsh is a symbolic link" "/etc/sandsh a symlink to a root-owned directory"
rm -f /etc/sandsh
rm -rf "$T_ROOT/etc-sandsh"
write_std_policy

# --- a bind source the user races -------------------------------------------------
# $T_ROOT/homes/sbuser1 is the user's; the policy binds a path below it.
# The racer (as the user) swaps names with renameat2(RENAME_EXCHANGE) as
# fast as it can while sessions start: the leaf (data <-> a symlink to
# /etc) and a middle component (mid <-> a symlink to /, so mid/etc would
# be the host's /etc). Each session either sees the user's directory or
# is refused; never the host's /etc.
H=$T_ROOT/homes/sbuser1
install -d -o root -g root -m 0755 "$T_ROOT/homes"
install -d -o 61001 -g 61001 -m 0755 "$H"
for v in leaf mid; do
	case $v in
	leaf)
		src=$H/data
		install -d -o 61001 -g 61001 -m 0755 "$H/data"
		ln -s /etc "$H/data.alt"
		swap="data data.alt"
		;;
	mid)
		src=$H/mid/etc
		install -d -o 61001 -g 61001 -m 0755 "$H/mid" "$H/mid/etc"
		ln -s / "$H/mid.alt"
		swap="mid mid.alt"
		;;
	esac
	echo user-data >"$src/MARKER"
	chown -h 61001:61001 "$H"/* "$src/MARKER"
	write_std_policy "mounts = ( { type = \"tmpfs\"; target = \"/tmp\"; }, { type = \"bind\"; source = \"$src\"; target = \"/mnt\"; } );"
	# shellcheck disable=SC2086
	env -i timeout -k 2 30 setpriv --reuid=61001 --regid=61001 --init-groups -- \
		"$RACER" "$H" $swap 12 >"$T_WORK/racer" 2>&1 &
	racer=$!
	seen_user=0 refused=0 bad=()
	for i in $(seq 1 40); do
		run_as -t 10 sbuser1 -c 'cat /mnt/MARKER 2>/dev/null; test -e /mnt/passwd && echo HOST-ETC; test -e /mnt/shadow && echo HOST-ETC; :'
		if [ "$STATUS|$OUT|$ERR" = "0|user-data|" ]; then
			seen_user=$((seen_user + 1))
		elif [ "$STATUS" = 125 ] && [ -z "$OUT" ] && [[ $ERR == "sandsh: bind source $src: "* ]] &&
			[ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]; then
			refused=$((refused + 1))
		else
			bad+=("session $i: status=$STATUS out=[$OUT] err=[$ERR]")
		fi
	done
	kill -TERM "$racer" 2>/dev/null
	wait "$racer" 2>/dev/null
	sleep 0.2
	desc="bind source raced ($v component <-> symlink, $(cat "$T_WORK/racer" 2>/dev/null || echo ?) swaps): 40 sessions -> $seen_user saw the user's directory, $refused refused, none the host's /etc"
	if [ ${#bad[@]} -eq 0 ]; then pass "$desc"; else fail "$desc" "${bad[@]}"; fi
	rm -rf "${H:?}"/*
done

# --- mount targets beneath a user's bind -------------------------------------------
# Targets missing in the rootfs are created beneath a session tmpfs; never
# by root in host directories a bind put in between (here the user's own).
install -d -o root -g root -m 0755 "$T_ROOT/srcdata"
echo data >"$T_ROOT/srcdata/f"
write_std_policy "mounts = (
    { type = \"tmpfs\"; target = \"/tmp\"; },
    { type = \"tmpfs\"; target = \"/home\"; size = \"1M\"; },
    { type = \"bind\"; source = \"$T_ROOT/homes/%u\"; target = \"/home/%u\"; },
    { type = \"bind\"; source = \"$T_ROOT/srcdata\"; target = \"/home/%u/sub/data\"; readonly = true; }
  );"
run_as sbuser1 -c "$PROBE"
assert_refused "a missing target below the user's bind: not created on the host" 125 \
	"sandsh: mount target /home/sbuser1/sub/data: No such file or directory"
assert_eq "nothing was created in the user's host directory" "" "$(ls -A "$H")"
write_std_policy "mounts = (
    { type = \"tmpfs\"; target = \"/tmp\"; },
    { type = \"tmpfs\"; target = \"/home\"; size = \"1M\"; },
    { type = \"bind\"; source = \"$T_ROOT/homes/%u\"; target = \"/home/%u\"; },
    { type = \"tmpfs\"; target = \"/home/%u/cache\"; size = \"1M\"; },
    { type = \"bind\"; source = \"$T_ROOT/srcdata\"; target = \"/home/%u/cache/sub/data\"; readonly = true; }
  );"
run_as sbuser1 -c "$PROBE"
assert_refused "a tmpfs target missing in the user's bind: not created there either" 125 \
	"sandsh: mount target /home/sbuser1/cache: No such file or directory"
install -d -o 61001 -g 61001 -m 0755 "$H/cache"
run_as sbuser1 -c 'cat ~/cache/sub/data/f'
assert_eq "the user made it: the tmpfs goes on it, the target below is created in that tmpfs" \
	"0|data|" "$STATUS|$OUT|$ERR"
assert_eq "the user's host directory holds only what the user made" "cache|" \
	"$(ls -A "$H" | tr '\n' ' ' | sed 's/ $//')|$(ls -A "$H/cache")"
rm -rf "$T_ROOT/homes" "$T_ROOT/srcdata"
write_std_policy
