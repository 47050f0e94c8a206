#!/usr/bin/env bash
# test_filter_tc_vlan.sh - tcpdump expressions decide on the frame as it was on the wire
# in tc mode too, where the kernel has already moved the outer VLAN tag of a received
# frame into skb metadata (skb_vlan_untag before tc ingress; see src/filter/translate.c).
#
# trafgen sends a mix of 802.1Q, 802.1ad + 802.1Q (QinQ), 802.1Q + 802.1Q, 0x9100
# tagged and untagged frames (UDP/TCP over IPv4 and IPv6, some longer than 80 bytes
# only with their tag). A native capture without a filter is the reference:
# `tcpdump -r` on it gives the count each expression must match. Then
# `pktlens capture --mode native EXPR` and `--mode tc EXPR` must each capture exactly
# that many packets (file read back by tcpdump, and the closing lines).
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen tcpdump

# The expressions of the task, then loads next to and across the tag (ether[k:n],
# IND loads behind the tag), and the wire length of tagged frames.
EXPRS=("vlan" "not vlan" "vlan 100" "vlan 100 and udp port 7000" "vlan 100 and udp"
	"vlan and vlan 300" "ether[12:2] = 0x8100" "udp" "len > 80"
	"vlan 300" "vlan and vlan 100" "vlan and ip6" "vlan and tcp" "udp and not vlan"
	"ether[10:4] = 0x00018100" "ether[13:2] = 0x00b0" "ether[15:2] = 0x6408"
	"ether[14:2] & 0x0fff = 300" "vlan and udp[2:2] = 7000" "vlan and ip[9] = 17"
	"len = 82" "vlan and len <= 68")

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# One frame of each, in turn (trafgen --cpus 1): N_EACH rounds.
cat >"$LAB_TMP/vlan.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=7000), fill(0x41, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100, pcp=5, dei=1), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40002, dp=7001), fill(0x42, 36) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=200), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40003, dp=7000), fill(0x43, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1ad, id=100), vlan(1q, id=300), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40004, dp=7000), fill(0x44, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=300), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40005, dp=7000), fill(0x45, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40006, dp=7000), fill(0x46, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40007, dp=7000), fill(0x47, 40) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), tcp(sp=40008, dp=7000, syn), fill(0x48, 10) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40009, dp=7000), fill(0x49, 10) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(tpid=0x9100, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40010, dp=7000), fill(0x4a, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), tcp(sp=40011, dp=7000, syn), fill(0x4b, 10) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1ad, id=300), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40012, dp=7002), fill(0x4c, 22) }
EOF
N_TEMPLATES=12 N_EACH=50
N_ALL=$((N_TEMPLATES * N_EACH))

# ---- helpers ---------------------------------------------------------------------------
# capture MODE FILE [EXPR]: `pktlens capture --mode MODE -w FILE [EXPR]` on the rx side
# while the traffic is sent once; sets CAPTURED/MATCHED/LOST (closing lines), CAP_RC,
# IN_FILE (tcpdump -r FILE). Returns 1 if the capture did not start.
CAP_N=0
capture() {
	local mode=$1 file=$2 err
	shift 2
	CAP_N=$((CAP_N + 1))
	err=$LAB_TMP/cap$CAP_N.err
	CAPTURED='' MATCHED='' LOST='' CAP_RC='' IN_FILE=''
	lab_quiet
	# nsenter execs pktlens: $! is pktlens itself.
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" --mode "$mode" \
		-w "$file" "$@" >/dev/null 2>"$err" &
	local pid=$!
	LAB_PIDS+=("$pid")
	if ! wait_grep "$err" "capturing on $IF_RX" "$pid"; then
		CAP_ERR_TEXT=$(tail -n 3 "$err" | tr '\n' '|')
		kill -KILL "$pid" 2>/dev/null
		return 1
	fi
	trafgen_send "$N_ALL" "$LAB_TMP/vlan.cfg" ||
		echo "  trafgen failed: $(tail -n 3 "$LAB_TMP/trafgen.log")"
	sleep 0.3
	kill -INT "$pid" 2>/dev/null
	pid_wait "$pid" 15
	CAP_RC=$WAIT_RC
	CAPTURED=$(sed -nE 's/^([0-9]+) packets captured$/\1/p' "$err")
	MATCHED=$(sed -nE 's/^([0-9]+) packets matched in kernel$/\1/p' "$err")
	LOST=$(sed -nE 's/^([0-9]+) lost in ring buffer$/\1/p' "$err")
	IN_FILE=$(tcpdump -nr "$file" 2>/dev/null | wc -l)
	return 0
}

# ---- the reference: everything, native XDP (the tags inline) -----------------------------
REF=$LAB_TMP/all.pcap
if ! capture native "$REF"; then
	fail "reference capture starts" "$CAP_ERR_TEXT"
	finish
fi
check_eq "reference: native capture without a filter holds every frame sent" \
	"$IN_FILE $CAPTURED ${LOST:-?}" "$N_ALL $N_ALL 0"
check_eq "reference: the tags are in the file (tcpdump 'vlan')" \
	"$(tcpdump -nr "$REF" vlan 2>/dev/null | wc -l)" $((9 * N_EACH))

# ---- each expression: native and tc capture exactly what tcpdump says ---------------------
for e in "${EXPRS[@]}"; do
	want=$(tcpdump -nr "$REF" "$e" 2>/dev/null | wc -l)
	if [ "$want" -eq 0 ] || [ "$want" -eq "$N_ALL" ]; then
		fail "'$e': the traffic tells matching from not matching" "tcpdump counts $want of $N_ALL"
		continue
	fi
	for mode in native tc; do
		f=$LAB_TMP/$mode-$CAP_N.pcap
		if ! capture "$mode" "$f" "$e"; then
			fail "$mode '$e': capture starts" "$CAP_ERR_TEXT"
			continue
		fi
		if [ "$CAP_RC" = 0 ] && [ "$IN_FILE" = "$want" ] && [ "$CAPTURED" = "$want" ] &&
			[ "$MATCHED" = "$want" ] && [ "$LOST" = 0 ]; then
			ok "$mode '$e': $want packets, as tcpdump on the wire frames"
		else
			fail "$mode '$e'" "file $IN_FILE, captured ${CAPTURED:-?}, matched ${MATCHED:-?}, lost ${LOST:-?}, exit ${CAP_RC:-?}; tcpdump says $want"
		fi
	done
done
finish
