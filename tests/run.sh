#!/usr/bin/env bash
# Runs test programs and scripts, shows their output, and adds up their closing
# lines ("N passed, N failed[, N skipped]") into one. Exit 1 if anything failed
# or a program ended without a closing line. Each one's run time follows its output
# ("--- 12 s"), so the suite's time budget (.ci/run) shows where it goes.
# Usage: tests/run.sh PROGRAM_OR_SCRIPT...
set -u
P=0 F=0 S=0
for t in "$@"; do
	echo "=== $t"
	out=$(mktemp)
	t0=$SECONDS
	"$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "--- $((SECONDS - t0)) s"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "FAIL $t: exited $rc without a closing line"
		F=$((F + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped$/\1/p')
	P=$((P + p)) F=$((F + f)) S=$((S + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t: exited $rc"
		F=$((F + 1))
	fi
done
echo
if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
[ "$F" -eq 0 ]
