#!/bin/bash
# Decides which static-analysis findings fail `make analyze` and writes every
# finding to a report (the scheme is explained in tests/security.mk).
#
# Reads DIR/clang-tidy.log and DIR/cppcheck.log (the tools' output, one
# finding per "file:line:col: severity: message [check]" line), the exit
# statuses in DIR/*.status, and the checks the installed clang-tidy enables
# (DIR/clang-tidy.enabled). A finding fails the build when
#   - its check is on the pinned list (tests/analyze/*.checks|ids) and the
#     installed tool is the pinned version, or
#   - its check matches a pattern of the explicit list (GATE_ALWAYS), or
#   - STRICT=1.
# Every other finding, and every check the installed clang-tidy enables that
# the pinned list does not have, goes to DIR/report.txt only.
# Usage: tests/analyze/gate.sh DIR     (environment: TIDY_VERSION TIDY_PINNED
#        CPPCHECK_VERSION CPPCHECK_PINNED GATE_ALWAYS STRICT)
# Exits 1 if any finding is gated or a tool failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:?usage: gate.sh DIR}
report=$dir/report.txt
tidy_list=$here/clang-tidy-$TIDY_PINNED.checks
cppcheck_list=$here/cppcheck-$CPPCHECK_PINNED.ids

for f in "$tidy_list" "$cppcheck_list"; do
	[ -r "$f" ] || { echo "analyze: pinned list $f missing" >&2; exit 1; }
done

# One line per finding: tool, check(s), severity, location and message.
{
	sed -n 's/^\(.*:[0-9]*:[0-9]*\): \(warning\|error\): \(.*\) \[\([^] ]*\)\]$/clang-tidy\t\4\t\2\t\1: \3/p' \
		"$dir/clang-tidy.log"
	sed -n 's/^\(.*:[0-9]*:[0-9]*\): \([a-z]*\): \(.*\) \[\([A-Za-z0-9_]*\)\]$/cppcheck\t\4\t\2\t\1: \3/p' \
		"$dir/cppcheck.log"
} | sort -u >"$dir/findings.tsv"

awk -F '\t' -v tidy_same="$([ "$TIDY_VERSION" = "$TIDY_PINNED" ] && echo 1)" \
	-v cppcheck_same="$([ "$CPPCHECK_VERSION" = "$CPPCHECK_PINNED" ] && echo 1)" \
	-v always="$GATE_ALWAYS" -v strict="${STRICT:-0}" \
	-v tidy_list="$tidy_list" -v cppcheck_list="$cppcheck_list" '
	function glob_match(s, pat) {
		gsub(/\./, "\\.", pat)
		gsub(/\*/, ".*", pat)
		return s ~ ("^" pat "$")
	}
	function always_gated(check,    n, i, pats) {
		n = split(always, pats, /[ \t\n]+/)
		for (i = 1; i <= n; i++)
			if (pats[i] != "" && glob_match(check, pats[i]))
				return 1
		return 0
	}
	BEGIN {
		while ((getline l < tidy_list) > 0)
			if (l !~ /^#/ && l != "") pinned["clang-tidy", l] = 1
		while ((getline l < cppcheck_list) > 0)
			if (l !~ /^#/ && l != "") pinned["cppcheck", l] = 1
	}
	{
		tool = $1; n = split($2, checks, ","); gated = 0; why = ""
		for (i = 1; i <= n; i++) {
			c = checks[i]
			if (strict == 1) { gated = 1; why = "STRICT=1" }
			else if (always_gated(c)) { gated = 1; why = "explicit list" }
			else if (((tool == "clang-tidy" && tidy_same) || (tool == "cppcheck" && cppcheck_same)) &&
				 (tool, c) in pinned) { gated = 1; why = "pinned list" }
		}
		if (!gated)
			why = ((tool, checks[1]) in pinned) ? "pinned check, other tool version" : "check not pinned"
		print (gated ? "GATED" : "REPORTED") "\t" why "\t" $0
	}' "$dir/findings.tsv" >"$dir/classified.tsv"

# Checks the installed clang-tidy enables that the pinned list lacks (a
# newer clang-tidy's), by family.
comm -23 <(sort -u "$dir/clang-tidy.enabled") <(grep -v '^#' "$tidy_list" | sort -u) >"$dir/new-checks.txt"

gated=$(grep -c '^GATED' "$dir/classified.tsv")
reported=$(grep -c '^REPORTED' "$dir/classified.tsv")
failed=""
for t in clang-tidy cppcheck; do
	st=$(cat "$dir/$t.status" 2>/dev/null || echo missing)
	[ "$st" = 0 ] || failed="$failed $t(exit $st)"
done

{
	echo "make analyze report"
	echo "clang-tidy $TIDY_VERSION (pinned $TIDY_PINNED), cppcheck $CPPCHECK_VERSION (pinned $CPPCHECK_PINNED)"
	echo "gated: $gated, reported only: $reported${failed:+, tool failures:$failed}"
	echo
	echo "== gated findings (these fail make analyze)"
	awk -F '\t' '$1 == "GATED" { printf "%s [%s] (%s: %s)\n", $6, $4, $3, $2 }' "$dir/classified.tsv"
	echo
	echo "== reported findings, by check family (do not fail the build)"
	awk -F '\t' '$1 == "REPORTED" { fam = $4; sub(/^clang-/, "", fam); sub(/-.*/, "", fam)
		fam = ($4 ~ /^clang-/ ? "clang-" : "") fam; if ($3 == "cppcheck") fam = "cppcheck"
		printf "%s\t%s [%s] (%s)\n", fam, $6, $4, $2 }' "$dir/classified.tsv" | sort |
		awk -F '\t' '$1 != last { print "-- " $1; last = $1 } { print "   " $2 }'
	echo
	echo "== checks this clang-tidy enables that clang-tidy $TIDY_PINNED did not have, by family"
	awk '{ fam = $0; sub(/^clang-/, "", fam); sub(/-.*/, "", fam); fam = ($0 ~ /^clang-/ ? "clang-" : "") fam
		if (fam != last) { print "-- " fam; last = fam } print "   " $0 }' \
		"$dir/new-checks.txt"
} >"$report"

if [ "$gated" -gt 0 ] || [ -n "$failed" ]; then
	awk -F '\t' '$1 == "GATED" { print $6 " [" $4 "]" }' "$dir/classified.tsv" >&2
	[ -z "$failed" ] || echo "analyze: tool failures:$failed (logs in $dir)" >&2
	echo "analyze: $gated gated finding(s); full report: $report" >&2
	exit 1
fi
echo "analyze: no gated finding; $reported reported, $(wc -l <"$dir/new-checks.txt") new check(s) listed: $report"
