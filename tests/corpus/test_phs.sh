#!/usr/bin/env bash
# test_phs.sh - `analyze`'s protocol hierarchy against `tshark -q -z io,phs` on three
# captures of the corpus chosen to hold IPv4 and IPv6 together (the transports split
# by family through the flow table), TCP and UDP, ICMP and ARP, and DNS: the link,
# network and transport levels must have tshark's nodes with tshark's frames and bytes,
# and UDP's DNS tshark's frames and bytes (tests/corpus/phs_check.py); the text report
# must show the same nodes, indented as tshark indents them. Captures with VLAN tags,
# tunnels or IP fragments differ by definition (see README, L7) and are not among them.
# A fourth, Linux cooked (SLL), holds the bytes of a link type that the program sees
# behind a synthetic Ethernet header to tshark's: the capture's own frame lengths.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
FILES="ndpi/pcap/dns-google-nsid.pcapng ndpi/pcap/http_ipv6.pcap ndpi/pcap/icmp-tunnel.pcap
	ndpi/pcap/KakaoTalk_chat.pcap"

if [ ! -d "$CORPUS/ndpi/pcap" ] || ! command -v tshark >/dev/null; then
	echo "skip: no $CORPUS or no tshark"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
WORK=$(mktemp -d /tmp/pktlens-phs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
for f in $FILES; do
	[ -f "$CORPUS/$f" ] || { fail "$f" "not in the corpus"; continue; }
	timeout 60 tshark -q -z io,phs -r "$CORPUS/$f" >"$WORK/ts" 2>/dev/null
	timeout 60 "$PKTLENS" analyze --json -r "$CORPUS/$f" >"$WORK/pl.json" 2>"$WORK/err" ||
		{ fail "$f: analyze" "$(head -c 300 "$WORK/err")"; continue; }
	if python3 "$ROOT/tests/corpus/phs_check.py" "$WORK/ts" "$WORK/pl.json" >"$WORK/cmp"; then
		ok "$f: $(grep -c '^ok' "$WORK/cmp") nodes as tshark's (frames and bytes)"
	else
		sed 's/^/    /' "$WORK/cmp"
		fail "$f: hierarchy against tshark's"
	fi
	# The text report: the same nodes, tshark's indentation and "frames:N bytes:N".
	"$PKTLENS" analyze -r "$CORPUS/$f" 2>/dev/null |
		sed -n '/^protocol hierarchy/,/^$/p' | sed '1d;/^$/d' >"$WORK/text"
	python3 - "$WORK/pl.json" "$WORK/text" <<'PY' >"$WORK/tcmp" 2>&1
import json, re, sys
want = []
def walk(n, d):
    want.append((d, n["protocol"], n["frames"], n["bytes"]))
    for c in n["children"]:
        walk(c, d + 1)
for n in json.load(open(sys.argv[1]))["protocol_hierarchy"]:
    walk(n, 0)
got = []
for l in open(sys.argv[2]):
    m = re.match(r"^( *)(\S+) +frames:(\d+) bytes:(\d+)$", l.rstrip("\n"))
    got.append((len(m.group(1)) // 2, m.group(2), int(m.group(3)), int(m.group(4))) if m else l)
print(got if got != want else "same")
sys.exit(got != want)
PY
	if [ $? -eq 0 ]; then ok "$f: text report shows the same hierarchy"; else
		fail "$f: text report" "$(head -c 300 "$WORK/tcmp")"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
