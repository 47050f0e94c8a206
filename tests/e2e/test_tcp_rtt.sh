#!/usr/bin/env bash
# test_tcp_rtt.sh - passive TCP RTT against a delay the test sets. The lab's two
# namespaces are joined through a third one where tests/tools/delayline bridges the
# two links and holds every frame from the client (tx) to the server (rx) D ms (20,
# then 50). `pktlens monitor` runs on both ends at once (server: rx link; client: tx
# link, with L7 off there: the egress program runs for TCP alone). A TCP ping-pong
# (tests/tools/tcp_pingpong.py: 20 messages, each sent when the previous came back)
# gives each side one connection per phase; checked for each side and connection:
#   - handshake RTT and the flow's least and mean RTT within 10 % (at least 1 ms) of D plus the
#     base RTT ping measured through the bridge without delay, in this run;
#   - the flow's mean RTT also within that tolerance of the kernel's own smoothed RTT of the
#     connection (`ss -ti` on the client; both see the same scheduling delays of the
#     two programs that answer), and ping's mean at the same delay is shown;
# The bridge and the two programs run at real-time priority (chrt): on a busy machine
# they would otherwise add the wait for a CPU to every RTT. PL_TEST_FULL=1: delays of
# 5, 20, 50 and 100 ms.
#   - the server's EVE flow event of each connection carries them in its tcp object;
#   - tcpdump's capture of the server's link through analyze: handshake and the
#     server-side RTT (least and mean) as close;
#   - with TCP timestamps on, the samples come from them; with them off on the client
#     (net.ipv4.tcp_timestamps=0, 20 ms phase), from SEQ/ACK matching, as close;
#   - the 20 ms phase (all delays with PL_TEST_FULL=1) also over IPv6 (2001:db8::/32 on
#     the same links, its own ping base), timestamps on and off, with the peer's /48
#     network histogram.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/delay.sh"
need_root_tools ping ss ethtool tcpdump chrt
PP=$E2E_ROOT/tests/tools/tcp_pingpong.py
RTT_OF=$E2E_ROOT/tests/e2e/tcp_rtt_of.py
[ -x "$DL" ] || { skip "delayline" "not built (make test-build)"; finish; }
PORT=9120

lab_up || { fail "lab" "could not build the namespaces"; finish; }
lab_delay_up || { fail "lab" "no links through the middle namespace"; finish; }

dl_start 0 || { fail "delayline" "did not start: $(cat "$LAB_TMP/dl.err")"; finish; }
BASE=$(ping_avg)
[ -n "$BASE" ] || { fail "base RTT" "ping through the bridge failed"; finish; }
ok "base RTT through the bridge: $BASE ms (ping)"
BASE6=$(ping_avg "$IP6_RX")
[ -n "$BASE6" ] || { fail "base RTT (IPv6)" "ping through the bridge failed"; finish; }
ok "base IPv6 RTT through the bridge: $BASE6 ms (ping)"

in_rx timeout 60 chrt -f 40 "$PY" "$PP" server "$IP4_RX" "$PORT" 60 >"$LAB_TMP/srv.log" 2>&1 &
LAB_PIDS+=($!)
in_rx timeout 60 chrt -f 40 "$PY" "$PP" server "$IP6_RX" "$PORT" 60 >"$LAB_TMP/srv6.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :$PORT' | grep -c . | grep -qx 2" ||
	fail "setup" "the echo servers (IPv4, IPv6) are not listening"

# The server's link recorded for analyze (headers and options only).
PCAP=$LAB_TMP/srv.pcap
nsenter -t "$RX_HOLD" -m -n -- timeout 60 tcpdump -i "$IF_RX" -U --immediate-mode -s 128 -w "$PCAP" \
	"tcp port $PORT" >"$LAB_TMP/tcpdump.log" 2>&1 &
TD_PID=$!
LAB_PIDS+=("$TD_PID")
wait_grep "$LAB_TMP/tcpdump.log" "listening on" "$TD_PID" || fail "tcpdump" "did not start"
EVE=$LAB_TMP/eve.json
mon_start 60 --interval 0.5 --eve "$EVE" || { fail "monitor (server)" "did not attach: $(cat "$MON_ERR")"; finish; }
CLI_OUT=$LAB_TMP/cli.json CLI_ERR=$LAB_TMP/cli.err
ip netns exec "$NS_TX" "$PKTLENS" monitor --json --duration 60 --interval 0.5 --l7-packets 0 \
	-i "$IF_TX" >"$CLI_OUT" 2>"$CLI_ERR" &
CLI_PID=$!
LAB_PIDS+=("$CLI_PID")
wait_grep "$CLI_ERR" "monitoring $IF_TX in" "$CLI_PID" ||
	{ fail "monitor (client)" "did not attach: $(cat "$CLI_ERR")"; finish; }
ok "monitors attached (server $MON_MODE, client)"

# conn NAME TS [6]: one ping-pong connection (over IPv6 with 6); checks both monitors'
# figures for it.
conn() {
	local name=$1 ts=$2 out=$LAB_TMP/pp.$1 cport srtt exp got side file
	local dst=$IP4_RX sdst=$IP4_RX cli=$IP4_TX base=$BASE
	[ "${3:-}" = 6 ] && dst=$IP6_RX sdst="[$IP6_RX]" cli=$IP6_TX base=$BASE6
	in_tx timeout 30 chrt -f 40 "$PY" "$PP" client "$dst" "$PORT" 20 "$LAB_TMP/close.$name" 10 >"$out" 2>&1 &
	local pid=$!
	wait_until 15 grep -qs done "$out" || { fail "$name: ping-pong" "$(cat "$out")"; return; }
	cport=$(awk '/done/ { print $2 }' "$out")
	srtt=$(in_tx ss -tin dst "$sdst:$PORT" "sport = :$cport" | sed -nE 's/.* rtt:([0-9.]+)\/.*/\1/p')
	touch "$LAB_TMP/close.$name"
	wait "$pid"
	exp=$(awk -v d="$D" -v b="$base" 'BEGIN { printf "%.3f", d + b }')
	echo "  $name: expected $exp ms (delay $D + base $base), ss srtt $srtt ms, ping $PING ms"
	echo "$cport $exp $cli" >>"$LAB_TMP/conns"
	for side in server client; do
		file=$MON_OUT
		[ $side = client ] && file=$CLI_OUT
		# a report taken after the exchanges: 20 of them give at least 10 samples
		wait_until 5 "$PY" "$RTT_OF" "$file" "$cport" 10 "$cli" >/dev/null
		got=$("$PY" "$RTT_OF" "$file" "$cport" 0 "$cli")
		if [ -z "$got" ]; then
			fail "$name ($side): flow reported" "no tcp figures for client $cli port $cport"
			continue
		fi
		set -- $got
		echo "    $side: handshake $1 ms, mean $2 ms, min $3 ms, $4 samples ($5 from timestamps)"
		within "$1" "$exp" && ok "$name ($side): handshake RTT $1 ms ~ $exp ms" ||
			fail "$name ($side): handshake RTT" "$1 ms, expected $exp ms"
		within "$3" "$exp" && ok "$name ($side): min RTT $3 ms ~ $exp ms" ||
			fail "$name ($side): min RTT" "$3 ms, expected $exp ms"
		within "$2" "$exp" && ok "$name ($side): mean RTT $2 ms ~ $exp ms" ||
			fail "$name ($side): mean RTT" "$2 ms, expected $exp ms"
		within "$2" "$srtt" && ok "$name ($side): mean RTT ~ ss srtt $srtt ms" ||
			fail "$name ($side): mean RTT vs ss srtt" "$2 ms vs $srtt ms"
		if [ "$ts" = on ]; then
			[ "$5" -ge 10 ] && ok "$name ($side): $5 samples from timestamps" ||
				fail "$name ($side): samples from timestamps" "$5 (of $4)"
		else
			[ "$5" = 0 ] && [ "$4" -ge 10 ] && ok "$name ($side): $4 samples from SEQ/ACK" ||
				fail "$name ($side): SEQ/ACK samples" "$4 samples, $5 from timestamps"
		fi
	done
}

DELAYS="20 50"
[ "${PL_TEST_FULL:-0}" = 1 ] && DELAYS="5 20 50 100"
for D in $DELAYS; do
	dl_start "$D" || { fail "delayline $D ms" "did not start"; continue; }
	PING=$(ping_avg)
	conn "delay ${D} ms" on
	if [ "$D" = 20 ]; then
		conn "IPv6, delay ${D} ms" on 6
		# (net.ipv4.tcp_timestamps is IPv6's switch too)
		in_tx sysctl -qw net.ipv4.tcp_timestamps=0
		conn "delay ${D} ms, no timestamps" off
		conn "IPv6, delay ${D} ms, no timestamps" off 6
		in_tx sysctl -qw net.ipv4.tcp_timestamps=1
	elif [ "${PL_TEST_FULL:-0}" = 1 ]; then
		conn "IPv6, delay ${D} ms" on 6
	fi
done

# The remote-network histograms: IPv6 peers under their /48 (bpf/rtt.h masks it).
for side in "server $MON_OUT" "client $CLI_OUT"; do
	set -- $side
	n=$("$PY" - "$2" <<'EOF'
import json, sys
last = [l for l in open(sys.argv[1]) if l.startswith('{')][-1]
for n in json.loads(last)['tcp']['networks']:
    if n['net'] == '2001:db8::/48' and n['rtt_us']:
        print(n['rtt_us']['samples'])
EOF
)
	[ "${n:-0}" -ge 20 ] && ok "$1: IPv6 peer's network 2001:db8::/48 holds $n RTT samples" ||
		fail "$1: IPv6 network histogram" "2001:db8::/48 has '${n:-none}' samples (want >= 20)"
	# Every histogram bucket's bound names its unit (lt_us), as the latency ones do.
	b=$("$PY" - "$2" <<'EOF'
import json, sys
last = [l for l in open(sys.argv[1]) if l.startswith('{')][-1]
good = bad = 0
def walk(o):
    global good, bad
    if isinstance(o, dict):
        for k, v in o.items():
            if k == 'histogram' and isinstance(v, list):
                for b in v:
                    if set(b) == {'lt_us', 'count'}: good += 1
                    else: bad += 1
            walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.loads(last)['tcp'])
print(good, bad)
EOF
)
	set -- "$1" $b
	[ "${2:-0}" -gt 0 ] && [ "${3:-1}" -eq 0 ] &&
		ok "$1: RTT histogram buckets are {lt_us, count} ($2 buckets)" ||
		fail "$1: RTT histogram bucket keys" "'$b' buckets with / without {lt_us, count}"
done

kill -INT "$CLI_PID" 2>/dev/null
mon_stop
pid_wait "$CLI_PID" 10
check_eq "monitor (server) exit status" "$MON_RC" 0
# EVE flow events (written when each connection ended, or at the stop): the tcp object.
# Its mean is not compared: the connection's end adds a sample that holds the client's
# delayed ACK of the last echo (no next message carries it), as passive RTT must.
while read -r cport exp cli; do
	got=$("$PY" - "$EVE" "$cport" "$cli" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if (e.get('event_type') == 'flow' and e.get('src_port') == int(sys.argv[2]) and
            e.get('src_ip') == sys.argv[3]):
        t = e.get('tcp') or {}
        print('%.3f %.3f' % (t.get('handshake_rtt_us', 0) / 1e3, t['rtt_us']['min'] / 1e3))
        break
EOF
)
	set -- $got
	within "${1:-}" "$exp" && within "${2:-}" "$exp" &&
		ok "EVE flow event of port $cport: tcp handshake $1 ms, least $2 ms ~ $exp ms" ||
		fail "EVE flow event of port $cport" "tcp object '$got', expected $exp ms"
done <"$LAB_TMP/conns"

# The capture through analyze: taken at the server, so the RTT is the server's view
# (rtt_server_side_us: the client's echoes), and the handshake the same. The mean is
# not compared, as with EVE: the capture holds the connection's end, whose sample
# waits for the client's delayed ACK (up to 200 ms).
kill -TERM "$TD_PID" 2>/dev/null
pid_wait "$TD_PID" 10
"$PKTLENS" analyze -r "$PCAP" --json >"$LAB_TMP/an.json" 2>"$LAB_TMP/an.err" ||
	fail "analyze" "$(cat "$LAB_TMP/an.err")"
while read -r cport exp cli; do
	got=$("$PY" - "$LAB_TMP/an.json" "$cport" "$cli" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for f in j['tcp']['slowest_flows']:
    if f['client_port'] == int(sys.argv[2]) and f['client_ip'] == sys.argv[3]:
        s = f['rtt_server_side_us']
        print('%.3f %.3f %.3f %d' % ((f['handshake_rtt_us'] or 0) / 1e3, s['min'] / 1e3,
                                     s['avg'] / 1e3, s['samples']))
EOF
)
	set -- $got
	within "${1:-}" "$exp" && within "${2:-}" "$exp" &&
		ok "analyze of the capture, port $cport: handshake $1 ms, least $2 ms ~ $exp ms (mean $3 ms, $4 samples)" ||
		fail "analyze of the capture, port $cport" "'$got', expected $exp ms"
done <"$LAB_TMP/conns"
check_eq "monitor (client) exit status" "$WAIT_RC" 0
finish
