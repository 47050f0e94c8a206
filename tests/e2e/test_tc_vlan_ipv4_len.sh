#!/usr/bin/env bash
# test_tc_vlan_ipv4_len.sh - an IPv4 total length that overruns the frame is malformed
# in tc mode as in XDP, also behind a VLAN tag the kernel took out of the frame before
# tc ingress (the wire length then counts 4 bytes that are not in the buffer; the
# header offsets do not).
#
# trafgen sends, per round: a tagged IPv4/UDP frame whose total length is 2 bytes
# longer than the packet, the same frame with the right length, and an untagged frame
# 2 bytes too long. native and tc must both count 2 malformed and 1 good UDP packet
# per round.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# IPv4 + UDP + 22 bytes: 50 bytes; len=52 overruns the frame by 2.
cat >"$LAB_TMP/len.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX, len=52), udp(sp=40001, dp=7000), fill(0x41, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX, len=50), udp(sp=40002, dp=7000), fill(0x42, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, len=52), udp(sp=40003, dp=7000), fill(0x43, 22) }
EOF
N=50
for mode in native tc; do
	if ! mon_start 30 --mode "$mode"; then
		fail "$mode: monitor" "$(tail -n 3 "$MON_ERR")"
		continue
	fi
	trafgen_send $((3 * N)) "$LAB_TMP/len.cfg"
	sleep 1.2
	mon_stop INT
	check_eq "$mode: total length 2 bytes past the frame is malformed, tagged or not" \
		"$(json_get "$MON_OUT" 'j["malformed"]["bad_ipv4_total_length"]')" $((2 * N))
	check_eq "$mode: the tagged frame with the right length is a UDP flow" \
		"$(json_get "$MON_OUT" '(flow("udp", 40002, 7000) or {}).get("packets")')" "$N"
done
finish
