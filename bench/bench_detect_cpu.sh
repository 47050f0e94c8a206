#!/bin/bash
# bench_detect_cpu.sh - detection's user-space CPU under the fastest spoofed SYN flood
# this machine can send: trafgen --cpus 1 in one namespace, SYNs to port 80 from random
# sources of 198.18.0.0/16 (65,536 addresses), random source ports, into a veth pair
# whose other end `pktlens monitor` watches (native XDP, detection's 0.25 s tick,
# reports every second). The monitor's utime + stime (/proc/PID/stat) over WINDOW
# seconds (default 10) once the flood runs, with detection and with --no-detect, ROUNDS
# times each (default 3, taking turns), the utime + stime of its detection thread alone
# (named pl-detect), and the packets the receiving veth counted (rx_packets) over the
# same window.
set -uo pipefail
BENCH=bench_detect_cpu
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
WINDOW=${WINDOW:-10}
ROUNDS=${ROUNDS:-3}
need_root "XDP and namespaces"
need_cmds trafgen
[ -x "$PKTLENS" ] || die "$PKTLENS not built: run 'make'"
bench_tmp detect-cpu
T=pl-bdc-tx-$$ R=pl-bdc-rx-$$
lab_up --no-ipv6
cat >"$tmp/syn.cfg" <<'CFG'
{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01),
  ipv4(sa=198.18.0.1, sa[2:2]=drnd(), da=198.18.0.2, ttl=64),
  tcp(sp=drnd(), dp=80, seq=drnd(), syn),
}
CFG

# round MODE: one measured window of monitor with (det) or without (nodet) detection
round() {
	local args=() t0 t1 r0 r1 tr
	[ "$1" = nodet ] && args=(--no-detect)
	ip netns exec "$R" "$PKTLENS" monitor -i rx0 --json --interval 1 --duration 120 \
		"${args[@]}" >"$tmp/mon.json" 2>"$tmp/mon.err" &
	bg_pid=$!
	bg_ready "monitoring rx0 in" "$tmp/mon.err" 0.2 "monitor did not attach"
	ip netns exec "$T" timeout $((WINDOW + 8)) trafgen --cpus 1 -q -i "$tmp/syn.cfg" -o tx0 \
		>/dev/null 2>&1 &
	tr=$!
	sleep 3 # trafgen's start and the first alerts
	dt=$(det_task "$bg_pid")
	t0=$(ticks "$bg_pid") r0=$(rx_packets) d0=$(task_ticks "$bg_pid" "$dt")
	sleep "$WINDOW"
	t1=$(ticks "$bg_pid") r1=$(rx_packets) d1=$(task_ticks "$bg_pid" "$dt")
	kill "$tr" 2>/dev/null
	wait "$tr" 2>/dev/null
	bg_stop INT 50
	echo "$1 $(pct $((t1 - t0))) $(((r1 - r0) / WINDOW)) $(pct $((d1 - d0)))" | tee -a "$tmp/rounds"
}
pct() { awk -v t="$1" -v hz="$HZ" -v w="$WINDOW" 'BEGIN { printf "%.1f", 100 * t / hz / w }'; }
# det_task PID: the id of PID's detection thread (named pl-detect), or empty
det_task() {
	local c
	for c in /proc/"$1"/task/*/comm; do
		[ "$(cat "$c" 2>/dev/null)" = pl-detect ] && { c=${c%/comm}; echo "${c##*/}"; return; }
	done
}
# task_ticks PID TID: utime + stime of one thread (0 without one)
task_ticks() {
	[ -n "$2" ] || { echo 0; return; }
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/task/$2/stat" 2>/dev/null || echo 0
}
echo "$BENCH: spoofed SYN flood (trafgen --cpus 1): mode, monitor's CPU % of one core over" \
	"$WINDOW s, rx pps, its detection thread's CPU %"
take_turns "$ROUNDS" round det nodet
for m in det nodet; do
	grep "^$m " "$tmp/rounds" >"$tmp/$m"
	echo "$BENCH: $m: monitor CPU $(col "$m" 2) %, detection thread $(col "$m" 4) %," \
		"rx $(col "$m" 3) pps (medians of $ROUNDS rounds)"
done
