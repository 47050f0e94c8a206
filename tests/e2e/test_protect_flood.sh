#!/bin/bash
# test_protect_flood.sh - protect against floods with a legitimate client beside the
# attacker: the lab's tx namespace becomes a bridge joining two more namespaces, an
# attacker (198.18.0.10) and a legitimate client (198.18.0.11), to the target running
# protect on its one interface. What reaches the target is counted by nftables there (after XDP);
# what the attacker sent by its interface's kernel counter.
#  - a --rand-source UDP flood (every packet from another address) against
#    `rate 0.0.0.0/0 PPS aggregate` with a per-source rule for the lab's network inside
#    it: the flood reaching the target stays within the aggregate bucket, the
#    legitimate client's pings all come back meanwhile, and the rate state holds a
#    handful of entries however many sources there were (memory bounded);
#  - PL_TEST_FULL=1: the legitimate client's iperf3 throughput without an attack, and
#    then while the attacker, blocked, floods SYNs at the iperf3 port as fast as hping3
#    sends: at least 90 % of it, and at most 1 % of the flood reaches the target.
# shellcheck source=../lib/netns.sh
. "$(dirname "$0")/../lib/netns.sh"

need_root_tools hping3 nft ping bpftool
lab_up || { fail "lab setup"; finish; }

IP4_ATK=198.18.0.10 IP4_LEG=198.18.0.11
MAC_ATK=02:00:c6:12:00:0a MAC_LEG=02:00:c6:12:00:0b
NS_ATK=pl-atk-$$ NS_LEG=pl-leg-$$
in_atk() { ip netns exec "$NS_ATK" "$@"; }
in_leg() { ip netns exec "$NS_LEG" "$@"; }

# three_ns: the tx namespace turns into a bridge; the attacker and the client hang on it.
three_ns() {
	local role ns mac ip
	in_tx ip addr flush dev "$IF_TX"
	in_tx ip link add "plbr$$" type bridge || return 1
	in_tx ip link set "$IF_TX" master "plbr$$" || return 1
	in_tx ip link set "plbr$$" up
	for role in atk leg; do
		if [ $role = atk ]; then
			ns=$NS_ATK mac=$MAC_ATK ip=$IP4_ATK
		else
			ns=$NS_LEG mac=$MAC_LEG ip=$IP4_LEG
		fi
		ip netns add "$ns" || return 1
		LAB_EXTRA_NS+=("$ns")
		ns_sysctls "$ns"
		ip link add "pl$role$$" address "$mac" netns "$ns" type veth \
			peer name "pl${role}b$$" netns "$NS_TX" || return 1
		in_tx ip link set "pl${role}b$$" master "plbr$$" up || return 1
		ip netns exec "$ns" ip link set lo up
		ip netns exec "$ns" ip addr add "$ip/24" dev "pl$role$$"
		ip netns exec "$ns" ip link set "pl$role$$" up
		ip netns exec "$ns" ip neigh replace "$IP4_RX" lladdr "$MAC_RX" dev "pl$role$$" nud permanent
		ip netns exec "$NS_RX" ip neigh replace "$ip" lladdr "$mac" dev "$IF_RX" nud permanent
	done
}
atk_tx() { in_atk cat "/sys/class/net/platk$$/statistics/tx_packets"; }

if ! three_ns; then
	fail "three namespaces on a bridge"
	finish
fi
if in_leg ping -c 2 -i 0.2 -W 2 "$IP4_RX" >/dev/null 2>&1; then
	ok "the legitimate client reaches the target over the bridge"
else
	fail "the legitimate client reaches the target over the bridge"
	finish
fi

# prot_start RULES_TEXT: protect with these rules; JSON every 0.5 s.
prot_start() {
	printf '%b' "$1" >"$LAB_TMP/rules"
	MON_OUT=$LAB_TMP/prot.json MON_ERR=$LAB_TMP/prot.err
	: >"$MON_ERR"
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect --json --interval 0.5 --duration 200 \
		-i "$IF_RX" --rules "$LAB_TMP/rules" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	wait_grep "$MON_ERR" "protect: (dry run|dropping)" "$MON_PID"
}

# cap_start MATCH / cap_stop: count what reaches the target (nft_count_start); cap_stop
# waits for the link to go quiet and sets got.
cap_start() { nft_count_start "$1"; }
cap_stop() {
	lab_quiet
	got=$(nft_count 1)
}

# ---- a --rand-source flood against an aggregate rate rule -----------------------------
APPS=200 ABURST=200
if prot_start "rate 0.0.0.0/0 $APPS burst $ABURST aggregate\nrate 198.18.0.0/24 5000\n"; then
	ok "protect with an aggregate rate rule started"
	cap_start "meta protocol ip ip saddr != 198.18.0.0/24 udp dport 9090"
	tx0=$(atk_tx) t0=$(now_ms)
	# 3 s of random-source UDP at about 20-50 kpps (hping3's pace on this machine).
	in_atk timeout -s INT 3 hping3 --udp -p 9090 --rand-source -i u20 "$IP4_RX" \
		>"$LAB_TMP/rand.out" 2>&1 &
	hp=$!
	in_leg ping -c 20 -i 0.1 -W 2 "$IP4_RX" >"$LAB_TMP/ping.out" 2>&1
	wait "$hp"
	t1=$(now_ms) tx1=$(atk_tx)
	cap_stop
	sent=$((tx1 - tx0))
	bound=$((ABURST + APPS * (t1 - t0) / 1000 + 1))
	replies=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$LAB_TMP/ping.out")
	echo "  (--rand-source: $sent packets in $((t1 - t0)) ms, $got reached the target)"
	check_true "the random-source flood was sent ($sent packets)" [ "$sent" -gt $((4 * bound)) ]
	check_true "at most the aggregate bucket reached the target ($got <= $bound of $sent)" \
		[ "$got" -le "$bound" ]
	check_true "the bucket was used, not everything dropped ($got >= $ABURST)" [ "$got" -ge "$ABURST" ]
	check_eq "the legitimate client's pings came back during the flood" "${replies:-0}" 20
	in_rx bpftool map dump pinned "/sys/fs/bpf/pktlens/$IF_RX/pl_rate_state" \
		>"$LAB_TMP/state.txt" 2>&1
	states=$(grep -c '"key"\|^key' "$LAB_TMP/state.txt")
	check_true "the rate state stays small: $states entries for $sent random sources" \
		[ "$states" -ge 1 ] && [ "$states" -le 4 ]
	mon_stop
	check_rc "protect ends on SIGINT" "$MON_RC" 0
else
	fail "protect with an aggregate rate rule starts" "$(head -c 600 "$MON_ERR")"
fi

if [ "${PL_TEST_FULL:-0}" != 1 ]; then
	skip "iperf3 throughput under a blocked SYN flood" "PL_TEST_FULL=1 only"
	finish
fi
command -v iperf3 >/dev/null || { skip "iperf3 under a flood" "no iperf3"; finish; }

# ---- the legitimate client's throughput while a blocked attacker floods -----------------
in_rx timeout 120 iperf3 -s -p 5301 -B "$IP4_RX" >/dev/null 2>&1 &
LAB_PIDS+=($!)
wait_until 5 sh -c "nsenter -t $RX_HOLD -n ss -ltn | grep -q ':5301'"
# iperf_bps: a 3 s upload from the client capped at 300 Mbit/s; prints bits a second.
iperf_bps() {
	in_leg timeout 20 iperf3 -c "$IP4_RX" -p 5301 -t 3 -b 300M -J >"$LAB_TMP/iperf.json" 2>&1
	"$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' \
		"$LAB_TMP/iperf.json" 2>/dev/null || echo 0
}
if prot_start "block $IP4_ATK\n"; then
	base=$(iperf_bps)
	check_true "iperf3 without an attack ($((base / 1000000)) Mbit/s)" [ "$base" -gt 0 ]
	cap_start "meta protocol ip ip saddr $IP4_ATK"
	tx0=$(atk_tx)
	in_atk timeout -s INT 6 hping3 -S -p 5301 --flood "$IP4_RX" >"$LAB_TMP/flood.out" 2>&1 &
	hp=$!
	wait_until 3 sh -c "[ \$(ip netns exec $NS_ATK cat /sys/class/net/platk$$/statistics/tx_packets) -gt $((tx0 + 1000)) ]"
	under=$(iperf_bps)
	wait "$hp"
	tx1=$(atk_tx)
	cap_stop
	sent=$((tx1 - tx0))
	echo "  (iperf3: $((base / 1000000)) Mbit/s alone, $((under / 1000000)) Mbit/s under a flood of $sent SYNs, $got of them reached the target)"
	check_true "the flood was sent ($sent packets)" [ "$sent" -gt 10000 ]
	check_true "at most 1 % of the flood reached the target ($got of $sent)" \
		[ "$got" -le $((sent / 100)) ]
	check_true "iperf3 under the flood keeps >= 90 % ($((under / 1000000)) of $((base / 1000000)) Mbit/s)" \
		[ "$under" -ge $((base * 9 / 10)) ]
	# For the record (not checked): the same flood with the block removed.
	if in_rx "$PKTLENS" unblock "$IP4_ATK" >/dev/null 2>&1; then
		in_atk timeout -s INT 6 hping3 -S -p 5301 --flood "$IP4_RX" >/dev/null 2>&1 &
		hp=$!
		open=$(iperf_bps)
		wait "$hp"
		echo "  (iperf3 under the same flood unblocked: $((open / 1000000)) Mbit/s)"
	fi
	mon_stop
else
	fail "protect with a block starts" "$(head -c 600 "$MON_ERR")"
fi
finish
