#!/usr/bin/env bash
# test_detect_protect.sh - issue 15's automatic blocks: `pktlens protect` blocks the
# source of a detected flood or scan. Checked by tcpdump on the target (XDP drops come
# before it sees a packet) against what hping3 sent:
#  - a SYN flood from one address: EVE alert.action "blocked"; a second burst from it
#    afterwards does not reach the target (>= 99 % dropped), a third address's burst
#    does;
#  - an nmap scan from an address an allow rule covers: alerted "allowed", never
#    blocked (its later burst arrives whole);
#  - --dry-run: the same flood alerted "would-block", and its later burst arrives.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools hping3 nmap tcpdump

lab_up || { fail "lab" "could not build the namespaces"; finish; }
tx_addrs 31 32 33
printf 'allow 198.18.0.32/32\n' >"$LAB_TMP/rules"
N=500

# action_of FILE SID SRC: the EVE alert.action of the first alert SID from SRC
action_of() {
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event_type") == "alert" and d["alert"]["signature_id"] == int(sys.argv[2]) \
       and d["src_ip"] == sys.argv[3]:
        print(d["alert"]["action"]); break' "$@" 2>/dev/null
}
# burst SRC: N SYNs from SRC at 1 ms; prints how many tcpdump saw arrive
burst() {
	local before after
	before=$(tcpdump -n -r "$REF_PCAP" "src $1 and tcp dst port 81" 2>/dev/null | wc -l)
	in_tx timeout 20 hping3 -S -p 81 -i u1000 -c "$N" -a "$1" "$IP4_RX" >/dev/null 2>&1
	lab_quiet
	after=$(tcpdump -n -r "$REF_PCAP" "src $1 and tcp dst port 81" 2>/dev/null | wc -l)
	echo $((after - before))
}
# protect_run ARGS...: protect in the background as mon_start runs monitor (EVE: L7 on)
protect_run() {
	MON_N=$((MON_N + 1))
	MON_OUT=$LAB_TMP/p$MON_N.json MON_ERR=$LAB_TMP/p$MON_N.err EVE=$LAB_TMP/p$MON_N.eve
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect -i "$IF_RX" --json --duration 60 --l7-packets 8 \
		--eve "$EVE" "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	wait_grep "$MON_ERR" "protect: " "$MON_PID"
}

ref_start || fail "tcpdump starts" "$(cat "$REF_ERR")"
protect_run --rules "$LAB_TMP/rules" || { fail "protect starts" "$(cat "$MON_ERR")"; finish; }
in_tx timeout 0.6 hping3 -S -p 80 --flood -a 198.18.0.31 "$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert "$EVE" 9100001 198.18.0.31
check_eq "flood from .31: alert blocked" "$(action_of "$EVE" 9100001 198.18.0.31)" blocked
lab_quiet
got=$(burst 198.18.0.31)
[ "$got" -le $((N / 100)) ] && ok "blocked source: $got of $N SYNs reached the target" ||
	fail "blocked source: <= 1 % reached the target" "$got of $N"
check_eq "another source is not blocked" "$(burst 198.18.0.33)" "$N"
in_tx timeout 20 nmap -n -Pn -T4 --max-retries 0 -sS -S 198.18.0.32 -e "$IF_TX" -p 1-300 \
	"$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert "$EVE" 9100020 198.18.0.32
check_eq "scan from allowed .32: alert allowed" "$(action_of "$EVE" 9100020 198.18.0.32)" allowed
check_eq "allowed source is never blocked" "$(burst 198.18.0.32)" "$N"
mon_stop INT
check_eq "protect exits cleanly" "$MON_RC" 0

protect_run --dry-run || { fail "protect --dry-run starts" "$(cat "$MON_ERR")"; finish; }
in_tx timeout 0.6 hping3 -S -p 80 --flood -a 198.18.0.31 "$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert "$EVE" 9100001 198.18.0.31
check_eq "dry run: alert would-block" "$(action_of "$EVE" 9100001 198.18.0.31)" would-block
lab_quiet
check_eq "dry run: the source's burst arrives whole" "$(burst 198.18.0.31)" "$N"
mon_stop INT
ref_stop
finish
