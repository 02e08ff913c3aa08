# shellcheck shell=bash
# Globals here are used by the sourcing scripts:
# shellcheck disable=SC2034,SC2119,SC2120
# Helpers for the PAM tests (sourced by tests/pam/run.sh after
# tests/lib/hermetic.sh). Everything is inside the hermetic namespace:
# /etc/pam.d is hermetic.sh's /etc overlay, /tmp and /var/log are tmpfs of
# the namespace, the module is a root-owned copy in the test prefix.

PAM_MODULE=$T_PREFIX/lib/security/pam_sandsh.so
PAM_RUN_TIMEOUT=${PAM_RUN_TIMEOUT:-20}
PAM_USERS_UIDS=61001,61002,61003,61004

# pam_setup: the module, the fixture PAM services, the users' shells and
# a rootfs that can also run sandsh itself (the nesting test).
pam_setup() {
	local f lib
	[ -f "$H_BUILD/pam_sandsh.so" ] || h_die "$H_BUILD/pam_sandsh.so not built"
	h_must install -d -o root -g root -m 0755 "$T_PREFIX/lib" "$T_PREFIX/lib/security"
	h_must install -o root -g root -m 0644 "$H_BUILD/pam_sandsh.so" "$PAM_MODULE"

	# pam_wrapper's and the unit test's temporary directories, login's
	# and su's wtmp/btmp/lastlog: in the namespace only.
	h_tmpfs_over /tmp mode=1777,size=64m,nosuid,nodev sandsh-pam-tmp
	h_tmpfs_over /var/log mode=0755,size=4m,nosuid,nodev sandsh-pam-varlog

	# Login shells: /bin/sh (busybox, in the rootfs) for the ordinary
	# users; sandsh itself for sbnest, from the rootfs's /usr/sbin.
	awk -F: -v OFS=: '$3 >= 61001 && $3 <= 61003 { $7 = "/bin/sh" } $3 == 61004 { $7 = "/usr/sbin/sandsh" } { print }' \
		/etc/passwd >"$T_ROOT/passwd.pam"
	h_must install -o root -g root -m 0644 "$T_ROOT/passwd.pam" /etc/passwd
	rm -f "$T_ROOT/passwd.pam"

	# sandsh and its libraries inside the rootfs (mode 0755, no setuid: the
	# rootfs is mounted nosuid anyway).
	h_must install -d -o root -g root -m 0755 "$T_ROOTFS/usr/sbin"
	h_must install -o root -g root -m 0755 "$SANDSH" "$T_ROOTFS/usr/sbin/sandsh"
	for lib in $(ldd "$SANDSH" | grep -oE '/[^ ]+'); do
		f=$(readlink -f "$lib")
		h_must install -D -o root -g root -m 0755 "$f" "$T_ROOTFS$lib"
	done
	# Every directory made on the way: root 0755.
	find "$T_ROOTFS" -type d -exec chmod go-w {} + -exec chown root:root {} +

	pam_services
	# shadow's login(1) reads /etc/login.defs: no lastlog/faillog on the
	# (tmpfs) /var/log beyond what it needs.
	if [ -f /etc/login.defs ]; then
		sed -i -E 's/^(LASTLOG_ENAB|FAILLOG_ENAB|LOG_OK_LOGINS|LOGIN_TIMEOUT)\b.*//' /etc/login.defs
		printf 'LASTLOG_ENAB no\nFAILLOG_ENAB no\nLOGIN_TIMEOUT 20\n' >>/etc/login.defs
	fi
	pam_check_rootfs
}

# The rootfs rule (root-owned, nothing group/other-writable) still holds.
pam_check_rootfs() {
	local bad
	bad=$(find "$T_ROOTFS" \( ! -user root -a ! -path "$T_ROOTFS/home/*" \) -o \( -perm /022 ! -type l \) | head -3)
	[ -z "$bad" ] || h_die "rootfs unsafe after pam_setup: $bad"
}

pam_teardown() {
	:
}

# write_service NAME: stdin becomes /etc/pam.d/NAME ("MOD" = the module).
write_service() {
	sed "s#MOD#$PAM_MODULE#g" >"/etc/pam.d/$1.new"
	chmod 0644 "/etc/pam.d/$1.new"
	mv -f "/etc/pam.d/$1.new" "/etc/pam.d/$1"
}

# The fixture services: authentication only for root (rootok) or by
# public key (sshd); the module in account and session, after pam_unix.
pam_services() {
	write_service sandsh-test <<-'EOT'
		auth     required   pam_deny.so
		account  required   MOD
		account  required   pam_unix.so
		session  required   pam_unix.so
		session  required   MOD
	EOT
	write_service su-l <<-'EOT'
		auth     sufficient pam_rootok.so
		auth     required   pam_deny.so
		account  required   MOD
		account  required   pam_unix.so
		password required   pam_deny.so
		session  required   pam_unix.so
		session  required   MOD
	EOT
	cp /etc/pam.d/su-l /etc/pam.d/su
	write_service login <<-'EOT'
		auth     sufficient pam_rootok.so
		auth     required   pam_deny.so
		account  required   MOD
		account  required   pam_unix.so
		password required   pam_deny.so
		session  required   pam_loginuid.so
		session  required   pam_unix.so
		session  required   MOD
	EOT
	write_service sshd <<-'EOT'
		auth     required   pam_deny.so
		account  required   MOD
		account  required   pam_unix.so
		password required   pam_deny.so
		session  required   pam_unix.so
		session  required   MOD
	EOT
	# Only the session line, no account line: allow = false is then refused
	# by the session module.
	write_service sandsh-sessonly <<-'EOT'
		auth     required   pam_deny.so
		account  required   pam_unix.so
		session  required   pam_unix.so
		session  required   MOD
	EOT
}

# The suite's policy: hostname pam-<user>; sbstaff (sbadmin) unsandboxed;
# sbuser2 refused. Extra lines (each) go into defaults.
write_pam_policy() {
	local l
	{
		policy_head "$T_ROOTFS"
		echo '  hostname = "pam-%u";'
		case " $* " in *" pids_max "*|*" pids_max="*) ;; *) echo '  pids_max = 32;' ;; esac
		for l in "$@"; do
			echo "  $l"
		done
		echo '};'
		echo 'groups = { sbstaff = { sandbox = false; }; };'
		echo 'users = { sbuser2 = { allow = false; }; };'
	} | write_policy
}

# su_run [-s SERVICE-FILE-TEXT] USER CMD: `su -l USER -c CMD` as root with
# stdin /dev/null, bounded; sets STATUS OUT ERR DURATION_MS.
su_run() {
	local user=$1 cmd=$2 t0
	t0=$(date +%s%N)
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 "$PAM_RUN_TIMEOUT" \
			su -l "$user" -c "$cmd" </dev/null >"$T_WORK/su-out" 2>"$T_WORK/su-err"
		STATUS=$?
	} 2>/dev/null
	DURATION_MS=$((($(date +%s%N) - t0) / 1000000))
	OUT=$(cat "$T_WORK/su-out")
	ERR=$(cat "$T_WORK/su-err")
}

# login_run USER COMMANDS: login(1) (shadow's) as root, `login -f USER` on
# a pty made by script(1), the login shell reads COMMANDS (then exit) from
# that terminal; sets STATUS and OUT (the terminal's output, CRs removed).
# LOGIN_VIA (array): a launcher that execs script (empty: none);
# LOGIN_HOST: passed as `login -h HOST` (any bytes; through a file).
login_run() {
	local user=$1 cmds=$2 host=
	printf '%s\nexit\n' "$cmds" >"$T_WORK/login-in"
	if [ -n "${LOGIN_HOST:-}" ]; then
		printf '%s' "$LOGIN_HOST" >"$T_WORK/login-host"
		host="-h \"\$(cat $T_WORK/login-host)\" "
	fi
	{
		(sleep 0.5; cat "$T_WORK/login-in"; sleep 1.5) |
			env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb timeout -k 5 "$PAM_RUN_TIMEOUT" \
				${LOGIN_VIA[@]+"${LOGIN_VIA[@]}"} script -qec "login $host-f $user" /dev/null \
				>"$T_WORK/login-out" 2>&1
		STATUS=$?
	} 2>/dev/null
	OUT=$(tr -d '\r' <"$T_WORK/login-out")
}

# pamtester_run SERVICE USER OPS...: sets STATUS OUT ERR.
pamtester_run() {
	local svc=$1 user=$2
	shift 2
	{
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 5 "$PAM_RUN_TIMEOUT" \
			pamtester -v "$svc" "$user" "$@" </dev/null >"$T_WORK/pt-out" 2>"$T_WORK/pt-err"
		STATUS=$?
	} 2>/dev/null
	OUT=$(cat "$T_WORK/pt-out")
	ERR=$(cat "$T_WORK/pt-err")
}

# Session leaf cgroups of the fixture (every hierarchy), one a line.
session_cgroups() {
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo | sort -u |
		while read -r top; do
			[ -d "$top/$T_CGROUP_PARENT" ] || continue
			find "$top/$T_CGROUP_PARENT" -mindepth 2 -maxdepth 2 -type d -name 'session-*'
		done
}

# Entries of the session registry.
registry_entries() {
	find /run/sandsh/sessions -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}

# assert_clean DESC [USER-UID]: no session leaf, no registry entry, no
# process of the fixture users (waits up to 3 s for them to go).
assert_clean() {
	local desc=$1 uids=${2:-$PAM_USERS_UIDS} i left cg reg
	for i in $(seq 30); do
		left=$(procs -u "$uids")
		cg=$(session_cgroups)
		reg=$(registry_entries)
		[ -z "$left$cg$reg" ] && break
		sleep 0.1
	done
	assert_eq "$desc: no user process left" "" "$left"
	assert_eq "$desc: no session cgroup left" "" "$cg"
	assert_eq "$desc: registry empty" "" "$reg"
}

# The ids of "session open ... via=pam" / "session close" since the mark.
log_open_ids() {
	log_since | sed -n -E 's/^session open id=([0-9a-f]+) .*via=pam.*/\1/p'
}
log_close_ids() {
	log_since | sed -n -E 's/^session close id=([0-9a-f]+) .*/\1/p'
}

# assert_open_close DESC USER: exactly one open (via=pam) and one close of
# USER since the mark, with the same id.
assert_open_close() {
	local desc=$1 user=$2 o c
	log_wait "^session close id=.* user=$user " 3
	o=$(log_since | grep -E "^session open id=[0-9a-f]+ user=$user uid=[0-9]+ via=pam " | sed -E 's/^session open id=([0-9a-f]+) .*/\1/')
	c=$(log_since | grep -E "^session close id=[0-9a-f]+ user=$user " | sed -E 's/^session close id=([0-9a-f]+) .*/\1/')
	if [ -n "$o" ] && [ "$(echo "$o" | wc -l)" = 1 ] && [ "$o" = "$c" ]; then
		pass "$desc: log has session open via=pam and session close with the same id"
	else
		fail "$desc: log has session open via=pam and session close with the same id" "$(log_since)"
	fi
}
