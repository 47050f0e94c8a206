#!/usr/bin/env bash
# test_serve_eve.sh - `pktlens serve --eve FILE`: a Suricata EVE flow event for each
# flow that leaves the table, with the exact counts trafgen sent (and, added up, the
# sender's tx_packets delta): idle flows ("timeout", IPv4 UDP and TCP, IPv6 UDP), the
# flows still in the table at SIGTERM ("shutdown"); SIGHUP reopens the file after it was
# moved (logrotate), and a file that cannot be reopened keeps the old one; an --eve
# that cannot be opened stops the start; /metrics counts the events.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl

N_UDP=1500 N_SYN=30 N_V6=200 N_ROT=700 N_STOP=50
EVE=$LAB_TMP/eve.json

lab_up || { fail "lab" "could not build the namespaces"; finish; }
# udp CFGNAME SPORT: an IPv4 UDP frame of 64 bytes from SPORT to port 9.
udp() {
	echo "{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=$2, dp=9), fill(0x41, 22) }" \
		>"$LAB_TMP/$1.cfg"
}
udp udp 40000
udp rot 40001
udp stop 40002
cat >"$LAB_TMP/syn.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10) }
CFG
cat >"$LAB_TMP/v6.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=7006), fill(0x43, 2) }
CFG

# eve_get FILE PYEXPR: PYEXPR with `ev` the list of the file's events (each line must
# be a JSON object) and flow(sport) the one event of that source port.
eve_get() {
	"$PY" - "$1" "$2" <<'PYEOF'
import json, sys
try:
    ev = [json.loads(l) for l in open(sys.argv[1])]
except (OSError, ValueError) as e:
    print("<bad: %s>" % e); sys.exit(0)
def ts(s):  # Suricata's time stamp: local time, microseconds, offset
    from datetime import datetime
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
def flow(sport):
    m = [e for e in ev if e.get("src_port") == sport]
    return m[0] if len(m) == 1 else {"<matches>": len(m)}
try:
    print(eval(sys.argv[2]))
except Exception as e:
    print("<error: %s: %s>" % (type(e).__name__, e))
PYEOF
}
nlines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

check_true "--eve in a missing directory stops the start (exit 1)" \
	eval "! in_rx timeout 20 $PKTLENS serve --no-db -i $IF_RX --eve $LAB_TMP/no/such/eve.json 2>$LAB_TMP/bad.err"
check_grep "and says which file" "$LAB_TMP/bad.err" "cannot open --eve $LAB_TMP/no/such/eve.json: No such file"

# -v: the reopening is an info message.
if ! srv_start -v -i "$IF_RX" --no-db --idle-timeout 1 --eve "$EVE"; then
	fail "serve --eve start" "$(cat "$SRV_ERR")"
	finish
fi
lab_quiet
t0=$(date +%s)
tx0=$(tx_packets)
trafgen_send "$N_UDP" "$LAB_TMP/udp.cfg" || echo "  trafgen udp failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
trafgen_send "$N_V6" "$LAB_TMP/v6.cfg" || echo "  trafgen v6 failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP + N_SYN + N_V6))
three() { [ "$(nlines "$EVE")" -ge 3 ]; }
wait_until 15 three
check_eq "three idle flows, three events" "$(nlines "$EVE")" 3
check_eq "every line is an EVE flow event" "$(eve_get "$EVE" '[e["event_type"] for e in ev]')" \
	"['flow', 'flow', 'flow']"
check_eq "events' packets add up to tx_packets delta" \
	"$(eve_get "$EVE" 'sum(e["flow"]["pkts_toserver"] + e["flow"]["pkts_toclient"] for e in ev)')" "$sent"
u='flow(40000)'
check_eq "UDP flow: endpoints" "$(eve_get "$EVE" "(${u}['in_iface'], ${u}['proto'], ${u}['src_ip'], ${u}['dest_ip'], ${u}['dest_port'])")" \
	"('$IF_RX', 'UDP', '$IP4_TX', '$IP4_RX', 9)"
check_eq "UDP flow: counts" "$(eve_get "$EVE" "[${u}['flow'][k] for k in ('pkts_toserver', 'bytes_toserver', 'pkts_toclient', 'bytes_toclient')]")" \
	"[$N_UDP, $((64 * N_UDP)), 0, 0]"
check_eq "UDP flow: idle is reason timeout, state new" \
	"$(eve_get "$EVE" "(${u}['flow']['reason'], ${u}['flow']['state'], ${u}['flow']['alerted'])")" "('timeout', 'new', False)"
t='flow(41000)'
check_eq "TCP flow" "$(eve_get "$EVE" "(${t}['proto'], ${t}['dest_port'], ${t}['flow']['pkts_toserver'], ${t}['flow']['bytes_toserver'])")" \
	"('TCP', 80, $N_SYN, $((64 * N_SYN)))"
v='flow(40006)'
check_eq "IPv6 flow" "$(eve_get "$EVE" "(${v}['proto'], ${v}['src_ip'], ${v}['dest_ip'], ${v}['dest_port'], ${v}['flow']['pkts_toserver'])")" \
	"('UDP', '$(python3 -c "import ipaddress; print(ipaddress.ip_address('$IP6_TX'))")', '$(python3 -c "import ipaddress; print(ipaddress.ip_address('$IP6_RX'))")', 7006, $N_V6)"
# Suricata's time stamps: local time with the offset, microseconds; start <= end, both
# within the test's run.
check_eq "times: Suricata's format, start <= end, during the test" "$(eve_get "$EVE" \
	"all(ts(e['flow']['start']) <= ts(e['flow']['end']) and $t0 - 1 <= ts(e['flow']['start']) <= $(date +%s) + 1 and ts(e['timestamp']) >= ts(e['flow']['end']) - 0.001 for e in ev)")" True
check_eq "distinct flow ids" "$(eve_get "$EVE" 'len({e["flow_id"] for e in ev})')" 3
check_http "GET /metrics" 200 GET /metrics
check_grep "metrics: pktlens_eve_events_total 3" "$LAB_TMP/body" "^pktlens_eve_events_total 3$"
check_grep "metrics: no write error" "$LAB_TMP/body" "^pktlens_eve_write_errors_total 0$"

# logrotate: move the file away, SIGHUP; new events go to a new file.
mv "$EVE" "$EVE.1"
kill -HUP "$SRV_PID"
check_true "SIGHUP: the file is reopened" wait_grep "$SRV_ERR" "--eve $EVE reopened" "$SRV_PID"
trafgen_send "$N_ROT" "$LAB_TMP/rot.cfg" || echo "  trafgen rot failed"
one() { [ "$(nlines "$EVE")" -ge 1 ]; }
wait_until 15 one
check_eq "after SIGHUP: the new file has the new flow" \
	"$(eve_get "$EVE" '[(e["src_port"], e["flow"]["pkts_toserver"]) for e in ev]')" "[(40001, $N_ROT)]"
check_eq "the moved file got nothing more" "$(nlines "$EVE.1")" 3
srv_stop TERM
check_rc "SIGTERM" "$SRV_RC" 0

# At stop: the flows still in the table are written as "shutdown"; a file that cannot
# be reopened (its directory was moved away) keeps the old one.
mkdir -p "$LAB_TMP/d"
if srv_start -i "$IF_RX" --no-db --idle-timeout 0 --eve "$LAB_TMP/d/eve.json"; then
	trafgen_send "$N_STOP" "$LAB_TMP/stop.cfg" || echo "  trafgen stop failed"
	lab_quiet
	mv "$LAB_TMP/d" "$LAB_TMP/d2"
	kill -HUP "$SRV_PID"
	wait_grep "$SRV_ERR" "events go on to the old file" "$SRV_PID"
	check_grep "SIGHUP with a file that cannot be opened: says so" "$SRV_ERR" \
		"cannot open --eve $LAB_TMP/d/eve.json: No such file or directory; events go on to the old file"
	srv_stop TERM
	check_rc "SIGTERM" "$SRV_RC" 0
	check_eq "at stop: the flow, reason shutdown, in the old file" \
		"$(eve_get "$LAB_TMP/d2/eve.json" '[(e["src_port"], e["flow"]["pkts_toserver"], e["flow"]["reason"]) for e in ev]')" \
		"[(40002, $N_STOP, 'shutdown')]"
else
	fail "serve --eve --idle-timeout 0 start" "$(cat "$SRV_ERR")"
fi
nothing_attached "at the end"
finish
