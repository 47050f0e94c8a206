#!/usr/bin/env bash
# test_l7_eve_flows.sh - analyze --eve writes a flow event for every flow, also for
# the flows a small flow table evicted (tests/e2e/l7_eve_flows.py says how).
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
trap 'rm -rf "$LAB_TMP"' EXIT
"$PY" "$(dirname "$0")/l7_eve_flows.py" "$PKTLENS" "$LAB_TMP"
