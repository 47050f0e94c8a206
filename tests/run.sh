#!/usr/bin/env bash
# Runs test programs and scripts, shows their output, and adds up their closing
# lines ("N passed, N failed[, N skipped]") into one. A test fails the run when it
# reports a failure, exits non-zero, ends without a closing line, reports nothing
# ("0 passed, 0 failed": it tested nothing), or outlives its time limit (then it is
# killed and named, so a hang never stalls CI; when the whole run is stopped by a
# signal, the tests still running are named with their output). Each one's run time follows its output
# ("--- 12 s"), and the slowest are listed before the closing line.
#
# Usage: tests/run.sh [-j JOBS] [-t SECONDS] PROGRAM_OR_SCRIPT...
#   -j JOBS     run up to JOBS tests side by side (default 1). Each test's output is
#               kept and shown whole when it ends, so outputs never interleave. The
#               end-to-end tests build their own namespaces (names carry their PID)
#               and mostly wait, so a 2-CPU machine gains from running a few at once.
#   -t SECONDS  time limit of each test (default $PL_TEST_TIMEOUT, else 300)
set -u

JOBS=1
LIMIT=${PL_TEST_TIMEOUT:-300}
while getopts "j:t:" o; do
	case $o in
	j) JOBS=$OPTARG ;;
	t) LIMIT=$OPTARG ;;
	*) echo "usage: tests/run.sh [-j JOBS] [-t SECONDS] TEST..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

P=0 F=0 S=0
OUT=$(mktemp -d "${TMPDIR:-/tmp}/pktlens-run.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
TIMES=$OUT/times

# run_one IDX TEST: run TEST under its time limit; output to $OUT/IDX.out, then
# "rc seconds" to $OUT/IDX.rc. With one job the output is also shown as it comes.
run_one() {
	local idx=$1 t=$2 t0=$SECONDS rc
	# timeout's PID is kept for stop_run: the signal to the run does not reach it.
	if [ "$JOBS" -eq 1 ]; then
		timeout -k 10 "$LIMIT" "$t" > >(tee "$OUT/$idx.out") 2>&1 &
	else
		timeout -k 10 "$LIMIT" "$t" >"$OUT/$idx.out" 2>&1 &
	fi
	echo $! >"$OUT/$idx.pid"
	wait $!
	rc=$?
	echo "$rc $((SECONDS - t0))" >"$OUT/$idx.rc"
}

# account IDX TEST: show a finished test's output (when it was kept) and add up its line.
account() {
	local idx=$1 t=$2 rc secs line p f s
	read -r rc secs <"$OUT/$idx.rc"
	if [ "$JOBS" -ne 1 ]; then
		echo "=== $t"
		cat "$OUT/$idx.out"
	fi
	echo "--- $secs s"
	echo "$secs $t" >>"$TIMES"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL $t: killed after its time limit of $LIMIT s (a hang, or far slower than it should be)"
		F=$((F + 1))
		return
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$OUT/$idx.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $t: exited $rc without a closing line"
		F=$((F + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped$/\1/p')
	P=$((P + p)) F=$((F + f)) S=$((S + ${s:-0}))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "${s:-0}" -eq 0 ]; then
		echo "FAIL $t: ran no test (0 passed, 0 failed)"
		F=$((F + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t: exited $rc"
		F=$((F + 1))
	fi
}

# stopped IDX TEST: a test still running when the run was stopped: its output so far.
stopped() {
	if [ "$JOBS" -ne 1 ]; then
		echo "=== $2"
		cat "$OUT/$1.out"
	fi
	echo "FAIL $2: still running when the run was stopped (a hang, or the run's own limit)"
	F=$((F + 1))
}

# On TERM or INT (CI's limit for the whole run, or ^C) name the tests still running and
# show what they printed, after their own clean-up: each runs under its own timeout,
# in a process group of its own that the signal to ours does not reach.
stop_run() {
	local pid tpids=() waited=0
	trap - TERM INT
	for pid in "${!RUNNING[@]}"; do
		tpids+=("$(cat "$OUT/${RUNNING[$pid]}.pid" 2>/dev/null)")
	done
	kill -TERM "${tpids[@]}" 2>/dev/null
	while [ "$waited" -lt 60 ] && kill -0 "${tpids[@]}" 2>/dev/null; do
		sleep 0.25
		waited=$((waited + 1))
	done
	echo
	for pid in "${!RUNNING[@]}"; do stopped "${RUNNING[$pid]}" "${TESTS[${RUNNING[$pid]}]}"; done
	echo "$P passed, $F failed${S:+, $S skipped} (stopped)" | sed 's/, 0 skipped//'
	exit 1
}

declare -A RUNNING=() # pid -> index
TESTS=("$@")
trap stop_run TERM INT
next=0
while [ "$next" -lt "${#TESTS[@]}" ] || [ "${#RUNNING[@]}" -gt 0 ]; do
	while [ "$next" -lt "${#TESTS[@]}" ] && [ "${#RUNNING[@]}" -lt "$JOBS" ]; do
		[ "$JOBS" -eq 1 ] && echo "=== ${TESTS[$next]}"
		run_one "$next" "${TESTS[$next]}" &
		RUNNING[$!]=$next
		next=$((next + 1))
	done
	wait -n 2>/dev/null
	for pid in "${!RUNNING[@]}"; do
		kill -0 "$pid" 2>/dev/null && continue
		wait "$pid" 2>/dev/null
		idx=${RUNNING[$pid]}
		unset "RUNNING[$pid]"
		account "$idx" "${TESTS[$idx]}"
	done
done

echo
if [ -s "$TIMES" ] && [ "${#TESTS[@]}" -gt 1 ]; then
	echo "slowest:"
	sort -rn "$TIMES" | head -n 8 | awk '{ printf "  %4d s  %s\n", $1, $2 }'
	echo
fi
if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
[ "$F" -eq 0 ]
