#!/usr/bin/env bash
# test_serve_ipfix.sh - `pktlens serve --ipfix ADDR:PORT` against a real collector,
# nfdump's nfcapd, in the rx namespace: the records `nfdump -r` reads back carry the
# tuples, protocols and exact packet counts trafgen sent, and the IP bytes (64-byte
# frames: 50 bytes of IP each) for IPv4 UDP and TCP and IPv6 UDP, with the rx
# interface's index; a flow that lasts past the active timeout comes in several records
# that add up to what was sent; a collector that is down at first: the failed sends are
# counted and said once (not at each refusal), and the export resumes (templates again,
# said at the same level) once it listens;
# tshark's IPFIX dissector reads the same messages (templates 256/257, the counts).
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl nfcapd nfdump tshark

N_UDP=1500 N_SYN=30 N_V6=200 N_LONG=300 N_LOST=100
PORT=4739 FLOWS=$LAB_TMP/flows

lab_up || { fail "lab" "could not build the namespaces"; finish; }
frame() { # NAME L3L4: a trafgen config of one 64-byte frame
	echo "{ eth(da=$MAC_RX, sa=$MAC_TX), $2 }" >"$LAB_TMP/$1.cfg"
}
frame udp "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22)"
frame lost "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40009, dp=9), fill(0x41, 22)"
frame long "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40010, dp=10), fill(0x41, 22)"
frame syn "ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10)"
frame v6 "ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=7006), fill(0x43, 2)"

metric() { # NAME: its value in /metrics now (empty if absent)
	in_rx curl -s --max-time 5 http://127.0.0.1:9739/metrics | sed -n "s/^$1 //p"
}
metric_ge() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }

check_true "--ipfix that is no ADDR:PORT: usage error (exit 2)" \
	eval "in_rx $PKTLENS serve --no-db -i $IF_RX --ipfix collector 2>$LAB_TMP/bad.err; [ \$? -eq 2 ]"
check_grep "and says what it wants" "$LAB_TMP/bad.err" "invalid --ipfix 'collector'"

# The collector is not there yet. The collector and the refresh from pktlens.conf(5).
printf '[serve]\nipfix = 127.0.0.1:%s\nipfix-template-refresh = 1\n' "$PORT" >"$LAB_TMP/ipfix.conf"
# At the default log level: the outage and the recovery are warnings; the summary at the
# end is info (asked for by POST /api/v1/reload before SIGTERM).
(umask 077 && echo "ipfix-test-token-0123456789" >"$LAB_TMP/token")
if ! srv_start -i "$IF_RX" --no-db --idle-timeout 2 --config "$LAB_TMP/ipfix.conf" \
	--ipfix-active-timeout 1 --token-file "$LAB_TMP/token"; then
	fail "serve --ipfix start" "$(cat "$SRV_ERR")"
	finish
fi
check_grep "the start line names the collector" "$SRV_ERR" "ipfix 127.0.0.1:$PORT;"
lab_quiet
trafgen_send "$N_LOST" "$LAB_TMP/lost.cfg" || echo "  trafgen lost failed"
# Over UDP only the sends the kernel refuses (the port unreachable of an earlier one)
# are seen.
made() { [ $(($(metric pktlens_ipfix_records_total) + $(metric pktlens_ipfix_records_lost_total))) -ge 1 ]; }
check_true "collector down: the flow's record is made (sent to nobody, or refused)" wait_until 15 made
# UDP reports a refusal at the next send only: sends fail and work by turns, the outage
# is said once (PL_TEST_FULL=1: over three refusals, some 4 s more).
check_true "collector down: failed sends are counted" wait_until 15 metric_ge pktlens_ipfix_send_errors_total \
	"$([ "${PL_TEST_FULL:-0}" = 1 ] && echo 3 || echo 1)"
check_true "and said" wait_grep "$SRV_ERR" "IPFIX: sending to 127.0.0.1:$PORT failed: Connection refused" "$SRV_PID"
check_eq "said once for the outage ($(metric pktlens_ipfix_send_errors_total) failed sends)" \
	"$(grep -c "IPFIX: sending to 127.0.0.1:$PORT failed" "$SRV_ERR")" 1
check_eq "and no recovery said while it lasts" "$(grep -c "takes records again" "$SRV_ERR")" 0

# The collector comes; tshark listens beside it.
mkdir -p "$FLOWS"
nsenter -t "$RX_HOLD" -m -n -- timeout 120 tshark -q -i lo -f "udp port $PORT" -w "$LAB_TMP/ipfix.pcap" 2>"$LAB_TMP/tshark.err" &
TSHARK_PID=$!
LAB_PIDS+=("$TSHARK_PID")
wait_grep "$LAB_TMP/tshark.err" "Capturing on" "$TSHARK_PID"
m0=$(metric pktlens_ipfix_messages_total) # sent before tshark listened
nsenter -t "$RX_HOLD" -m -n -- timeout 120 nfcapd -b 127.0.0.1 -p "$PORT" -w "$FLOWS" -t 3600 -P "$LAB_TMP/nfcapd.pid" >"$LAB_TMP/nfcapd.log" 2>&1 &
NFCAPD_PID=$!
LAB_PIDS+=("$NFCAPD_PID")
listening() { in_rx ss -lun | grep -q "127.0.0.1:$PORT "; }
check_true "nfcapd listens" wait_until 10 listening
t0=$(metric pktlens_ipfix_template_sends_total)
check_true "templates sent again once it listens" wait_until 10 metric_ge pktlens_ipfix_template_sends_total $((t0 + 1))
r0=$(metric pktlens_ipfix_records_total)
tx0=$(tx_packets)
trafgen_send "$N_UDP" "$LAB_TMP/udp.cfg" || echo "  trafgen udp failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
trafgen_send "$N_V6" "$LAB_TMP/v6.cfg" || echo "  trafgen v6 failed"
# One flow of 3 s (a frame every 10 ms): past the 1 s active timeout, several records.
in_tx timeout 60 trafgen --cpus 1 -q -n "$N_LONG" -t 10ms -i "$LAB_TMP/long.cfg" -o "$IF_TX" -C \
	>"$LAB_TMP/trafgen.log" 2>&1 || echo "  trafgen long failed"
lab_quiet
check_eq "tx side sent what trafgen was asked" "$(($(tx_packets) - tx0))" $((N_UDP + N_SYN + N_V6 + N_LONG))
# The long flow's active records were sent while it lasted; the rest goes at the latest
# at SIGTERM.
check_true "records are sent while flows live" metric_ge pktlens_ipfix_records_total $((r0 + 2))
in_rx curl -s --max-time 5 http://127.0.0.1:9739/metrics >"$LAB_TMP/metrics.txt"
check_true "promtool check metrics accepts the IPFIX counters" \
	eval "grep -q '^pktlens_ipfix_records_total ' $LAB_TMP/metrics.txt && promtool check metrics <$LAB_TMP/metrics.txt"
# Said once sends have worked for 2 s (checked here: the wait overlaps the sending).
check_true "the export resumes (said at the default log level)" \
	wait_grep "$SRV_ERR" "IPFIX: 127.0.0.1:$PORT takes records again" "$SRV_PID"
check_eq "the outage and the recovery said once each" \
	"$(grep -c "IPFIX: sending to 127.0.0.1:$PORT failed" "$SRV_ERR") $(grep -c "takes records again" "$SRV_ERR")" "1 1"
check_http "log level info for the summary at the stop" 200 POST /api/v1/reload \
	-H "Authorization: Bearer ipfix-test-token-0123456789" -d '{"log_level": "info"}'
srv_stop TERM
check_rc "serve: SIGTERM" "$SRV_RC" 0
[ "$SRV_RC" = 0 ] || sed "s/^/  serve: /" "$SRV_ERR" | tail -n 40
m1=$(sed -n 's/.*IPFIX: \([0-9]*\) messages sent.*/\1/p' "$SRV_ERR")
echo "  serve: $(grep 'IPFIX: [0-9]* messages' "$SRV_ERR")"
captured() { [ "$(tshark -r "$LAB_TMP/ipfix.pcap" 2>/dev/null | wc -l)" -ge $((m1 - m0)) ]; }
check_true "tshark captured the $((m1 - m0)) messages sent since it listens" wait_until 10 captured
kill -TERM "$NFCAPD_PID"
pid_wait "$NFCAPD_PID" 10
kill -INT "$TSHARK_PID"
pid_wait "$TSHARK_PID" 10

# nfcapd renames its file at exit.
FILE=$(ls "$FLOWS"/nfcapd.2* 2>/dev/null | head -n 1)
check_true "nfcapd wrote a file" test -n "$FILE"
nfdump -r "${FILE:-/dev/null}" -q -N -6 -o "fmt:%pr|%sa|%sp|%da|%dp|%pkt|%byt|%in" 2>"$LAB_TMP/nfdump.err" |
	tr -d ' ' | sort >"$LAB_TMP/nfdump.txt"
echo "  nfdump -r: $(wc -l <"$LAB_TMP/nfdump.txt") records"
IFX=$(in_rx cat "/sys/class/net/$IF_RX/ifindex")
# sums PROTO SPORT: records, packets, bytes of that flow in nfdump's output.
sums() {
	awk -F'|' -v p="$1" -v s="$2" '$1 == p && $3 == s { n++; k += $6; b += $7 } END { print n + 0, k + 0, b + 0 }' \
		"$LAB_TMP/nfdump.txt"
}
check_eq "nfdump: IPv4 UDP flow, exact" "$(grep "|40000|" "$LAB_TMP/nfdump.txt")" \
	"17|$IP4_TX|40000|$IP4_RX|9|$N_UDP|$((50 * N_UDP))|$IFX"
check_eq "nfdump: IPv4 TCP flow, exact" "$(grep "|41000|" "$LAB_TMP/nfdump.txt")" \
	"6|$IP4_TX|41000|$IP4_RX|80|$N_SYN|$((50 * N_SYN))|$IFX"
check_eq "nfdump: IPv6 UDP flow, exact" "$(grep "|40006|" "$LAB_TMP/nfdump.txt")" \
	"17|$IP6_TX|40006|$IP6_RX|7006|$N_V6|$((50 * N_V6))|$IFX"
read -r n k b <<<"$(sums 17 40010)"
check_true "long flow: several records (active timeout), got $n" test "$n" -ge 2
check_eq "long flow: the records add up to what was sent" "$k $b" "$N_LONG $((50 * N_LONG))"
check_eq "the flow sent while the collector was down is not there" "$(sums 17 40009)" "0 0 0"
check_eq "nothing else" "$(wc -l <"$LAB_TMP/nfdump.txt")" $((3 + n))

# tshark's own IPFIX decoder on the same messages (one line a message, a field's
# values comma-separated): packets and bytes summed per source port.
TS=$LAB_TMP/tshark.txt
tshark -r "$LAB_TMP/ipfix.pcap" -d "udp.port==$PORT,cflow" -T fields -E separator='|' \
	-e cflow.template_id -e cflow.srcport -e cflow.packets -e cflow.octets \
	>"$TS" 2>"$LAB_TMP/tshark2.err"
check_grep "tshark: templates 256 and 257 defined" "$TS" "^256,257|"
ts_sum() {
	awk -F'|' -v s="$1" '{ n = split($2, sp, ","); split($3, k, ","); split($4, b, ",")
		for (i = 1; i <= n; i++) if (sp[i] == s) { K += k[i]; B += b[i] } }
		END { print K + 0, B + 0 }' "$TS"
}
check_eq "tshark: IPv4 UDP flow" "$(ts_sum 40000)" "$N_UDP $((50 * N_UDP))"
check_eq "tshark: IPv6 UDP flow" "$(ts_sum 40006)" "$N_V6 $((50 * N_V6))"
check_eq "tshark: the long flow's records" "$(ts_sum 40010)" "$N_LONG $((50 * N_LONG))"
nothing_attached "at the end"
finish
