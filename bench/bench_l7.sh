#!/bin/bash
# bench_l7.sh - what L7 costs. Live: CPU the system spends receiving COUNT (1 M) 60-byte
# UDP packets over veth (as bench_live.sh counts it: trafgen + every ksoftirqd + the
# receiving process) with nothing attached, with `pktlens monitor` (native XDP) with L7
# on (the default: the first 8 packets of each flow and direction sampled) and off
# (--l7-packets 0), and with `ndpiReader -i rx0` (nDPI over libpcap, the user-space peer)
# instead; on three streams: one long flow (one source port: every packet one flow, the
# issue's case), "long" flows (1024 source ports: ~1000 packets a flow) and "short"
# ones (64512 source ports: ~16 packets a flow). Offline: `pktlens analyze --json`
# against `ndpiReader -i FILE` over the nDPI captures of tests/corpus/sample.txt: all of
# them in one analyze (-r F1 -r F2 ...: one program load, a report each) and one by one,
# against ndpiReader run once per file; and over every Ethernet capture of the nDPI
# corpus concatenated into one file (both classify every flow with the same nDPI),
# wall-clock and CPU seconds. RUNS (3) runs each, the conditions taking turns; medians.
set -euo pipefail

BENCH=bench_l7
T=plb7-tx-$$
R=plb7-rx-$$
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${BENCH_L7_PACKETS:-1000000}
RUNS=${BENCH_L7_RUNS:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}

need_root "namespaces, XDP"
need_cmds trafgen ndpiReader
need_time
[ -x "$PKTLENS" ] || die "$PKTLENS not built"

bench_tmp l7
BG_CLEANUP_SIG=INT
lab_up
cp "$tmp/udp.cfg" "$tmp/long.cfg"
sed 's/dinc(1024, 2047)/dinc(1024, 65535)/' "$tmp/long.cfg" >"$tmp/short.cfg"
sed 's/dinc(1024, 2047)/1024/' "$tmp/long.cfg" >"$tmp/one.cfg"
grep -q 'sp=1024,' "$tmp/one.cfg" || die "could not make the one-flow trafgen config"

# The receiving process in the receiver's namespace, as bg_pid.
start_monitor() {
	ip netns exec "$R" "$PKTLENS" monitor -i rx0 --mode native --json --interval 1 \
		--duration 300 "$@" >"$tmp/mon.json" 2>"$tmp/mon.err" &
	bg_pid=$!
	bg_ready "monitoring rx0 in native mode" "$tmp/mon.err" 0.2 "pktlens monitor did not attach"
}
start_ndpi() {
	ip netns exec "$R" ndpiReader -i rx0 -q -s 300 >"$tmp/ndpi.out" 2>&1 &
	bg_pid=$!
	sleep 1 # libpcap has opened its socket once nDPI has loaded its protocols
	kill -0 "$bg_pid" 2>/dev/null || { cat "$tmp/ndpi.out" >&2; die "ndpiReader did not start"; }
}

# measure STREAM_CONDITION: appends "process_cpu delivered" to $tmp/STREAM_CONDITION.
measure() {
	local stream=${1%%_*} what=${1#*_}
	cp "$tmp/$stream.cfg" "$tmp/udp.cfg"
	case $what in
	l7) start_monitor ;;
	nol7) start_monitor --l7-packets 0 ;;
	ndpi) start_ndpi ;;
	esac
	window_send 3 "trafgen failed 3 times ($1)"
	sleep 0.5 # the receiver drains inside the window
	window_end 0.2
	case $what in
	l7 | nol7) bg_stop INT 50 || true ;;
	ndpi) bg_stop INT 100 || true ;;
	esac
	awk -v tg="$(cat "$tmp/tg.time")" -v k="$win_ksoft" -v m="$win_bg" -v hz="$HZ" \
		-v rx="$win_rx" -v n="$COUNT" 'BEGIN {
		split(tg, a, " "); printf "%.3f %.4f\n", a[1] + a[2] + (k + m) / hz, rx / n }' \
		>>"$tmp/$1"
}

t_start=$(now_ns)
measure long_none # warm-up, not counted
rm -f "$tmp/long_none"
take_turns "$RUNS" measure one_none one_l7 one_nol7 one_ndpi long_none long_l7 long_nol7 \
	long_ndpi short_none short_l7 short_nol7 short_ndpi

# ---- offline: the nDPI sample captures --------------------------------------------------
files=()
while read -r f; do
	[ -f "$CORPUS/$f" ] && files+=("$CORPUS/$f")
done < <(sed -n 's|^\(ndpi/pcap/.*\)|\1|p' "$ROOT/tests/corpus/sample.txt")
offline() {
	local f
	[ "$1" = multi ] && { multi; return; }
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" bash -c '
		tool=$1; shift
		for f in "$@"; do
			if [ "$tool" = pktlens ]; then
				"$PKTLENS" analyze -q -r "$f" --json >/dev/null 2>&1 || true
			else
				ndpiReader -q -i "$f" >/dev/null 2>&1 || true
			fi
		done' _ "$1" "${files[@]}"
	awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$tmp/off_$1"
}
export PKTLENS
# All of them in one analyze: -r F1 -r F2 ..., one program load, one report each.
multi() {
	local args=() f
	for f in "${files[@]}"; do args+=(-r "$f"); done
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$PKTLENS" analyze -q "${args[@]}" --json \
		>/dev/null 2>&1 || true
	awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$tmp/multi_pktlens"
}
# The same captures in one file (the Ethernet ones, concatenated): throughput without
# each tool's start (pktlens loads and verifies its BPF program, nDPI its protocols).
merged() {
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" bash -c '
		if [ "$1" = pktlens ]; then "$PKTLENS" analyze -q -r "$2" --json
		else ndpiReader -q -i "$2"; fi >/dev/null 2>&1' _ "$1" "$tmp/merged.pcap"
	awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$tmp/mrg_$1"
}
eth=()
for f in "$CORPUS"/ndpi/pcap/*; do
	[ "$(capinfos -T -E -r "$f" 2>/dev/null | cut -f2)" = ether ] && eth+=("$f")
done
if [ ${#files[@]} -gt 0 ]; then
	take_turns "$RUNS" offline pktlens ndpi multi
fi
if [ ${#eth[@]} -gt 0 ] && mergecap -a -F pcap -w "$tmp/merged.pcap" "${eth[@]}" 2>/dev/null; then
	mpk=$(capinfos -T -c -r "$tmp/merged.pcap" | cut -f2)
	take_turns "$RUNS" merged pktlens ndpi
fi

row() { # STREAM
	local s=$1
	awk -v s="$s" -v n0="$(col "${s}_none" 1)" -v l7="$(col "${s}_l7" 1)" \
		-v no="$(col "${s}_nol7" 1)" -v nd="$(col "${s}_ndpi" 1)" \
		-v dl="$(col "${s}_l7" 2)" -v dn="$(col "${s}_ndpi" 2)" 'BEGIN {
	printf "  %-5s nothing %.2f  pktlens L7 off %.2f  L7 on %.2f  ndpiReader -i %.2f" \
	       "  (delivered %.1f%% / %.1f%%)\n", s, n0, no, l7, nd, dl * 100, dn * 100
	printf "        added over nothing: L7 off %.2f, L7 on %.2f, ndpiReader %.2f; " \
	       "pktlens with L7 / ndpiReader: %.2f x\n", no - n0, l7 - n0, nd - n0,
	       (l7 - n0) / (nd - n0)
	}'
}
echo "bench_l7: $COUNT x 60-byte UDP over veth, trafgen --cpus 1; process CPU-s" \
	"(trafgen + ksoftirqd + the receiving process); medians of $RUNS, taking turns"
row one
row long
row short
echo "  targets: L7's added cost <= 0.3 x ndpiReader's on the long flow, below it on short ones"
if [ ${#files[@]} -gt 0 ]; then
	awk -v n=${#files[@]} -v pw="$(col off_pktlens 1)" -v pc="$(col off_pktlens 2)" \
		-v nw="$(col off_ndpi 1)" -v nc="$(col off_ndpi 2)" 'BEGIN {
	printf "  offline, %d nDPI captures one by one: pktlens analyze --json %.2f s (cpu %.2f), " \
	       "ndpiReader -i FILE %.2f s (cpu %.2f): pktlens / ndpiReader %.2f x the time\n", n, pw,
	       pc, nw, nc, pw / nw }'
	awk -v n=${#files[@]} -v pw="$(col multi_pktlens 1)" -v pc="$(col multi_pktlens 2)" \
		-v nw="$(col off_ndpi 1)" -v nc="$(col off_ndpi 2)" 'BEGIN {
	printf "  offline, the same %d in one analyze (-r F1 -r F2 ...): pktlens %.2f s (cpu %.2f), " \
	       "ndpiReader -i FILE per file %.2f s (cpu %.2f): pktlens / ndpiReader %.2f x the " \
	       "time (target: faster)\n", n, pw, pc, nw, nc, pw / nw }'
fi
if [ -n "${mpk:-}" ]; then
	awk -v n=${#eth[@]} -v p="$mpk" -v pw="$(col mrg_pktlens 1)" -v pc="$(col mrg_pktlens 2)" \
		-v nw="$(col mrg_ndpi 1)" -v nc="$(col mrg_ndpi 2)" 'BEGIN {
	printf "  offline, the %d Ethernet captures of the nDPI corpus in one file (%d packets): " \
	       "pktlens %.2f s (cpu %.2f), ndpiReader %.2f s (cpu %.2f): pktlens / ndpiReader " \
	       "%.2f x the time\n", n, p, pw, pc, nw, nc, pw / nw }'
fi
echo "  $((($(now_ns) - t_start) / 1000000000)) s"
