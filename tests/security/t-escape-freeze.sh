# shellcheck shell=bash
# A root supervisor the user can freeze (SECURITY 14). On cgroup v2 a user
# often owns a delegated subtree (systemd's user@UID.service has
# Delegate=yes: desktop terminals, `systemd-run --user`). sandsh started
# from there leaves its supervisor in the user's cgroup, and the owner of
# a subtree may move any process within it and freeze it: the supervisor
# is then stopped as surely as by SIGSTOP, and with it the timeout and
# `sandsh --stop`. Here a cgroup v2 directory given to sbuser1 plays the
# delegated subtree; the session's timeout must hold while the user
# freezes whatever of their subtree they can. sandsh refuses to start a
# supervisor there.

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
		wait "$bg"
		st=$?
		# sandsh sees that its supervisor would sit in a cgroup the user
		# controls, and refuses before anything of the session exists.
		assert_eq "frozen supervisor: started in the user's cgroup: refused (125), one line" \
			"125|sandsh: cgroup: started in $deleg/a, which uid 61001 controls (it could freeze the supervisor); session refused" \
			"$st|$(cat "$T_WORK/fz-out")"
		assert_log_contains "frozen supervisor: the refusal is logged" \
			"^error user=sbuser1 uid=61001 reason=cgroup: started in $deleg/a, which uid 61001 controls" 5
		assert_log_lacks "frozen supervisor: no session was opened" "^session open id=[0-9a-f]+ user=sbuser1 "
		assert_eq "frozen supervisor: nothing of the user runs" "" "$(procs -u 61001 -l)"
	fi
	for d in "$deleg"/a "$deleg"/b "$deleg"; do
		while read -r p; do echo "$p" >"$u2/cgroup.procs"; done <"$d/cgroup.procs" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
fi
