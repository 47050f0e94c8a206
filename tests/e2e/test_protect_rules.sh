#!/bin/bash
# test_protect_rules.sh - protect's rules file on a veth lab, one protect moved from rule
# set to rule set by SIGHUP: a per-source rate limit under a hping3 flood at a known rate
# (what passes stays within the token bucket's bound, while a slow source of the same
# rule loses nothing), a blocklist beside an allow rule (an allow inside a blocklist's
# prefix is refused), a reload that fails (a rule over the host's own address; a line that does not parse)
# keeping the rules in force, and a good reload after it applying the new ones. What
# reaches the target is counted by nftables on its ingress hook, after XDP (the rate's
# time span by tcpdump's time stamps), and held against what hping3 sent.
# shellcheck source=../lib/netns.sh
. "$(dirname "$0")/../lib/netns.sh"

need_root_tools hping3 tcpdump nft
lab_up || { fail "lab setup"; finish; }

RULES=$LAB_TMP/rules
PPS=100 BURST=20

# cap_start SRC: tcpdump on the target for UDP to port 9090 from SRC; cap_stop: $got.
cap_start() {
	CAP=$LAB_TMP/cap$RANDOM.pcap
	: >"$CAP.err"
	# Not through in_rx: $! must be timeout itself (nsenter execs it) to signal it.
	nsenter -t "$RX_HOLD" -m -n -- timeout 30 tcpdump -i "$IF_RX" -n -U --immediate-mode \
		-w "$CAP" "src host $1 and udp dst port 9090" 2>"$CAP.err" &
	CAP_PID=$!
	wait_until 5 grep -q "listening on" "$CAP.err"
}
cap_stop() {
	lab_quiet
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	got=$(tcpdump -r "$CAP" -n 2>/dev/null | wc -l)
}

# send SRC N INTERVAL_US [OUT]: N UDP packets to port 9090 from SRC (spoofed with -a).
send() {
	in_tx timeout 20 hping3 --udp -p 9090 -a "$1" -c "$2" -i "u$3" "$IP4_RX" >"${4:-$LAB_TMP/hp.out}" 2>&1
}
sent_of() { sed -nE 's/^([0-9]+) packets tra(ns)?mitted.*/\1/p' "$1" | head -1; }

# flood SRC N INTERVAL_US: send while counting; sets SENT and got. A run of hping3 that
# ends without its summary (it hung once on a loaded machine, cut by timeout after one
# packet) is counted and sent again, once.
flood() {
	local try
	for try in 1 2; do
		nft_count_start "meta protocol ip ip saddr $1 udp dport 9090"
		send "$1" "$2" "$3"
		lab_quiet
		got=$(nft_count 1)
		SENT=$(sent_of "$LAB_TMP/hp.out")
		[ -n "$SENT" ] && break
		echo "  hping3 gave no summary (try $try): $(tail -n 2 "$LAB_TMP/hp.out" | tr '\n' ' ')"
	done
}
arrived() { [ -n "$SENT" ] && [ "$SENT" -gt 0 ] && [ "$got" -ge $((SENT * 99 / 100)) ]; }
dropped() { [ -n "$SENT" ] && [ "$SENT" -gt 0 ] && [ "$got" -le $((SENT / 100)) ]; }

# reload: SIGHUP protect, wait for what it says about it (a new line in its stderr).
reload() {
	local n
	n=$(wc -l <"$MON_ERR")
	kill -HUP "$MON_PID"
	wait_until 5 sh -c "[ \$(wc -l <'$MON_ERR') -gt $n ] && tail -n +$((n + 1)) '$MON_ERR' | grep -q 'reloaded\|failed\|keeping'"
	tail -n +$((n + 1)) "$MON_ERR" >"$LAB_TMP/reload.err"
}

# ---- a rate limit: the flood is held to the bucket, a slow source of the rule is not --
printf 'rate 198.18.0.0/24 %d burst %d\n' "$PPS" "$BURST" >"$RULES"
MON_OUT=$LAB_TMP/prot.json MON_ERR=$LAB_TMP/prot.err
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect --json --interval 0.5 --duration 120 \
	-i "$IF_RX" --rules "$RULES" >"$MON_OUT" 2>"$MON_ERR" &
MON_PID=$!
LAB_PIDS+=("$MON_PID")
if ! wait_grep "$MON_ERR" "protect: (dry run|dropping)" "$MON_PID"; then
	fail "protect --rules starts" "$(head -c 600 "$MON_ERR")"
	finish
fi
ok "protect with a rate rule started"

# 800 packets at 1000 pps from .1; meanwhile 25 at 20 pps from .3 (under the limit).
# A run in which either hping3 ends without its summary (one hung after a packet on a
# loaded machine) is sent again, once, after the bucket has filled up again.
# rate_drops: what the rate rule has dropped so far (pktlens blocked --json)
rate_drops() {
	in_rx "$PKTLENS" blocked --json -i "$IF_RX" >"$LAB_TMP/blocked.json"
	json_get "$LAB_TMP/blocked.json" "[r['packets'] for r in j['mitigation']['rules'] if r['kind'] == 'rate'][0]"
}
for try in 1 2; do
	drops0=$(rate_drops)
	cap_start "198.18.0.1 or src host 198.18.0.3"
	nft_count_start "meta protocol ip ip saddr 198.18.0.1 udp dport 9090" \
		"meta protocol ip ip saddr 198.18.0.3 udp dport 9090"
	send 198.18.0.3 25 50000 "$LAB_TMP/slow.out" &
	slow=$!
	t0=$(now_ms)
	send 198.18.0.1 800 1000 "$LAB_TMP/hp.out"
	t1=$(now_ms)
	wait "$slow"
	cap_stop
	SENT=$(sent_of "$LAB_TMP/hp.out") SLOW=$(sent_of "$LAB_TMP/slow.out")
	[ -n "$SENT" ] && [ -n "$SLOW" ] && break
	echo "  hping3 gave no summary (try $try): $(tail -n 2 "$LAB_TMP/hp.out" "$LAB_TMP/slow.out" | tr '\n' ' ')"
	wait_until 2 false
done
fast=$(nft_count 1) slow=$(nft_count 2)
# The bucket: BURST at once, then PPS a second of the time hping3 ran, one in flight.
bound=$((BURST + PPS * (t1 - t0) / 1000 + 1))
check_true "rate limit: $fast of ${SENT:-?} passed in $((t1 - t0)) ms, at most $bound" \
	[ -n "$SENT" ] && [ "$fast" -le "$bound" ] && [ "$fast" -ge "$BURST" ]
check_true "rate limit: the flood was cut ($fast of ${SENT:-?} passed)" \
	[ "$fast" -lt $((SENT / 2)) ] 2>/dev/null
# Between the first and the last packet that passed (kernel time stamps): PPS a second.
# (tcpdump's count with its own span: if it missed a packet, both are short alike.)
span=$(tcpdump -r "$CAP" -n -tt src host 198.18.0.1 2>/dev/null | awk 'NR==1{a=$1} {b=$1} END{printf "%d %d", (b-a)*1000, NR}')
seen=${span#* } span=${span% *}
check_true "rate limit: $seen passed over $span ms at the target, within the bucket" \
	[ "$seen" -le $((BURST + PPS * span / 1000 + 1)) ]
check_true "a slow source of the same rule loses nothing ($slow of ${SLOW:-?})" \
	[ -n "$SLOW" ] && [ "$slow" -eq "$SLOW" ]
check_eq "the rate rule counted what it dropped" "$(($(rate_drops) - drops0))" "$((SENT - fast))"

# ---- a good reload: a blocklist and an allowed address beside it -------------------
printf '198.18.0.0/31\n' >"$LAB_TMP/list.txt"
printf 'blocklist list.txt\nallow 198.18.0.3\n' >"$RULES"
reload
check_grep "reload: the new rules are in force" "$LAB_TMP/reload.err" "reloaded .*: 2 rules in force"
flood 198.18.0.1 300 200
check_true "the blocklist drops 198.18.0.1 ($got of ${SENT:-?})" dropped
flood 198.18.0.3 300 200
check_true "allowed 198.18.0.3 arrives, not rate-limited now ($got of ${SENT:-?})" arrived

# ---- an allow inside a blocklist's prefix: refused as one inside a block --------------
printf '198.18.0.0/28\n' >"$LAB_TMP/list2.txt"
printf 'blocklist list2.txt\nallow 198.18.0.5\n' >"$RULES"
reload
check_grep "an allow inside a blocklist prefix: refused, naming both" "$LAB_TMP/reload.err" \
	"allow 198.18.0.5 would lie inside 198.18.0.0/28 of blocklist list2.txt"
check_grep "... the rules before it are back" "$LAB_TMP/reload.err" "before it are back in force"

# ---- a reload that fails half way: the rules in force stay ---------------------------
printf 'block 198.18.0.20\nblock 198.18.0.2\n' >"$RULES"
reload
check_grep "failed reload: says why" "$LAB_TMP/reload.err" "198.18.0.2.*this host"
check_grep "failed reload: says the old rules are back" "$LAB_TMP/reload.err" "before it are back in force"
flood 198.18.0.1 300 200
check_true "after the failed reload 198.18.0.1 is still dropped ($got of ${SENT:-?})" dropped
flood 198.18.0.3 300 200
check_true "after the failed reload 198.18.0.3 is still allowed ($got of ${SENT:-?})" arrived
flood 198.18.0.20 300 200
check_true "the failed file's first rule was not left in force ($got of ${SENT:-?})" arrived

# A line that does not parse: nothing touched.
printf 'block 198.18.0.300\n' >"$RULES"
reload
check_grep "unparsable reload: names the line" "$LAB_TMP/reload.err" "rules:1: .*keeping the rules in force"
flood 198.18.0.1 300 200
check_true "after the unparsable reload 198.18.0.1 is still dropped ($got of ${SENT:-?})" dropped

# ---- a good reload after the failed ones replaces them ------------------------------
printf 'block 198.18.0.20\n' >"$RULES"
reload
check_grep "reload after failures: applied" "$LAB_TMP/reload.err" "reloaded .*: 1 rules in force"
flood 198.18.0.20 300 200
check_true "the new rule drops 198.18.0.20 ($got of ${SENT:-?})" dropped
flood 198.18.0.1 300 200
check_true "the old blocklist is gone: 198.18.0.1 arrives ($got of ${SENT:-?})" arrived
in_rx "$PKTLENS" blocked --json -i "$IF_RX" >"$LAB_TMP/blocked.json"
check_eq "blocked lists only the new file rule" \
	"$(json_get "$LAB_TMP/blocked.json" "sorted(r['kind'] for r in j['mitigation']['rules'] if r.get('origin') == 'file')")" \
	"['block']"

mon_stop
check_rc "protect ends on SIGINT" "$MON_RC" 0
finish
