#!/usr/bin/env bash
# test_drops.sh - `pktlens drops` counts the kernel's drops of received packets by
# reason, interface and port, held against what the kernel itself counted and what
# the test sent, on the lab's veth:
#   NETFILTER_DROP  UDP to port 7001, dropped by an nftables rule   == the rule's counter
#   NO_SOCKET       UDP to closed port 7002 (IPv4) and 7004 (IPv6)  == nstat UdpNoPorts /
#                                                                      Udp6NoPorts deltas
#   IP_CSUM         IPv4 with a bad header checksum (port 7005)      == nstat IpExtInCsumErrors
#   OTHERHOST       frames to another MAC address                   == frames trafgen sent
# `drops -i IF` counts nothing on lo (UDP to a closed port there, counted by a second
# `drops` without -i, against UdpNoPorts); the reason names of --reasons equal the
# ones the kernel's own tracepoint format prints; bad options exit 2, a missing
# interface 1.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen nft nstat python3

N_NFT=200 N_NOSOCK=300 N_NOSOCK6=120 N_CSUM=150 N_OTHER=250 N_LO=50
MAC_OTHER=02:00:c6:12:00:99

# ---- options and exit codes (no lab needed) ----------------------------------------
"$PKTLENS" drops --bogus >/dev/null 2>"$LAB_TMP/err"
check_rc "unknown option" $? 2
check_grep "unknown option: names drops" "$LAB_TMP/err" "pktlens: drops:"
"$PKTLENS" drops --interval 0 >/dev/null 2>&1
check_rc "--interval 0" $? 2
"$PKTLENS" drops --top x >/dev/null 2>&1
check_rc "--top x" $? 2
"$PKTLENS" drops udp >/dev/null 2>&1
check_rc "an expression" $? 2
"$PKTLENS" drops -i lo --all-netns >/dev/null 2>&1
check_rc "-i with --all-netns" $? 2
"$PKTLENS" drops -i pl-no-such-if --duration 1 >/dev/null 2>"$LAB_TMP/err"
check_rc "unknown interface" $? 1
check_grep "unknown interface: named" "$LAB_TMP/err" "unknown interface 'pl-no-such-if'"
"$PKTLENS" drops --help >"$LAB_TMP/help"
check_rc "--help" $? 0

# ---- reason names: the tracepoint's own format against --reasons ---------------------
"$PKTLENS" drops --reasons >"$LAB_TMP/reasons"
check_rc "--reasons" $? 0
# tracefs, mounted in a mount namespace of its own: the kernel's print format names
# every reason ({ 3, "NO_SOCKET" }, ...), from a table independent of its BTF.
unshare -m sh -c 'mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
	cat /sys/kernel/tracing/events/skb/kfree_skb/format' >"$LAB_TMP/format" 2>/dev/null
if grep -q '__print_symbolic' "$LAB_TMP/format"; then
	grep -oE '\{ *[0-9]+, *"[A-Z0-9_]+" *\}' "$LAB_TMP/format" |
		sed -E 's/\{ *([0-9]+), *"([A-Z0-9_]+)" *\}/\1 \2/' |
		awk '$2 != "MAX"' | sort -n >"$LAB_TMP/fmt_names"
	# The format lists the drop reasons (not SKB_CONSUMED and such) and the enum's
	# end, MAX, which is no reason: compare the reasons.
	awk 'NR == FNR { want[$1] = $2; next } ($1 in want) { print $1, $2 }' \
		"$LAB_TMP/fmt_names" "$LAB_TMP/reasons" | sort -n >"$LAB_TMP/ours"
	check_eq "every reason of the tracepoint format named alike ($(wc -l <"$LAB_TMP/fmt_names"))" \
		"$(if cmp -s "$LAB_TMP/fmt_names" "$LAB_TMP/ours"; then echo same; else
			diff "$LAB_TMP/fmt_names" "$LAB_TMP/ours" | head -n 5 | tr '\n' ' '; fi)" same
else
	skip "reason names against tracefs" "no tracefs format for skb:kfree_skb"
fi

lab_up || { fail "lab" "could not build the namespaces"; finish; }

in_rx nft -f - <<EOF || fail "nft" "could not add the rule"
table inet pltest {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7001 counter name "dropped" drop
	}
	counter dropped { }
}
EOF

cat >"$LAB_TMP/nft.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=7001), fill(0x41, 22) }
EOF
cat >"$LAB_TMP/nosock.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40002, dp=7002), fill(0x42, 22) }
EOF
cat >"$LAB_TMP/nosock6.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40004, dp=7004), fill(0x43, 2) }
EOF
cat >"$LAB_TMP/csum.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, csum=0x1234), udp(sp=40005, dp=7005), fill(0x44, 22) }
EOF
cat >"$LAB_TMP/other.cfg" <<EOF
{ eth(da=$MAC_OTHER, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40006, dp=7006), fill(0x45, 22) }
EOF

# rx_snmp NAME: a counter of the rx namespace (nstat: absolute, history untouched).
rx_snmp() {
	in_rx nstat -asz "$1" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
# snmp_reached NAME BASE N: the counter has grown by N since BASE.
snmp_reached() { [ $(($(rx_snmp "$1") - $2)) -ge "$3" ]; }
nft_count() {
	in_rx nft -j list counter inet pltest dropped 2>/dev/null |
		"$PY" -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
    if "counter" in o: print(o["counter"]["packets"])'
}
nft_reached() { [ "$(nft_count)" -ge "$1" ] 2>/dev/null; }

# drops_start NAME ARGS...: `pktlens drops --json ARGS` on the rx side; waits for it to
# attach. Sets D_PID, D_OUT, D_ERR.
drops_start() {
	D_OUT=$LAB_TMP/$1.json D_ERR=$LAB_TMP/$1.err
	shift
	: >"$D_ERR"
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" drops --json --interval 0.5 --top 0 \
		--duration 120 "$@" >"$D_OUT" 2>"$D_ERR" &
	D_PID=$!
	LAB_PIDS+=("$D_PID")
	wait_grep "$D_ERR" "counting drops of received packets" "$D_PID"
}

drops_start dif -i "$IF_RX" || fail "drops -i starts" "$(head -c 400 "$D_ERR")"
DIF_PID=$D_PID DIF_OUT=$D_OUT
drops_start dall || fail "drops starts" "$(head -c 400 "$D_ERR")"
DALL_PID=$D_PID DALL_OUT=$D_OUT
# drops -i as text, for its summary's wording (no XDP program on IF_RX: no xdp line).
DTXT_OUT=$LAB_TMP/dtxt.txt DTXT_ERR=$LAB_TMP/dtxt.err
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" drops -i "$IF_RX" --interval 0.5 --top 0 \
	--duration 120 >"$DTXT_OUT" 2>"$DTXT_ERR" &
DTXT_PID=$!
LAB_PIDS+=("$DTXT_PID")
wait_grep "$DTXT_ERR" "counting drops of received packets" "$DTXT_PID" ||
	fail "drops -i (text) starts" "$(head -c 400 "$DTXT_ERR")"
# monitor --drops: the same counts in its JSON report (tc mode: no XDP copy on veth).
mon_start 120 --drops --mode tc --interval 0.5 || fail "monitor --drops starts" "$(head -c 400 "$MON_ERR")"

base_nosock=$(rx_snmp UdpNoPorts)
base_nosock6=$(rx_snmp Udp6NoPorts)
base_csum=$(rx_snmp IpExtInCsumErrors)

trafgen_send "$N_NFT" "$LAB_TMP/nft.cfg" || echo "  trafgen nft failed"
trafgen_send "$N_NOSOCK" "$LAB_TMP/nosock.cfg" || echo "  trafgen nosock failed"
trafgen_send "$N_NOSOCK6" "$LAB_TMP/nosock6.cfg" || echo "  trafgen nosock6 failed"
trafgen_send "$N_CSUM" "$LAB_TMP/csum.cfg" || echo "  trafgen csum failed"
trafgen_send "$N_OTHER" "$LAB_TMP/other.cfg" || echo "  trafgen other failed"
wait_until 10 nft_reached "$N_NFT"
wait_until 10 snmp_reached UdpNoPorts "$base_nosock" "$N_NOSOCK"
wait_until 10 snmp_reached Udp6NoPorts "$base_nosock6" "$N_NOSOCK6"
wait_until 10 snmp_reached IpExtInCsumErrors "$base_csum" "$N_CSUM"
lab_quiet
ref_nft=$(nft_count)
ref_nosock=$(($(rx_snmp UdpNoPorts) - base_nosock))
ref_nosock6=$(($(rx_snmp Udp6NoPorts) - base_nosock6))
ref_csum=$(($(rx_snmp IpExtInCsumErrors) - base_csum))
check_eq "the kernel counted what was sent (nft, UdpNoPorts, Udp6NoPorts, InCsumErrors)" \
	"$ref_nft $ref_nosock $ref_nosock6 $ref_csum" "$N_NFT $N_NOSOCK $N_NOSOCK6 $N_CSUM"

# UDP to a closed port on lo, inside the rx namespace: not on IF_RX.
base_lo=$(rx_snmp UdpNoPorts)
in_rx "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"x", ("127.0.0.1", 7003))' "$N_LO"
wait_until 10 snmp_reached UdpNoPorts "$base_lo" "$N_LO"
ref_lo=$(($(rx_snmp UdpNoPorts) - base_lo))

mon_stop
check_rc "monitor --drops exits 0" "$MON_RC" 0
kill -INT "$DIF_PID" "$DALL_PID" "$DTXT_PID"
pid_wait "$DIF_PID" 10
check_rc "drops -i exits 0 on SIGINT" "$WAIT_RC" 0
pid_wait "$DALL_PID" 10
check_rc "drops exits 0 on SIGINT" "$WAIT_RC" 0
pid_wait "$DTXT_PID" 10
check_rc "drops -i (text) exits 0 on SIGINT" "$WAIT_RC" 0

# got FILE REASON L3 PROTO PORT [IF]: drops_total of that entry (0 when absent), in
# the report of drops or in the "drops" object of monitor's.
got() {
	json_get "$1" "sum(e['drops_total'] for e in
		(j['drops'] if isinstance(j['drops'], dict) else j)['entries'] if e['reason'] == '$2' and
		e['l3'] == '$3' and e['proto'] == '$4' and e['port'] == $5 and
		e['interface'] == '${6:-$IF_RX}')"
}
check_eq "final report" "$(json_get "$DIF_OUT" 'j["final"]')" True
check_eq "NETFILTER_DROP udp/7001 == nft counter" "$(got "$DIF_OUT" NETFILTER_DROP ipv4 udp 7001)" "$ref_nft"
check_eq "NO_SOCKET udp/7002 == UdpNoPorts delta" "$(got "$DIF_OUT" NO_SOCKET ipv4 udp 7002)" "$ref_nosock"
check_eq "NO_SOCKET ipv6 udp/7004 == Udp6NoPorts delta" "$(got "$DIF_OUT" NO_SOCKET ipv6 udp 7004)" "$ref_nosock6"
check_eq "IP_CSUM udp/7005 == IpExtInCsumErrors delta" "$(got "$DIF_OUT" IP_CSUM ipv4 udp 7005)" "$ref_csum"
check_eq "OTHERHOST udp/7006 == frames sent to another MAC" "$(got "$DIF_OUT" OTHERHOST ipv4 udp 7006)" "$N_OTHER"
want_total=$((ref_nft + ref_nosock + ref_nosock6 + ref_csum + N_OTHER))
check_eq "drops -i: total == the sum, nothing else dropped" "$(json_get "$DIF_OUT" 'j["drops_total"]')" "$want_total"
check_eq "drops -i: one interface, $IF_RX" \
	"$(json_get "$DIF_OUT" '[(i["interface"], i["drops_total"]) for i in j["interfaces"]]')" \
	"[('$IF_RX', $want_total)]"
check_eq "drops -i: reasons" \
	"$(json_get "$DIF_OUT" 'sorted((r["reason"], r["drops_total"]) for r in j["reasons"])')" \
	"$("$PY" -c "print(sorted([('IP_CSUM', $ref_csum), ('NETFILTER_DROP', $ref_nft), ('NO_SOCKET', $((ref_nosock + ref_nosock6))), ('OTHERHOST', $N_OTHER)]))")"
check_eq "drops -i: the lo drops were left out" \
	"$(json_get "$DIF_OUT" 'j["not_counted"]["other_interfaces"] >= '"$ref_lo")" True
check_eq "drops (no -i): NO_SOCKET udp/7003 on lo == UdpNoPorts delta" \
	"$(got "$DALL_OUT" NO_SOCKET ipv4 udp 7003 lo)" "$ref_lo"
check_eq "drops (no -i): the veth's drops too" \
	"$(json_get "$DALL_OUT" '[i["drops_total"] for i in j["interfaces"] if i["interface"] == "'"$IF_RX"'"]')" \
	"[$want_total]"
check_eq "monitor --drops: the same reasons" \
	"$(json_get "$MON_OUT" 'sorted((r["reason"], r["drops_total"]) for r in j["drops"]["reasons"])')" \
	"$(json_get "$DIF_OUT" 'sorted((r["reason"], r["drops_total"]) for r in j["reasons"])')"
check_eq "monitor --drops: NO_SOCKET udp/7002 == UdpNoPorts delta" \
	"$(got "$MON_OUT" NO_SOCKET ipv4 udp 7002)" "$ref_nosock"
# The text summary under -i: the total is that interface's, and the counts it leaves
# out say which are host-wide; no "xdp IF (none ...)" line without an XDP program.
check_grep "drops -i (text): summary names the interface, total == the sum" "$DTXT_OUT" \
	"^$want_total drops of packets received on $IF_RX in [0-9.]+ s \(not counted: [0-9]+ drops on other interfaces or namespaces; host-wide, with no receiving interface: [0-9]+ drops of packets sent from any namespace, [0-9]+ frees that were no drop\)$"
check_true "drops -i (text): no xdp line for an interface without an XDP program" \
	sh -c "! grep -q '^xdp ' '$DTXT_OUT'"
check_true "drops -i (text): no unscoped 'sent by this host' count" \
	sh -c "! grep -q 'sent by this host' '$DTXT_OUT'"
check_eq "locations add up to the total" \
	"$(json_get "$DIF_OUT" 'sum(l["drops_total"] for l in j["locations"])')" "$want_total"
check_eq "locations are kernel functions" \
	"$(json_get "$DIF_OUT" 'all(l["symbol"] and "+0x" in l["symbol"] for l in j["locations"])')" True
check_eq "interval figures add up to the totals" \
	"$("$PY" -c 'import json,sys
print(sum(json.loads(l)["drops"] for l in open(sys.argv[1]) if l.startswith("{")))' "$DIF_OUT")" \
	"$want_total"


# monitor --drops as text: the drops line (the program is new: nothing counted yet).
in_rx timeout 30 "$PKTLENS" monitor -i "$IF_RX" --mode tc --drops --duration 0.5 \
	--interval 0.5 >"$LAB_TMP/mon.txt" 2>"$LAB_TMP/mon.err"
check_rc "monitor --drops (text) exits 0" $? 0
check_grep "monitor --drops (text): the kernel drops line" "$LAB_TMP/mon.txt" '^kernel drops [0-9]+'
"$PKTLENS" monitor --pinned /nonexistent --drops >/dev/null 2>&1
check_rc "monitor --drops with --pinned: bad usage" $? 2

finish
