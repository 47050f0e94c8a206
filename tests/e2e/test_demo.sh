#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions run from traps
# SPDX-License-Identifier: BSD-2-Clause
# test_demo.sh - end to end: `pktlens demo --duration 8 --json` builds its lab, sends its
# traffic for 8 s, runs as long as the monitor's --duration it announces (wall clock and
# records), prints JSON records that show IPv4, IPv6, TCP, UDP, ICMP and VLAN-tagged
# packets; the flood and the scan blocked by themselves (their alerts, the XDP drops of
# each block, the kernel's NO_SOCKET drops of what came before), the burst after
# `pktlens block` dropped whole; the DNS names, HTTP host and TLS SNI the clients used
# and the slow service's latency against curl's; exits 0 and leaves no namespace, veth,
# XDP program or pin behind. Also: bad
# usage exits 2, and a SIGTERM in the middle of the run still removes the lab (exit 1).
# Closing line: "N passed, N failed[, N skipped]"; exit status 1 when anything failed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
TMP=$(mktemp -d /tmp/pktlens-test-demo.XXXXXX)
DEMO_PID=""
P=0 F=0 S=0

ok() { P=$((P + 1)); echo "ok   $1"; }
fail() { F=$((F + 1)); echo "FAIL $1: ${2:-}"; }
skip() { S=$((S + 1)); echo "skip $1: ${2:-}"; }

finish() {
	echo
	if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
	[ "$F" -eq 0 ]
	exit
}

# A demo this test started is stopped (it removes its lab itself) if the test ends early.
on_exit() {
	if [ -n "$DEMO_PID" ] && kill -0 "$DEMO_PID" 2>/dev/null; then
		kill -TERM "$DEMO_PID" 2>/dev/null
		wait "$DEMO_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

# check_rc NAME GOT WANT
check_rc() {
	if [ "$2" -eq "$3" ]; then ok "$1 (exit $2)"; else fail "$1" "exit $2, want $3"; fi
}

# field FILE PATH: a number from the last JSON record of FILE (PATH like .l3.ipv4.packets)
field() {
	local line
	line=$(grep '^{' "$1" | tail -n 1)
	if command -v jq >/dev/null 2>&1; then
		printf '%s\n' "$line" | jq -r "$2 // empty" 2>/dev/null
	elif command -v python3 >/dev/null 2>&1; then
		printf '%s\n' "$line" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].strip(".").split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$2" 2>/dev/null
	else
		# No JSON tool: the object keys are unique enough for these paths.
		local k=${2##*.} parent
		parent=${2%.*}
		parent=${parent##*.}
		printf '%s\n' "$line" | sed -n "s/.*\"$parent\":{[^}]*\"$k\":\([0-9]*\).*/\1/p"
	fi
}

# check_positive NAME FILE PATH [MIN]
check_positive() {
	local v min=${4:-1}
	v=$(field "$2" "$3")
	if [ -n "$v" ] && [ "${v%.*}" -ge "$min" ] 2>/dev/null; then
		ok "$1 ($3 = $v)"
	else
		fail "$1" "$3 = '${v}', want >= $min"
	fi
}

# json_lines_valid FILE: every line of FILE is one JSON object
json_lines_valid() {
	if command -v jq >/dev/null 2>&1; then
		jq -e 'type == "object"' "$1" >/dev/null 2>&1
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)' "$1" 2>/dev/null
	else
		! grep -qv '^{.*}$' "$1"
	fi
}

# lab_gone NAME ERRFILE: what the demo reported as its lab no longer exists
lab_gone() {
	local name=$1 err=$2 line ns_tx ns_rx if_tx if_rx prog n left=""
	line=$(grep 'lab removed (namespaces' "$err" | tail -n 1)
	if [ -z "$line" ]; then
		fail "$name: demo reports its lab removed" "no 'lab removed' line on stderr"
		return
	fi
	ok "$name: demo reports its lab removed"
	read -r ns_tx ns_rx < <(sed -n 's/.*namespaces \([^ ]*\) \([^,]*\),.*/\1 \2/p' <<<"$line")
	read -r if_tx if_rx < <(sed -n 's/.*veth \([^/]*\)\/\([^,)]*\).*/\1 \2/p' <<<"$line")
	prog=$(sed -n 's/.*XDP program id \([0-9]*\).*/\1/p' <<<"$line")
	for ns in $ns_tx $ns_rx; do
		ip netns list | grep -q "^$ns\( \|$\)" && left="$left namespace $ns;"
	done
	for i in $if_tx $if_rx; do
		ip -o link show 2>/dev/null | grep -q ": ${i}[@:]" && left="$left link $i;"
		[ -e "/sys/fs/bpf/pktlens/$i" ] && left="$left pins /sys/fs/bpf/pktlens/$i;"
	done
	if [ -n "$prog" ] && command -v bpftool >/dev/null 2>&1; then
		n=50 # the kernel frees a detached program shortly after its last user
		while bpftool prog show id "$prog" >/dev/null 2>&1 && [ "$n" -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		bpftool prog show id "$prog" >/dev/null 2>&1 && left="$left XDP program id $prog;"
	fi
	if [ -z "$ns_tx" ] || [ -z "$if_rx" ]; then
		fail "$name: nothing left behind" "cannot read the lab's names from: $line"
	elif [ -n "$left" ]; then
		fail "$name: nothing left behind" "still there:$left"
	else
		ok "$name: nothing left behind ($ns_tx, $ns_rx, $if_tx, $if_rx${prog:+, prog $prog})"
	fi
}

# ---- usage (no root needed) ---------------------------------------------------------

if [ ! -x "$PKTLENS" ]; then
	fail "pktlens binary" "$PKTLENS is missing: run make"
	finish
fi
"$PKTLENS" demo --help >"$TMP/help" 2>&1
check_rc "demo --help" $? 0
if grep -q -- '--duration S' "$TMP/help" && grep -q -- '--json' "$TMP/help" &&
	grep -q -- '--keep' "$TMP/help"; then
	ok "demo --help lists --duration, --json, --keep"
else
	fail "demo --help lists --duration, --json, --keep" "$(head -c 300 "$TMP/help")"
fi
"$PKTLENS" demo --duration 2 >/dev/null 2>&1
check_rc "demo --duration 2 is bad usage" $? 2
"$PKTLENS" demo --no-such-option >/dev/null 2>&1
check_rc "demo --no-such-option is bad usage" $? 2
"$PKTLENS" demo extra-argument >/dev/null 2>&1
check_rc "demo with an argument is bad usage" $? 2

# ---- the demo itself --------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	skip "demo run" "needs root"
	skip "demo interrupted by SIGTERM" "needs root"
	finish
fi
missing=""
for t in ip ethtool ping iperf3 trafgen hping3 nmap nsenter timeout ss dig dnsmasq curl openssl python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	skip "demo run" "missing tools:$missing (make deps)"
	skip "demo interrupted by SIGTERM" "missing tools:$missing"
	finish
fi

# now_ms: the wall clock in milliseconds
now_ms() { echo $(($(date +%s%N) / 1000000)); }

OUT=$TMP/demo.json ERR=$TMP/demo.err
start=$(date +%s)
timeout -k 5 120 "$PKTLENS" demo --duration 8 --json >"$OUT" 2>"$ERR" &
DEMO_PID=$!
# From the moment it announces the monitor's command to its end: the wall time the
# announced --duration must match.
t_ann=""
for _ in $(seq 1200); do
	if [ -z "$t_ann" ] && grep -q 'starting: pktlens protect' "$ERR"; then
		t_ann=$(now_ms)
	fi
	kill -0 "$DEMO_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$DEMO_PID"
rc=$?
DEMO_PID=""
t_end=$(now_ms)
took=$(($(date +%s) - start))
check_rc "demo --duration 8 --json (took $took s)" "$rc" 0
ann=$(sed -n 's/.*starting: pktlens protect .*--duration \([0-9]*\).*/\1/p' "$ERR" | head -n 1)
if [ -z "$ann" ] || [ -z "$t_ann" ]; then
	fail "the announced --duration" "no 'starting: pktlens protect ... --duration N' line: $(head -n 3 "$ERR")"
else
	ran=$((t_end - t_ann))
	# At least the announced time (the monitor runs it out, the lab waits for it),
	# and no more than the attach and the removal of the lab add (10 s, for a busy
	# machine).
	if [ "$ran" -ge $((ann * 1000)) ] && [ "$ran" -le $(((ann + 10) * 1000)) ]; then
		ok "announced --duration $ann: ran $ran ms from the announcement to the end"
	else
		fail "announced --duration $ann matches the run" "ran $ran ms from the announcement to the end"
	fi
	# The monitor's own records, one a second, span what it announced.
	nrec=$(grep -c '^{' "$OUT")
	if [ "$nrec" -ge $((ann - 1)) ] && [ "$nrec" -le $((ann + 1)) ]; then
		ok "announced --duration $ann: $nrec records of one second"
	else
		fail "announced --duration $ann: one record a second" "$nrec records"
	fi
fi
done_at=$(sed -n 's/.*\[\([0-9]*\) s\] traffic done.*/\1/p' "$ERR" | tail -n 1)
if [ -n "$done_at" ] && [ "$done_at" -ge 7 ] && [ "$done_at" -le 9 ]; then
	ok "the traffic lasted the 8 s asked ($done_at s)"
else
	fail "the traffic lasted the 8 s asked" "'traffic done' at '$done_at' s"
fi
if [ "$rc" -ne 0 ]; then
	echo "--- stderr of the demo:"
	tail -n 30 "$ERR"
fi
nrec=$(grep -c '^{' "$OUT")
if [ "$nrec" -ge 5 ]; then ok "one JSON record per second ($nrec records)"; else
	fail "one JSON record per second" "$nrec records"
fi
if [ -s "$OUT" ] && json_lines_valid "$OUT"; then ok "every stdout line is a JSON object"; else
	fail "every stdout line is a JSON object" "$(head -c 300 "$OUT")"
fi
check_positive "IPv4 packets seen" "$OUT" .l3.ipv4.packets
check_positive "IPv6 packets seen" "$OUT" .l3.ipv6.packets
check_positive "TCP packets seen" "$OUT" .l4.tcp.packets
check_positive "UDP packets seen" "$OUT" .l4.udp.packets
check_positive "ICMP packets seen" "$OUT" .l4.icmp.packets
check_positive "ICMPv6 packets seen" "$OUT" .l4.icmpv6.packets
check_positive "VLAN-tagged packets seen (802.1Q and QinQ)" "$OUT" .vlan.tagged 1000
check_positive "QinQ packets seen" "$OUT" .vlan.qinq 500
check_positive "SYN flood and scan seen (SYN without ACK)" "$OUT" '.tcp_flags.S' 4700
# dropped ADDR: the packets from ADDR the summary says were dropped in XDP
dropped() {
	sed -nE "s/^ *dropped +([0-9]+) packets from $1 dropped in XDP.*/\1/p" "$ERR" | head -n 1
}
# The flood from its own address: detection blocks the address by itself, the rest of
# the flood is dropped in XDP. The kernel drops (--drops) what came before the block as
# NO_SOCKET (port 80 is closed), each SYN once: with the XDP drops, the flood's SYNs
# (the scan adds at most a probe or two to port 80).
hp_sent=$(sed -nE 's/^ *hping3 -S +([0-9]+) SYNs to port 80 from 198.18.0.66 \(flood\).*/\1/p' "$ERR")
auto_flood=$(dropped 198.18.0.66)
nosock80=$(grep '^{' "$OUT" | tail -n 1 | python3 -c '
import json, sys
d = json.load(sys.stdin).get("drops") or {}
print(sum(e["drops_total"] for e in d.get("entries", []) if e["reason"] == "NO_SOCKET" and
      e["proto"] == "tcp" and e["port"] == 80))' 2>/dev/null)
if [ -n "$hp_sent" ] && [ -n "$auto_flood" ] && [ "$auto_flood" -gt 0 ] &&
	[ "$auto_flood" -lt "$hp_sent" ]; then
	ok "the flood blocked by itself: $auto_flood of its $hp_sent SYNs dropped in XDP"
else
	fail "the flood blocked by itself" "hping3 sent '$hp_sent', dropped in XDP '$auto_flood'"
fi
if [ -n "$hp_sent" ] && [ -n "$nosock80" ] && [ -n "$auto_flood" ] &&
	[ $((nosock80 + auto_flood)) -ge "$hp_sent" ] && [ $((nosock80 + auto_flood)) -le $((hp_sent + 3)) ]; then
	ok "kernel drops NO_SOCKET tcp/80 ($nosock80) + XDP drops ($auto_flood) == the flood's SYNs ($hp_sent)"
else
	fail "kernel drops NO_SOCKET tcp/80 + XDP drops == the flood's SYNs" \
		"NO_SOCKET '$nosock80', XDP '$auto_flood', hping3 sent '$hp_sent'"
fi
# The burst after `pktlens block` of its address: every SYN of it dropped in XDP (the
# rule's counter equals what hping3 sent); the data plane's total is the three rules'.
hpb_sent=$(sed -nE 's/^ *hping3 -S +([0-9]+) SYNs to port 80 from 198.18.0.68, after pktlens block.*/\1/p' "$ERR")
rule_drops=$(dropped 198.18.0.68)
auto_scan=$(dropped 198.18.0.67)
mit_dropped=$(field "$OUT" .mitigation.dropped)
if [ -n "$hpb_sent" ] && [ "$hpb_sent" -gt 0 ] && [ "$rule_drops" = "$hpb_sent" ]; then
	ok "the burst after pktlens block: all $hpb_sent SYNs dropped in XDP (the rule's counter)"
else
	fail "the burst after pktlens block dropped in XDP" "hping3 sent '$hpb_sent', the rule counted '$rule_drops'"
fi
if [ -n "$auto_scan" ] && [ "$auto_scan" -gt 0 ]; then
	ok "the scan blocked by itself: $auto_scan of nmap's probes dropped in XDP"
else
	fail "the scan blocked by itself" "dropped '$auto_scan'"
fi
if [ -n "$mit_dropped" ] && [ "$mit_dropped" = "$((${auto_flood:-0} + ${rule_drops:-0} + ${auto_scan:-0}))" ]; then
	ok "mitigation.dropped ($mit_dropped) is the three rules' drops"
else
	fail "mitigation.dropped is the three rules' drops" \
		"'$mit_dropped' vs $auto_flood + $rule_drops + $auto_scan"
fi
# The alerts that made the blocks, with the attackers' addresses.
for a in "SYN flood from one source from 198.18.0.66: blocked" "SYN scan from 198.18.0.67: blocked"; do
	if grep -q "^ *alert .*$a\$" "$ERR"; then ok "alert: $a"; else fail "alert: $a" "$(grep '^ *alert' "$ERR")"; fi
done
# L7: the names the demo's clients used (dig, curl's Host, s_client's SNI), from the EVE
# events, and the slow service's latency against curl's own time to the first byte.
check_line() { # NAME ERE
	if grep -Eq "$2" "$ERR"; then ok "$1"; else fail "$1" "no line like '$2'"; fi
}
check_line "DNS names dig asked" '^ +DNS +www\.demo\.example, api\.demo\.example, cdn\.demo\.example$'
check_line "HTTP host curl asked" '^ +HTTP +slow\.demo\.example$'
check_line "TLS SNI s_client sent" '^ +TLS +SNI tls\.demo\.example$'
lat=$(sed -nE 's/^ *latency +HTTP :8080 p50 ([0-9.]+) ms.*first byte after ([0-9., ]+) s\)$/\1 \2/p' "$ERR")
if [ -n "$lat" ] && python3 -c '
import statistics, sys
p50, curl = float(sys.argv[1]), [float(x) * 1000 for x in sys.argv[2:]]
sys.exit(not (p50 >= 200 and abs(p50 - statistics.median(curl)) <= 25))' ${lat//,/}; then
	ok "slow service: pktlens's HTTP p50 near 200 ms and curl's first byte ($lat)"
else
	fail "slow service latency" "'$lat' ($(grep '^ *latency' "$ERR"))"
fi
seen_as_sent() {
	local got want
	got=$(sed -nE "s/$2/$3/p" "$ERR")
	want=$(sed -nE "s/$2/$4/p" "$ERR")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "$1 ($got)"
	else
		fail "$1" "seen '$got', sent '$want'"
	fi
}
if grep -q 'what was sent and what pktlens saw' "$ERR"; then
	ok "summary of sent vs seen on stderr"
	pct=$(sed -n 's/.*packets (\([0-9.]*\)% of the frames sent).*/\1/p' "$ERR" | head -n 1)
	if [ -n "$pct" ] && awk -v p="$pct" 'BEGIN { exit !(p >= 95 && p <= 105) }'; then
		ok "pktlens saw the frames the sender put on the wire ($pct%)"
	else
		fail "pktlens saw the frames the sender put on the wire" "'$pct%'"
	fi
	# Classes whose traffic only one tool sends: seen must equal sent, not just be
	# above a floor (a frame counted twice would pass that).
	seen_as_sent "VLAN tagged and QinQ frames seen as sent" \
		'^ +VLAN +([0-9]+) tagged \(sent: ([0-9]+)\), ([0-9]+) of them QinQ \(sent: ([0-9]+)\)$' \
		'\1 \3' '\2 \4'
	seen_as_sent "ICMP echo requests seen as sent" \
		'^ +ICMP +([0-9]+) packets \(sent: ([0-9]+) echo requests\)$' '\1' '\2'
else
	fail "summary of sent vs seen on stderr" "$(tail -n 5 "$ERR")"
fi
lab_gone "demo run" "$ERR"

# ---- SIGTERM in the middle ----------------------------------------------------------

OUT2=$TMP/term.json ERR2=$TMP/term.err
# The files exist before the demo starts: a loop that read a missing one would end at
# once and signal the demo before it could handle the signal.
: >"$OUT2"
: >"$ERR2"
timeout -k 5 120 "$PKTLENS" demo --duration 30 --json >"$OUT2" 2>"$ERR2" &
DEMO_PID=$!
n=200 # until the monitor has printed a few records (at most 20 s)
while [ "$n" -gt 0 ] && [ "$(grep -c '^{' "$OUT2")" -lt 3 ] && kill -0 "$DEMO_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
start=$(date +%s)
kill -TERM "$DEMO_PID" 2>/dev/null
wait "$DEMO_PID"
rc=$?
DEMO_PID=""
took=$(($(date +%s) - start))
check_rc "SIGTERM during the traffic: exit status" "$rc" 1
if [ "$took" -le 15 ]; then ok "SIGTERM: the demo ended within $took s"; else
	fail "SIGTERM: the demo ended quickly" "took $took s"
fi
if grep -q 'interrupted (SIGTERM)' "$ERR2"; then ok "SIGTERM: says it was interrupted"; else
	fail "SIGTERM: says it was interrupted" "$(tail -n 5 "$ERR2")"
fi
lab_gone "SIGTERM" "$ERR2"

finish
