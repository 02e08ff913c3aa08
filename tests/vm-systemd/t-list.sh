# shellcheck shell=bash
# LIVE is read by live_get (lib.sh):
# shellcheck disable=SC2034
# `sandsh --list` (root) and systemd agree: with three sessions live (login
# shell, ForceCommand, pam_sandsh), the ids of `sandsh --list` are those of
# `systemctl list-units 'sandsh-*'`'s scopes, and each row's PIDS
# (current/max) is the scope's TasksCurrent / the user slice's TasksMax.

declare -A S_SID S_PID S_CUR S_USER
for s in shell:vmshell force:vmforce pam:vmpam; do
	name=list-${s%%:*}
	start_sleep "$name" "${s#*:}" || continue
	S_SID[$name]=$SID S_PID[$name]=$SLEEP_PID S_CUR[$name]=$CUR S_USER[$name]=${s#*:}
done
want=$(printf '%s\n' "${S_SID[@]}" | sort | tr '\n' ' ')

list=$(G "sandsh --list")
units=$(G "systemctl list-units --plain --no-legend 'sandsh*'")
assert_eq "sandsh --list shows the three sessions" "$want" \
	"$(printf '%s\n' "$list" | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')"
assert_eq "systemctl list-units 'sandsh-*' shows their three scopes" "$want" \
	"$(printf '%s\n' "$units" | sed -n -E 's/^sandsh-([0-9a-f]{16})\.scope .*/\1/p' | sort | tr '\n' ' ')"
assert_eq "systemctl list-units 'sandsh-*' shows sandsh.slice and the three users' slices" \
	"sandsh-u2001.slice sandsh-u2002.slice sandsh-u2003.slice sandsh.slice " \
	"$(printf '%s\n' "$units" | awk '$1 ~ /\.slice$/ { print $1 }' | sort | tr '\n' ' ')"
for name in $(printf '%s\n' "${!S_SID[@]}" | sort); do
	sid=${S_SID[$name]} uid=$(uid_of "${S_USER[$name]}")
	assert_eq "$(lbl "$name")sandsh --list's PIDS is TasksCurrent/TasksMax of the scope and the slice" \
		"$(G "echo \$(systemctl show -P TasksCurrent sandsh-$sid.scope)/\$(systemctl show -P TasksMax sandsh-u$uid.slice)")" \
		"$(printf '%s\n' "$list" | awk -v id="$sid" '$1 == id { print $(NF - 2) }')"
done

for name in $(printf '%s\n' "${!S_SID[@]}" | sort); do
	SID=${S_SID[$name]} SLEEP_PID=${S_PID[$name]} CUR=${S_CUR[$name]}
	end_sleep "$name" "${S_USER[$name]}"
done
assert_eq "sandsh --list is empty afterwards" "" "$(G "sandsh --list" | awk 'NR > 1')"
assert_eq "systemctl lists no sandsh scope afterwards" "" \
	"$(G "systemctl list-units --all --plain --no-legend 'sandsh-*.scope'")"
check_all_gone
