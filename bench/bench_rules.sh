#!/usr/bin/env bash
# bench_rules.sh - signatures (src/rules/): the time `pktlens rules check` takes to load
# a generated file of 10,000 rules (the keyword mix of real sets: payload contents with
# depth/distance, http.uri with fast_pattern, dns.query endswith, pcre, byte_test),
# median of 5; and what matching costs offline: `analyze --l7-packets all` over a
# generated capture of HTTP and DNS flows with and without --rules (process CPU, median
# of 3), with the alerts counted against the hits the capture holds. Needs root.
set -u
PKTLENS=${PKTLENS:-build/pktlens}
T=$(mktemp -d /tmp/pktlens-bench-rules.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=${RULES_N:-10000}

python3 - "$T/gen.rules" "$N" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        sid = 1000000 + i
        k = i % 5
        if k == 0:
            f.write('alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:"gen %d"; flow:to_server; content:"pat%06dx"; nocase; depth:200; sid:%d; rev:1;)\n' % (i, i, sid))
        elif k == 1:
            f.write('alert http any any -> any any (msg:"gen %d"; http.uri; content:"/p%06d"; fast_pattern; content:".php"; distance:0; sid:%d;)\n' % (i, i, sid))
        elif k == 2:
            f.write('alert dns any any -> any any (msg:"gen %d"; dns.query; content:"d%06d.example"; endswith; classtype:trojan-activity; sid:%d;)\n' % (i, i, sid))
        elif k == 3:
            f.write('alert udp any any -> any 53 (msg:"gen %d"; content:"|01 00 00 01|"; offset:2; depth:4; content:"u%06d"; distance:0; pcre:"/u%06d[a-z]/"; sid:%d;)\n' % (i, i, i, sid))
        else:
            f.write('alert tcp any any -> any any (msg:"gen %d"; content:"BIN%06d"; byte_test:2,>,%d,0,relative,little; flowbits:set,b%d; sid:%d;)\n' % (i, i, i % 60000, i % 50, sid))
EOF

loads=()
for r in 1 2 3 4 5; do
	out=$("$PKTLENS" rules check "$T/gen.rules" 2>&1) || { echo "bench_rules: rules check failed: $out"; exit 1; }
	loads+=("$(sed -nE 's/.* in ([0-9.]+) s$/\1/p' <<<"$out")")
done
rss=$(/usr/bin/time -f %M "$PKTLENS" rules check "$T/gen.rules" 2>&1 >/dev/null | tail -n 1)
load=$(printf '%s\n' "${loads[@]}" | sort -n | sed -n 3p)
echo "bench_rules: $N rules: load $load s (median of 5: ${loads[*]}), max RSS ${rss} KiB"

# The capture: 3000 HTTP flows (request + 8 answer packets), every 10th asking for a
# /pNNNNNN...php that a rule names; 2000 DNS queries, every 10th for a dNNNNNN.example.
python3 - "$T/cap.pcap" "$(cd "$(dirname "$0")/.." && pwd)/tests/lib" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[2])
from pcapgen import *
recs, t = [], 1700000000 * 10**9
def add(fr):
    global t
    t += 100000
    recs.append((t, fr, len(fr)))
hits = 0
for i in range(3000):
    cli, sp = "198.18.%d.%d" % (1 + i // 250, 1 + i % 250), 20000 + i
    rid = (i * 5 + 1) % 10000
    uri = b"/p%06d/x.php" % rid if i % 10 == 0 else b"/static/%d.css" % i
    hits += i % 10 == 0
    req = b"GET " + uri + b" HTTP/1.1\r\nHost: h\r\nUser-Agent: b\r\n\r\n"
    add(eth(ETH_IP4, ipv4(cli, "198.18.200.1", 6, tcp(sp, 80, SYN, seq=1))))
    add(eth(ETH_IP4, ipv4("198.18.200.1", cli, 6, tcp(80, sp, SYN | ACK, seq=9, ack=2))))
    add(eth(ETH_IP4, ipv4(cli, "198.18.200.1", 6, tcp(sp, 80, ACK, seq=2, ack=10))))
    add(eth(ETH_IP4, ipv4(cli, "198.18.200.1", 6, tcp(sp, 80, PSH | ACK, req, seq=2, ack=10))))
    for k in range(8):
        add(eth(ETH_IP4, ipv4("198.18.200.1", cli, 6, tcp(80, sp, PSH | ACK, b"y" * 1000, seq=10 + k * 1000, ack=2 + len(req)))))
for i in range(2000):
    name = "www.d%06d.example" % ((i * 5 + 2) % 10000) if i % 10 == 0 else "n%d.other" % i
    hits += i % 10 == 0
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        q += bytes([len(l)]) + l.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    add(eth(ETH_IP4, ipv4("198.18.100.%d" % (1 + i % 250), "198.18.200.53", 17, udp(30000 + i, 53, q))))
write_pcap(sys.argv[1], recs)
open(sys.argv[1] + ".hits", "w").write(str(hits))
EOF
pkts=$(python3 -c "print(3000 * 12 + 2000)")
cpu() { /usr/bin/time -f '%U %S' "$PKTLENS" analyze -r "$T/cap.pcap" --l7-packets all "$@" 2>&1 >"$T/out.json" |
	tail -n 1 | awk '{ printf "%.2f\n", $1 + $2 }'; }
a=() b=()
for r in 1 2 3; do
	a+=("$(cpu --json)")
	b+=("$(cpu --json --rules "$T/gen.rules")")
done
alerts=$(python3 -c "import json; print(json.load(open('$T/out.json'))['signatures']['alerts'])")
ma=$(printf '%s\n' "${a[@]}" | sort -n | sed -n 2p)
mb=$(printf '%s\n' "${b[@]}" | sort -n | sed -n 2p)
echo "bench_rules: analyze --l7-packets all, $pkts packets: ${ma} CPU-s without rules, ${mb} with $N" \
	"(+$(python3 -c "print(round(($mb - $ma) * 1e6 / $pkts, 1))") us a packet, load included);" \
	"alerts $alerts, hits in the capture $(cat "$T/cap.pcap.hits")"
