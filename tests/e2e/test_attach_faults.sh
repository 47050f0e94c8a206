#!/usr/bin/env bash
# test_attach_faults.sh - an attach that the kernel refuses half-way leaves the
# interface as pktlens found it. tests/tools/deny_attach makes the refusal (a seccomp
# filter on pktlens alone):
#  - tc mode without tcx links (the link create refused, as a kernel before 6.6
#    does), "tc filter add" refused after pktlens created the clsact qdisc: exit 1,
#    the message names the step, the qdisc and the pins are removed;
#  - the same with a clsact qdisc and a filter someone else made: both kept;
#  - XDP, every link create refused (native, then the generic fallback): exit 1,
#    nothing attached, no pins, and `capture -w FILE` leaves an existing FILE alone.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools

DENY=$BUILD_DIR/tests/tools/deny_attach
if [ ! -x "$DENY" ]; then
	fail "deny_attach" "$DENY not built (make test-build)"
	finish
fi
lab_up || { fail "lab" "could not build the namespaces"; finish; }

PINS=/sys/fs/bpf/pktlens/$IF_RX
pins_left() { in_rx sh -c "ls -A '$PINS' 2>/dev/null | wc -l"; }
clsact_count() { rx_ip tc qdisc show dev "$IF_RX" | grep -c clsact; }
rx_ip() { ip netns exec "$NS_RX" "$@"; }

# run_denied NAME STEP ARGS...: pktlens ARGS on the rx side with STEP refused.
run_denied() {
	local name=$1 step=$2
	shift 2
	in_rx timeout 30 "$DENY" "$step" -- "$PKTLENS" "$@" >"$LAB_TMP/$name.out" 2>"$LAB_TMP/$name.err"
	RUN_RC=$?
	RUN_ERR=$LAB_TMP/$name.err
}

# no tcx link, tc filter refused, no qdisc before
run_denied tc-new link-create,tc-filter monitor -i "$IF_RX" --mode tc --pin --json --duration 5
check_rc "tc, filter refused: exit status" "$RUN_RC" 1
check_grep "tc, filter refused: the clsact qdisc was created first" "$RUN_ERR" \
	'^deny_attach: passed RTM_NEWQDISC'
check_grep "tc, filter refused: the filter add was refused" "$RUN_ERR" \
	'^deny_attach: refused RTM_NEWTFILTER'
check_grep "tc, filter refused: says what failed" "$RUN_ERR" \
	"cannot attach the tc ingress program to $IF_RX: Operation not permitted"
check_eq "tc, filter refused: the qdisc it created is removed" "$(clsact_count)" 0
check_eq "tc, filter refused: no pins left" "$(pins_left)" 0
nothing_attached "tc, filter refused"

# no tcx link, tc filter refused, on someone else's clsact qdisc with a filter of its own
rx_ip tc qdisc add dev "$IF_RX" clsact
rx_ip tc filter add dev "$IF_RX" ingress pref 10 bpf da obj "$BPF_OBJ" sec tc
run_denied tc-old link-create,tc-filter monitor -i "$IF_RX" --mode tc --json --duration 5
check_rc "tc on an existing clsact, filter refused: exit status" "$RUN_RC" 1
check_grep "tc on an existing clsact, filter refused: the add was refused" "$RUN_ERR" \
	'^deny_attach: refused RTM_NEWTFILTER'
check_eq "tc on an existing clsact, filter refused: qdisc kept" "$(clsact_count)" 1
check_eq "tc on an existing clsact, filter refused: the other filter kept" \
	"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -c 'pref 10 .*handle')" 1
rx_ip tc qdisc del dev "$IF_RX" clsact

# XDP link create refused: native fails, then the generic fallback does
run_denied xdp link-create monitor -i "$IF_RX" --pin --json --duration 5
check_rc "XDP, attach refused: exit status" "$RUN_RC" 1
check_grep "XDP, attach refused: tries generic after native" "$RUN_ERR" \
	"native XDP not available on $IF_RX \(Operation not permitted\): using generic XDP"
check_grep "XDP, attach refused: says generic failed too" "$RUN_ERR" \
	"generic XDP attach to $IF_RX failed: Operation not permitted"
check_eq "XDP, attach refused: no report on stdout" "$(wc -c <"$LAB_TMP/xdp.out")" 0
check_eq "XDP, attach refused: no pins left" "$(pins_left)" 0
nothing_attached "XDP, attach refused"

echo "an earlier capture" >"$LAB_TMP/denied.pcap"
run_denied cap link-create capture -i "$IF_RX" --mode native -w "$LAB_TMP/denied.pcap" udp
check_rc "capture, attach refused: exit status" "$RUN_RC" 1
check_grep "capture, attach refused: says native failed" "$RUN_ERR" \
	"native XDP attach to $IF_RX failed: Operation not permitted"
check_eq "capture, attach refused: an existing FILE is left as it was" \
	"$(cat "$LAB_TMP/denied.pcap")" "an earlier capture"
nothing_attached "capture, attach refused"

finish
