#!/bin/bash
# The protection-by-path table (issue 16): every protection of SECURITY.md
# (and of the PAM issues) is listed once in tests/protections.tsv with the
# test that proves it on each path: the shell (sandsh as login shell or
# ForceCommand) and each PAM service (sshd, su, login, pamtester). This
# fails when a row lacks a path or names a test that did not pass in the
# suites' last run.
# Usage: tests/check-protections.sh TABLE RESULTS_DIR
#   TABLE        tab-separated: ID, PROTECTION, then one cell per path
#                (shell sshd su login pamtester); a cell is
#                  SUITE/t-FILE.sh: DESCRIPTION   a test of that suite, as
#                                                 it reports itself (without
#                                                 the section prefix)
#                  n/a: WHY                       the path cannot have it
#                Lines starting with '#' and the header (ID first) are skipped.
#   RESULTS_DIR  the suites' results (tests/lib/suite.sh writes
#                BUILD/test-results/SUITE.results: "ok|fail|skip SECTION:
#                DESCRIPTION", SECTION being FILE without t- and .sh)
# Prints one line per problem and "protections: N rows, M tests checked";
# exits 1 on any problem.
set -u

table=${1:?usage: check-protections.sh TABLE RESULTS_DIR}
results=${2:?usage: check-protections.sh TABLE RESULTS_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
paths=(shell sshd su login pamtester)
problems=0 rows=0 checked=0
declare -A seen_id seen_prot

problem() {
	echo "protections: $*" >&2
	problems=$((problems + 1))
}

lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case "$line" in '#'* | '' | ID$'\t'*) continue ;; esac
	IFS=$'\t' read -r -a f <<<"$line"
	id=${f[0]:-}
	prot=${f[1]:-}
	where="$table:$lineno ($id)"
	rows=$((rows + 1))
	if [ -z "$id" ] || [ -z "$prot" ]; then
		problem "$where: no ID or protection"
		continue
	fi
	[ -n "${seen_id[$id]:-}" ] && problem "$where: ID listed twice (also line ${seen_id[$id]})"
	[ -n "${seen_prot[$prot]:-}" ] && problem "$where: protection listed twice (also line ${seen_prot[$prot]})"
	seen_id[$id]=$lineno
	seen_prot[$prot]=$lineno
	[ "${#f[@]}" -le $((2 + ${#paths[@]})) ] || problem "$where: more than ${#paths[@]} path columns"
	for i in "${!paths[@]}"; do
		cell=${f[$((i + 2))]:-}
		path=${paths[$i]}
		case "$cell" in
		'' | - | TODO*)
			problem "$where: no test for the $path path"
			;;
		'n/a: '?*) ;;
		*/t-*.sh:\ ?*)
			suite=${cell%%/*}
			file=${cell#*/}
			file=${file%%: *}
			desc=${cell#*: }
			section=${file#t-}
			section=${section%.sh}
			checked=$((checked + 1))
			if [ ! -f "$here/$suite/$file" ]; then
				problem "$where: $path: no test file tests/$suite/$file"
			elif [ ! -f "$results/$suite.results" ]; then
				problem "$where: $path: no results of the $suite suite in $results (run it first)"
			elif ! grep -q -x -F -- "ok $section: $desc" "$results/$suite.results"; then
				if grep -q -x -F -- "fail $section: $desc" "$results/$suite.results"; then
					problem "$where: $path: failed in the last run: $cell"
				elif grep -q -x -F -- "skip $section: $desc" "$results/$suite.results"; then
					problem "$where: $path: skipped in the last run (proves nothing): $cell"
				else
					problem "$where: $path: not in the results of the last run: $cell"
				fi
			fi
			;;
		*)
			problem "$where: $path: not 'SUITE/t-FILE.sh: DESCRIPTION' nor 'n/a: WHY': $cell"
			;;
		esac
	done
done <"$table"

echo "protections: $rows rows, $checked tests checked, $problems problems"
[ "$problems" = 0 ] && [ "$rows" -gt 0 ]
