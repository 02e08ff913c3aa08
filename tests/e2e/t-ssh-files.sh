# shellcheck shell=bash
# ERR is shown by the assertions of hermetic.sh:
# shellcheck disable=SC2034
# scp (SFTP and legacy -O), sftp (Subsystem sftp = sftp-server run through
# the login shell, so inside the sandbox) and rsync over ssh: files go into
# and out of the sandbox's writable area (the user's data dir, bound at
# /home/<user>) and nothing outside the sandbox is reachable.

U=sbuser1
DATA=$E2E_DATA/$U          # the host dir bound at /home/sbuser1 inside
HOSTHOME=/home/$U          # the host path sshd would use without a sandbox
L=$T_WORK/files
rm -rf "$L"
mkdir -p "$L/src/sub"
head -c 300000 /dev/urandom >"$L/up.bin"
echo "spaced" >"$L/sp ace.txt"
head -c 20000 /dev/urandom >"$L/src/a.bin"
echo b >"$L/src/sub/b.txt"
ln -s a.bin "$L/src/link"
# A file on the host, readable by everyone, that must stay out of reach.
echo "host secret" >"$T_SHARE/host-secret"
chmod 0644 "$T_SHARE/host-secret"
rm -rf "${DATA:?}"/* "${HOSTHOME:?}"/*

SCP=(scp -q "${SSH_OPTS[@]}" -P "$SSHD_PORT")
SFTP=(sftp -q "${SSH_OPTS[@]}" -P "$SSHD_PORT")
RSYNC=(rsync -e "$SSH_CMD")
H=$U@127.0.0.1

# landed NAME DESC: the upload is in the data dir (same bytes, the user's),
# not at the host path next to it.
landed() {
	if cmp -s "$2" "$DATA/$1" && [ "$(stat -c %u "$DATA/$1")" = 61001 ]; then
		pass "$3: lands in the sandbox's data dir, owned by the user"
	else
		fail "$3: lands in the sandbox's data dir, owned by the user" "$(ls -la "$DATA")"
	fi
	assert_eq "$3: not on the host path sshd would have used" "" "$(ls -A "$HOSTHOME")"
}

# run_t DESC CMD...: runs a client command (bounded); STATUS, OUT, ERR.
run_t() {
	{
		timeout -k 5 60 "$@" </dev/null >"$T_WORK/t-out" 2>"$T_WORK/t-err"
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/t-out")
	ERR=$(cat "$T_WORK/t-err")
}

# --- scp (SFTP protocol, the default) ------------------------------------------------------
log_mark
run_t "${SCP[@]}" "$L/up.bin" "$H:up-scp.bin"
assert_status "scp upload: status 0" 0
landed up-scp.bin "$L/up.bin" "scp upload"
assert_sessions "scp upload: one session open/close pair" 1
run_t "${SCP[@]}" "$L/sp ace.txt" "$H:"
landed "sp ace.txt" "$L/sp ace.txt" "scp upload of a name with a space"
run_t "${SCP[@]}" "$H:/etc/sandsh-e2e-marker" "$L/scp-marker"
assert_eq "scp download: the sandbox's /etc (the rootfs), not the host's" "$E2E_MARKER_IN" "$(cat "$L/scp-marker")"
run_t "${SCP[@]}" "$H:up-scp.bin" "$L/scp-back"
assert_eq "scp download from the home: the uploaded bytes" "$(sha256sum <"$L/up.bin")" "$(sha256sum <"$L/scp-back")"
run_t "${SCP[@]}" "$H:$T_SHARE/host-secret" "$L/scp-secret"
assert_eq "scp download of a host path: fails, nothing copied" "1 no" "$STATUS $([ -e "$L/scp-secret" ] && echo yes || echo no)"
run_t "${SCP[@]}" "$L/up.bin" "$H:$T_SHARE/scp-escape"
assert_eq "scp upload to a host path: fails, nothing written there" "1 no" "$STATUS $([ -e "$T_SHARE/scp-escape" ] && echo yes || echo no)"
run_t "${SCP[@]}" "$L/up.bin" "$H:/etc/scp-escape"
assert_eq "scp upload into the read-only rootfs: fails" "1 no no" \
	"$STATUS $([ -e "$E2E_ROOTFS/etc/scp-escape" ] && echo yes || echo no) $([ -e /etc/scp-escape ] && echo yes || echo no)"

# --- scp -O (legacy protocol: scp -t / -f run by the login shell) -------------------------
log_mark
run_t "${SCP[@]}" -O "$L/up.bin" "$H:up-scpO.bin"
assert_status "scp -O upload: status 0" 0
landed up-scpO.bin "$L/up.bin" "scp -O upload"
assert_sessions "scp -O upload: one session open/close pair" 1
run_t "${SCP[@]}" -O "$H:/etc/sandsh-e2e-marker" "$L/scpO-marker"
assert_eq "scp -O download: the sandbox's /etc" "$E2E_MARKER_IN" "$(cat "$L/scpO-marker")"
run_t "${SCP[@]}" -O "$H:$T_SHARE/host-secret" "$L/scpO-secret"
assert_eq "scp -O download of a host path: fails, nothing copied" "1 no" "$STATUS $([ -e "$L/scpO-secret" ] && echo yes || echo no)"
run_t "${SCP[@]}" -O "$L/up.bin" "$H:$T_SHARE/scpO-escape"
assert_eq "scp -O upload to a host path: fails" "1 no" "$STATUS $([ -e "$T_SHARE/scpO-escape" ] && echo yes || echo no)"

# --- sftp --------------------------------------------------------------------------------------
cat >"$L/batch" <<EOF
pwd
put $L/up.bin up-sftp.bin
get /etc/sandsh-e2e-marker $L/sftp-marker
ls -1 /
-get $T_SHARE/host-secret $L/sftp-secret
-put $L/up.bin $T_SHARE/sftp-escape
-put $L/up.bin /tmp/../etc/sftp-escape
EOF
log_mark
run_t "${SFTP[@]}" -b "$L/batch" "$H"
assert_status "sftp batch: status 0" 0
assert_line "sftp: starts in the sandbox home" "Remote working directory: /home/$U" "$OUT"
landed up-sftp.bin "$L/up.bin" "sftp put"
assert_eq "sftp get: the sandbox's /etc" "$E2E_MARKER_IN" "$(cat "$L/sftp-marker" 2>/dev/null)"
assert_eq "sftp ls /: the rootfs's top level" "bin dev etc home lib lib32 lib64 mnt proc root run sbin tmp usr var" \
	"$(printf '%s\n' "$OUT" | grep -E '^/[a-z0-9]+$' | sed 's#^/##' | sort | tr '\n' ' ' | sed 's/ $//')"
assert_eq "sftp get of a host path: fails" "no" "$([ -e "$L/sftp-secret" ] && echo yes || echo no)"
assert_eq "sftp put to host paths: fails" "no no" \
	"$([ -e "$T_SHARE/sftp-escape" ] && echo yes || echo no) $([ -e "$E2E_ROOTFS/etc/sftp-escape" ] && echo yes || echo no)"
assert_sessions "sftp: one session open/close pair" 1
assert_log_contains "sftp: the session is sandsh's (via=shell, no tty)" \
	"^session open id=[0-9a-f]+ user=$U uid=61001 via=shell rootfs=$E2E_ROOTFS pids_max=64 tty=none from=127\.0\.0\.1\$"

# --- rsync over ssh -------------------------------------------------------------------------
log_mark
run_t "${RSYNC[@]}" -a "$L/src/" "$H:rs/"
assert_status "rsync push: status 0" 0
assert_eq "rsync push: the tree lands in the data dir (files, subdir, symlink)" "" "$(diff -r "$L/src" "$DATA/rs" 2>&1)"
assert_eq "rsync push: symlink kept" "a.bin" "$(readlink "$DATA/rs/link")"
assert_eq "rsync push: not on the host path next to it" "" "$(ls -A "$HOSTHOME")"
assert_sessions "rsync push: one session open/close pair" 1
echo changed >"$L/src/sub/b.txt"
run_t "${RSYNC[@]}" -a --delete --itemize-changes "$L/src/" "$H:rs/"
assert_eq "rsync again: only the changed file goes over" "<f.st...... sub/b.txt" "$OUT"
run_t "${RSYNC[@]}" -a "$H:rs/" "$L/rs-back/"
assert_eq "rsync pull: the same tree comes back" "" "$(diff -r "$L/src" "$L/rs-back" 2>&1)"
run_t "${RSYNC[@]}" "$H:/etc/sandsh-e2e-marker" "$L/rs-marker"
assert_eq "rsync pull: the sandbox's /etc" "$E2E_MARKER_IN" "$(cat "$L/rs-marker" 2>/dev/null)"
run_t "${RSYNC[@]}" "$H:$T_SHARE/host-secret" "$L/rs-secret"
assert_eq "rsync pull of a host path: fails (23), nothing copied" "23 no" "$STATUS $([ -e "$L/rs-secret" ] && echo yes || echo no)"
run_t "${RSYNC[@]}" "$L/up.bin" "$H:$T_SHARE/rs-escape"
assert_eq "rsync push to a host path: fails, nothing written" "no" "$([ -e "$T_SHARE/rs-escape" ] && echo yes || echo no)"
assert_match "rsync push to a host path: non-zero status" "^[1-9][0-9]*$" "$STATUS"

if wait_user_gone 61001 5; then
	pass "after the transfers: no process of the user, no session cgroup"
else
	fail "after the transfers: no process of the user, no session cgroup" "$(procs -l -u 61001)" "$(session_cgroups 61001)"
fi
rm -rf "$L" "${DATA:?}"/*
