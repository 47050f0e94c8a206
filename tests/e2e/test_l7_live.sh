#!/usr/bin/env bash
# test_l7_live.sh - live L7 on the server's side: `pktlens monitor` on the rx link, where
# dnsmasq, python3's http.server (port 8765) and openssl s_server (port 8443) listen;
# dig, curl and openssl s_client run on the tx side and ask for names this test picks.
# The client's packets arrive (XDP or tc ingress); the server's answers leave through
# the tc egress program. Checked against what the clients asked and got:
#   - EVE (--eve FILE): a dns query and answer with the name dig asked (rrname, rrtype
#     A, rcode NOERROR, the answer's rdata is the address dnsmasq was told to give and
#     dig printed), an http event with curl's Host and URL and the status curl got
#     (the status is only in the server's answer: the egress program sampled it) and
#     the User-Agent curl -v shows it sent, a tls event with the SNI and the ALPN list
#     s_client sent and the version s_client negotiated, and a flow
#     event for each whose packets and bytes both ways are what nftables counters on
#     the link's netdev ingress and egress hooks counted (the TCP ones "closed",
#     "timeout": written when they ended); every line a JSON object with Suricata's
#     fields and types;
#   - monitor --json: DNS, HTTP and TLS in l7.applications, the names in its top lists,
#     the app of the flows, samples counted and none lost;
#   - both directions attached and, after exit, nothing left (ingress or egress).
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools dig dnsmasq curl openssl nft

DNS_NAME=www.l7-$$.example HTTP_HOST=web.l7-$$.example TLS_SNI=tls.l7-$$.example
DNS_ADDR=198.18.7.7 HTTP_PORT=8765 TLS_PORT=8443

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# ---- servers on the rx side (each bounded: lab_down kills what runs in the lab) -----
mkdir -p "$LAB_TMP/www"
echo "hello from pktlens's test" >"$LAB_TMP/www/hello.txt"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$TLS_SNI" \
	-keyout "$LAB_TMP/key.pem" -out "$LAB_TMP/cert.pem" >/dev/null 2>&1 ||
	{ fail "setup" "openssl req could not make a certificate"; finish; }
in_rx timeout 60 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$IP4_RX" --port=53 --address="/$DNS_NAME/$DNS_ADDR" \
	--pid-file="$LAB_TMP/dnsmasq.pid" --user=root >"$LAB_TMP/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 "$PY" -m http.server --directory "$LAB_TMP/www" --bind "$IP4_RX" "$HTTP_PORT" \
	>"$LAB_TMP/http.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 openssl s_server -quiet -accept "$IP4_RX:$TLS_PORT" -cert "$LAB_TMP/cert.pem" \
	-key "$LAB_TMP/key.pem" </dev/null >"$LAB_TMP/tls.log" 2>&1 &
LAB_PIDS+=($!)
listening() { in_rx ss -Hlnt "sport = :$1" | grep -q .; }
udp_listening() { in_rx ss -Hlnu "sport = :$1" | grep -q .; }
wait_until 10 listening "$HTTP_PORT" || fail "setup" "http.server is not listening"
wait_until 10 listening "$TLS_PORT" || fail "setup" "s_server is not listening"
wait_until 10 udp_listening 53 || fail "setup" "dnsmasq is not listening"

# nftables counters on the rx link, both ways (netdev ingress and egress hooks): what
# each flow's EVE flow event must count to and from the server.
ip netns exec "$NS_RX" nft -f - <<EOF || fail "setup" "nft could not add the counters"
table netdev pl_l7 {
	chain in {
		type filter hook ingress device $IF_RX priority 0;
		udp dport 53 counter
		tcp dport $HTTP_PORT counter
		tcp dport $TLS_PORT counter
	}
	chain out {
		type filter hook egress device $IF_RX priority 0;
		udp sport 53 counter
		tcp sport $HTTP_PORT counter
		tcp sport $TLS_PORT counter
	}
}
EOF

# ---- pktlens on the server's link, then the clients ----------------------------------
EVE=$LAB_TMP/eve.json
mon_start 60 --interval 0.5 --eve "$EVE" || { fail "monitor" "did not attach: $(cat "$MON_ERR")"; finish; }
ok "monitor attached ($MON_MODE)"
if have_tcx; then
	check_eq "egress program on the tcx egress hook" \
		"$(tcx_progs "$IF_RX" egress | awk '{ print $2 }')" "tc_pktlens_egre" # 15 characters
else
	check_grep "egress program as a clsact filter" \
		<(ip netns exec "$NS_RX" tc filter show dev "$IF_RX" egress) "tc_pktlens_egress"
fi

dig_out=$(in_tx timeout 10 dig +tries=1 +time=3 +short @"$IP4_RX" "$DNS_NAME" A)
check_eq "dig got dnsmasq's answer" "$dig_out" "$DNS_ADDR"
curl_code=$(in_tx timeout 10 curl -s -v -o "$LAB_TMP/got.txt" -w '%{http_code}' \
	--resolve "$HTTP_HOST:$HTTP_PORT:$IP4_RX" "http://$HTTP_HOST:$HTTP_PORT/hello.txt" \
	2>"$LAB_TMP/curl.err")
check_eq "curl got the file" "$curl_code" 200
# The User-Agent curl sent, as its -v trace shows the request.
curl_ua=$(sed -nE 's/^> User-Agent: (.*)$/\1/p' "$LAB_TMP/curl.err" | tr -d '\r' | head -n 1)
[ -n "$curl_ua" ] || fail "curl -v" "no User-Agent line: $(head -c 300 "$LAB_TMP/curl.err")"
TLS_ALPN=h2,http/1.1 # what s_client offers in its ClientHello
tls_out=$(echo | in_tx timeout 10 openssl s_client -connect "$IP4_RX:$TLS_PORT" \
	-servername "$TLS_SNI" -alpn "$TLS_ALPN" 2>&1)
tls_ver=$(sed -nE 's/^ *Protocol *: *(TLSv[0-9.]+).*/\1/p; s/^New, (TLSv[0-9.]+),.*/\1/p' <<<"$tls_out" | head -n 1)
[ -n "$tls_ver" ] && ok "s_client negotiated $tls_ver" || fail "s_client" "$(head -c 400 <<<"$tls_out")"

# Every exchange has been classified once the report lists the three names.
names_seen() {
	[ "$(json_get "$MON_OUT" "'$DNS_NAME' in [x['name'] for x in j['l7']['top_dns_names']] and \
'$HTTP_HOST:$HTTP_PORT' in [x['name'] for x in j['l7']['top_http_hosts']] and \
'$TLS_SNI' in [x['name'] for x in j['l7']['top_tls_sni']]")" = True ]
}
wait_until 15 names_seen && ok "monitor --json lists the DNS name, HTTP host and SNI" ||
	fail "monitor --json names" "$(json_get "$MON_OUT" "{k: j['l7'][k] for k in ('top_dns_names', 'top_http_hosts', 'top_tls_sni')}")"
app_names=$(json_get "$MON_OUT" "' '.join(sorted(a['name'] for a in j['l7']['applications']))")
for app in DNS HTTP TLS; do
	check_true "monitor --json: $app in l7.applications ($app_names)" \
		grep -qw "$app" <<<"$app_names"
done
check_eq "samples lost" "$(json_get "$MON_OUT" "j['l7']['samples_lost']")" 0
check_eq "samples taken" "$(json_get "$MON_OUT" "j['l7']['samples'] > 0")" True
check_eq "app of the HTTP flow" \
	"$(json_get "$MON_OUT" "[f['app'] for f in j['top_flows_by_packets'] if f['dport'] == $HTTP_PORT]")" \
	"['HTTP']"
mon_stop INT
check_rc "monitor exits on SIGINT" "$MON_RC" 0
nothing_attached "after monitor"
# "in.dns in.http in.tls out.dns ..." packets and bytes, as nftables counted them.
ip netns exec "$NS_RX" nft -j list table netdev pl_l7 >"$LAB_TMP/nft.json" ||
	fail "nft counters" "could not list them"

# ---- the EVE file, held to what the clients did ---------------------------------
eve_out=$("$PY" - "$EVE" "$IP4_TX" "$IP4_RX" "$DNS_NAME" "$DNS_ADDR" "$HTTP_HOST" "$HTTP_PORT" \
	"$TLS_SNI" "$TLS_PORT" "$tls_ver" "$LAB_TMP/nft.json" "$curl_ua" "$TLS_ALPN" <<'EOF'
import json, sys
path, cli, srv, dns_name, dns_addr, host, hport, sni, tport, tls_ver, nft, ua, alpn = sys.argv[1:]
counts = {}  # (chain, rule index) -> (packets, bytes)
try:
    rules = [e["rule"] for e in json.load(open(nft))["nftables"] if "rule" in e]
    for r in rules:
        c = r["expr"][-1]["counter"]
        idx = sum(1 for x in rules if x["chain"] == r["chain"] and x["handle"] < r["handle"])
        counts[(r["chain"], idx)] = (c["packets"], c["bytes"])
except (OSError, ValueError, KeyError) as e:
    print("FAIL eve: nft counters unreadable: %s" % e)
hport, tport = int(hport), int(tport)
passed = failed = 0
def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   eve: " + name)
    else:
        failed += 1
        print("FAIL eve: %s: %s" % (name, detail))
ev = []
for n, line in enumerate(open(path), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        check("line %d is JSON" % n, False, e)
        continue
    ev.append(o)
check("events written", len(ev) >= 6, "%d lines" % len(ev))
base = {"timestamp": str, "flow_id": int, "in_iface": str, "event_type": str,
        "src_ip": str, "dest_ip": str, "proto": str}
bad = [(o.get("event_type"), k) for o in ev for k, t in base.items()
       if not isinstance(o.get(k), t)]
check("every event has Suricata's common fields with their types", not bad, bad[:5])
def one(etype, pred):
    return [o for o in ev if o.get("event_type") == etype and pred(o)]
q = one("dns", lambda o: o["dns"].get("type") == "query")
a = one("dns", lambda o: o["dns"].get("type") == "answer")
check("dns query rrname is what dig asked", [o["dns"]["rrname"] for o in q] == [dns_name], q)
check("dns query rrtype A, client to server port 53",
      q and q[0]["dns"]["rrtype"] == "A" and q[0]["src_ip"] == cli and q[0]["dest_ip"] == srv
      and q[0]["dest_port"] == 53 and q[0]["proto"] == "UDP" and isinstance(q[0]["src_port"], int), q)
check("dns answer (sent by the server: egress) has the name, NOERROR and dnsmasq's address",
      len(a) == 1 and a[0]["dns"].get("rrname") == dns_name and a[0]["dns"].get("rcode") == "NOERROR"
      and [x.get("rdata") for x in a[0]["dns"].get("answers", [])] == [dns_addr], a)
h = one("http", lambda o: True)
check("http hostname and url are curl's", [(o["http"].get("hostname"), o["http"].get("url"))
      for o in h] == [(host, "/hello.txt")], h)
check("http method GET, port, status 200 (from the server's answer) as an integer",
      h and h[0]["http"].get("http_method") == "GET" and h[0]["dest_port"] == hport
      and h[0]["http"].get("status") == 200 and h[0].get("app_proto") == "http", h)
check("http http_user_agent is the User-Agent curl sent (%s)" % ua,
      h and ua and h[0]["http"].get("http_user_agent") == ua, h)
t = one("tls", lambda o: True)
check("tls client_alpns are what s_client offered (%s)" % alpn,
      t and t[0]["tls"].get("client_alpns") == alpn.split(","), t)
check("tls sni is what s_client sent", [o["tls"].get("sni") for o in t] == [sni], t)
want_ver = tls_ver.replace("TLSv", "TLS ")
check("tls version is what s_client negotiated (%s)" % want_ver,
      t and t[0]["tls"].get("version") == want_ver and t[0]["dest_port"] == tport, t)
flows = one("flow", lambda o: True)
for i, (port, what) in enumerate(((53, "dns"), (hport, "http"), (tport, "tls"))):
    f = [o for o in flows if o.get("dest_port") == port and o.get("src_ip") == cli]
    check("one flow event for the %s flow, app_proto %s" % (what, what),
          len(f) == 1 and f[0].get("app_proto") == what, f)
    if f:
        fl = f[0]["flow"]
        types = {"pkts_toserver": int, "pkts_toclient": int, "bytes_toserver": int,
                 "bytes_toclient": int, "start": str, "end": str, "state": str, "reason": str}
        check("%s flow object: Suricata's fields and types" % what,
              all(isinstance(fl.get(k), ty) for k, ty in types.items()), fl)
        got = (fl.get("pkts_toserver"), fl.get("bytes_toserver"), fl.get("pkts_toclient"),
               fl.get("bytes_toclient"))
        pi, bi = counts.get(("in", i), (0, -1))
        # The netdev ingress hook counts a frame after its Ethernet header was pulled
        # (skb->len then lacks 14 bytes); the egress hook counts the whole frame.
        want = (pi, bi + 14 * pi) + counts.get(("out", i), (None, None))
        check("%s flow: packets and bytes both ways are nftables' (%s)" % (what, want),
              got == want, "got %s" % (got,))
        if what != "dns":
            check("%s flow ended: state closed, reason timeout" % what,
                  (fl.get("state"), fl.get("reason")) == ("closed", "timeout"), fl)
print("%d %d" % (passed, failed))
EOF
)
# The checks' lines, then their counts added to this test's.
sed '$d' <<<"$eve_out"
read -r p f <<<"$(tail -n 1 <<<"$eve_out")"
if [[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]]; then
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f))
else
	fail "eve checks" "the checker did not finish: $(tail -n 3 <<<"$eve_out")"
fi
finish
