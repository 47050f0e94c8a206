#!/bin/bash
# test_protect.sh - pktlens protect, block, unblock and blocked on a veth lab: hping3
# floods (SYN, UDP, ICMP) from the tx namespace, bounded by -c and timeout, against the
# rx side running protect. What reaches the target is counted by nftables on the rx
# link's ingress hook (it sees what XDP passed, never what it dropped) and held against
# what hping3 says it sent;
# pktlens's own counters are only checked against those. Also: unblock lets the flood
# through again, a TTL expires, --dry-run drops nothing, bad input and no running
# instance are refused. (Rate limits, the allowlist and SIGHUP reloads:
# test_protect_rules.sh; a legitimate client beside the attacker: test_protect_flood.sh.)
# shellcheck source=../lib/netns.sh
. "$(dirname "$0")/../lib/netns.sh"

need_root_tools hping3 nft
lab_up || { fail "lab setup"; finish; }

N=400 # packets per flood

# prot_start [ARGS...]: protect on the rx side, JSON reports every 0.2 s.
prot_start() {
	MON_N=$((MON_N + 1))
	MON_OUT=$LAB_TMP/prot$MON_N.json MON_ERR=$LAB_TMP/prot$MON_N.err
	: >"$MON_ERR"
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect --json --interval 0.2 --duration 300 \
		-i "$IF_RX" "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	wait_grep "$MON_ERR" "protect: (dry run|dropping)" "$MON_PID"
}

# flood KIND: N packets of KIND (syn, udp, icmp) from tx to rx at 5 kpps; sets SENT (what
# hping3 says it sent) and got (how many reached the rx side's stack: an nftables counter
# on the rx link's netdev ingress hook, after XDP, counts them exactly; tcpdump would
# miss some on a busy machine).
flood() {
	local kind=$1 t0=$(now_ms) hp match before
	SENT=
	case $kind in
	syn) hp=(-S -p 8080) match="meta l4proto tcp th dport 8080" ;;
	udp) hp=(--udp -p 9090) match="meta l4proto udp th dport 9090" ;;
	icmp) hp=(--icmp) match="meta l4proto icmp icmp type echo-request" ;;
	esac
	nft_count_start "meta protocol ip ip saddr $IP4_TX $match"
	in_tx timeout 15 hping3 "${hp[@]}" -c "$N" -i u200 "$IP4_RX" >"$LAB_TMP/hping.out" 2>&1
	lab_quiet
	SENT=$(sed -nE 's/^([0-9]+) packets tramitted.*/\1/p; s/^([0-9]+) packets transmitted.*/\1/p' \
		"$LAB_TMP/hping.out" | head -1)
	got=$(nft_count 1)
	[ -n "${PL_TEST_VERBOSE:-}" ] && echo "  (flood $kind took $(($(now_ms) - t0)) ms)"
	return 0
}

# arrived: at least 99 % of what hping3 sent reached the stack; dropped: at most 1 %.
arrived() { [ -n "$SENT" ] && [ "$SENT" -gt 0 ] && [ "$got" -ge $((SENT * 99 / 100)) ]; }
dropped() { [ -n "$SENT" ] && [ "$SENT" -gt 0 ] && [ "$got" -le $((SENT / 100)) ]; }

# rule_packets CIDR: packets counted on the rule matching CIDR in `blocked --json`.
rule_packets() {
	in_rx "$PKTLENS" blocked --json -i "$IF_RX" >"$LAB_TMP/blocked.json"
	json_get "$LAB_TMP/blocked.json" \
		"[r['packets'] for r in j['mitigation']['rules'] if r.get('cidr') == '$1'][0]"
}

# The target's default gateway (on its link, no such host): protected unless
# --block-gateway.
GW=198.18.0.254
ip netns exec "$NS_RX" ip route add default via "$GW" dev "$IF_RX"
if ! prot_start; then
	fail "protect starts" "$(head -c 600 "$MON_ERR")"
	finish
fi
ok "protect attached ($(sed -nE 's/.*protecting [^ ]+ in ([a-z]+) mode.*/\1/p' "$MON_ERR"))"

# Before any block: everything arrives.
flood syn
check_true "before the block, the SYN flood arrives ($got of ${SENT:-?})" arrived

# Block the attacker: at least 99 % of each flood dropped before the stack sees it.
in_rx "$PKTLENS" block "$IP4_TX" >"$LAB_TMP/block.out" 2>&1
check_rc "block $IP4_TX" $? 0
for kind in syn udp icmp; do
	flood "$kind"
	if dropped; then
		ok "$kind flood blocked: $got of $SENT reached the target"
	else
		fail "$kind flood blocked" "$got of ${SENT:-?} reached the target"
	fi
done
pk=$(rule_packets "$IP4_TX")
check_true "the rule counted the dropped floods ($pk >= $((3 * N * 99 / 100)))" \
	[ "$pk" -ge $((3 * N * 99 / 100)) ] 2>/dev/null
check_grep "blocked lists the rule from the command line" "$LAB_TMP/blocked.json" \
	"\"cidr\":\"$IP4_TX\",.*\"origin\":\"cli\""
wait_until 3 grep -q '"dropped":[1-9]' "$MON_OUT"
check_grep "protect's report counts the drops" "$MON_OUT" '"mitigation":\{"dropped":[1-9]'
check_grep "dropped packets are still in the traffic totals" "$MON_OUT" '"total":\{"packets":[1-9]'

# Bad input: clear errors, nothing changed.
in_rx "$PKTLENS" block "$GW" >"$LAB_TMP/badgw" 2>&1
check_rc "block of the default gateway refused" $? 1
check_grep "... saying why" "$LAB_TMP/badgw" "covers $GW, an address of this host or its gateway"
in_rx "$PKTLENS" block 0.0.0.0/0 >"$LAB_TMP/bad1" 2>&1
check_rc "block 0.0.0.0/0 refused" $? 1
check_grep "block 0.0.0.0/0 says why" "$LAB_TMP/bad1" "every IPv4 address"
in_rx "$PKTLENS" block "$IP4_RX" >"$LAB_TMP/bad2" 2>&1
check_rc "blocking the host's own address refused" $? 1
check_grep "own address: says why" "$LAB_TMP/bad2" "address of this host"
in_rx "$PKTLENS" block 198.18.0.1/15 >"$LAB_TMP/bad3" 2>&1
check_rc "a CIDR with host bits is a usage error" $? 2
check_grep "host bits: the fix is named" "$LAB_TMP/bad3" "did you mean 198.18.0.0/15"
in_rx "$PKTLENS" block 198.18.0.0/24 >"$LAB_TMP/bad4" 2>&1
check_rc "an overlapping block refused" $? 1
in_rx "$PKTLENS" block 2001:db8::/32 --proto icmp >"$LAB_TMP/bad5" 2>&1
check_rc "family mismatch (IPv6 with icmp) is a usage error" $? 2

# Unblock: the flood arrives again.
in_rx "$PKTLENS" unblock "$IP4_TX" >/dev/null 2>&1
check_rc "unblock $IP4_TX" $? 0
flood syn
check_true "after unblock the flood arrives ($got of ${SENT:-?})" arrived

# A port rule: only that port is dropped.
in_rx "$PKTLENS" block "$IP4_TX" --port 9090 --proto udp >/dev/null 2>&1
check_rc "block --port 9090 --proto udp" $? 0
flood udp
check_true "udp to 9090 dropped ($got of ${SENT:-?})" dropped
flood syn
check_true "tcp to 8080 still arrives ($got of ${SENT:-?})" arrived
in_rx "$PKTLENS" unblock "$IP4_TX" --port 9090 --proto udp >/dev/null 2>&1
check_rc "unblock the port rule" $? 0

# A TTL: blocked, then the rule expires by itself and traffic flows again.
in_rx "$PKTLENS" block "$IP4_TX" --ttl 2s >/dev/null 2>&1
check_rc "block --ttl 2s" $? 0
flood icmp
check_true "blocked while the TTL runs ($got of ${SENT:-?})" dropped
expired() { ! in_rx "$PKTLENS" blocked -i "$IF_RX" 2>/dev/null | grep -q " $IP4_TX "; }
check_true "the rule expires by itself" wait_until 6 expired
flood icmp
check_true "after expiry the flood arrives ($got of ${SENT:-?})" arrived

mon_stop
check_rc "protect ends on SIGINT" "$MON_RC" 0
in_rx "$PKTLENS" block "$IP4_TX" >"$LAB_TMP/none" 2>&1
check_rc "block with no running protect" $? 1
check_grep "no running protect: says so" "$LAB_TMP/none" "no running pktlens protect"
in_rx "$PKTLENS" block 0.0.0.0/0 >"$LAB_TMP/none0" 2>&1
check_rc "block 0.0.0.0/0 with no running protect" $? 1
check_grep "... says what is wrong with the prefix first" "$LAB_TMP/none0" "every IPv4 address"

# --dry-run: the same block drops nothing and counts what it would have dropped.
# (With --block-gateway: the gateway may be blocked, the host's own address may not.)
printf 'block %s\n' "$IP4_TX" >"$LAB_TMP/rules"
if prot_start --dry-run --rules "$LAB_TMP/rules" --block-gateway; then
	flood syn
	check_true "--dry-run drops nothing ($got of ${SENT:-?})" arrived
	wait_until 3 grep -q '"would_drop":[1-9]' "$MON_OUT"
	check_grep "--dry-run counts would_drop" "$MON_OUT" '"would_drop":[1-9]'
	in_rx "$PKTLENS" block "$GW" >"$LAB_TMP/gw.out" 2>&1
	check_rc "--block-gateway: block of the gateway accepted" $? 0
	in_rx "$PKTLENS" block "$IP4_RX" >"$LAB_TMP/own.out" 2>&1
	check_rc "--block-gateway: block of the host's own address still refused" $? 1
	mon_stop
else
	fail "protect --dry-run starts" "$(head -c 600 "$MON_ERR")"
fi

# A data plane bpftool loaded and pinned: block/blocked/unblock through --pinned.
BPIN=/sys/fs/bpf/pktlens/bpftool$$
if in_rx mkdir -p /sys/fs/bpf/pktlens &&
	in_rx bpftool prog loadall "$BPF_OBJ" "$BPIN" pinmaps "$BPIN" 2>"$LAB_TMP/bpftool.err" &&
	in_rx bpftool net attach xdp pinned "$BPIN/xdp_pktlens" dev "$IF_RX" 2>>"$LAB_TMP/bpftool.err"; then
	in_rx "$PKTLENS" block "$GW" --pinned "$BPIN" >/dev/null 2>&1
	check_rc "block --pinned of the gateway refused (no protect's rules there)" $? 1
	in_rx "$PKTLENS" block "$IP4_TX" --pinned "$BPIN" >/dev/null 2>"$LAB_TMP/bblock.err"
	check_rc "block --pinned (bpftool's data plane)" $? 0
	flood udp
	check_true "bpftool's data plane drops the blocked flood ($got of ${SENT:-?})" dropped
	in_rx "$PKTLENS" blocked --json --pinned "$BPIN" >"$LAB_TMP/bblocked.json"
	check_eq "blocked --pinned counts them" \
		"$(json_get "$LAB_TMP/bblocked.json" "j['mitigation']['rules'][0]['packets'] >= ${SENT:-1} * 99 // 100")" True
	in_rx "$PKTLENS" unblock "$IP4_TX" --pinned "$BPIN" >/dev/null 2>&1
	check_rc "unblock --pinned" $? 0
	flood udp
	check_true "after unblock bpftool's data plane passes it ($got of ${SENT:-?})" arrived
	in_rx bpftool net detach xdp dev "$IF_RX"
else
	fail "bpftool loads and attaches pktlens.bpf.o" "$(head -c 400 "$LAB_TMP/bpftool.err")"
fi
in_rx rm -rf "$BPIN"

# A rules file with a bad line: named with its line, exit 1.
printf 'allow 198.18.0.0/24\nblock 198.18.0.300\n' >"$LAB_TMP/bad.rules"
in_rx "$PKTLENS" protect -i "$IF_RX" --duration 1 --rules "$LAB_TMP/bad.rules" \
	>/dev/null 2>"$LAB_TMP/badrules.err"
check_rc "a bad rules file" $? 1
check_grep "the bad line is named" "$LAB_TMP/badrules.err" "bad.rules:2: '198.18.0.300' is not"
# A blocklist that is a directory: named, and said to be one.
mkdir "$LAB_TMP/bl.d"
printf 'blocklist bl.d\n' >"$LAB_TMP/dir.rules"
in_rx "$PKTLENS" protect -i "$IF_RX" --duration 1 --rules "$LAB_TMP/dir.rules" \
	>/dev/null 2>"$LAB_TMP/dirrules.err"
check_rc "a blocklist that is a directory" $? 1
check_grep "... is named as one" "$LAB_TMP/dirrules.err" "dir.rules:1: cannot read .*bl.d: it is a directory"

finish
