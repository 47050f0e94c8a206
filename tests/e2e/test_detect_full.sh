#!/usr/bin/env bash
# test_detect_full.sh - the long no-false-alarm runs (PL_TEST_FULL=1 only):
#  - a 1 GB iperf3 TCP transfer into the monitored side: no flood, reflection, scan or
#    anomaly alert (iperf3's own byte count shows the transfer happened);
#  - analyze of every capture of the shared corpus at the default thresholds: no flood,
#    reflection or scan alert (sids 9100001-9100028) but those listed with their reason
#    in tests/e2e/detect_corpus_known.txt; the alerts raised are printed.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
if [ "${PL_TEST_FULL:-0}" != 1 ]; then
	skip "all" "the full tier only (PL_TEST_FULL=1)"
	finish
fi
need_root_tools iperf3
: "${CORPUS:=$E2E_ROOT/../shared/corpus}"
KNOWN=$E2E_ROOT/tests/e2e/detect_corpus_known.txt

lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json
ip netns exec "$NS_RX" timeout 120 iperf3 -s -B "$IP4_RX" >/dev/null 2>&1 &
LAB_PIDS+=($!)
mon_start 120 --interval 1 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }
listening() { ip netns exec "$NS_RX" ss -Hltn "sport = :5201" | grep -q .; }
wait_until 5 listening
in_tx timeout 100 iperf3 -c "$IP4_RX" -n 1G -J >"$LAB_TMP/gb.json" 2>&1
b=$(json_get "$LAB_TMP/gb.json" 'int(j["end"]["sum_received"]["bytes"])')
[ "$b" -ge 1000000000 ] 2>/dev/null && ok "iperf3 moved 1 GB ($b bytes)" || fail "iperf3 moved 1 GB" "$b"
lab_quiet
mon_stop INT
check_eq "1 GB transfer: no alert" "$(alerts_of "$EVE" | awk '$1 < 9100040' | tr '\n' ';')" ""

if [ ! -d "$CORPUS" ]; then
	skip "corpus" "no corpus at $CORPUS"
	finish
fi
# every capture, in two analyze runs side by side over half of them each (-V: one
# program loaded per run); one line "FILE SID SRC DST" per flood/scan alert
find -L "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort \
	>"$LAB_TMP/all.list"
awk 'NR % 2' "$LAB_TMP/all.list" >"$LAB_TMP/half0.list"
awk '!(NR % 2)' "$LAB_TMP/all.list" >"$LAB_TMP/half1.list"
pids=()
for h in 0 1; do
	timeout 1500 "$PKTLENS" analyze -q -V "$LAB_TMP/half$h.list" --json --l7-packets 0 \
		>"$LAB_TMP/half$h.json" 2>/dev/null &
	pids+=($!)
done
wait "${pids[@]}" # not the lab's own background processes
cat "$LAB_TMP/half0.json" "$LAB_TMP/half1.json" | "$PY" -c "import json, sys
for line in sys.stdin:
    try: d = json.loads(line)
    except ValueError: continue
    for a in d.get('alerts', []):
        if 9100001 <= a['signature_id'] <= 9100028:
            print(d['source'], a['signature_id'], a['src_ip'], a['dest_ip'])" >"$LAB_TMP/corpus.txt"
n=$(find -L "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | wc -l)
echo "  $n captures; flood/reflection/scan alerts raised:"
sed "s|^$CORPUS/|    |" "$LAB_TMP/corpus.txt"
unknown=$(while read -r f sid _; do
	rel=${f#"$CORPUS"/}
	grep -q "^$rel $sid " "$KNOWN" || echo "$rel $sid"
done <"$LAB_TMP/corpus.txt" | sort -u | tr '\n' ';')
check_eq "corpus: no flood/reflection/scan alert but the known ones" "$unknown" ""
finish
