#!/usr/bin/env bash
# test_analyze_workers.sh - analyze spreads frames over one worker per CPU; the report
# must be the same as with a single worker (taskset to one CPU): counters, flows,
# first/last seen, initiators, top lists. Also --pretty against --json. With detection
# too: its ticks of capture time wait for the workers, which are started once. Then with
# TCP tracking and detection on, on 400 TCP connections the test builds: the same
# report, and the handshakes, resent segments and RTTs it built.
set -u
: "${PKTLENS:=$(cd "$(dirname "$0")/../.." && pwd)/build/pktlens}"
P=0 F=0 S=0
ok() { P=$((P + 1)); echo "ok   $1"; }
fail() { F=$((F + 1)); echo "FAIL $1: $2"; }
skip() { S=$((S + 1)); echo "skip $1: $2"; }
T=$(mktemp -d /tmp/pl-workers.XXXXXX)
trap 'rm -rf "$T"' EXIT

# 20000 frames of 2000 TCP/UDP conversations over IPv4 and IPv6, both directions,
# interleaved, with increasing time stamps.
python3 - "$T/many.pcap" <<'EOF'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def frame(i):
    conv, rev = i % 2000, (i // 2000) % 2
    a, b = 0xc6120000 + conv % 250 + 1, 0xc6130000 + conv // 250 + 1
    sp, dp = 10000 + conv, 80 if conv % 3 else 53
    if rev: a, b, sp, dp = b, a, dp, sp
    proto = 6 if conv % 3 else 17
    if conv % 5 == 0:  # IPv6
        l4 = struct.pack(">HHIIBBHHH", sp, dp, i, 0, 0x50, 0x10, 1024, 0, 0) if proto == 6 \
            else struct.pack(">HHHH", sp, dp, 8, 0)
        ip = struct.pack(">IHBB", 0x60000000, len(l4), proto, 64) + \
            b"\x20\x01\x0d\xb8" + bytes(8) + struct.pack(">I", a) + \
            b"\x20\x01\x0d\xb8" + bytes(8) + struct.pack(">I", b) + l4
        eth = b"\x02" * 6 + b"\x04" * 6 + b"\x86\xdd" + ip
    else:
        l4 = struct.pack(">HHIIBBHHH", sp, dp, i, 0, 0x50, 0x18, 1024, 0, 0) if proto == 6 \
            else struct.pack(">HHHH", sp, dp, 8, 0)
        ip = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, a, b) + l4
        eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
    return eth
for i in range(20000):
    f = frame(i)
    out.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(f), len(f)))
    out.write(f)
EOF

NCPU=$(nproc)
if [ "$NCPU" -lt 2 ]; then
	echo "skip workers: one CPU only"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
taskset -c 0 "$PKTLENS" analyze --no-tcp --no-detect -r "$T/many.pcap" --json --top 50 >"$T/one.json" 2>"$T/one.err"
rc1=$?
# The same report from one worker as from one worker per CPU says nothing if analyze
# ran one worker both times: count the worker threads it starts (one per CPU, at most
# 8; a single worker runs in the main thread).
if command -v strace >/dev/null 2>&1; then
	# LeakSanitizer cannot run under ptrace (make SAN=1): no leak check for this run
	# only; the other runs below take the same paths with it.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace --seccomp-bpf -f -qq -e trace=clone,clone3 -o "$T/clone.txt" \
		"$PKTLENS" analyze --no-tcp --no-detect -r "$T/many.pcap" --json --top 50 >"$T/all.json" 2>"$T/all.err"
	rc2=$?
	threads=$(grep -cE 'clone3?\(.*CLONE_THREAD' "$T/clone.txt")
	want=$((NCPU < 8 ? NCPU : 8))
	[ "$threads" = "$want" ] && ok "one worker thread per CPU ($threads)" ||
		fail "one worker thread per CPU" "$threads threads started, want $want"
else
	"$PKTLENS" analyze --no-tcp --no-detect -r "$T/many.pcap" --json --top 50 >"$T/all.json" 2>"$T/all.err"
	rc2=$?
	skip "one worker thread per CPU" "strace is not installed"
fi
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && ok "both runs exit 0" || fail "exit codes" "$rc1 $rc2: $(cat "$T"/*.err)"
diff=$(python3 - "$T/one.json" "$T/all.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(" ".join(k for k in a if a[k] != b.get(k)) or "none")
EOF
)
[ "$diff" = none ] && ok "one worker and $NCPU workers give the same report" ||
	fail "reports differ" "fields: $diff"
pk=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['total']['packets'], j['flows']['active'])" "$T/all.json")
[ "$pk" = "20000 2000" ] && ok "20000 packets in 2000 flows" || fail "totals" "$pk"
# Detection on: its ticks of capture time (80 over the capture's 20 s) wait for the
# workers at a barrier; the threads are started once, and the report (alerts and the
# detector's counts too) is the single worker's.
taskset -c 0 "$PKTLENS" analyze --no-tcp -r "$T/many.pcap" --json --top 50 >"$T/one_d.json" 2>&1
if command -v strace >/dev/null 2>&1; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace --seccomp-bpf -f -qq -e trace=clone,clone3 -o "$T/clone_d.txt" \
		"$PKTLENS" analyze --no-tcp -r "$T/many.pcap" --json --top 50 >"$T/all_d.json" 2>&1
	threads=$(grep -cE 'clone3?\(.*CLONE_THREAD' "$T/clone_d.txt")
	[ "$threads" = "$want" ] && ok "detection: worker threads started once ($threads)" ||
		fail "detection: worker threads started once" "$threads threads started, want $want"
else
	"$PKTLENS" analyze --no-tcp -r "$T/many.pcap" --json --top 50 >"$T/all_d.json" 2>&1
fi
diff=$(python3 - "$T/one_d.json" "$T/all_d.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(" ".join(k for k in a if a[k] != b.get(k)) or "none", a["detection"]["ticks"])
EOF
)
[ "$diff" = "none 80" ] && ok "detection: one worker and $NCPU workers give the same report, 80 ticks" ||
	fail "detection: reports differ" "fields, ticks: $diff"
# --pretty (bpftool's -p): the same object, indented over many lines.
"$PKTLENS" analyze --no-tcp --no-detect -r "$T/many.pcap" --pretty --top 50 >"$T/pretty.json" 2>"$T/pretty.err"
same=$(python3 - "$T/all.json" "$T/pretty.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
lines = open(sys.argv[2]).read().count("\n")
a.pop("timestamp"); b.pop("timestamp")
print("same" if a == b and lines > 100 else "differs (%d lines)" % lines)
EOF
)
[ "$same" = same ] && ok "--pretty: the --json report, indented" || fail "--pretty" "$same $(cat "$T/pretty.err")"

# TCP tracking (on by default) and detection on several workers: 400 TCP connections
# (IPv4 and IPv6), each a handshake (SYN, SYN-ACK 1 ms later, ACK 1 ms after that) and
# 4 exchanges with timestamps (data, its echo 2 ms later; the SYN-ACK echoes the SYN 1 ms
# later), one segment resent in every tenth, all
# interleaved. A conversation's frames stay on one worker in file order, so the report
# is the one worker's, tcp object included; the handshakes and RTTs are those built.
python3 - "$T/tcp.pcap" <<'EOF'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
frames = []
def tcp(c, to_srv, flags, seq, ack, tsv, tse, data=b""):
    v6 = c % 4 == 0
    a, b = 0xc6120000 + c + 1, 0xc6130001
    sp, dp = 20000 + c, 443
    if not to_srv: a, b, sp, dp = b, a, dp, sp
    opt = struct.pack(">BBBBII", 1, 1, 8, 10, tsv, tse)
    l4 = struct.pack(">HHIIBBHHH", sp, dp, seq, ack, (5 + 3) << 4, flags, 65000, 0, 0) + opt + data
    if v6:
        ip = struct.pack(">IHBB", 0x60000000, len(l4), 6, 64) + b"\x20\x01\x0d\xb8" + \
            bytes(8) + struct.pack(">I", a) + b"\x20\x01\x0d\xb8" + bytes(8) + struct.pack(">I", b) + l4
        return b"\x02" * 6 + b"\x04" * 6 + b"\x86\xdd" + ip
    ip = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(l4), 0, 0, 64, 6, 0, a, b) + l4
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
for c in range(400):
    t = c * 37  # us: starts interleave
    cs, ss = 1000 * c, 5000000 + c
    ev = [(t, tcp(c, 1, 0x02, cs, 0, 1, 0)), (t + 1000, tcp(c, 0, 0x12, ss, cs + 1, 7, 1)),
          (t + 2000, tcp(c, 1, 0x10, cs + 1, ss + 1, 2, 7))]
    for k in range(4):
        u = t + 3000 + k * 4000
        ev.append((u, tcp(c, 1, 0x18, cs + 1 + 10 * k, ss + 1, 10 + k, 7, b"x" * 10)))
        ev.append((u + 2000, tcp(c, 0, 0x10, ss + 1, cs + 11 + 10 * k, 20 + k, 10 + k)))
    if c % 10 == 0:  # a resent segment
        ev.append((t + 19500, tcp(c, 1, 0x18, cs + 31, ss + 1, 14, 23, b"x" * 10)))
    frames += ev
frames.sort(key=lambda e: e[0])
for us, f in frames:
    out.write(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000, len(f), len(f)))
    out.write(f)
EOF
taskset -c 0 "$PKTLENS" analyze -r "$T/tcp.pcap" --json --top 50 >"$T/tcp1.json" 2>"$T/tcp1.err"
rc1=$?
"$PKTLENS" analyze -r "$T/tcp.pcap" --json --top 50 >"$T/tcpn.json" 2>"$T/tcpn.err"
rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && ok "TCP on: both runs exit 0" ||
	fail "TCP on: exit codes" "$rc1 $rc2: $(cat "$T"/tcp*.err)"
diff=$(python3 - "$T/tcp1.json" "$T/tcpn.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(" ".join(k for k in a if a[k] != b.get(k) and k != "timestamp") or "none")
EOF
)
[ "$diff" = none ] && ok "TCP on: one worker and $NCPU workers give the same report" ||
	fail "TCP on: reports differ" "fields: $diff"
got=$(python3 - "$T/tcpn.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["tcp"]
f = t["slowest_flows"][0]
print(t["handshakes"]["completed"], t["retransmitted_segments"], f["handshake_rtt_us"],
      f["rtt_us"]["min"], f["rtt_us"]["max"])
EOF
)
check_tcp="400 40 2000.0 1000.0 2000.0"
[ "$got" = "$check_tcp" ] &&
	ok "TCP on: 400 handshakes, 40 resent segments, handshake 2 ms, RTT 1-2 ms as built" ||
	fail "TCP on: figures" "got '$got', want '$check_tcp'"
if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
[ $F -eq 0 ]
