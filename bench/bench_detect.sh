#!/bin/bash
# bench_detect.sh - threat detection's costs and speed:
#  1. in-kernel cost per packet of detection's per-address counters: bench_pipeline
#     --detect-base (the pipeline vs the same program without them, BPF_PROG_TEST_RUN
#     over distinct packets, 1k and 64k flows, 64-byte IPv4/IPv6 TCP/UDP: every UDP
#     packet is counted, TCP packets without SYN are not);
#  2. time from flood onset to the first alert: hping3 --flood for 0.6 s into a veth
#     namespace pair watched by `pktlens monitor --eve`, the onset being the flood's
#     first packet in tcpdump's capture on the target; one source and random sources,
#     ROUNDS times each (default 5), medians.
set -uo pipefail
BIN=${BUILD:-build}/bench/bench_pipeline
ROUNDS=${ROUNDS:-5}
die() { echo "bench_detect: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$BIN" ] || die "$BIN not built: run 'make bench'"
echo "bench_detect: 1. in-kernel cost of detection's counters"
timeout 900 "$BIN" --detect-base --sizes 1024,65536 --rounds 15 --hot-repeat 100000 |
	grep -E "flows|^ +[0-9]|detection counters" || die "bench_pipeline failed"

cd "$(dirname "$0")/.." || exit 1
. tests/lib/netns.sh
. tests/lib/detect.sh
command -v hping3 >/dev/null && command -v tcpdump >/dev/null || die "needs hping3 and tcpdump"
lab_up || die "cannot build the namespaces"
tx_addrs 21
EVE=$LAB_TMP/eve.json
ref_start || die "tcpdump did not start"
mon_start 300 --interval 1 --eve "$EVE" >/dev/null || die "monitor did not attach"
one=() many=()
new_alert() { [ -n "$(alerts_of "$EVE" | awk -v s="$1" -v t="$2" '$1 == s && $4 >= t')" ]; }
for i in $(seq "$ROUNDS"); do
	for kind in one many; do
		lab_quiet
		# the alert of the previous round must have ended (quiet 10 s) to be raised again
		t0=$(now_ms)
		if [ $kind = one ]; then from=(-a 198.18.0.21); else from=(--rand-source); fi
		in_tx timeout 0.6 hping3 -S -p 80 --flood "${from[@]}" "$IP4_RX" >/dev/null 2>&1
		sid=9100001; [ $kind = many ] && sid=9100004
		wait_until 5 new_alert "$sid" "$t0"
		t=$(alerts_of "$EVE" | awk -v s=$sid -v t="$t0" '$1 == s && $4 >= t { print $4; exit }')
		o=$(onset_ms "$t0" "tcp dst port 80")
		[ -n "$t" ] && eval "$kind+=($((t - o)))"
		if [ -n "$t" ]; then r="$((t - o)) ms"; else r="no alert"; fi
		echo "  round $i $kind source(s): $r"
		sleep 11 # the attack ends (quiet time) before the next round
	done
done
mon_stop INT
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "none" }'; }
echo "bench_detect: 2. flood onset to first alert (median of $ROUNDS): one source $(med "${one[@]}") ms" \
	"(${one[*]}), random sources $(med "${many[@]}") ms (${many[*]})"
