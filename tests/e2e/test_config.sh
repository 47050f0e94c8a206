#!/usr/bin/env bash
# test_config.sh - --config FILE (pktlens.conf(5)) in the commands that take it:
#  - analyze: [analyze] top and json change the report of a capture the test writes
#    (5 UDP flows of 5..1 packets), the command line overrides them, the example
#    file of the source tree is accepted;
#  - capture -r: [capture] count and pcapng, held against tcpdump/capinfos reading the
#    file written;
#  - monitor, live on the lab: interface, interval, duration and json from the file
#    alone (reports every 0.5 s for 2 s), --interval on the command line wins;
#  - serve: interface and listen from [serve];
#  - bad files: each refused with exit status 2 and a message naming file and line;
#    an unreadable one with 1.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools tcpdump trafgen

# Five UDP flows: flow k (port 4000+k) has k packets.
"$PY" - "$LAB_TMP/five.pcap" <<PYEOF
import sys
sys.path.insert(0, "$E2E_ROOT/tests/lib")
from pcapgen import eth, ipv4, udp, write_pcap, ETH_IP4
recs, t = [], 1700000000 * 10**9
for k in range(1, 6):
    for i in range(k):
        t += 1000
        recs.append((t, eth(ETH_IP4, ipv4("198.18.0.1", "198.18.0.2", 17, udp(4000 + k, 53, b"x" * 10))), None))
write_pcap(sys.argv[1], recs)
PYEOF
C=$LAB_TMP/pktlens.conf

echo "--- analyze"
printf '# pktlens\n[analyze]\ntop = 2\njson = yes\n' >"$C"
"$PKTLENS" analyze --config "$C" -r "$LAB_TMP/five.pcap" >"$LAB_TMP/a.json" 2>"$LAB_TMP/a.err"
check_rc "analyze --config: exit status" "$?" 0
check_eq "analyze --config: json = yes, top = 2: the two largest flows (ports 4005, 4004)" \
	"$(json_get "$LAB_TMP/a.json" '[f["sport"] for f in j["top_flows_by_packets"]]')" "[4005, 4004]"
"$PKTLENS" analyze --config "$C" -r "$LAB_TMP/five.pcap" --top 4 >"$LAB_TMP/b.json" 2>&1
check_eq "analyze --config --top 4: the command line wins" \
	"$(json_get "$LAB_TMP/b.json" 'len(j["top_flows_by_packets"])')" 4
printf '[analyze]\njson = no\n' >"$C"
"$PKTLENS" analyze --config="$C" -r "$LAB_TMP/five.pcap" >"$LAB_TMP/c.txt" 2>&1
check_grep "analyze --config=FILE, json = no: the text report" "$LAB_TMP/c.txt" "^top flows by bytes$"
"$PKTLENS" analyze --config "$E2E_ROOT/docs/pktlens.conf.example" -r "$LAB_TMP/five.pcap" \
	>/dev/null 2>"$LAB_TMP/ex.err"
check_rc "analyze with docs/pktlens.conf.example" "$?" 0
for cmd in monitor capture; do # their sections' keys (--help ends before any attach)
	"$PKTLENS" $cmd --config "$E2E_ROOT/docs/pktlens.conf.example" --help >/dev/null 2>"$LAB_TMP/ex.err"
	check_rc "$cmd: docs/pktlens.conf.example's [$cmd] keys are its options" "$?" 0
done

echo "--- capture -r"
printf '[capture]\ncount = 7\npcapng = yes\n' >"$C"
"$PKTLENS" capture --config "$C" -r "$LAB_TMP/five.pcap" -w "$LAB_TMP/out.pcapng" 2>"$LAB_TMP/cap.err"
check_rc "capture --config: exit status" "$?" 0
check_eq "capture --config: count = 7 (tcpdump -r reads 7)" \
	"$(tcpdump -n -r "$LAB_TMP/out.pcapng" 2>/dev/null | wc -l)" 7
check_eq "capture --config: pcapng = yes (the file's magic)" \
	"$(od -An -tx1 -N4 "$LAB_TMP/out.pcapng" | tr -d ' ')" 0a0d0d0a

echo "--- bad files"
# bad NAME EXIT PATTERN CONTENT: analyze with CONTENT as the file.
bad() {
	printf "$4" >"$C"
	"$PKTLENS" analyze --config "$C" -r "$LAB_TMP/five.pcap" >/dev/null 2>"$LAB_TMP/bad.err"
	check_rc "$1: exit status" "$?" "$2"
	check_grep "$1: the message" "$LAB_TMP/bad.err" "$3"
}
bad "unknown key" 2 "pktlens: $C:3: \[analyze\] has no key 'topp'" '[analyze]\n\ntopp = 3\n'
bad "bad value" 2 "pktlens: $C:2: invalid value '0' for --top" '[analyze]\ntop = 0\n'
bad "bad switch" 2 "pktlens: $C:2: \[analyze\] json = 'maybe': expected yes or no" '[analyze]\njson = maybe\n'
bad "unknown section" 2 "pktlens: $C:2: unknown section \[analyse\]" '[analyse]\ntop = 1\n'
bad "outside a section" 2 "pktlens: $C:1: 'top' outside a section" 'top = 1\n'
bad "not key = value" 2 "pktlens: $C:2: not 'key = value'" '[analyze]\njust words\n'
bad "a line too long" 2 "pktlens: $C:2: line longer than" "[analyze]\n#$(printf 'x%.0s' $(seq 300))\n"
"$PKTLENS" analyze --config "$LAB_TMP/none.conf" -r "$LAB_TMP/five.pcap" >/dev/null 2>"$LAB_TMP/bad.err"
check_rc "unreadable file: exit status" "$?" 1
check_grep "unreadable file: the message" "$LAB_TMP/bad.err" "cannot read the configuration '$LAB_TMP/none.conf'"
"$PKTLENS" analyze -r "$LAB_TMP/five.pcap" --config >/dev/null 2>"$LAB_TMP/bad.err"
check_rc "--config without a file: exit status" "$?" 2

echo "--- monitor, live"
lab_up || { fail "lab" "could not build the namespaces"; finish; }
printf '[monitor]\ninterface = %s\ninterval = 0.5\nduration = 2\njson = yes\n' "$IF_RX" >"$C"
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor --config "$C" >"$LAB_TMP/m.json" 2>"$LAB_TMP/m.err"
check_rc "monitor --config (interface, interval, duration, json from the file)" "$?" 0
check_grep "monitor --config: attached to the file's interface" "$LAB_TMP/m.err" "monitoring $IF_RX in"
n=$(grep -c '^{' "$LAB_TMP/m.json")
check_true "monitor --config: a report every 0.5 s for 2 s ($n lines)" test "$n" -ge 3 -a "$n" -le 5
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor --config "$C" --interval 1 >"$LAB_TMP/m2.json" 2>&1
n=$(grep -c '^{' "$LAB_TMP/m2.json")
check_true "monitor --config --interval 1: the command line wins ($n lines)" test "$n" -ge 1 -a "$n" -le 2
nothing_attached "monitor --config"

echo "--- protect, live"
printf 'block 198.18.0.77\n' >"$LAB_TMP/prot.rules"
printf '[protect]\ninterface = %s\nrules = %s\ndry-run = yes\ninterval = 0.5\nduration = 1.5\njson = yes\n' \
	"$IF_RX" "$LAB_TMP/prot.rules" >"$C"
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect --config "$C" >"$LAB_TMP/p.json" 2>"$LAB_TMP/p.err"
check_rc "protect --config (interface, rules, dry-run, interval, duration, json from the file)" "$?" 0
check_grep "protect --config: a dry run, as the file says" "$LAB_TMP/p.err" "protect: dry run, nothing is dropped"
check_eq "protect --config: the file's rules file is in force" \
	"$(json_get "$LAB_TMP/p.json" "[r['kind'] for r in j['mitigation']['rules'] if r.get('cidr', r.get('prefix', '')).startswith('198.18.0.77')]")" "['block']"
n=$(grep -c '^{' "$LAB_TMP/p.json")
check_true "protect --config: a report every 0.5 s ($n lines)" test "$n" -ge 2 -a "$n" -le 4
printf '[protect]\nbogus = 1\n' >"$C"
"$PKTLENS" protect --config "$C" -i "$IF_RX" >/dev/null 2>"$LAB_TMP/p.err"
check_rc "protect --config with an unknown key: bad usage" "$?" 2
check_grep "protect --config: the message names file, line and key" "$LAB_TMP/p.err" "$C:2: \\[protect\\] has no key 'bogus'"
nothing_attached "protect --config"

echo "--- serve"
. "$E2E_ROOT/tests/lib/serve.sh"
printf '[serve]\ninterface = %s\nlisten = 127.0.0.1:9741\n' "$IF_RX" >"$C"
if srv_start --config "$C"; then
	SRV_ADDR=127.0.0.1:9741
	check_eq "serve --config: listens where the file says (GET /api/v1/stats)" \
		"$(http GET /api/v1/stats)" 200
	check_eq "serve --config: serves the file's interface" \
		"$(json_get "$LAB_TMP/body" '[i["name"] for i in j["interfaces"]]')" "['$IF_RX']"
	srv_stop TERM
	check_rc "serve --config: SIGTERM ends it" "$SRV_RC" 0
else
	fail "serve --config: starts" "$(cat "$SRV_ERR")"
fi
nothing_attached "serve --config"

finish
