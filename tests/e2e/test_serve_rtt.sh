#!/usr/bin/env bash
# test_serve_rtt.sh - TCP RTT and service latency in `pktlens serve`, against a delay the
# test sets. The lab's link goes through tests/tools/delayline (tests/lib/delay.sh),
# which holds every frame from the client (tx) to the server (rx) D ms (20; PL_TEST_FULL=1:
# 20 and 50). serve watches the server's link. A TCP ping-pong (tests/tools/
# tcp_pingpong.py, 20 messages each sent when the previous came back) per delay; checked:
#   - GET /api/v1/rtt: the connection's handshake, least and mean RTT within 10 % (at
#     least 1 ms) of D plus the base RTT ping measured through the bridge, and the mean
#     as close to the kernel's own smoothed RTT of the connection (`ss -ti`, client);
#     its service port's histogram holds the samples;
#   - GET /api/v1/flows: the flow carries the same figures in its tcp object;
#   - /metrics: promtool passes; pktlens_tcp_rtt_seconds{port} mean (_sum/_count) within
#     the same tolerance, no sample in a bucket below the delay, _count the API's samples;
# PL_TEST_FULL=1 adds a connection without TCP timestamps (SEQ/ACK samples) at 20 ms,
# connections to 6 more ports (5 labelled ports and "other" in /metrics, no sample lost) and
# HTTP to a server that answers after 80 ms (status classes as curl got them), and
# IPFIX export read by tshark: pktlens's RTT elements of each connection.
# DNS: dig asks dnsmasq (rx) N names: GET /api/v1/latency and /metrics count N queries,
# N answered NOERROR (as dig got them), and the server-side latency is dnsmasq's own
# (its median below the delay, which the queries took before they reached the server's link).
# History and EVE: after SIGTERM the connection's row and its EVE flow event have its
# handshake and least RTT as close,
# `pktlens query flows` shows them and `pktlens report --db` draws the RTT chart.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
. "$(dirname "$0")/../lib/delay.sh"
need_root_tools ping ss ethtool chrt curl dig dnsmasq sqlite3 promtool
PP=$E2E_ROOT/tests/tools/tcp_pingpong.py
PORT=9120 N_DNS=5 DB=$LAB_TMP/rtt.db
[ -x "$DL" ] || { skip "delayline" "not built (make test-build)"; finish; }

lab_up || { fail "lab" "could not build the namespaces"; finish; }
lab_delay_up || { fail "lab" "no links through the middle namespace"; finish; }
dl_start 0 || { fail "delayline" "did not start: $(cat "$LAB_TMP/dl.err")"; finish; }
BASE=$(ping_avg)
[ -n "$BASE" ] || { fail "base RTT" "ping through the bridge failed"; finish; }
ok "base RTT through the bridge: $BASE ms (ping)"

in_rx timeout 60 chrt -f 40 "$PY" "$PP" server "$IP4_RX" "$PORT" 60 >"$LAB_TMP/srv.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$IP4_RX" --port=53 --address="/rtt.example/198.18.9.9" \
	--pid-file="$LAB_TMP/dnsmasq.pid" --user=root >"$LAB_TMP/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :$PORT' | grep -q ." ||
	fail "setup" "the echo server is not listening"
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnu 'sport = :53' | grep -q ." ||
	fail "setup" "dnsmasq is not listening"
EVE=$LAB_TMP/eve.json IPFIX=()
# PL_TEST_FULL=1: IPFIX to a sink on the rx loopback, read by tshark's decoder.
if [ "${PL_TEST_FULL:-0}" = 1 ] && command -v tshark >/dev/null; then
	in_rx timeout 90 "$PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 4739))
while True:
    s.recv(65535)" &
	LAB_PIDS+=($!)
	nsenter -t "$RX_HOLD" -m -n -- timeout 90 tshark -q -i lo -f "udp port 4739" \
		-w "$LAB_TMP/ipfix.pcap" 2>"$LAB_TMP/tshark.err" &
	TSHARK_PID=$!
	LAB_PIDS+=("$TSHARK_PID")
	wait_grep "$LAB_TMP/tshark.err" "Capturing on" "$TSHARK_PID" && IPFIX=(--ipfix 127.0.0.1:4739)
fi
srv_start -i "$IF_RX" --db "$DB" --eve "$EVE" "${IPFIX[@]}" ||
	{ fail "serve start" "$(cat "$SRV_ERR")"; finish; }
check_grep "serve says tcp on" "$SRV_ERR" "; tcp on; "

# rtt_of CPORT MIN: the API's slowest flow of client port CPORT as "HS AVG MIN SAMPLES";
# fails until it has MIN samples.
rtt_of() {
	http GET /api/v1/rtt >/dev/null || return 1
	"$PY" - "$LAB_TMP/body" "$1" "${2:-0}" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for f in j["interfaces"][0]["tcp"]["slowest_flows"]:
    if f["client_port"] == int(sys.argv[2]) and f["rtt_us"]:
        r = f["rtt_us"]
        print("%.3f %.3f %.3f %d %d" % ((f["handshake_rtt_us"] or 0) / 1e3, r["avg"] / 1e3,
                                        r["min"] / 1e3, r["samples"], r["from_timestamps"]))
        sys.exit(0 if r["samples"] >= int(sys.argv[3]) else 1)
sys.exit(1)
EOF
}

# metric TEXT SERIES: the value of SERIES (name{labels} as printed) in the exposition TEXT.
metric() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

conn() { # [nots]: TCP timestamps off on the client
	local ts=${1:-} out cport srtt exp got pid
	out=$LAB_TMP/pp.$D$ts
	# /metrics before: the port's histogram holds the earlier connections too.
	local L="interface=\"$IF_RX\",port=\"$PORT\"" sum0 cnt0 le below0
	le=$(awk -v e="$D" 'BEGIN { b = 0.000032; while (b * 2 < e * 0.9 / 1000) b *= 2; printf "%.6f", b }')
	http GET /metrics >/dev/null
	sum0=$(metric "$LAB_TMP/body" "pktlens_tcp_rtt_seconds_sum{$L}")
	cnt0=$(metric "$LAB_TMP/body" "pktlens_tcp_rtt_seconds_count{$L}")
	below0=$(metric "$LAB_TMP/body" "pktlens_tcp_rtt_seconds_bucket{$L,le=\"$le\"}")
	in_tx timeout 30 chrt -f 40 "$PY" "$PP" client "$IP4_RX" "$PORT" 20 "$LAB_TMP/close.$D$ts" 10 >"$out" 2>&1 &
	pid=$!
	wait_until 15 grep -qs done "$out" || { fail "delay $D ms: ping-pong" "$(cat "$out")"; return; }
	cport=$(awk '/done/ { print $2 }' "$out")
	srtt=$(in_tx ss -tin dst "$IP4_RX:$PORT" "sport = :$cport" | sed -nE 's/.* rtt:([0-9.]+)\/.*/\1/p')
	exp=$(awk -v d="$D" -v b="$BASE" 'BEGIN { printf "%.3f", d + b }')
	echo "  delay $D ms: expected $exp ms (base $BASE), ss srtt $srtt ms, ping $PING ms"
	wait_until 5 rtt_of "$cport" 10 >/dev/null
	got=$(rtt_of "$cport")
	cp "$LAB_TMP/body" "$LAB_TMP/rtt.$D.json"
	set -- $got
	local nsamp=${4:-0}
	echo "    /api/v1/rtt: handshake $1 ms, mean $2 ms, min $3 ms, $4 samples ($5 from timestamps)"
	if [ "$ts" = nots ]; then
		[ "${5:-1}" = 0 ] && ok "delay $D ms, no timestamps: samples from SEQ/ACK" ||
			fail "delay $D ms, no timestamps" "${5:-?} samples from timestamps"
	fi
	if [ -z "$got" ]; then
		fail "delay $D ms: /api/v1/rtt has the flow" "no RTT for client port $cport"
	else
		within "$1" "$exp" && ok "delay $D ms: API handshake RTT $1 ms ~ $exp ms" ||
			fail "delay $D ms: API handshake RTT" "$1 ms, expected $exp ms"
		within "$3" "$exp" && ok "delay $D ms: API least RTT $3 ms ~ $exp ms" ||
			fail "delay $D ms: API least RTT" "$3 ms, expected $exp ms"
		within "$2" "$exp" && ok "delay $D ms: API mean RTT $2 ms ~ $exp ms" ||
			fail "delay $D ms: API mean RTT" "$2 ms, expected $exp ms"
		within "$2" "$srtt" && ok "delay $D ms: API mean RTT ~ ss srtt $srtt ms" ||
			fail "delay $D ms: API mean RTT vs ss srtt" "$2 ms vs $srtt ms"
		check_true "delay $D ms: $4 samples (>= 10 for 20 exchanges)" [ "$4" -ge 10 ]
	fi
	echo "$cport $exp" >>"$LAB_TMP/conns"
	# The service port's histogram in the same answer.
	local svc
	svc=$(json_get "$LAB_TMP/rtt.$D.json" "[s['rtt_us']['samples'] for s in j['interfaces'][0]['tcp']['services'] if s['port'] == $PORT]")
	check_true "delay $D ms: port $PORT's histogram holds the flow's samples ($svc)" \
		[ "${svc//[^0-9]/}" -ge "${4:-1}" ]
	# The flow in /api/v1/flows with its tcp object.
	http GET "/api/v1/flows?port=$cport&proto=tcp" >/dev/null
	got=$(body "'%.3f %.3f' % (j['flows'][0]['tcp']['handshake_rtt_us'] / 1e3, j['flows'][0]['tcp']['rtt_us']['min'] / 1e3)")
	set -- $got
	within "${1:-}" "$exp" && within "${2:-}" "$exp" &&
		ok "delay $D ms: /api/v1/flows tcp: handshake $1 ms, least $2 ms ~ $exp ms" ||
		fail "delay $D ms: /api/v1/flows tcp" "'$got', expected $exp ms"
	# /metrics: the port's histogram.
	http GET /metrics >/dev/null
	cp "$LAB_TMP/body" "$LAB_TMP/metrics.$D.txt"
	local sum cnt mean below
	sum=$(metric "$LAB_TMP/metrics.$D.txt" "pktlens_tcp_rtt_seconds_sum{$L}")
	cnt=$(metric "$LAB_TMP/metrics.$D.txt" "pktlens_tcp_rtt_seconds_count{$L}")
	sum=$(awk -v a="$sum" -v b="${sum0:-0}" 'BEGIN { printf "%.9f", a - b }')
	cnt=$((${cnt:-0} - ${cnt0:-0}))
	mean=$(awk -v s="$sum" -v c="$cnt" 'BEGIN { if (c > 0) printf "%.3f", s * 1000 / c }')
	echo "    /metrics port $PORT, this connection: count $cnt, mean $mean ms"
	within "$mean" "$exp" && ok "delay $D ms: /metrics mean RTT $mean ms ~ $exp ms" ||
		fail "delay $D ms: /metrics mean RTT" "'$mean' ms (sum '$sum', count '$cnt'), expected $exp ms"
	check_true "delay $D ms: /metrics count $cnt >= the flow's $nsamp samples" [ "$nsamp" -gt 0 -a "$cnt" -ge "$nsamp" ]
	# The largest bucket bound below 90 % of the delay took no sample of this connection.
	below=$(metric "$LAB_TMP/metrics.$D.txt" "pktlens_tcp_rtt_seconds_bucket{$L,le=\"$le\"}")
	check_eq "delay $D ms: no new sample at le=$le s" "$((${below:-0} - ${below0:-0}))" 0
	check_true "delay $D ms: the bucket le=$le s is there" [ -n "$below" ]
	touch "$LAB_TMP/close.$D$ts"
	wait "$pid"
}

DELAYS=20
[ "${PL_TEST_FULL:-0}" = 1 ] && DELAYS="20 50"
for D in $DELAYS; do
	dl_start "$D" || { fail "delayline $D ms" "did not start"; continue; }
	PING=$(ping_avg)
	conn
	if [ "${PL_TEST_FULL:-0}" = 1 ] && [ "$D" = 20 ]; then
		in_tx sysctl -qw net.ipv4.tcp_timestamps=0
		conn nots
		in_tx sysctl -qw net.ipv4.tcp_timestamps=1
	fi
done

# PL_TEST_FULL=1: bounded labels. Connections to 6 more ports (a handshake sample each):
# 5 ports in all keep a label in /metrics, the others add up under port="other", and
# every sample of the API's service ports is in one series.
if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	in_rx timeout 30 "$PY" -c "
import socket, time
ls = []
for p in range(9201, 9207):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('$IP4_RX', p))
    s.listen(8)
    ls.append(s)
time.sleep(25)" >"$LAB_TMP/listen.log" 2>&1 &
	LAB_PIDS+=($!)
	wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :9206' | grep -q ." ||
		fail "setup" "the listeners are not there"
	in_tx timeout 20 "$PY" -c "
import socket
for p in range(9201, 9207):
    c = socket.create_connection(('$IP4_RX', p), timeout=5)
    c.close()" || fail "connections to 6 ports" "a connection failed"
	lab_quiet
	http GET /api/v1/rtt >/dev/null
	api=$(body "sum(s['rtt_us']['samples'] for s in j['interfaces'][0]['tcp']['services'] if s['rtt_us'])")
	http GET /metrics >/dev/null
	ports=$(sed -nE "s/^pktlens_tcp_rtt_seconds_count\{interface=\"$IF_RX\",port=\"([a-z0-9]+)\"\} .*/\1/p" "$LAB_TMP/body" | sort | tr '\n' ' ')
	sum=$(sed -nE "s/^pktlens_tcp_rtt_seconds_count\{interface=\"$IF_RX\",port=\"[a-z0-9]+\"\} ([0-9]+)/\1/p" "$LAB_TMP/body" | awk '{ s += $1 } END { print s + 0 }')
	echo "  /metrics RTT ports: $ports"
	check_eq "/metrics: 5 ports keep a label, the rest are other" \
		"$(echo "$ports" | wc -w) $(echo "$ports" | grep -c other)" "6 1"
	check_eq "/metrics: every sample of the API's ports in one series" "$sum" "$api"
fi

# PL_TEST_FULL=1: HTTP through the delay to a server that answers after 80 ms: the
# server-side latency is its delay, the status classes as curl got them.
if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	in_rx timeout 60 chrt -f 40 "$PY" "$E2E_ROOT/tests/tools/slow_servers.py" http "$IP4_RX" 8080 80 60 \
		>"$LAB_TMP/http.log" 2>&1 &
	LAB_PIDS+=($!)
	wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :8080' | grep -q ." ||
		fail "setup" "the HTTP server is not listening"
	codes=""
	for c in 200 200 200 200 200 404 404 404 503 503; do
		codes="$codes $(in_tx timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$IP4_RX:8080/status/$c")"
	done
	want="$(echo "$codes" | grep -o '2[0-9][0-9]' | wc -l) $(echo "$codes" | grep -o '4[0-9][0-9]' | wc -l) $(echo "$codes" | grep -o '5[0-9][0-9]' | wc -l)"
	H="[s for s in j['interfaces'][0]['services'] if s['service'] == 'http' and s['port'] == 8080]"
	http_of() { http GET /api/v1/latency >/dev/null && [ "$(body "[s['requests'] for s in $H]")" = "[10]" ]; }
	wait_until 10 http_of || echo "  /api/v1/latency: $(head -c 400 "$LAB_TMP/body")"
	check_eq "HTTP 8080: status classes 2xx 4xx 5xx as curl got them" \
		"$(body "(lambda c: '%d %d %d' % (c['2xx'], c['4xx'], c['5xx']))($H[0]['status_classes'])")" "$want"
	got=$(body "$H[0]['latency_ms']['p50']")
	within "$got" 80 && ok "HTTP 8080: server-side median latency $got ms ~ 80 ms" ||
		fail "HTTP 8080: server-side median latency" "$got ms, set 80 ms"
	http GET /metrics >/dev/null
	L="interface=\"$IF_RX\",service=\"http\",port=\"8080\""
	check_eq "/metrics: HTTP 2xx 4xx 5xx" "$(for c in 2xx 4xx 5xx; do metric "$LAB_TMP/body" "pktlens_service_responses_total{$L,code=\"$c\"}"; done | tr '\n' ' ' | sed 's/ $//')" "$want"
fi

# DNS through the delay: N names asked of dnsmasq, one query (one flow) each.
noerr=0
for i in $(seq "$N_DNS"); do
	in_tx timeout 5 dig +tries=1 +time=2 @"$IP4_RX" "q$i.rtt.example" A >"$LAB_TMP/dig.$i" 2>&1
	grep -q "status: NOERROR" "$LAB_TMP/dig.$i" && noerr=$((noerr + 1))
done
check_eq "dig got NOERROR for every name" "$noerr" "$N_DNS"
dns_of() {
	http GET /api/v1/latency >/dev/null &&
		[ "$(body "[s['requests'] for s in j['interfaces'][0]['services'] if s['service'] == 'dns' and s['port'] == 53]")" = "[$N_DNS]" ]
}
wait_until 10 dns_of || echo "  /api/v1/latency: $(head -c 400 "$LAB_TMP/body")"
cp "$LAB_TMP/body" "$LAB_TMP/latency.json"
S="[s for s in j['interfaces'][0]['services'] if s['service'] == 'dns' and s['port'] == 53][0]"
check_eq "/api/v1/latency: DNS port 53 queries" "$(json_get "$LAB_TMP/latency.json" "$S['requests']")" "$N_DNS"
check_eq "/api/v1/latency: DNS port 53 answered" "$(json_get "$LAB_TMP/latency.json" "$S['answered']")" "$N_DNS"
check_eq "/api/v1/latency: NOERROR as dig got them" \
	"$(json_get "$LAB_TMP/latency.json" "$S['rcodes'].get('NOERROR')")" "$noerr"
dp50=$(json_get "$LAB_TMP/latency.json" "$S['latency_ms']['p50']")
echo "  DNS at the server: p50 $dp50 ms, max $(json_get "$LAB_TMP/latency.json" "$S['latency_ms']['max']") ms"
check_true "DNS median latency at the server ($dp50 ms) is dnsmasq's, below the path's delay" \
	awk -v m="$dp50" -v d="$D" 'BEGIN { exit !(m != "" && m > 0 && m < d / 2) }'
http GET /metrics >/dev/null
cp "$LAB_TMP/body" "$LAB_TMP/metrics.txt"
if promtool check metrics <"$LAB_TMP/metrics.txt" >"$LAB_TMP/promtool.out" 2>&1; then
	ok "promtool check metrics"
else
	fail "promtool check metrics" "$(head -c 600 "$LAB_TMP/promtool.out")"
fi
L="interface=\"$IF_RX\",service=\"dns\",port=\"53\""
check_eq "/metrics: DNS queries" "$(metric "$LAB_TMP/metrics.txt" "pktlens_service_requests_total{$L}")" "$N_DNS"
check_eq "/metrics: DNS latency count" "$(metric "$LAB_TMP/metrics.txt" "pktlens_service_latency_seconds_count{$L}")" "$N_DNS"
check_eq "/metrics: DNS NOERROR" "$(metric "$LAB_TMP/metrics.txt" "pktlens_service_responses_total{$L,code=\"NOERROR\"}")" "$noerr"
check_eq "no address in any label" "$(grep -c '198\.18\.' "$LAB_TMP/metrics.txt")" 0

# The history as the API answers it (the flows written so far: none of the open ones).
check_http "GET /api/v1/history/flows" 200 GET "/api/v1/history/flows?since=-1h"
srv_stop TERM
check_rc "serve: SIGTERM" "$SRV_RC" 0
# The history: each connection's row (written at the stop) with its RTT. Its mean is not
# compared: the connection's end adds a sample that holds the client's delayed ACK.
while read -r cport exp; do
	got=$(sqlite3 "$DB" "SELECT printf('%.3f %.3f %d', handshake_rtt_us / 1e3, rtt_min_us / 1e3, rtt_samples) FROM flows WHERE proto = 6 AND sport = $cport")
	set -- $got
	within "${1:-}" "$exp" && within "${2:-}" "$exp" &&
		ok "history row of port $cport: handshake $1 ms, least $2 ms ~ $exp ms ($3 samples)" ||
		fail "history row of port $cport" "'$got', expected $exp ms"
	got=$("$PY" - "$EVE" "$cport" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get('event_type') == 'flow' and e.get('src_port') == int(sys.argv[2]):
        t = e.get('tcp') or {}
        print('%.3f %.3f' % ((t.get('handshake_rtt_us') or 0) / 1e3, t['rtt_us']['min'] / 1e3))
        break
EOF
)
	set -- $got
	within "${1:-}" "$exp" && within "${2:-}" "$exp" &&
		ok "EVE flow event of port $cport: tcp handshake $1 ms, least $2 ms ~ $exp ms" ||
		fail "EVE flow event of port $cport" "tcp object '$got', expected $exp ms"
	q=$("$PKTLENS" query --db "$DB" flows --json --since -1h 2>&1)
	got=$(echo "$q" | "$PY" -c "import json,sys
for f in json.load(sys.stdin)['flows']:
    if f['sport'] == $cport: print('%.3f' % (f['tcp']['rtt_us']['min'] / 1e3))")
	within "$got" "$exp" && ok "pktlens query flows: port $cport least RTT $got ms" ||
		fail "pktlens query flows: port $cport" "'$got', expected $exp ms: $(echo "$q" | head -c 300)"
done <"$LAB_TMP/conns"
# The EVE tcp objects' figures have 3 decimals at most, as the API prints them.
check_eq "EVE tcp objects: no figure with more than 3 decimals" "$("$PY" - "$EVE" <<'EOF'
import json, re, sys
n = bad = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    i = l.find('"tcp":{')
    if i < 0 or e.get('event_type') != 'flow':
        continue
    n += 1
    # The object's text: up to the brace that closes it (no string in it holds one).
    d, j = 0, i + 6
    while True:
        d += {'{': 1, '}': -1}.get(l[j], 0)
        if d == 0:
            break
        j += 1
    bad += len(re.findall(r'[0-9]+\.[0-9]{4,}', l[i:j]))
print('%s flows, %d' % ('some' if n else 'no', bad))
EOF
)" "some flows, 0"
# PL_TEST_FULL=1: each connection's IPFIX record (written at the stop) carries its RTT in
# pktlens's enterprise elements (PEN 32473: min, mean, max us, samples), as tshark decodes
# them: the least RTT as close to the delay, the samples the history row's.
if [ ${#IPFIX[@]} -gt 0 ]; then
	sleep 0.5 # the last datagrams through lo
	kill -INT "$TSHARK_PID" 2>/dev/null
	pid_wait "$TSHARK_PID" 10
	# PDML: one node a record, so that records without some element cannot shift others
	tshark -r "$LAB_TMP/ipfix.pcap" -Y cflow -T pdml 2>/dev/null >"$LAB_TMP/ipfix.pdml"
	while read -r cport exp; do
		got=$("$PY" - "$LAB_TMP/ipfix.pdml" "$cport" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
for fl in ET.parse(sys.argv[1]).iter("field"):
    if not re.fullmatch(r"Flow \d+", fl.get("show", "")):
        continue
    sport, ent = None, {}
    for f in fl.iter("field"):
        if f.get("name") == "cflow.srcport":
            sport = f.get("show")
        m = re.search(r"\) Type (\d+):", f.get("showname", ""))
        if f.get("name") == "cflow.enterprise_private_entry" and m:
            ent[int(m.group(1))] = int(f.get("value") or "0", 16)
    if sport == sys.argv[2] and 1 in ent and 4 in ent:
        print("%.3f %d" % (ent[1] / 1e3, ent[4]))
        sys.exit(0)
EOF
)
		set -- $got
		hist=$(sqlite3 "$DB" "SELECT rtt_samples FROM flows WHERE proto = 6 AND sport = $cport")
		within "${1:-}" "$exp" && [ "${2:-}" = "$hist" ] &&
			ok "IPFIX record of port $cport (tshark): least RTT $1 ms ~ $exp ms, $2 samples" ||
			fail "IPFIX record of port $cport (tshark)" "'$got', expected $exp ms and $hist samples"
	done <"$LAB_TMP/conns"
fi
# Every answer above (RTT, latency, flows with tcp objects), and the history's flows with
# theirs (pktlens query --json: GET /api/v1/history/flows's answer, the daemon gone now),
# held to their schemas in docs/openapi.yaml (test_serve.sh holds every endpoint).
n=$(($(wc -l <"$LAB_TMP/ex/index") + 1))
"$PKTLENS" query --db "$DB" flows --json --since -1h >"$LAB_TMP/ex/$n.body" 2>/dev/null
echo "$n GET /api/v1/history/flows 200 application/json" >>"$LAB_TMP/ex/index"
PL_OPENAPI_PARTIAL=1 openapi_check
"$PKTLENS" query --db "$DB" flows --since -1h >"$LAB_TMP/q.txt" 2>&1
check_grep "pktlens query flows (text): an rtt column" "$LAB_TMP/q.txt" "rtt_ms"
"$PKTLENS" report --db "$DB" --since -1h -o "$LAB_TMP/r.html" >"$LAB_TMP/r.log" 2>&1 ||
	fail "report" "$(cat "$LAB_TMP/r.log")"
check_eq "report: the RTT chart counts the history's TCP flows with an RTT" \
	"$(grep -o 'id="chart-rtt"[^>]*data-flows="[0-9]*"' "$LAB_TMP/r.html" | sed -E 's/.*data-flows="([0-9]+)"/\1/')" \
	"$(sqlite3 "$DB" 'SELECT count(*) FROM flows WHERE rtt_avg_us IS NOT NULL')"
# Both print 3 decimals; C's printf and SQLite's may round a last half differently.
rep_avg=$(sed -n '/<table id="rtt-slowest">/,/<\/table>/p' "$LAB_TMP/r.html" | grep '^<tr><td>' | head -n 1 |
	grep -o 'data-value="[0-9.]*"' | head -n 1 | tr -dc '0-9.')
db_avg=$(sqlite3 "$DB" "SELECT max(rtt_avg_us) FROM flows")
check_true "report: the slowest flow's mean RTT is the history's ($rep_avg us, db $db_avg)" \
	awk -v a="$rep_avg" -v b="$db_avg" 'BEGIN { d = a - b; exit !(a != "" && d <= 0.0015 && d >= -0.0015) }'
nothing_attached "after SIGTERM"
finish
