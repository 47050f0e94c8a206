#!/usr/bin/env bash
# test_serve_dashboard.sh - the dashboard (GET /) of `pktlens serve` in a real headless
# browser (Debian's chromium), inside the rx namespace, against a daemon watching the
# lab's veth after trafgen sent known traffic: the page's DOM shows the exact packet
# count the sender's tx_packets counted, its charts were drawn, its empty states are
# honest, and the browser logged no JavaScript error. A screenshot is kept as an
# artefact for a person to look at ($PL_ARTIFACTS, default /tmp/pktlens-artifacts).
# L7: after dig sent one DNS query, the applications table has a DNS row of one flow and
# the flow's row shows DNS and the name dig asked; the latency table counts the query.
# RTT: after a TCP connection of 20 exchanges, the RTT panel's row of it shows the RTT
# the API has for it, which is the kernel's smoothed RTT (ss -ti) within 1 ms.
# Alerts: after an hping3 SYN flood from an address of its own, the alerts table
# shows the alert with that address.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl dig hping3
if ! command -v chromium >/dev/null 2>&1; then
	skip "all" "chromium is not installed (scripts/install-deps.sh installs it)"
	finish
fi

N_UDP=3000 N_SYN=41
ART=${PL_ARTIFACTS:-/tmp/pktlens-artifacts}

lab_up || { fail "lab" "could not build the namespaces"; finish; }
cat >"$LAB_TMP/udp4.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
CFG
cat >"$LAB_TMP/syn.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10) }
CFG

if ! srv_start -i "$IF_RX" --drops; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
# The chart adds up the daemon's per-second samples: send once the first is taken, so
# that every packet sent is in one.
sampled() { http GET /api/v1/rates >/dev/null && [ "$(body 'len(j["interfaces"][0]["samples"])')" -ge 1 ] 2>/dev/null; }
wait_until 10 sampled || echo "  no rate sample after 10 s"
lab_quiet
tx0=$(tx_packets)
trafgen_send "$N_UDP" "$LAB_TMP/udp4.cfg" || echo "  trafgen udp failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP + N_SYN))

in_chart() { http GET /api/v1/rates >/dev/null && [ "$(body 'sum(s["packets"] for s in j["interfaces"][0]["samples"])')" = "$sent" ]; }
wait_until 5 in_chart || echo "  the samples do not hold what was sent yet"
check_http "GET / answers the page" 200 GET /
check_grep "GET /: text/html" "$LAB_TMP/head" "^[Cc]ontent-[Tt]ype: text/html; charset=utf-8"
check_grep "GET /: a policy that forbids other origins" "$LAB_TMP/head" \
	"^[Cc]ontent-[Ss]ecurity-[Pp]olicy: default-src 'none'.*connect-src 'self'"
# Self-contained: nothing is loaded from another host.
check_eq "GET /: no outside URL in the page" "$(grep -Eco '(src|href)="(https?:)?//' "$LAB_TMP/body")" 0

# browse SECONDS ARGS...: headless chromium in the rx namespace (its loopback is the
# daemon's); virtual time runs SECONDS of the page's timers (fetches pause it).
browse() {
	local budget=$1
	shift
	in_rx timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$LAB_TMP/chrome" --enable-logging=stderr --v=0 \
		--virtual-time-budget=$((budget * 1000)) "$@" http://127.0.0.1:9739/
}
t0=$(now_ms)
browse 5 --dump-dom >"$LAB_TMP/dom.html" 2>"$LAB_TMP/chrome.log"
rc=$?
echo "  chromium --dump-dom: rc $rc, $(($(now_ms) - t0)) ms"
if [ "$rc" -ne 0 ] || ! grep -q 'id="total-packets"' "$LAB_TMP/dom.html"; then
	fail "chromium ran the page" "rc $rc; $(grep -v '^\s*$' "$LAB_TMP/chrome.log" | tail -n 5)"
	srv_stop TERM
	finish
fi
ok "chromium ran the page"

# dom_get PYEXPR: PYEXPR with `d` the dumped DOM and helpers over it (never raises).
dom_get() {
	"$PY" - "$LAB_TMP/dom.html" "$1" <<'PYEOF'
import re, sys
d = open(sys.argv[1], errors="replace").read()
def attr(id, name):
    m = re.search(r'<[^>]*\bid="%s"[^>]*>' % re.escape(id), d)
    if not m: return None
    a = re.search(r'\b%s="([^"]*)"' % re.escape(name), m.group(0))
    return a.group(1) if a else None
def text(id):
    m = re.search(r'<(\w+)[^>]*\bid="%s"[^>]*>(.*?)</\1>' % re.escape(id), d, re.S)
    return re.sub(r"<[^>]+>", "", m.group(2)).strip() if m else None
def shown(id):
    m = re.search(r'<[^>]*\bid="%s"[^>]*>' % re.escape(id), d)
    return bool(m) and "display: none" not in m.group(0)
def count(pat): return len(re.findall(pat, d, re.S))
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("<error: %s: %s>" % (type(e).__name__, e))
PYEOF
}

check_eq "DOM: total packets == the sender's tx_packets delta" \
	"$(dom_get 'attr("total-packets", "data-value")')" "$sent"
check_eq "DOM: the throughput chart's packets == the sender's tx_packets delta" \
	"$(dom_get 'attr("chart-packets", "data-value")')" "$sent"
check_eq "DOM: total bytes == 64 * frames" "$(dom_get 'attr("total-bytes", "data-value")')" $((64 * sent))
check_eq "DOM: the interface row" "$(dom_get "count(r'<tr><td>$IF_RX</td><td>(native|generic|tc)</td><td>attached</td>')")" 1
check_eq "DOM: no JavaScript error (page counter)" "$(dom_get 'text("js-errors")')" 0
check_eq "DOM: no failed API call" "$(dom_get 'text("fetch-errors")')" 0
check_grep "DOM: status says updated" "$LAB_TMP/dom.html" 'id="status"[^>]*>updated '
# Throughput: both lines drawn with at least two points (a rate per refresh).
for l in tp-bps tp-pps; do
	n=$(dom_get "len((attr('$l', 'points') or '').split())")
	check_true "DOM: throughput line $l has points ($n >= 2)" [ "$n" -ge 2 ]
done
check_eq "DOM: protocol bars (udp, tcp)" "$(dom_get "count(r'class=\"proto-bar\"')")" 2
# grouped N: N as the page writes it (3,000).
grouped() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
check_grep "DOM: udp share is the udp count" "$LAB_TMP/dom.html" \
	"<text[^>]*>udp</text>.*>$(grouped "$N_UDP") \\("
check_grep "DOM: tcp share is the SYN count" "$LAB_TMP/dom.html" "<text[^>]*>tcp</text>.*>$(grouped "$N_SYN") \\("
check_true "DOM: top flows has the UDP flow" grep -q "<td>$IP4_TX:40000</td><td>$IP4_RX:9</td>" "$LAB_TMP/dom.html"
check_true "DOM: top talkers has the sender" grep -q "<tr><td>$IP4_TX</td><td class=\"n\">2</td>" "$LAB_TMP/dom.html"
check_eq "DOM: flows table not marked empty" "$(dom_get 'shown("flows-empty")')" False
# History: a minute is written when it ends; either its bar or the honest empty line.
hist=$(dom_get 'count(r"class=\"minute-bar\"") if count(r"class=\"minute-bar\"") else text("minutes-empty")')
case $hist in
[1-9]* | "no minute written yet"*) ok "DOM: history minutes: $hist" ;;
*) fail "DOM: history minutes" "$hist" ;;
esac
# Drops (--drops): the UDP frames to port 9 have no socket; the page's NO_SOCKET row is
# the API's (held to the kernel's counts in test_serve_drops.sh).
http GET /api/v1/drops >/dev/null
api_nosock=$(body "[e['drops_total'] for e in j['by_reason'] if e['reason'] == 'NO_SOCKET' and e['interface'] == '$IF_RX']")
check_eq "DOM: the drops table's NO_SOCKET row is the API's" \
	"[$(dom_get "re.search(r'<tr class=\"drop-row\" data-value=\"(\d+)\"><td>$IF_RX</td><td>NO_SOCKET</td>', d).group(1)")]" "$api_nosock"
check_true "DOM: NO_SOCKET counts at least the UDP frames to port 9" \
	[ "$(dom_get "re.search(r'<tr class=\"drop-row\" data-value=\"(\d+)\"><td>$IF_RX</td><td>NO_SOCKET</td>', d).group(1)")" -ge "$N_UDP" ]
check_eq "DOM: no alert yet, and the page says so" \
	"$(dom_get '(shown("alerts"), text("alerts-na"))')" "(False, 'no alert raised since the start')"
# RTT: the SYNs were never answered: no sample, said so; no DNS or HTTP either.
check_eq "DOM: RTT panel says no sample yet" "$(dom_get 'text("rtt-na")')" "no RTT sample in the flows of the table"
check_eq "DOM: latency says none yet" "$(dom_get 'text("latency-na")')" "no DNS or HTTP request seen yet"
# The browser's own log: console messages of level error, uncaught exceptions, CSP refusals.
if grep -E 'CONSOLE.*(Uncaught|Error|Refused)|:ERROR:.*(CONSOLE|Content Security Policy)' \
	"$LAB_TMP/chrome.log" >"$LAB_TMP/jserr.txt"; then
	fail "chromium logged no JavaScript error" "$(head -c 600 "$LAB_TMP/jserr.txt")"
else
	ok "chromium logged no JavaScript error"
fi

mkdir -p "$ART"
png=$ART/dashboard.png
rm -f "$png"
browse 3 --window-size=1280,1400 --screenshot="$png" >"$LAB_TMP/shot.log" 2>&1
if [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]; then
	ok "screenshot: $png ($(stat -c %s "$png") bytes)"
else
	fail "screenshot" "$(tail -n 3 "$LAB_TMP/shot.log")"
fi

# Alerts: an hping3 SYN flood (0.6 s) from an address of its own; once the API has the
# alert, the page's alerts table has its row: the sid and the address hping3 sent from.
ATT=198.18.0.43
in_tx ip addr add "$ATT/24" dev "$IF_TX"
ip netns exec "$NS_RX" ip neigh replace "$ATT" lladdr "$MAC_TX" dev "$IF_RX" nud permanent
in_tx timeout 0.6 hping3 -S -p 80 --flood -a "$ATT" "$IP4_RX" >/dev/null 2>&1
alerted() {
	http GET /api/v1/alerts >/dev/null &&
		[ "$(body "len([a for a in j['alerts'] if a['signature_id'] == 9100001 and a['src_ip'] == '$ATT'])")" = 1 ]
}
check_true "API: the SYN flood from $ATT alerted" wait_until 5 alerted
browse 1 --dump-dom >"$LAB_TMP/dom.html" 2>"$LAB_TMP/chrome2.log"
check_eq "DOM: the alerts table shows the flood from $ATT (sid 9100001)" \
	"$(dom_get "(shown('alerts'), count(r'<tr class=\"alert-row\" data-sid=\"9100001\" data-src=\"$ATT\">'))")" "(True, 1)"
check_eq "DOM: the alert row's signature and target" \
	"$(dom_get "count(r'<td>PKTLENS SYN flood from one source</td><td>$ATT</td><td>$IP4_RX</td>')")" 1
check_eq "DOM: no JavaScript error with the alert shown" "$(dom_get 'text("js-errors")')" 0

srv_stop TERM
check_rc "serve: SIGTERM" "$SRV_RC" 0

# Without a history, the page says so instead of showing nothing.
DNS_NAME=dash-$$.example
if srv_start -i "$IF_RX" --no-db --listen 127.0.0.1:9740; then
	# One query, no server: one DNS flow of one packet, classified from the query.
	in_tx timeout 5 dig +tries=1 +time=1 @"$IP4_RX" "$DNS_NAME" A >/dev/null 2>&1
	dns_seen() {
		SRV_ADDR=127.0.0.1:9740 http GET /api/v1/applications >/dev/null &&
			[ "$(body "[a['flows'] for a in j['interfaces'][0]['applications'] if a['name'] == 'DNS']")" = "[1]" ]
	}
	check_true "L7: the API has the DNS flow" wait_until 10 dns_seen
	# RTT: one TCP connection of 20 exchanges, held open (no more samples) while the
	# page is read: its row shows the RTT the API has for it, near ss's smoothed RTT.
	PP=$E2E_ROOT/tests/tools/tcp_pingpong.py
	in_rx timeout 30 "$PY" "$PP" server "$IP4_RX" 9120 30 >"$LAB_TMP/pps.log" 2>&1 &
	LAB_PIDS+=($!)
	wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :9120' | grep -q ." ||
		fail "setup" "the echo server is not listening"
	in_tx timeout 30 "$PY" "$PP" client "$IP4_RX" 9120 20 "$LAB_TMP/close" 20 >"$LAB_TMP/ppc.log" 2>&1 &
	pp=$!
	wait_until 10 grep -qs done "$LAB_TMP/ppc.log" || fail "ping-pong" "$(cat "$LAB_TMP/ppc.log")"
	cport=$(awk '/done/ { print $2 }' "$LAB_TMP/ppc.log")
	srtt=$(in_tx ss -tin dst "$IP4_RX:9120" "sport = :$cport" | sed -nE 's/.* rtt:([0-9.]+)\/.*/\1/p')
	SRV_ADDR=127.0.0.1:9740 http GET /api/v1/rtt >/dev/null
	api_avg=$(body "['%.3f' % f['rtt_us']['avg'] for f in j['interfaces'][0]['tcp']['slowest_flows'] if f['client_port'] == $cport]")
	api_all=$(body "'%.3f' % j['interfaces'][0]['tcp']['rtt_us']['avg']")
	in_rx timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$LAB_TMP/chrome" --virtual-time-budget=2000 --dump-dom \
		http://127.0.0.1:9740/ >"$LAB_TMP/dom.html" 2>/dev/null
	check_eq "--no-db: history minutes say not available" "$(dom_get 'text("minutes-empty")')" \
		"not available: this daemon keeps no history (--no-db)"
	check_eq "--no-db: no failed API call" "$(dom_get 'text("fetch-errors")')" 0
	check_eq "without --drops: drops say not available" "$(dom_get 'text("drops-na")')" \
		"not available: start pktlens serve with --drops"
	check_eq "DOM: applications table, the DNS row: one flow" \
		"$(dom_get "re.findall(r'<tr class=\"app-row\" data-app=\"DNS\" data-flows=\"(\d+)\"><td>DNS</td>', d)")" "['1']"
	check_eq "DOM: the DNS flow's row: DNS and the name dig asked" \
		"$(dom_get "count(r'<td>$IP4_RX:53</td><td>DNS \($DNS_NAME\)</td>')")" 1
	check_eq "DOM: the connection's RTT row is the API's ($api_avg us)" \
		"$(dom_get "re.findall(r'<tr class=\"rtt-row\" data-client-port=\"$cport\" data-avg-us=\"([0-9.]+)\"', d)")" "$api_avg"
	got=$(dom_get "re.search(r'data-client-port=\"$cport\" data-avg-us=\"([0-9.]+)\"', d).group(1)")
	echo "  the page's RTT of port $cport: $got us; ss srtt $srtt ms"
	check_true "DOM: that RTT ($got us) is ss's smoothed RTT ($srtt ms) within 1 ms" \
		awk -v a="$got" -v b="$srtt" 'BEGIN { d = a / 1000 - b; if (d < 0) d = -d; exit !(a > 0 && d <= 1) }'
	check_eq "DOM: the mean RTT since the start is the API's ($api_all us)" \
		"$(dom_get 'attr("rtt-avg", "data-value")')" "$api_all"
	check_eq "DOM: latency row of DNS port 53: the one query dig sent" \
		"$(dom_get "re.findall(r'<tr class=\"latency-row\" data-service=\"dns/53\" data-requests=\"(\d+)\"', d)")" "['1']"
	touch "$LAB_TMP/close"
	wait "$pp"
	srv_stop TERM
	check_rc "serve --no-db: SIGTERM" "$SRV_RC" 0
else
	fail "serve --no-db start" "$(cat "$SRV_ERR")"
fi
nothing_attached "after SIGTERM"
finish
