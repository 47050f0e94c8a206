#!/usr/bin/env bash
# test_rules_live.sh - signatures live: `pktlens monitor --rules FILE --eve FILE` on the
# server's link while curl, dig and ping (real clients on the tx side) talk to
# python3's http.server and dnsmasq on the rx side. The rule file has one rule per kind
# (http.uri, http.user_agent, payload content with nocase, a dns.query string dataset,
# an ICMP header rule, a flowbits pair across the packets of one flow) and one that
# nothing the test sends can match. Checked against what the test sent: each rule
# alerts as often as the clients did what it looks for (curl's and dig's requests,
# ping's count), from the client's address to the server's port, with the rule's sid,
# rev, msg, classtype description and priority; nothing else alerts; monitor --json
# lists the same alerts.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools dig dnsmasq curl ping

BAD=bad-$$.example GOOD=good-$$.example HTTP_PORT=8765 PINGS=3
lab_up || { fail "lab" "could not build the namespaces"; finish; }

mkdir -p "$LAB_TMP/www/admin-$$"
echo hello >"$LAB_TMP/www/hello.txt"
echo secret >"$LAB_TMP/www/admin-$$/x"
in_rx timeout 60 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$IP4_RX" --port=53 --address="/$BAD/198.18.9.9" \
	--address="/$GOOD/198.18.9.8" --pid-file="$LAB_TMP/dnsmasq.pid" --user=root \
	>"$LAB_TMP/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 "$PY" -m http.server --directory "$LAB_TMP/www" --bind "$IP4_RX" "$HTTP_PORT" \
	>"$LAB_TMP/http.log" 2>&1 &
LAB_PIDS+=($!)
listening() { in_rx ss -Hlnt "sport = :$1" | grep -q .; }
udp_listening() { in_rx ss -Hlnu "sport = :$1" | grep -q .; }
wait_until 10 listening "$HTTP_PORT" || fail "setup" "http.server is not listening"
wait_until 10 udp_listening 53 || fail "setup" "dnsmasq is not listening"

# The dataset: base64 of the bad name, one a line (Suricata's string sets).
printf '%s\n' "$(printf %s "$BAD" | base64)" >"$LAB_TMP/bad.lst"
RULES=$LAB_TMP/test.rules
cat >"$RULES" <<EOF
# pktlens test rules
alert http any any -> any any (msg:"admin path"; flow:established,to_server; \\
    http.uri; content:"/admin-$$/"; startswith; classtype:web-application-attack; sid:9000001; rev:3;)
alert http any any -> any any (msg:"test UA"; http.user_agent; content:"pktlens-test-ua/"; \\
    startswith; sid:9000002;)
alert tcp \$HOME_NET any -> any $HTTP_PORT (msg:"secret header"; flow:to_server; \\
    content:"x-secret|3a| S3CR3T"; nocase; priority:2; sid:9000003;)
alert dns any any -> any any (msg:"bad domain"; dns.query; \\
    dataset:isset,bad,type string,load bad.lst; classtype:domain-c2; sid:9000004;)
alert icmp any any -> any any (msg:"echo request"; itype:8; icode:0; sid:9000005;)
alert tcp any any -> any $HTTP_PORT (msg:"login seen"; content:"/hello.txt"; \\
    flowbits:set,seen; flowbits:noalert; sid:9000006;)
alert tcp any $HTTP_PORT -> any any (msg:"answer after login"; flowbits:isset,seen; \\
    content:"200 OK"; sid:9000007;)
alert udp any any -> any 53 (msg:"never"; content:"nothing-sends-this-$$"; sid:9000008;)
EOF
CONF=$LAB_TMP/pktlens.conf
printf '[vars]\nHOME_NET = [198.18.0.0/15]\n' >"$CONF"
check_rc "rules check loads the file" \
	"$("$PKTLENS" rules check "$RULES" --config "$CONF" >"$LAB_TMP/check.out" 2>&1; echo $?)" 0
check_grep "rules check counts 8 rules" "$LAB_TMP/check.out" ": 8 rules loaded, 0 skipped"

EVE=$LAB_TMP/eve.json
mon_start 60 --interval 0.5 --eve "$EVE" --rules "$RULES" --config "$CONF" ||
	{ fail "monitor" "did not attach: $(cat "$MON_ERR")"; finish; }
ok "monitor attached ($MON_MODE) with the rules"

code1=$(in_tx timeout 10 curl -s -o /dev/null -w '%{http_code}' -A "pktlens-test-ua/1" \
	-H "X-Secret: s3cr3t" "http://$IP4_RX:$HTTP_PORT/admin-$$/x")
check_eq "curl 1 (admin path, test UA, secret header)" "$code1" 200
code2=$(in_tx timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$IP4_RX:$HTTP_PORT/hello.txt")
check_eq "curl 2 (hello.txt)" "$code2" 200
check_eq "dig the bad name" "$(in_tx timeout 10 dig +tries=1 +time=3 +short @"$IP4_RX" "$BAD" A)" 198.18.9.9
check_eq "dig the good name" "$(in_tx timeout 10 dig +tries=1 +time=3 +short @"$IP4_RX" "$GOOD" A)" 198.18.9.8
sent=$(in_tx timeout 10 ping -n -c "$PINGS" -i 0.2 -W 2 "$IP4_RX" | sed -nE 's/^([0-9]+) packets transmitted.*/\1/p')
check_eq "ping sent its echo requests" "$sent" "$PINGS"

# The alerts arrive as the samples are matched: wait for the last kinds, bounded.
want_lines() { [ "$(grep -c '"event_type":"alert"' "$EVE" 2>/dev/null)" -ge $((5 + PINGS)) ]; }
wait_until 15 want_lines || fail "alerts" "only $(grep -c '"event_type":"alert"' "$EVE") alert lines"
mon_stop INT
check_rc "monitor exits on SIGINT" "$MON_RC" 0

"$PY" - "$EVE" "$MON_OUT" "$IP4_TX" "$IP4_RX" "$HTTP_PORT" "$PINGS" <<'EOF'
import collections, json, sys
eve, mon, cli, srv, port, pings = sys.argv[1:]
port, pings = int(port), int(pings)
passed = failed = 0
def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, detail))
alerts = [json.loads(l) for l in open(eve) if '"event_type":"alert"' in l]
by = collections.defaultdict(list)
for a in alerts:
    by[a["alert"]["signature_id"]].append(a)
# sid: (count, src_ip, dest_port or None, msg, category, severity, rev)
want = {
    9000001: (1, cli, port, "admin path", "Web Application Attack", 1, 3),
    9000002: (1, cli, port, "test UA", "", 3, 0),
    9000003: (1, cli, port, "secret header", "", 2, 0),
    9000004: (1, cli, 53, "bad domain", "Domain Observed Used for C2 Detected", 1, 0),
    9000005: (pings, cli, None, "echo request", "", 3, 0),
    9000007: (1, srv, None, "answer after login", "", 3, 0),
}
for sid, (n, src, dport, msg, cat, sev, rev) in want.items():
    got = by.get(sid, [])
    check("sid %d alerts %d time(s)" % (sid, n), len(got) == n, "%d: %s" % (len(got), got[:2]))
    for a in got[:1]:
        al = a["alert"]
        check("sid %d: from %s" % (sid, src), a["src_ip"] == src, a["src_ip"])
        if dport is not None:
            check("sid %d: to port %d" % (sid, dport), a.get("dest_port") == dport, a.get("dest_port"))
        check("sid %d: signature, category, severity, rev, action" % sid,
              (al["signature"], al["category"], al["severity"], al["rev"], al["action"], al["gid"]) ==
              (msg, cat, sev, rev, "allowed", 1), al)
check("no alert from other rules (noalert 9000006, never 9000008)",
      set(by) <= set(want), sorted(set(by) - set(want)))
# monitor --json: the alerts lists of the reports add up to the EVE alerts.
listed = collections.Counter()
sigs = None
for line in open(mon):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    for a in j.get("alerts", []):
        if "signature_id" in a.get("alert", {}):
            listed[a["alert"]["signature_id"]] += 1
    sigs = j.get("signatures", sigs)
check("monitor --json alerts lists = EVE alerts",
      listed == collections.Counter({s: len(v) for s, v in by.items()}), (listed, {s: len(v) for s, v in by.items()}))
check("monitor --json signatures: 8 rules, alerts counted", sigs is not None and sigs["rules"] == 8 and
      sigs["alerts"] == len(alerts), sigs)
print("alert checks: %d ok, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
[ $? -eq 0 ] && ok "EVE and JSON alerts match what was sent" || fail "EVE and JSON alerts" "see above"
nothing_attached "after monitor"
finish
