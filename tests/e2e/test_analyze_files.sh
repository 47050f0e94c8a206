#!/usr/bin/env bash
# test_analyze_files.sh - `pktlens analyze` on crafted captures (no lab needed):
#   - time stamps that go backwards: interval_s is max - min, a flow's first seen is
#     its earliest packet and its duration last - first;
#   - frames under 14 bytes count in packets, bytes and the size histogram: the
#     totals equal capinfos's frame count and data size;
#   - a full flow table: a warning on stderr with the evicted count;
#   - stdout that cannot be written (/dev/full): a message and exit 1; a reader that
#     went away (| true): exit 0, no message;
#   - a filter on a Linux cooked (SLL) capture and on Ethernet frames under 14 bytes
#     decides as `tcpdump -r FILE EXPR` does (libpcap, on the frame as in the file),
#     and so it does on non-Ethernet captures of the shared corpus when present;
#   - headers cut by a snap length count as headers_cut, not malformed;
#   - a pcapng whose interfaces have different link types: exit 1, a message that
#     says how to split it.
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools tcpdump capinfos
trap 'rm -rf "$LAB_TMP"' EXIT
T=$LAB_TMP

"$PY" - "$T" <<'EOF' || { fail "setup" "cannot write the test captures"; finish; }
import struct, sys
def pcap(path, dlt, frames):
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, dlt))
    for ts, data, wire in frames:
        sec = int(ts); usec = int(round((ts - sec) * 1e6))
        out.write(struct.pack("<IIII", sec, usec, len(data), wire if wire else len(data)))
        out.write(data)
def ip4(src, dst, proto, l4):  # over 64 KiB: total length 0, as BIG TCP sends it
    tot = 20 + len(l4) if 20 + len(l4) <= 0xffff else 0
    return struct.pack(">BBHHHBBHII", 0x45, 0, tot, 1, 0, 64, proto, 0, src, dst) + l4
def tcp(sp, dp, flags, pay=b""):
    return struct.pack(">HHIIBBHHH", sp, dp, 1, 0, 0x50, flags, 1024, 0, 0) + pay
def udp(sp, dp, pay=b""):
    return struct.pack(">HHHH", sp, dp, (8 + len(pay)) if len(pay) < 0xfff0 else 0, 0) + pay
def ip6(nh, l4):
    a = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"; b = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x02"
    return struct.pack(">IHBB", 0x60000000, len(l4), nh, 64) + a + b + l4
A, B = 0xc6120001, 0xc6120002
def eth(t, p): return b"\x02" * 6 + b"\x04" * 6 + struct.pack(">H", t) + p
arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + b"\x04" * 6 + struct.pack(">I", A) + bytes(6) + struct.pack(">I", B)
d = sys.argv[1]
# Ethernet: time going backwards (10.5 s .. 300 s), two frames under 14 bytes.
pcap(d + "/ooo.pcap", 1, [
        (100.0, eth(0x800, ip4(A, B, 6, tcp(40000, 80, 0x02))), 0),
        (50.0, eth(0x800, ip4(A, B, 6, tcp(40000, 80, 0x10))), 0),
        (300.0, eth(0x800, ip4(B, A, 6, tcp(80, 40000, 0x12))), 0),
        (10.5, eth(0x800, ip4(B, A, 6, tcp(80, 40000, 0x10))), 0),
        (200.0, bytes(range(10)), 0),
        (20.0, b"\x02" * 6, 60),
    (30.0, eth(0x800, ip4(A, B, 17, udp(5000, 53, bytes(1600)))), 0),
])
# Cut by a snap length: three IPv4 TCP segments with 12 bytes of options at -s 60, one
# IPv6 TCP segment at -s 68 (tcpdump's old default): headers cut, nothing malformed.
tcpo = struct.pack(">HHIIBBHHH", 40000, 443, 1, 0, 0x80, 0x18, 1024, 0, 0) + \
    b"\x01\x01\x08\x0a" + bytes(8) + bytes(1000)
s4 = eth(0x800, ip4(A, B, 6, tcpo))
s6 = eth(0x86dd, ip6(6, tcp(40000, 443, 0x10, bytes(100))))
pcap(d + "/snap.pcap", 1, [(1.0 + i, s4[:60], len(s4)) for i in range(3)] +
     [(5.0, s6[:68], len(s6))])
# 50 UDP flows.
pcap(d + "/flows.pcap", 1, [(1000.0 + i, eth(0x800, ip4(A, B, 17, udp(10000 + i, 53, b"q"))), 0)
                            for i in range(50)])
# Linux cooked (SLL): a 16-byte link header, so link-relative offsets differ from Ethernet.
def sll(t, p, ptype=0):
    return struct.pack(">HHH", ptype, 1, 6) + b"\x04" * 6 + b"\0\0" + struct.pack(">H", t) + p
fr = [
    sll(0x800, ip4(A, B, 6, tcp(40000, 80, 0x02))),
    sll(0x800, ip4(A, B, 17, udp(5000, 53, bytes(30)))),
    sll(0x800, ip4(B, A, 17, udp(53, 5000, bytes(200)))),
    sll(0x86dd, ip6(17, udp(5000, 53, bytes(10)))),
    sll(0x806, arp, 4),
    sll(0x800, struct.pack(">BBHHHBBHII", 0x46, 0, 24, 1, 0, 64, 1, 0, A, B) + bytes(4)),
    b"\x00\x04\x00\x01\x00\x06",  # shorter than the cooked header
]
# Ethernet frames over 64 KiB run in the kernel cut to their first 64 KiB: one with a
# marker byte past that, one without.
big = eth(0x800, ip4(A, B, 17, udp(5000, 53, bytes(70000))))
pcap(d + "/big.pcap", 1, [(1.0, big[:66000] + b"\x5a" + big[66001:], 0), (2.0, big, 0),
                          (3.0, eth(0x800, ip4(A, B, 17, udp(5000, 53))), 0)])
pcap(d + "/sll.pcap", 113, [(1.0 + i, f, 0) for i, f in enumerate(fr)])
EOF

# ---- time going backwards, frames under 14 bytes -----------------------------------
"$PKTLENS" analyze -r "$T/ooo.pcap" --json >"$T/ooo.json" 2>"$T/ooo.err"
check_rc "analyze a capture whose time goes backwards" $? 0
check_eq "interval_s is the span of the capture (300 s - 10.5 s)" \
	"$(json_get "$T/ooo.json" 'j["interval_s"]')" 289.5
check_eq "the TCP flow starts at its earliest packet and lasts 289.5 s" \
	"$(json_get "$T/ooo.json" '(flow("tcp")["first_seen"], flow("tcp")["duration_s"])')" \
	"('1970-01-01T00:00:10.500000Z', 289.5)"
read -r cap_n cap_bytes < <(capinfos -T -r -M -c -d "$T/ooo.pcap" | cut -f2,3)
check_eq "total.packets and total.bytes equal capinfos (frames under 14 bytes included)" \
	"$(json_get "$T/ooo.json" '(j["total"]["packets"], j["total"]["bytes"])')" "($cap_n, $cap_bytes)"
check_eq "rx and the size histogram hold every frame" \
	"$(json_get "$T/ooo.json" '(j["rx"]["packets"], j["rx"]["bytes"], sum(j["size_hist"].values()))')" \
	"($cap_n, $cap_bytes, $cap_n)"
check_eq "the two short frames: size classes; 10 bytes on the wire is malformed trunc_eth, 6 of 60 is cut" \
	"$(json_get "$T/ooo.json" '(j["size_hist"]["0-64"], j["size_hist"]["1519-"], j["malformed"]["truncated_ethernet"], j["headers_cut"])')" \
	"(6, 1, 1, 1)"

# ---- a capture cut by its snap length ------------------------------------------------
"$PKTLENS" analyze -r "$T/snap.pcap" --json >"$T/snap.json" 2>"$T/snap.err"
check_rc "analyze a capture with a snap length of 60/68 bytes" $? 0
check_eq "headers cut by the snap length are counted as cut, not malformed" \
	"$(json_get "$T/snap.json" '(j["total"]["packets"], j["l4"]["tcp"]["packets"], j["malformed"]["total"], j["headers_cut"])')" \
	"(4, 4, 0, 4)"
check_eq "TCP options cut: the flow and its flags are still counted" \
	"$(json_get "$T/snap.json" '(flow("tcp", 40000, 443)["packets"], flow("tcp", 40000, 443)["bytes"], flow("tcp", 40000, 443)["tcp_flags"], j["tcp_flags"])')" \
	"(3, 3198, 'P.', {'P.': 3})"
"$PKTLENS" analyze -r "$T/snap.pcap" >"$T/snap.txt" 2>&1
check_grep "text report: the cut headers line" "$T/snap.txt" "^headers cut 4 "
check_eq "encap.none counts every untunnelled frame" \
	"$(json_get "$T/ooo.json" 'j["encap"]["none"]')" "$cap_n"

# ---- a full flow table -------------------------------------------------------------
"$PKTLENS" analyze -r "$T/flows.pcap" --json --flows 4 >"$T/flows.json" 2>"$T/flows.err"
check_rc "analyze --flows 4 over 50 flows" $? 0
check_eq "46 flows evicted" "$(json_get "$T/flows.json" 'j["flows"]["evicted"]')" 46
check_grep "stderr warns that the table is full, with the evicted count" "$T/flows.err" \
	"flow table is full \(4 entries\): 46 older flows were evicted; raise --flows"
"$PKTLENS" analyze -r "$T/flows.pcap" --json >/dev/null 2>"$T/flows2.err"
check_true "no warning when the table is large enough" test ! -s "$T/flows2.err"

# ---- stdout that cannot be written -------------------------------------------------
"$PKTLENS" analyze -r "$T/ooo.pcap" >/dev/full 2>"$T/full.err"
check_rc "analyze > /dev/full" $? 1
check_grep "the message names standard output and the reason" "$T/full.err" \
	"cannot write the report to standard output: no space left on device"
"$PKTLENS" analyze -r "$T/ooo.pcap" --json >/dev/full 2>"$T/full.err"
check_rc "analyze --json > /dev/full" $? 1
# A reader that went away (| true: gone before the report, which comes after the BPF
# load and the file) is no failure: exit 0, no message, not killed by SIGPIPE.
"$PKTLENS" analyze -r "$T/ooo.pcap" 2>"$T/pipe.err" | true
check_rc "analyze | true: exit status" "${PIPESTATUS[0]}" 0
check_eq "analyze | true: no message" "$(cat "$T/pipe.err")" ""

# ---- filters decide as libpcap does on the frame in the file ------------------------
# On SLL, link-relative offsets and lengths count the 16-byte cooked header; on
# Ethernet, frames under 14 bytes never reach the kernel filter.
filter_vs_tcpdump() { # FILE LABEL EXPR...
	local f=$1 label=$2 e want got rc bad=0 n=0
	shift 2
	for e in "$@"; do
		tcpdump -nr "$f" "$e" 2>/dev/null >"$T/td.out"
		rc=$?
		"$PKTLENS" analyze -r "$f" --json "$e" >"$T/an.json" 2>"$T/an.err"
		got=$?
		n=$((n + 1))
		# libpcap refuses it for this link type (e.g. "rejects all packets"): bad usage.
		if [ $rc -ne 0 ]; then
			want="exit 2" got="exit $got"
		else
			want=$(wc -l <"$T/td.out")
			got=$(json_get "$T/an.json" 'j["total"]["packets"]')
		fi
		if [ "$got" != "$want" ]; then
			fail "$label: analyze '$e'" "pktlens $got, tcpdump $want $(head -c 300 "$T/an.err")"
			bad=1
		fi
	done
	[ $bad -eq 0 ] && ok "$label: analyze counts as tcpdump -r for $n expressions"
}
filter_vs_tcpdump "$T/sll.pcap" "SLL" "len = 56" "len = 74" "len = 40" "len > 100" \
	"ether[14] = 0x45" "ether[16] = 0x45" "ether[14:2] = 0x0800" "ip" "udp" "ip6" "arp" \
	"tcp[tcpflags] & tcp-syn != 0" "ip[0] = 0x46" "udp and src port 53"
check_eq "SLL: the filtered report still counts bytes as the program does" \
	"$(json_get "$T/an.json" '(j["total"]["packets"], j["l4"]["udp"]["packets"])')" "(1, 1)"
filter_vs_tcpdump "$T/ooo.pcap" "Ethernet with short frames" "len = 60" "len = 10" \
	"ether[0] = 2" "ether[0] = 0" "ether[14] = 0x45" "udp" "len > 1000" "less 20"
filter_vs_tcpdump "$T/big.pcap" "Ethernet frames over 64 KiB" "ether[66000] = 0x5a" \
	"ether[66000] = 0" "len > 65536" "udp" "ether[100] = 0"
"$PKTLENS" analyze -r "$T/big.pcap" --json "ether[66000] = 0x5a" >"$T/big.json" 2>"$T/big.err"
check_eq "a matching frame over 64 KiB is counted with its full length" \
	"$(json_get "$T/big.json" '(j["total"]["packets"], j["total"]["bytes"], j["l4"]["udp"]["packets"])')" \
	"(1, $((14 + 20 + 8 + 70000)), 1)"
# Captures of the shared corpus in the link types that get a synthetic Ethernet header:
# Linux cooked, raw IP, BSD loopback (two small ones of each).
: "${CORPUS:=$E2E_ROOT/../shared/corpus}"
if [ -f "$CORPUS/MANIFEST.tsv" ]; then
	declare -A LT=()
	while read -r rel lt; do
		[ -f "$CORPUS/$rel" ] && LT[$CORPUS/$rel]=$lt
	done < <(awk -F'\t' 'NR > 1 && $6 + 0 > 0 && $6 + 0 <= 500 && $33 == "ok" &&
		$7 ~ /^(linux-sll|linux-sll2|rawip|rawip4|rawip6|null|loop)$/ && n[$7]++ < 2 {
		print $1, $7 }' "$CORPUS/MANIFEST.tsv")
	n_corpus=${#LT[@]}
	# Per expression one analyze over every capture libpcap takes it for (-r repeated,
	# a report each); one that libpcap refuses for a link type runs alone: bad usage.
	bad=0 n_cmp=0
	for e in "ip" "tcp" "udp" "ip6" "len > 100" "len < 80" "ip[0] = 0x45" "ip[8] < 64" \
		"ether[14] = 0x45" "ether[14:2] = 0x0800"; do
		args=() want=()
		for f in "${!LT[@]}"; do
			case $e in ether*) [[ ${LT[$f]} == linux-sll* ]] || continue ;; esac
			if tcpdump -nr "$f" "$e" 2>/dev/null >"$T/td.out"; then
				args+=(-r "$f")
				want+=("$f $(wc -l <"$T/td.out")")
			else
				"$PKTLENS" analyze -r "$f" --json "$e" >/dev/null 2>&1
				got=$?
				[ $got -eq 2 ] || { fail "corpus ${LT[$f]} $(basename "$f"): analyze '$e'" "exit $got, tcpdump refuses it"; bad=1; }
			fi
		done
		[ ${#args[@]} -gt 0 ] || continue
		"$PKTLENS" analyze "${args[@]}" --json "$e" >"$T/an.json" 2>"$T/an.err"
		"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l); print(j["source"], j["total"]["packets"])' "$T/an.json" >"$T/an.counts" 2>&1
		for w in "${want[@]}"; do
			n_cmp=$((n_cmp + 1))
			grep -qxF -- "$w" "$T/an.counts" ||
				{ fail "corpus ${LT[${w% *}]} $(basename "${w% *}"): analyze '$e'" "pktlens $(grep -F -- "${w% *} " "$T/an.counts" | cut -d' ' -f2), tcpdump ${w##* } $(head -c 300 "$T/an.err")"; bad=1; }
		done
	done
	[ $bad -eq 0 ] && ok "corpus: analyze counts as tcpdump -r on $n_corpus non-Ethernet captures ($n_cmp comparisons)"
	# A MANIFEST whose columns moved selects nothing: that must not pass silently.
	check_eq "corpus: non-Ethernet captures compared" "$([ "$n_corpus" -gt 0 ] && echo yes)" yes
else
	skip "corpus captures" "$CORPUS/MANIFEST.tsv not found"
fi

# ---- several captures in one run (-r A -r B, -V LIST): one program loaded, its maps
# cleared between files: every report (and EVE event) is what a run of its own gives.
several=("$T/flows.pcap" "$T/sll.pcap" "$T/ooo.pcap")
if [ -f "$CORPUS/MANIFEST.tsv" ]; then
	while read -r rel; do several+=("$CORPUS/$rel"); done < <(awk -F'\t' 'NR > 1 &&
		$6 + 0 > 20 && $6 + 0 <= 3000 && $33 == "ok" && ($17 + $18 > 0) && n++ < 4 { print $1 }' \
		"$CORPUS/MANIFEST.tsv")
fi
same_as_alone() { # LABEL EXPR...: -r for each capture of $several vs one run each
	local label=$1 f args=()
	shift
	: >"$T/alone.json"
	: >"$T/alone.eve"
	for f in "${several[@]}"; do
		args+=(-r "$f")
		"$PKTLENS" analyze -r "$f" --json --eve "$T/one.eve" "$@" >>"$T/alone.json" 2>/dev/null
		cat "$T/one.eve" >>"$T/alone.eve"
	done
	"$PKTLENS" analyze "${args[@]}" --json --eve "$T/all.eve" "$@" >"$T/all.json" 2>"$T/all.err"
	check_rc "$label: exit status" $? 0
	check_eq "$label: one report a capture, each as a run of its own (${#several[@]} captures)" \
		"$("$PY" -c 'import json,sys; a=[json.loads(l) for l in open(sys.argv[1])]; b=[json.loads(l) for l in open(sys.argv[2])]; print("same" if a == b and len(a) == int(sys.argv[3]) else "%d vs %d reports, first differing: %s" % (len(a), len(b), next((x.get("source") for x, y in zip(a, b) if x != y), "-")))' "$T/all.json" "$T/alone.json" "${#several[@]}")" same
	# (flows that tie in the order they are written in may come in another order)
	check_eq "$label: the same EVE events ($(wc -l <"$T/alone.eve") lines)" \
		"$(cmp -s <(sort "$T/all.eve") <(sort "$T/alone.eve") && echo same)" same
}
same_as_alone "several captures"
# With an expression the kernel filter fits Ethernet captures only: SLL between them
# is filtered in user space, then the Ethernet one after it is loaded again.
same_as_alone "several captures, expression 'udp or arp'" udp or arp
printf '%s\n\n%s\r\n' "$T/flows.pcap" "$T/sll.pcap" >"$T/list"
"$PKTLENS" analyze -V "$T/list" --json >"$T/list.json" 2>"$T/list.err"
check_rc "-V LIST: exit status" $? 0
check_eq "-V LIST: a report for each name (blank lines and CRs skipped)" \
	"$(json_get "$T/list.json" 'j["source"]'; wc -l <"$T/list.json")" "$T/sll.pcap
2"
printf '%s\n%s\n%s\n' "$T/flows.pcap" "$T/no-such.pcap" "$T/sll.pcap" |
	"$PKTLENS" analyze -V - --json >"$T/list.json" 2>"$T/list.err"
check_rc "-V - with a missing capture: a failure" $? 1
check_grep "-V -: the message names the missing capture" "$T/list.err" "no-such.pcap"
check_eq "-V -: the other captures still get their reports" "$(wc -l <"$T/list.json")" 2
head -c 300 "$T/flows.pcap" >"$T/junk"
"$PKTLENS" analyze -V "$T/junk" --json >/dev/null 2>"$T/junk.err"
check_rc "-V of a capture instead of a list: bad usage" $? 2
check_grep "-V of a capture: the message names the list" "$T/junk.err" "junk"

"$PKTLENS" analyze -r "$T/sll.pcap" --json "ether host 02:02:02:02:02:02" >"$T/bad.json" 2>"$T/bad.err"
rc=$?
tcpdump -nr "$T/sll.pcap" "ether host 02:02:02:02:02:02" >/dev/null 2>&1
check_rc "SLL: an expression libpcap refuses for the link type is bad usage (tcpdump: $?)" $rc 2
check_grep "the message names the link type" "$T/bad.err" "LINUX_SLL"

# A pcapng whose interfaces have different link types (Ethernet and SLL, as dumpcap
# -i IF -i any writes): libpcap reads one per file; the message says how to split.
if command -v mergecap >/dev/null 2>&1 &&
	mergecap -F pcapng -w "$T/multi.pcapng" "$T/flows.pcap" "$T/sll.pcap" 2>/dev/null; then
	"$PKTLENS" analyze -r "$T/multi.pcapng" --json >"$T/multi.json" 2>"$T/multi.err"
	check_rc "pcapng with Ethernet and SLL interfaces: a runtime failure" $? 1
	check_grep "the message says the link types differ and how to split the file" \
		"$T/multi.err" "interfaces have different link types.*frame.interface_id.*editcap -F pcap"
else
	skip "pcapng with interfaces of different link types" "mergecap (wireshark) missing"
fi
finish
