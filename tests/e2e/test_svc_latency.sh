#!/usr/bin/env bash
# test_svc_latency.sh - service latency against delays the test sets: a DNS responder
# (UDP 53) that answers each query 40 ms after it came, NXDOMAIN for names "nx*" and
# SERVFAIL for "fail*", and an HTTP server (8080) that answers GET /status/NNN with
# NNN 80 ms after the request (tests/tools/slow_servers.py, at real-time priority).
# The client side asks 6 names that resolve, 3 NXDOMAIN and 2 SERVFAIL (one query a
# socket: one flow each), and 5 requests answered 200, 3 answered 404, 2 answered 503
# (curl, a connection each). `pktlens monitor` runs on the server's link and on the
# client's at once, and tcpdump records the server's link for `analyze`. For each of
# the three (server, client, the capture): DNS and HTTP mean and median latency within
# 10 % (at least 1 ms) of the set delay, NOERROR/NXDOMAIN/SERVFAIL and 2xx/4xx/5xx
# counted exactly as the clients got them.
# Several requests of one flow (each pair counts, not the flow's first only): 6 more
# queries from one UDP socket (one 5-tuple, each its own DNS id), and curl asking 5
# URLs over one kept-alive connection of a second HTTP server (8081) that answers after
# 30 ms: its 5 answers and their classes, as curl got them on one connection. The
# monitors sample 32 packets per flow and direction (--l7-packets 32; the default 8
# holds about two keep-alive requests), analyze the capture with --l7-packets all.
# tshark on the same capture (dns.time, http.time) gives per service the same count of
# answered requests and the same mean, least and greatest latency (to 5 us).
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools curl tcpdump chrt tshark
SS=$E2E_ROOT/tests/tools/slow_servers.py
SVC_OF=$E2E_ROOT/tests/e2e/svc_of.py
D_DNS=40 D_HTTP=80 D_KA=30

lab_up || { fail "lab" "could not build the namespaces"; finish; }
in_rx timeout 60 chrt -f 40 "$PY" "$SS" dns "$IP4_RX" 53 "$D_DNS" 60 >"$LAB_TMP/dns.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 chrt -f 40 "$PY" "$SS" http "$IP4_RX" 8080 "$D_HTTP" 60 >"$LAB_TMP/http.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 chrt -f 40 "$PY" "$SS" http "$IP4_RX" 8081 "$D_KA" 60 >"$LAB_TMP/http2.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :8080 or sport = :8081' | grep -c . | grep -qx 2" ||
	fail "setup" "the HTTP servers are not listening"
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnu 'sport = :53' | grep -q ." ||
	fail "setup" "the DNS server is not listening"

PCAP=$LAB_TMP/srv.pcap
# Not through in_rx: $! must be what nsenter execs, so that it gets the signal.
nsenter -t "$RX_HOLD" -m -n -- timeout 60 tcpdump -i "$IF_RX" -U --immediate-mode -s 0 -w "$PCAP" \
	"port 53 or port 8080 or port 8081" >"$LAB_TMP/tcpdump.log" 2>&1 &
TD_PID=$!
LAB_PIDS+=("$TD_PID")
wait_grep "$LAB_TMP/tcpdump.log" "listening on" "$TD_PID" || fail "tcpdump" "did not start"
mon_start 60 --interval 0.5 --l7-packets 32 || { fail "monitor (server)" "did not attach: $(cat "$MON_ERR")"; finish; }
CLI_OUT=$LAB_TMP/cli.json CLI_ERR=$LAB_TMP/cli.err
ip netns exec "$NS_TX" "$PKTLENS" monitor --json --duration 60 --interval 0.5 --l7-packets 32 -i "$IF_TX" \
	>"$CLI_OUT" 2>"$CLI_ERR" &
CLI_PID=$!
LAB_PIDS+=("$CLI_PID")
wait_grep "$CLI_ERR" "monitoring $IF_TX in" "$CLI_PID" ||
	{ fail "monitor (client)" "did not attach: $(cat "$CLI_ERR")"; finish; }
ok "monitors attached (server $MON_MODE, client)"

names="a1.t.example a2.t.example a3.t.example a4.t.example a5.t.example a6.t.example
nx1.t.example nx2.t.example nx3.t.example fail1.t.example fail2.t.example"
# shellcheck disable=SC2086
in_tx timeout 30 chrt -f 40 "$PY" "$SS" dnsq "$IP4_RX" 53 $names >"$LAB_TMP/dnsq.out" 2>&1 ||
	fail "DNS client" "$(cat "$LAB_TMP/dnsq.out")"
# One socket, six queries: one flow, paired by id.
in_tx timeout 30 chrt -f 40 "$PY" "$SS" dnsq1 "$IP4_RX" 53 b1.t.example b2.t.example \
	nx4.t.example b3.t.example fail3.t.example b4.t.example >>"$LAB_TMP/dnsq.out" 2>&1 ||
	fail "DNS client (one socket)" "$(cat "$LAB_TMP/dnsq.out")"
codes=""
for c in 200 200 200 200 200 404 404 404 503 503; do
	codes="$codes $(in_tx timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$IP4_RX:8080/status/$c")"
done
# Five URLs, one connection (curl reuses it: num_connects 1, then 0).
KA_URLS=
for c in 200 404 200 503 204; do KA_URLS="$KA_URLS http://$IP4_RX:8081/status/$c"; done
# shellcheck disable=SC2086
in_tx timeout 20 curl -s $(for u in $KA_URLS; do printf -- '-o /dev/null '; done) \
	-w '%{http_code} %{num_connects}\n' $KA_URLS >"$LAB_TMP/ka.out" 2>&1
echo "  keep-alive: curl got $(awk '{ print $1 }' "$LAB_TMP/ka.out" | tr '\n' ' ')over $(awk '{ n += $2 } END { print n }' "$LAB_TMP/ka.out") connection(s)"
check_eq "keep-alive: 5 answers over one connection" \
	"$(awk '{ n += $2; c++ } END { print c, n }' "$LAB_TMP/ka.out")" "5 1"
want_ka="2xx=$(grep -c '^2' "$LAB_TMP/ka.out"),4xx=$(grep -c '^4' "$LAB_TMP/ka.out"),5xx=$(grep -c '^5' "$LAB_TMP/ka.out")"
echo "  DNS rcodes the client got: $(awk '{ print $1 }' "$LAB_TMP/dnsq.out" | sort | uniq -c | tr -s ' \n' ' ')"
# The client's own timing is the ground truth of the mean: on a loaded machine the
# responder may answer one query late (the median stays at the set delay).
DNS_MEAN=$(awk '{ s += $2 } END { if (NR) printf "%.3f", s / NR }' "$LAB_TMP/dnsq.out")
echo "  DNS client's own mean: $DNS_MEAN ms"
echo "  HTTP statuses curl got:$codes"
want_dns="NOERROR=$(grep -c '^0 ' "$LAB_TMP/dnsq.out"),NXDOMAIN=$(grep -c '^3 ' "$LAB_TMP/dnsq.out"),SERVFAIL=$(grep -c '^2 ' "$LAB_TMP/dnsq.out")"
want_http="2xx=$(echo "$codes" | grep -o '2[0-9][0-9]' | wc -l),4xx=$(echo "$codes" | grep -o '4[0-9][0-9]' | wc -l),5xx=$(echo "$codes" | grep -o '5[0-9][0-9]' | wc -l)"
check_eq "the clients got what the servers were told to give" "$want_dns $want_http" \
	"NOERROR=10,NXDOMAIN=4,SERVFAIL=3 2xx=5,4xx=3,5xx=2"

within() { # GOT WANT
	awk -v g="$1" -v w="$2" 'BEGIN { t = w * 0.1; if (t < 1) t = 1; d = g - w;
		if (d < 0) d = -d; exit !(g != "" && d <= t) }'
}
# check_side NAME FILE: the figures of one report against the ground truth
check_side() {
	local name=$1 file=$2 got
	set -- $("$PY" "$SVC_OF" "$file" dns 53)
	echo "    $name dns/53: $* "
	check_eq "$name: DNS rcodes" "${5:-}" "$want_dns"
	within "${2:-}" "$DNS_MEAN" && within "${3:-}" "$D_DNS" &&
		ok "$name: DNS latency mean ${2:-} ms ~ the client's $DNS_MEAN ms, median ${3:-} ms ~ $D_DNS ms" ||
		fail "$name: DNS latency" "mean ${2:-} ms (the client's $DNS_MEAN ms), median ${3:-} ms, set $D_DNS ms"
	set -- $("$PY" "$SVC_OF" "$file" http 8080)
	echo "    $name http/8080: $*"
	check_eq "$name: HTTP status classes" "${5:-}" "$want_http"
	within "${2:-}" "$D_HTTP" && within "${3:-}" "$D_HTTP" &&
		ok "$name: HTTP latency mean ${2:-} ms, median ${3:-} ms ~ $D_HTTP ms" ||
		fail "$name: HTTP latency" "mean ${2:-} ms, median ${3:-} ms, set $D_HTTP ms"
	set -- $("$PY" "$SVC_OF" "$file" http 8081)
	echo "    $name http/8081 (keep-alive): $*"
	check_eq "$name: keep-alive requests answered, status classes" "${1:-} ${5:-}" "5 $want_ka"
	within "${2:-}" "$D_KA" && within "${3:-}" "$D_KA" &&
		ok "$name: keep-alive latency mean ${2:-} ms, median ${3:-} ms ~ $D_KA ms" ||
		fail "$name: keep-alive latency" "mean ${2:-} ms, median ${3:-} ms, set $D_KA ms"
}
# Flows are summed once classified (a quiet one after 2 s): wait for all of them.
complete() { "$PY" - "$1" <<'EOF'
import json, sys
l = [x for x in open(sys.argv[1]) if x.startswith('{')]
j = json.loads(l[-1]) if l else {}
n = sum(s['requests'] for s in j.get('service_latency', []))
sys.exit(0 if n >= 32 else 1)
EOF
}
wait_until 10 complete "$MON_OUT" || fail "server side" "not every request was summed"
wait_until 10 complete "$CLI_OUT" || fail "client side" "not every request was summed"
check_side server "$MON_OUT"
check_side client "$CLI_OUT"

kill -INT "$CLI_PID" 2>/dev/null
mon_stop
pid_wait "$CLI_PID" 10
# tcpdump may still hold the last packets when told to stop (they would be missing, not
# counted as dropped): stop it once its file holds the last keep-alive answer.
ka_written() {
	[ "$(tshark -r "$PCAP" -d tcp.port==8081,http -Y 'tcp.srcport == 8081 and http.response' \
		2>/dev/null | wc -l)" -ge 5 ]
}
wait_until 10 ka_written || echo "  (the capture holds fewer than 5 keep-alive answers)"
kill -TERM "$TD_PID" 2>/dev/null
pid_wait "$TD_PID" 10
in_rx "$PKTLENS" analyze -r "$PCAP" --json --l7-packets all >"$LAB_TMP/an.json" \
	2>"$LAB_TMP/an.err" || fail "analyze" "$(cat "$LAB_TMP/an.err")"
# tcpdump on a loaded machine can drop: then the capture is not what the clients got
# and only tshark's reading of the same capture (below) is its reference.
td_drop=$(sed -nE 's/^([0-9]+) packets? dropped by kernel.*/\1/p' "$LAB_TMP/tcpdump.log")
if [ "${td_drop:-0}" = 0 ]; then
	check_side "capture (analyze)" "$LAB_TMP/an.json"
else
	skip "capture (analyze) against the clients" "tcpdump dropped $td_drop packets"
fi
# tshark on the same capture: its dns.time and http.time (the response head's frame:
# body reassembly off) per server port, against analyze's figures.
tshark -r "$PCAP" -d tcp.port==8081,http -o http.desegment_body:FALSE -Y "dns.time or http.time" \
	-T fields -e udp.srcport -e tcp.srcport -e dns.time -e http.time >"$LAB_TMP/ts.txt" 2>/dev/null
"$PY" - "$LAB_TMP/ts.txt" "$LAB_TMP/an.json" >"$LAB_TMP/ts.cmp" <<'EOF'
import json, sys
ref = {}
for l in open(sys.argv[1]):
    f = (l.rstrip('\n').split('\t') + [''] * 4)[:4]
    kind = 'dns' if f[2] else 'http'
    ref.setdefault((kind, int(f[0] or f[1])), []).append(float(f[2] or f[3]) * 1e3)
got = {(s['service'], s['port']): s for s in json.load(open(sys.argv[2]))['service_latency']}
for (kind, port), v in sorted(ref.items()):
    s = got.get((kind, port))
    l = (s or {}).get('latency_ms') or {}
    print('%s/%d tshark %d %.3f %.3f %.3f pktlens %s %.3f %.3f %.3f' % (
        kind, port, len(v), sum(v) / len(v), min(v), max(v), s and s['answered'],
        l.get('avg', -1), l.get('min', -1), l.get('max', -1)))
EOF
[ -s "$LAB_TMP/ts.cmp" ] || fail "tshark" "no dns.time/http.time in the capture"
while read -r svc _ n avg mn mx _ pn pavg pmn pmx; do
	echo "    $svc: tshark $n answered, mean $avg min $mn max $mx ms; analyze $pn, $pavg $pmn $pmx"
	[ "$n" = "$pn" ] && awk -v a="$avg $mn $mx" -v b="$pavg $pmn $pmx" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > 0.005) exit 1 } }' &&
		ok "$svc: analyze == tshark ($n answered, mean $avg ms)" ||
		fail "$svc: analyze vs tshark" "tshark $n $avg $mn $mx, analyze $pn $pavg $pmn $pmx"
done <"$LAB_TMP/ts.cmp"
check_eq "tshark saw the three services" "$(wc -l <"$LAB_TMP/ts.cmp")" 3
finish
