#!/usr/bin/env bash
# test_detect_frags.sh - overlapping IP fragments (teardrop), IPv4 and IPv6, alerted as
# sid 9100034 on their source, checked against tshark's reassembly: the sources of the
# fragments tshark marks as overlapping with other bytes (ip/ipv6.fragment.overlap.conflict)
# are exactly the sources alerted. A fragment repeated exactly (tshark: an overlap
# without conflict) is no attack (RFC 8200 4.5) and not alerted. Offline (analyze of a
# capture frag_frames.py writes, with 5000 datagrams that never complete: more than the
# tracking keeps, evictions counted, the teardrop after them still alerted) and live
# (the same frames sent by trafgen from the tx namespace to a monitored veth); protect
# blocks the source automatically (nftables counts what still arrives after XDP; full
# tier).
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools tshark trafgen
T=$LAB_TMP
GEN=$E2E_ROOT/tests/e2e/frag_frames.py
"$PY" "$GEN" "$T/frags.pcap" "$T/frags.cfg" 02:00:c6:12:00:02 02:00:c6:12:00:01 ||
	{ fail "frag_frames.py writes the capture"; finish; }
nlive=$(grep -c '^{' "$T/frags.cfg")

# tshark's reassembly: sources of conflicting overlaps, and of overlaps without conflict
ref=$(tshark -r "$T/frags.pcap" -Y "ip.fragment.overlap.conflict || ipv6.fragment.overlap.conflict" \
	-T fields -e ip.src -e ipv6.src 2>/dev/null | tr -d '\t' | sort -u | tr '\n' ' ')
dup=$(tshark -r "$T/frags.pcap" -Y "(ip.fragment.overlap && !ip.fragment.overlap.conflict)" \
	-T fields -e ip.src 2>/dev/null | sort -u | tr '\n' ' ')
check_eq "tshark: conflicting overlaps from four sources" "$(echo "$ref" | wc -w)" 4

"$PKTLENS" analyze -r "$T/frags.pcap" --json --eve "$T/eve.json" >"$T/a.json" 2>"$T/a.err"
check_rc "analyze of the capture" $? 0
got=$(alerts_of "$T/a.json" | awk '$1 == 9100034 { print $2 }' | sort -u | tr '\n' ' ')
check_eq "analyze: 9100034 from exactly tshark's overlapping sources" "$got" "$ref"
check_true "tshark's overlap without conflict (an exact repeat from $dup) is no alert" \
	eval '[ -n "$dup" ] && ! echo " $got" | grep -qF " $dup"'
check_eq "EVE: one alert line per source, anomaly style overlapping-fragments" \
	"$("$PY" -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event_type") == "alert" and e["alert"]["signature_id"] == 9100034:
        n += e["pktlens"]["style"] == "overlapping-fragments"
print(n)' "$T/eve.json")" 4
made=$(json_get "$T/a.json" 'j["detection"]["frag_datagrams"]')
gone=$(json_get "$T/a.json" 'j["detection"]["frag_datagrams_evicted"]')
bounded() { [ "$gone" -ge $((5000 - 4096)) ] && [ "$gone" -le "$made" ]; } 2>/dev/null
check_true "bounded: $made datagrams tracked, $gone evicted (>= 5000 - 4096) and counted" bounded

# live: the frames without the flood, by trafgen into the monitored veth
lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$T/live.json
mon_start 30 --interval 0.25 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }
trafgen_send "$nlive" "$T/frags.cfg" || fail "trafgen sends $nlive frames" "$(cat "$T/trafgen.log")"
want=$(echo "$ref" | tr ' ' '\n' | grep -v '^198\.18\.0\.71$' | grep . | sort -u | tr '\n' ' ')
live_srcs() { alerts_of "$EVE" | awk '$1 == 9100034 { print $2 }' | sort -u | tr '\n' ' '; }
live_all() { [ "$(live_srcs)" = "$want" ]; }
wait_until 5 live_all
check_eq "monitor: 9100034 from the same sources (trafgen, $nlive frames)" "$(live_srcs)" "$want"
mon_stop INT
check_eq "monitor exits cleanly" "$MON_RC" 0

# protect blocks the source automatically, as for tiny fragments: counted after XDP
# (full tier: a second program load)
[ -n "${PL_TEST_FULL:-}" ] || { skip "protect blocks the source" "PL_TEST_FULL=1"; finish; }
EVE=$T/protect.json
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect -i "$IF_RX" --json --duration 30 --l7-packets 8 \
	--interval 0.25 --eve "$EVE" >"$T/p.out" 2>"$T/p.err" &
MON_PID=$!
LAB_PIDS+=("$MON_PID")
wait_grep "$T/p.err" "protect: " "$MON_PID" || { fail "protect starts" "$(cat "$T/p.err")"; finish; }
trafgen_send "$nlive" "$T/frags.cfg"
action() { "$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event_type") == "alert" and d["alert"]["signature_id"] == 9100034 \
       and d["src_ip"] == "198.18.0.66":
        print(d["alert"]["action"]); break' "$EVE" 2>/dev/null; }
blocked() { [ "$(action)" = blocked ]; }
wait_until 5 blocked
check_eq "protect: the alert from 198.18.0.66 is blocked" "$(action)" blocked
nft_count_start "ip saddr 198.18.0.66" "ip saddr 198.18.0.7"
trafgen_send "$nlive" "$T/frags.cfg"
lab_quiet
check_eq "protect: none of 198.18.0.66's 6 fragments arrive again, all 7 of 198.18.0.7's do" \
	"$(nft_count 1) $(nft_count 2)" "0 7"
mon_stop INT
check_eq "protect exits cleanly" "$MON_RC" 0
finish
