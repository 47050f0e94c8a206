#!/usr/bin/env bash
# test_detect_fp.sh - no false alarms at default thresholds on ordinary traffic through
# the monitored side: iperf3 TCP (both directions) and UDP at full speed, 1,000
# sequential curl requests (each its own connection) from the monitored side to a web
# server, 1,000 dig queries each way. Not one flood, amplification, reflection, scan or
# anomaly alert (sids 9100001-9100039); iperf3's and the clients' own counts show the
# traffic happened. The same without L7 and TCP tracking (default protect, monitor
# --l7-packets 0 --no-tcp), where only what left tells an answer from an attack; there a
# [detect] domain list cannot match, and each says so once as it starts.
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

# Without L7 (protect's default) and without TCP tracking, only the egress program's count
# of what left tells the answers to the host's own queries and connections from a scan or
# reflection: 200 dig queries (a new source port each, as stub resolvers do) and 400
# connections opened in a burst (SYN-ACKs at well over 100/s) from the monitored side.
cat >"$LAB_TMP/conn.py" <<'PYEOF'
import socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "serve":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1024)
    s.settimeout(1)
    end = time.time() + 60
    while time.time() < end:
        try:
            s.accept()[0].close()
        except socket.timeout:
            pass
else:
    n = 0
    for i in range(int(sys.argv[4])):
        try:
            socket.create_connection((addr, port), timeout=2).close()
            n += 1
        except OSError:
            pass
    print(n)
PYEOF
in_tx timeout 60 "$PY" "$LAB_TMP/conn.py" serve "$IP4_TX" 8081 &
LAB_PIDS+=($!)
head -n 200 "$LAB_TMP/names" >"$LAB_TMP/names200"
# a domain list: with L7 off it cannot match, which both runs say once as they start
printf 'example.invalid\n' >"$LAB_TMP/domains"
printf '[detect]\ndomain-list = %s\n' "$LAB_TMP/domains" >"$LAB_TMP/dl.conf"
for run in "protect" "monitor --l7-packets 0 --no-tcp"; do
	out=$LAB_TMP/noegress.json err=$LAB_TMP/noegress.err
	# shellcheck disable=SC2086
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" $run -i "$IF_RX" --json --interval 0.5 \
		--duration 60 --config "$LAB_TMP/dl.conf" >"$out" 2>"$err" &
	pid=$!
	LAB_PIDS+=("$pid")
	if ! wait_grep "$err" "(monitoring|protecting) $IF_RX in" "$pid"; then
		fail "$run attaches" "$(cat "$err")"
		kill -INT "$pid" 2>/dev/null
		pid_wait "$pid" 10
		continue
	fi
	n=$(ip netns exec "$NS_RX" timeout 30 dig @"$IP4_TX" +tries=1 +time=1 +short -f "$LAB_TMP/names200" |
		grep -c '^198\.18\.0\.99$')
	check_eq "$run: 200 dig queries from the monitored side answered" "$n" 200
	n=$(ip netns exec "$NS_RX" timeout 30 "$PY" "$LAB_TMP/conn.py" connect "$IP4_TX" 8081 400)
	check_eq "$run: 400 connections from the monitored side opened" "$n" 400
	wait_until 3 false
	if [ "${run%% *}" = protect ]; then
		in_rx "$PKTLENS" blocked -i "$IF_RX" >"$LAB_TMP/blocked.txt" 2>&1
		check_eq "$run: no rule on the server the host asked ($IP4_TX)" \
			"$(grep -cF " $IP4_TX" "$LAB_TMP/blocked.txt")" 0
	fi
	kill -INT "$pid" 2>/dev/null
	pid_wait "$pid" 10
	check_eq "$run: says once that the domain list needs L7" \
		"$(grep -c 'domain lists match .* off here: they will match nothing' "$err")" 1
	check_eq "$run: detection was on" "$(json_get "$out" '"alerts" in j')" True
	bad=$(alerts_of "$out" | awk '$1 >= 9100001 && $1 < 9100040' | tr '\n' ';')
	check_eq "$run: no scan, reflection or flood alert for answers the host asked for" "$bad" ""
done
finish
