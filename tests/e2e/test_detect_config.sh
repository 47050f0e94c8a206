#!/usr/bin/env bash
# test_detect_config.sh - detection's [detect] section and IOC lists, offline over
# captures of the corpus (analyze), checked against what tshark reads in them:
#  - a domain list with the parent of the capture's TLS SNI: one alert 9100051 naming
#    the SNI; an address list with the server's address: 9100050 from that address;
#  - a SYN-scan capture alerted at the defaults; a slow scan of N ports (tshark's count)
#    alerted with scan-ports = N over a 60 s window, and not with N + 1;
#  - a bad prefix on line 3, binary junk, a 300 MiB file, a bad [detect] value, values
#    out of range (window, scan-ports, max-sources, baseline-alpha, tick), an unknown
#    key (pointed to pktlens.conf(5)): refused with the file and line, exit status 2,
#    no report.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
[ "$(id -u)" -eq 0 ] || { skip "all" "needs root"; finish; }
command -v tshark >/dev/null || { skip "all" "needs tshark"; finish; }
: "${CORPUS:=$E2E_ROOT/../shared/corpus}"
TLS=$CORPUS/ndpi/pcap/443-curl.pcap
SCAN=$CORPUS/ndpi/pcap/synscan.pcap
[ -r "$TLS" ] && [ -r "$SCAN" ] || { skip "all" "no corpus at $CORPUS"; finish; }
T=$LAB_TMP

read -r srv sni < <(tshark -r "$TLS" -Y tls.handshake.extensions_server_name -T fields \
	-e ip.dst -e tls.handshake.extensions_server_name 2>/dev/null | head -n 1)
parent=${sni#*.}
printf '# test list\nexample.invalid\n%s\n' "$parent" >"$T/domains"
printf '192.0.2.0/24\n%s\n' "$srv" >"$T/addrs"
printf '[detect]\ndomain-list = %s\naddress-list = %s\n' "$T/domains" "$T/addrs" >"$T/ioc.conf"
"$PKTLENS" analyze -r "$TLS" --json --config "$T/ioc.conf" >"$T/ioc.json" 2>"$T/ioc.err"
check_rc "analyze with IOC lists" $? 0
got=$(json_get "$T/ioc.json" '[(a["signature_id"], a["pktlens"]["evidence"]["name"], a["pktlens"]["evidence"]["listed"]) for a in j["alerts"] if a["signature_id"] == 9100051]')
check_eq "SNI $sni matched by parent $parent" "$got" "[(9100051, '$sni', '$parent')]"
got=$(json_get "$T/ioc.json" '[a["src_ip"] for a in j["alerts"] if a["signature_id"] == 9100050]')
check_eq "server $srv on the address list" "$got" "['$srv']"

"$PKTLENS" analyze -r "$SCAN" --json >"$T/scan.json" 2>/dev/null
check_eq "synscan.pcap: a SYN scan by default" \
	"$(json_get "$T/scan.json" 'len([a for a in j["alerts"] if a["signature_id"] == 9100020])')" 1
# tcp_scan.pcapng: a few ports over half a minute; its SYNs' distinct ports per tshark
SCAN2=$CORPUS/ndpi/pcap/tcp_scan.pcapng
n=$(tshark -r "$SCAN2" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" -T fields -e tcp.dstport 2>/dev/null |
	sort -u | wc -l)
scans() { json_get "$1" 'len([a for a in j["alerts"] if 9100020 <= a["signature_id"] <= 9100021])'; }
"$PKTLENS" analyze -r "$SCAN2" --json >"$T/s0.json" 2>/dev/null
check_eq "tcp_scan.pcapng ($n ports): no scan at the defaults" "$(scans "$T/s0.json")" 0
printf '[detect]\nscan-window = 60\nscan-ports = %d\n' "$n" >"$T/lo.conf"
"$PKTLENS" analyze -r "$SCAN2" --json --config "$T/lo.conf" >"$T/s1.json" 2>/dev/null
check_eq "scan-ports = $n in a 60 s window: a scan" "$(scans "$T/s1.json")" 1
printf '[detect]\nscan-window = 60\nscan-ports = %d\n' $((n + 1)) >"$T/hi.conf"
"$PKTLENS" analyze -r "$SCAN2" --json --config "$T/hi.conf" >"$T/s2.json" 2>/dev/null
check_eq "scan-ports = $((n + 1)): none" "$(scans "$T/s2.json")" 0

# bad input: file and line, exit 2, nothing printed on standard output
bad() { # NAME CONF WANT-ERE
	"$PKTLENS" analyze -r "$TLS" --json --config "$2" >"$T/bad.out" 2>"$T/bad.err"
	check_rc "$1: refused" $? 2
	check_grep "$1: says where" "$T/bad.err" "$3"
	check_eq "$1: no report" "$(wc -c <"$T/bad.out")" 0
}
printf '198.18.0.0/15\n# ok\n198.19.0.0/33\n' >"$T/badcidr"
printf '[detect]\naddress-list = %s\n' "$T/badcidr" >"$T/b1.conf"
bad "bad prefix" "$T/b1.conf" "badcidr:3: '198.19.0.0/33' is not an IPv4 or IPv6"
head -c 4096 /dev/urandom | tr -d '\n' | head -c 2000 >"$T/junk"
printf 'ok.example\n' | cat - "$T/junk" >"$T/junk2"
printf '[detect]\ndomain-list = %s\n' "$T/junk2" >"$T/b2.conf"
bad "binary junk" "$T/b2.conf" "junk2:2: "
truncate -s 300M "$T/huge"
printf '[detect]\ndomain-list = %s\n' "$T/huge" >"$T/b3.conf"
bad "300 MiB list" "$T/b3.conf" "huge: larger than 256 MiB"
rm -f "$T/huge"
printf '[detect]\nwindow = 1\nsyn-flood-pps = fast\n' >"$T/b4.conf"
bad "bad [detect] value" "$T/b4.conf" "b4.conf:3: \[detect\] syn-flood-pps = 'fast'"
# out of range: the key's own line too
printf '[detect]\n# range\nwindow = 0\n' >"$T/r1.conf"
bad "window = 0" "$T/r1.conf" "r1.conf:3: \[detect\] window = '0': at least 0.01 s"
printf '[detect]\nquiet = 5\nscan-ports = 129\n' >"$T/r2.conf"
bad "scan-ports = 129" "$T/r2.conf" "r2.conf:3: \[detect\] scan-ports = '129': at most 128"
printf '[detect]\nmax-sources = 0\n' >"$T/r3.conf"
bad "max-sources = 0" "$T/r3.conf" "r3.conf:2: \[detect\] max-sources = '0': at least 1"
printf '[detect]\n\nbaseline-alpha = 0\n' >"$T/r4.conf"
bad "baseline-alpha = 0" "$T/r4.conf" "r4.conf:3: \[detect\] baseline-alpha = '0': in \(0, 1\]"
printf '[detect]\ntick = 0.01\n' >"$T/r5.conf"
bad "tick = 0.01" "$T/r5.conf" "r5.conf:2: \[detect\] tick = '0.01': at least 0.05 s"
# an unknown key: where its keys are documented (there is no `pktlens detect`)
printf '[detect]\nsyn-flood = 5\n' >"$T/u.conf"
bad "unknown [detect] key" "$T/u.conf" "u.conf:2: \[detect\] has no key 'syn-flood': pktlens.conf\(5\) lists its keys"
check_true "the unknown-key message names no command" eval '! grep -q "pktlens detect" "$T/bad.err"'
finish
