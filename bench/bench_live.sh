#!/bin/bash
# bench_live.sh - CPU the system spends receiving COUNT (1 M) 60-byte UDP packets over a
# veth pair with `pktlens monitor` attached (native XDP) against nothing attached, and,
# to tell veth's own cost of native XDP from pktlens's, against the empty XDP program
# (bpf/bench_pass.bpf.c, attached with ip link).
# trafgen sends a fixed count from one CPU (--cpus 1) in namespace plb-tx-PID; the
# receiver, namespace plb-rx-PID, passes them up its stack, where UDP drops them
# (no socket; the receiver's ICMP budget is 0 so that every packet does not also pay
# a route lookup for an unreachable message nobody would get). Three runs, the three
# conditions taking turns (the order rotates each run); medians.
#
# CPU is counted two ways over the send:
#   process: trafgen's user+system time (the receive path runs inline in its softirqs)
#            + every ksoftirqd's time + the monitor process's time. Other users of this
#            machine do not count. The target is checked on this figure.
#   system:  non-idle jiffies of all CPUs in /proc/stat (user nice system irq softirq)
#            minus the same measured over 1 s with nothing sent (idle baseline, scaled
#            to the send's duration); includes everything else running on the machine.
set -euo pipefail

BUILD=${BUILD:-build}
PKTLENS=${PKTLENS:-$BUILD/pktlens}
PASS_OBJ=$BUILD/bpf/bench_pass.bpf.o
COUNT=${BENCH_LIVE_PACKETS:-1000000}
RUNS=3
TARGET=1.3
HZ=$(getconf CLK_TCK)
T=plb-tx-$$
R=plb-rx-$$

die() { echo "bench_live: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP)"
command -v trafgen >/dev/null || die "trafgen (netsniff-ng) is not installed: sudo make deps"
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (package 'time')"
[ -x "$PKTLENS" ] || die "$PKTLENS not built"
[ -f "$PASS_OBJ" ] || die "$PASS_OBJ not built: run 'make bench'"

tmp=$(mktemp -d /tmp/pktlens-bench-live.XXXXXX)
mon_pid=
stop_monitor() {
	if [ -n "$mon_pid" ]; then
		kill -INT "$mon_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$mon_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$mon_pid" 2>/dev/null || true
		wait "$mon_pid" 2>/dev/null || true
		mon_pid=
	fi
}
cleanup() {
	stop_monitor
	ip netns del "$T" 2>/dev/null || true
	ip netns del "$R" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$T"
ip netns add "$R"
ip -n "$T" link add tx0 address 02:00:00:00:00:01 type veth peer name rx0 netns "$R" \
	address 02:00:00:00:00:02
ip -n "$T" addr add 198.18.0.1/30 dev tx0
ip -n "$R" addr add 198.18.0.2/30 dev rx0
for ns in "$T" "$R"; do ip -n "$ns" link set lo up; done
ip -n "$T" link set tx0 up
ip -n "$R" link set rx0 up
ip netns exec "$R" sysctl -qw net.ipv4.icmp_msgs_per_sec=0

# 60 bytes: Ethernet 14 + IPv4 20 + UDP 8 + 18 payload; 1024 flows (source ports).
cat >"$tmp/udp.cfg" <<'EOF'
{
  eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01),
  ipv4(sa=198.18.0.1, da=198.18.0.2, ttl=64),
  udp(sp=dinc(1024, 2047), dp=9),
  fill(0x41, 18)
}
EOF

now_ns() { date +%s%N; }
nonidle() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
# utime + stime of a process, in clock ticks (0 if it is gone).
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
ksoft_ticks() {
	local s=0 p
	for p in $(pgrep '^ksoftirqd/'); do s=$((s + $(ticks "$p"))); done
	echo "$s"
}
rx_packets() { ip netns exec "$R" cat /sys/class/net/rx0/statistics/rx_packets; }

start_monitor() {
	ip netns exec "$R" "$PKTLENS" monitor -i rx0 --mode native --json --interval 1 \
		--duration 300 >"$tmp/mon.json" 2>"$tmp/mon.err" &
	mon_pid=$!
	for _ in $(seq 100); do
		grep -q "monitoring rx0" "$tmp/mon.err" && return 0
		kill -0 "$mon_pid" 2>/dev/null || break
		sleep 0.2
	done
	cat "$tmp/mon.err" >&2
	die "pktlens monitor did not attach to rx0 in native mode"
}

# One measurement; appends "process_cpu system_cpu send_s delivered" to $tmp/$1.
measure() {
	local what=$1 b0 b1 t0 t1 s0 s1 k0 k1 m0=0 m1=0 w0 w1 r0 r1 tg attempt
	case $what in
	pktlens) start_monitor; sleep 1 ;;
	xdp_pass) ip -n "$R" link set dev rx0 xdpdrv obj "$PASS_OBJ" sec xdp ;;
	esac
	# trafgen gives up when the veth's queue stays stopped (EAGAIN flushing its TX
	# ring; seen when the receiving CPU is busy elsewhere): measure again.
	for attempt in 1 2 3; do
		t0=$(now_ns); b0=$(nonidle); sleep 1; b1=$(nonidle); t1=$(now_ns)
		r0=$(rx_packets); k0=$(ksoft_ticks)
		[ -n "$mon_pid" ] && m0=$(ticks "$mon_pid")
		s0=$(nonidle); w0=$(now_ns)
		ip netns exec "$T" timeout 120 /usr/bin/time -f '%U %S' -o "$tmp/tg.time" \
			trafgen -o tx0 -i "$tmp/udp.cfg" -n "$COUNT" -P 1 -C >"$tmp/tg.out" 2>&1 &&
			break
		[ "$attempt" = 3 ] && { cat "$tmp/tg.out" >&2; die "trafgen failed 3 times ($what)"; }
		retries=$((retries + 1))
		sleep 1
	done
	w1=$(now_ns); s1=$(nonidle)
	[ -n "$mon_pid" ] && m1=$(ticks "$mon_pid")
	k1=$(ksoft_ticks)
	sleep 0.2
	r1=$(rx_packets)
	[ "$what" = xdp_pass ] && ip -n "$R" link set dev rx0 xdpdrv off
	if [ "$what" = pktlens ]; then
		stop_monitor
		seen=$(grep -o '"total":{"packets":[0-9]*' "$tmp/mon.json" | tail -1 | grep -o '[0-9]*$')
		[ "${seen:-0}" -ge "$COUNT" ] ||
			die "pktlens monitor counted ${seen:-nothing}, expected >= $COUNT"
	fi
	tg=$(cat "$tmp/tg.time")
	awk -v tg="$tg" -v k=$((k1 - k0)) -v m=$((m1 - m0)) -v s=$((s1 - s0)) \
		-v b=$((b1 - b0)) -v bt=$((t1 - t0)) -v w=$((w1 - w0)) -v hz="$HZ" \
		-v rx=$((r1 - r0)) -v n="$COUNT" 'BEGIN {
		split(tg, a, " ")
		printf "%.3f %.3f %.3f %.4f %.3f\n", a[1] + a[2] + (k + m) / hz,
			(s - b * w / bt) / hz, w / 1e9, rx / n, b / hz / (bt / 1e9)
	}' >>"$tmp/$what"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }

t_start=$(now_ns)
retries=0
measure none # warm-up, not counted
rm -f "$tmp/none"
conds=(none pktlens xdp_pass)
for r in $(seq "$RUNS"); do
	for k in 0 1 2; do measure "${conds[$(((r + k) % 3))]}"; done
done

pn=$(col none 1); pp=$(col pktlens 1)
sn=$(col none 2); sp=$(col pktlens 2)
wn=$(col none 3); wp=$(col pktlens 3)
dn=$(col none 4); dp=$(col pktlens 4)
px=$(col xdp_pass 1); sx=$(col xdp_pass 2)
bl=$(cat "$tmp/none" "$tmp/pktlens" "$tmp/xdp_pass" | awk '{ print $5 }' | median)
awk -v pn="$pn" -v pp="$pp" -v sn="$sn" -v sp="$sp" -v wn="$wn" -v wp="$wp" -v dn="$dn" \
	-v dp="$dp" -v px="$px" -v sx="$sx" -v bl="$bl" -v retries=$retries -v n="$COUNT" -v runs="$RUNS" -v target="$TARGET" \
	-v secs=$((($(now_ns) - t_start) / 1000000000)) 'BEGIN {
	printf "bench_live: %d x 60-byte UDP over veth, trafgen --cpus 1; pktlens monitor " \
	       "(native XDP, --json) vs nothing; medians of %d, taking turns\n", n, runs
	printf "  process CPU-s (trafgen+ksoftirqd+monitor): nothing %.2f  pktlens %.2f  " \
	       "ratio %.2f  target <= %.1f: %s\n", pn, pp, pp / pn, target,
	       (pp / pn <= target ? "met" : "MISSED")
	printf "  system CPU-s (/proc/stat - idle baseline): nothing %.2f  pktlens %.2f  " \
	       "ratio %.2f\n    (baseline: %.2f CPU-s/s busy with nothing sent; a busy shared " \
	       "machine makes this figure unreliable)\n", sn, sp, sp / sn, bl
	printf "  empty XDP program instead (veth native-XDP path alone): process %.2f " \
	       "(%.2f x nothing), system %.2f; pktlens vs empty XDP: %.2f x\n", px, px / pn, sx,
	       pp / px
	printf "  send: nothing %.2f s (%.0f kpps), pktlens %.2f s (%.0f kpps); delivered " \
	       "%.1f%% / %.1f%%; %d s%s\n", wn, n / wn / 1e3, wp, n / wp / 1e3, dn * 100, dp * 100,
	       secs, retries ? sprintf(" (%d sends repeated: trafgen gave up)", retries) : ""
}'
