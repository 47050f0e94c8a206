#!/usr/bin/env bash
# test_bpftool_path.sh - the data plane loaded and attached by bpftool alone, read by
# `pktlens monitor --pinned DIR` (counters, flows, and the address and port tables):
#   bpftool prog loadall pktlens.bpf.o DIR pinmaps DIR
#   bpftool net attach xdp pinned DIR/xdp_pktlens dev IF
# N frames sent before pktlens starts are all in its report (the maps keep them); M
# more sent while it runs show in the interval, with the program's cost; pktlens leaves
# the program attached (bpftool owns it) and does not warn; bpftool detaches it, and
# --pinned then warns that no program feeds the maps (attached as a tc filter: no
# warning again); the pins go.
# DIR is /sys/fs/bpf/pktlens/IF in the lab's own bpffs (the rx side's mount namespace).
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools bpftool trafgen

N=5000 M=1000
lab_up || { fail "lab" "could not build the namespaces"; finish; }
PIN=/sys/fs/bpf/pktlens/$IF_RX

if [ ! -f "$BPF_OBJ" ]; then
	fail "setup" "$BPF_OBJ not built"
	finish
fi
cat >"$LAB_TMP/udp.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=42000, dp=9), fill(0x41, 22) }
EOF

in_rx mkdir -p /sys/fs/bpf/pktlens
in_rx bpftool prog loadall "$BPF_OBJ" "$PIN" pinmaps "$PIN" >"$LAB_TMP/load.err" 2>&1
check_rc "bpftool prog loadall" "$?" 0
for f in xdp_pktlens tc_pktlens pl_stats pl_flows pl_events; do
	check_true "pinned: $f" in_rx test -e "$PIN/$f"
done

lab_quiet
rx0=$(rx_packets)
in_rx bpftool net attach xdp pinned "$PIN/xdp_pktlens" dev "$IF_RX" >"$LAB_TMP/attach.err" 2>&1
check_rc "bpftool net attach xdp" "$?" 0
id=$(xdp_prog_id "$IF_RX")
if [ -n "$id" ]; then ok "xdp_pktlens attached (id $id)"; else fail "xdp_pktlens attached" "$(cat "$LAB_TMP/attach.err")"; fi

trafgen_send "$N" "$LAB_TMP/udp.cfg"
sleep 0.2
rx1=$(rx_packets)
check_eq "rx_packets delta" "$((rx1 - rx0))" "$N"

# Everything since the attach is in the maps.
in_rx "$PKTLENS" monitor --pinned "$PIN" --json --duration 1 >"$LAB_TMP/p1.json" 2>"$LAB_TMP/p1.err"
check_rc "monitor --pinned: exit status" "$?" 0
J=$LAB_TMP/p1.json
check_eq "monitor --pinned: mode" "$(json_get "$J" 'j["mode"]')" pinned
check_eq "monitor --pinned: source" "$(json_get "$J" 'j["source"]')" "$PIN"
check_eq "monitor --pinned: total packets" "$(json_get "$J" 'j["total"]["packets"]')" "$N"
check_eq "monitor --pinned: l4 udp" "$(json_get "$J" 'j["l4"]["udp"]["packets"]')" "$N"
check_eq "monitor --pinned: the flow" \
	"$(json_get "$J" '(lambda f: f and (f["src"], f["dst"], f["packets"], f["bytes"]))(flow("udp", 42000, 9))')" \
	"('$IP4_TX', '$IP4_RX', $N, $((N * 64)))"
# The address and port tables, read from their pins (set-associative arrays mapped
# into memory): the receiver with every packet trafgen sent, from one source, one port.
check_eq "monitor --pinned: the destination from the pinned address table" \
	"$(json_get "$J" '(lambda d: (d["addr"], d["packets"], d["bytes"], d["sources"], d["ports"]))(j["top_destinations"][0])')" \
	"('$IP4_RX', $N, $((N * 64)), 1, 1)"
check_eq "monitor --pinned: the source from the pinned address table" \
	"$(json_get "$J" '(lambda d: (d["addr"], d["packets"], d["destinations"]))(j["top_sources"][0])')" \
	"('$IP4_TX', $N, 1)"
check_eq "monitor --pinned: udp port 9 from the pinned port array" \
	"$(json_get "$J" '[(p["side"], p["port"], p["packets"]) for p in j["top_ports_by_packets"] if p["proto"] == "udp"][:2]')" \
	"[('dst', 9, $N), ('src', 42000, $N)]"
check_eq "monitor --pinned: no traffic during its interval: cost.runs 0" \
	"$(json_get "$J" 'j["cost"]["runs"]')" 0
check_eq "monitor --pinned: no traffic during its interval: rx.packets 0" \
	"$(json_get "$J" 'j["rx"]["packets"]')" 0
check_eq "monitor --pinned: the program is still attached" "$(xdp_prog_id "$IF_RX")" "$id"
# Attached over netlink in the rx namespace: a program feeds the maps, no warning.
if grep -q 'no BPF program uses the maps' "$LAB_TMP/p1.err"; then
	fail "monitor --pinned, program attached: no 'no BPF program' warning" "$(cat "$LAB_TMP/p1.err")"
else
	ok "monitor --pinned, program attached: no 'no BPF program' warning"
fi

# Traffic while it runs: waits for its first report (the cost baseline is taken), sends.
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor --pinned "$PIN" --json --interval 1 \
	--duration 3 --cost-sample 100 >"$LAB_TMP/p2.json" 2>"$LAB_TMP/p2.err" &
MON_PID=$!
LAB_PIDS+=("$MON_PID")
for _ in $(seq 50); do
	[ -s "$LAB_TMP/p2.json" ] && break
	sleep 0.1
done
trafgen_send "$M" "$LAB_TMP/udp.cfg"
mon_wait 10
check_rc "monitor --pinned --duration 3: exit status" "$MON_RC" 0
J=$LAB_TMP/p2.json
check_eq "monitor --pinned: three reports" "$(grep -c '^{' "$J")" 3
check_eq "monitor --pinned: total packets after $M more" "$(json_get "$J" 'j["total"]["packets"]')" "$((N + M))"
# Rates count from the monitor's start, not from bpftool's load: the M frames.
check_eq "monitor --pinned: the interval deltas add up to the $M sent while it ran" \
	"$("$PY" -c 'import json,sys; print(sum(json.loads(l)["rx"]["packets"] for l in open(sys.argv[1]) if l.startswith("{")))' "$J")" \
	"$M"
# cost.runs counts from the monitor's start: the M frames.
check_eq "monitor --pinned: cost.runs == $M" "$(json_get "$J" 'j["cost"]["runs"]')" "$M"
check_eq "monitor --pinned: cost.ns_per_packet > 0" \
	"$(json_get "$J" 'j["cost"]["ns_per_packet"] > 0')" True

in_rx bpftool net detach xdp dev "$IF_RX"
check_rc "bpftool net detach xdp" "$?" 0
check_eq "nothing attached after detach" "$(xdp_prog_id "$IF_RX")" ""
# Detached, the pinned program still references the maps but nothing runs it: the
# counters cannot move, and --pinned says so instead of reporting zeros in silence.
in_rx "$PKTLENS" monitor --pinned "$PIN" --json --duration 0.5 >"$LAB_TMP/p3.json" 2>"$LAB_TMP/p3.err"
check_rc "monitor --pinned, program detached: exit status" "$?" 0
check_grep "monitor --pinned, program detached: warns that nothing feeds the maps" "$LAB_TMP/p3.err" \
	"no BPF program uses the maps in $PIN: the counters will not move; was the program detached\?"
check_eq "monitor --pinned, program detached: still reports the counts" \
	"$(json_get "$LAB_TMP/p3.json" 'j["total"]["packets"]')" "$((N + M))"
# Attached again as a tc filter (not a BPF link, and not XDP): fed again, no warning.
in_rx tc qdisc add dev "$IF_RX" clsact
in_rx tc filter add dev "$IF_RX" ingress bpf direct-action object-pinned "$PIN/tc_pktlens"
check_rc "tc filter with the pinned tc_pktlens" "$?" 0
in_rx "$PKTLENS" monitor --pinned "$PIN" --json --duration 0.5 >/dev/null 2>"$LAB_TMP/p4.err"
if grep -q 'no BPF program uses the maps' "$LAB_TMP/p4.err"; then
	fail "monitor --pinned, program in a tc filter: no warning" "$(cat "$LAB_TMP/p4.err")"
else
	ok "monitor --pinned, program in a tc filter: no warning"
fi
in_rx tc qdisc del dev "$IF_RX" clsact
in_rx rm -rf "$PIN"
check_true "pins removed" in_rx test ! -e "$PIN"
for _ in $(seq 30); do
	bpftool prog show id "$id" >/dev/null 2>&1 || break
	sleep 0.1
done
if bpftool prog show id "$id" >/dev/null 2>&1; then fail "program freed" "id $id still loaded"; else ok "program freed (id $id)"; fi

finish
