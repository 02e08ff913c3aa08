# shellcheck shell=bash
# scripts/sandsh-mkrootfs: the tree run.sh built is what sandsh requires,
# holds what sessions need, --refresh is idempotent and picks up changes,
# and a session runs bash, rsync and sftp-server from it.
# Commands for the sandbox are single-quoted on purpose:
# shellcheck disable=SC2016

MKROOTFS=$H_REPO/scripts/sandsh-mkrootfs
R=$E2E_ROOTFS

# --- what sandsh requires of a rootfs ------------------------------------------------
assert_eq "every file root:root" "" "$(find "$R" -xdev \( ! -user 0 -o ! -group 0 \) | head -5)"
assert_eq "nothing group/other-writable" "" "$(find "$R" -xdev \( -type f -o -type d \) -perm /022 | head -5)"
assert_eq "no setuid/setgid bits" "" "$(find "$R" -xdev -type f -perm /6000 | head -5)"
assert_eq "etc/passwd and etc/group empty (sandsh generates them)" "0 0" \
	"$(stat -c %s "$R/etc/passwd") $(stat -c %s "$R/etc/group")"
assert_line "etc/nsswitch.conf: passwd from files" "passwd: files" "$(cat "$R/etc/nsswitch.conf")"
missing=
for d in proc dev tmp home root etc; do
	[ -d "$R/$d" ] && [ ! -L "$R/$d" ] || missing+=" $d"
done
assert_eq "proc dev tmp home root etc directories" "" "$missing"
missing=
for f in usr/bin/dash usr/bin/bash usr/bin/ls usr/bin/ps usr/bin/rsync usr/bin/scp \
	usr/lib/openssh/sftp-server usr/bin/id usr/bin/env usr/bin/hostname usr/bin/busybox \
	usr/bin/sha256sum "${E2E_TOOL#/}"; do
	[ -f "$R/$f" ] || missing+=" $f"
done
assert_eq "shells, coreutils, ps, rsync, scp, sftp-server, id/env/hostname copied" "" "$missing"
assert_eq "/bin/sh is the host's link (to dash)" "$(readlink /usr/bin/sh)" "$(readlink "$R/usr/bin/sh")"
assert_eq "merged /usr: bin -> usr/bin as on the host" "$(readlink /bin)" "$(readlink "$R/bin")"
assert_eq "vi (busybox)" "busybox" "$(readlink "$R/usr/bin/vi")"
ld=$(/lib64/ld-linux-x86-64.so.2 --list /usr/bin/rsync 2>/dev/null | awk '$2 == "=>" { print $3 }')
missing=
for l in $ld; do
	[ -e "$R$l" ] || missing+=" $l"
done
assert_eq "rsync's shared libraries are in the tree" "" "$missing"
assert_eq "terminfo for xterm" "1" "$(find "$R" -path '*terminfo/x/xterm' | wc -l)"

# --- options -----------------------------------------------------------------------------
"$MKROOTFS" "$R" >"$T_WORK/mk.out" 2>&1
STATUS=$?
assert_eq "an existing tree without --refresh is refused" "1" "$STATUS"
assert_match "... with a message naming --refresh" "exists and is not empty \(use --refresh" "$(cat "$T_WORK/mk.out")"
"$MKROOTFS" --refresh --add /nonexistent/prog "$R" >"$T_WORK/mk.out" 2>&1
assert_eq "--add of a missing program fails" "1" "$?"
"$MKROOTFS" --debootstrap >"$T_WORK/mk.out" 2>&1
assert_eq "--debootstrap without a SUITE: usage error" "1" "$?"
if ! command -v debootstrap >/dev/null; then
	install -d -m 0755 "$T_ROOT/dbs"
	"$MKROOTFS" --debootstrap bookworm "$T_ROOT/dbs/r" >"$T_WORK/mk.out" 2>&1
	STATUS=$?
	assert_eq "--debootstrap without debootstrap installed: a clear error" \
		"1 sandsh-mkrootfs: debootstrap not installed (apt-get install debootstrap)" "$STATUS $(cat "$T_WORK/mk.out")"
	rm -rf "$T_ROOT/dbs"
else
	skip "--debootstrap" "debootstrap installed; not run without a mirror"
fi

assert_eq "etc/profile names the pager and the editor the tree has" \
	"export PAGER=less EDITOR=vi" "$(grep -v '^#' "$R/etc/profile")"

# --- a host without some promised programs -------------------------------------------------
# less and rsync hidden (a non-executable file bound over each) in a mount
# namespace of the command's own.
: >"$T_WORK/not-a-program"
chmod 0644 "$T_WORK/not-a-program"
without_less_rsync() {
	unshare --mount --propagation private sh -c 'for p in "$(command -v less)" "$(command -v rsync)"; do
		mount --bind "$0" "$p" || exit 99; done; shift; exec "$@"' "$T_WORK/not-a-program" - "$@"
}
install -d -m 0755 "$T_ROOT/mk"
without_less_rsync "$MKROOTFS" "$T_ROOT/mk/r" >"$T_WORK/mk.out" 2>&1
STATUS=$?
assert_eq "missing less and rsync: status 1, one line naming them and their packages" \
	"1 sandsh-mkrootfs: not on this host: less rsync (apt-get install less rsync, or --skip-missing to build without them)" \
	"$STATUS $(cat "$T_WORK/mk.out")"
assert_eq "missing less and rsync: nothing written" "" "$(ls -A "$T_ROOT/mk")"
without_less_rsync "$MKROOTFS" --quiet --skip-missing "$T_ROOT/mk/r" >"$T_WORK/mk.out" 2>&1
STATUS=$?
assert_eq "--skip-missing: status 0, a warning naming what is left out" \
	"0 sandsh-mkrootfs: warning: built without what this host lacks: less rsync" "$STATUS $(cat "$T_WORK/mk.out")"
assert_eq "--skip-missing: the tree has no less and no rsync, but ps and bash" "- - ps bash" \
	"$(for p in less rsync ps bash; do [ -f "$T_ROOT/mk/r/usr/bin/$p" ] && echo "$p" || echo -; done | tr '\n' ' ' | sed 's/ $//')"
assert_eq "--skip-missing: etc/profile sets no PAGER without less" "export EDITOR=vi" \
	"$(grep -v '^#' "$T_ROOT/mk/r/etc/profile")"
rm -rf "$T_ROOT/mk"

# --- --refresh -----------------------------------------------------------------------------
snapshot() {
	find "$R" -xdev -printf '%p %y %m %u %g %s %T@ %l\n' | sort
}
snapshot >"$T_WORK/snap1"
"$MKROOTFS" --quiet --refresh --add "$E2E_TOOL" "$R" >"$T_WORK/mk.out" 2>&1
assert_eq "--refresh: status 0" "0" "$?"
snapshot >"$T_WORK/snap2"
assert_eq "--refresh with nothing changed on the host changes nothing (idempotent)" "" \
	"$(diff "$T_WORK/snap1" "$T_WORK/snap2")"
assert_eq "--refresh keeps files it did not make" "$E2E_MARKER_IN" "$(cat "$R$E2E_MARKER")"

printf '#!/bin/sh\necho e2e-tool v2\n' >"$E2E_TOOL.new"
chmod 0755 "$E2E_TOOL.new"
touch -d '-1 min' "$E2E_TOOL.new"
mv -f "$E2E_TOOL.new" "$E2E_TOOL"
"$MKROOTFS" --quiet --refresh --add "$E2E_TOOL" "$R" >"$T_WORK/mk.out" 2>&1
snapshot >"$T_WORK/snap3"
changed=$(diff "$T_WORK/snap2" "$T_WORK/snap3" | awk '/^>/ && $3 == "f" { print $2 }' | grep -v 'ld\.so\.cache$')
assert_eq "--refresh re-copies exactly the file that changed on the host" "$R$E2E_TOOL" "$changed"

# --- a session from it ------------------------------------------------------------------------
run_as sbuser1 -c 'bash -c "echo bash=\${BASH_VERSION:+yes}"; '"$E2E_TOOL"'; id; ps -o comm= -p 1; command -v vi'
assert_status "session in the mkrootfs tree: status 0" 0
assert_out "bash, the --add'ed program (refreshed), id with names, ps" "bash=yes
e2e-tool v2
uid=61001(sbuser1) gid=61001(sbuser1) groups=61001(sbuser1),61101(sbstudents)
sandsh-init
/usr/bin/vi"
assert_stderr_empty "session in the mkrootfs tree: nothing on stderr"
run_as sbuser1 -c 'rsync -a /etc/sandsh-e2e-marker ~/rsync-local && cat ~/rsync-local && rm ~/rsync-local; rsync --version | head -n 1 | cut -d" " -f1'
assert_out "rsync runs inside" "$E2E_MARKER_IN
rsync"
# sftp-server answers SSH_FXP_INIT (version 3) with SSH_FXP_VERSION.
run_as sbuser1 -c '{ printf "\000\000\000\005\001\000\000\000\003"; sleep 0.5; } | /usr/lib/openssh/sftp-server | head -c 9 | od -An -tx1 | tr -s " " | sed "s/^ //"'
assert_match "sftp-server runs inside and speaks SFTP v3" "^00 00 [0-9a-f]{2} [0-9a-f]{2} 02 00 00 00 03$" "$OUT"
