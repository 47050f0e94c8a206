#!/usr/bin/env bash
# test_report_capture.sh - `pktlens report -r CAPTURE -o FILE`: the page made straight
# from a capture (the offline data plane with L7, as analyze runs it), held to what
# the capture holds as tshark and ndpiReader read it: packets and bytes (the sum of the
# frames' lengths), the IPv4 and TCP counts, the minutes with packets and the span of
# the throughput chart (the frames' time stamps bucketed by minute), the flows (tshark's
# TCP conversations), the top talkers (tshark's IPv4 endpoints: packets and bytes each
# sent), and the application mix (ndpiReader's detected protocols: the application part
# of nDPI's name, packets, bytes, flows), the TCP handshake RTT (tshark's iRTT). No
# script, no URL; the temporary history is
# removed; bad input is refused.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools tshark ndpiReader

: "${CORPUS:=$E2E_ROOT/../shared/corpus}"
PCAPS=$CORPUS/ndpi/pcap
for f in bitcoin.pcap 443-curl.pcap; do
	if [ ! -f "$PCAPS/$f" ]; then
		skip "all" "the corpus capture $PCAPS/$f is not there"
		finish
	fi
done
T=$LAB_TMP
trap 'rm -rf "$LAB_TMP"' EXIT

# page FILE PYEXPR: PYEXPR over the page: rows(table_id) (cells of each row), attr(id, name).
page() {
	"$PY" - "$1" "$2" <<'PYEOF'
import sys, re
from html.parser import HTMLParser
raw = open(sys.argv[1], encoding="utf-8").read()
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.byid = {}; self.tables = {}
        self.cur = None; self.row = None; self.cell = None
    def handle_starttag(self, tag, a):
        a = dict(a); self.tags.append((tag, a))
        if "id" in a: self.byid[a["id"]] = a
        if tag == "table": self.cur = a.get("id"); self.tables[self.cur] = []
        if tag == "tr" and self.cur: self.row = []
        if tag in ("td", "th") and self.row is not None: self.cell = []
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip()); self.cell = None
        if tag == "tr" and self.row is not None:
            self.tables[self.cur].append(self.row); self.row = None
        if tag == "table": self.cur = None
    def handle_data(self, d):
        if self.cell is not None: self.cell.append(d)
p = P(); p.feed(raw)
tags = p.tags
def rows(t): return p.tables.get(t) or []
def attr(i, n): return p.byid.get(i, {}).get(n)
def num(s): return int(s.replace(",", ""))
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("<error: %s: %s>" % (type(e).__name__, e))
PYEOF
}

ntmp() { find /tmp -maxdepth 1 -name 'pktlens-report.*' 2>/dev/null | wc -l; }
tmp0=$(ntmp)
cap=$PCAPS/bitcoin.pcap
OUT=$T/bitcoin.html
check_true "report -r bitcoin.pcap -o FILE (exit 0)" "$PKTLENS" report -r "$cap" -o "$OUT"
check_eq "the temporary history is removed" "$(ntmp)" "$tmp0"
check_eq "self-contained: no script, no URL" \
	"$(page "$OUT" 'sum(1 for t, a in tags if t in ("script", "link", "img", "iframe")) + sum(1 for t, a in tags for k, v in a.items() if k in ("src", "href") and v)')" 0
check_true "the page names the capture" grep -q "Capture $cap" "$OUT"

# tshark's reading: frames, the sum of their lengths, minutes (first, last, distinct).
read -r n_frames n_bytes span minutes < <(tshark -r "$cap" -T fields -e frame.len -e frame.time_epoch 2>/dev/null |
	awk '{ b += $1; m = int($2 / 60) * 60; if (!(m in seen)) { seen[m] = 1; k++ }
	       if (mn == "" || m < mn) mn = m; if (m > mx) mx = m }
	     END { print NR, b, (mx - mn) / 60 + 1, k }')
check_eq "summary packets: tshark's frames" "$(page "$OUT" 'num(rows("summary")[0][1])')" "$n_frames"
check_eq "summary bytes: the sum of tshark's frame lengths" "$(page "$OUT" 'num(rows("summary")[1][1])')" "$n_bytes"
n_tcp=$(tshark -r "$cap" -Y tcp 2>/dev/null | wc -l)
n_ip=$(tshark -r "$cap" -Y ip 2>/dev/null | wc -l)
check_eq "IP versions and transport: tshark's ip and tcp frames" \
	"$(page "$OUT" '[(r[0], num(r[1])) for r in rows("l3")[1:] + rows("l4")[1:]]')" "[('ipv4', $n_ip), ('tcp', $n_tcp)]"
check_eq "throughput chart: a point a minute from the first minute to the last ($span)" \
	"$(page "$OUT" 'attr("chart-pps", "data-points")')" "$span"
check_eq "interfaces: the capture, its minutes with packets ($minutes)" \
	"$(page "$OUT" '[(r[0], num(r[1]), num(r[3])) for r in rows("interfaces")[1:]]')" \
	"[('$(basename "$cap")', $n_frames, $minutes)]"
n_conv=$(tshark -r "$cap" -q -z conv,tcp 2>/dev/null | grep -c '<->')
check_eq "flows written: tshark's TCP conversations" "$(page "$OUT" 'num(rows("summary")[2][1])')" "$n_conv"
# tshark's endpoints: address, Tx packets, Tx bytes, by Tx bytes (the talkers' order).
want=$(tshark -r "$cap" -q -z endpoints,ip 2>/dev/null |
	awk '$1 ~ /^[0-9]+\./ && $4 > 0 { print $5, $1, $4 }' | sort -k1,1nr -k2,2 |
	awk '{ printf "%s(\x27%s\x27, %s, %s)", n++ ? ", " : "[", $2, $3, $1 } END { print "]" }')
check_eq "top talkers: tshark's endpoints (packets and bytes sent)" \
	"$(page "$OUT" '[(r[0], num(r[1]), num(r[2])) for r in rows("talkers")[1:]]')" "$want"

# ndpi_apps CAPTURE: ndpiReader's detected protocols as [(name, packets, bytes, flows)].
ndpi_apps() {
	timeout 60 ndpiReader -i "$1" -v 1 2>/dev/null |
		awk '/^Detected protocols:/ { on = 1; next } on && /packets:/ { print $1, $3, $5, $7 } on && /^$/ && n++ { exit }' |
		sort -k3,3nr | awk '{ printf "%s(\x27%s\x27, %s, %s, %s)", k++ ? ", " : "[", $1, $2, $3, $4 } END { print "]" }'
}
# pktlens names "master.app" (TLS.ntop): the part ndpiReader lists is the app's.
apps() { page "$1" '[(r[0].split(".")[-1], num(r[1]), num(r[2]), num(r[3])) for r in rows("apps")[1:]]'; }
check_eq "applications: ndpiReader's (bitcoin.pcap)" "$(apps "$OUT")" "$(ndpi_apps "$cap")"
cap2=$PCAPS/443-curl.pcap
check_true "report -r 443-curl.pcap (exit 0)" "$PKTLENS" report -r "$cap2" -o "$T/curl.html"
check_eq "applications: ndpiReader's (443-curl.pcap)" "$(apps "$T/curl.html")" "$(ndpi_apps "$cap2")"
# TCP RTT (the offline data plane's TCP tracking): the connection's handshake RTT is
# tshark's iRTT of it (SYN to the ACK of the SYN-ACK), and the chart counts it.
want=$(tshark -r "$cap2" -Y tcp.analysis.initial_rtt -T fields -e tcp.analysis.initial_rtt 2>/dev/null |
	sort -u | awk '{ printf "%.3f ", $1 * 1e6 }')
got=$(sed -n '/<table id="rtt-slowest">/,/<\/table>/p' "$T/curl.html" |
	sed -nE 's/.*<td class="n" data-value="([0-9.]+)">[0-9.]+<\/td><\/tr>$/\1/p' | sort -u | tr '\n' ' ')
check_eq "RTT: the handshake RTT (us) is tshark's iRTT (443-curl.pcap)" "$got" "$want"
check_eq "RTT: the chart counts the connection" \
	"$(grep -o 'id="chart-rtt"[^>]*data-flows="[0-9]*"' "$T/curl.html" | sed -E 's/.*data-flows="([0-9]+)"/\1/')" \
	"$(echo "$want" | wc -w)"
check_eq "the TLS flow's application" "$(page "$T/curl.html" 'rows("apps")[1][0]')" "TLS.ntop"

# Bad input.
"$PKTLENS" report -r "$T/none.pcap" -o "$T/x.html" 2>"$T/e"
check_rc "a missing capture: exit 1" $? 1
check_grep "and says which" "$T/e" "none.pcap"
echo "not a capture" >"$T/text.pcap"
"$PKTLENS" report -r "$T/text.pcap" -o "$T/x.html" 2>"$T/e"
check_rc "a file that is no capture: refused" $? 1
check_true "no page written for it" test ! -e "$T/x.html"
"$PKTLENS" report -r "$cap" --db "$T/h.db" -o "$T/x.html" 2>"$T/e"
check_rc "-r with --db: usage" $? 2
check_grep "says they exclude each other" "$T/e" "exclude each other"
check_eq "no temporary history left behind" "$(ntmp)" "$tmp0"
finish
