#!/bin/bash
# bench_analyze.sh - `pktlens analyze` against tshark and tcpdump on one large capture:
# PACKETS (1 M) frames, mixed IPv4/IPv6 x TCP/UDP over FLOWS (50 000) flows, both
# directions, varied sizes, written once by bench_pipeline --write-pcap into a temp
# dir and read from the page cache. Each tool runs RUNS (3) times, the tools taking
# turns; medians of wall-clock seconds (the target) and of CPU seconds (user + system:
# less sensitive to other users of the machine).
set -euo pipefail

BENCH=bench_analyze
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GEN=$BUILD/bench/bench_pipeline
PACKETS=${BENCH_PACKETS:-1000000}
FLOWS=${BENCH_FLOWS:-50000}
RUNS=3
TARGET=10
LIMIT=300 # seconds any one run may take

need_root "analyze runs BPF_PROG_TEST_RUN"
need_cmds tshark tcpdump
need_time
[ -x "$GEN" ] || die "$GEN not built: run 'make bench'"

bench_tmp analyze
cap=$tmp/mix.pcap
"$GEN" --write-pcap "$cap" "$PACKETS" "$FLOWS" || die "cannot write the capture"
cat "$cap" >/dev/null

# Untimed check (and warm-up): pktlens counts every packet.
got=$(timeout $LIMIT "$PKTLENS" analyze -r "$cap" --json |
	grep -o '"total":{"packets":[0-9]*' | grep -o '[0-9]*$' || true)
[ "$got" = "$PACKETS" ] || die "pktlens analyze counted ${got:-nothing}, expected $PACKETS"

run() {
	local out=$tmp/$1
	case $1 in
	pktlens) set -- "$PKTLENS" analyze -r "$cap" --json ;;
	tshark) set -- tshark -q -z conv,ip -r "$cap" ;;
	tcpdump) set -- tcpdump -r "$cap" -w /dev/null ;;
	esac
	timeout $LIMIT /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; die "'$*' failed"; }
	awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$out"
}
take_turns "$RUNS" run pktlens tshark tcpdump

awk -v n="$PACKETS" -v f="$FLOWS" -v mb="$(($(stat -c %s "$cap") / 1000000))" -v runs=$RUNS \
	-v target=$TARGET -v pw="$(col pktlens 1)" -v pc="$(col pktlens 2)" \
	-v tw="$(col tshark 1)" -v tc="$(col tshark 2)" -v dw="$(col tcpdump 1)" \
	-v dc="$(col tcpdump 2)" 'BEGIN {
	printf "bench_analyze: %d packets, %d flows, %d MB (IPv4/IPv6 x TCP/UDP); medians of %d\n",
	       n, f, mb, runs
	printf "  %-36s %8s %8s %10s\n", "", "wall_s", "cpu_s", "packets/s"
	printf "  %-36s %8.2f %8.2f %10.0f\n", "pktlens analyze -r F --json", pw, pc, n / pw
	printf "  %-36s %8.2f %8.2f %10.0f\n", "tshark -q -z conv,ip -r F", tw, tc, n / tw
	printf "  %-36s %8.2f %8.2f %10.0f\n", "tcpdump -r F -w /dev/null", dw, dc, n / dw
	printf "  pktlens vs tshark: %.1f x faster (cpu %.1f x); target >= %d x: %s\n",
	       tw / pw, tc / pc, target, (tw / pw >= target ? "met" : "MISSED")
	printf "  pktlens vs tcpdump: %.2f x the time (%.1f us/packet vs %.2f)\n", pw / dw,
	       pw / n * 1e6, dw / n * 1e6
}'
