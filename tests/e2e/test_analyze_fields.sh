#!/usr/bin/env bash
# test_analyze_fields.sh - every field of `pktlens analyze --json`, on captures the test
# writes byte by byte (tests/lib/pcapgen.py), held against what the test wrote:
#   - a mixed capture: Ethernet, 802.1Q, 802.1ad/QinQ and 0x9100 tags; IPv4 with
#     options and fragments; IPv6 with every extension header and fragments; TCP with
#     all 256 flag combinations across both directions and a flow in each state; UDP,
#     ICMP/ICMPv6 echo and others, SCTP, ARP, other EtherTypes; GRE (key, sequence,
#     checksum, TEB, MPLS, PPTP, routing) and VXLAN with inner IPv4/IPv6 TCP/UDP/ARP/SCTP;
#     every malformed reason, inside a tunnel too; frames of 0, 1 and 13 bytes and on
#     each side of every size-class boundary; headers cut by a snap length; time stamps
#     that go back. Every key is compared (and a key the test does not know fails):
#     rx with pps/bps, total, l3/l4 with bytes, encap, inner_l3/l4, size_hist, vlan,
#     ip.*, tcp_flags, malformed.*, headers_cut, flows.*, both top flow lists (bytes
#     and bytes_reply, tcp_flags and tcp_flags_reply, state, times), top_sources, cost;
#   - the default --top: the ten largest of each list;
#   - --flows 16 with 300 flows: created, active, evicted, update_failures, the warning;
#   - a capture without packets: no time, zeros, empty lists.
# tshark, when installed, confirms that the frames are what the test says they are.
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
trap 'rm -rf "$LAB_TMP"' EXIT

out=$LAB_TMP/out
"$PY" "$E2E_ROOT/tests/e2e/analyze_fields.py" "$PKTLENS" "$LAB_TMP" >"$out" 2>&1
rc=$?
closing='^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'
grep -v -E "$closing" "$out"
line=$(grep -E "$closing" "$out" | tail -n 1)
if [ -z "$line" ]; then
	fail "analyze_fields.py" "exited $rc without a closing line"
else
	read -r p _ f _ s _ <<<"${line//,/}"
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + ${s:-0}))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "analyze_fields.py" "exited $rc"
fi
finish
