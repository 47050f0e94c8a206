#!/usr/bin/env bash
# test_detect_scans.sh - real nmap scans of every style against a target namespace with
# open TCP and UDP ports (socat listeners inside it), monitored on the target's side
# (-sS and -sT also over closed ports only, where the SYN's options tell them apart):
# each is alerted within 1 s of nmap's start, with the style's sid and the address nmap
# scanned from (each style from an address of its own). tcpdump records the run;
# `analyze` of that capture gives the same alerts (sids and sources).
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools nmap socat tcpdump

lab_up || { fail "lab" "could not build the namespaces"; finish; }
EVE=$LAB_TMP/eve.json
# style  nmap-options            sid      source
SCANS=(
	"syn     -sS           9100020 198.18.0.11"
	"connect -sT           9100021 198.18.0.12"
	"fin     -sF           9100022 198.18.0.13"
	"null    -sN           9100023 198.18.0.14"
	"xmas    -sX           9100024 198.18.0.15"
	"ack     -sA           9100025 198.18.0.16"
	"udp     -sU           9100026 198.18.0.17"
)
# closed ports only: connect() and a raw scanner both get RSTs; the SYN names the style
CLOSED=(
	"connect -sT           9100021 198.18.0.19"
	"syn     -sS           9100020 198.18.0.20"
)
tx_addrs 11 12 13 14 15 16 17 18 19 20
# open ports on the target; ICMP errors not rate-limited (UDP scans get their answers)
ip netns exec "$NS_RX" sysctl -qw net.ipv4.icmp_ratelimit=0
for p in 22 80 443; do
	ip netns exec "$NS_RX" timeout 60 socat TCP-LISTEN:$p,fork,reuseaddr SYSTEM:true &
	LAB_PIDS+=($!)
done
ip netns exec "$NS_RX" timeout 60 socat UDP-RECVFROM:53,fork SYSTEM:true &
LAB_PIDS+=($!)
# ICMP sweep: a /24 routed to the target, which nmap pings host by host
in_tx ip route add 198.18.1.0/24 via "$IP4_RX" dev "$IF_TX"

ref_start || fail "tcpdump starts" "$(cat "$REF_ERR")"
mon_start 60 --interval 0.5 --eve "$EVE" || { fail "monitor attaches" "$(cat "$MON_ERR")"; finish; }

for s in "${SCANS[@]}"; do
	read -r style opt sid src <<<"$s"
	lab_quiet
	t0=$(now_ms)
	in_tx timeout 20 nmap -n -Pn -T4 --max-retries 0 "$opt" -S "$src" -e "$IF_TX" \
		-p 1-300 "$IP4_RX" >"$LAB_TMP/nmap-$style.txt" 2>&1
	check_alert "nmap $opt ($style)" "$EVE" "$sid" "$src" "$t0"
done
for s in "${CLOSED[@]}"; do
	read -r style opt sid src <<<"$s"
	lab_quiet
	t0=$(now_ms)
	in_tx timeout 20 nmap -n -Pn -T4 --max-retries 0 "$opt" -S "$src" -e "$IF_TX" \
		-p 1000-1100 "$IP4_RX" >"$LAB_TMP/nmap-closed-$style.txt" 2>&1
	check_alert "nmap $opt, closed ports only ($style)" "$EVE" "$sid" "$src" "$t0"
done
lab_quiet
t0=$(now_ms)
in_tx timeout 20 nmap -n -sn -T4 "198.18.0.0/24" >"$LAB_TMP/nmap-sn.txt" 2>&1
check_alert "nmap -sn (arp sweep)" "$EVE" 9100028 "$IP4_TX" "$t0"
lab_quiet
t0=$(now_ms)
in_tx timeout 20 nmap -n -sn -PE --send-ip -T4 --max-retries 0 -S 198.18.0.18 -e "$IF_TX" \
	"198.18.1.0/24" >"$LAB_TMP/nmap-pe.txt" 2>&1
check_alert "nmap -sn -PE (icmp sweep)" "$EVE" 9100027 198.18.0.18 "$t0"

lab_quiet
ref_stop
mon_stop INT
# PL_DETECT_KEEP=DIR: keep the capture and the events to look at
[ -n "${PL_DETECT_KEEP:-}" ] && cp "$REF_PCAP" "$EVE" "$MON_OUT" "$PL_DETECT_KEEP/"
check_eq "monitor exits cleanly" "$MON_RC" 0

# one alert per attack: each (sid, source) once in the EVE file
dups=$(alerts_of "$EVE" | awk '{ print $1, $2 }' | sort | uniq -d | tr '\n' ';')
check_eq "one EVE alert per scan" "$dups" ""
# each scanning address: the style of the nmap flag it used, no other (-sS and -sT too)
styles=$(alerts_of "$EVE" | awk '$1 >= 9100020 && $1 <= 9100026 { print $1, $2 }' | sort -u |
	tr '\n' ';')
want=$(for s in "${SCANS[@]}" "${CLOSED[@]}"; do read -r _ _ sid src <<<"$s"; echo "$sid $src"; done |
	sort -u | tr '\n' ';')
check_eq "scan styles as nmap's flags say, one per source" "$styles" "$want"

# offline equals live: the capture through analyze, the scans' sids and sources
live=$(alerts_of "$EVE" | awk '$1 >= 9100020 && $1 <= 9100028 { print $1, $2 }' | sort -u)
"$PKTLENS" analyze -r "$REF_PCAP" --json >"$LAB_TMP/offline.json" 2>"$LAB_TMP/offline.err"
check_rc "analyze of the capture" $? 0
off=$(alerts_of "$LAB_TMP/offline.json" | awk '$1 >= 9100020 && $1 <= 9100028 { print $1, $2 }' | sort -u)
check_eq "analyze gives the live scan alerts" "$(echo "$off" | tr '\n' ';')" "$(echo "$live" | tr '\n' ';')"
finish
