#!/usr/bin/env bash
# run.sh: runs test programs and sums their results.
#
# Usage: tests/run.sh CMD...   (each CMD one argument: a program and its arguments)
# Every test program ends its output with a line "N passed, N failed[, ...]".  This
# prints each program's output as it comes, then one line "N passed, N failed" over
# all of them, and exits 1 if anything failed.  A program that exits nonzero without
# reporting a failure, or that prints no such line (it crashed), counts as one failure.
set -uo pipefail

total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for cmd in "$@"; do
	echo "== $cmd" | cut -c1-120
	# shellcheck disable=SC2086 # cmd is a program and its arguments, split on purpose
	$cmd 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "run.sh: ${cmd%% *}: no 'N passed, N failed' line (exit status $rc): counted as 1 failure"
		total_fail=$((total_fail + 1))
		continue
	fi
	pass=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	fail=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		echo "run.sh: ${cmd%% *}: exit status $rc with no failure reported: counted as 1 failure"
		fail=1
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
done

echo "== all"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
