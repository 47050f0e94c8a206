#!/usr/bin/env bash
# test_l7_ndpi.sh - per flow, the application pktlens's L7 (flow-start samples from the
# XDP program through its ring, classified with nDPI) gives on the captures of
# $CORPUS/ndpi/pcap/ agrees with Debian's ndpiReader (the same nDPI 4.2) on the same
# file for >= 95 % of the flows ndpiReader lists. pktlens's verdicts come from
# `analyze --eve -` (the flow events' ndpi.protocol), ndpiReader's from its CSV (-C);
# flows are matched by protocol and both endpoints (tests/corpus/l7_agree.py), and the
# disagreements are printed by file (see README, "L7" for why they differ).
# Fast tier: the nDPI captures of tests/corpus/sample.txt; PL_TEST_FULL=1: all of them.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
DIR="$CORPUS/ndpi/pcap"

if [ ! -d "$DIR" ] || ! command -v ndpiReader >/dev/null; then
	echo "skip: no $DIR or no ndpiReader (libndpi-bin)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
WORK=$(mktemp -d /tmp/pktlens-l7ndpi.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/nd" "$WORK/pl"
if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	files=$(cd "$DIR" && ls)
else
	files=$(sed -n 's|^ndpi/pcap/||p' "$ROOT/tests/corpus/sample.txt")
fi
passed=0 failed=0
list=()
for f in $files; do
	[ -f "$DIR/$f" ] || continue
	timeout 60 ndpiReader -q -i "$DIR/$f" -C "$WORK/nd/$f.csv" >/dev/null 2>&1
	list+=(-r "$DIR/$f")
done
# One analyze over all of them (the program loaded once); each EVE event names its
# capture in pcap_filename, which splits them again.
timeout $((60 * ${#list[@]} / 2 + 60)) "$PKTLENS" analyze -q "${list[@]}" --eve - \
	>"$WORK/all.json" 2>"$WORK/err"
rc=$?
# Exit 1 is a damaged or unreadable capture (said on stderr); never a signal.
if [ $rc -gt 1 ]; then
	echo "FAIL analyze exited $rc: $(head -c 300 "$WORK/err")"
	failed=$((failed + 1))
fi
python3 - "$WORK/all.json" "$WORK/pl" <<'EOF'
import json, os, sys
out = {}
for line in open(sys.argv[1], errors="replace"):
    try:
        name = os.path.basename(json.loads(line).get("pcap_filename", ""))
    except ValueError:
        continue
    if name:
        out.setdefault(name, []).append(line)
for name, lines in out.items():
    with open(os.path.join(sys.argv[2], name + ".json"), "w") as f:
        f.writelines(lines)
EOF
if python3 "$ROOT/tests/corpus/l7_agree.py" --min 95 "$WORK/nd" "$WORK/pl"; then
	echo "ok   flows agree with ndpiReader (>= 95 %)"
	passed=$((passed + 1))
else
	echo "FAIL flows agree with ndpiReader (>= 95 %)"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
