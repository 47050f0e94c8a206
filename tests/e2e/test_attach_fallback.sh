#!/usr/bin/env bash
# test_attach_fallback.sh - an interface whose driver has no native XDP (macvlan):
#  - monitor and capture in the default mode fall back to generic XDP, say so, count
#    every frame sent to the interface, and leave nothing attached;
#  - --mode native fails there with exit 1, a message that names the other modes,
#    and nothing attached.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# A macvlan on the rx veth: frames to its MAC reach it through the veth's rx path.
MV=plmv$$
MAC_MV=02:00:c6:12:00:03
IP4_MV=198.18.0.3
if ! ip netns exec "$NS_RX" ip link add "$MV" link "$IF_RX" address "$MAC_MV" type macvlan \
	mode bridge || ! ip netns exec "$NS_RX" ip link set "$MV" up; then
	fail "macvlan" "could not create $MV"
	finish
fi
lab_quiet

mv_rx() { ip netns exec "$NS_RX" cat "/sys/class/net/$MV/statistics/rx_packets"; }
mv_xdp() {
	ip netns exec "$NS_RX" ip -d link show dev "$MV" | grep -Eo 'prog/xdp[a-z]* id [0-9]+'
}

N=300
cat >"$LAB_TMP/udp.cfg" <<EOF2
{ eth(da=$MAC_MV, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_MV), udp(sp=40001, dp=7000), fill(0x41, 18) }
EOF2

# bg_start NAME CMD...: run CMD on the rx side, wait until it says it attached.
bg_start() {
	local name=$1
	shift
	BG_OUT=$LAB_TMP/$name.out BG_ERR=$LAB_TMP/$name.err
	nsenter -t "$RX_HOLD" -m -n -- "$@" >"$BG_OUT" 2>"$BG_ERR" &
	BG_PID=$!
	LAB_PIDS+=("$BG_PID")
	wait_grep "$BG_ERR" "(monitoring|capturing on|listening on) $MV" "$BG_PID"
}

# monitor, default mode
rx0=$(mv_rx)
if bg_start mon "$PKTLENS" monitor -i "$MV" --json --duration 8; then
	check_grep "monitor: says native XDP is not available and why" "$BG_ERR" \
		"native XDP not available on $MV \(.+\): using generic XDP"
	check_grep "monitor: says it runs in generic mode" "$BG_ERR" "monitoring $MV in generic mode"
	check_true "monitor: XDP program attached to $MV while it runs" test -n "$(mv_xdp)"
	trafgen_send "$N" "$LAB_TMP/udp.cfg"
	pid_wait "$BG_PID" 15
	check_rc "monitor: exit status" "$WAIT_RC" 0
	check_eq "monitor: JSON mode" "$(json_get "$BG_OUT" 'j["mode"]')" generic
	check_eq "monitor: the macvlan's rx counter grew by exactly the frames sent" \
		"$(($(mv_rx) - rx0))" "$N"
	check_eq "monitor: total packets" "$(json_get "$BG_OUT" 'j["total"]["packets"]')" "$N"
	check_eq "monitor: UDP flow packets" \
		"$(json_get "$BG_OUT" '(flow("udp", 40001, 7000) or {}).get("packets")')" "$N"
	check_eq "monitor: nothing left attached to $MV" "$(mv_xdp)" ""
else
	fail "monitor: attach to $MV" "$(cat "$BG_ERR")"
fi

# capture, default mode: the same fallback, and every frame written
if bg_start cap "$PKTLENS" capture -i "$MV" -c "$N" -w "$LAB_TMP/mv.pcap" --duration 20 udp; then
	check_grep "capture: says native XDP is not available" "$BG_ERR" \
		"native XDP not available on $MV \(.+\): using generic XDP"
	check_grep "capture: says it runs in generic mode" "$BG_ERR" "capturing on $MV in generic mode"
	trafgen_send "$N" "$LAB_TMP/udp.cfg"
	pid_wait "$BG_PID" 25
	check_rc "capture: exit status" "$WAIT_RC" 0
	check_grep "capture: $N packets captured" "$BG_ERR" "^$N packets captured"
	check_eq "capture: tcpdump reads $N packets back" \
		"$(tcpdump -nr "$LAB_TMP/mv.pcap" 2>/dev/null | grep -c "^[0-9:.]* IP $IP4_TX.40001 > $IP4_MV.7000: ")" "$N"
	check_eq "capture: nothing left attached to $MV" "$(mv_xdp)" ""
else
	fail "capture: attach to $MV" "$(cat "$BG_ERR")"
fi

# --mode native where the driver has none
in_rx timeout 20 "$PKTLENS" monitor -i "$MV" --mode native --json --duration 2 \
	>"$LAB_TMP/native.out" 2>"$LAB_TMP/native.err"
check_rc "--mode native on macvlan: exit status" "$?" 1
check_grep "--mode native on macvlan: says native failed and names the other modes" \
	"$LAB_TMP/native.err" "native XDP attach to $MV failed: .*try --mode generic or --mode tc"
check_eq "--mode native on macvlan: no report on stdout" "$(wc -c <"$LAB_TMP/native.out")" 0
check_eq "--mode native on macvlan: nothing left attached" "$(mv_xdp)" ""

finish
