#!/usr/bin/env bash
# test_detect_fp.sh - no false alarms at default thresholds on ordinary traffic through
# the monitored side: iperf3 TCP (both directions) and UDP at full speed, 1,000
# sequential curl requests (each its own connection) from the monitored side to a web
# server, 1,000 dig queries each way. Not one flood, amplification, reflection, scan or
# anomaly alert (sids 9100001-9100039); iperf3's and the clients' own counts show the
# traffic happened.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools iperf3 curl dig python3

lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json

# a DNS server in each namespace: every query answered with one A record
cat >"$LAB_TMP/dns.py" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
s.settimeout(1)
end = time.time() + 60
while time.time() < end:
    try:
        q, a = s.recvfrom(512)
    except socket.timeout:
        continue
    if len(q) < 12:
        continue
    end_q = q.find(b"\x00", 12) + 5  # the question: its name, type and class
    r = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:end_q]
    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x12\x00\x63"
    s.sendto(r, a)
PYEOF
in_tx timeout 60 "$PY" "$LAB_TMP/dns.py" "$IP4_TX" &
LAB_PIDS+=($!)
ip netns exec "$NS_RX" timeout 60 "$PY" "$LAB_TMP/dns.py" "$IP4_RX" &
LAB_PIDS+=($!)
in_tx timeout 60 "$PY" -m http.server -b "$IP4_TX" 8080 >/dev/null 2>&1 &
LAB_PIDS+=($!)
ip netns exec "$NS_RX" timeout 60 iperf3 -s -B "$IP4_RX" >/dev/null 2>&1 &
LAB_PIDS+=($!)
for i in $(seq 1000); do echo "host$i.example.test"; done >"$LAB_TMP/names"
wait_until 5 in_tx bash -c "exec 3<>/dev/tcp/$IP4_TX/8080" 2>/dev/null

mon_start 60 --interval 0.5 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }
in_tx timeout 10 iperf3 -c "$IP4_RX" -t 2 -J >"$LAB_TMP/tcp.json" 2>&1
in_tx timeout 10 iperf3 -c "$IP4_RX" -t 2 -R -J >"$LAB_TMP/tcpr.json" 2>&1
in_tx timeout 10 iperf3 -c "$IP4_RX" -t 2 -u -b 0 -J >"$LAB_TMP/udp.json" 2>&1
for f in tcp tcpr udp; do
	b=$(json_get "$LAB_TMP/$f.json" 'int(j["end"].get("sum_received", j["end"].get("sum", {})).get("bytes", 0))')
	[ "$b" -gt 0 ] 2>/dev/null && ok "iperf3 $f moved $b bytes" || fail "iperf3 $f ran" "$b"
done
n=$(ip netns exec "$NS_RX" timeout 30 curl -s -o /dev/null -w '%{http_code}\n' \
	"http://$IP4_TX:8080/[1-1000]" | grep -c '^404$')
check_eq "1000 sequential curl requests answered" "$n" 1000
n=$(ip netns exec "$NS_RX" timeout 30 dig @"$IP4_TX" +tries=1 +time=1 +short -f "$LAB_TMP/names" |
	grep -c '^198\.18\.0\.99$')
check_eq "1000 dig queries from the monitored side answered" "$n" 1000
n=$(in_tx timeout 30 dig @"$IP4_RX" +tries=1 +time=1 +short -f "$LAB_TMP/names" |
	grep -c '^198\.18\.0\.99$')
check_eq "1000 dig queries to the monitored side answered" "$n" 1000
lab_quiet
mon_stop INT
check_eq "monitor exits cleanly" "$MON_RC" 0
check_eq "detection was on (reports carry an alerts list)" "$(json_get "$MON_OUT" '"alerts" in j')" True
bad=$(alerts_of "$EVE" | awk '$1 >= 9100001 && $1 < 9100040' | tr '\n' ';')
check_eq "no flood, reflection, scan or anomaly alert" "$bad" ""
other=$(alerts_of "$EVE" | awk '$1 >= 9100040' | tr '\n' ';')
[ -n "$other" ] && echo "  (baseline alerts, not checked: $other)"
finish
