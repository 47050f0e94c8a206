#!/usr/bin/env bash
# test_perf_lines.sh - the RTT, TCP health, service latency and kernel drops lines that
# `monitor` shows a person, against what the test sent and the kernel counted. The lab's
# link goes through tests/tools/delayline (20 ms from the client, tx, to the server,
# rx); the test sends one TCP ping-pong (tests/tools/tcp_pingpong.py: 20 messages), 3
# HTTP requests (curl, a connection each) to a server that answers 30 ms after the
# request (tests/tools/slow_servers.py: 200, 200, 404), and UDP to closed ports both ways.
#   - server side, the terminal view (tmux, 120x50): "tcp rtt" mean within 10 % (at
#     least 1 ms) of the delay plus ping's base RTT through the bridge, retransmissions
#     and resets == the kernel's TcpRetransSegs / TcpOutRsts of both ends; "latency
#     http/8080" mean within 10 % of the server's 30 ms; "kernel drops" NO_SOCKET ==
#     the server namespace's UdpNoPorts delta.
#   - client side, the text report (standard output not a terminal): "tcp:" with the 4
#     connections and the mean RTT as close; "health:" retransmissions and resets as the
#     kernel counted, 4 handshakes completed, none unanswered; "service latency": http
#     tcp/8080 3 requests 3 answered, mean within 10 % of what curl measured (request
#     sent to first byte), status 2xx 2 4xx 1; "kernel drops" NO_SOCKET == the client
#     namespace's UdpNoPorts delta.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/delay.sh"
need_root_tools ping ss ethtool curl chrt tmux nstat
PP=$E2E_ROOT/tests/tools/tcp_pingpong.py
SS=$E2E_ROOT/tests/tools/slow_servers.py
[ -x "$DL" ] || { skip "delayline" "not built (make test-build)"; finish; }
D=20 D_HTTP=30 PORT=9120 N_RX=30 N_TX=20
TM=pl-perf-$$

lab_up || { fail "lab" "could not build the namespaces"; finish; }
trap 'tmux -L "$TM" kill-server 2>/dev/null; lab_down' EXIT
lab_delay_up || { fail "lab" "no links through the middle namespace"; finish; }
dl_start "$D" || { fail "delayline" "did not start: $(cat "$LAB_TMP/dl.err")"; finish; }
BASE=$(ping_avg)
[ -n "$BASE" ] || { fail "base RTT" "ping through the bridge failed"; finish; }
EXP=$BASE # ping through the bridge at the delay: the delay plus the base
ok "RTT through the bridge with $D ms: $EXP ms (ping)"

in_rx timeout 60 chrt -f 40 "$PY" "$PP" server "$IP4_RX" "$PORT" 60 >"$LAB_TMP/pp_srv.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 chrt -f 40 "$PY" "$SS" http "$IP4_RX" 8080 "$D_HTTP" 60 >"$LAB_TMP/http.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :8080 or sport = :$PORT' | grep -c . | grep -qx 2" ||
	fail "setup" "the servers are not listening"

# The server's monitor in its terminal view, inside tmux (a real terminal: the screen
# is read with capture-pane); the client's as text, standard output a file.
tmux -L "$TM" new-session -d -x 120 -y 50 \
	"nsenter -t $RX_HOLD -m -n -- $PKTLENS monitor -i $IF_RX --drops --interval 0.5 --duration 60 2>$LAB_TMP/tui.err" ||
	{ fail "tmux" "cannot start a session"; finish; }
screen() { tmux -L "$TM" capture-pane -p -t 0 2>/dev/null >"$LAB_TMP/screen"; }
on_screen() { screen && grep -Eq -- "$1" "$LAB_TMP/screen"; }
CLI_OUT=$LAB_TMP/cli.txt CLI_ERR=$LAB_TMP/cli.err
ip netns exec "$NS_TX" "$PKTLENS" monitor --drops --interval 0.5 --duration 60 -i "$IF_TX" \
	>"$CLI_OUT" 2>"$CLI_ERR" &
CLI_PID=$!
LAB_PIDS+=("$CLI_PID")
wait_until 20 on_screen "^pktlens $IF_RX \(" ||
	{ fail "monitor (server, terminal view)" "no view: $(cat "$LAB_TMP/screen" "$LAB_TMP/tui.err" | head -c 400)"; finish; }
wait_grep "$CLI_ERR" "monitoring $IF_TX in" "$CLI_PID" ||
	{ fail "monitor (client, text)" "did not attach: $(cat "$CLI_ERR")"; finish; }
ok "monitors attached (server: terminal view, client: text)"

# The kernel's own counters, summed over both ends, and UdpNoPorts of each.
snmp() { ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
both() { echo $(($(snmp "$NS_TX" "$1") + $(snmp "$NS_RX" "$1"))); }
re0=$(both TcpRetransSegs) rst0=$(both TcpOutRsts)
nrx0=$(snmp "$NS_RX" UdpNoPorts) ntx0=$(snmp "$NS_TX" UdpNoPorts)

in_tx timeout 30 chrt -f 40 "$PY" "$PP" client "$IP4_RX" "$PORT" 20 "$LAB_TMP/close" 0 >"$LAB_TMP/pp.out" 2>&1 ||
	fail "ping-pong" "$(cat "$LAB_TMP/pp.out")"
: >"$LAB_TMP/curl.out"
for c in 200 404 200; do
	in_tx timeout 10 curl -s -o /dev/null -w '%{http_code} %{time_pretransfer} %{time_starttransfer}\n' \
		"http://$IP4_RX:8080/status/$c" >>"$LAB_TMP/curl.out"
done
check_eq "curl got 200 404 200" "$(awk '{ printf "%s ", $1 }' "$LAB_TMP/curl.out")" "200 404 200 "
CURL_MS=$(awk '{ s += $3 - $2 } END { if (NR) printf "%.3f", s / NR * 1e3 }' "$LAB_TMP/curl.out")
# UDP to closed ports: client -> server and server -> client.
udp() { "$1" "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"x", (sys.argv[1], 7002))' "$2" "$3"; }
udp in_tx "$IP4_RX" "$N_RX"
udp in_rx "$IP4_TX" "$N_TX"
wait_until 10 sh -c "[ \$(ip netns exec $NS_RX nstat -asz UdpNoPorts | awk '\$1 == \"UdpNoPorts\" { print \$2 }') -ge $((nrx0 + N_RX)) ]"
wait_until 10 sh -c "[ \$(ip netns exec $NS_TX nstat -asz UdpNoPorts | awk '\$1 == \"UdpNoPorts\" { print \$2 }') -ge $((ntx0 + N_TX)) ]"
nrx=$(($(snmp "$NS_RX" UdpNoPorts) - nrx0)) ntx=$(($(snmp "$NS_TX" UdpNoPorts) - ntx0))
# Both ends closed (FIN or RST sent) before the kernel's counts are read.
wait_until 5 sh -c "! ip netns exec $NS_TX ss -Htn state established | grep -q ."
re=$(($(both TcpRetransSegs) - re0)) rst=$(($(both TcpOutRsts) - rst0))
echo "  kernel: UdpNoPorts server $nrx client $ntx; TcpRetransSegs $re, TcpOutRsts $rst; curl: $CURL_MS ms request to first byte"

# ---- the server's terminal view -------------------------------------------------------
# A report after everything: its drops line holds the UDP the server's kernel refused.
wait_until 10 on_screen "kernel drops [0-9]+ \((.*, )?NO_SOCKET ${nrx}[,)]" ||
	fail "terminal view: kernel drops" "no NO_SOCKET $nrx after 10 s"
echo "  server's screen:"
sed 's/^/  | /' "$LAB_TMP/screen"
got=$(grep -oE "tcp rtt [0-9.]+ (ms|us) avg \(p99 [0-9.]+ (ms|us)\), [0-9]+ retrans, [0-9]+ resets" "$LAB_TMP/screen")
set -- $(echo "$got" | sed -E 's/tcp rtt ([0-9.]+) (ms|us) avg \(p99 [0-9.]+ (ms|us)\), ([0-9]+) retrans, ([0-9]+) resets/\1 \2 \4 \5/')
avg=${1:-}
[ "${2:-}" = us ] && avg=$(awk -v u="$1" 'BEGIN { print u / 1e3 }')
within "$avg" "$EXP" && ok "terminal view: tcp rtt mean $avg ms ~ $EXP ms" ||
	fail "terminal view: tcp rtt" "'$got', expected a mean of $EXP ms"
check_eq "terminal view: retransmissions and resets == the kernel's (TcpRetransSegs, TcpOutRsts)" \
	"${3:-} ${4:-}" "$re $rst"
got=$(grep -oE "latency http/8080 [0-9.]+ ms \(p99 [0-9.]+\)" "$LAB_TMP/screen")
lat=$(echo "$got" | awk '{ print $3 }')
within "$lat" "$D_HTTP" && ok "terminal view: latency http/8080 $lat ms ~ the server's $D_HTTP ms" ||
	fail "terminal view: latency" "'$got', expected http/8080 at $D_HTTP ms"

# ---- the client's text report ---------------------------------------------------------
wait_until 10 sh -c "grep -Eq '^kernel drops [0-9]+ \((.*, )?NO_SOCKET ${ntx}[,)]' '$CLI_OUT' &&
	grep -Eq '^  http tcp/8080 +3 requests +3 answered' '$CLI_OUT'" ||
	fail "text report" "no report with NO_SOCKET $ntx and 3 HTTP answers after 10 s"
kill -INT "$CLI_PID" 2>/dev/null
pid_wait "$CLI_PID" 10
check_rc "text report: monitor exits 0" "$WAIT_RC" 0
last() { grep -E -- "$1" "$CLI_OUT" | tail -n 1; }
echo "  client's last report:"
{ last '^tcp: '; last '^  health: '; last '^service latency'; last '^  http tcp/8080 '; last '^       status '; last '^kernel drops '; } | sed 's/^/  | /'
got=$(last '^tcp: ')
set -- $(echo "$got" | sed -nE 's/^tcp: ([0-9]+) flows, rtt avg ([0-9.]+) (ms|us) p50 .* \(([0-9]+) samples\)$/\1 \2 \3 \4/p')
avg=${2:-}
[ "${3:-}" = us ] && avg=$(awk -v u="$2" 'BEGIN { print u / 1e3 }')
check_eq "text: tcp: the test's 4 connections" "${1:-}" 4
within "$avg" "$EXP" && ok "text: tcp: mean RTT $avg ms ~ $EXP ms (${4:-?} samples)" ||
	fail "text: tcp: mean RTT" "'$got', expected $EXP ms"
check_grep "text: health: retransmissions, resets as the kernel counted; 4 handshakes, none unanswered" "$CLI_OUT" \
	"^  health: $re retransmitted, [0-9]+ out of order, [0-9]+ duplicate ACKs, 0 zero window, resets [0-9]+ by clients [0-9]+ by servers; handshakes 4 completed, 0 SYN unanswered, 0 SYN-ACK unacknowledged$"
got=$(last '^  health: ' | sed -nE 's/.*resets ([0-9]+) by clients ([0-9]+) by servers.*/\1 \2/p')
check_eq "text: health: resets (clients + servers) == TcpOutRsts" "$(echo "$got" | awk '{ print $1 + $2 }')" "$rst"
check_grep "text: service latency heading" "$CLI_OUT" "^service latency \(every request the samples hold\):$"
got=$(last '^  http tcp/8080 ')
lat=$(echo "$got" | sed -nE 's/.* avg ([0-9.]+) ms p50 .*/\1/p')
within "$lat" "$CURL_MS" && ok "text: http tcp/8080 mean $lat ms ~ curl's $CURL_MS ms" ||
	fail "text: http latency" "'$got', curl measured $CURL_MS ms"
check_eq "text: status classes as curl got them" "$(last '^       status ')" \
	"       status 2xx 2 3xx 0 4xx 1 5xx 0 1xx 0 other 0"
check_grep "text: kernel drops NO_SOCKET == the client's UdpNoPorts ($ntx)" "$CLI_OUT" \
	"^kernel drops [0-9]+ \((.*, )?NO_SOCKET ${ntx}[,)]"

tmux -L "$TM" send-keys -t 0 q 2>/dev/null
finish
