# shellcheck shell=bash disable=SC2034,SC2154,SC2119,SC2120 # shared variables; optional arguments
# lib.sh - sourced by the bench/bench_*.sh scripts (not a benchmark itself: `make bench`
# runs bench/bench_*.sh only). What they share:
#
#   setup    die, need_root, need_cmds, need_time, bench_tmp (temp dir + cleanup traps)
#   lab      lab_up: namespaces $T (tx0) and $R (rx0) joined by a veth pair, and
#            $tmp/udp.cfg, trafgen's 60-byte UDP frame from tx0 to rx0
#   counters now_ns, nonidle, ticks, ksoft_ticks, rx_packets
#   send     window_send / window_end: one send by trafgen, measured (idle baseline,
#            /proc/stat, ksoftirqd, trafgen's and the background process's own time)
#   process  bg_pid, bg_ready, bg_stop: the one background process a bench runs
#   figures  take_turns, median, col
#
# Before sourcing it a script sets BENCH, its name for messages ("bench_live"), and, if
# it builds the lab, T and R, the namespaces' names (with $$, so that runs can coexist).
# The lab is namespaces and a veth pair only, on 198.18.0.0/15 (2001:db8::/32 if IPv6
# is ever added); nothing is attached outside it. Every loop is bounded. bench_tmp
# installs the EXIT trap (bench_cleanup) and turns SIGINT/SIGTERM into an exit, so
# the lab and the temp dir go away on every way out.

BUILD=${BUILD:-build}
PKTLENS=${PKTLENS:-$BUILD/pktlens}
HZ=$(getconf CLK_TCK)
bg_pid=               # the background process (capture, monitor), or empty
BG_CLEANUP_SIG=KILL   # the signal bench_cleanup ends bg_pid with (then KILL after 5 s)
send_retries=0        # sends that window_send had to repeat (trafgen gave up)

# ---- setup ---------------------------------------------------------------------------

# die MSG: "$BENCH: MSG" on stderr, exit 1 (the EXIT trap cleans up).
die() { echo "$BENCH: $*" >&2; exit 1; }

# need_root WHY: die unless root; WHY says what for.
need_root() { [ "$(id -u)" = 0 ] || die "needs root ($1)"; }

# need_cmds CMD...: die unless each CMD is on PATH.
need_cmds() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t is not installed: sudo make deps"
	done
}

# need_time: die unless GNU time is at /usr/bin/time (its -f and -o are used).
need_time() { [ -x /usr/bin/time ] || die "/usr/bin/time is not installed (package 'time')"; }

# bench_tmp WHAT: tmp=a new directory /tmp/pktlens-bench-WHAT.XXXXXX; installs the traps.
bench_tmp() {
	tmp=$(mktemp -d "/tmp/pktlens-bench-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# bench_cleanup (EXIT trap): stop bg_pid, delete the lab's namespaces (and so the veth
# pair and anything attached to it), remove $tmp.
bench_cleanup() {
	bg_stop "$BG_CLEANUP_SIG" 50 2>/dev/null || true
	if [ -n "${T:-}" ]; then ip netns del "$T" 2>/dev/null || true; fi
	if [ -n "${R:-}" ]; then ip netns del "$R" 2>/dev/null || true; fi
	rm -rf "$tmp"
}

# ---- lab -----------------------------------------------------------------------------

# lab_up [--no-ipv6]: namespaces $T and $R, veth tx0 (198.18.0.1/30, 02:00:00:00:00:01)
# in $T and rx0 (198.18.0.2/30, 02:00:00:00:00:02) in $R, loopbacks up; $R sends no ICMP
# errors (icmp_msgs_per_sec 0: a packet to a port without a socket pays no route lookup
# for an unreachable message). --no-ipv6: IPv6 off in both (no router solicitations or
# MLD reports: only the stream is on the wire). Writes $tmp/udp.cfg.
lab_up() {
	local ns
	ip netns add "$T"
	ip netns add "$R"
	if [ "${1:-}" = --no-ipv6 ]; then
		for ns in "$T" "$R"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1
		done
	fi
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
}

# ---- counters ------------------------------------------------------------------------

now_ns() { date +%s%N; }
# Non-idle jiffies of all CPUs: user nice system irq softirq.
nonidle() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
# ticks PID: utime + stime of a process, in clock ticks (0 if it is gone).
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Ticks of every ksoftirqd together.
ksoft_ticks() {
	local s=0 p
	for p in $(pgrep '^ksoftirqd/'); do s=$((s + $(ticks "$p"))); done
	echo "$s"
}
# Packets rx0 has received.
rx_packets() { ip netns exec "$R" cat /sys/class/net/rx0/statistics/rx_packets; }

# ---- send ----------------------------------------------------------------------------

# window_send TRIES FAILMSG [TRAFGEN_OPTION...]: measure the idle baseline (1 s, nothing
# sent), read the counters, then send $COUNT frames of $tmp/udp.cfg from tx0 with trafgen
# on one CPU (120 s at most; its user and system seconds go to $tmp/tg.time, its output
# to $tmp/tg.out). trafgen gives up when the veth's queue stays stopped (EAGAIN flushing
# its TX ring; seen when the receiving CPU is busy elsewhere): then, up to TRIES sends in
# all, a second later everything is measured again (send_retries counts these). After
# the last failure: tg.out on stderr, die FAILMSG. The window stays open for window_end.
window_send() {
	local tries=$1 msg=$2 attempt t0 t1 b0 b1
	shift 2
	for attempt in $(seq "$tries"); do
		t0=$(now_ns); b0=$(nonidle); sleep 1; b1=$(nonidle); t1=$(now_ns)
		win_idle=$((b1 - b0)) win_idle_ns=$((t1 - t0))
		_win_r0=$(rx_packets); _win_k0=$(ksoft_ticks); _win_c0=0
		if [ -n "$bg_pid" ]; then _win_c0=$(ticks "$bg_pid"); fi
		_win_s0=$(nonidle); _win_w0=$(now_ns)
		ip netns exec "$T" timeout 120 /usr/bin/time -f '%U %S' -o "$tmp/tg.time" \
			trafgen -o tx0 -i "$tmp/udp.cfg" -n "$COUNT" -P 1 -C "$@" >"$tmp/tg.out" 2>&1 &&
			return 0
		if [ "$attempt" -ge "$tries" ]; then
			cat "$tmp/tg.out" >&2
			die "$msg"
		fi
		send_retries=$((send_retries + 1))
		sleep 1
	done
}

# window_end [SETTLE]: close the window window_send opened and set
#   win_idle   non-idle jiffies over the idle baseline (set by window_send)
#   win_idle_ns  the baseline's length, ns (set by window_send)
#   win_busy   non-idle jiffies over the window
#   win_ns     the window's length, ns
#   win_bg     bg_pid's ticks over the window (0 without one)
#   win_ksoft  every ksoftirqd's ticks over the window
#   win_rx     packets rx0 received, read SETTLE seconds (default none) after the window
# The window ends when window_end is called: a caller that lets the receiver drain
# inside it sleeps first.
window_end() {
	local w1 s1 c1=0 k1 r1
	w1=$(now_ns); s1=$(nonidle)
	if [ -n "$bg_pid" ]; then c1=$(ticks "$bg_pid"); fi
	k1=$(ksoft_ticks)
	if [ -n "${1:-}" ]; then sleep "$1"; fi
	r1=$(rx_packets)
	win_busy=$((s1 - _win_s0)) win_ns=$((w1 - _win_w0)) win_bg=$((c1 - _win_c0))
	win_ksoft=$((k1 - _win_k0)) win_rx=$((r1 - _win_r0))
}

# ---- background process --------------------------------------------------------------

# bg_ready TEXT FILE PAUSE MSG: after starting bg_pid, wait until FILE (its stderr) says
# TEXT, polling 100 times PAUSE seconds apart; if it does not (or bg_pid ends), FILE on
# stderr and die MSG.
bg_ready() {
	local _
	for _ in $(seq 100); do
		grep -q "$1" "$2" && return 0
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep "$3"
	done
	cat "$2" >&2
	die "$4"
}

# bg_stop SIG TENTHS: send SIG to bg_pid and wait up to TENTHS tenths of a second for it
# to end; if it does not, SIGKILL it and return 1. bg_pid is empty afterwards. Nothing
# to do (0) without a bg_pid.
bg_stop() {
	local _ rc=0
	[ -n "$bg_pid" ] || return 0
	kill -"$1" "$bg_pid" 2>/dev/null || true
	for _ in $(seq "$2"); do kill -0 "$bg_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$bg_pid" 2>/dev/null; then
		kill -KILL "$bg_pid" 2>/dev/null || true
		rc=1
	fi
	wait "$bg_pid" 2>/dev/null || true
	bg_pid=
	return "$rc"
}

# ---- figures -------------------------------------------------------------------------

# take_turns RUNS FN NAME...: RUNS rounds of FN NAME for each NAME, the order rotating
# by one each round (round r starts with NAME number r mod the count, from 0).
take_turns() {
	local runs=$1 fn=$2 _r _k
	shift 2
	local names=("$@")
	for _r in $(seq "$runs"); do
		for _k in $(seq 0 $((${#names[@]} - 1))); do
			"$fn" "${names[$(((_r + _k) % ${#names[@]}))]}"
		done
	done
}

# median: of the numbers on stdin, one per line.
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# col NAME N: median of column N of $tmp/NAME.
col() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }
