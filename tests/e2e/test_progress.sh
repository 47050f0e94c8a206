#!/usr/bin/env bash
# test_progress.sh - progress for long work, on a terminal only:
#  - analyze -r of a 3-million-packet capture that the test writes, run under a
#    pseudo-terminal (script): the share read, packets/s and time left, redrawn in
#    place with growing shares, then one line of totals with the packets written;
#    the report on standard output is untouched; with standard error to a file, or
#    with -q, none of it;
#  - analyze -r A -r B on a terminal: each progress line and line of totals names its
#    file;
#  - capture -w FILE -v on a terminal: tcpdump's running "Got N" (once a second),
#    never above the packets sent; none without -v.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools script trafgen

N=3000000
# udp_pcap FILE N: the same 42-byte UDP frame N times (N a multiple of 10000), as a
# classic pcap (microseconds, Ethernet).
udp_pcap() {
"$PY" - "$1" "$2" <<'PYEOF'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
frame = bytes(6 * [2] + 6 * [4]) + b'\x08\x00' + bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
        198, 18, 0, 1, 198, 18, 0, 2]) + struct.pack('!HHHH', 40000, 9, 8, 0)
rec = struct.pack('<IIII', 1, 0, len(frame), len(frame)) + frame
with open(path, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for _ in range(n // 10000):
        f.write(rec * 10000)
PYEOF
}
udp_pcap "$LAB_TMP/big.pcap" "$N"

# on_tty TYPESCRIPT CMD: CMD (a shell command) under a pseudo-terminal; its exit status.
on_tty() {
	local ts=$1
	shift
	script -qec "$*" "$ts" >/dev/null 2>&1
	sed -nE 's/.*COMMAND_EXIT_CODE="([0-9]+)".*/\1/p' "$ts"
}

echo "--- analyze on a terminal"
rc=$(on_tty "$LAB_TMP/an.tty" "'$PKTLENS' analyze -r '$LAB_TMP/big.pcap' --json >'$LAB_TMP/an.json'")
check_eq "analyze on a terminal: exit status" "$rc" 0
# Each redraw starts with a carriage return: one line per redraw.
tr '\r' '\n' <"$LAB_TMP/an.tty" | sed 's/\x1b\[K//g' >"$LAB_TMP/an.lines"
grep -E '^analyze: ' "$LAB_TMP/an.lines" | sed 's/^/  | /' | tail -n 4
shares=$(sed -nE 's/^analyze: ([0-9.]+)% read, [0-9.]+[kM]? packets, [0-9.]+[kM]? packets\/s, [0-9]+:[0-9]{2} left$/\1/p' "$LAB_TMP/an.lines")
check_true "analyze: progress lines (share read, packets, packets/s, time left)" test -n "$shares"
check_eq "analyze: the share read grows, within 0..100" \
	"$(echo "$shares" | awk 'NR > 1 && $1 < prev { bad = 1 } $1 < 0 || $1 > 100 { bad = 1 } { prev = $1 } END { print bad ? "no" : "yes" }')" yes
check_grep "analyze: one line of totals with the $N packets written" "$LAB_TMP/an.lines" \
	"^analyze: $N packets in [0-9]+\.[0-9]{2} s, [0-9]+ packets/s$"
check_eq "analyze: the report counts the $N packets" "$(json_get "$LAB_TMP/an.json" 'j["total"]["packets"]')" "$N"

echo "--- analyze, standard error not a terminal"
"$PKTLENS" analyze -r "$LAB_TMP/big.pcap" --json >"$LAB_TMP/file.json" 2>"$LAB_TMP/file.err"
check_rc "analyze 2>FILE: exit status" "$?" 0
check_eq "analyze 2>FILE: nothing on standard error" "$(wc -c <"$LAB_TMP/file.err")" 0
check_eq "analyze 2>FILE: the same report" \
	"$(json_get "$LAB_TMP/file.json" 'j["total"]')" "$(json_get "$LAB_TMP/an.json" 'j["total"]')"

# Two smaller files: one.pcap takes long enough for progress lines (checked below).
udp_pcap "$LAB_TMP/one.pcap" 900000
udp_pcap "$LAB_TMP/two.pcap" 20000

echo "--- analyze -q on a terminal"
rc=$(on_tty "$LAB_TMP/q.tty" "'$PKTLENS' analyze -q -r '$LAB_TMP/one.pcap' --json >/dev/null")
check_eq "analyze -q: exit status" "$rc" 0
check_eq "analyze -q: no progress and no totals" "$(tr '\r' '\n' <"$LAB_TMP/q.tty" | grep -cE '^analyze[ :]')" 0

echo "--- analyze of several files on a terminal"
# Each progress line and each line of totals names the file it is about, in order.
rc=$(on_tty "$LAB_TMP/two.tty" "'$PKTLENS' analyze -r '$LAB_TMP/one.pcap' -r '$LAB_TMP/two.pcap' --json >/dev/null")
check_eq "analyze -r -r: exit status" "$rc" 0
tr '\r' '\n' <"$LAB_TMP/two.tty" | sed 's/\x1b\[K//g' | grep -E '^analyze' >"$LAB_TMP/two.lines"
sed 's/^/  | /' "$LAB_TMP/two.lines" | tail -n 4
check_grep "analyze -r -r: progress lines name the file read" "$LAB_TMP/two.lines" \
	"^analyze $LAB_TMP/one\.pcap: [0-9.]+% read, "
check_eq "analyze -r -r: totals of each file, named, in order" \
	"$(sed -nE 's/^analyze (.*): ([0-9]+) packets in [0-9.]+ s, [0-9]+ packets\/s$/\1 \2/p' "$LAB_TMP/two.lines" | tr '\n' ' ')" \
	"$LAB_TMP/one.pcap 900000 $LAB_TMP/two.pcap 20000 "
check_eq "analyze -r -r: every line names a file" "$(grep -vcE "^analyze $LAB_TMP/(one|two)\.pcap: " "$LAB_TMP/two.lines")" 0

echo "--- capture -w -v on a terminal"
lab_up || { fail "lab" "could not build the namespaces"; finish; }
cat >"$LAB_TMP/udp.cfg" <<EOF2
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=47000), fill(0x41, 30) }
EOF2
SENT=300
# got_run NAME ARGS: capture -w on a terminal for the packets trafgen sends over
# about 3 s, ended by -c; the typescript's lines in NAME.lines.
got_run() {
	local name=$1
	shift
	script -fqec "nsenter -t $RX_HOLD -m -n -- '$PKTLENS' capture -i $IF_RX -c $SENT --duration 30 $* -w '$LAB_TMP/$name.pcap' udp port 47000" \
		"$LAB_TMP/$name.tty" >/dev/null 2>&1 &
	local pid=$!
	LAB_PIDS+=("$pid")
	wait_until 10 grep -q "capturing on $IF_RX" "$LAB_TMP/$name.tty"
	in_tx timeout 30 trafgen --cpus 1 -q -n "$SENT" -t 10ms -i "$LAB_TMP/udp.cfg" -o "$IF_TX" \
		>"$LAB_TMP/trafgen.log" 2>&1
	pid_wait "$pid" 20
	tr '\r' '\n' <"$LAB_TMP/$name.tty" | sed 's/\x1b\[K//g' >"$LAB_TMP/$name.lines"
}
got_run got -v
counts=$(sed -nE 's/^Got ([0-9]+)$/\1/p' "$LAB_TMP/got.lines")
echo "  Got lines: $(echo $counts)"
check_true "capture -w -v: running 'Got N' counts" test -n "$counts"
check_eq "capture -w -v: the counts grow and stay within the $SENT sent" \
	"$(echo "$counts" | awk -v m="$SENT" 'NR > 1 && $1 < prev { bad = 1 } $1 > m { bad = 1 } { prev = $1 } END { print bad ? "no" : "yes" }')" yes
check_grep "capture -w -v: the summary after it" "$LAB_TMP/got.lines" "^$SENT packets captured$"
check_eq "capture -w -v: the file has the $SENT packets (tcpdump -r)" \
	"$(tcpdump -n -r "$LAB_TMP/got.pcap" 2>/dev/null | wc -l)" "$SENT"
got_run nov
check_eq "capture -w without -v: no 'Got N'" "$(grep -c '^Got ' "$LAB_TMP/nov.lines")" 0
check_grep "capture -w without -v: the summary" "$LAB_TMP/nov.lines" "^$SENT packets captured$"

finish
