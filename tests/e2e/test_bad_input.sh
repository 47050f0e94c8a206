#!/usr/bin/env bash
# test_bad_input.sh - exit codes and messages for bad input, and analyze on every kind
# of capture file:
#   exit 2: unknown command/option, missing -i or -r, bad --interval/--duration/--top/
#           --flows/--mode, -i, a filter, --mode/--flows/--pin/--force with
#           --pinned, a bad filter (also as nobody: capture, monitor and analyze
#           compile it before they check for root)
#   exit 1: unknown interface (named), a tun interface (not Ethernet), not root (says
#           root/CAP_BPF), CAP_SYS_ADMIN without CAP_NET_ADMIN, --pinned maps of
#           another layout, missing file,
#           not a capture (text, random bytes), truncated capture (report for the
#           frames read first), unsupported link type (lists the supported ones)
#   exit 0: capture on a down interface (with a warning that says so),
#           monitor and capture as nobody with CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON
#           (cost null, with a warning), --help of every command, --version, an empty
#           capture (zero packets), and
#           captures in Ethernet, Linux cooked SLL and SLL2, raw IP (DLT_RAW, IPV4,
#           IPV6), BSD loopback, pcapng and on standard input, counted the same.
# Monitor runs happen inside the lab's rx namespace, so nothing can touch a real
# interface even if argument parsing went wrong.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools setpriv

lab_up || { fail "lab" "could not build the namespaces"; finish; }
D=$LAB_TMP
chmod 755 "$D"

# run NAME WANT_RC ARGS...: pktlens ARGS in the rx namespace; output in $D/out, $D/err.
run() {
	local name=$1 want=$2 rc
	shift 2
	in_rx timeout 20 "$PKTLENS" "$@" >"$D/out" 2>"$D/err"
	rc=$?
	check_rc "$name" "$rc" "$want"
	if [ "$rc" -ge 124 ] || grep -Eqi 'segmentation|aborted|core dumped|AddressSanitizer|runtime error' "$D/err"; then
		fail "$name: no crash" "exit $rc: $(head -c 300 "$D/err")"
	fi
	return 0
}

# ---- help and version ------------------------------------------------------------
run "--help" 0 --help
check_grep "--help: usage lists the commands" "$D/out" '^  monitor +live'
for c in monitor analyze capture drops demo; do
	in_rx timeout 10 "$PKTLENS" "$c" --help >"$D/out" 2>"$D/err"
	check_rc "$c --help" "$?" 0
	check_grep "$c --help prints its usage" "$D/out" "^Usage: pktlens $c"
done
run "--version" 0 --version
check_grep "--version prints the VERSION file's version" "$D/out" "^pktlens $(cat "$E2E_ROOT/VERSION" 2>/dev/null || echo)\$"

# ---- usage errors: exit 2 ------------------------------------------------------------
run "no command" 2
run "unknown command" 2 frobnicate
check_grep "unknown command: named" "$D/err" "frobnicate"
run "unknown global option" 2 --bogus
run "monitor: unknown option" 2 monitor --bogus -i "$IF_RX"
check_grep "monitor: unknown option: usage shown" "$D/err" 'Usage: pktlens monitor'
run "monitor: missing -i" 2 monitor --duration 1
check_grep "monitor: missing -i: says so" "$D/err" 'needs an interface: -i'
for v in 0 -1 abc 1x nan inf ''; do
	run "monitor: --interval '$v'" 2 monitor -i "$IF_RX" --interval "$v" --duration 1
	check_grep "monitor: --interval '$v': message" "$D/err" "invalid value '$v' for --interval"
done
run "monitor: --duration 0" 2 monitor -i "$IF_RX" --duration 0
run "monitor: --duration over a year" 2 monitor -i "$IF_RX" --duration 1e300
check_grep "monitor: --duration over a year: the message gives the range" "$D/err" \
	"more than 0 and at most 31536000"
run "monitor: --top 0" 2 monitor -i "$IF_RX" --top 0 --duration 1
run "monitor: --flows 0" 2 monitor -i "$IF_RX" --flows 0 --duration 1
run "monitor: --flows too many" 2 monitor -i "$IF_RX" --flows 99999999999 --duration 1
run "monitor: bad --mode" 2 monitor -i "$IF_RX" --mode turbo --duration 1
check_grep "monitor: bad --mode: lists the modes" "$D/err" "invalid --mode 'turbo'.*native.*generic.*tc"
run "monitor: -i with --pinned" 2 monitor -i "$IF_RX" --pinned /sys/fs/bpf/x --duration 1
run "monitor: filter with --pinned" 2 monitor --pinned /sys/fs/bpf/x --duration 1 udp
for o in "--mode tc" "--flows 10" --pin --force; do
	# shellcheck disable=SC2086
	run "monitor: $o with --pinned" 2 monitor --pinned /sys/fs/bpf/x --duration 1 $o
	check_grep "monitor: $o with --pinned: says so" "$D/err" "${o%% *} and --pinned exclude each other"
done
run "monitor: bad filter expression" 2 monitor -i "$IF_RX" --duration 1 'udp and (('
check_eq "monitor: bad filter: nothing attached" "$(xdp_prog_id "$IF_RX")" ""
run "analyze: missing -r" 2 analyze --json
check_grep "analyze: missing -r: says so" "$D/err" '-r FILE'
run "analyze: unknown option" 2 analyze --bogus

# ---- run-time errors: exit 1 -------------------------------------------------------------
run "monitor: unknown interface" 1 monitor -i nosuch$$ --duration 1 --json
check_grep "monitor: unknown interface: named" "$D/err" "unknown interface 'nosuch$$'"
# A tun device hands XDP bare IP packets: refused by name, nothing attached.
if in_rx ip tuntap add dev pltun0 mode tun && in_rx ip link set pltun0 up; then
	for c in monitor capture; do
		run "$c: tun interface" 1 "$c" -i pltun0 --duration 1
		check_grep "$c: tun interface: says it is not Ethernet" "$D/err" 'pltun0 is not an Ethernet interface'
		check_eq "$c: tun interface: nothing attached" "$(xdp_prog_id pltun0)" ""
	done
	in_rx ip link del pltun0
else
	fail "tun interface" "cannot create a tun device"
fi

# --pinned on maps that are not pktlens's (same names, other sizes): refused, named.
# One shell: each `ip netns exec` mounts a new, empty bpffs.
# shellcheck disable=SC2016 # expanded by the inner shell
in_rx bash -c '
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
d=/sys/fs/bpf/pl-wrong-$$; mkdir -p "$d"
bpftool map create "$d/pl_stats" type array key 4 value 8 entries 1 name pl_stats &&
bpftool map create "$d/pl_flows" type hash key 4 value 8 entries 4 name pl_flows || exit 99
timeout 20 "$0" monitor --pinned "$d" --json --duration 1 >"$1/out" 2>"$1/err"
rc=$?; rm -rf "$d"; exit $rc' "$PKTLENS" "$D"
check_rc "monitor --pinned on foreign maps" "$?" 1
check_grep "monitor --pinned on foreign maps: names the map" "$D/err" 'pl_stats is not the map this pktlens reads'

# asnobody [CAPS] ARGS...: pktlens ARGS in the rx namespace as nobody, with no
# capabilities, or with CAPS ("+bpf,+net_admin") ambient so that they survive the exec.
asnobody() {
	local caps=
	case ${1:-} in +*) caps=$1; shift ;; esac
	ip netns exec "$NS_RX" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all${caps:+,$caps} ${caps:+--ambient-caps=$caps} \
		"$PKTLENS" "$@" >"$D/out" 2>"$D/err"
}

# Not root: nobody, no capabilities.
asnobody monitor -i "$IF_RX" --duration 1 --json
check_rc "monitor as nobody" "$?" 1
check_grep "monitor as nobody: says root / CAP_BPF" "$D/err" 'root.*CAP_BPF'
check_eq "monitor as nobody: nothing attached" "$(xdp_prog_id "$IF_RX")" ""
# An empty Ethernet capture (the file is opened before the privileges are checked).
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$D/nobody.pcap"
chmod 644 "$D/nobody.pcap"
asnobody analyze -r "$D/nobody.pcap" --json
check_rc "analyze as nobody" "$?" 1
check_grep "analyze as nobody: says root / CAP_BPF" "$D/err" 'root.*CAP_BPF'
# libpcap needs no privileges: a bad expression is bad usage (2) before the root check.
for c in "capture -i $IF_RX" "monitor -i $IF_RX --duration 1" "analyze -r $D/nobody.pcap"; do
	# shellcheck disable=SC2086 # c is a word list
	asnobody $c 'udp and (('
	check_rc "${c%% *} as nobody, bad expression: exit 2" "$?" 2
	check_grep "${c%% *} as nobody, bad expression: libpcap's message" "$D/err" 'syntax error'
done
check_eq "bad expressions as nobody: nothing attached" "$(xdp_prog_id "$IF_RX")" ""

# CAP_SYS_ADMIN alone is not enough: attaching needs CAP_NET_ADMIN. Refused up front.
asnobody +sys_admin monitor -i "$IF_RX" --duration 1 --json
check_rc "monitor with CAP_SYS_ADMIN only" "$?" 1
check_grep "monitor with CAP_SYS_ADMIN only: says CAP_NET_ADMIN is missing" "$D/err" 'lacks CAP_NET_ADMIN'
check_eq "monitor with CAP_SYS_ADMIN only: nothing attached" "$(xdp_prog_id "$IF_RX")" ""

# Not root, but with the three capabilities that --help names instead (ambient, so that
# they survive the exec): monitor and capture work; the own-cost figure, which needs
# CAP_SYS_ADMIN to turn the kernel's statistics on, is null with a warning, not 0.
CAPS=+bpf,+net_admin,+perfmon
# The pings start once monitor says it is attached (a loaded machine may take a while).
asnobody "$CAPS" monitor -i "$IF_RX" --mode native --interval 1 --duration 4 --json &
mon=$!
wait_grep "$D/err" "monitoring $IF_RX in" "$mon"
in_tx ping -q -n -c 6 -i 0.2 "$IP4_RX" >/dev/null 2>&1 &
pinger=$!
wait "$mon"
check_rc "monitor with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON" "$?" 0
check_eq "monitor with the capabilities: counts the ping" \
	"$(tail -n 1 "$D/out" | grep -o '"icmp":{"packets":[0-9]*' | grep -o '[0-9]*$')" 6
check_eq "monitor with the capabilities: cost is null, not a made-up 0" \
	"$(grep -c '"cost":null' "$D/out")" "$(wc -l <"$D/out")"
check_grep "monitor with the capabilities: says why there is no cost figure" "$D/err" \
	'needs root or CAP_SYS_ADMIN.*no own-cost figure'
check_eq "monitor with the capabilities: nothing attached after" "$(xdp_prog_id "$IF_RX")" ""
wait "$pinger"
asnobody "$CAPS" capture -i "$IF_RX" --mode native -c 3 --duration 10 icmp &
cap=$!
wait_grep "$D/err" "capturing on $IF_RX" "$cap"
in_tx ping -q -n -c 3 -i 0.2 "$IP4_RX" >/dev/null 2>&1 &
pinger=$!
wait "$cap"
check_rc "capture with the capabilities" "$?" 0
check_eq "capture with the capabilities: three echo requests" \
	"$(grep -c "IP $IP4_TX > $IP4_RX: ICMP echo request, id [0-9]*, seq [1-3], length 64" "$D/out")" 3
wait "$pinger"

# ---- capture files ---------------------------------------------------------------------
# mkpcap.py KIND OUT: write a capture. Frames (before link-layer framing):
#   IPv4/UDP 198.18.1.1:5000 -> 198.18.1.2:53 (x3), IPv4/TCP SYN :40000 -> :80 (x2),
#   IPv6/UDP 2001:db8:1::1:5001 -> 2001:db8:1::2:53 (x1)
cat >"$D/mkpcap.py" <<'EOF'
import os, struct, sys

kind, out = sys.argv[1], sys.argv[2]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(proto, payload, src=bytes([198, 18, 1, 1]), dst=bytes([198, 18, 1, 2])):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ip6(nh, payload):
    src = bytes.fromhex("20010db8000100000000000000000001")
    dst = bytes.fromhex("20010db8000100000000000000000002")
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + src + dst + payload

def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data

def tcp_syn(sp, dp):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 5 << 4, 0x02, 65535, 0, 0)

packets = [ip4(17, udp(5000, 53, b"q" * 20))] * 3 + [ip4(6, tcp_syn(40000, 80))] * 2 + \
          [ip6(17, udp(5001, 53, b"r" * 20))]
SRC = bytes.fromhex("0200c6120101")
DST = bytes.fromhex("0200c6120102")

def ethertype(p):
    return 0x0800 if p[0] >> 4 == 4 else 0x86DD

def frame(p, linktype):
    if linktype == 1:      # Ethernet
        return DST + SRC + struct.pack("!H", ethertype(p)) + p
    if linktype == 113:    # Linux cooked SLL: packet type, ARPHRD, addr len, addr[8], proto
        return struct.pack("!HHH", 0, 1, 6) + SRC + b"\0\0" + struct.pack("!H", ethertype(p)) + p
    if linktype == 276:    # SLL2: proto, reserved, ifindex, ARPHRD, pkttype, addr len, addr[8]
        return struct.pack("!HHIHBB", ethertype(p), 0, 2, 1, 0, 6) + SRC + b"\0\0" + p
    if linktype in (101, 228, 229):  # raw IP
        return p
    if linktype == 0:      # BSD loopback, host byte order AF (Linux: AF_INET6 = 10)
        return struct.pack("=I", 2 if p[0] >> 4 == 4 else 10) + p
    raise SystemExit("linktype?")

def write(linktype, frames, path=out):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)

if kind == "empty":
    write(1, [])
elif kind == "frelay":    # Frame Relay (107): not supported
    write(107, [b"\x08\x00" + b"\0" * 30])
elif kind == "v4only":    # DLT IPV4 (228) carries IPv4 only
    write(228, [frame(p, 228) for p in packets if p[0] >> 4 == 4])
elif kind == "v6only":
    write(229, [frame(p, 229) for p in packets if p[0] >> 4 == 6])
elif kind == "short":     # a 10-byte frame never reaches the program: counted malformed
    write(1, [frame(p, 1) for p in packets] + [b"\xff" * 10])
elif kind == "random":
    with open(out, "wb") as f:
        f.write(os.urandom(4096))
else:
    lt = int(kind)
    write(lt, [frame(p, lt) for p in packets])
EOF
mk() { "$PY" "$D/mkpcap.py" "$1" "$2"; }

run "analyze: missing file" 1 analyze -r "$D/nonexistent.pcap"
check_grep "analyze: missing file: named" "$D/err" "nonexistent.pcap"
run "analyze: a text file (/etc/hostname)" 1 analyze -r /etc/hostname
check_grep "analyze: a text file: says it is not a capture" "$D/err" 'not a capture.*pcap'
mk random "$D/random.bin"
run "analyze: random bytes" 1 analyze -r "$D/random.bin"
check_grep "analyze: random bytes: says it is not a capture" "$D/err" 'not a capture'
run "analyze: a directory" 1 analyze -r "$D"

mk frelay "$D/frelay.pcap"
run "analyze: Frame Relay link type" 1 analyze -r "$D/frelay.pcap" --json
check_grep "analyze: Frame Relay: names the link type" "$D/err" '(FRELAY|107)'
check_grep "analyze: Frame Relay: lists the supported types" "$D/err" 'Ethernet.*cooked.*SLL.*raw IP.*PPP.*HDLC.*NFLOG.*802.11'

mk empty "$D/empty.pcap"
run "analyze: empty capture" 0 analyze -r "$D/empty.pcap" --json
check_eq "analyze: empty capture: zero packets" "$(json_get "$D/out" 'j["total"]["packets"]')" 0
check_eq "analyze: empty capture: no time stamp (null, not 1970)" \
	"$(json_get "$D/out" 'j["timestamp"]')" None
run "analyze: empty capture, text" 0 analyze -r "$D/empty.pcap"
check_grep "analyze: empty capture, text: 'no packets' in the header" "$D/out" "^pktlens .*\(offline\)  no packets$"

# What every capture of the six packets must give.
check_counts() { # NAME N_IPV4 N_IPV6
	local n=$1 v4=$2 v6=$3 udp4 tcp
	udp4=$((v4 > 0 ? 3 : 0)) tcp=$((v4 > 0 ? 2 : 0))
	check_eq "$n: total" "$(json_get "$D/out" 'j["total"]["packets"]')" "$((v4 + v6))"
	check_eq "$n: l3 ipv4 / ipv6" "$(json_get "$D/out" '(j["l3"]["ipv4"]["packets"], j["l3"]["ipv6"]["packets"])')" "($v4, $v6)"
	check_eq "$n: l4 udp / tcp" "$(json_get "$D/out" '(j["l4"]["udp"]["packets"], j["l4"]["tcp"]["packets"])')" "($((udp4 + v6)), $tcp)"
	check_eq "$n: no malformed" "$(json_get "$D/out" 'j["malformed"]["total"]')" 0
	if [ "$v4" -gt 0 ]; then
		check_eq "$n: UDP/IPv4 flow" \
			"$(json_get "$D/out" '(lambda f: f and (f["src"], f["dst"], f["packets"]))(flow("udp", 5000, 53))')" \
			"('198.18.1.1', '198.18.1.2', 3)"
		check_eq "$n: TCP flow state" \
			"$(json_get "$D/out" '(lambda f: f and (f["packets"], f["tcp_flags"], f["state"]))(flow("tcp", 40000, 80))')" \
			"(2, 'S', 'syn_sent')"
	fi
	if [ "$v6" -gt 0 ]; then
		check_eq "$n: UDP/IPv6 flow" \
			"$(json_get "$D/out" '(lambda f: f and (f["src"], f["packets"]))(flow("udp", 5001, 53))')" \
			"('2001:db8:1::1', 1)"
	fi
}

for lt in 1:Ethernet 113:SLL 276:SLL2 101:raw-IP 0:BSD-loopback; do
	mk "${lt%%:*}" "$D/lt${lt%%:*}.pcap"
	run "analyze: ${lt#*:} capture" 0 analyze -r "$D/lt${lt%%:*}.pcap" --json
	check_counts "analyze: ${lt#*:}" 5 1
done
# Expressions libpcap refuses on an Ethernet capture file, as tcpdump -r does: exit 2.
for e in inbound outbound 'ifindex 1' 'ip broadcast'; do
	run "analyze: '$e' on a capture file" 2 analyze -r "$D/lt1.pcap" "$e"
	check_grep "analyze: '$e' on a capture file: libpcap's reason" "$D/err" "not supported|not known"
done
mk v4only "$D/v4.pcap"
run "analyze: DLT IPV4 capture" 0 analyze -r "$D/v4.pcap" --json
check_counts "analyze: DLT IPV4" 5 0
mk v6only "$D/v6.pcap"
run "analyze: DLT IPV6 capture" 0 analyze -r "$D/v6.pcap" --json
check_counts "analyze: DLT IPV6" 0 1

# Standard input and pcapng.
in_rx "$PKTLENS" analyze -r - --json <"$D/lt1.pcap" >"$D/out" 2>"$D/err"
check_rc "analyze: capture on standard input" "$?" 0
check_counts "analyze: stdin" 5 1
if command -v editcap >/dev/null 2>&1 && editcap -F pcapng "$D/lt1.pcap" "$D/lt1.pcapng" 2>/dev/null; then
	run "analyze: pcapng capture" 0 analyze -r "$D/lt1.pcapng" --json
	check_counts "analyze: pcapng" 5 1
else
	skip "analyze: pcapng capture" "editcap (wireshark) missing"
fi

# A frame shorter than an Ethernet header: counted, as malformed.
mk short "$D/short.pcap"
run "analyze: a 10-byte frame" 0 analyze -r "$D/short.pcap" --json
check_eq "analyze: a 10-byte frame: counted as truncated_ethernet" \
	"$(json_get "$D/out" '(j["total"]["packets"], j["malformed"]["total"], j["malformed"]["truncated_ethernet"])')" "(7, 1, 1)"

# Truncated: cut the Ethernet capture in the middle of its 4th record.
# Global header 24, each record 16 + frame; frames: 3 x UDP/IPv4 (62), ...
"$PY" - "$D/lt1.pcap" "$D/trunc.pcap" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 24
for _ in range(3):
    off += 16 + struct.unpack("<I", data[off + 8:off + 12])[0]
open(sys.argv[2], "wb").write(data[:off + 16 + 20])  # 4th record: header + 20 bytes
EOF
run "analyze: truncated capture" 1 analyze -r "$D/trunc.pcap" --json
check_eq "analyze: truncated capture: report for the 3 frames read" \
	"$(json_get "$D/out" '(j["total"]["packets"], j["l4"]["udp"]["packets"])')" "(3, 3)"
check_grep "analyze: truncated capture: says where it stopped" "$D/err" 'trunc.*after 3 frames'
# Cut inside the record header itself.
head -c 30 "$D/lt1.pcap" >"$D/trunc2.pcap"
run "analyze: capture cut in a record header" 1 analyze -r "$D/trunc2.pcap" --json
check_eq "analyze: cut in a record header: report with 0 frames" \
	"$(json_get "$D/out" 'j["total"]["packets"]')" 0
# Cut inside the file header.
head -c 10 "$D/lt1.pcap" >"$D/trunc3.pcap"
run "analyze: capture cut in the file header" 1 analyze -r "$D/trunc3.pcap" --json

# A capture taken with tcpdump on the lab's veth.
if command -v tcpdump >/dev/null 2>&1 && command -v trafgen >/dev/null 2>&1; then
	cat >"$D/udp.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=43000, dp=9), fill(0x41, 22) }
EOF
	in_rx timeout 15 tcpdump -i "$IF_RX" -n -c 50 -w "$D/live.pcap" udp port 43000 >/dev/null 2>&1 &
	p=$!
	LAB_PIDS+=("$p")
	sleep 1
	trafgen_send 50 "$D/udp.cfg"
	wait "$p"
	run "analyze: tcpdump capture of the veth" 0 analyze -r "$D/live.pcap" --json
	check_eq "analyze: tcpdump capture: the 50 frames in one flow" \
		"$(json_get "$D/out" '(lambda f: f and (f["src"], f["packets"], f["bytes"]))(flow("udp", 43000, 9))')" \
		"('$IP4_TX', 50, 3200)"
else
	skip "analyze: tcpdump capture" "tcpdump or trafgen missing"
fi

# A down interface: tcpdump refuses it; capture waits for it but says why nothing comes.
in_rx ip link set "$IF_RX" down
run "capture on a down interface" 0 capture -i "$IF_RX" --duration 0.3
check_grep "capture on a down interface: says it is down and how to bring it up" "$D/err" \
	"$IF_RX is down.*ip link set $IF_RX up"
in_rx ip link set "$IF_RX" up
run "capture on an up interface" 0 capture -i "$IF_RX" --duration 0.3
check_true "capture on an up interface: no 'is down' warning" sh -c "! grep -q 'is down' '$D/err'"

finish
