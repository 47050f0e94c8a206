#!/usr/bin/env bash
# test_serve_prometheus.sh - a real Prometheus server (Debian's prometheus) scrapes the
# /metrics of `pktlens serve` watching the lab's veth, and its query API returns the
# exact counts the test sent with trafgen (and the sender's tx_packets delta);
# `promtool check metrics` passes on the exposition. Then one TCP connection: its RTT
# histogram (pktlens_tcp_rtt_seconds) and the handshake counter read back through
# prometheus; pktlens's own cost (process_* against /proc/PID, the BPF programs' runs
# against the frames sent); PL_TEST_FULL=1: DNS queries to dnsmasq in pktlens_service_latency_seconds.
# Everything runs and listens inside the rx namespace.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl prometheus promtool

N_UDP=5000 N_SYN=77

lab_up || { fail "lab" "could not build the namespaces"; finish; }
cat >"$LAB_TMP/udp4.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
CFG
cat >"$LAB_TMP/syn.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10) }
CFG
cat >"$LAB_TMP/prometheus.yml" <<CFG
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: pktlens
    static_configs:
      - targets: ["127.0.0.1:9739"]
CFG

if ! srv_start -i "$IF_RX"; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
# Prometheus on the rx namespace's loopback; nsenter execs it, so $! is prometheus.
nsenter -t "$RX_HOLD" -m -n -- prometheus --config.file="$LAB_TMP/prometheus.yml" \
	--storage.tsdb.path="$LAB_TMP/tsdb" --web.listen-address=127.0.0.1:9090 \
	--log.level=warn >"$LAB_TMP/prom.log" 2>&1 &
PROM=$!
LAB_PIDS+=("$PROM")

lab_quiet
tx0=$(tx_packets)
trafgen_send "$N_UDP" "$LAB_TMP/udp4.cfg" || echo "  trafgen udp failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP + N_SYN))

check_http "GET /metrics" 200 GET /metrics
cp "$LAB_TMP/body" "$LAB_TMP/metrics.txt"
if promtool check metrics <"$LAB_TMP/metrics.txt" >"$LAB_TMP/promtool.out" 2>&1; then
	ok "promtool check metrics"
else
	fail "promtool check metrics" "$(head -c 600 "$LAB_TMP/promtool.out")"
fi
check_grep "Content-Type is the text format 0.0.4" "$LAB_TMP/head" \
	"^content-type: text/plain; version=0.0.4"
# Bounded labels: no series carries an address or a port.
check_eq "no address in any label" "$(grep -c '198\.18\.' "$LAB_TMP/metrics.txt")" 0

# promq QUERY: the query API's single value (empty if none yet).
promq() {
	in_rx curl -s --max-time 3 http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" |
		"$PY" -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if len(r) == 1 else "")
except Exception:
    print("")'
}
scraped_all() { [ "$(promq "pktlens_rx_packets_total{interface=\"$IF_RX\"}")" = "$sent" ]; }
if wait_until 25 scraped_all; then
	ok "prometheus scraped the final count"
else
	fail "prometheus scraped the final count" "last: '$(promq "pktlens_rx_packets_total")'; $(tail -n 3 "$LAB_TMP/prom.log")"
fi
I="interface=\"$IF_RX\""
check_eq "up" "$(promq 'up{job="pktlens"}')" 1
check_eq "rx_packets_total == tx_packets delta" "$(promq "pktlens_rx_packets_total{$I}")" "$sent"
check_eq "rx_bytes_total == 64 * frames" "$(promq "pktlens_rx_bytes_total{$I}")" $((64 * sent))
check_eq "l4 udp packets" "$(promq "pktlens_rx_l4_packets_total{$I,l4=\"udp\"}")" "$N_UDP"
check_eq "l4 tcp packets" "$(promq "pktlens_rx_l4_packets_total{$I,l4=\"tcp\"}")" "$N_SYN"
check_eq "l3 ipv4 bytes" "$(promq "pktlens_rx_l3_bytes_total{$I,l3=\"ipv4\"}")" $((64 * sent))
check_eq "SYN flag count" "$(promq "pktlens_rx_tcp_flag_packets_total{$I,flag=\"syn\"}")" "$N_SYN"
check_eq "ACK flag count" "$(promq "pktlens_rx_tcp_flag_packets_total{$I,flag=\"ack\"}")" 0
check_eq "frame size histogram: le=64 bucket" \
	"$(promq "pktlens_rx_frame_size_bytes_bucket{$I,le=\"64\"}")" "$sent"
check_eq "frame size histogram: count" "$(promq "pktlens_rx_frame_size_bytes_count{$I}")" "$sent"
check_eq "frame size histogram: sum" "$(promq "pktlens_rx_frame_size_bytes_sum{$I}")" $((64 * sent))
check_eq "histogram_quantile works on it" \
	"$(promq "histogram_quantile(0.5, pktlens_rx_frame_size_bytes_bucket{$I})")" 32
check_eq "no malformed" "$(promq "sum(pktlens_rx_malformed_packets_total{$I})")" 0
# Every series of the interface was stored, and their number is fixed by the enums
# (no per-flow or per-address series): the same after 3 flows as it would be after 3M.
# L7's per-application series are left out here: they appear as flows are classified
# (one set per application nDPI names, bounded by its protocol list), so the file read
# before may lack some that the last scrape has.
nser=$(grep "^pktlens_[a-z0-9_]*{$I" "$LAB_TMP/metrics.txt" | grep -vc "^pktlens_l7_application_")
check_eq "prometheus holds every series of the interface" \
	"$(promq "count({__name__=~\"pktlens_.*\",__name__!~\"pktlens_l7_application_.*\",$I})")" "$nser"
check_true "series per interface bounded ($nser <= 150)" [ "$nser" -le 150 ]

# TCP RTT and health: one connection of 20 request/response exchanges (tcp_pingpong.py),
# closed, then its RTT histogram and the handshake counter read back through prometheus:
# one handshake (the one connection the test made; the SYNs above never completed), the
# SYNs trafgen repeated counted as retransmissions, the
# histogram's count the samples GET /api/v1/rtt has for the port, its mean the API's.
PP=$E2E_ROOT/tests/tools/tcp_pingpong.py PORT=9120
in_rx timeout 30 "$PY" "$PP" server "$IP4_RX" "$PORT" 30 >"$LAB_TMP/pps.log" 2>&1 &
LAB_PIDS+=($!)
wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnt 'sport = :$PORT' | grep -q ." ||
	fail "setup" "the echo server is not listening"
in_tx timeout 20 "$PY" "$PP" client "$IP4_RX" "$PORT" 20 "$LAB_TMP/close" 10 >"$LAB_TMP/ppc.log" 2>&1 &
pp=$!
wait_until 10 grep -qs done "$LAB_TMP/ppc.log" || fail "ping-pong" "$(cat "$LAB_TMP/ppc.log")"
touch "$LAB_TMP/close"
wait "$pp"
lab_quiet
P="interface=\"$IF_RX\",port=\"$PORT\""
http GET /api/v1/rtt >/dev/null
api_n=$(body "[s['rtt_us']['samples'] for s in j['interfaces'][0]['tcp']['services'] if s['port'] == $PORT][0]")
api_avg=$(body "[s['rtt_us']['avg'] for s in j['interfaces'][0]['tcp']['services'] if s['port'] == $PORT][0]")
rtt_scraped() { [ "$(promq "pktlens_tcp_rtt_seconds_count{$P}")" = "$api_n" ]; }
wait_until 10 rtt_scraped || echo "  prometheus: '$(promq "pktlens_tcp_rtt_seconds_count{$P}")' samples, the API $api_n"
check_eq "prometheus: TCP RTT histogram count == the API's samples of port $PORT" \
	"$(promq "pktlens_tcp_rtt_seconds_count{$P}")" "$api_n"
# Without a delay the exchanges take less than a TCP timestamp tick (1 ms): few samples.
check_true "... some samples ($api_n)" [ "${api_n//[^0-9]/}" -ge 1 ]
pmean=$(promq "pktlens_tcp_rtt_seconds_sum{$P} / pktlens_tcp_rtt_seconds_count{$P} * 1e6")
check_true "prometheus: mean RTT $pmean us == the API's $api_avg us" \
	awk -v a="$pmean" -v b="$api_avg" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 0.01) }'
check_eq "prometheus: the +Inf bucket == the count" \
	"$(promq "pktlens_tcp_rtt_seconds_bucket{$P,le=\"+Inf\"}")" "$api_n"
check_eq "prometheus: TCP handshakes completed (the one connection)" \
	"$(promq "pktlens_tcp_handshakes_total{$I}")" 1
# trafgen sent the same SYN N_SYN times: all but the first resend it.
check_eq "prometheus: TCP retransmissions: the SYNs resent" \
	"$(promq "pktlens_tcp_retransmits_total{$I}")" $((N_SYN - 1))
http GET /metrics >/dev/null
nrtt=$(grep -c "^pktlens_tcp_rtt_seconds" "$LAB_TMP/body")
check_true "RTT series bounded: $nrtt for one port (buckets, sum, count: 22)" [ "$nrtt" -eq 22 ]
if promtool check metrics <"$LAB_TMP/body" >"$LAB_TMP/promtool.out" 2>&1; then
	ok "promtool check metrics (with the RTT histogram)"
else
	fail "promtool check metrics (with the RTT histogram)" "$(head -c 600 "$LAB_TMP/promtool.out")"
fi

# PL_TEST_FULL=1: service latency through prometheus: dig asks dnsmasq N names (a flow
# each); the query API returns N queries and N latencies of DNS port 53, NOERROR as dig
# got them.
if [ "${PL_TEST_FULL:-0}" = 1 ] && command -v dnsmasq >/dev/null && command -v dig >/dev/null; then
	N_DNS=4
	in_rx timeout 30 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$IP4_RX" --port=53 --address="/prom.example/198.18.9.9" \
		--pid-file="$LAB_TMP/dnsmasq.pid" --user=root >"$LAB_TMP/dnsmasq.log" 2>&1 &
	LAB_PIDS+=($!)
	wait_until 10 sh -c "ip netns exec $NS_RX ss -Hlnu 'sport = :53' | grep -q ." ||
		fail "setup" "dnsmasq is not listening"
	noerr=0
	for i in $(seq "$N_DNS"); do
		in_tx timeout 5 dig +tries=1 +time=2 @"$IP4_RX" "q$i.prom.example" A >"$LAB_TMP/dig" 2>&1
		grep -q "status: NOERROR" "$LAB_TMP/dig" && noerr=$((noerr + 1))
	done
	D="$I,service=\"dns\",port=\"53\""
	dns_scraped() { [ "$(promq "pktlens_service_latency_seconds_count{$D}")" = "$N_DNS" ]; }
	wait_until 15 dns_scraped || echo "  prometheus: '$(promq "pktlens_service_latency_seconds_count{$D}")'"
	check_eq "prometheus: DNS queries" "$(promq "pktlens_service_requests_total{$D}")" "$N_DNS"
	check_eq "prometheus: DNS latency count" "$(promq "pktlens_service_latency_seconds_count{$D}")" "$N_DNS"
	check_eq "prometheus: DNS NOERROR (as dig got them)" \
		"$(promq "pktlens_service_responses_total{$D,code=\"NOERROR\"}")" "$noerr"
fi

# pktlens's own cost: process_* held against what the kernel says of the process in
# /proc/PID, read just before and after the scrape; the BPF programs' runs while the
# test holds the kernel's run-time statistics on == the frames the sender sent then.
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$SRV_PID/stat"; }
mval() { sed -n "s/^$1 //p" "$LAB_TMP/body"; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }
c0=$(cpu_s) fd0=$(ls "/proc/$SRV_PID/fd" | wc -l) rss0=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$SRV_PID/status")
http GET /metrics >/dev/null
c1=$(cpu_s) fd1=$(ls "/proc/$SRV_PID/fd" | wc -l)
check_true "process_cpu_seconds_total $(mval process_cpu_seconds_total) within /proc's [$c0, $c1]" \
	in_range "$(mval process_cpu_seconds_total)" "$(awk -v c="$c0" 'BEGIN { print c - 0.01 }')" "$(awk -v c="$c1" 'BEGIN { print c + 0.01 }')"
bt=$(awk '/^btime/ { print $2 }' /proc/stat)
st=$(awk -v t="$(getconf CLK_TCK)" -v b="$bt" '{ sub(/.*\) /, ""); printf "%.2f", b + $20 / t }' "/proc/$SRV_PID/stat")
check_true "process_start_time_seconds $(mval process_start_time_seconds) == /proc's $st" \
	in_range "$(mval process_start_time_seconds)" "$(awk -v c="$st" 'BEGIN { printf "%.3f", c - 0.011 }')" "$(awk -v c="$st" 'BEGIN { printf "%.3f", c + 0.011 }')"
check_true "process_open_fds $(mval process_open_fds) within /proc's [$fd0, $fd1] +- 1 (this scrape's socket)" \
	in_range "$(mval process_open_fds)" $((fd0 < fd1 ? fd0 - 1 : fd1 - 1)) $((fd0 > fd1 ? fd0 + 1 : fd1 + 1))
check_true "process_resident_memory_bytes $(mval process_resident_memory_bytes) within 25% of VmRSS $rss0" \
	in_range "$(mval process_resident_memory_bytes)" $((rss0 * 3 / 4)) $((rss0 * 5 / 4))
check_eq "process_max_fds == the daemon's soft limit" "$(mval process_max_fds)" \
	"$(awk '/^Max open files/ { print $4 }' "/proc/$SRV_PID/limits")"
runs() { http GET /metrics >/dev/null; mval "pktlens_bpf_runs_total{$I,direction=\"ingress\"}"; }
N_COST=300
r0=$(runs) # the lab is quiet: the ping-pong above ended before its checks
"$PY" "$E2E_ROOT/tests/tools/bpf_stats_hold.py" "$LAB_TMP/stats_off" 20 >"$LAB_TMP/hold.log" 2>&1 &
hold=$!
LAB_PIDS+=("$hold")
if wait_until 10 grep -qx on "$LAB_TMP/hold.log"; then
	tx0=$(tx_packets)
	trafgen_send "$N_COST" "$LAB_TMP/udp4.cfg" || echo "  trafgen failed"
	lab_quiet
	sent_cost=$(($(tx_packets) - tx0))
	touch "$LAB_TMP/stats_off"
	pid_wait "$hold" 10
	r1=$(runs)
	check_eq "BPF runs with the statistics on == frames sent ($sent_cost)" $((r1 - r0)) "$sent_cost"
	check_true "BPF run time counted" in_range \
		"$(mval "pktlens_bpf_run_seconds_total{$I,direction=\"ingress\"}")" 1e-9 1000
	check_true "promtool check metrics (with the own cost)" \
		eval "promtool check metrics <$LAB_TMP/body >$LAB_TMP/promtool.out 2>&1"
else
	fail "bpf_stats_hold.py" "$(cat "$LAB_TMP/hold.log")"
fi

srv_stop TERM
check_rc "serve: SIGTERM" "$SRV_RC" 0
nothing_attached "after SIGTERM"
finish
