#!/usr/bin/env bash
# test_cli.sh - the command line as tcpdump and bpftool users expect it:
#   - option errors (unknown letter or name, missing value, a value to a flag, an
#     ambiguous prefix) in every command: exit 2, the message starts with
#     "pktlens: CMD:" and names the option, then the synopsis and "Try ... --help";
#     the other usage errors of each command start with "pktlens:" too
#   - -v and -q after the command work (-v shows an info line, -q hides a warning)
#   - the letters that meant something else than in tcpdump are refused, each with
#     the long name to use; the long names all work
#   - bpftool's -j/-p before the command give what --json/--pretty give; refused
#     where there is no report (capture; -p for demo)
#   - -F FILE in analyze: the count equals `tcpdump -r FILE -F EXPRFILE | wc -l`
#     (Ethernet, in the kernel, and raw IP, in user space); monitor -F: a bad
#     expression in the file is bad usage, a missing file names it, and live the
#     monitor counts what the file's expression matches of what the test sent
#   - capture -d/-dd/-ddd print what tcpdump -d/-dd/-ddd print for 15 expressions
#     (Ethernet, -s, -r on Ethernet, raw IP and Linux cooked files, -F), as an
#     unprivileged user, and refuse a bad expression as tcpdump does
#   - capture --dump-ebpf: one instruction a line with contiguous indexes, the exit
#     instruction last, as many instructions as the program that capture -i loads
#     for the same expression (XDP and tc, its -v line); a bad expression: exit 2
#     naming it; not with -r
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools tcpdump setpriv ping
T=$LAB_TMP
chmod 755 "$T"
trap lab_down EXIT

"$PY" - "$T" <<'EOF' || { fail "setup" "cannot write the test captures"; finish; }
import struct, sys
def pcap(path, dlt, frames, snap=262144):
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, dlt))
    for i, data in enumerate(frames):
        out.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(data), len(data)))
        out.write(data)
def ip4(src, dst, proto, l4):
    return struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst) + l4
def tcp(sp, dp, flags):
    return struct.pack(">HHIIBBHHH", sp, dp, 1, 0, 0x50, flags, 1024, 0, 0)
def udp(sp, dp, pay=b""):
    return struct.pack(">HHHH", sp, dp, 8 + len(pay), 0) + pay
def ip6(nh, l4):
    a = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"; b = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x02"
    return struct.pack(">IHBB", 0x60000000, len(l4), nh, 64) + a + b + l4
A, B = 0xc6120001, 0xc6120002
l3 = []
for i in range(30):
    l3.append((0x800, ip4(A, B, 6, tcp(40000 + i, 80 if i % 3 else 443, 0x02 if i % 4 == 0 else 0x18))))
    l3.append((0x800, ip4(B, A, 17, udp(53, 5000 + i, bytes(i)))))
    if i % 2:
        l3.append((0x86dd, ip6(17, udp(7000, 9000 + i, bytes(i)))))
    if i % 5 == 0:
        l3.append((0x86dd, ip6(6, tcp(1234, 80, 0x02))))
eth = lambda t, p: b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + struct.pack(">H", t) + p
d = sys.argv[1]
pcap(d + "/eth.pcap", 1, [eth(t, p) for t, p in l3])
pcap(d + "/eth96.pcap", 1, [eth(t, p) for t, p in l3], 96)
pcap(d + "/raw.pcap", 101, [p for t, p in l3])
sll = lambda t, p: struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 6 + b"\0\0", t) + p
pcap(d + "/sll.pcap", 113, [sll(t, p) for t, p in l3], 1500)
EOF
cd "$T" || exit 1 # a relative -F 1000 below must name no file

# run NAME RC ARGS...: pktlens ARGS with stdout in $T/out, stderr in $T/err; checks RC.
run() {
	local name=$1 want=$2
	shift 2
	timeout -k 5 60 "$PKTLENS" "$@" >"$T/out" 2>"$T/err"
	check_rc "$name" "$?" "$want"
}
# first_line_starts NAME PREFIX: the first line on stderr starts with PREFIX.
first_line_starts() {
	local l
	l=$(head -n 1 "$T/err")
	if [ "${l#"$2"}" != "$l" ]; then ok "$1"; else fail "$1" "first line '$l'"; fi
}

# ---- option errors in every command ---------------------------------------------------
for cmd in monitor analyze capture drops demo; do
	run "$cmd -z: bad usage" 2 $cmd -z
	first_line_starts "$cmd -z: 'pktlens: $cmd:' first" "pktlens: $cmd: unknown option -z"
	check_grep "$cmd -z: the synopsis" "$T/err" "^Usage: pktlens $cmd"
	check_grep "$cmd -z: the way to --help" "$T/err" "^Try 'pktlens $cmd --help'"
	run "$cmd --bogus: bad usage" 2 $cmd --bogus
	first_line_starts "$cmd --bogus: named" "pktlens: $cmd: unknown option '--bogus'"
	run "$cmd --help=x: bad usage" 2 $cmd --help=x
	first_line_starts "$cmd --help=x: takes no value" "pktlens: $cmd: option '--help' takes no value"
done
run "monitor --top (no value)" 2 monitor --top
first_line_starts "monitor --top: needs a value" "pktlens: monitor: option '--top' needs a value"
run "capture -c (no value)" 2 capture -r "$T/eth.pcap" -c
first_line_starts "capture -c: needs a value" "pktlens: capture: option -c (--count) needs a value"
run "monitor --p: ambiguous" 2 monitor --p
first_line_starts "monitor --p: ambiguous, with the candidates" \
	"pktlens: monitor: option '--p' is ambiguous: it could be --pretty --pin --pinned"
run "unknown global option" 2 --bogus monitor
first_line_starts "unknown global option: 'pktlens:' first" "pktlens: unknown option '--bogus'"
run "a command's option before the command" 2 -i lo monitor
first_line_starts "-i before the command: says where it goes" \
	"pktlens: unknown option '-i' before the command"
# Other usage errors of each command.
run "monitor without -i" 2 monitor --duration 1
first_line_starts "monitor without -i: 'pktlens:' first" "pktlens: monitor needs an interface"
run "analyze without -r" 2 analyze --json
first_line_starts "analyze without -r: 'pktlens:' first" "pktlens: analyze needs a capture file"
run "capture without -i or -r" 2 capture tcp
first_line_starts "capture without -i or -r: 'pktlens:' first" "pktlens: capture needs an interface"
run "drops with an argument" 2 drops extra
first_line_starts "drops with an argument: 'pktlens: drops:' first" "pktlens: drops: unexpected argument 'extra'"
run "demo with an argument" 2 demo extra
first_line_starts "demo with an argument: 'pktlens:' first" "pktlens: demo takes no arguments"
run "capture -s 70000 (live)" 2 capture -r "$T/eth.pcap" -s 70000
first_line_starts "capture -s 70000: 'pktlens:' first" "pktlens: snap length 70000"

# ---- -v and -q after the command ----------------------------------------------------------
run "capture --dump-ebpf tcp -v: accepted" 0 capture --dump-ebpf tcp -v
check_grep "-v after the command: the info line" "$T/err" "^pktlens: 'tcp': [0-9]+ classic instructions"
run "capture --dump-ebpf tcp --verbose" 0 capture --dump-ebpf --verbose tcp
check_grep "--verbose after the command: the info line" "$T/err" "eBPF instructions"
run "capture --dump-ebpf tcp (no -v)" 0 capture --dump-ebpf tcp
check_eq "without -v: no info line" "$(grep -c 'eBPF instructions' "$T/err")" 0
run "pktlens -v capture --dump-ebpf tcp" 0 -v capture --dump-ebpf tcp
check_grep "-v before the command: the info line" "$T/err" "eBPF instructions"
echo udp >"$T/udp.expr"
run "capture -r -F with an expression too (warns)" 0 capture -r "$T/eth.pcap" -F "$T/udp.expr" tcp
check_grep "the warning without -q" "$T/err" "is ignored"
run "capture -r -F ... -q: accepted" 0 capture -r "$T/eth.pcap" -F "$T/udp.expr" tcp -q
check_eq "-q after the command: no warning" "$(grep -c 'is ignored' "$T/err")" 0
check_eq "-q after the command: the same packets" "$(wc -l <"$T/out")" \
	"$(tcpdump -r "$T/eth.pcap" udp 2>/dev/null | wc -l)"
run "analyze -r FILE -v: accepted" 0 analyze -r "$T/eth.pcap" --json -v
run "monitor -v -q -vv in a row: parsed (then no interface)" 2 monitor -v -q -vv

# ---- letters that meant something else, and the long names -------------------------------
# letter_refused CMD LETTER ARG LONG: `pktlens CMD -LETTER ARG` exits 2 naming LONG.
letter_refused() {
	run "$1 -$2: refused" 2 "$1" "-$2" ${3:+"$3"}
	first_line_starts "$1 -$2: what it is to tcpdump" "pktlens: $1: -$2 is tcpdump's"
	check_grep "$1 -$2: the long name to use" "$T/err" "use $4"
}
letter_refused monitor t 5 --top
letter_refused monitor p "" --pretty
letter_refused monitor j "" --json
letter_refused monitor d 5 --duration
letter_refused monitor I 1 --interval
letter_refused monitor m tc --mode
letter_refused analyze t 5 --top
letter_refused analyze p "" --pretty
letter_refused analyze j "" --json
letter_refused demo d 5 --duration
letter_refused demo j "" --json
letter_refused capture m tc --mode
run "analyze: every long option" 0 analyze -r "$T/eth.pcap" --json --top 3 --flows 1000
check_eq "analyze --top 3: three top flows" \
	"$(json_get "$T/out" 'len(j["top_flows_by_bytes"])')" 3
cp "$T/out" "$T/json.out"
run "analyze --pretty" 0 analyze -r "$T/eth.pcap" --pretty
cp "$T/out" "$T/pretty.out"
check_true "analyze --pretty: several lines" test "$(wc -l <"$T/pretty.out")" -gt 10

# ---- bpftool's -j/-p before the command ---------------------------------------------------
run "pktlens -j analyze" 0 -j analyze -r "$T/eth.pcap"
check_eq "pktlens -j analyze: what analyze --json prints" \
	"$(json_get "$T/out" 'j["total"]')" "$(json_get "$T/json.out" 'j["total"]')"
check_eq "pktlens -j analyze: one line" "$(wc -l <"$T/out")" 1
run "pktlens -p analyze" 0 -p analyze -r "$T/eth.pcap"
check_eq "pktlens -p analyze: what analyze --pretty prints" \
	"$(grep -v '"timestamp"' "$T/out" | md5sum)" "$(grep -v '"timestamp"' "$T/pretty.out" | md5sum)"
run "pktlens -vj analyze (grouped)" 0 -vj analyze -r "$T/eth.pcap"
check_eq "pktlens -vj analyze: JSON" "$(json_get "$T/out" 'j["total"]["packets"]')" \
	"$(json_get "$T/json.out" 'j["total"]["packets"]')"
run "pktlens -j capture: refused" 2 -j capture -r "$T/eth.pcap"
first_line_starts "pktlens -j capture: says why" "pktlens: -j/--json is for the reports"
run "pktlens -p demo: refused" 2 -p demo
first_line_starts "pktlens -p demo: says to use -j" "pktlens: -p/--pretty indents"

# ---- -F FILE in analyze and monitor --------------------------------------------------------
# count_with_file CAPTURE EXPR: analyze's packet count with EXPR from a file (comments,
# line breaks), next to tcpdump -r CAPTURE -F FILE.
n=0
count_with_file() {
	n=$((n + 1))
	printf '# expression %d\n%s  # the filter\n\n' "$n" "$(sed 's/ and /\nand /' <<<"$2")" \
		>"$T/e$n.txt"
	run "analyze -r $(basename "$1") -F '$2'" 0 analyze -r "$1" -F "$T/e$n.txt" --json
	check_eq "analyze -F '$2' on $(basename "$1"): the packets tcpdump -F prints" \
		"$(json_get "$T/out" 'j["total"]["packets"]')" \
		"$(tcpdump -r "$1" -F "$T/e$n.txt" 2>/dev/null | wc -l)"
}
count_with_file "$T/eth.pcap" "udp"
count_with_file "$T/eth.pcap" "tcp and dst port 80"
count_with_file "$T/eth.pcap" "ip6 and tcp or greater 70"
count_with_file "$T/raw.pcap" "ip6 and udp"
count_with_file "$T/raw.pcap" "tcp and dst port 443"
check_true "the -F counts are not all the same (the filters filter)" \
	test "$(tcpdump -r "$T/eth.pcap" -F "$T/e1.txt" 2>/dev/null | wc -l)" != \
	"$(tcpdump -r "$T/eth.pcap" -F "$T/e2.txt" 2>/dev/null | wc -l)"
echo 'tcp port' >"$T/bad.txt"
run "analyze -F with a bad expression" 2 analyze -r "$T/eth.pcap" -F "$T/bad.txt"
check_grep "analyze -F bad: libpcap's words" "$T/err" "^pktlens: invalid filter expression 'tcp port.*syntax error"

lab_up || { fail "lab" "cannot build the lab"; finish; }
printf '# only ICMP\nicmp\n' >"$T/icmp.txt"
in_rx_run() { nsenter -t "$RX_HOLD" -m -n -- timeout -k 5 60 "$PKTLENS" "$@" >"$T/out" 2>"$T/err"; }
in_rx_run monitor -i "$IF_RX" -F "$T/bad.txt"
check_rc "monitor -F with a bad expression: bad usage" "$?" 2
check_grep "monitor -F bad: libpcap's words" "$T/err" "^pktlens: invalid filter expression 'tcp port.*syntax error"
in_rx_run monitor -i "$IF_RX" -F 1000 # no such file in $T, the working directory
check_rc "monitor -F 1000 (was --flows)" "$?" 1
check_grep "monitor -F 1000: names the file" "$T/err" "cannot read the filter file '1000'"
check_grep "monitor -F 1000: points to --flows" "$T/err" "--flows 1000"
in_rx_run monitor -i "$IF_RX" -F "$T/none.txt"
check_rc "monitor -F missing file" "$?" 1
check_grep "monitor -F missing file: names it" "$T/err" "cannot read the filter file '$T/none.txt'"
if mon_start 30 --interval 0.2 -F "$T/icmp.txt"; then
	check_grep "monitor -F: the expression from the file" "$MON_ERR" "filter: +icmp"
	in_tx ping -c 4 -i 0.1 -W 1 "$IP4_RX" >/dev/null 2>&1
	for i in 1 2 3; do in_tx bash -c "echo x >/dev/udp/$IP4_RX/9" 2>/dev/null; done
	mon_settle 4
	lab_quiet
	sleep 0.5 # one more report after the last packet
	mon_stop
	check_eq "monitor -F icmp: counts the 4 echo requests, not the 3 UDP datagrams" \
		"$(json_get "$MON_OUT" 'j["total"]["packets"]')" 4
else
	fail "monitor -F: attach" "$(head -c 300 "$MON_ERR")"
fi

# ---- capture -d/-dd/-ddd against tcpdump -----------------------------------------------
EXPRS=("" "tcp" "udp port 53" "host 198.18.0.1" "net 198.18.0.0/15 and not port 22"
	"ip6 and tcp" "vlan 100 and udp" "tcp[tcpflags] & tcp-syn != 0"
	"ether host 02:00:00:00:00:01" "portrange 1000-2000" "ip broadcast" "ip6 protochain 6"
	"icmp6 and ip6[40] == 128" "less 100" "arp or (ip and len > 1000)")
RAW_EXPRS=("tcp" "udp port 53" "host 198.18.0.1" "ip6 and tcp" "less 100" "ip6 protochain 6")
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
# same_dump NAME PKTLENS_ARGS -- TCPDUMP_ARGS: the same standard output, both exit 0.
same_dump() {
	local name=$1 a=() rc
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	"${NOBODY[@]}" "$PKTLENS" capture "${a[@]}" >"$T/d.pl" 2>"$T/d.err"
	rc=$?
	tcpdump "$@" >"$T/d.td" 2>/dev/null
	if [ $rc -eq 0 ] && [ -s "$T/d.td" ] && cmp -s "$T/d.pl" "$T/d.td"; then
		ok "$name"
	else
		fail "$name" "exit $rc: $(head -c 200 "$T/d.err"); $(diff "$T/d.pl" "$T/d.td" | head -4 | tr '\n' '|')"
	fi
}
for e in "${EXPRS[@]}"; do
	for d in -d -dd -ddd; do
		# Ethernet, tcpdump's default snap length: as the file's (262144)
		same_dump "capture $d '$e' = tcpdump $d" $d "$e" -- -r "$T/eth.pcap" $d "$e"
	done
	same_dump "capture -s 96 -dd '$e' = tcpdump -dd at snap length 96" -s 96 -dd "$e" -- \
		-r "$T/eth96.pcap" -dd "$e"
done
same_dump "capture -s 0 -d = tcpdump -s 0 -d (262144)" -s 0 -d tcp -- -r "$T/eth.pcap" -d tcp
same_dump "capture -r eth96.pcap -ddd = tcpdump -r -ddd" -r "$T/eth96.pcap" -ddd "udp" -- \
	-r "$T/eth96.pcap" -ddd "udp"
for e in "${RAW_EXPRS[@]}"; do
	same_dump "capture -r raw.pcap -d '$e' = tcpdump" -r "$T/raw.pcap" -d "$e" -- \
		-r "$T/raw.pcap" -d "$e"
	same_dump "capture -r sll.pcap -dd '$e' = tcpdump" -r "$T/sll.pcap" -dd "$e" -- \
		-r "$T/sll.pcap" -dd "$e"
done
same_dump "capture -r raw.pcap -s 50 -d: -s unused, as tcpdump" -r "$T/raw.pcap" -s 50 -d tcp -- \
	-r "$T/raw.pcap" -s 50 -d tcp
same_dump "capture -d -F FILE = tcpdump -d -F FILE" -d -F "$T/e2.txt" -- -r "$T/eth.pcap" -d \
	-F "$T/e2.txt"
# With -i: the interface's link type (Ethernet), as tcpdump -i opens it (in the lab).
for d in -d -ddd; do
	in_rx_run capture -i "$IF_RX" $d "udp port 53"
	check_true "capture -i IF $d: a program" test -s "$T/out"
	check_eq "capture -i IF $d = tcpdump -i IF $d" "$(md5sum <"$T/out")" \
		"$(in_rx tcpdump -i "$IF_RX" $d "udp port 53" 2>/dev/null | md5sum)"
done
run "capture -d 'tcp port': bad usage" 2 capture -d 'tcp port'
first_line_starts "capture -d 'tcp port': names it" "pktlens: invalid filter expression 'tcp port'"
tcpdump -r "$T/eth.pcap" -d 'tcp port' >/dev/null 2>&1
check_true "tcpdump -d 'tcp port' refuses it too" test $? -ne 0
run "capture -d 5 (was --duration): refused" 2 capture -d 5
check_grep "capture -d 5: points to --duration" "$T/err" "--duration S"
run "capture -r raw.pcap -d 'ether host': refused as by libpcap" 2 capture -r "$T/raw.pcap" -d "ether host 02:00:00:00:00:01"
"$PKTLENS" capture -d tcp | head -n 1 >/dev/null
check_rc "capture -d | head -1: a reader that goes away is an end" "${PIPESTATUS[0]}" 0

# ---- capture --dump-ebpf -----------------------------------------------------------------
# ebpf_shape FILE: "ok N" when FILE is one instruction a line, indexes 0, 1, ... (two
# for a 16-byte load, opcode 18), the last one exit; N the instruction count.
ebpf_shape() {
	awk 'BEGIN { want = 0 }
		{ i = $1; sub(":", "", i)
		if (i + 0 != want) { print "index " i " where " want " was due"; bad = 1; exit }
		want = i + ($2 == "(18)" ? 2 : 1); last = $0 }
		END { if (bad) exit; if (NR == 0) { print "empty"; exit }
			if (last !~ /\(95\) exit$/) { print "last line: " last; exit }
			print "ok " want }' "$1"
}
for e in "tcp port 80" "vlan and udp" "ip6 protochain 6" ""; do
	for m in native tc; do
		"${NOBODY[@]}" "$PKTLENS" -v capture --dump-ebpf --mode $m "$e" >"$T/e.out" 2>"$T/e.err"
		check_rc "--dump-ebpf --mode $m '$e': exit" $? 0
		shape=$(ebpf_shape "$T/e.out")
		check_eq "--dump-ebpf --mode $m '$e': shape" "${shape%% *}" ok
		check_eq "--dump-ebpf --mode $m '$e': the count -v reports" "${shape#ok }" \
			"$(sed -nE 's/.* ([0-9]+) eBPF instructions.*/\1/p' "$T/e.err")"
		check_eq "--dump-ebpf --mode $m '$e': the classic count is tcpdump -d's" \
			"$(sed -nE 's/.*: ([0-9]+) classic instructions.*/\1/p' "$T/e.err")" \
			"$(tcpdump -r "$T/eth.pcap" -d "$e" 2>/dev/null | wc -l)"
		printf '%s\n' "${shape#ok }" >"$T/count.$m.${#e}"
	done
	check_grep "--dump-ebpf '$e': a match tail-calls the capture program" "$T/e.out" \
		'call bpf_tail_call#12'
done
run "--dump-ebpf with a bad expression" 2 capture --dump-ebpf 'tcp port'
first_line_starts "--dump-ebpf bad expression: names it" "pktlens: invalid filter expression 'tcp port'"
run "--dump-ebpf with -r: refused" 2 capture -r "$T/eth.pcap" --dump-ebpf tcp
# The program capture -i loads: as many instructions as the dump shows.
for e in "tcp port 80" "vlan and udp"; do
	for m in native tc; do
		in_rx_run -v capture -i "$IF_RX" --mode $m --duration 0.3 "$e"
		check_rc "capture -v --mode $m '$e' live: exit" $? 0
		check_eq "capture --mode $m '$e': the program loaded has the dump's length" \
			"$(sed -nE "s/.*filter '.*': [0-9]+ classic instructions, ([0-9]+) eBPF.*/\1/p" "$T/err")" \
			"$(cat "$T/count.$m.${#e}")"
	done
done

finish
