# shellcheck shell=bash
# delay.sh - sourced after netns.sh: the lab's direct link replaced by two links through
# a third namespace where tests/tools/delayline bridges them and holds every frame from
# the tx side to the rx side a set time (this kernel has no netem). IPv4 and IPv6
# addresses of the lab on the new links, neighbours fixed.
#
#   lab_delay_up        after lab_up: the middle namespace and the two links
#   dl_start DELAY_MS   (re)start the bridge with that delay
#   ping_avg [ADDR]     mean ping RTT (ms) from tx to rx (or ADDR) through the bridge now
#   within GOT WANT     |GOT - WANT| <= max(10 % of WANT, 1 ms)
DL=$BUILD_DIR/tests/tools/delayline
DL_PID=

lab_delay_up() {
	local side
	NS_MID=pl-mid-$$ M_TX=mt$$ M_RX=mr$$
	LAB_EXTRA_NS+=("$NS_MID")
	[ -x "$DL" ] || return 1
	ip netns add "$NS_MID" || return 1
	ip netns exec "$NS_RX" ip link del "$IF_RX"
	ip link add "$IF_TX" address "$MAC_TX" netns "$NS_TX" type veth peer name "$M_TX" netns "$NS_MID" &&
		ip link add "$IF_RX" address "$MAC_RX" netns "$NS_RX" type veth peer name "$M_RX" netns "$NS_MID" ||
		return 1
	for side in "$NS_TX $IF_TX $IP4_TX $IP4_RX $MAC_RX $IP6_TX $IP6_RX" \
		"$NS_RX $IF_RX $IP4_RX $IP4_TX $MAC_TX $IP6_RX $IP6_TX"; do
		set -- $side
		# Whole frames on the wire: the bridge reads what the sender wrote.
		ip netns exec "$1" ethtool -K "$2" tx off tso off gso off rxvlan off txvlan off >/dev/null 2>&1
		ip netns exec "$1" ip addr add "$3/24" dev "$2"
		ip netns exec "$1" ip neigh replace "$4" lladdr "$5" dev "$2" nud permanent
		ip netns exec "$1" ip addr add "$6/64" dev "$2" nodad
		ip netns exec "$1" ip neigh replace "$7" lladdr "$5" dev "$2" nud permanent
		ip netns exec "$1" ip link set "$2" up
	done
	ip netns exec "$NS_MID" ip link set "$M_TX" up &&
		ip netns exec "$NS_MID" ip link set "$M_RX" up || return 1
	ip netns exec "$NS_MID" ethtool -K "$M_TX" gro off >/dev/null 2>&1
	ip netns exec "$NS_MID" ethtool -K "$M_RX" gro off >/dev/null 2>&1
	return 0
}

dl_start() {
	[ -n "$DL_PID" ] && kill "$DL_PID" 2>/dev/null && wait "$DL_PID" 2>/dev/null
	# $! must be the bridge itself (ip netns exec execs it); real-time priority: on a
	# busy machine a woken bridge would add the wait for a CPU.
	ip netns exec "$NS_MID" chrt -f 50 "$DL" "$M_TX" "$M_RX" "$1" 0 60 >"$LAB_TMP/dl.out" \
		2>"$LAB_TMP/dl.err" &
	DL_PID=$!
	LAB_PIDS+=("$DL_PID")
	wait_grep "$LAB_TMP/dl.err" "delayline:" "$DL_PID"
}

ping_avg() {
	in_tx ping -n -q -c 10 -i 0.05 -W 2 "${1:-$IP4_RX}" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p'
}

within() {
	awk -v g="$1" -v w="$2" 'BEGIN { t = w * 0.1; if (t < 1) t = 1; d = g - w;
		if (d < 0) d = -d; exit !(g != "" && d <= t) }'
}
