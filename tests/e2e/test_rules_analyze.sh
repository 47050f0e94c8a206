#!/usr/bin/env bash
# test_rules_analyze.sh - signatures offline: `pktlens analyze -r FILE --rules FILE` over a
# capture this test writes (HTTP flows, some asking for /admin/, one whose server sends
# a token only in its 14th packet; DNS queries, some for names of a dataset), checked
# against tshark reading the same capture: the alerts per sid are the requests, packets
# and queries tshark finds; the late token alerts only with --l7-packets all (the
# default samples 8 packets per flow and direction); --json's alerts list and --eve's
# alert events agree; a bad rule file is an error naming file and line (exit 1), and
# --rules-lenient loads the rest. Needs root (analyze runs the BPF program).
set -u
. "$(dirname "$0")/../lib/netns.sh" # check_eq, finish, $PKTLENS, $LAB_TMP; no lab
need_root_tools tshark
trap lab_down EXIT
T=$LAB_TMP
CAP=$T/rules.pcap

"$PY" - "$CAP" "$E2E_ROOT/tests/lib" <<'EOF' || { fail "capture" "pcapgen failed"; finish; }
import sys
sys.path.insert(0, sys.argv[2])
from pcapgen import *
recs, t = [], 1700000000 * 10**9
def add(frame):
    global t
    t += 1000000
    recs.append((t, frame, len(frame)))
def tcp4(src, dst, sp, dp, flags, payload=b"", seq=1000, ack=0):
    add(eth(ETH_IP4, ipv4(src, dst, 6, tcp(sp, dp, flags, payload, seq=seq, ack=ack))))
srv = "198.18.0.2"
for i in range(20):
    cli, sp = "198.18.1.%d" % (i + 1), 40000 + i
    uri = b"/admin/panel-%d" % i if i % 3 == 0 else b"/index-%d.html" % i
    req = b"GET " + uri + b" HTTP/1.1\r\nHost: www.test\r\nUser-Agent: gen/1\r\n\r\n"
    tcp4(cli, srv, sp, 80, SYN, seq=100)
    tcp4(srv, cli, 80, sp, SYN | ACK, seq=500, ack=101)
    tcp4(cli, srv, sp, 80, ACK, seq=101, ack=501)
    tcp4(cli, srv, sp, 80, PSH | ACK, req, seq=101, ack=501)
    s = 501
    body = b"HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n"
    for k in range(16):  # the server's packets: SYN-ACK was the 1st, these 2nd..17th
        data = body if k == 0 else (b"MAGIC-LATE-TOKEN" if (i == 4 and k == 12) else b"x" * 64)
        tcp4(srv, cli, 80, sp, PSH | ACK, data, seq=s, ack=101 + len(req))
        s += len(data)
names = ["evil-%d.test" % n for n in range(3)] + ["fine-%d.test" % n for n in range(7)]
for n, name in enumerate(names):
    q = struct.pack("!HHHHHH", 0x1000 + n, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    add(eth(ETH_IP4, ipv4("198.18.1.%d" % (100 + n), "198.18.0.53", 17, udp(50000 + n, 53, q))))
write_pcap(sys.argv[1], recs)
EOF

printf '%s\n%s\n' "$(printf evil-0.test | base64)" "$(printf evil-2.test | base64)" >"$T/evil.lst"
printf '%s\n' "$(printf evil-1.test | base64)" >>"$T/evil.lst"
cat >"$T/t.rules" <<'EOF'
alert http any any -> any 80 (msg:"admin"; flow:established,to_server; http.uri; content:"/admin/"; startswith; sid:1;)
alert tcp any 80 -> any any (msg:"late token"; flow:established,to_client; content:"MAGIC-LATE-TOKEN"; sid:2;)
alert dns any any -> any any (msg:"evil name"; dns.query; dataset:isset,evil,type string,load evil.lst; sid:3;)
alert udp any any -> any 53 (msg:"one question"; byte_test:2,=,1,4; byte_test:2,=,0x0100,2; sid:4;)
alert tcp any any -> any 80 (msg:"GET"; content:"GET "; depth:4; content:" HTTP/1.1|0d 0a|"; distance:0; sid:5;)
EOF

# tshark's view of the same capture: what each rule looks for.
n_admin=$(tshark -r "$CAP" -Y 'http.request.uri matches "^/admin/"' 2>/dev/null | wc -l)
n_token=$(tshark -r "$CAP" -Y 'frame contains "MAGIC-LATE-TOKEN"' 2>/dev/null | wc -l)
n_evil=$(tshark -r "$CAP" -Y 'dns.flags.response == 0' -T fields -e dns.qry.name 2>/dev/null |
	grep -cE '^evil-[0-2]\.test$')
n_q1=$(tshark -r "$CAP" -Y 'dns.flags.response == 0 && dns.count.queries == 1 && dns.flags == 0x0100' 2>/dev/null | wc -l)
n_get=$(tshark -r "$CAP" -Y 'http.request.method == "GET"' 2>/dev/null | wc -l)
check_eq "tshark sees 7 /admin/ requests, 1 token, 3 evil names, 10 one-question queries, 20 GETs" \
	"$n_admin $n_token $n_evil $n_q1 $n_get" "7 1 3 10 20"

# count_sid FILE SID: alert events of SID in an EVE file.
count_sid() { grep '"event_type":"alert"' "$1" | grep -c "\"signature_id\":$2,"; }

"$PKTLENS" analyze -r "$CAP" --rules "$T/t.rules" --eve "$T/eve8.json" --json >"$T/r8.json" 2>"$T/r8.err"
check_rc "analyze --rules (default --l7-packets)" "$?" 0
check_eq "sid 1 (http.uri /admin/) alerts as tshark's requests" "$(count_sid "$T/eve8.json" 1)" "$n_admin"
check_eq "sid 2: the token in the server's 14th packet is past the 8 sampled" \
	"$(count_sid "$T/eve8.json" 2)" 0
check_eq "sid 3 (dns.query dataset) alerts as tshark's evil names" "$(count_sid "$T/eve8.json" 3)" "$n_evil"
check_eq "sid 4 (byte_test on the DNS header)" "$(count_sid "$T/eve8.json" 4)" "$n_q1"
check_eq "sid 5 (content, depth, distance)" "$(count_sid "$T/eve8.json" 5)" "$n_get"
check_eq "--json alerts list = EVE alert events" \
	"$(json_get "$T/r8.json" "len(j['alerts'])")" "$(grep -c '"event_type":"alert"' "$T/eve8.json")"
check_eq "--json signatures object" \
	"$(json_get "$T/r8.json" "(j['signatures']['rules'], j['signatures']['alerts'])")" \
	"(5, $((n_admin + n_evil + n_q1 + n_get)))"
check_eq "sid 1's alerts come from the clients that asked" \
	"$(json_get "$T/r8.json" "' '.join(sorted(a['src_ip'] for a in j['alerts'] if a['alert']['signature_id'] == 1))")" \
	"$(tshark -r "$CAP" -Y 'http.request.uri matches "^/admin/"' -T fields -e ip.src 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//')"

"$PKTLENS" analyze -r "$CAP" --rules "$T/t.rules" --l7-packets all --eve "$T/eveall.json" >"$T/rall.txt" 2>"$T/rall.err"
check_rc "analyze --rules --l7-packets all" "$?" 0
check_eq "sid 2 with every packet sampled: tshark's token packets" "$(count_sid "$T/eveall.json" 2)" "$n_token"
check_eq "sid 2's alert is from the server" \
	"$(grep '"signature_id":2,' "$T/eveall.json" | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["src_ip"])')" \
	198.18.0.2
check_grep "text report: the signatures line" "$T/rall.txt" "^signatures: 5 rules \(0 skipped\)"

# The same capture twice in one run: each report and its alerts as a run of its own
# (flowbits and thresholds start afresh for the second file).
"$PKTLENS" analyze -r "$CAP" -r "$CAP" --rules "$T/t.rules" --l7-packets all --json \
	--eve "$T/evetwice.json" >"$T/twice.json" 2>"$T/twice.err"
check_rc "analyze -r CAP -r CAP --rules" "$?" 0
check_eq "twice: each report has the alerts of one run" \
	"$("$PY" -c 'import json,sys; print(" ".join(str(json.loads(l)["signatures"]["alerts"]) for l in open(sys.argv[1])))' "$T/twice.json")" \
	"$(grep -c '"event_type":"alert"' "$T/eveall.json") $(grep -c '"event_type":"alert"' "$T/eveall.json")"
check_eq "twice: sid 2 alerted twice as often in the EVE file" "$(count_sid "$T/evetwice.json" 2)" \
	"$((2 * n_token))"

printf 'alert tcp any any -> any any (sid:1;)\nalert tcp any any -> any any (content:"x"; tag:session; sid:2;)\n' >"$T/bad.rules"
"$PKTLENS" analyze -r "$CAP" --rules "$T/bad.rules" >/dev/null 2>"$T/bad.err"
check_rc "an unsupported keyword fails analyze" "$?" 1
check_grep "the message names file, line and keyword" "$T/bad.err" "bad.rules:2: unsupported keyword 'tag'"
"$PKTLENS" analyze -r "$CAP" --rules "$T/bad.rules" --rules-lenient --json >"$T/len.json" 2>"$T/len.err"
check_rc "--rules-lenient loads the rest" "$?" 0
check_eq "--rules-lenient: 1 rule, 1 skipped" \
	"$(json_get "$T/len.json" "(j['signatures']['rules'], j['signatures']['rules_skipped'])")" "(1, 1)"
"$PKTLENS" analyze -r "$CAP" --rules "$T/t.rules" --l7-packets 0 >/dev/null 2>&1
check_rc "--rules with L7 off is bad usage" "$?" 2
finish
