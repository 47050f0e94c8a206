#!/usr/bin/env bash
# test_report.sh - `pktlens report`: a history written by `pktlens serve` from trafgen's
# traffic (IPv4 UDP and TCP, IPv6 UDP), plus rows the test adds with the sqlite3 CLI (an
# interface an hour earlier: two minutes, classes, malformed packets, one big flow),
# rendered to one HTML file. Python's html.parser checks the structure (no script, no
# URL, every section and chart) and the numbers against what the test sent and put in
# the database; --since and -i narrow them; headless Chromium opens the file offline
# (file://, inside the namespace: no network) without a console error and renders it to
# a PNG kept as an artefact; bad input is refused.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl sqlite3 nstat

N_UDP=1500 N_SYN=30 N_V6=200
DB=$LAB_TMP/h.db OUT=$LAB_TMP/report.html
ART=${PL_ARTIFACTS:-/tmp/pktlens-artifacts}
q() { sqlite3 -batch -noheader "$DB" "$@" 2>&1; }

lab_up || { fail "lab" "could not build the namespaces"; finish; }
frame() { echo "{ eth(da=$MAC_RX, sa=$MAC_TX), $2 }" >"$LAB_TMP/$1.cfg"; }
frame udp "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22)"
frame syn "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10)"
frame v6 "ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=7006), fill(0x43, 2)"

rx_snmp() {
	in_rx nstat -asz "$1" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
# The kernel's own counts of the packets to closed ports: UDP (v4, v6) and the TCP
# resets answering the SYNs.
no_socket() { echo $(($(rx_snmp UdpNoPorts) + $(rx_snmp Udp6NoPorts) + $(rx_snmp TcpOutRsts))); }
if ! srv_start -i "$IF_RX" --db "$DB" --idle-timeout 0 --drops; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
lab_quiet
ns0=$(no_socket)
tx0=$(tx_packets)
trafgen_send "$N_UDP" "$LAB_TMP/udp.cfg" || echo "  trafgen udp failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
trafgen_send "$N_V6" "$LAB_TMP/v6.cfg" || echo "  trafgen v6 failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
nosock=$(($(no_socket) - ns0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP + N_SYN + N_V6))
srv_stop TERM # writes the minutes and the flows still in the table
check_rc "serve: SIGTERM" "$SRV_RC" 0

# An interface an hour earlier, two minutes apart, with one flow bigger than all.
now=$(date +%s)
m0=$(((now - 3600) / 60 * 60))
q "INSERT INTO minutes VALUES ('synth0', $m0, 4000, 400000, 7, 3, 1, 2), ('synth0', $((m0 + 120)), 2000, 200000, 0, 1, 0, 0);
INSERT INTO minute_classes VALUES ('synth0', $m0, 'l3', 'ipv4', 4000, 400000), ('synth0', $((m0 + 120)), 'l3', 'ipv4', 2000, 200000),
 ('synth0', $m0, 'l4', 'udp', 3000, 300000), ('synth0', $m0, 'l4', 'tcp', 1000, 100000), ('synth0', $((m0 + 120)), 'l4', 'udp', 2000, 200000),
 ('synth0', $m0, 'malformed', 'ipv4_bad_ihl', 7, 0),
 ('synth0', $m0, 'drop', 'NETFILTER_DROP', 123, 0), ('synth0', $((m0 + 120)), 'drop', 'NETFILTER_DROP', 7, 0);
INSERT INTO flows (interface, family, proto, src, sport, dst, dport, vlan, packets_fwd, bytes_fwd, packets_rev, bytes_rev, first_seen, last_seen, tcp_flags, state, ended)
 VALUES ('synth0', 4, 17, '198.19.9.9', 5000, '198.18.0.2', 53, 0, 5000, 500000, 10, 900, $((m0 * 1000 + 500)), $(((m0 + 130) * 1000)), 0, 'bidirectional', 'idle');" >/dev/null

check_true "report -o FILE (exit 0)" "$PKTLENS" report --db "$DB" -o "$OUT"
check_true "the page is there" test -s "$OUT"

# page PYEXPR: PYEXPR over the parsed page: tags (list of (tag, attrs dict)), text by
# id (text(id)), attr(id, name), rows(table_id) (the cells of each row), and `raw`.
page() {
	"$PY" - "${2:-$OUT}" "$1" <<'PYEOF'
import sys
from html.parser import HTMLParser
raw = open(sys.argv[1], encoding="utf-8").read()
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []; self.byid = {}; self.stack = []
        self.tables = {}; self.cur_table = None; self.row = None; self.cell = None
    def handle_starttag(self, tag, a):
        a = dict(a); self.tags.append((tag, a))
        if "id" in a: self.byid[a["id"]] = (tag, a, [])
        if tag not in ("meta", "rect", "circle", "polyline", "br", "path", "line"):
            self.stack.append(a.get("id"))
        if tag == "table": self.cur_table = a.get("id"); self.tables[self.cur_table] = []
        if tag == "tr" and self.cur_table: self.row = []
        if tag in ("td", "th") and self.row is not None: self.cell = []
    def handle_endtag(self, tag):
        if tag in ("meta", "rect", "circle", "polyline", "br", "path", "line"): return
        if self.stack: self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip()); self.cell = None
        if tag == "tr" and self.row is not None:
            self.tables[self.cur_table].append(self.row); self.row = None
        if tag == "table": self.cur_table = None
    def handle_data(self, d):
        if self.cell is not None: self.cell.append(d)
        for i in self.stack:
            if i in self.byid: self.byid[i][2].append(d)
p = P(); p.feed(raw)
tags = p.tags
def text(i): return "".join(p.byid[i][2]).strip() if i in p.byid else None
def attr(i, n): return p.byid[i][1].get(n) if i in p.byid else None
def rows(t): return p.tables.get(t)
def num(s): return int(s.replace(",", ""))
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("<error: %s: %s>" % (type(e).__name__, e))
PYEOF
}
# sql SQL: the sqlite3 CLI's answer.
sql() { q "$1"; }

check_eq "self-contained: no script, no external URL" \
	"$(page 'sum(1 for t, a in tags if t in ("script", "link", "img", "iframe", "object")) + sum(1 for t, a in tags for k, v in a.items() if k in ("src", "href") and v) + raw.count("url(") + raw.count("@import")')" 0
check_eq "every section and chart" \
	"$(page '[i for i in ("summary", "chart-bps", "chart-pps", "chart-flows", "chart-losses", "bars-malformed", "bars-l3", "bars-l4", "bars-talkers", "talkers", "flows", "interfaces", "l4") if attr(i, "id") is None]')" "[]"
check_eq "summary packets: the database's sum" "$(page 'attr("sum-packets", "id") and num(rows("summary")[0][1])')" \
	"$(sql 'SELECT sum(packets) FROM minutes')"
check_eq "summary packets: what trafgen sent + the rows added" "$(page 'num(rows("summary")[0][1])')" $((sent + 6000))
check_eq "summary bytes: 64-byte frames + the rows added" "$(page 'num(rows("summary")[1][1])')" $((64 * sent + 600000))
check_eq "summary flows written: the three sent + the one added" "$(page 'num(rows("summary")[2][1])')" 4
check_eq "summary malformed: the 7 added" "$(page 'num(rows("summary")[4][1])')" 7
check_eq "interfaces table" "$(page '[(r[0], num(r[1]), num(r[2]), num(r[3])) for r in rows("interfaces")[1:]]')" \
	"[('synth0', 6000, 600000, 2), ('$IF_RX', $sent, $((64 * sent)), $(sql "SELECT count(*) FROM minutes WHERE interface = '$IF_RX'"))]"
check_eq "transport protocols: udp = trafgen's UDP (v4 + v6) + 5000, tcp = SYNs + 1000" \
	"$(page '[(r[0], num(r[1])) for r in rows("l4")[1:]]')" "[('udp', $((N_UDP + N_V6 + 5000))), ('tcp', $((N_SYN + 1000)))]"
check_eq "IP versions" "$(page '[(r[0], num(r[1])) for r in rows("l3")[1:]]')" \
	"[('ipv4', $((N_UDP + N_SYN + 6000))), ('ipv6', $N_V6)]"
check_eq "protocol bars: one rect each, their packets" \
	"$(page '[(a["data-name"], a["data-packets"]) for t, a in tags if t == "rect" and "data-name" in a and a["data-name"] in ("udp", "tcp")][:2]')" \
	"[('udp', '$((N_UDP + N_V6 + 5000))'), ('tcp', '$((N_SYN + 1000))')]"
check_eq "top talkers: the big flow's source, then the sender" \
	"$(page '[(r[0], num(r[1]), num(r[2]), num(r[3])) for r in rows("talkers")[1:3]]')" \
	"[('198.19.9.9', 5000, 500000, 1), ('$IP4_TX', $((N_UDP + N_SYN)), $((64 * (N_UDP + N_SYN))), 2)]"
check_eq "top flows: the big one first, then trafgen's UDP flow" \
	"$(page '[(r[1], r[2], r[3], num(r[4]), num(r[5])) for r in rows("flows")[1:3]]')" \
	"[('udp', '198.19.9.9:5000', '198.18.0.2:53', 5010, 500900), ('udp', '$IP4_TX:40000', '$IP4_RX:9', $N_UDP, $((64 * N_UDP)))]"
# serve ran with L7 (its default): each of its three flows has an application; the row
# added without one is in no application.
check_eq "applications: serve's three flows, packets and bytes as sent" \
	"$(page '(sum(num(r[3]) for r in rows("apps")[1:]), sum(num(r[1]) for r in rows("apps")[1:]), sum(num(r[2]) for r in rows("apps")[1:]))')" \
	"(3, $sent, $((64 * sent)))"
check_true "the IPv6 flow, bracketed" grep -q "<td>\[$IP6_TX\]:40006</td><td>\[$IP6_RX\]:7006</td><td class=\"n\" data-value=\"$N_V6\">" "$OUT"
# Charts: one point a minute from the added minute to the last; the flows and losses
# lines add up to the database's columns.
span=$(sql "SELECT (max(minute) - min(minute)) / 60 + 1 FROM minutes")
check_eq "throughput chart: a point a minute over the range" "$(page 'attr("chart-bps", "data-points")')" "$span"
check_eq "throughput chart: as many points drawn" "$(page 'len(attr("line-bps", "points").split())')" "$span"
check_eq "flows chart: sums the new flows" "$(page 'round(float(attr("line-flows", "data-sum")))')" "$(sql 'SELECT sum(flows_new) FROM minutes')"
check_eq "losses chart: malformed, evicted, unseen" \
	"$(page 'tuple(str(round(float(attr(i, "data-sum")))) for i in ("line-malformed", "line-evictions", "line-unseen"))')" \
	"$(sql "SELECT '(''' || sum(malformed) || ''', ''' || sum(evictions) || ''', ''' || sum(flows_unseen) || ''')' FROM minutes")"
check_eq "packets chart: packets/s x 60 adds up to the packets" \
	"$(page 'round(float(attr("line-pps", "data-sum")) * 60)')" $((sent + 6000))
check_eq "the kernel's NO_SOCKET drops on $IF_RX in the database == UdpNoPorts + Udp6NoPorts + TcpOutRsts" \
	"$(sql "SELECT sum(packets) FROM minute_classes WHERE layer = 'drop' AND class = 'NO_SOCKET' AND interface = '$IF_RX'")" "$nosock"
check_eq "... and as many as the UDP and SYN frames sent" "$nosock" "$sent"
check_eq "summary: the kernel's drops" "$(page 'num(rows("summary")[7][1])')" \
	"$(sql "SELECT sum(packets) FROM minute_classes WHERE layer = 'drop'")"
check_eq "kernel drops table: the added rows and serve's" \
	"$(page '[(r[0], num(r[1])) for r in rows("kdrops")[1:] if r[0] in ("synth0 NETFILTER_DROP", "'"$IF_RX"' NO_SOCKET")]')" \
	"[('$IF_RX NO_SOCKET', $nosock), ('synth0 NETFILTER_DROP', 130)]"
check_eq "kernel drops bars: NETFILTER_DROP" \
	"$(page '[a["data-packets"] for t, a in tags if t == "rect" and a.get("data-name") == "NETFILTER_DROP"]')" "['130']"
# Drops carry no bytes: their bars and table give packets alone (no "0 B").
check_eq "kernel drops bars: packets only" \
	"$(page '(" B" in text("bars-kdrops"), bool(__import__("re").search(r"NETFILTER_DROP130 pkts \([0-9.]+%\)", text("bars-kdrops"))))')" \
	"(False, True)"
check_eq "kernel drops table: no bytes column" "$(page 'rows("kdrops")[0]')" "['interface and reason', 'packets']"
check_eq "losses chart: the kernel's drops line" "$(page 'round(float(attr("line-kdrops", "data-sum")))')" \
	"$(sql "SELECT sum(packets) FROM minute_classes WHERE layer = 'drop'")"
check_eq "malformed by reason" "$(page '[(a["data-name"], a["data-packets"]) for t, a in tags if t == "rect" and a.get("data-name") == "ipv4_bad_ihl"]')" \
	"[('ipv4_bad_ihl', '7')]"

# Text from the database is escaped: a hostile interface name and address.
q "INSERT INTO flows (interface, family, proto, src, sport, dst, dport, vlan, packets_fwd, bytes_fwd, packets_rev, bytes_rev, first_seen, last_seen, tcp_flags, state, ended)
 VALUES ('<b>x', 4, 6, '<script>alert(1)</script>', 1, '\"onload=\"x', 2, 0, 1, 1, 0, 0, $((m0 * 1000)), $((m0 * 1000)), 0, 'x', 'idle');" >/dev/null
"$PKTLENS" report --db "$DB" --top 100 -o "$LAB_TMP/esc.html"
check_eq "hostile text from the database stays text" \
	"$(page '(sum(1 for t, a in tags if t in ("script", "b")), sum(1 for t, a in tags if "onload" in a), "<script>alert(1)</script>:1" in [c for r in rows("flows") for c in r])' "$LAB_TMP/esc.html")" \
	"(0, 0, True)"

# --since after the added rows; -i one interface.
"$PKTLENS" report --db "$DB" --since "@$((m0 + 600))" -o "$LAB_TMP/since.html"
check_eq "--since: only serve's minutes" "$(page 'num(rows("summary")[0][1])' "$LAB_TMP/since.html")" "$sent"
"$PKTLENS" report --db "$DB" -i synth0 --top 1 -o "$LAB_TMP/if.html"
check_eq "-i synth0 --top 1: its packets, one talker" \
	"$(page '(num(rows("summary")[0][1]), len(rows("talkers")) - 1, len(rows("flows")) - 1)' "$LAB_TMP/if.html")" "(6000, 1, 1)"
"$PKTLENS" report --db "$DB" --since "@$((now + 7200))" --until "@$((now + 7300))" -o "$LAB_TMP/empty.html"
check_eq "an empty range says so" "$(page 'text("empty")' "$LAB_TMP/empty.html")" "The history has no minute in this range."
check_eq "-o - writes to standard output" "$("$PKTLENS" report --db "$DB" -o - | head -n 1)" "<!DOCTYPE html>"

# Bad input.
"$PKTLENS" report --db "$DB" 2>"$LAB_TMP/e1"; check_rc "no -o: usage (2)" $? 2
check_grep "and says so" "$LAB_TMP/e1" "report needs the page's file: -o report.html"
echo "not sqlite" >"$LAB_TMP/text.db"
"$PKTLENS" report --db "$LAB_TMP/text.db" -o "$LAB_TMP/x.html" 2>"$LAB_TMP/e2"; check_rc "a text file as --db: failure (1)" $? 1
check_grep "naming it" "$LAB_TMP/e2" "$LAB_TMP/text.db"
check_true "no page left behind" test ! -e "$LAB_TMP/x.html"
"$PKTLENS" report --db "$DB" --since now --until -1h -o "$LAB_TMP/x.html" 2>/dev/null; check_rc "--since after --until: usage (2)" $? 2
"$PKTLENS" report --db "$DB" -o "$LAB_TMP/no/such/dir/r.html" 2>"$LAB_TMP/e3"; check_rc "unwritable -o: failure (1)" $? 1
check_grep "naming it" "$LAB_TMP/e3" "cannot write $LAB_TMP/no/such/dir/r.html"

# Headless Chromium, offline, in the namespace: the DOM it builds and a PNG.
if command -v chromium >/dev/null 2>&1; then
	chrome() {
		in_rx timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
			--user-data-dir="$LAB_TMP/chrome" --enable-logging=stderr --v=0 "$@" "file://$OUT"
	}
	chrome --dump-dom >"$LAB_TMP/dom.html" 2>"$LAB_TMP/chrome.log"
	check_eq "chromium: the DOM has the summary's packets" \
		"$(page 'attr("sum-packets", "id") and num(rows("summary")[0][1])' "$LAB_TMP/dom.html")" $((sent + 6000))
	check_eq "chromium: every chart is an SVG element with its lines" \
		"$(page 'sum(1 for t, a in tags if t == "svg") , sum(1 for t, a in tags if t == "polyline")' "$LAB_TMP/dom.html")" "(10, 7)"
	if grep -E 'CONSOLE|Uncaught|:ERROR:.*(Content Security Policy|net::)' "$LAB_TMP/chrome.log" >"$LAB_TMP/jserr.txt"; then
		fail "chromium: no console message or load error" "$(head -c 600 "$LAB_TMP/jserr.txt")"
	else
		ok "chromium: no console message or load error"
	fi
	mkdir -p "$ART"
	rm -f "$ART/report.png"
	chrome --window-size=1100,2600 --screenshot="$ART/report.png" >"$LAB_TMP/shot.log" 2>&1
	if [ -s "$ART/report.png" ] && [ "$(head -c 8 "$ART/report.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]; then
		ok "screenshot: $ART/report.png ($(stat -c %s "$ART/report.png") bytes)"
	else
		fail "screenshot" "$(tail -n 3 "$LAB_TMP/shot.log")"
	fi
else
	skip "chromium" "not installed (scripts/install-deps.sh installs it)"
fi
cp "$OUT" "$ART/report.html" 2>/dev/null
nothing_attached "at the end"
finish
