#!/usr/bin/env bash
# test_talkers_live.sh - the kernel's address tables live, on a veth pair in namespaces,
# each phase with a monitor of its own and tcpdump on the receiving side as the
# reference for what arrived:
#  - an nmap vertical scan (one host, 300 ports) and a horizontal sweep (256 hosts,
#    one port, routed through the receiver) read differently in `monitor --json`:
#    the scanner's destinations and ports, and the scanned host's sources and ports,
#    within the sketch's error (3 x 9.2 %) of what tcpdump saw;
#  - a hping3 --rand-source SYN flood into a 64-entry flow table: flows are evicted,
#    yet the victim's packets in top_destinations equal tcpdump's count exactly, and so
#    does the number of distinct sources the tables hold.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools nmap hping3 tcpdump

lab_up || { fail "lab" "could not build the namespaces"; finish; }
N_PORTS=300
N_FLOOD=3000

# ref_start: tcpdump on the rx interface, every packet to a file.
ref_start() {
	REF_PCAP=$LAB_TMP/ref$MON_N.pcap REF_ERR=$LAB_TMP/ref$MON_N.err
	: >"$REF_ERR"
	# Not through a wrapper: $! must be tcpdump itself (nsenter execs it) to stop it
	# with SIGINT, on which it writes out every packet and its statistics; -U: each
	# packet written as it comes; --immediate-mode with a small snap length: ring slots
	# of 128 bytes, not 256 KiB (a burst of SYNs overran 64 of those). pid_wait bounds it.
	nsenter -t "$RX_HOLD" -m -n -- tcpdump -n -U --immediate-mode -s 128 -B 16384 -i "$IF_RX" -w "$REF_PCAP" \
		>/dev/null 2>"$REF_ERR" &
	REF_PID=$!
	LAB_PIDS+=("$REF_PID")
	wait_grep "$REF_ERR" "listening on" "$REF_PID"
}

# ref_stop: stop tcpdump, fail unless it lost nothing.
ref_stop() {
	kill -INT "$REF_PID" 2>/dev/null
	pid_wait "$REF_PID" 10
	grep -q "^0 packets dropped by kernel" "$REF_ERR" ||
		fail "reference capture lost nothing" "$(cat "$REF_ERR")"
}

# ref_count EXPR: packets of the reference capture that match EXPR.
ref_count() { tcpdump -n -r "$REF_PCAP" "$@" 2>/dev/null | wc -l; }

# phase NAME CMD...: a monitor, tcpdump, CMD on the tx side; then wait until the monitor
# has counted every packet tcpdump saw, and stop both.
phase() {
	local name=$1 n
	shift
	echo "--- $name"
	lab_quiet
	if ! mon_start 40 --interval 0.3 --top 10000 ${MON_ARGS[@]+"${MON_ARGS[@]}"}; then
		fail "$name: monitor attaches" "$(cat "$MON_ERR")"
		return 1
	fi
	ref_start || { fail "$name: tcpdump starts" "$(cat "$REF_ERR")"; return 1; }
	in_tx timeout 30 "$@" >/dev/null 2>&1
	lab_quiet
	ref_stop
	# what arrived (the capture also holds what the receiver sent)
	n=$(ref_count "ether src $MAC_TX")
	mon_settle "$n" 15 || echo "  (monitor counted fewer than tcpdump's $n packets)"
	mon_stop INT
	echo "  tcpdump saw $n packets arrive"
	[ "$n" -gt 0 ] || echo "  tcpdump: $(tr "\n" " " <"$REF_ERR")"
}

# within EST N: EST is within 3 standard errors (9.2 % each) of N, or 1.
within() { "$PY" -c 'import sys; e, n = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(e - n) <= max(1, 0.276 * n) else 1)' "$1" "$2"; }

# both EST1 N1 EST2 N2: within for each pair.
both() { within "$1" "$2" && within "$3" "$4"; }

addr_field() { # FILE LIST ADDR FIELD
	json_get "$1" "(lambda o: o[0]['$4'] if o else None)([o for o in j['$2'] if o['addr'] == '$3'])"
}

# ---- vertical scan: one host, many ports -------------------------------------------
MON_ARGS=()
phase "nmap vertical scan" nmap -n -Pn -sS --max-retries 0 -T5 -p "1-$N_PORTS" "$IP4_RX" || finish
J=$MON_OUT
syn=$(ref_count "src $IP4_TX and dst $IP4_RX and tcp[tcpflags] & tcp-syn != 0")
ports=$(tcpdump -n -r "$REF_PCAP" "src $IP4_TX and dst $IP4_RX and tcp" 2>/dev/null |
	sed -nE 's/.* > [0-9.]+\.([0-9]+):.*/\1/p' | sort -u | wc -l)
from_tx=$(ref_count "ip and src $IP4_TX")
echo "  $syn SYNs from the scanner to $ports ports"
check_eq "vertical: scanner's packets as tcpdump's" "$(addr_field "$J" top_sources "$IP4_TX" packets)" "$from_tx"
check_eq "vertical: scanned host's packets from the scanner" \
	"$(addr_field "$J" top_destinations "$IP4_RX" packets)" "$(ref_count "ip and dst $IP4_RX")"
d=$(addr_field "$J" top_sources "$IP4_TX" destinations)
p=$(addr_field "$J" top_sources "$IP4_TX" ports)
check_true "vertical: the scanner reaches 1 destination ($d) on ~$ports ports ($p)" \
	both "$d" 1 "$p" "$ports"
s=$(addr_field "$J" top_destinations "$IP4_RX" sources)
p=$(addr_field "$J" top_destinations "$IP4_RX" ports)
check_true "vertical: the scanned host has 1 source ($s) on ~$ports ports ($p)" \
	both "$s" 1 "$p" "$ports"

# ---- horizontal sweep: many hosts, one port ---------------------------------------
in_tx ip route add 198.18.1.0/24 via "$IP4_RX"
phase "nmap horizontal sweep" nmap -n -Pn -sS --max-retries 0 -T5 -p 80 198.18.1.0/24 || finish
J=$MON_OUT
hosts=$(tcpdump -n -r "$REF_PCAP" "src $IP4_TX and dst net 198.18.1.0/24" 2>/dev/null |
	sed -nE 's/.* > (198\.18\.1\.[0-9]+)\.80:.*/\1/p' | sort -u | wc -l)
echo "  $hosts hosts swept"
check_eq "horizontal: scanner's packets as tcpdump's" \
	"$(addr_field "$J" top_sources "$IP4_TX" packets)" "$(ref_count "ip and src $IP4_TX")"
d=$(addr_field "$J" top_sources "$IP4_TX" destinations)
p=$(addr_field "$J" top_sources "$IP4_TX" ports)
check_true "horizontal: the scanner reaches ~$hosts destinations ($d) on 1 port ($p)" \
	both "$d" "$hosts" "$p" 1
check_eq "horizontal: swept hosts in top_destinations, one packet each" \
	"$(json_get "$J" "sorted(set(o['packets'] for o in j['top_destinations'] if o['addr'].startswith('198.18.1.')))")" \
	"[1]"
check_eq "horizontal: port 80 carries the sweep" \
	"$(json_get "$J" "[o['packets'] for o in j['top_ports_by_packets'] if (o['proto'], o['side'], o['port']) == ('tcp', 'dst', 80)]")" \
	"[$hosts]"

# ---- spoofed flood with a small flow table ---------------------------------------
MON_ARGS=(--flows 64)
phase "hping3 --rand-source flood, --flows 64" \
	hping3 -q -S -p 80 --rand-source -c "$N_FLOOD" -i u200 "$IP4_RX" || finish
J=$MON_OUT
victim=$(ref_count "ip and dst $IP4_RX")
srcs=$(tcpdump -n -r "$REF_PCAP" "ip and dst $IP4_RX" 2>/dev/null |
	sed -nE 's/^[0-9:.]+ IP ([0-9.]+)\.[0-9]+ > .*/\1/p' | sort -u | wc -l)
echo "  $victim packets to the victim from $srcs sources"
ev=$(json_get "$J" 'j["flows"]["evicted"]')
check_true "flood: the flow table evicted flows ($ev)" [ "$ev" -gt 1000 ]
check_eq "flood: the victim's packets, exact, as tcpdump's" \
	"$(addr_field "$J" top_destinations "$IP4_RX" packets)" "$victim"
check_eq "flood: the victim is the top destination by packets" \
	"$(json_get "$J" 'j["top_destinations_by_packets"][0]["addr"]')" "$IP4_RX"
check_eq "flood: distinct sources held, as tcpdump's" \
	"$(json_get "$J" "len([o for o in j['top_sources'] if o['addr'] != '$IP4_RX'])")" "$srcs"
s=$(addr_field "$J" top_destinations "$IP4_RX" sources)
check_true "flood: the victim's sources estimated ($s of $srcs)" within "$s" "$srcs"
finish
