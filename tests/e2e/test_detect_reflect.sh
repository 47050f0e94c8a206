#!/usr/bin/env bash
# test_detect_reflect.sh - amplification and reflection, crafted with hping3 from the
# tx side: large UDP answers from port 53 (DNS) and SYN-ACKs from port 80, from random
# reflectors, that the target never asked for: alerted (sids 9100010 and 9100011, the
# target as the victim). The same volume of answers to requests the target's second
# address sent first (UDP queries, SYNs; seen leaving by the egress program): not
# alerted.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools hping3 python3

lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json
N=1500
V2=198.18.0.3 # the target's second address: the victim that asked
ip netns exec "$NS_RX" ip addr add "$V2/24" dev "$IF_RX"
in_tx ip neigh replace "$V2" lladdr "$MAC_RX" dev "$IF_TX" nud permanent

mon_start 60 --interval 0.25 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }

# unsolicited: 1200-byte DNS answers and SYN-ACKs from random reflectors
lab_quiet
in_tx timeout 10 hping3 -2 -s 53 -k -p 40000 -d 1200 -i u300 -c "$N" --rand-source \
	"$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert_dst "$EVE" 9100010 "$IP4_RX"
check_true "unsolicited DNS answers: amplification alert on $IP4_RX" has_alert_dst "$EVE" 9100010 "$IP4_RX"
lab_quiet
in_tx timeout 10 hping3 -S -A -s 80 -k -p 40001 -i u300 -c "$N" --rand-source \
	"$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert_dst "$EVE" 9100011 "$IP4_RX"
check_true "unsolicited SYN-ACKs: reflection alert on $IP4_RX" has_alert_dst "$EVE" 9100011 "$IP4_RX"

# solicited: the victim asks first (one UDP query per port, one SYN per port), then
# the same volume of answers comes back to exactly those ports
lab_quiet
ip netns exec "$NS_RX" timeout 20 "$PY" - "$V2" "$IP4_TX" "$N" <<'PYEOF'
import socket, sys
v2, peer, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for p in range(41000, 41000 + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((v2, p))
    s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01", (peer, 53))
    s.close()
PYEOF
in_tx timeout 10 hping3 -2 -s 53 -k -p ++41000 -d 1200 -i u300 -c "$N" "$V2" >/dev/null 2>&1
ip netns exec "$NS_RX" timeout 10 hping3 -S -s 43000 -p 80 -i u300 -c "$N" -a "$V2" "$IP4_TX" \
	>/dev/null 2>&1
in_tx timeout 10 hping3 -S -A -s 80 -k -p ++43000 -i u300 -c "$N" "$V2" >/dev/null 2>&1
lab_quiet
# two more intervals for anything late
wait_until 1 false
mon_stop INT
check_eq "monitor exits cleanly" "$MON_RC" 0
got=$(alerts_of "$EVE" | awk -v v="$V2" '$3 == v && ($1 == 9100010 || $1 == 9100011)' | tr '\n' ';')
check_eq "answers to requests that were sent: no alert" "$got" ""
# what the target received of the solicited answers, counted by the kernel
n=$(json_get "$MON_OUT" 'j["total"]["packets"]')
[ "$n" -ge $((4 * N)) ] 2>/dev/null && ok "the monitor saw the traffic ($n packets)" ||
	fail "the monitor saw the traffic" "$n packets"
finish
