#!/usr/bin/env bash
# test_tcp_loss.sh - TCP retransmissions against the kernel's own count. An nftables
# rule on the receiver (tx namespace) drops one in 20 of the data packets of an iperf3
# transfer (numgen random mod 20 == 0: 5 % loss); the sender is the rx namespace
# (iperf3 -R), where `pktlens monitor` watches: its tc egress program sees every
# segment the sender's stack sends, resent ones included (GSO packets by their segment
# count), and its ingress program the receiver's ACKs. Checked: tcp.retransmitted_segments
# within 10 % of the sender namespace's TcpRetransSegs (nstat) over the run, the
# transfer's flow carries them, and the receiver's duplicate ACKs were seen.
# PL_TEST_FULL=1: a 10 s transfer instead of 2 s.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools iperf3 nft nstat
SECS=2
[ "${PL_TEST_FULL:-0}" = 1 ] && SECS=10

lab_up || { fail "lab" "could not build the namespaces"; finish; }
in_rx timeout 60 iperf3 -s -1 -B "$IP4_RX" -p 5201 >"$LAB_TMP/iperf-s.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :5201' | grep -q ." ||
	{ fail "setup" "iperf3 is not listening"; finish; }
in_tx nft -f - <<EOF || { fail "setup" "nft could not add the drop rule"; finish; }
table inet pl_loss {
	chain in {
		type filter hook input priority 0;
		tcp sport 5201 meta length > 200 numgen random mod 20 == 0 counter drop
	}
}
EOF
mon_start 60 --interval 0.5 --l7-packets 0 ||
	{ fail "monitor" "did not attach: $(cat "$MON_ERR")"; finish; }
ok "monitor attached ($MON_MODE)"
before=$(in_rx nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
in_tx timeout 60 iperf3 -c "$IP4_RX" -p 5201 -R -t "$SECS" -b 300M -J >"$LAB_TMP/iperf-c.json" 2>&1 ||
	fail "iperf3" "$(tail -3 "$LAB_TMP/iperf-c.json")"
after=$(in_rx nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
kernel=$((after - before))
dropped=$(in_tx nft list table inet pl_loss | sed -nE 's/.*packets ([0-9]+).*/\1/p')
echo "  dropped by nftables: $dropped packets; the sender's kernel resent $kernel segments"
[ "$kernel" -gt 20 ] && ok "the kernel resent $kernel segments" ||
	fail "loss" "the kernel resent only '$kernel' segments"

retr() { json_get "$MON_OUT" 'j["tcp"]["retransmitted_segments"]'; }
settled() { [ "$(retr)" -ge "$kernel" ] 2>/dev/null; }
wait_until 5 settled
got=$(retr)
awk -v g="$got" -v w="$kernel" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g ~ /^[0-9]+$/ && d <= w * 0.1) }' &&
	ok "retransmitted segments $got ~ the kernel's $kernel (10 %)" ||
	fail "retransmitted segments" "pktlens $got, kernel TcpRetransSegs $kernel"
flow_r=$(json_get "$MON_OUT" 'max(f["tcp"]["retransmitted_segments"] for f in j["top_flows_by_bytes"] if f.get("tcp"))')
awk -v g="$flow_r" -v w="$kernel" 'BEGIN { exit !(g ~ /^[0-9]+$/ && g >= w * 0.8 && g <= w * 1.1) }' &&
	ok "the transfer's flow carries $flow_r of them" ||
	fail "the transfer's flow" "$flow_r retransmitted (kernel: $kernel in all)"
dup=$(json_get "$MON_OUT" 'j["tcp"]["duplicate_acks"]')
[ "$dup" -gt 0 ] 2>/dev/null && ok "duplicate ACKs from the receiver: $dup" ||
	fail "duplicate ACKs" "$dup"
mon_stop
check_eq "monitor exit status" "$MON_RC" 0
finish
