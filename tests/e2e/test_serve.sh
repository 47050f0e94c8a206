#!/usr/bin/env bash
# test_serve.sh - `pktlens serve`: every endpoint of the REST API with curl, each error
# status (400, 401, 403, 404, 405, 413) with its JSON body, the token file's rules,
# SIGHUP reload, slow clients, and SIGTERM leaving nothing attached. Every answer is
# held to docs/openapi.yaml (openapi_check.py), and every answer documented must occur.
#
# The counts are held against what the test sent with trafgen (fixed 5-tuples, 64-byte
# frames) and the sender's tx_packets counter; the lab is quiet (static neighbours, no
# DAD/RS/RA), so nothing else arrives.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl

N_UDP4=3000 N_UDP6=400 N_SYN=50
TOKEN=pl-test-token-0123456789abcdef
TOKEN2=pl-second-token-9876543210
AUTH=(-H "Authorization: Bearer $TOKEN")

lab_up || { fail "lab" "could not build the namespaces"; finish; }
IF2=pld$$
# A second interface for the daemon: a veth pair inside the rx namespace, nothing sent.
ip netns exec "$NS_RX" ip link add "$IF2" type veth peer name "ple$$"
ip netns exec "$NS_RX" ip link set "$IF2" up

(umask 077 && echo "$TOKEN" >"$LAB_TMP/token")
cp "$LAB_TMP/token" "$LAB_TMP/token644" && chmod 644 "$LAB_TMP/token644"

cat >"$LAB_TMP/udp4.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
CFG
cat >"$LAB_TMP/udp6.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=9), fill(0x42, 2) }
CFG
cat >"$LAB_TMP/syn.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10) }
CFG

# ---- refusals before anything runs ------------------------------------------------
in_rx "$PKTLENS" serve >/dev/null 2>"$LAB_TMP/e"
check_rc "no -i: usage" $? 2
in_rx "$PKTLENS" serve -i "$IF_RX" --listen localhost:9739 >/dev/null 2>"$LAB_TMP/e"
check_rc "--listen with a host name: usage" $? 2
check_grep "--listen error says numeric" "$LAB_TMP/e" "numeric"
in_rx "$PKTLENS" serve -i "$IF_RX" --listen 127.0.0.1:0 >/dev/null 2>"$LAB_TMP/e"
check_rc "--listen port 0: usage" $? 2
in_rx "$PKTLENS" serve -i "$IF_RX" --token-file "$LAB_TMP/token644" >/dev/null 2>"$LAB_TMP/e"
check_rc "token file mode 0644: refused" $? 1
check_grep "token refusal names the mode and the fix" "$LAB_TMP/e" "mode 0644.*chmod 600"
in_rx "$PKTLENS" serve -i "$IF_RX" --token-file "$LAB_TMP/none" >/dev/null 2>"$LAB_TMP/e"
check_rc "missing token file: refused" $? 1
in_rx "$PKTLENS" serve -i nosuch$$ --no-db >/dev/null 2>"$LAB_TMP/e"
check_rc "unknown interface: refused" $? 1
nothing_attached "after the refusals"

# ---- the daemon, two interfaces -----------------------------------------------------
if ! srv_start -i "$IF_RX" -i "$IF2" --token-file "$LAB_TMP/token" --drops; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
ok "serve started: $(grep -o 'serving.*' "$SRV_ERR")"
lab_quiet
tx0=$(tx_packets)
trafgen_send "$N_UDP4" "$LAB_TMP/udp4.cfg" || echo "  trafgen udp4 failed"
trafgen_send "$N_UDP6" "$LAB_TMP/udp6.cfg" || echo "  trafgen udp6 failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP4 + N_UDP6 + N_SYN))

seen_all() {
	[ "$(http GET /api/v1/stats)" = 200 ] &&
		[ "$(body 'j["interfaces"][0]["total"]["packets"]')" -ge "$sent" ] 2>/dev/null
}
wait_until 10 seen_all
check_http "GET /api/v1/stats" 200 GET /api/v1/stats
check_eq "stats: two interfaces" "$(body '[i["name"] for i in j["interfaces"]]')" "['$IF_RX', '$IF2']"
check_eq "stats: packets == tx_packets delta" "$(body 'j["interfaces"][0]["total"]["packets"]')" "$sent"
check_eq "stats: state" "$(body 'j["interfaces"][0]["state"]')" attached
check_eq "stats: no malformed" "$(body 'j["interfaces"][0]["malformed"]["total"]')" 0
check_eq "stats: the second interface counted nothing" "$(body 'j["interfaces"][1]["total"]["packets"]')" 0
check_eq "Content-Type is JSON" "$(grep -i '^content-type' "$LAB_TMP/head" | tr -d '\r')" \
	"Content-Type: application/json"
# The sampler counts the table once a second.
flows_active() {
	http GET /api/v1/stats >/dev/null && [ "$(body 'j["interfaces"][0]["flows"]["active"]')" = "$1" ]
}
wait_until 3 flows_active 3
check_eq "stats: flows active (sampled)" "$(body 'j["interfaces"][0]["flows"]["active"]')" 3
check_http "GET /api/v1/stats?interface=IF2" 200 GET "/api/v1/stats?interface=$IF2"
check_eq "stats: one interface asked, one answered" "$(body '[i["name"] for i in j["interfaces"]]')" "['$IF2']"
check_http "HEAD /api/v1/stats" 200 HEAD /api/v1/stats
check_http "GET /api/v1/rates" 200 GET /api/v1/rates
check_eq "rates: two interfaces" "$(body '[i["name"] for i in j["interfaces"]]')" "['$IF_RX', '$IF2']"
check_true "rates: samples, each over an interval ($(body 'len(j["interfaces"][0]["samples"])'))" \
	[ "$(body 'len(j["interfaces"][0]["samples"]) > 0 and all(s["interval_s"] > 0 for s in j["interfaces"][0]["samples"])')" = True ]
check_true "rates: the samples hold no more than the total" \
	[ "$(body 'sum(s["packets"] for s in j["interfaces"][0]["samples"])')" -le "$sent" ]
check_eq "rates: nothing on the second interface" "$(body 'sum(s["packets"] for s in j["interfaces"][1]["samples"])')" 0
check_http "unknown interface on rates" 404 GET "/api/v1/rates?interface=nosuch"
check_http "unknown parameter on rates" 400 GET "/api/v1/rates?top=3"
# Drops (held to the kernel's counts in test_serve_drops.sh): two interfaces, all counted.
check_http "GET /api/v1/drops" 200 GET /api/v1/drops
check_eq "drops: every interface counted" "$(body 'j["counting"]')" "every interface"
check_http "unknown parameter on drops" 400 GET "/api/v1/drops?top=3"
# RTT and service latency (held to the delay line and dnsmasq in test_serve_rtt.sh): on by
# default, on both interfaces; the SYNs' flow has a TCP record without an RTT.
check_http "GET /api/v1/rtt" 200 GET /api/v1/rtt
check_eq "rtt: both interfaces" "$(body '[i["name"] for i in j["interfaces"]]')" "['$IF_RX', '$IF2']"
check_eq "rtt: the SYN flow, unanswered, no RTT sample" \
	"$(body '(lambda t: (t["flows"], t["rtt_samples"], t["services"][0]["port"], t["services"][0]["segments"]))(j["interfaces"][0]["tcp"])')" \
	"(1, 0, 80, $N_SYN)"
check_http "GET /api/v1/latency" 200 GET "/api/v1/latency?interface=$IF2"
check_eq "latency: no DNS or HTTP yet" "$(body 'j["interfaces"][0]["services"]')" "[]"
check_http "unknown parameter on rtt" 400 GET "/api/v1/rtt?top=3"
check_http "unknown interface on rtt" 404 GET "/api/v1/rtt?interface=nosuch"
check_http "unknown interface on latency" 404 GET "/api/v1/latency?interface=nosuch"
check_http "unknown parameter on latency" 400 GET "/api/v1/latency?port=53"

check_http "GET /api/v1/protocols" 200 GET "/api/v1/protocols?interface=$IF_RX"
check_eq "protocols: udp packets" "$(body 'j["interfaces"][0]["l4"]["udp"]["packets"]')" $((N_UDP4 + N_UDP6))
check_eq "protocols: udp bytes" "$(body 'j["interfaces"][0]["l4"]["udp"]["bytes"]')" \
	$((64 * N_UDP4 + 64 * N_UDP6))
check_eq "protocols: tcp packets" "$(body 'j["interfaces"][0]["l4"]["tcp"]["packets"]')" "$N_SYN"
check_eq "protocols: ipv4 packets" "$(body 'j["interfaces"][0]["l3"]["ipv4"]["packets"]')" $((N_UDP4 + N_SYN))
check_eq "protocols: SYN flags" "$(body 'j["interfaces"][0]["tcp_flags"]')" "{'S': $N_SYN}"
check_eq "protocols: size 0-64" "$(body 'j["interfaces"][0]["size_hist"]["0-64"]')" "$sent"

# L7 (held to dig and curl in test_serve_l7.sh): on by default, on both interfaces.
check_http "GET /api/v1/applications" 200 GET /api/v1/applications
check_eq "applications: both interfaces" "$(body '[i["name"] for i in j["interfaces"]]')" "['$IF_RX', '$IF2']"
check_http "GET /api/v1/flows (udp, port 40000)" 200 GET "/api/v1/flows?proto=udp&port=40000"
check_eq "flows: one matches" "$(body 'j["matched"]')" 1
check_eq "flows: its tuple" \
	"$(body '(lambda f: (f["interface"], f["src"], f["sport"], f["dst"], f["dport"]))(j["flows"][0])')" \
	"('$IF_RX', '$IP4_TX', 40000, '$IP4_RX', 9)"
check_eq "flows: packets and bytes sent" \
	"$(body '(lambda f: (f["packets"], f["bytes"]))(j["flows"][0])')" \
	"($N_UDP4, $((64 * N_UDP4)))"
check_http "GET /api/v1/flows?addr=2001:db8::/32" 200 GET "/api/v1/flows?addr=2001:db8::/32&proto=17"
check_eq "flows: IPv6 prefix" "$(body '[(f["src"], f["packets"]) for f in j["flows"]]')" \
	"[('$IP6_TX', $N_UDP6)]"
check_http "GET /api/v1/flows?addr=198.18.0.0/15" 200 GET "/api/v1/flows?addr=198.18.0.0/15"
check_eq "flows: IPv4 prefix" "$(body 'sorted(f["dport"] for f in j["flows"])')" "[9, 80]"
check_http "GET /api/v1/flows?addr=203.0.113.7" 200 GET "/api/v1/flows?addr=203.0.113.7"
check_eq "flows: no match" "$(body '(j["matched"], j["flows"])')" "(0, [])"
check_http "GET /api/v1/flows?sort=packets&top=1" 200 GET "/api/v1/flows?sort=packets&top=1"
check_eq "flows: top 1 by packets" "$(body '[(f["sport"], f["packets"]) for f in j["flows"]]')" \
	"[(40000, $N_UDP4)]"
check_http "GET /api/v1/flows?proto=tcp" 200 GET "/api/v1/flows?proto=tcp&sort=last_seen"
check_eq "flows: the SYNs" "$(body '[(f["dport"], f["packets"], f["tcp_flags"], f["state"]) for f in j["flows"]]')" \
	"[(80, $N_SYN, 'S', 'ingress-only')]"
check_eq "flows: the SYNs' tcp object" \
	"$(body '[(f["tcp"]["handshake"], f["tcp"]["rtt_us"], f["tcp"]["client"]["segments"]) for f in j["flows"]]')" \
	"[('syn_unanswered', None, $N_SYN)]"
check_http "GET /api/v1/flows?interface=IF2" 200 GET "/api/v1/flows?interface=$IF2"
check_eq "flows: none on the second interface" "$(body 'j["matched"]')" 0
check_http "GET /api/v1" 200 GET /api/v1
check_eq "index lists the endpoints" "$(body '[e["path"] for e in j["endpoints"]]')" \
	"['/', '/api/v1', '/api/v1/stats', '/api/v1/protocols', '/api/v1/flows', '/api/v1/applications', '/api/v1/drops', '/api/v1/rtt', '/api/v1/latency', '/api/v1/rates', '/api/v1/history/minutes', '/api/v1/history/flows', '/api/v1/history/top-talkers', '/api/v1/history/apps', '/api/v1/reload', '/api/v1/alerts', '/api/v1/history/alerts', '/api/v1/rules', '/api/v1/rules/block', '/api/v1/rules/unblock', '/metrics']"
check_eq "index: the reload is of the whole configuration (as docs/openapi.yaml says)" \
	"$(body '[e["summary"] for e in j["endpoints"] if e["path"] == "/api/v1/reload"][0].startswith("reload the whole configuration")') $(grep -A2 '^  /api/v1/reload:' "$E2E_ROOT/docs/openapi.yaml" | grep -c 'whole configuration')" "True 1"
check_http "GET /metrics" 200 GET /metrics
check_grep "service latency HELP: every request pair sampled, not a flow's first" "$LAB_TMP/body" \
	"^# HELP pktlens_service_latency_seconds .*every request-response pair in the packets L7 samples"
check_http "GET / (the dashboard)" 200 GET /
check_grep "GET /: HTML" "$LAB_TMP/head" "^[Cc]ontent-[Tt]ype: text/html"
check_http "POST / refused" 405 POST /

# ---- errors ---------------------------------------------------------------------------
check_http "unknown path" 404 GET /api/v2/stats
check_http "unknown interface" 404 GET "/api/v1/flows?interface=eth0"
check_grep "404 names the served interfaces" "$LAB_TMP/body" "served: $IF_RX, $IF2"
check_http "top=0" 400 GET "/api/v1/flows?top=0"
check_http "top=10001" 400 GET "/api/v1/flows?top=10001"
check_http "sort=size" 400 GET "/api/v1/flows?sort=size"
check_http "addr=foo" 400 GET "/api/v1/flows?addr=foo"
check_http "addr prefix /33" 400 GET "/api/v1/flows?addr=198.18.0.0/33"
check_http "port=70000" 400 GET "/api/v1/flows?port=70000"
check_http "proto=xyz" 400 GET "/api/v1/flows?proto=xyz"
check_http "unknown parameter" 400 GET "/api/v1/flows?tp=1"
check_grep "400 names the parameter" "$LAB_TMP/body" "unknown query parameter 'tp'"
check_http "parameter twice" 400 GET "/api/v1/flows?top=1&top=2"
check_http "top on stats" 400 GET "/api/v1/stats?top=3"
check_http "parameter on the index" 400 GET "/api/v1?x=1"
check_http "unknown parameter on protocols" 400 GET "/api/v1/protocols?sort=bytes"
check_http "unknown interface on stats" 404 GET "/api/v1/stats?interface=nosuch"
check_http "unknown interface on protocols" 404 GET "/api/v1/protocols?interface=nosuch"
check_http "parameter on /metrics" 400 GET "/metrics?x=1"
check_http "interface on /metrics: none documented" 400 GET "/metrics?interface=$IF_RX"
check_grep "says it takes none" "$LAB_TMP/body" "this endpoint takes none"
check_http "interface on the index: none documented" 400 GET "/api/v1?interface=$IF_RX"
check_http "unknown parameter on applications" 400 GET "/api/v1/applications?top=3"
check_http "unknown interface on applications" 404 GET "/api/v1/applications?interface=nosuch"
check_http "app with a space" 400 GET "/api/v1/flows?app=a%20b"
check_http "GET on a write call" 405 GET /api/v1/reload
check_eq "405 Allow: POST" "$(grep -i '^allow' "$LAB_TMP/head" | tr -d '\r')" "Allow: POST"
check_http "POST on a read call" 405 POST /api/v1/stats
check_eq "405 Allow: GET, HEAD" "$(grep -i '^allow' "$LAB_TMP/head" | tr -d '\r')" "Allow: GET, HEAD"
check_http "DELETE flows" 405 DELETE /api/v1/flows
check_http "write without a token" 401 POST /api/v1/reload
check_grep "401 asks for a bearer token" "$LAB_TMP/head" "^WWW-Authenticate: Bearer"
check_http "wrong token" 401 POST /api/v1/reload -H "Authorization: Bearer ${TOKEN}x"
check_http "token of another length" 401 POST /api/v1/reload -H "Authorization: Bearer abc"
check_http "Basic instead of Bearer" 401 POST /api/v1/reload -H "Authorization: Basic $TOKEN"
check_http "bad JSON" 400 POST /api/v1/reload "${AUTH[@]}" --data-binary '{"log_level":'
check_http "not an object" 400 POST /api/v1/reload "${AUTH[@]}" --data-binary '[1]'
check_http "unknown field" 400 POST /api/v1/reload "${AUTH[@]}" --data-binary '{"x":1}'
check_http "bad log level" 400 POST /api/v1/reload "${AUTH[@]}" --data-binary '{"log_level":"loud"}'
check_http "trailing garbage" 400 POST /api/v1/reload "${AUTH[@]}" --data-binary '{} x'
head -c 5000 /dev/zero | tr '\0' ' ' >"$LAB_TMP/big"
check_http "body over 4096 bytes (Content-Length)" 413 POST /api/v1/reload "${AUTH[@]}" \
	--data-binary "@$LAB_TMP/big"
check_http "body over 4096 bytes (chunked)" 413 POST /api/v1/reload "${AUTH[@]}" \
	-H "Transfer-Encoding: chunked" --data-binary "@$LAB_TMP/big"
check_http "reload, empty body" 200 POST /api/v1/reload "${AUTH[@]}"
check_http "reload with a log level" 200 POST /api/v1/reload "${AUTH[@]}" \
	--data-binary '{"log_level":"info"}'
check_eq "reload answer" "$(body 'j["reloaded"]')" True

# ---- slow clients do not hold the others up ----------------------------------------
# 300 loopback clients (more than libmicrohttpd's old limit of 256) keep sending a header
# line each 0.5 s, so that the idle timeout never closes them; 40 more from one address
# off the loopback (the rx veth's, bound as source): 32 are held, the others closed at
# once, as the clients themselves see it. Meanwhile /metrics answers.
in_rx timeout 20 "$PY" - "$IP4_RX" "$LAB_TMP/slow_done" <<'PYEOF' >"$LAB_TMP/slow" 2>&1 &
import os, socket, sys, time, select
slow, other = [], []
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", 9739))
    s.sendall(b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n")  # never finished
    slow.append(s)
for _ in range(40):
    s = socket.socket()
    s.bind((sys.argv[1], 0))
    s.connect(("127.0.0.1", 9739))
    s.sendall(b"GET /api/v1/stats HTTP/1.1\r\n")
    other.append(s)
print("held", flush=True)
# Until the test is done with them (bounded): a header line each 0.5 s.
end = time.monotonic() + 5
while time.monotonic() < end and not os.path.exists(sys.argv[2]):
    for s in slow:
        s.sendall(b"X-a: b\r\n")
    time.sleep(0.5)
# Closed by the server: readable with nothing (EOF) or reset; held ones are not readable.
r, _, _ = select.select(other, [], [], 0)
closed = 0
for s in r:
    try:
        closed += s.recv(1) == b""
    except OSError:
        closed += 1
print("other closed", closed, flush=True)
PYEOF
SLOW=$!
LAB_PIDS+=("$SLOW")
wait_until 10 grep -q held "$LAB_TMP/slow"
t0=$(now_ms)
code=$(http GET /metrics --max-time 2)
check_eq "/metrics answered beside 340 slow clients" "$code" 200
echo "  (in $(($(now_ms) - t0)) ms)"
check_true "the slow clients are still open" \
	test "$(sed -n 's/^pktlens_http_connections_open //p' "$LAB_TMP/body")" -ge 332
touch "$LAB_TMP/slow_done"
pid_wait "$SLOW" 10
check_grep "8 of one address's 40 connections closed at once" "$LAB_TMP/slow" "^other closed 8$"
check_grep "said once, naming the address" "$SRV_ERR" \
	"http: $IP4_RX has 32 connections open, the limit of one address"
check_eq "said once" "$(grep -c "the limit of one address" "$SRV_ERR")" 1
check_true "the limit of all connections is above 340" \
	test "$(http GET /metrics >/dev/null; sed -n 's/^pktlens_http_connections_limit //p' "$LAB_TMP/body")" -gt 340

# ---- the history (in $LAB_TMP: srv_start's --db) ------------------------------------
hist_packets() {
	[ "$(http GET /api/v1/history/minutes)" = 200 ] &&
		[ "$(body 'sum(m["packets"] for m in j["minutes"] if m["interface"] == "'"$IF_RX"'")')" = "$sent" ]
}
wait_until 5 hist_packets
check_http "GET /api/v1/history/minutes" 200 GET "/api/v1/history/minutes?since=-1h&interface=$IF_RX"
check_eq "history: the minutes hold what was sent" \
	"$(body '(sum(m["packets"] for m in j["minutes"]), sum(m["l4"]["udp"]["packets"] for m in j["minutes"]))')" \
	"($sent, $((N_UDP4 + N_UDP6)))"
check_http "GET /api/v1/history/flows (none ended yet)" 200 GET "/api/v1/history/flows?until=now&top=5"
check_eq "history: no flow ended yet (idle timeout 60 s)" "$(body 'j["flows"]')" "[]"
check_http "GET /api/v1/history/top-talkers" 200 GET /api/v1/history/top-talkers
check_http "GET /api/v1/history/apps (no flow ended yet)" 200 GET "/api/v1/history/apps?since=-1h"
check_eq "history apps: none yet" "$(body 'j["applications"]')" "[]"
check_http "history apps: an unknown parameter" 400 GET "/api/v1/history/apps?app=DNS"
# Alerts (held to an attack in test_serve_alerts.sh): detection on by default.
check_http "GET /api/v1/alerts" 200 GET "/api/v1/alerts?since=-1h&severity=3&limit=10"
check_eq "alerts: detection on, the ring's size" "$(body '(j["detection"], j["ring_size"])')" "(True, 1000)"
check_http "alerts: severity 5" 400 GET "/api/v1/alerts?severity=5"
check_http "alerts: unknown interface" 404 GET "/api/v1/alerts?interface=nosuch"
check_http "GET /api/v1/history/alerts" 200 GET "/api/v1/history/alerts?since=-1h&top=10"
check_http "history alerts: an unknown parameter" 400 GET "/api/v1/history/alerts?severity=1"
check_http "history: a bad time" 400 GET "/api/v1/history/flows?since=yesterday"
check_http "history: since after until" 400 GET "/api/v1/history/minutes?since=now&until=-1h"
check_http "history: an unknown parameter" 400 GET "/api/v1/history/minutes?sort=bytes"
check_http "history: top 0" 400 GET "/api/v1/history/top-talkers?top=0"
# The file gone from its name (the writer keeps its open file): 500 naming it.
mv "$LAB_TMP/serve1.db" "$LAB_TMP/serve1.moved"
for h in minutes flows top-talkers apps alerts; do
	check_http "history/$h: the database gone" 500 GET "/api/v1/history/$h"
	check_grep "500 names the file" "$LAB_TMP/body" "serve1.db"
done
mv "$LAB_TMP/serve1.moved" "$LAB_TMP/serve1.db"
check_http "history: the database back" 200 GET /api/v1/history/minutes

# ---- SIGHUP: a bad new token file keeps the old token, a good one replaces it ---------
chmod 644 "$LAB_TMP/token"
kill -HUP "$SRV_PID"
wait_until 5 grep -q "mode 0644" "$SRV_ERR"
check_grep "SIGHUP with mode 0644: says why" "$SRV_ERR" "reload: token file .* mode 0644.*old token stays"
# The old token is still taken: the call gets past it, and this reload fails too.
check_http "old token still taken; the reload fails (409)" 409 POST /api/v1/reload "${AUTH[@]}"
check_grep "409 says the old configuration stays, and why" "$LAB_TMP/body" "old configuration stays: token file .* mode 0644"
(umask 077 && echo "$TOKEN2" >"$LAB_TMP/token.new") && mv "$LAB_TMP/token.new" "$LAB_TMP/token"
n0=$(grep -c "reloaded" "$SRV_ERR")
kill -HUP "$SRV_PID"
wait_until 5 eval '[ "$(grep -c reloaded "$SRV_ERR")" -gt "$n0" ]'
check_http "old token refused after reload" 401 POST /api/v1/reload "${AUTH[@]}"
check_http "new token taken" 200 POST /api/v1/reload -H "Authorization: Bearer $TOKEN2"
check_http "GET /metrics" 200 GET /metrics
check_grep "metrics count the failed reload" "$LAB_TMP/body" "^pktlens_reload_failures_total 2$"

# ---- no token file: write calls are off (403); same port twice: refused ---------------
SRV1=$SRV_PID
in_rx "$PKTLENS" serve -i "$IF2" --mode tc --no-db >/dev/null 2>"$LAB_TMP/e"
check_rc "port in use: refused" $? 1
check_grep "says the port is in use" "$LAB_TMP/e" "cannot listen on 127.0.0.1:9739"
# This one under an open file limit of 600: its connection limit is 600 less 512 kept
# for the rest, 88.
NOFILE=$(ulimit -n)
ulimit -n 600
srv_start -i "$IF2" --mode tc --listen 127.0.0.1:9740 --no-db --no-tcp --l7-packets 0
up=$?
ulimit -n "$NOFILE"
if [ "$up" = 0 ]; then
	check_grep "--no-tcp: the start line says tcp off" "$SRV_ERR" "; tcp off; "
	in_rx timeout 10 "$PY" - <<'PYEOF' >"$LAB_TMP/many" 2>&1
import socket, select, time
socks = [socket.create_connection(("127.0.0.1", 9740)) for _ in range(100)]
# The refused ones are closed at once: wait for 12 (2 s at most), then a little for more.
end = time.monotonic() + 2
while len(select.select(socks, [], [], 0.05)[0]) < 12 and time.monotonic() < end:
    pass
time.sleep(0.1)
r, _, _ = select.select(socks, [], [], 0)
closed = 0
for s in r:
    try:
        closed += s.recv(1) == b""
    except OSError:
        closed += 1
print("closed", closed, flush=True)
PYEOF
	check_grep "100 connections, the limit 88: 12 closed at once" "$LAB_TMP/many" "^closed 12$"
	check_grep "said" "$SRV_ERR" "http: 88 connections open, the limit"
	check_eq "said once" "$(grep -c "connections open, the limit" "$SRV_ERR")" 1
	SRV_ADDR=127.0.0.1:9740 check_http "rtt: none with --no-tcp" 404 GET /api/v1/rtt
	SRV_ADDR=127.0.0.1:9740 check_http "latency: none with --l7-packets 0" 404 GET /api/v1/latency
	SRV_ADDR=127.0.0.1:9740 check_http "write calls off without --token-file" 403 POST /api/v1/reload \
		"${AUTH[@]}"
	for h in minutes flows top-talkers apps alerts; do
		SRV_ADDR=127.0.0.1:9740 check_http "history/$h: none with --no-db" 404 GET "/api/v1/history/$h"
	done
	SRV_ADDR=127.0.0.1:9740 check_http "drops: none without --drops" 404 GET /api/v1/drops
	SRV_ADDR=127.0.0.1:9740 check_http "GET /metrics (--no-db)" 200 GET /metrics
	check_eq "no history series with --no-db" "$(grep -c '^pktlens_history' "$LAB_TMP/body")" 0
	check_grep "metrics: the 12 refused" "$LAB_TMP/body" \
		'^pktlens_http_connections_refused_total{reason="limit"} 12$'
	srv_stop
	check_rc "second daemon: SIGTERM" "$SRV_RC" 0
else
	fail "second daemon" "$(cat "$SRV_ERR")"
fi

# ---- every answer above, held to docs/openapi.yaml ---------------------------------
openapi_check skip:/api/v1/rules # test_serve_rules.sh holds those

# ---- SIGTERM: clean stop, nothing left attached --------------------------------------
SRV_PID=$SRV1
srv_stop TERM
check_rc "SIGTERM: exit 0" "$SRV_RC" 0
nothing_attached "after SIGTERM"
d=$(ip netns exec "$NS_RX" ip -d link show dev "$IF2" | grep -c 'prog/xdp')
check_eq "nothing left on the second interface" "$d" 0
finish
