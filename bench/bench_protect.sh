#!/bin/bash
# bench_protect.sh - what protect costs and how fast a block takes effect:
#  1. the whole protect program vs the plain monitor program, in the kernel, through
#     BPF_PROG_TEST_RUN (bench/bench_protect.c: distinct packets, repeat = 1, a bare
#     XDP_PASS subtracted, programs alternated, medians);
#  2. the time from `pktlens block` (the command started) to the first XDP drop of a
#     running flood: hping3 sends UDP at about 10 kpps from the lab's tx side to rx0,
#     where protect runs; tcpdump on rx0 time-stamps what still arrives, so the last
#     packet before the block took hold marks the first drop (to within one packet's
#     gap, 0.1 ms). Also the block command's own run time. Medians of RUNS (7) blocks;
#  3. the receive CPU of the target under a flood of COUNT (1 M) 60-byte UDP packets from
#     trafgen (as fast as it sends, one CPU) with nothing attached, with monitor, and
#     with protect dropping the flood's source (--rules: block 198.18.0.1): CPU figures
#     and turn-taking as bench_drops.sh; medians of CPU_RUNS (5).
set -euo pipefail

BENCH=bench_protect
T=plb-tx-$$
R=plb-rx-$$
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=${BENCH_PROTECT_RUNS:-7}
CPU_RUNS=${BENCH_PROTECT_CPU_RUNS:-5}
COUNT=${BENCH_PROTECT_PACKETS:-1000000}
BIN=$BUILD/bench/bench_protect

need_root "BPF_PROG_TEST_RUN, namespaces"
need_cmds hping3 tcpdump nsenter trafgen
need_time
[ -x "$BIN" ] || die "$BIN not built: run 'make bench'"
[ -x "$PKTLENS" ] || die "$PKTLENS not built"
PKTLENS=$(realpath "$PKTLENS") # nsenter -m starts at the namespace's root

timeout 900 "$BIN" "$@"

bench_tmp protect
BG_CLEANUP_SIG=INT
lab_up --no-ipv6
# A holder of the rx side's own mount namespace, with a bpffs for protect's pins.
ip netns exec "$R" sleep 900 &
HOLD=$!
for _ in $(seq 50); do
	[ "$(readlink "/proc/$HOLD/ns/net")" = "$(ip netns exec "$R" readlink /proc/self/ns/net)" ] && break
	sleep 0.1
done
# (Background processes are started with nsenter itself, not in_r: $! must be the
# process to signal, nsenter execs it.)
in_r() { nsenter -t "$HOLD" -m -n -- "$@"; }
in_r mount -t bpf bpf /sys/fs/bpf
trap 'kill $HOLD 2>/dev/null; bench_cleanup' EXIT

nsenter -t "$HOLD" -m -n -- "$PKTLENS" protect -i rx0 --json --interval 1 --duration 600 >"$tmp/prot.json" 2>"$tmp/prot.err" &
bg_pid=$!
for _ in $(seq 200); do
	grep -q 'protect: dropping' "$tmp/prot.err" && break
	kill -0 "$bg_pid" 2>/dev/null || die "protect failed: $(cat "$tmp/prot.err")"
	sleep 0.1
done
grep -q 'protect: dropping' "$tmp/prot.err" || die "protect did not start: $(cat "$tmp/prot.err")"

# one_block: flood, block while it runs, measure; appends "to_drop_ms cmd_ms" to $tmp/times.
one_block() {
	local cap=$tmp/cap.pcap n t_cmd t_done last
	rm -f "$cap"
	nsenter -t "$HOLD" -m -n -- timeout 30 tcpdump -i rx0 -n -U --immediate-mode -w "$cap" "udp dst port 9090" \
		2>"$tmp/tcpdump.err" &
	local tp=$!
	for _ in $(seq 100); do grep -q 'listening on' "$tmp/tcpdump.err" && break; sleep 0.05; done
	ip netns exec "$T" timeout -s INT 2 hping3 --udp -p 9090 -i u100 198.18.0.2 \
		>/dev/null 2>&1 &
	local hp=$!
	# The flood is arriving (a few hundred packets in the capture) before the block.
	for _ in $(seq 100); do
		n=$(stat -c %s "$cap" 2>/dev/null || echo 0)
		[ "$n" -gt 30000 ] && break
		sleep 0.05
	done
	t_cmd=$(date +%s.%N)
	in_r "$PKTLENS" -q block 198.18.0.1 >/dev/null
	t_done=$(date +%s.%N)
	wait "$hp" || true
	sleep 0.3
	kill -TERM "$tp" 2>/dev/null || true
	wait "$tp" 2>/dev/null || true
	last=$(tcpdump -r "$cap" -n -tt 2>/dev/null | tail -n 1 | awk '{ print $1 }')
	in_r "$PKTLENS" -q unblock 198.18.0.1 >/dev/null
	awk -v c="$t_cmd" -v d="$t_done" -v l="$last" \
		'BEGIN { printf "%.2f %.2f\n", (l - c) * 1000, (d - c) * 1000 }' >>"$tmp/times"
}
: >"$tmp/times"
for _ in $(seq "$RUNS"); do one_block; done
echo "bench_protect: from 'pktlens block' started to the first XDP drop of a 10 kpps flood (veth, $RUNS blocks)"
printf '  %-34s %8s ms (runs: %s)\n' "to the first drop, median" "$(col times 1)" \
	"$(awk '{ printf "%s ", $1 }' "$tmp/times")"
printf '  %-34s %8s ms\n' "the block command's run time" "$(col times 2)"

bg_stop INT 50 || die "protect did not end on SIGINT"

# ---- 3. receive CPU under a flood: nothing, monitor, protect dropping it ----------------
printf 'block 198.18.0.1\n' >"$tmp/block.rules"
# cpu_measure WHAT: one flood; appends "process_cpu system_cpu send_s delivered" to $tmp/$WHAT.
cpu_measure() {
	local what=$1 tg d
	case $what in
	monitor)
		nsenter -t "$HOLD" -m -n -- "$PKTLENS" monitor -i rx0 --json --interval 1 --duration 300 \
			>"$tmp/mon.json" 2>"$tmp/mon.err" &
		bg_pid=$!
		bg_ready "monitoring rx0" "$tmp/mon.err" 0.2 "monitor did not start"
		;;
	protect)
		nsenter -t "$HOLD" -m -n -- "$PKTLENS" protect -i rx0 --rules "$tmp/block.rules" --json --interval 1 \
			--duration 300 >"$tmp/mon.json" 2>"$tmp/mon.err" &
		bg_pid=$!
		bg_ready "protect: dropping" "$tmp/mon.err" 0.2 "protect did not start"
		;;
	esac
	window_send 3 "trafgen failed 3 times ($what)"
	window_end 0.2
	if [ "$what" = protect ]; then
		sleep 1.2 # one more report after the flood
		d=$(tail -n 1 "$tmp/mon.json" | grep -o '"mitigation":{"dropped":[0-9]*' | grep -o '[0-9]*$' || true)
		[ "${d:-0}" -ge $((COUNT * 99 / 100)) ] ||
			die "protect dropped ${d:-nothing} of $COUNT packets"
	fi
	bg_stop INT 50 || true
	tg=$(cat "$tmp/tg.time")
	awk -v tg="$tg" -v k="$win_ksoft" -v m="$win_bg" -v s="$win_busy" \
		-v b="$win_idle" -v bt="$win_idle_ns" -v w="$win_ns" -v hz="$HZ" \
		-v rx="$win_rx" -v n="$COUNT" 'BEGIN {
		split(tg, a, " ")
		printf "%.3f %.3f %.3f %.4f\n", a[1] + a[2] + (k + m) / hz,
			(s - b * w / bt) / hz, w / 1e9, rx / n
	}' >>"$tmp/$what"
}
cpu_measure none # warm-up, not counted
rm -f "$tmp/none"
take_turns "$CPU_RUNS" cpu_measure none monitor protect
awk -v pn="$(col none 1)" -v pm="$(col monitor 1)" -v pp="$(col protect 1)" \
	-v sn="$(col none 2)" -v sm="$(col monitor 2)" -v sp="$(col protect 2)" \
	-v tn="$(col none 3)" -v tp="$(col protect 3)" -v n="$COUNT" -v runs="$CPU_RUNS" 'BEGIN {
	printf "bench_protect: %d x 60-byte UDP over veth from a blocked source; medians of %d, " \
	       "taking turns\n", n, runs
	printf "  process CPU-s (trafgen+ksoftirqd+pktlens): nothing %.2f  monitor %.2f  " \
	       "protect %.2f  (protect/nothing %.2f x)\n", pn, pm, pp, pp / pn
	printf "  system CPU-s (/proc/stat - idle baseline): nothing %.2f  monitor %.2f  " \
	       "protect %.2f  (protect/nothing %.2f x)\n", sn, sm, sp, sp / sn
	printf "  send time: nothing %.2f s (%.2f Mpps), protect %.2f s (%.2f Mpps)\n", tn,
	       n / tn / 1e6, tp, n / tp / 1e6
}'
