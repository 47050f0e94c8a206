#!/usr/bin/env bash
# test_drops_xdp.sh - `pktlens drops` counts the verdicts of the XDP program on the
# interface (an fexit program on its entry function): packets an XDP program drops
# never reach skb:kfree_skb. `pktlens protect` on the rx link with a rule that blocks
# UDP to port 7010 from the tx side; trafgen sends 300 frames to 7010 and 200 to the
# closed port 7011. Checked: drops -i IF --json shows the program (protect's
# xdp_pktlens) with exactly 300 XDP_DROP and at least 200 XDP_PASS, the 200 as
# NO_SOCKET on udp/7011 (the kernel's UdpNoPorts delta); the text form names them too.
# Where the kernel refuses fexit programs (this CI's kernel is locked down), the
# verdicts come from veth's own XDP counters (ethtool -S), which is what is checked.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen nstat
N_DROP=300 N_PASS=200

lab_up || { fail "lab" "could not build the namespaces"; finish; }
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect --json --interval 0.5 --duration 60 \
	-i "$IF_RX" --l7-packets 0 >"$LAB_TMP/prot.json" 2>"$LAB_TMP/prot.err" &
PROT_PID=$!
LAB_PIDS+=("$PROT_PID")
wait_grep "$LAB_TMP/prot.err" "protect: (dry run|dropping)|protecting $IF_RX" "$PROT_PID" ||
	{ fail "protect" "did not start: $(head -c 600 "$LAB_TMP/prot.err")"; finish; }
in_rx "$PKTLENS" block "$IP4_TX" --port 7010 --proto udp >"$LAB_TMP/block.out" 2>&1
check_rc "block $IP4_TX udp/7010" $? 0

nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" drops -i "$IF_RX" --json --interval 0.5 --duration 60 \
	>"$LAB_TMP/drops.json" 2>"$LAB_TMP/drops.err" &
DR_PID=$!
LAB_PIDS+=("$DR_PID")
wait_grep "$LAB_TMP/drops.err" "counting drops" "$DR_PID" ||
	{ fail "drops" "did not start: $(cat "$LAB_TMP/drops.err")"; finish; }
lab_quiet
cat >"$LAB_TMP/drop.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40010, dp=7010), fill(0x41, 22) }
EOF
cat >"$LAB_TMP/pass.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40011, dp=7011), fill(0x42, 22) }
EOF
nosock0=$(in_rx nstat -az UdpNoPorts | awk '/UdpNoPorts/ { print $2 }')
trafgen_send "$N_DROP" "$LAB_TMP/drop.cfg" || fail "trafgen" "$(cat "$LAB_TMP/trafgen.log")"
trafgen_send "$N_PASS" "$LAB_TMP/pass.cfg" || fail "trafgen" "$(cat "$LAB_TMP/trafgen.log")"
xdp() { json_get "$LAB_TMP/drops.json" "[x for x in j['xdp'] if x['interface'] == '$IF_RX'][0]$1"; }
seen() { [ "$(xdp "['verdicts']['drop']")" -ge "$N_DROP" ] 2>/dev/null &&
	[ "$(xdp "['verdicts']['pass']")" -ge "$N_PASS" ] 2>/dev/null; }
wait_until 10 seen
nosock=$(($(in_rx nstat -az UdpNoPorts | awk '/UdpNoPorts/ { print $2 }') - nosock0))
echo "  xdp: $(xdp "")"
check_eq "the traced program is protect's" "$(xdp "['program']")" "xdp_pktlens"
src=$(xdp "['source']")
case $src in
fexit | driver) ok "counted by $src" ;;
*) fail "counted" "source '$src', error: $(xdp "['error']")" ;;
esac
check_eq "XDP_DROP == frames sent to the blocked port" "$(xdp "['verdicts']['drop']")" "$N_DROP"
pass=$(xdp "['verdicts']['pass']")
[ "$pass" -ge "$N_PASS" ] 2>/dev/null && ok "XDP_PASS $pass >= $N_PASS sent to the open path" ||
	fail "XDP_PASS" "$pass, sent $N_PASS"
check_eq "UdpNoPorts delta == frames to the closed port" "$nosock" "$N_PASS"
noso=$(json_get "$LAB_TMP/drops.json" "sum(e['drops_total'] for e in j['entries'] if e['reason'] == 'NO_SOCKET' and e['proto'] == 'udp' and e['port'] == 7011)")
check_eq "NO_SOCKET udp/7011 == UdpNoPorts delta" "$noso" "$nosock"
kill -INT "$DR_PID"
pid_wait "$DR_PID" 10
check_eq "drops exit status" "$WAIT_RC" 0

# The text form: the interval line and the summary name the program's verdicts.
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" drops -i "$IF_RX" --duration 1.5 --interval 0.5 \
	>"$LAB_TMP/drops.txt" 2>&1 &
TX_PID=$!
LAB_PIDS+=("$TX_PID")
wait_grep "$LAB_TMP/drops.txt" "counting drops" "$TX_PID"
trafgen_send 7 "$LAB_TMP/drop.cfg"
pid_wait "$TX_PID" 10
check_grep "text: xdp line with 7 drops" "$LAB_TMP/drops.txt" \
	"^xdp $IF_RX \\(xdp_pktlens id [0-9]+, (native|generic)(, driver counters)?\\): drop 7 "
kill -INT "$PROT_PID"
pid_wait "$PROT_PID" 10
finish
