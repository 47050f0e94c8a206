#!/usr/bin/env bash
# test_serve_l7.sh - L7 in `pktlens serve` (on by default, as monitor): dnsmasq,
# python3's http.server, openssl s_server and an SSH banner server (python3) listen on
# the rx side; dig, curl, openssl s_client and ssh on the tx side ask for names this
# test picks. Held to what the clients asked and to nftables counters on the
# rx link's netdev ingress hook:
#   - GET /api/v1/flows: each DNS and HTTP flow has its application and its name (the
#     name dig asked, curl's Host), the TLS flow the SNI s_client sent; ?app=HTTP gives
#     the HTTP flows and nothing else;
#   - GET /api/v1/applications and /metrics: DNS and HTTP with as many flows as the
#     clients made, and exactly the packets (and bytes, with the Ethernet header the
#     ingress hook does not count) nftables counted towards port 53 and the web port;
#     promtool check metrics passes when promtool is there;
#   - the history (sqlite3): each ended flow's row has its application and name;
#   - --eve: a dns query, an http, a tls and an ssh event with what was asked (the ssh
#     client's version as ssh -V says it, the server's banner), and each one's flow id
#     is its flow event's, whose app_proto is dns or http;
#   - --ipfix: tshark's IPFIX decoder reads each DNS and HTTP flow's applicationId (RFC
#     6759: engine 6, nDPI's protocol id), the ids ndpiReader gives the same traffic
#     (captured by tcpdump on the link); the options records that name selectors
#     5 and 7 DNS and HTTP; pktlens's enterprise elements the application's name and
#     the name dig asked or curl's Host;
#   - --l7-packets 0: no application anywhere, /api/v1/applications 404.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools dig dnsmasq curl nft sqlite3 tshark tcpdump ndpiReader openssl ssh

N=4 # queries and requests each
TAG=l7s-$$
DNS_ADDR=198.18.7.7 HTTP_PORT=8765 HTTP_HOST=web.$TAG.example
TLS_PORT=8443 TLS_SNI=tls.$TAG.example SSH_PORT=2222 SSH_SOFT=pktlensTest_1.0
EVE=$LAB_TMP/eve.json DB=$LAB_TMP/l7.db

lab_up || { fail "lab" "could not build the namespaces"; finish; }
mkdir -p "$LAB_TMP/www"
echo "hello from pktlens's test" >"$LAB_TMP/www/hello.txt"
in_rx timeout 60 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$IP4_RX" --port=53 --address="/$TAG.example/$DNS_ADDR" \
	--pid-file="$LAB_TMP/dnsmasq.pid" --user=root >"$LAB_TMP/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 "$PY" -m http.server --directory "$LAB_TMP/www" --bind "$IP4_RX" "$HTTP_PORT" \
	>"$LAB_TMP/http.log" 2>&1 &
LAB_PIDS+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$TLS_SNI" \
	-keyout "$LAB_TMP/key.pem" -out "$LAB_TMP/cert.pem" >/dev/null 2>&1 ||
	fail "setup" "openssl req could not make a certificate"
in_rx timeout 60 openssl s_server -quiet -accept "$IP4_RX:$TLS_PORT" -cert "$LAB_TMP/cert.pem" \
	-key "$LAB_TMP/key.pem" </dev/null >"$LAB_TMP/tls.log" 2>&1 &
LAB_PIDS+=($!)
# SSH: a server that says its banner, reads the client's and closes (no key exchange).
in_rx timeout 60 "$PY" -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IP4_RX', $SSH_PORT)); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(b'SSH-2.0-$SSH_SOFT\r\n'); c.settimeout(3)
    try:
        c.recv(4096); time.sleep(0.5)
    except OSError:
        pass
    c.close()" >"$LAB_TMP/sshd.log" 2>&1 &
LAB_PIDS+=($!)
listening() { in_rx ss -Hlnt "sport = :$1" | grep -q .; }
udp_listening() { in_rx ss -Hlnu "sport = :$1" | grep -q .; }
wait_until 10 listening "$HTTP_PORT" || fail "setup" "http.server is not listening"
wait_until 10 udp_listening 53 || fail "setup" "dnsmasq is not listening"
wait_until 10 listening "$TLS_PORT" || fail "setup" "s_server is not listening"
wait_until 10 listening "$SSH_PORT" || fail "setup" "the SSH banner server is not listening"
ip netns exec "$NS_RX" nft -f - <<EOF || fail "setup" "nft could not add the counters"
table netdev pl_l7s {
	chain in {
		type filter hook ingress device $IF_RX priority 0;
		udp dport 53 counter
		tcp dport $HTTP_PORT counter
	}
}
EOF

# IPFIX: a UDP sink on the rx side's loopback, tshark capturing what reaches it; tcpdump
# keeps the clients' traffic on the link for ndpiReader.
IPFIX_PORT=4739
in_rx timeout 60 "$PY" -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $IPFIX_PORT))
while True: s.recv(65535)" &
LAB_PIDS+=($!)
nsenter -t "$RX_HOLD" -m -n -- timeout 60 tshark -q -i lo -f "udp port $IPFIX_PORT" \
	-w "$LAB_TMP/ipfix.pcap" 2>"$LAB_TMP/tshark.err" &
TS_PID=$!
LAB_PIDS+=("$TS_PID")
ip netns exec "$NS_RX" timeout 60 tcpdump -q -n -U --immediate-mode -i "$IF_RX" -w "$LAB_TMP/link.pcap" \
	"udp port 53 or tcp port $HTTP_PORT" 2>"$LAB_TMP/tcpdump.err" &
TD_PID=$!
LAB_PIDS+=("$TD_PID")
wait_grep "$LAB_TMP/tshark.err" "Capturing on" "$TS_PID"
wait_grep "$LAB_TMP/tcpdump.err" "listening on" "$TD_PID"
if ! srv_start -i "$IF_RX" --db "$DB" --idle-timeout 6 --eve "$EVE" \
	--ipfix 127.0.0.1:$IPFIX_PORT --ipfix-active-timeout 0; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
check_grep "the start line says L7 is on" "$SRV_ERR" "l7 on\\)"

# Keep-alive is off (one request a connection): N HTTP flows, N DNS flows.
for i in $(seq 1 $N); do
	got=$(in_tx timeout 10 dig +tries=1 +time=3 +short @"$IP4_RX" "q$i.$TAG.example" A)
	[ "$got" = "$DNS_ADDR" ] || fail "dig q$i" "got '$got'"
	code=$(in_tx timeout 10 curl -s -o /dev/null -w '%{http_code}' \
		--resolve "$HTTP_HOST:$HTTP_PORT:$IP4_RX" "http://$HTTP_HOST:$HTTP_PORT/hello.txt")
	[ "$code" = 200 ] || fail "curl $i" "status '$code'"
done
ok "dig and curl asked $N times each"
tls_out=$(echo | in_tx timeout 10 openssl s_client -connect "$IP4_RX:$TLS_PORT" -servername "$TLS_SNI" 2>&1)
grep -q "CONNECTED" <<<"$tls_out" && ok "s_client connected" || fail "s_client" "$(head -c 300 <<<"$tls_out")"
# No key exchange follows: ssh fails after the banners, which is all L7 needs.
in_tx timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o ConnectTimeout=5 -p "$SSH_PORT" "nobody@$IP4_RX" true >/dev/null 2>&1
SSH_CLIENT=$(ssh -V 2>&1 | awk '{ sub(/,$/, "", $1); print $1 }')

# Every flow is classified once the mix counts N of each.
apps_done() {
	[ "$(http GET /api/v1/applications)" = 200 ] &&
		[ "$(body "sorted((a['name'], a['flows']) for a in j['interfaces'][0]['applications'] if a['name'] in ('DNS', 'HTTP'))")" = "[('DNS', $N), ('HTTP', $N)]" ]
}
check_true "applications: DNS and HTTP with $N flows each" wait_until 15 apps_done

check_http "GET /api/v1/flows?app=HTTP" 200 GET "/api/v1/flows?app=HTTP"
check_eq "app=HTTP: the $N HTTP flows alone, each with curl's Host" \
	"$(body "sorted(set((f['dport'], f['application'], f.get('http_host')) for f in j['flows'])) + [len(j['flows'])]")" \
	"[($HTTP_PORT, 'HTTP', '$HTTP_HOST:$HTTP_PORT'), $N]"
check_http "GET /api/v1/flows?app=dns (any case)" 200 GET "/api/v1/flows?app=dns&top=100"
check_eq "app=dns: the $N DNS flows, each with the name dig asked" \
	"$(body "sorted((f['dport'], f['application'], f.get('dns_query')) for f in j['flows'])")" \
	"[$(for i in $(seq 1 $N); do printf "(53, 'DNS', 'q%d.%s.example')%s" "$i" "$TAG" "$([ "$i" -lt $N ] && echo ', ')"; done)]"
tls_seen() { [ "$(http GET "/api/v1/flows?app=TLS")" = 200 ] && [ "$(body 'j["matched"]')" = 1 ]; }
wait_until 10 tls_seen
check_eq "app=TLS: the TLS flow, with the SNI s_client sent" \
	"$(body "[(f['dport'], f['application'].split('.')[0], f.get('tls_sni')) for f in j['flows']]")" \
	"[($TLS_PORT, 'TLS', '$TLS_SNI')]"
check_http "GET /api/v1/flows?app=NoSuchApp" 200 GET "/api/v1/flows?app=NoSuchApp"
check_eq "an application nobody used: no flow" "$(body 'j["matched"]')" 0
check_http "app with a bad character" 400 GET "/api/v1/flows?app=a%20b"

# The kernel's per-application counters against nftables' (ingress: no Ethernet header).
ip netns exec "$NS_RX" nft -j list table netdev pl_l7s >"$LAB_TMP/nft.json" ||
	fail "nft counters" "could not list them"
nft_c() { # RULE_INDEX FIELD
	"$PY" -c "import json,sys; r=[e['rule'] for e in json.load(open(sys.argv[1]))['nftables'] if 'rule' in e]; print(r[$1]['expr'][-1]['counter']['$2'])" "$LAB_TMP/nft.json"
}
dns_p=$(nft_c 0 packets) dns_b=$(nft_c 0 bytes) web_p=$(nft_c 1 packets) web_b=$(nft_c 1 bytes)
check_http "GET /api/v1/applications" 200 GET /api/v1/applications
app_row() { body "[(a['packets'], a['bytes']) for a in j['interfaces'][0]['applications'] if a['name'] == '$1']"; }
check_eq "applications: DNS packets and bytes are nftables' ($dns_p)" "$(app_row DNS)" \
	"[($dns_p, $((dns_b + 14 * dns_p)))]"
check_eq "applications: HTTP packets and bytes are nftables' ($web_p)" "$(app_row HTTP)" \
	"[($web_p, $((web_b + 14 * web_p)))]"
check_eq "applications: no sample lost" "$(body 'j["interfaces"][0]["samples_lost"]')" 0
check_http "GET /metrics" 200 GET /metrics
cp "$LAB_TMP/body" "$LAB_TMP/metrics.txt"
check_grep "metrics: HTTP packets" "$LAB_TMP/metrics.txt" \
	"^pktlens_l7_application_packets_total\\{interface=\"$IF_RX\",application=\"HTTP\"\\} $web_p\$"
check_grep "metrics: DNS bytes" "$LAB_TMP/metrics.txt" \
	"^pktlens_l7_application_bytes_total\\{interface=\"$IF_RX\",application=\"DNS\"\\} $((dns_b + 14 * dns_p))\$"
check_grep "metrics: DNS flows" "$LAB_TMP/metrics.txt" \
	"^pktlens_l7_application_flows_total\\{interface=\"$IF_RX\",application=\"DNS\"\\} $N\$"
if command -v promtool >/dev/null; then
	check_true "promtool check metrics" eval "promtool check metrics <'$LAB_TMP/metrics.txt' >'$LAB_TMP/promtool.out' 2>&1"
else
	skip "promtool check metrics" "promtool is not installed"
fi

# The idle timeout (6 s) ends every flow: rows in the history, flow events in --eve.
q() { sqlite3 -batch -noheader "$DB" "$@" 2>&1; }
rows_done() { [ "$(q "SELECT count(*) FROM flows WHERE application IN ('DNS', 'HTTP')")" = $((2 * N)) ]; }
check_true "history: $((2 * N)) DNS and HTTP rows" wait_until 20 rows_done
check_eq "history: DNS rows, the names dig asked" \
	"$(q "SELECT dport, application, l7_name_kind, l7_name FROM flows WHERE application = 'DNS' ORDER BY l7_name" | tr '\n' ' ')" \
	"$(for i in $(seq 1 $N); do printf "53|DNS|dns|q%d.%s.example " "$i" "$TAG"; done)"
check_eq "history: HTTP rows, curl's Host" \
	"$(q "SELECT DISTINCT dport, application, category, l7_name_kind, l7_name FROM flows WHERE application = 'HTTP'")" \
	"$HTTP_PORT|HTTP|Web|http|$HTTP_HOST:$HTTP_PORT"
# pktlens query apps: the history's flows by application, held to nftables' counts
# (the flow table counts what arrives: the clients' packets).
in_rx "$PKTLENS" query --db "$DB" apps --json >"$LAB_TMP/apps.json" 2>"$LAB_TMP/apps.err"
check_eq "query apps: DNS and HTTP flows, packets and bytes as nftables counted" \
	"$(json_get "$LAB_TMP/apps.json" "sorted((a['application'], a['flows'], a['packets'], a['bytes']) for a in j['applications'] if a['application'] in ('DNS', 'HTTP'))")" \
	"[('DNS', $N, $dns_p, $((dns_b + 14 * dns_p))), ('HTTP', $N, $web_p, $((web_b + 14 * web_p)))]"
tls_ssh_rows() { [ "$(q "SELECT count(*) FROM flows WHERE dport IN ($TLS_PORT, $SSH_PORT)")" = 2 ]; }
wait_until 10 tls_ssh_rows
check_eq "history: the TLS row has the SNI s_client sent, the SSH row its application" \
	"$(q "SELECT dport, substr(application, 1, 3), l7_name_kind, l7_name FROM flows WHERE dport IN ($TLS_PORT, $SSH_PORT) ORDER BY dport" | tr '\n' ' ')" \
	"$SSH_PORT|SSH|| $TLS_PORT|TLS|tls|$TLS_SNI "
check_http "GET /api/v1/history/apps: query apps's answer" 200 GET /api/v1/history/apps
check_eq "history/apps: DNS and HTTP as nftables counted" \
	"$(body "sorted((a['application'], a['flows'], a['packets'], a['bytes']) for a in j['applications'] if a['application'] in ('DNS', 'HTTP'))")" \
	"[('DNS', $N, $dns_p, $((dns_b + 14 * dns_p))), ('HTTP', $N, $web_p, $((web_b + 14 * web_p)))]"
check_eq "history: the schema is version 4" "$(q "SELECT max(version) FROM schema_version")" 4
in_eve() { [ -f "$EVE" ] && [ "$(grep -c '"event_type":"flow"' "$EVE")" -ge $((2 * N + 2)) ]; }
wait_until 10 in_eve
eve_out=$("$PY" - "$EVE" "$TAG" "$HTTP_HOST" "$HTTP_PORT" "$N" "$TLS_SNI" "$SSH_CLIENT" "$SSH_SOFT" <<'EOF'
import json, sys
path, tag, host, port, n, sni, ssh_client, ssh_soft = sys.argv[1:]
port, n = int(port), int(n)
ev = [json.loads(l) for l in open(path)]
ok = fail = 0
def check(name, cond, detail=""):
    global ok, fail
    if cond:
        ok += 1; print("ok   eve: " + name)
    else:
        fail += 1; print("FAIL eve: %s: %s" % (name, detail))
flows = {e["flow_id"]: e for e in ev if e["event_type"] == "flow"}
q = [e for e in ev if e["event_type"] == "dns" and e["dns"].get("type") == "query"]
check("dns query events: the names dig asked", sorted(e["dns"]["rrname"] for e in q) ==
      ["q%d.%s.example" % (i, tag) for i in range(1, n + 1)], [e["dns"] for e in q])
h = [e for e in ev if e["event_type"] == "http"]
check("http events: curl's Host, URL and the status it got",
      [(e["http"].get("hostname"), e["http"].get("url"), e["http"].get("status")) for e in h]
      == [(host, "/hello.txt", 200)] * n, [e["http"] for e in h])
t = [e for e in ev if e["event_type"] == "tls"]
check("a tls event with the SNI s_client sent", [e["tls"].get("sni") for e in t] == [sni], t)
x = [e for e in ev if e["event_type"] == "ssh"]
check("an ssh event: the client's version as ssh -V says it, the server's banner",
      [(e["ssh"]["client"].get("proto_version"), e["ssh"]["client"].get("software_version"),
        e["ssh"]["server"].get("proto_version"), e["ssh"]["server"].get("software_version"))
       for e in x] == [("2.0", ssh_client, "2.0", ssh_soft)], x)
app = q + h + t + x
check("each dns/http/tls/ssh event's flow id is its flow event's",
      all(e["flow_id"] in flows and flows[e["flow_id"]]["dest_port"] == e["dest_port"]
          and flows[e["flow_id"]]["src_port"] == e["src_port"] for e in app), app[:2])
check("flow events: app_proto dns, http, ssh and tls",
      sorted(flows[e["flow_id"]].get("app_proto") for e in app if e["flow_id"] in flows)
      == ["dns"] * n + ["http"] * n + ["ssh", "tls"])
print("%d %d" % (ok, fail))
EOF
)
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok   }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	"") ;;
	*[0-9]" "[0-9]*) ;;
	*) fail "eve" "$line" ;;
	esac
done <<<"$eve_out"

srv_stop TERM
check_rc "SIGTERM" "$SRV_RC" 0
nothing_attached "after serve with L7"

# IPFIX: each flow's applicationId against ndpiReader's protocol id for the same flow.
kill -INT "$TS_PID" "$TD_PID" 2>/dev/null
pid_wait "$TS_PID" 10
pid_wait "$TD_PID" 10
# ndpiReader: "[proto: 5/DNS]", "[proto: 7/HTTP]" (master.app: the app's id, as pktlens
# exports); client port and id of each flow.
timeout 60 ndpiReader -i "$LAB_TMP/link.pcap" -v 2 2>/dev/null |
	sed -nE 's/.* ([0-9.]+):([0-9]+) <-> [0-9.]+:([0-9]+) \[proto: ([0-9.]+)\/.*/\2 \3 \4/p' |
	awk '{ n = split($3, p, "."); print $1, $2, p[n] }' | sort >"$LAB_TMP/ndpi.ids"
tshark -r "$LAB_TMP/ipfix.pcap" -d "udp.port==$IPFIX_PORT,cflow" -T fields -E separator='|' \
	-e cflow.srcport -e cflow.dstport -e cflow.appl_id.classification_engine_id \
	-e cflow.appl_id.selector_id 2>/dev/null | "$PY" -c '
import sys  # a line a message, each field the values of its records joined by ","
for line in sys.stdin:
    f = [x.split(",") for x in line.rstrip("\n").split("|")]
    for sp, dp, e, sel in zip(*f):
        if dp in ("53", sys.argv[1]):
            print(sp, dp, e, int(sel.replace(":", ""), 16))
' "$HTTP_PORT" |
	sort -u >"$LAB_TMP/ipfix.ids"
check_eq "IPFIX: a record for each DNS and HTTP flow" "$(wc -l <"$LAB_TMP/ipfix.ids")" $((2 * N))
check_eq "IPFIX: engine 6 (RFC 6759 user-defined) in each" \
	"$(awk '{ print $3 }' "$LAB_TMP/ipfix.ids" | sort -u | tr '\n' ' ')" "6 "
check_eq "IPFIX: each flow's selector is ndpiReader's protocol id for it" \
	"$(awk '{ print $1, $2, $4 }' "$LAB_TMP/ipfix.ids")" "$(cat "$LAB_TMP/ndpi.ids")"
check_true "ndpiReader saw the $((2 * N)) flows" [ "$(wc -l <"$LAB_TMP/ndpi.ids")" -eq $((2 * N)) ]
# pktlens's enterprise elements (PEN 32473, six a record: RTT min/avg/max/samples, the
# application's name, the server's name): each record of a client's flow names what
# dig asked or curl's Host, and each HTTP (TCP) record has an RTT, as tshark decodes them.
tshark -r "$LAB_TMP/ipfix.pcap" -d "udp.port==$IPFIX_PORT,cflow" -T pdml 2>/dev/null | "$PY" -c '
import re, sys, xml.etree.ElementTree as ET
for fl in ET.parse(sys.stdin).iter("field"):  # a record: a "Flow N" node
    if not re.fullmatch(r"Flow \d+", fl.get("show", "")):
        continue
    dp, ent, sel, name = None, {}, None, None
    for f in fl.iter("field"):
        if f.get("name") == "cflow.dstport":
            dp = f.get("show")
        if f.get("name") == "cflow.appl_id.selector_id":
            sel = int(f.get("value"), 16)
        if f.get("name") == "cflow.appl_name":  # an options record (RFC 6759)
            name = f.get("show")
        m = re.search(r"\) Type (\d+):", f.get("showname", ""))
        if f.get("name") == "cflow.enterprise_private_entry" and m:
            ent[int(m.group(1))] = bytes.fromhex(f.get("value"))
    if name is not None:
        print("name", sel, name)
    elif dp in ("53", sys.argv[1]):
        txt = lambda k: ent[k].decode("ascii", "replace") if k in ent else "-"
        num = lambda k: int.from_bytes(ent.get(k, b""), "big")
        # TCP: the RTT elements (1 least, 4 samples) hold the handshake at least
        rtt = "" if dp == "53" else " rtt %s" % ("yes" if num(1) > 0 and num(4) > 0 else "no")
        print(dp, txt(5), txt(6) + rtt)
' "$HTTP_PORT" | sort -u >"$LAB_TMP/ipfix.names"
check_eq "IPFIX options records (RFC 6759): DNS's and HTTP's selector named" \
	"$(grep -E '^name (5|7) ' "$LAB_TMP/ipfix.names")" "$(printf 'name 5 DNS\nname 7 HTTP')"
check_eq "IPFIX enterprise elements: application and server name of each client flow" \
	"$(grep -v '^name ' "$LAB_TMP/ipfix.names")" \
	"$(for i in $(seq 1 $N); do echo "53 DNS q$i.$TAG.example"; done; for i in $(seq 1 $N); do echo "$HTTP_PORT HTTP $HTTP_HOST:$HTTP_PORT rtt yes"; done | sort -u)"

# A history of schema 1 (before L7: the columns dropped again) is migrated by serve and
# keeps its rows; query reads it only once migrated.
nrows=$(q "SELECT count(*) FROM flows")
q "ALTER TABLE flows DROP COLUMN application; ALTER TABLE flows DROP COLUMN category;
ALTER TABLE flows DROP COLUMN l7_name; ALTER TABLE flows DROP COLUMN l7_name_kind;
DROP TABLE alerts;
ALTER TABLE flows DROP COLUMN rtt_samples; ALTER TABLE flows DROP COLUMN rtt_min_us;
ALTER TABLE flows DROP COLUMN rtt_avg_us; ALTER TABLE flows DROP COLUMN rtt_max_us;
ALTER TABLE flows DROP COLUMN handshake_rtt_us; ALTER TABLE flows DROP COLUMN tcp_retransmits;
ALTER TABLE flows DROP COLUMN tcp_out_of_order; ALTER TABLE flows DROP COLUMN tcp_duplicate_acks;
ALTER TABLE flows DROP COLUMN tcp_zero_windows; ALTER TABLE flows DROP COLUMN tcp_resets_client;
ALTER TABLE flows DROP COLUMN tcp_resets_server;
UPDATE schema_version SET version = 1" >/dev/null
in_rx "$PKTLENS" query --db "$DB" flows >/dev/null 2>"$LAB_TMP/q1.err"
check_rc "query on schema 1: refused" $? 1
check_grep "and says serve migrates it" "$LAB_TMP/q1.err" "migrates it to 4"

# --l7-packets 0: no L7 at all.
if srv_start -i "$IF_RX" --db "$DB" --l7-packets 0; then
	check_eq "schema 1 migrated to 4, its $nrows rows kept" \
		"$(q "SELECT max(version) FROM schema_version") $(q "SELECT count(*) FROM flows") $(q "SELECT count(*) FROM flows WHERE application IS NULL")" \
		"4 $nrows $nrows"
	check_grep "the start line says L7 is off" "$SRV_ERR" "l7 off\\)"
	in_tx timeout 10 dig +tries=1 +time=3 +short @"$IP4_RX" "off.$TAG.example" A >/dev/null
	check_http "L7 off: /api/v1/applications" 404 GET /api/v1/applications
	check_http "L7 off: flows" 200 GET /api/v1/flows
	check_eq "L7 off: flows have no application field" \
		"$(body "[f for f in j['flows'] if 'application' in f]")" "[]"
	srv_stop TERM
	check_rc "SIGTERM" "$SRV_RC" 0
else
	fail "serve --l7-packets 0 start" "$(cat "$SRV_ERR")"
fi
nothing_attached "at the end"
finish
