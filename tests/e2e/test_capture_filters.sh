#!/usr/bin/env bash
# test_capture_filters.sh - `pktlens capture` options and expressions that depend on
# the live interface, on a veth pair in namespaces:
#  - "inbound", "outbound", "ifindex N" (Linux ancillary loads that libpcap emits for a
#    live interface) in native, generic and tc mode: pktlens sees received packets
#    only, so "inbound" matches every ping, "outbound" none, "ifindex N" the pings
#    when N is the interface's index
#  - "ip broadcast" with the interface's netmask (as tcpdump, in host byte order):
#    capture and monitor count the broadcast pings to 198.18.0.255, not the unicast
#    ones
#  - a constant offset >= 2^31 ("ether[2147483648] = 1") is beyond the packet: it
#    ends the filter with no match (libpcap's semantics), not an error
#  - an expression the translator refuses (another ancillary load): exit 1, named,
#    nothing attached
#  - -s 0 is the largest snap length (65535); -s 65536 is bad usage with a message;
#    -B too small for two records of the snap length: exit 2 naming the -B needed
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools ping tc

lab_up || { fail "lab" "could not build the namespaces"; finish; }
BCAST=198.18.0.255
RX_IDX=$(ip netns exec "$NS_RX" cat "/sys/class/net/$IF_RX/ifindex")

# captured NAME MODE PING_ARGS EXPR: capture EXPR for 3 s while the tx side pings
# (ping PING_ARGS); prints the "packets captured" count ("" if it did not start,
# "pings-lost" if fewer pings reached the rx interface than sent: a count of 0 then
# says nothing about the filter).
N=0
captured() {
	local name=$1 mode=$2 ping_args=$3 pid rx0 n_ping
	shift 3
	N=$((N + 1))
	local err=$LAB_TMP/cap$N.err
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" --mode "$mode" \
		--duration 3 -w "$LAB_TMP/cap$N.pcap" "$@" >/dev/null 2>"$err" &
	pid=$!
	LAB_PIDS+=("$pid")
	if ! wait_grep "$err" "capturing on $IF_RX" "$pid"; then
		pid_wait "$pid" 5
		echo "  $name: did not start: $(head -c 300 "$err")" >&2
		return 0
	fi
	n_ping=$(sed -nE 's/.*-c ([0-9]+).*/\1/p' <<<"$ping_args")
	rx0=$(rx_packets)
	# shellcheck disable=SC2086 # PING_ARGS is a word list
	in_tx ping -q -n -W 1 -i 0.2 $ping_args >/dev/null 2>&1
	pid_wait "$pid" 10
	if [ $(($(rx_packets) - rx0)) -lt "${n_ping:-1}" ]; then
		echo "  $name: $(($(rx_packets) - rx0)) packets reached $IF_RX, $n_ping pings sent" >&2
		echo pings-lost
		return 0
	fi
	sed -nE 's/^([0-9]+) packets captured$/\1/p' "$err"
}

# ---- inbound, outbound, ifindex -------------------------------------------------------
for mode in native generic tc; do
	check_eq "$mode: 'inbound and icmp' captures the 5 pings" \
		"$(captured inbound "$mode" "-c 5 $IP4_RX" inbound and icmp)" 5
	check_eq "$mode: 'outbound' captures nothing (ingress only)" \
		"$(captured outbound "$mode" "-c 5 $IP4_RX" outbound)" 0
	check_eq "$mode: 'ifindex $RX_IDX and icmp' captures the 5 pings" \
		"$(captured ifindex "$mode" "-c 5 $IP4_RX" ifindex "$RX_IDX" and icmp)" 5
	check_eq "$mode: 'ifindex $((RX_IDX + 1000))' captures nothing" \
		"$(captured ifindex2 "$mode" "-c 5 $IP4_RX" ifindex $((RX_IDX + 1000)))" 0
done

# ---- ip broadcast: the interface's netmask ----------------------------------------------
# Broadcast pings to the /24's broadcast address and unicast pings in one run.
for mode in native tc; do
	check_eq "$mode: 'ip broadcast' captures the 3 broadcast pings only" \
		"$(captured bcast "$mode" "-b -c 3 $BCAST" ip broadcast)" 3
	check_eq "$mode: 'ip broadcast' captures no unicast ping" \
		"$(captured bcast-uni "$mode" "-c 3 $IP4_RX" ip broadcast)" 0
done
if mon_start 30 "ip broadcast"; then
	rx0=$(rx_packets)
	in_tx ping -q -n -W 1 -i 0.2 -b -c 3 "$BCAST" >/dev/null 2>&1
	in_tx ping -q -n -W 1 -i 0.2 -c 4 "$IP4_RX" >/dev/null 2>&1
	sleep 1.2
	mon_stop INT
	check_eq "monitor 'ip broadcast': the 7 pings reached $IF_RX" \
		"$([ $(($(rx_packets) - rx0)) -ge 7 ] && echo yes)" yes
	check_eq "monitor 'ip broadcast': counts the 3 broadcast pings only" \
		"$(json_get "$MON_OUT" 'j["total"]["packets"]')" 3
else
	fail "monitor 'ip broadcast' attaches" "$(tail -n 3 "$MON_ERR")"
fi

# ---- offsets >= 2^31, refused expressions ------------------------------------------------
# libpcap's semantics: a load beyond the packet ends the filter (no match), whatever
# the rest of the expression, so the ICMP test comes first.
check_eq "'icmp or ether[2147483648] = 1': accepted, the pings match" \
	"$(captured beyond native "-c 4 $IP4_RX" 'icmp or ether[2147483648] = 1')" 4
check_eq "'ether[2147483648] = 1 or icmp': the load is beyond the packet, nothing matches" \
	"$(captured beyond2 native "-c 4 $IP4_RX" 'ether[2147483648] = 1 or icmp')" 0
for mode in native tc; do
	# 0xfffff000: SKF_AD_OFF + SKF_AD_PROTOCOL, an ancillary load pktlens cannot do.
	in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" --mode "$mode" 'ether[4294963200] = 8' \
		>/dev/null 2>"$LAB_TMP/refused.err"
	check_rc "$mode: refused expression: exit 1" $? 1
	check_grep "$mode: refused expression: says it cannot run" "$LAB_TMP/refused.err" \
		"cannot run in the kernel.*ancillary"
	nothing_attached "$mode: refused expression"
done

# ---- -s and -B ----------------------------------------------------------------------------
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" -s 0 --duration 0.5 -w /dev/null \
	2>"$LAB_TMP/s0.err"
check_rc "-s 0: exit 0" $? 0
check_grep "-s 0: snap length 65535" "$LAB_TMP/s0.err" "snaplen 65535"
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" -s 65536 --duration 0.5 -w /dev/null \
	2>"$LAB_TMP/s.err"
check_rc "-s 65536: exit 2" $? 2
check_grep "-s 65536: says the maximum" "$LAB_TMP/s.err" "too large.*at most 65535"
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" -B 4 -s 65535 --duration 0.5 -w /dev/null \
	2>"$LAB_TMP/b.err"
check_rc "-B 4 -s 65535: exit 2" $? 2
check_grep "-B 4 -s 65535: names the -B needed" "$LAB_TMP/b.err" "larger -B \\(at least 256\\)"
nothing_attached "-B 4 -s 65535"
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" -B 4 --duration 0.5 -w /dev/null \
	2>"$LAB_TMP/b4.err"
check_rc "-B 4 with the default snap length (2 records fit): exit 0" $? 0

finish
