#!/usr/bin/env bash
# test_detect_floods.sh - hping3 SYN, UDP and ICMP floods into the monitored namespace,
# each from an address of its own and then from random (spoofed) sources, bounded with
# timeout (0.6 s of hping3 --flood): each alerted within 1 s of its onset (its first packet in tcpdump's
# capture on the target), per source (the sender's
# address) or, spoofed, as a flood from many sources on the victim; the EVE alert names
# the protocol and hping3's destination port. tcpdump records the run; `analyze` of
# that capture gives the same sids and sources.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools hping3 tcpdump

lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json
N=10000
FLOOD_S=0.6
# name  hping3-mode  sid  source (empty: --rand-source; then the victim is checked)
FLOODS=(
	"syn  -S  9100001 198.18.0.21"
	"udp  -2  9100002 198.18.0.22"
	"icmp -1  9100003 198.18.0.23"
	"syn  -S  9100004 -"
	"udp  -2  9100005 -"
	"icmp -1  9100006 -"
)
tx_addrs 21 22 23

ref_start || fail "tcpdump starts" "$(cat "$REF_ERR")"
# detection ticks once per interval: a quarter of a second keeps the alert within 1 s
mon_start 60 --interval 0.25 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }
for f in "${FLOODS[@]}"; do
	read -r name mode sid src <<<"$f"
	if [ "$src" = - ]; then from=(--rand-source); else from=(-a "$src"); fi
	lab_quiet
	t0=$(now_ms)
	# --flood (hping3 ignores -c then; -c with -i sends too slowly here): bounded by timeout
	in_tx timeout "$FLOOD_S" hping3 "$mode" -p 80 --flood -c "$N" "${from[@]}" "$IP4_RX" \
		>/dev/null 2>&1
	# onset: the flood's first packet at the target (a loaded machine starts hping3 late)
	case $name in syn) flt="tcp dst port 80" ;; udp) flt="udp dst port 80" ;; *) flt="icmp[0] = 8" ;; esac
	if [ "$src" = - ]; then
		wait_until 5 has_alert_dst "$EVE" "$sid" "$IP4_RX"
		t=$(alert_dst_ms "$EVE" "$sid" "$IP4_RX")
		t1=$(onset_ms "$t0" "$flt")
		if [ -n "$t" ] && [ $((t - t1)) -le 1000 ]; then
			ok "$name flood, random sources: alert $sid on $IP4_RX $((t - t1)) ms after onset"
		else
			fail "$name flood, random sources: alert $sid on $IP4_RX within 1 s" \
				"onset $t1, alert ${t:-none}; alerts: $(alerts_of "$EVE" | tr '\n' ';')"
		fi
	else
		check_alert "$name flood from $src" "$EVE" "$sid" "$src" \
			"$(onset_ms "$t0" "$flt and src $src")"
	fi
done
lab_quiet
ref_stop
mon_stop INT
check_eq "monitor exits cleanly" "$MON_RC" 0
# bounded under spoofing: the scan tracker holds at most max-sources (4096) and counts
# what it evicted; the kernel's table at most its 65536 entries
ds=$(json_get "$MON_OUT" 'max(j["detection"]["scan_sources"] for j in [j])')
de=$(json_get "$MON_OUT" 'j["detection"]["scan_sources_evicted"]')
dk=$(json_get "$MON_OUT" 'j["detection"]["sources"]')
bounded() { [ "$ds" -le 4096 ] && [ "$de" -gt 0 ] && [ "$dk" -le 65536 ]; } 2>/dev/null
check_true "bounded: $ds scan sources (<= 4096), $de evicted and counted, $dk in the kernel table" \
	bounded
grep -q " 0 packets dropped by kernel" "$REF_ERR" || echo "  (tcpdump: $(tr '\n' ' ' <"$REF_ERR"))"
dups=$(alerts_of "$EVE" | awk '$1 <= 9100003 { print $1, $2 } $1 > 9100003 { print $1, $3 }' |
	sort | uniq -d | tr '\n' ';')
check_eq "one EVE alert per flood" "$dups" ""
# EVE: the flood's protocol, and hping3's one destination port (-p 80) where it has one.
# A spoofed flood's alert names one sample source, whose flow the flood may already have
# pushed out of the table: its port is then unknown and left out ("80?": 80 or none).
check_eq "EVE alerts: proto and dest_port (TCP/UDP to port 80, ICMP without ports)" \
	"$("$PY" -c 'import json, sys
got = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    sid = e.get("alert", {}).get("signature_id", 0)
    if e.get("event_type") == "alert" and 9100001 <= sid <= 9100006 and sid not in got:
        port = str(e.get("dest_port", "-"))
        if sid in (9100004, 9100005) and port in ("80", "-"):
            port = "80?"
        got[sid] = "%d:%s:%s" % (sid, e.get("proto"), port)
print(" ".join(got[k] for k in sorted(got)))' "$EVE")" \
	"9100001:TCP:80 9100002:UDP:80 9100003:ICMP:- 9100004:TCP:80? 9100005:UDP:80? 9100006:ICMP:-"

# offline equals live: per-source floods by source, spoofed ones by victim
key() { awk '$1 >= 9100001 && $1 <= 9100003 { print $1, $2 } $1 >= 9100004 && $1 <= 9100006 { print $1, $3 }' | sort -u; }
live=$(alerts_of "$EVE" | key)
"$PKTLENS" analyze -r "$REF_PCAP" --json >"$LAB_TMP/offline.json" 2>"$LAB_TMP/offline.err"
check_rc "analyze of the capture" $? 0
off=$(alerts_of "$LAB_TMP/offline.json" | key)
check_eq "analyze gives the live flood alerts" "$(echo "$off" | tr '\n' ';')" "$(echo "$live" | tr '\n' ';')"
[ -n "${PL_DETECT_KEEP:-}" ] && cp "$REF_PCAP" "$EVE" "$LAB_TMP/offline.json" "$PL_DETECT_KEEP/"
finish
