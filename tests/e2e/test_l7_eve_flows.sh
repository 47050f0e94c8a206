#!/usr/bin/env bash
# test_l7_eve_flows.sh - a flow event for every flow, also for the flows a small flow
# table evicted:
#   - analyze --eve (tests/e2e/l7_eve_flows.py says how): 403 flows of a crafted
#     capture through a 64-entry table;
#   - full tier (PL_TEST_FULL=1): monitor --eve --flows 64 on the rx link of a lab while
#     the tx side sends one datagram from each of 300 source ports in a burst (most
#     come and leave the table between two reads): after SIGINT each of the 300 has
#     exactly one flow event with its one packet and its bytes.
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
trap 'lab_down' EXIT
"$PY" "$(dirname "$0")/l7_eve_flows.py" "$PKTLENS" "$LAB_TMP" >"$LAB_TMP/py.out"
grep -v -E '^[0-9]+ passed' "$LAB_TMP/py.out"
T_PASS=$((T_PASS + $(grep -c '^ok ' "$LAB_TMP/py.out")))
T_FAIL=$((T_FAIL + $(grep -c '^FAIL ' "$LAB_TMP/py.out")))

if [ "${PL_TEST_FULL:-0}" != 1 ]; then
	skip "monitor: 300 flows through a 64-entry table" "full tier only (PL_TEST_FULL=1)"
	finish
fi
lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json
mon_start 60 --interval 1 --flows 64 --eve "$EVE" ||
	{ fail "monitor" "did not attach: $(cat "$MON_ERR")"; finish; }
in_tx "$PY" - "$IP4_TX" "$IP4_RX" <<'EOF'
import socket, sys
for i in range(300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 20000 + i))
    s.sendto(b"y" * 20, (sys.argv[2], 7000))
    s.close()
EOF
mon_settle 300 || fail "monitor" "did not count the 300 datagrams"
mon_stop INT
check_rc "monitor exits on SIGINT" "$MON_RC" 0
res=$("$PY" - "$EVE" "$IP4_TX" <<'EOF'
import json, sys
ports = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "flow" and e.get("src_ip") == sys.argv[2] and e.get("dest_port") == 7000:
        f = e["flow"]
        ports.setdefault(e["src_port"], []).append((f["pkts_toserver"], f["bytes_toserver"], f["reason"]))
want = set(range(20000, 20300))
bad = [p for p, v in ports.items() if len(v) != 1 or v[0][:2] != (1, 62)]
print("%d %d %d %d" % (len(want & set(ports)), len(set(ports) - want), len(bad),
      sum(1 for v in ports.values() if v[0][2] == "forced")))
EOF
)
read -r have extra bad forced <<<"$res"
check_eq "monitor: one flow event for each of the 300 source ports (64-entry table)" \
	"$have $extra $bad" "300 0 0"
check_true "monitor: evicted flows have reason forced ($forced)" [ "${forced:-0}" -ge 236 ]
finish
