#!/usr/bin/env bash
# test_lifecycle.sh - what `pktlens monitor` leaves behind and how it ends:
#  - SIGTERM and SIGINT in native, generic and tc mode (a tcx link, and a clsact
#    filter as on a kernel without tcx): exit 0, a final report, no XDP program, tcx
#    link or tc filter left, the clsact qdisc removed when pktlens created it and
#    kept when it was there before or got filters of others meanwhile, the program
#    itself gone from the kernel (by id), tc filters queued after ours still run
#  - SIGKILL in native, generic and tc (tcx) mode: the kernel detaches the program
#    (BPF link); a second pktlens cannot take the interface in XDP mode, not even
#    with --force; in tc mode two run side by side, each counting every packet
#  - SIGKILL in tc mode with a clsact filter: the filter stays; the next pktlens
#    refuses the interface and names the `tc filter del` command, after which it
#    attaches again
#  - --duration ends it with exit 0 after that time, one JSON line per interval
#  - another XDP program on the interface (native or generic): refused with exit 1 and
#    a message naming --force, the program untouched; --force replaces it (in the
#    mode it runs in) and pktlens leaves nothing behind; all this while a BPF link
#    holds XDP on an interface of the same ifindex in another namespace
#  - the interface renamed while attached: monitor goes on under the new name
#  - the interface deleted while attached: clear message, exit 1, no crash
#  - --pin: pl_stats, pl_flows, pl_events pinned under /sys/fs/bpf/pktlens/IF while
#    running, `bpftool map dump` shows struct fields (BTF), removed on exit; a second
#    --pin on the same interface fails, names the first one (pid) and leaves its pins;
#    after kill -9 of a --pin monitor the next --pin takes the stale pins over
#  - an iperf3 upload into the rx side: its flows are ingress-only (no reply seen)
#  - bpffs not mounted (a fresh `ip netns exec`): pktlens mounts it; when it cannot
#    (no CAP_SYS_ADMIN), it says how to mount it
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools bpftool tc trafgen setpriv

# Without tcx links (Linux before 6.6) tc mode takes a clsact filter; deny_attach
# link-create makes this kernel refuse the link the same way.
DENY=$BUILD_DIR/tests/tools/deny_attach
if [ ! -x "$DENY" ]; then
	fail "deny_attach" "$DENY not built (make test-build)"
	finish
fi
OLD_KERNEL=("$DENY" link-create --)

lab_up || { fail "lab" "could not build the namespaces"; finish; }
cat >"$LAB_TMP/udp.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=41000, dp=9), fill(0x41, 22) }
EOF

rx_ip() { ip netns exec "$NS_RX" "$@"; }

# tc_prog_id IF: id of the program in IF's tc ingress filters, empty if none.
tc_prog_id() {
	rx_ip tc filter show dev "$1" ingress 2>/dev/null | sed -nE 's/.* id ([0-9]+) .*/\1/p' | head -n 1
}

# prog_gone NAME ID: the kernel freed program ID (waits up to 3 s: freeing is deferred).
prog_gone() {
	if [ -z "$2" ]; then
		fail "$1" "no program id was recorded"
		return
	fi
	for _ in $(seq 30); do
		if ! bpftool prog show id "$2" >/dev/null 2>&1; then
			ok "$1 (id $2)"
			return
		fi
		sleep 0.1
	done
	fail "$1" "program id $2 still loaded: $(bpftool prog show id "$2" 2>&1 | head -n 1)"
}

# no_crash NAME ERRFILE RC: exit status not from a signal, no sanitizer/abort report.
no_crash() {
	if [ "$3" -ge 128 ] || grep -Eqi 'segmentation|aborted|core dumped|AddressSanitizer|runtime error' "$2"; then
		fail "$1" "exit $3: $(head -c 400 "$2")"
	else
		ok "$1"
	fi
}

# ---- signals -----------------------------------------------------------------------
# tcx_prog_id: id of the program on $IF_RX's tcx ingress hook, empty if none.
tcx_prog_id() { tcx_progs | sed -nE 's/^([0-9]+) .*/\1/p' | head -n 1; }

TCX_VARIANT=tc
have_tcx || TCX_VARIANT=
for variant in native generic $TCX_VARIANT tc-clsact; do
	mode=${variant%-clsact}
	MON_WRAP=()
	[ "$variant" = tc-clsact ] && MON_WRAP=("${OLD_KERNEL[@]}")
	for sig in TERM INT; do
		name="$variant/SIG$sig"
		if ! mon_start 30 --mode "$mode"; then
			fail "$name: attach" "$(cat "$MON_ERR")"
			kill -KILL "$MON_PID" 2>/dev/null
			continue
		fi
		case $variant in
		tc)
			id=$(tcx_prog_id)
			check_eq "$name: a tcx link, no clsact qdisc" \
				"$(rx_ip tc qdisc show dev "$IF_RX" | grep -c clsact)" 0
			;;
		tc-clsact)
			id=$(tc_prog_id "$IF_RX")
			check_grep "$name: clsact created while running" \
				<(rx_ip tc qdisc show dev "$IF_RX") 'clsact'
			;;
		*) id=$(xdp_prog_id "$IF_RX") ;;
		esac
		if [ -n "$id" ]; then
			ok "$name: program attached while running (id $id)"
		else
			fail "$name: program attached while running" "$(rx_ip ip -d link show "$IF_RX" | head -n 3)"
		fi
		mon_stop "$sig"
		check_rc "$name: exit status" "$MON_RC" 0
		check_eq "$name: a final report was printed" "$(json_get "$MON_OUT" 'j["mode"]')" "$mode"
		check_eq "$name: no xdp on the link" "$(rx_ip ip link show dev "$IF_RX" | grep -c xdp)" 0
		check_eq "$name: no tc ingress filter" "$(rx_ip tc filter show dev "$IF_RX" ingress)" ""
		check_eq "$name: no clsact qdisc left" "$(rx_ip tc qdisc show dev "$IF_RX" | grep -c clsact)" 0
		check_eq "$name: no tcx program" "$(tcx_progs)" ""
		prog_gone "$name: program unloaded" "$id"
	done
done
MON_WRAP=()

# SIGKILL gives pktlens no chance to clean up: the kernel detaches the XDP program
# or tcx link because it is held by a BPF link that dies with the process.
have_tcx || skip "tc/SIGKILL, tc/two at once, tc/SIGTERM, tc/SIGINT" "no tcx links in this kernel (before 6.6): tc mode takes a clsact filter, tested as tc-clsact"
for mode in native generic $TCX_VARIANT; do
	name="$mode/SIGKILL"
	if ! mon_start 30 --mode "$mode"; then
		fail "$name: attach" "$(cat "$MON_ERR")"
		continue
	fi
	if [ "$mode" = tc ]; then id=$(tcx_prog_id); else id=$(xdp_prog_id "$IF_RX"); fi
	# An empty id would match any link's "prog N".
	check_grep "$name: held by a BPF link" <(bpftool link show 2>/dev/null) "prog ${id:-<no program id>}( |\$)"
	mon_stop KILL
	check_eq "$name: killed" "$MON_RC" 137
	check_eq "$name: no xdp on the link" "$(rx_ip ip link show dev "$IF_RX" | grep -c xdp)" 0
	check_eq "$name: no tcx program" "$(tcx_progs)" ""
	nothing_attached "$name"
	prog_gone "$name: program unloaded" "$id"
	rm -rf "/sys/fs/bpf/pktlens/$IF_RX"
done

# Two pktlens in tc mode: tcx runs both, each gives no verdict, so each counts every
# packet; the first one ending leaves the second one attached.
name="tc/two at once"
if [ -z "$TCX_VARIANT" ]; then
	: # skipped above
elif mon_start 30 --mode tc 'udp port 9'; then
	first=$MON_PID first_out=$MON_OUT
	if mon_start 30 --mode tc 'udp port 9'; then
		check_eq "$name: two tcx programs" "$(tcx_progs | wc -l)" 2
		trafgen_send 50 "$LAB_TMP/udp.cfg"
		sleep 0.3
		kill -TERM "$first"
		wait "$first"
		check_rc "$name: the first one's exit status" "$?" 0
		check_eq "$name: the first one counted every packet" \
			"$(json_get "$first_out" 'j["total"]["packets"]')" 50
		check_eq "$name: the second one stays attached" "$(tcx_progs | wc -l)" 1
		mon_stop TERM
		check_rc "$name: the second one's exit status" "$MON_RC" 0
		check_eq "$name: the second one counted every packet" \
			"$(json_get "$MON_OUT" 'j["total"]["packets"]')" 50
		nothing_attached "$name"
	else
		fail "$name: the second one attaches" "$(cat "$MON_ERR")"
		kill -TERM "$first"
		wait "$first"
	fi
else
	fail "$name: attach" "$(cat "$MON_ERR")"
fi

# On a kernel without tcx links the tc filters below are clsact filters.
MON_WRAP=("${OLD_KERNEL[@]}")

# SIGKILL in tc mode with a clsact filter: it is not held by the process, so it stays
# (as the README says). The next pktlens refuses the interface and names the command
# that removes it; after that command it attaches again and leaves nothing behind.
name="tc-clsact/SIGKILL"
if mon_start 30 --mode tc; then
	mon_stop KILL
	check_eq "$name: killed" "$MON_RC" 137
	check_eq "$name: its filter stays" \
		"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -c 'pref 49374 .*tc_pktlens')" 1
	nsenter -t "$RX_HOLD" -m -n -- "${OLD_KERNEL[@]}" "$PKTLENS" monitor -i "$IF_RX" --mode tc \
		--json --duration 1 >"$LAB_TMP/left.out" 2>"$LAB_TMP/left.err"
	check_rc "$name: the next pktlens refuses the interface" "$?" 1
	# L7 (on by default) left its egress filter too: the message names both commands.
	cmd=$(grep -o 'tc filter del dev [^ ]* ingress pref [0-9]*' "$LAB_TMP/left.err")
	cmd2=$(grep -o 'tc filter del dev [^ ]* egress pref [0-9]*' "$LAB_TMP/left.err")
	check_eq "$name: the message names the commands that remove them" \
		"$cmd; $cmd2" "tc filter del dev $IF_RX ingress pref 49374; tc filter del dev $IF_RX egress pref 49374"
	if [ -n "$cmd" ]; then rx_ip $cmd; fi
	if [ -n "$cmd2" ]; then rx_ip $cmd2; fi
	if mon_start 30 --mode tc; then
		mon_stop TERM
		check_rc "$name: after that command pktlens attaches and ends normally" "$MON_RC" 0
		check_eq "$name: then no filter" "$(rx_ip tc filter show dev "$IF_RX" ingress; rx_ip tc filter show dev "$IF_RX" egress)" ""
	else
		fail "$name: after that command pktlens attaches" "$(cat "$MON_ERR")"
	fi
else
	fail "$name: attach" "$(cat "$MON_ERR")"
fi
rx_ip tc qdisc del dev "$IF_RX" clsact 2>/dev/null

# A second pktlens cannot take the interface, not even with --force: the first one's
# link holds it, and it keeps running undisturbed.
MON_WRAP=()
if mon_start 30 --mode native; then
	id=$(xdp_prog_id "$IF_RX")
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --duration 1 \
		>"$LAB_TMP/busy.out" 2>"$LAB_TMP/busy.err"
	check_rc "second pktlens: refused" "$?" 1
	check_grep "second pktlens: says a BPF link holds it (no advice that cannot work)" \
		"$LAB_TMP/busy.err" 'held by a BPF link'
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --duration 1 \
		--force >"$LAB_TMP/busy.out" 2>"$LAB_TMP/busy.err"
	check_rc "second pktlens --force: refused" "$?" 1
	check_grep "second pktlens --force: says a BPF link holds it" "$LAB_TMP/busy.err" 'held by a BPF link'
	check_eq "second pktlens --force: the first one's program stays" "$(xdp_prog_id "$IF_RX")" "$id"
	mon_stop TERM
	check_rc "second pktlens --force: the first one ends normally" "$MON_RC" 0
	check_eq "second pktlens --force: nothing left attached" "$(xdp_prog_id "$IF_RX")" ""
else
	fail "second pktlens: attach" "$(cat "$MON_ERR")"
fi

# A clsact qdisc pktlens created (no tcx), on which someone added a filter while it
# ran: pktlens removes its own filter and keeps the qdisc with the other one.
MON_WRAP=("${OLD_KERNEL[@]}")
if mon_start 30 --mode tc; then
	rx_ip tc filter add dev "$IF_RX" egress pref 7 bpf da obj "$BPF_OBJ" sec tc
	mon_stop TERM
	check_rc "tc/filter added meanwhile: exit status" "$MON_RC" 0
	check_eq "tc/filter added meanwhile: our filter removed" \
		"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -c 'pref 49374 ')" 0
	check_eq "tc/filter added meanwhile: the other filter kept" \
		"$(rx_ip tc filter show dev "$IF_RX" egress | grep -c 'pref 7 .* id ')" 1
	check_grep "tc/filter added meanwhile: says it keeps the qdisc" "$MON_ERR" 'keeping the clsact qdisc'
else
	fail "tc/filter added meanwhile: attach" "$(cat "$MON_ERR")"
fi
rx_ip tc qdisc del dev "$IF_RX" clsact 2>/dev/null

# A second pktlens replaces the first one's tc filter (--force): when the first one
# ends, it must leave the second one's filter (and the qdisc under it) alone.
if mon_start 30 --mode tc; then
	first=$MON_PID
	if mon_start 30 --mode tc --force; then
		second=$MON_PID
		sid=$(tc_prog_id "$IF_RX")
		kill -TERM "$first"
		wait "$first"
		check_rc "tc/replaced by a second pktlens: the first one's exit status" "$?" 0
		check_eq "tc/replaced by a second pktlens: its filter stays" "$(tc_prog_id "$IF_RX")" "$sid"
		MON_PID=$second
		mon_stop TERM
		check_rc "tc/replaced by a second pktlens: the second one's exit status" "$MON_RC" 0
		check_eq "tc/replaced by a second pktlens: then no filter" "$(rx_ip tc filter show dev "$IF_RX" ingress)" ""
	else
		fail "tc/replaced by a second pktlens: --force attaches" "$(cat "$MON_ERR")"
		kill -TERM "$first"
		wait "$first"
	fi
else
	fail "tc/replaced by a second pktlens: attach" "$(cat "$MON_ERR")"
fi
rx_ip tc qdisc del dev "$IF_RX" clsact 2>/dev/null

# tc mode keeps a clsact qdisc it did not create (and another filter on it).
rx_ip tc qdisc add dev "$IF_RX" clsact
# ...with a filter of its own (cls_bpf: the kernel here has no matchall/u32 modules).
rx_ip tc filter add dev "$IF_RX" ingress pref 10 bpf da obj "$BPF_OBJ" sec tc
# ...and one queued after ours, which must still see every packet: pktlens gives no
# verdict. Its runs are counted while monitor holds the kernel's statistics on.
rx_ip tc filter add dev "$IF_RX" ingress pref 50000 bpf da obj "$BPF_OBJ" sec tc
after_id=$(rx_ip tc filter show dev "$IF_RX" ingress | sed -nE 's/.*pref 50000 .* id ([0-9]+) .*/\1/p' | head -n 1)
if mon_start 30 --mode tc --cost-sample 100; then
	check_eq "tc/existing clsact: our filter added beside it" \
		"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -c 'pref 49374 .*tc_pktlens')" 1
	in_tx ping -q -n -c 10 -i 0.05 "$IP4_RX" >/dev/null
	runs=$(bpftool -j prog show id "$after_id" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("run_cnt", 0))')
	check_eq "tc/existing clsact: the filter after ours saw the packets ($runs runs)" \
		"$([ "${runs:-0}" -ge 10 ] && echo yes)" yes
	mon_stop TERM
	check_rc "tc/existing clsact: exit status" "$MON_RC" 0
	check_eq "tc/existing clsact: qdisc kept" "$(rx_ip tc qdisc show dev "$IF_RX" | grep -c clsact)" 1
	check_eq "tc/existing clsact: our filter removed" \
		"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -c 'pref 49374 ')" 0
	check_eq "tc/existing clsact: the other filters kept" \
		"$(rx_ip tc filter show dev "$IF_RX" ingress | grep -cE 'pref (10|50000) .* id ')" 2
	# With an expression the pings do not match, the filter program ends it all: it
	# gives no verdict either.
	nsenter -t "$RX_HOLD" -m -n -- "${MON_WRAP[@]}" "$PKTLENS" monitor -i "$IF_RX" --json \
		--duration 3 --mode tc --cost-sample 100 'tcp port 1' >"$LAB_TMP/nomatch.out" \
		2>"$LAB_TMP/nomatch.err" &
	nm=$!
	# Pings sent before the attach would reach the filter after ours anyway: wait for it.
	wait_grep "$LAB_TMP/nomatch.err" "monitoring $IF_RX in tc mode" "$nm" ||
		fail "tc/existing clsact, unmatched expression: attach" "$(cat "$LAB_TMP/nomatch.err")"
	in_tx ping -q -n -c 10 -i 0.05 "$IP4_RX" >/dev/null
	wait "$nm"
	check_rc "tc/existing clsact, unmatched expression: exit status" "$?" 0
	runs2=$(bpftool -j prog show id "$after_id" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("run_cnt", 0))')
	check_eq "tc/existing clsact, unmatched expression: the filter after ours saw them ($runs -> $runs2 runs)" \
		"$([ "${runs2:-0}" -ge $((runs + 10)) ] && echo yes)" yes
else
	fail "tc/existing clsact: attach" "$(cat "$MON_ERR")"
fi
rx_ip tc qdisc del dev "$IF_RX" clsact
MON_WRAP=()

# ---- --duration --------------------------------------------------------------------
t0=$(date +%s%N)
if mon_start 2 --interval 1; then
	mon_wait 10
	ms=$((($(date +%s%N) - t0) / 1000000))
	check_rc "--duration 2: exit status" "$MON_RC" 0
	if [ "$ms" -ge 1900 ] && [ "$ms" -le 6000 ]; then ok "--duration 2: ended after ${ms} ms"; else fail "--duration 2: ended after ${ms} ms" "want about 2000 ms"; fi
	check_eq "--duration 2 --interval 1: two JSON lines" "$(grep -c '^{' "$MON_OUT")" 2
	check_eq "--duration: nothing left attached" "$(xdp_prog_id "$IF_RX")" ""
else
	fail "--duration: attach" "$(cat "$MON_ERR")"
fi

# ---- someone else's XDP program ----------------------------------------------------------
# A decoy: in a third namespace, an interface with the same ifindex as ours (an ifindex
# is unique only within a namespace) whose XDP program another pktlens holds by a BPF
# link. That link is not ours to worry about: --force below must still replace a
# foreign netlink-attached program here, and the messages must not blame a link.
DECOY_NS=pl-decoy-$$
LAB_EXTRA_NS+=("$DECOY_NS")
rx_index=$(rx_ip cat "/sys/class/net/$IF_RX/ifindex")
decoy_pid=
if ip netns add "$DECOY_NS" &&
	ip -n "$DECOY_NS" link add dcy0 index "$rx_index" type veth peer name dcy1 \
		index $((rx_index + 1000)) &&
	ip -n "$DECOY_NS" link set dcy0 up && ip -n "$DECOY_NS" link set dcy1 up; then
	ip netns exec "$DECOY_NS" "$PKTLENS" monitor -i dcy0 --mode native --json --duration 120 \
		>/dev/null 2>"$LAB_TMP/decoy.err" &
	decoy_pid=$!
	LAB_PIDS+=("$decoy_pid")
	if wait_grep "$LAB_TMP/decoy.err" "monitoring dcy0" "$decoy_pid"; then
		ok "decoy: a BPF link holds XDP on ifindex $rx_index in another namespace"
	else
		fail "decoy: pktlens attached in another namespace" "$(cat "$LAB_TMP/decoy.err")"
	fi
else
	fail "decoy: interface with ifindex $rx_index in another namespace" "ip link add failed"
fi
for fmode in xdpdrv xdpgeneric; do
	if [ "$fmode" = xdpdrv ]; then mname=native other=generic; else mname=generic other=native; fi
	name="foreign $mname XDP"
	if ! rx_ip ip link set dev "$IF_RX" "$fmode" obj "$BPF_OBJ" sec xdp 2>"$LAB_TMP/ipxdp.err"; then
		fail "$name: attach with ip link" "$(cat "$LAB_TMP/ipxdp.err")"
		continue
	fi
	fid=$(xdp_prog_id "$IF_RX")
	if [ -n "$fid" ]; then ok "$name: attached by ip link (id $fid)"; else fail "$name: attached by ip link" "no id"; fi
	for m in "" "--mode native" "--mode generic"; do
		# shellcheck disable=SC2086
		nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --duration 1 $m \
			>"$LAB_TMP/busy.out" 2>"$LAB_TMP/busy.err"
		rc=$?
		check_rc "$name: refused (${m:-auto mode})" "$rc" 1
		check_grep "$name: message names --force (${m:-auto mode})" "$LAB_TMP/busy.err" '--force'
		check_eq "$name: still attached (${m:-auto mode})" "$(xdp_prog_id "$IF_RX")" "$fid"
	done
	# --force in the other mode: the kernel refuses; the message says which mode works.
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --duration 1 \
		--force --mode "$other" >"$LAB_TMP/busy.out" 2>"$LAB_TMP/busy.err"
	check_rc "$name: --force --mode $other refused" "$?" 1
	check_grep "$name: message says --mode $mname" "$LAB_TMP/busy.err" "--mode $mname"
	check_eq "$name: still attached after --force --mode $other" "$(xdp_prog_id "$IF_RX")" "$fid"
	# --force (auto mode) replaces it in its mode.
	if mon_start 30 --force; then
		nid=$(xdp_prog_id "$IF_RX")
		check_eq "$name: --force attaches in $mname mode" "$MON_MODE" "$mname"
		if [ -n "$nid" ] && [ "$nid" != "$fid" ]; then ok "$name: --force replaced it (id $fid -> $nid)"; else fail "$name: --force replaced it" "id '$nid' (foreign $fid)"; fi
		mon_stop TERM
		check_rc "$name: --force run exit status" "$MON_RC" 0
		check_eq "$name: after --force, nothing attached" "$(xdp_prog_id "$IF_RX")" ""
		prog_gone "$name: the replaced program was released" "$fid"
	else
		fail "$name: --force attaches" "$(cat "$MON_ERR")"
	fi
	rx_ip ip link set dev "$IF_RX" "$fmode" off 2>/dev/null
done
if [ -n "$decoy_pid" ]; then
	kill -TERM "$decoy_pid" 2>/dev/null
	pid_wait "$decoy_pid" 10
	check_rc "decoy: its pktlens ends normally" "$WAIT_RC" 0
fi
ip netns del "$DECOY_NS" 2>/dev/null

# ---- --pin ---------------------------------------------------------------------------
PIN=/sys/fs/bpf/pktlens/$IF_RX
if mon_start 30 --pin; then
	for m in pl_stats pl_flows pl_events; do
		check_true "--pin: $PIN/$m exists while running" in_rx test -e "$PIN/$m"
	done
	trafgen_send 7 "$LAB_TMP/udp.cfg"
	in_rx bpftool map dump pinned "$PIN/pl_flows" >"$LAB_TMP/dump.txt" 2>&1
	check_grep "--pin: bpftool map dump shows key fields (BTF)" "$LAB_TMP/dump.txt" '"(addr_a|port_a|proto)":'
	check_grep "--pin: bpftool map dump shows value fields (BTF)" "$LAB_TMP/dump.txt" '"packets":'
	check_grep "--pin: the flow has 7 packets" "$LAB_TMP/dump.txt" '"packets": \[ *7, *0'
	in_rx bpftool map show pinned "$PIN/pl_stats" >"$LAB_TMP/show.txt" 2>&1
	check_grep "--pin: pl_stats is a per-CPU array" "$LAB_TMP/show.txt" 'percpu_array'
	# A second --pin on the same interface fails on the first one's pins, and must
	# not remove them on its way out.
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" --json --duration 1 \
		--mode tc --pin >"$LAB_TMP/pin2.out" 2>"$LAB_TMP/pin2.err"
	check_rc "--pin twice: the second one fails" "$?" 1
	check_grep "--pin twice: it names the pin path and the running owner" "$LAB_TMP/pin2.err" \
		"cannot pin map at $PIN: .* in use by program [a-z_]+ \(id [0-9]+\) of pktlens \(pid $MON_PID\)"
	for m in pl_stats pl_flows pl_events; do
		check_true "--pin twice: the first one's $m stays" in_rx test -e "$PIN/$m"
	done
	mon_stop TERM
	check_rc "--pin: exit status" "$MON_RC" 0
	check_true "--pin: $PIN removed on exit" in_rx test ! -e "$PIN"
else
	fail "--pin: attach" "$(cat "$MON_ERR")"
fi

# kill -9 leaves the pins (nothing ran to remove them); no program uses those maps any
# more (the BPF link went with the process), so the next --pin takes them over, says
# so, and its own maps are the ones pinned: they count what is sent now.
if mon_start 30 --pin; then
	kill -KILL "$MON_PID"
	mon_wait 10
	check_true "--pin, kill -9: the pins stay behind" in_rx test -e "$PIN/pl_stats"
	if mon_start 30 --pin; then
		ok "--pin after kill -9: starts on the stale pins"
		check_grep "--pin after kill -9: says it took them over" "$MON_ERR" "took over $PIN: .*no program uses those maps"
		trafgen_send 9 "$LAB_TMP/udp.cfg"
		in_rx bpftool map dump pinned "$PIN/pl_flows" >"$LAB_TMP/dump2.txt" 2>&1
		check_grep "--pin after kill -9: the pinned maps are the new monitor's (9 packets)" \
			"$LAB_TMP/dump2.txt" '"packets": \[ *9, *0'
		mon_stop TERM
		check_rc "--pin after kill -9: exit status" "$MON_RC" 0
		check_true "--pin after kill -9: pins removed on exit" in_rx test ! -e "$PIN"
	else
		fail "--pin after kill -9: starts on the stale pins" "$(cat "$MON_ERR")"
	fi
else
	fail "--pin, kill -9: attach" "$(cat "$MON_ERR")"
fi
in_rx rm -rf "$PIN"

# ---- a receiver sees one direction -----------------------------------------------------
# An iperf3 upload into the rx side: the data arrives, the SYN-ACK and ACKs leave on
# egress, which the program does not see. Live, such a flow is ingress-only, not
# syn_sent. The flow's bytes are at least what iperf3 says it sent.
if command -v iperf3 >/dev/null 2>&1; then
	rx_ip timeout 30 iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	LAB_PIDS+=("$!")
	for _ in $(seq 50); do
		rx_ip ss -ltnH 2>/dev/null | grep -q ':5299 ' && break
		sleep 0.1
	done
	if mon_start 30 --interval 0.5; then
		in_tx timeout 20 iperf3 -c "$IP4_RX" -p 5299 -t 1 -b 20M -J >"$LAB_TMP/iperf3.json" 2>&1
		check_rc "ingress-only: iperf3 upload" "$?" 0
		sent=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"]["bytes"])' \
			"$LAB_TMP/iperf3.json" 2>/dev/null)
		sleep 1
		mon_stop TERM
		check_rc "ingress-only: exit status" "$MON_RC" 0
		# The data connection: the flow to 5299 with the most bytes.
		check_eq "ingress-only: the upload's flow (no reply seen, state)" \
			"$(json_get "$MON_OUT" '(lambda f: f and (f["src"], f["dst"], f["packets_reply"], f["bytes_reply"], f["tcp_flags_reply"], f["state"], f["bytes"] >= '"${sent:-1}"'))(max([f for f in j["top_flows_by_bytes"] if f["dport"] == 5299], key=lambda f: f["bytes"], default=None))')" \
			"('$IP4_TX', '$IP4_RX', 0, 0, 'none', 'ingress-only', True)"
		check_eq "ingress-only: every flow to 5299 (data and control) says so" \
			"$(json_get "$MON_OUT" 'sorted(set(f["state"] for f in j["top_flows_by_bytes"] if f["dport"] == 5299))')" \
			"['ingress-only']"
	else
		fail "ingress-only: attach" "$(cat "$MON_ERR")"
	fi
else
	skip "ingress-only" "iperf3 is not installed"
fi

# ---- bpffs not mounted -------------------------------------------------------------------
# A fresh `ip netns exec` has a new /sys without bpffs: pktlens mounts it for --pin.
# shellcheck disable=SC2016 # expanded by the inner shell
ip netns exec "$NS_RX" bash -c '
	mountpoint -q /sys/fs/bpf && echo "bpffs-before: mounted" || echo "bpffs-before: not mounted"
	timeout 20 "$1" -v monitor --pin --json --duration 2 -i "$2" >/dev/null 2>"$3/nobpffs.err" &
	p=$!
	for i in $(seq 50); do grep -q "monitoring $2" "$3/nobpffs.err" && break; sleep 0.1; done
	ls "/sys/fs/bpf/pktlens/$2" | tr "\n" " "; echo
	wait $p; echo "rc=$?"
	test -e "/sys/fs/bpf/pktlens/$2" && echo "pins: left" || echo "pins: removed"
' _ "$PKTLENS" "$IF_RX" "$LAB_TMP" >"$LAB_TMP/nobpffs.out" 2>&1
check_grep "no bpffs: /sys/fs/bpf starts unmounted" "$LAB_TMP/nobpffs.out" '^bpffs-before: not mounted'
check_grep "no bpffs: pktlens mounted it and pinned the maps" "$LAB_TMP/nobpffs.out" 'pl_dsts pl_events pl_flows pl_icmp pl_ports pl_srcs pl_stats pl_talk_stats'
check_grep "no bpffs: exit 0" "$LAB_TMP/nobpffs.out" '^rc=0$'
check_grep "no bpffs: pins removed on exit" "$LAB_TMP/nobpffs.out" '^pins: removed'
check_grep "no bpffs: says it mounted bpffs (-v)" "$LAB_TMP/nobpffs.err" 'mounted bpffs'

# Without CAP_SYS_ADMIN (but with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON) mounting fails.
ip netns exec "$NS_RX" setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
	"$PKTLENS" monitor --pin --json --duration 1 -i "$IF_RX" >/dev/null 2>"$LAB_TMP/nomount.err"
rc=$?
check_rc "no bpffs, cannot mount: exit status" "$rc" 1
check_grep "no bpffs, cannot mount: says how to mount it" "$LAB_TMP/nomount.err" 'mount -t bpf bpf /sys/fs/bpf'
check_eq "no bpffs, cannot mount: nothing left attached" "$(xdp_prog_id "$IF_RX")" ""

# --pinned in a fresh namespace: nothing pinned there; says how to load it.
ip netns exec "$NS_RX" "$PKTLENS" monitor --pinned "/sys/fs/bpf/pktlens/$IF_RX" --json --duration 1 \
	>/dev/null 2>"$LAB_TMP/pinned.err"
rc=$?
check_rc "--pinned with nothing pinned: exit status" "$rc" 1
check_grep "--pinned with nothing pinned: says how to load it" "$LAB_TMP/pinned.err" 'bpftool prog loadall'

# ---- the interface is renamed ---------------------------------------------------------------
# The program is bound to the interface, not to its name: monitor goes on under the new
# name, and detaches from it on exit.
if mon_start 30 --mode native --interval 0.2; then
	rx_ip ip link set dev "$IF_RX" down && rx_ip ip link set dev "$IF_RX" name plrn$$ &&
		rx_ip ip link set dev plrn$$ up
	sleep 1
	check_true "renamed: monitor goes on" kill -0 "$MON_PID"
	mon_stop TERM
	check_rc "renamed: exit status" "$MON_RC" 0
	check_grep "renamed: says so" "$MON_ERR" "$IF_RX is now called plrn$$"
	check_eq "renamed: the last report names the new name" "$(json_get "$MON_OUT" 'j["source"]')" "plrn$$"
	check_eq "renamed: nothing left attached" "$(xdp_prog_id plrn$$)" ""
	rx_ip ip link set dev plrn$$ down && rx_ip ip link set dev plrn$$ name "$IF_RX" &&
		rx_ip ip link set dev "$IF_RX" up
else
	fail "renamed: attach" "$(cat "$MON_ERR")"
fi

# ---- the interface disappears ------------------------------------------------------------
for mode in native generic tc; do
	name="link deleted ($mode)"
	if ! mon_start 30 --mode "$mode" --interval 0.2; then
		fail "$name: attach" "$(cat "$MON_ERR")"
		continue
	fi
	in_tx ip link del "$IF_TX"
	mon_wait 10
	check_rc "$name: exit status" "$MON_RC" 1
	check_grep "$name: says the interface disappeared" "$MON_ERR" "$IF_RX.*disappeared"
	no_crash "$name: no crash" "$MON_ERR" "$MON_RC"
	lab_veth || { fail "$name: recreate the veth" ""; break; }
done

finish
