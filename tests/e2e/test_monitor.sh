#!/usr/bin/env bash
# test_monitor.sh - exact counting by `pktlens monitor` on a live veth, in native XDP,
# generic XDP and tc mode.
#
# Per mode, one monitor run sees: trafgen UDP frames with a fixed 5-tuple (IPv4 and
# IPv6), 802.1Q-tagged and 802.1ad+802.1Q (QinQ) frames, crafted ICMP echo request and
# reply pairs with one id, ping and ping -6 from the tx side, ping from the rx side
# (only its replies arrive), iperf3 TCP over IPv4 and UDP over IPv6. The lab has
# static neighbours and no DAD/RS/RA, so nothing else is on the wire, and:
#   total packets == sender's tx_packets delta == receiver's rx_packets delta
#   == cost.runs, and every L3/L4/VLAN counter and flow entry is what was sent.
# iperf3's packet count is not known in advance: nftables counters on the rx link's
# netdev ingress hook (after XDP and tc) count its TCP/IPv4, TCP/IPv6 and UDP/IPv6
# packets, and the L3/L4 counters must be what trafgen and ping sent plus those.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen ping iperf3 nft

N_UDP4=10000 N_UDP6=1000 N_VLAN=500 N_QINQ=300 N_ECHO=100 N_PING=20
ECHO_ID=4660 # 0x1234
PING_ID_TX=1111 PING_ID_RX=2222 PING_ID_6=3333 # ping -e: ICMP echo identifiers

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# ---- trafgen configurations (64-byte frames unless tagged) ----------------------
cat >"$LAB_TMP/udp4.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
EOF
cat >"$LAB_TMP/udp6.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=9), fill(0x42, 2) }
EOF
cat >"$LAB_TMP/vlan.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40100, dp=9), fill(0x43, 22) }
EOF
cat >"$LAB_TMP/qinq.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1ad, id=200), vlan(1q, id=300), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40300, dp=9), fill(0x44, 22) }
EOF
# An echo request tx->rx and its reply rx->tx with the same id: one flow, both ways.
cat >"$LAB_TMP/echo.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), icmp4(echorequest, id=$ECHO_ID, seq=1), fill(0x45, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_RX, da=$IP4_TX), icmp4(echoreply, id=$ECHO_ID, seq=1), fill(0x45, 22) }
EOF

# The kernel's own count of iperf3's packets arriving on the rx link (port 5201).
nft_iperf_rules() {
	ip netns exec "$NS_RX" nft -f - <<EOF
table netdev pl_iperf {
	chain in {
		type filter hook ingress device "$IF_RX" priority 0;
		meta protocol ip meta l4proto tcp th dport 5201 counter
		meta protocol ip meta l4proto tcp th sport 5201 counter
		meta protocol ip6 meta l4proto tcp th dport 5201 counter
		meta protocol ip6 meta l4proto tcp th sport 5201 counter
		meta protocol ip6 meta l4proto udp th dport 5201 counter
		meta protocol ip6 meta l4proto udp th sport 5201 counter
	}
}
EOF
}

# nft_iperf_counts: "TCP4 TCP6 UDP6" packets counted so far.
nft_iperf_counts() {
	ip netns exec "$NS_RX" nft -j list table netdev pl_iperf | python3 -c '
import json, sys
c = [e["rule"]["expr"][-1]["counter"]["packets"] for e in json.load(sys.stdin)["nftables"] if "rule" in e]
print(c[0] + c[1], c[2] + c[3], c[4] + c[5])'
}

send_all() {
	local pid
	trafgen_send "$N_UDP4" "$LAB_TMP/udp4.cfg" || echo "  trafgen udp4 failed: $(tail -n 3 "$LAB_TMP/trafgen.log")"
	trafgen_send "$N_UDP6" "$LAB_TMP/udp6.cfg" || echo "  trafgen udp6 failed"
	trafgen_send "$N_VLAN" "$LAB_TMP/vlan.cfg" || echo "  trafgen vlan failed"
	trafgen_send "$N_QINQ" "$LAB_TMP/qinq.cfg" || echo "  trafgen qinq failed"
	trafgen_send "$N_ECHO" "$LAB_TMP/echo.cfg" || echo "  trafgen echo failed"
	in_tx timeout 10 ping -q -n -e "$PING_ID_TX" -c "$N_PING" -i 0.01 -w 8 "$IP4_RX" >/dev/null ||
		echo "  ping failed"
	in_tx timeout 10 ping -6 -q -n -e "$PING_ID_6" -c "$N_PING" -i 0.01 -w 8 "$IP6_RX" >/dev/null ||
		echo "  ping -6 failed"
	in_rx timeout 10 ping -q -n -e "$PING_ID_RX" -c "$N_PING" -i 0.01 -w 8 "$IP4_TX" >/dev/null ||
		echo "  rx ping failed"
	# iperf3: one-off servers on the rx side, bounded clients on the tx side.
	in_rx timeout 20 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	sleep 0.3
	in_tx timeout 15 iperf3 -c "$IP4_RX" -p 5201 -t 2 >/dev/null 2>&1 ||
		{ sleep 0.5; in_tx timeout 15 iperf3 -c "$IP4_RX" -p 5201 -t 2 >/dev/null 2>&1; } ||
		echo "  iperf3 tcp failed"
	wait "$pid" 2>/dev/null
	in_rx timeout 20 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	sleep 0.3
	in_tx timeout 15 iperf3 -6 -u -b 20M -l 1000 -c "$IP6_RX" -p 5201 -t 2 \
		--json >"$LAB_TMP/iperf_udp.json" 2>&1 ||
		{ sleep 0.5; in_tx timeout 15 iperf3 -6 -u -b 20M -l 1000 -c "$IP6_RX" -p 5201 -t 2 \
			--json >"$LAB_TMP/iperf_udp.json" 2>&1; } ||
		echo "  iperf3 udp failed"
	wait "$pid" 2>/dev/null
}

nft_iperf_rules || { fail "nftables counters on $IF_RX" "nft failed"; finish; }

for mode in native generic tc; do
	echo "--- mode $mode"
	lab_quiet
	if ! mon_start 90 --mode "$mode" --top 1000 --interval 1 --cost-sample 100; then
		fail "$mode: monitor attaches" "$(cat "$MON_ERR")"
		kill -KILL "$MON_PID" 2>/dev/null
		continue
	fi
	check_eq "$mode: mode reported on stderr" "$MON_MODE" "$mode"
	# veth copies every packet for native XDP: the user is told, and only then.
	check_eq "$mode: veth note on stderr only in native mode" \
		"$(grep -c 'note: on veth, native XDP makes the kernel copy' "$MON_ERR")" \
		"$([ "$mode" = native ] && echo 1 || echo 0)"
	rx0=$(rx_packets) tx0=$(tx_packets)
	read -r n_tcp4 n_tcp6 n_udp6 <<<"$(nft_iperf_counts)"
	t0=$(date +%s%N)
	send_all
	sleep 0.3 # let the last packets land
	rx1=$(rx_packets) tx1=$(tx_packets)
	read -r ip_tcp4 ip_tcp6 ip_udp6 <<<"$(nft_iperf_counts)"
	ip_tcp4=$((ip_tcp4 - n_tcp4)) ip_tcp6=$((ip_tcp6 - n_tcp6)) ip_udp6=$((ip_udp6 - n_udp6))
	mon_stop INT
	echo "  traffic took $((($(date +%s%N) - t0) / 1000000)) ms"
	check_rc "$mode: SIGINT ends the monitor" "$MON_RC" 0
	J=$MON_OUT
	check_eq "$mode: JSON mode field" "$(json_get "$J" 'j["mode"]')" "$mode"

	rxd=$((rx1 - rx0)) txd=$((tx1 - tx0))
	total=$(json_get "$J" 'j["total"]["packets"]')
	check_eq "$mode: total packets == rx_packets delta" "$total" "$rxd"
	check_eq "$mode: total packets == sender's tx_packets delta" "$total" "$txd"
	check_eq "$mode: cost.runs == packets seen" "$(json_get "$J" 'j["cost"]["runs"]')" "$total"
	check_eq "$mode: cost.ns_per_packet is a positive number" \
		"$(json_get "$J" 'isinstance(j["cost"]["ns_per_packet"], (int, float)) and j["cost"]["ns_per_packet"] > 0')" True

	# iperf3's share as the kernel counted it (nftables), and in pktlens's flow table.
	fl_tcp4=$(json_get "$J" 'sum(f["packets"] + f["packets_reply"] for f in j["top_flows_by_packets"] if f["proto"] == "tcp" and 5201 in (f["sport"], f["dport"]) and ":" not in f["src"])')
	fl_tcp6=$(json_get "$J" 'sum(f["packets"] + f["packets_reply"] for f in j["top_flows_by_packets"] if f["proto"] == "tcp" and 5201 in (f["sport"], f["dport"]) and ":" in f["src"])')
	fl_udp6=$(json_get "$J" 'sum(f["packets"] + f["packets_reply"] for f in j["top_flows_by_packets"] if f["proto"] == "udp" and 5201 in (f["sport"], f["dport"]))')
	check_eq "$mode: iperf3 flows (tcp4 tcp6 udp6) == nftables counts" \
		"$fl_tcp4 $fl_tcp6 $fl_udp6" "$ip_tcp4 $ip_tcp6 $ip_udp6"
	echo "  iperf3 packets seen: tcp/ipv4 $ip_tcp4, tcp/ipv6 $ip_tcp6 (control), udp/ipv6 $ip_udp6"
	if [ "$ip_tcp4" -gt 100 ] 2>/dev/null; then ok "$mode: iperf3 TCP flows seen"; else fail "$mode: iperf3 TCP flows seen" "$ip_tcp4"; fi
	sent_udp=$(json_get "$LAB_TMP/iperf_udp.json" 'j["end"]["sum"]["packets"]')
	udp_flow=$(json_get "$J" 'max([f["packets"] for f in j["top_flows_by_packets"] if f["proto"] == "udp" and f["dport"] == 5201] or [0])')
	# The client's datagrams plus the one (iperf3 3.x) it sends to open the test.
	if [ "$udp_flow" -gt "$sent_udp" ] 2>/dev/null && [ "$udp_flow" -le $((sent_udp + 4)) ]; then
		ok "$mode: iperf3 UDP flow has the client's $sent_udp datagrams (+setup: $udp_flow)"
	else
		fail "$mode: iperf3 UDP flow packets" "flow $udp_flow, iperf3 sent $sent_udp"
	fi

	# L3/L4 classes: exact.
	n_icmp=$((N_ECHO + 2 * N_PING))
	e_udp=$((N_UDP4 + N_UDP6 + N_VLAN + N_QINQ + ip_udp6))
	e_v4=$((N_UDP4 + N_VLAN + N_QINQ + n_icmp + ip_tcp4))
	e_v6=$((N_UDP6 + N_PING + ip_udp6 + ip_tcp6))
	check_eq "$mode: l4 udp" "$(json_get "$J" 'j["l4"]["udp"]["packets"]')" "$e_udp"
	check_eq "$mode: l4 tcp" "$(json_get "$J" 'j["l4"]["tcp"]["packets"]')" "$((ip_tcp4 + ip_tcp6))"
	check_eq "$mode: l4 icmp" "$(json_get "$J" 'j["l4"]["icmp"]["packets"]')" "$n_icmp"
	check_eq "$mode: l4 icmpv6" "$(json_get "$J" 'j["l4"]["icmpv6"]["packets"]')" "$N_PING"
	check_eq "$mode: l3 ipv4" "$(json_get "$J" 'j["l3"]["ipv4"]["packets"]')" "$e_v4"
	check_eq "$mode: l3 ipv6" "$(json_get "$J" 'j["l3"]["ipv6"]["packets"]')" "$e_v6"
	check_eq "$mode: ipv4 + ipv6 == total (nothing else on the wire)" "$((e_v4 + e_v6))" "$total"
	check_eq "$mode: no malformed packets" "$(json_get "$J" 'j["malformed"]["total"]')" 0

	# Flow table entries.
	check_eq "$mode: trafgen UDP/IPv4 flow" \
		"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["packets_reply"], f["bytes"], f["vlan"]))(flow("udp", 40000, 9))')" \
		"('$IP4_TX', '$IP4_RX', $N_UDP4, 0, $((N_UDP4 * 64)), 0)"
	check_eq "$mode: trafgen UDP/IPv6 flow" \
		"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["bytes"]))(flow("udp", 40006, 9))')" \
		"('$IP6_TX', '$IP6_RX', $N_UDP6, $((N_UDP6 * 64)))"
	# Wire bytes: 68 with one tag, 72 with two, also when tc gets the outer tag as metadata.
	check_eq "$mode: 802.1Q flow (vlan id 100)" \
		"$(json_get "$J" '(lambda f: f and (f["vlan"], f["packets"], f["bytes"]))(flow("udp", 40100, 9))')" \
		"(100, $N_VLAN, $((N_VLAN * 68)))"
	check_eq "$mode: QinQ flow (innermost vlan id 300)" \
		"$(json_get "$J" '(lambda f: f and (f["vlan"], f["packets"], f["bytes"]))(flow("udp", 40300, 9))')" \
		"(300, $N_QINQ, $((N_QINQ * 72)))"
	check_eq "$mode: vlan.tagged counts every tagged frame" \
		"$(json_get "$J" 'j["vlan"]["tagged"]')" "$((N_VLAN + N_QINQ))"
	check_eq "$mode: vlan.qinq counts double-tagged frames" "$(json_get "$J" 'j["vlan"]["qinq"]')" "$N_QINQ"
	check_eq "$mode: echo request+reply with one id join in one flow" \
		"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["packets_reply"], f["state"]))(flow("icmp", '$ECHO_ID', '$ECHO_ID'))')" \
		"('$IP4_TX', '$IP4_RX', $((N_ECHO / 2)), $((N_ECHO / 2)), 'bidirectional')"
	# ping from tx: the rx side sees the requests only (its replies leave, never arrive):
	# live, that is ingress-only, not unidirectional.
	check_eq "$mode: ping flow: $N_PING requests, no replies seen" \
		"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["packets_reply"], f["state"]))(flow("icmp", '$PING_ID_TX', '$PING_ID_TX'))')" \
		"('$IP4_TX', '$IP4_RX', $N_PING, 0, 'ingress-only')"
	# ping from rx: only its replies arrive; the first packet seen comes from tx.
	check_eq "$mode: rx's own ping: only the $N_PING replies seen" \
		"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["packets_reply"], f["state"]))(flow("icmp", '$PING_ID_RX', '$PING_ID_RX'))')" \
		"('$IP4_TX', '$IP4_RX', $N_PING, 0, 'ingress-only')"
	check_eq "$mode: three icmp flows (crafted pair, tx's ping, rx's ping)" \
		"$(json_get "$J" 'len([f for f in j["top_flows_by_packets"] if f["proto"] == "icmp"])')" 3
	check_eq "$mode: ping -6 flow: $N_PING requests" \
		"$(json_get "$J" '[(f["src"], f["dst"], f["sport"], f["packets"], f["packets_reply"]) for f in j["top_flows_by_packets"] if f["proto"] == "icmpv6"]')" \
		"[('$IP6_TX', '$IP6_RX', $PING_ID_6, $N_PING, 0)]"
	check_eq "$mode: size histogram: 64-byte frames" \
		"$(json_get "$J" 'j["size_hist"]["0-64"] >= '$((N_UDP4 + N_UDP6 + N_ECHO))'')" True
	check_eq "$mode: flows.active == flows listed" \
		"$(json_get "$J" 'j["flows"]["active"] == len(j["top_flows_by_packets"]) == j["flows"]["created"]')" True
	nothing_attached "$mode"
done

# Sampled cost (the default is 10 %): the kernel times only part of each interval, so
# fewer runs than packets, none outside the windows, and the system setting comes back.
echo "--- cost sampling"
lab_quiet
stats0=$(sysctl -n kernel.bpf_stats_enabled)
if mon_start 3 --mode native --interval 1 --cost-sample 50; then
	in_tx timeout 10 ping -q -n -c 250 -i 0.01 -w 8 "$IP4_RX" >/dev/null || echo "  ping failed"
	mon_wait 10
	J=$MON_OUT
	total=$(json_get "$J" 'j["total"]["packets"]')
	runs=$(json_get "$J" 'j["cost"]["runs"]')
	echo "  $runs of $total packets timed"
	check_eq "sampling: cost.sampled_pct" "$(json_get "$J" 'j["cost"]["sampled_pct"]')" 50
	check_eq "sampling: some packets timed, not all (0 < $runs < $total)" \
		"$([ "$runs" -gt 0 ] && [ "$runs" -lt "$total" ] && echo yes)" yes
else
	fail "sampling: monitor attaches" "$(cat "$MON_ERR")"
fi

# The statistics go off with pktlens. The sysctl would not show it (it reports only
# what was written to it), so watch another program: one on the tx side, run by the
# ping replies, counts runs while monitor times its own and none after it ended.
echo "--- statistics off after exit"
# BPF run statistics are one switch for the whole machine, on while any process holds a
# BPF_ENABLE_STATS file (anon_inode:bpf-stats) or the sysctl is 1. monitor must turn them
# on through such a file (the kernel drops it when the process ends) and leave the
# sysctl alone; afterwards runs stop being counted whenever no other process holds a
# file of its own.
run_cnt() { bpftool -j prog show id "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("run_cnt", 0))'; }
if [ "$stats0" != 0 ]; then
	skip "statistics off after exit" "kernel.bpf_stats_enabled is on system-wide"
elif ! in_tx ip link set dev "$IF_TX" xdpgeneric obj "$BPF_OBJ" sec xdp; then
	fail "statistics off after exit: attach a program on the tx side" "ip link failed"
else
	tid=$(in_tx ip -d link show dev "$IF_TX" | sed -nE 's/.*prog\/xdp[a-z]* id ([0-9]+).*/\1/p' | head -n 1)
	if mon_start 30 --mode native --cost-sample 100; then
		in_tx ping -q -n -c 20 -i 0.01 "$IP4_RX" >/dev/null
		c1=$(run_cnt "$tid")
		check_eq "statistics on through a bpf-stats file that monitor holds" \
			"$(ls -l /proc/"$MON_PID"/fd 2>/dev/null | grep -c 'anon_inode:bpf-stats')" 1
		check_eq "statistics on without the sysctl (kernel.bpf_stats_enabled stays 0)" \
			"$(sysctl -n kernel.bpf_stats_enabled)" 0
		mon_stop TERM
		check_eq "sysctl kernel.bpf_stats_enabled still 0 after monitor ended" \
			"$(sysctl -n kernel.bpf_stats_enabled)" 0
		check_eq "statistics on while monitor runs (runs counted: $c1)" "$([ "$c1" -ge 20 ] && echo yes)" yes
		# ping exits 0 only when replies came back through the tx-side program: it
		# ran, so an unchanged count means the statistics were off, not that it idled.
		# Other processes (tests side by side, monitors timing 10 % of each interval)
		# turn them on for a while: a window with none of them is enough to show that
		# monitor left them off, and one comes within a few tries.
		off=no tries=0 seen=
		while [ "$off" = no ] && [ "$tries" -lt 10 ]; do
			tries=$((tries + 1))
			c2=$(run_cnt "$tid")
			if in_tx ping -q -n -c 20 -i 0.01 -w 8 "$IP4_RX" >/dev/null; then
				c3=$(run_cnt "$tid")
				seen="$seen $c2->$c3"
				[ "$c3" = "$c2" ] && off=yes
			else
				seen="$seen (no replies)"
			fi
		done
		echo "  tx-side program runs counted: $c1 while monitor ran; after it, per try:$seen"
		check_eq "statistics off after monitor ended (a try with no runs counted)" "$off" yes
	else
		fail "statistics off after exit: monitor attaches" "$(cat "$MON_ERR")"
	fi
	in_tx ip link set dev "$IF_TX" xdpgeneric off
fi
# --pretty (bpftool's -p): each interval's object indented over many lines.
echo "--- pretty JSON"
if mon_start 2 --mode native --interval 1 --pretty; then
	mon_wait 10
	got=$(python3 - "$MON_OUT" <<'EOF'
import json, sys
text, dec, pos, objs = open(sys.argv[1]).read(), json.JSONDecoder(), 0, []
while text[pos:].strip():
    o, end = dec.raw_decode(text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
    objs.append((o, text[pos:end].count("\n")))
    pos = end
print(len(objs) >= 2 and all(n > 100 and "rx" in o and "flows" in o for o, n in objs))
EOF
)
	check_eq "--pretty: one multi-line report object per interval" "$got" True
else
	fail "pretty: monitor attaches" "$(cat "$MON_ERR")"
fi
# The reader of the JSON stream goes away (| head -n 1): monitor stops at its next
# write, exit 0, detached, long before --duration. A full disk: exit 1, said.
echo "--- output errors"
t0=$(date +%s)
nsenter -t "$RX_HOLD" -m -n -- bash -c \
	'"$0" monitor -i "$1" --json --interval 0.2 --duration 60 2>"$2"; echo $? >"$3"' \
	"$PKTLENS" "$IF_RX" "$LAB_TMP/pipe.err" "$LAB_TMP/pipe.rc" | head -n 1 >"$LAB_TMP/pipe.out"
sleep 0.5
check_eq "| head -n 1: monitor exit status" "$(cat "$LAB_TMP/pipe.rc" 2>/dev/null)" 0
if [ $(($(date +%s) - t0)) -le 10 ]; then ok "| head -n 1: monitor stopped soon"; else fail "| head -n 1: monitor stopped soon" "$(($(date +%s) - t0)) s"; fi
check_grep "| head -n 1: the reader got a report" "$LAB_TMP/pipe.out" '^\{"'
nothing_attached "| head -n 1"
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --interval 0.2 \
	--duration 10 >/dev/full 2>"$LAB_TMP/full.err"
check_rc ">/dev/full: exit status" "$?" 1
check_grep ">/dev/full: says standard output failed" "$LAB_TMP/full.err" 'standard output failed: No space left'
nothing_attached ">/dev/full"

check_rc "--cost-sample 101 is bad usage" \
	"$(in_rx "$PKTLENS" monitor -i "$IF_RX" --cost-sample 101 >/dev/null 2>&1; echo $?)" 2

finish
