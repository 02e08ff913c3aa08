# shellcheck shell=bash
# A root supervisor the user can freeze (SECURITY 14). On cgroup v2 a user
# often owns a delegated subtree (systemd's user@UID.service has
# Delegate=yes: desktop terminals, `systemd-run --user`). sandsh started
# from there leaves its supervisor in the user's cgroup, and the owner of
# a subtree may move any process within it and freeze it: the supervisor
# is then stopped as surely as by SIGSTOP, and with it the timeout and
# `sandsh --stop`. Here a cgroup v2 directory given to sbuser1 plays the
# delegated subtree; the session's timeout must hold while the user
# freezes whatever of their subtree they can.

u2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$u2" ]; then
	skip "frozen supervisor: no cgroup v2 mounted" ""
elif [ "$u2" = /sys/fs/cgroup ] && [ -d /run/systemd/system ]; then
	skip "frozen supervisor: cgroup v2 belongs to systemd here" "not writing into its tree"
else
	deleg=$u2/sandsh-test-deleg-$$
	mkdir "$deleg" "$deleg/a" "$deleg/b"
	if [ ! -e "$deleg/b/cgroup.freeze" ]; then
		skip "frozen supervisor: no cgroup.freeze (kernel before 5.2)" ""
	else
		# What systemd hands a user with Delegate=yes: the directories and
		# the files to move processes and to freeze.
		chown 61001:61001 "$deleg" "$deleg"/a "$deleg"/b "$deleg"/cgroup.procs "$deleg"/*/cgroup.procs \
			"$deleg"/*/cgroup.freeze "$deleg"/cgroup.subtree_control
		write_std_policy 'timeout = 3;'
		log_mark
		# The user's shell is in the delegated subtree when it runs sandsh
		# (put there by root, as systemd starts a user's processes there).
		sh -c "echo \$\$ >$deleg/a/cgroup.procs && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			timeout -k 5 60 setpriv --reuid=61001 --regid=61001 --init-groups -- $SANDSH -c 'sleep 30'" \
			</dev/null >"$T_WORK/fz-out" 2>&1 &
		bg=$!
		sup=
		for _ in $(seq 50); do
			sup=$(procs -u 0 -c sandsh | head -n 1)
			[ -n "$sup" ] && [ -n "$(procs -c sleep)" ] && break
			sleep 0.1
		done
		assert_log_contains "frozen supervisor: the session started" "^session open id=[0-9a-f]+ user=sbuser1 " 5
		# The user moves every process of the subtree it can into b (the
		# root supervisor too, if it is still there) and freezes b.
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid=61001 --regid=61001 --init-groups -- \
			sh -c "for p in \$(cat $deleg/a/cgroup.procs); do echo \$p >$deleg/b/cgroup.procs; done 2>/dev/null
				echo 1 >$deleg/b/cgroup.freeze" 2>/dev/null
		# timeout 3 s, then SIGTERM and at most 5 s of grace: 12 s is ample.
		for _ in $(seq 120); do
			[ -z "$(procs -u 61001)" ] && break
			sleep 0.1
		done
		left=$(procs -u 61001 -l)
		frozen_sup=$(grep -qx "$sup" "$deleg/b/cgroup.procs" 2>/dev/null && echo yes)
		echo 0 >"$deleg/b/cgroup.freeze"
		if [ -z "$left" ]; then
			pass "frozen supervisor: the timeout ends the session"
		else
			fail "frozen supervisor: the timeout ends the session" \
				"12 s after a 3 s timeout, still running: $left" \
				"root supervisor $sup moved into the user's frozen cgroup: ${frozen_sup:-no}"
		fi
		wait "$bg" 2>/dev/null
		assert_log_contains "frozen supervisor: session close logged" "^session close id=[0-9a-f]+ user=sbuser1 " 10
	fi
	for d in "$deleg"/a "$deleg"/b "$deleg"; do
		while read -r p; do echo "$p" >"$u2/cgroup.procs"; done <"$d/cgroup.procs" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
fi
