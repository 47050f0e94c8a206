#!/usr/bin/env bash
# test_serve_alerts.sh - detection in `pktlens serve`: an hping3 SYN flood (bounded by
# timeout) from an address of its own on the tx side against the veth serve watches.
# The alert must name that address (what the test sent from) in GET /api/v1/alerts, in
# /metrics (promtool check metrics, and the count: one per attack, as the API and the
# EVE file have them), in --eve as an EVE alert event, in GET /api/v1/history/alerts,
# after SIGTERM in the database (sqlite3), in `pktlens query alerts` and in the HTML
# report's alert timeline and table (`pktlens report --db`). Bad
# parameters of /api/v1/alerts get 400 JSON. SIGHUP: a changed [detect] is applied, a
# bad one keeps the old configuration and says why.
# PL_TEST_FULL=1 adds a TCP SYN scan (nmap -sS) alerted with the scanner's address and
# a daemon started with --no-detect that has no alerts and no alert series.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
. "$(dirname "$0")/../lib/detect.sh"
need_root_tools hping3 curl sqlite3

ATT=198.18.0.41
SID=9100001 # SYN flood from one source (pktlens.conf(5))
lab_up || { fail "lab" "could not build the namespaces"; finish; }
tx_addrs 41
EVE=$LAB_TMP/eve.json
CONF=$LAB_TMP/pktlens.conf
printf '[detect]\nsyn-flood-source-pps = 1000\n' >"$CONF"

# L7 off: it is not what is tested here, and nDPI's start would add a second.
if ! srv_start -v -i "$IF_RX" --eve "$EVE" --config "$CONF" --l7-packets 0; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
check_grep "serve says detection is on" "$SRV_ERR" "detection on"
check_http "GET /api/v1/alerts before any attack" 200 GET /api/v1/alerts
check_eq "no alert yet, detection on" "$(body '(len(j["alerts"]), j["detection"], j["ring_size"])')" \
	"(0, True, 1000)"

# ---- the attack: 0.6 s of SYN flood from $ATT ------------------------------------------
t0=$(now_ms)
in_tx timeout 0.6 hping3 -S -p 80 --flood -a "$ATT" "$IP4_RX" >/dev/null 2>&1
alerted() {
	http GET "/api/v1/alerts?severity=3" >/dev/null &&
		[ "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID and a['src_ip'] == '$ATT'])")" = 1 ]
}
if wait_until 5 alerted; then
	ok "API: alert $SID from $ATT (the address hping3 sent from), $(($(now_ms) - t0)) ms after the flood started"
else
	fail "API: alert $SID from $ATT" "$(head -c 600 "$LAB_TMP/body")"
fi
a="[a for a in j['alerts'] if a['signature_id'] == $SID][0]"
check_eq "API: the alert's fields" \
	"$(body "($a['interface'], $a['dest_ip'], $a['proto'], $a['severity'] in (1, 2, 3), $a['state'] in ('active', 'ended'), 'pktlens' in $a)")" \
	"('$IF_RX', '$IP4_RX', 6, True, True, True)"
sev=$(body "$a['severity']")
check_http "API: ?interface=IF" 200 GET "/api/v1/alerts?interface=$IF_RX"
check_eq "API: the alert on its interface" "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID])")" 1
check_http "API: ?since=-1h" 200 GET "/api/v1/alerts?since=-1h"
check_eq "API: since an hour ago: the alert" "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID])")" 1
check_http "API: ?since=@(in an hour)" 200 GET "/api/v1/alerts?since=@$(($(date +%s) + 3600))"
check_eq "API: since the future: none" "$(body 'len(j["alerts"])')" 0
if [ "$sev" -gt 1 ]; then
	check_http "API: ?severity=$((sev - 1)) (more severe only)" 200 GET "/api/v1/alerts?severity=$((sev - 1))"
	check_eq "API: severity filter leaves it out" "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID])")" 0
fi
check_http "API: ?limit=1" 200 GET "/api/v1/alerts?limit=1"
check_eq "API: limit=1: one alert" "$(body 'len(j["alerts"])')" 1
check_http "API: all" 200 GET /api/v1/alerts
check_true "API: newest first" [ "$(body '[a["id"] for a in j["alerts"]] == sorted([a["id"] for a in j["alerts"]], reverse=True)')" = True ]
n_api=$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID])")

# ---- bad parameters: 400 with a JSON body naming the parameter ----------------------------
# (every refusal of the parser is also fuzzed: fuzz_timearg)
for q in "severity=4" "severity=high" "limit=0" "since=yesterday" "colour=red" "limit=1&limit=2"; do
	check_http "API: ?$q is refused" 400 GET "/api/v1/alerts?$q"
done
check_grep "400 names the parameter" "$LAB_TMP/body" "'limit' is given twice"
check_http "API: an interface not served: 404" 404 GET "/api/v1/alerts?interface=nosuch0"

# ---- /metrics: one series per sid, the count the API and EVE have ------------------------
check_http "GET /metrics" 200 GET /metrics
cp "$LAB_TMP/body" "$LAB_TMP/metrics.txt"
m=$(sed -n "s/^pktlens_alerts_total{interface=\"$IF_RX\",signature_id=\"$SID\",severity=\"$sev\"} //p" "$LAB_TMP/metrics.txt")
# The test sent one flood: one attack, one alert (its updates are not counted again).
check_eq "metrics: pktlens_alerts_total of $SID: the one flood sent" "$m" 1
check_eq "API: one alert of $SID, as the metrics" "$n_api" 1
check_true "metrics: detection ticked (pktlens_detection_ticks_total > 0)" \
	[ "$(sed -n "s/^pktlens_detection_ticks_total{interface=\"$IF_RX\"} //p" "$LAB_TMP/metrics.txt")" -gt 0 ]
check_eq "metrics: at most one series per sid" \
	"$(grep '^pktlens_alerts_total{' "$LAB_TMP/metrics.txt" | sed 's/severity=.*//' | sort | uniq -d)" ""
if command -v promtool >/dev/null; then
	check_true "promtool check metrics (alert series included)" \
		eval "promtool check metrics <'$LAB_TMP/metrics.txt' >'$LAB_TMP/promtool.out' 2>&1"
else
	skip "promtool check metrics" "promtool is not installed"
fi
eve_alerts() { alerts_of "$EVE" | awk -v s="$SID" -v a="$ATT" '$1 == s && $2 == a' | wc -l; }
wait_until 3 eval '[ "$(eve_alerts)" -ge 1 ]'
check_eq "EVE: one alert event of $SID from $ATT (one per attack)" "$(eve_alerts)" 1
check_eq "EVE: the alert event's fields" \
	"$("$PY" -c "
import json,sys
for l in open('$EVE'):
    e = json.loads(l)
    if e.get('event_type') == 'alert' and e['alert']['signature_id'] == $SID:
        print(e['src_ip'], e['dest_ip'], e['in_iface'], e['alert']['action'], e['alert']['severity']); break")" \
	"$ATT $IP4_RX $IF_RX allowed $sev"

# ---- the history: the row written when the attack started -------------------------------
hist_row() {
	http GET "/api/v1/history/alerts?since=-1h" >/dev/null &&
		[ "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID and a['src_ip'] == '$ATT'])")" = 1 ]
}
check_true "GET /api/v1/history/alerts: the alert from $ATT" wait_until 5 hist_row
check_http "history/alerts: bad top" 400 GET "/api/v1/history/alerts?top=0"

# ---- SIGHUP: [detect] changed is applied; a bad one keeps the old -------------------------
printf '[detect]\nsyn-flood-source-pps = 1500\n' >"$CONF"
kill -HUP "$SRV_PID"
check_true "SIGHUP: a changed [detect] is applied" wait_until 5 grep -q "\[detect\] applied" "$SRV_ERR"
printf '[detect]\nsyn-flood-source-pps = lots\n' >"$CONF"
kill -HUP "$SRV_PID"
check_true "SIGHUP: a bad [detect] is refused, the old stays" \
	wait_until 5 grep -q "reload: .*detect.*old configuration stays" "$SRV_ERR"
check_grep "the refusal names the file, the line and the entry" "$SRV_ERR" "pktlens.conf:2.*syn-flood-source-pps = 'lots'"
printf '[detect]\nsyn-flood-source-pps = 1500\n' >"$CONF"
n0=$(grep -c "reloaded:" "$SRV_ERR")
kill -HUP "$SRV_PID"
wait_until 5 eval '[ "$(grep -c "reloaded:" "$SRV_ERR")" -gt "$n0" ]'
check_grep "SIGHUP: the same [detect] again leaves detection as it is" "$SRV_ERR" "\[detect\] unchanged"
check_http "API: alerts kept over the reloads" 200 GET /api/v1/alerts
check_eq "API: the alert is still listed" "$(body "len([a for a in j['alerts'] if a['signature_id'] == $SID])")" "$n_api"

if [ "${PL_TEST_FULL:-0}" = 1 ] && command -v nmap >/dev/null; then
	SCAN=198.18.0.42
	tx_addrs 42
	in_tx timeout 30 nmap -n -Pn -sS -S "$SCAN" -e "$IF_TX" -p 1-200 --max-retries 0 -T4 "$IP4_RX" >/dev/null 2>&1
	scanned() {
		http GET /api/v1/alerts >/dev/null &&
			[ "$(body "len([a for a in j['alerts'] if a['signature_id'] == 9100020 and a['src_ip'] == '$SCAN'])")" = 1 ]
	}
	check_true "full: nmap -sS from $SCAN alerted as a SYN scan (9100020) with its address" wait_until 5 scanned
fi

# ---- SIGTERM: the rows in the database, for sqlite3 and pktlens query ------------------------
srv_stop TERM
check_rc "serve: SIGTERM" "$SRV_RC" 0
DB=$LAB_TMP/serve1.db
check_eq "sqlite3: the alert's row" \
	"$(sqlite3 "$DB" "SELECT src, dst, interface, severity, state != 'active' FROM alerts WHERE sid = $SID")" \
	"$ATT|$IP4_RX|$IF_RX|$sev|1"
check_eq "sqlite3: the evidence is JSON" "$(sqlite3 "$DB" "SELECT json_valid(evidence) FROM alerts WHERE sid = $SID")" 1
"$PKTLENS" query --db "$DB" alerts --since -1h --json >"$LAB_TMP/q.json" 2>"$LAB_TMP/q.err"
check_rc "pktlens query alerts --json" $? 0
check_eq "query alerts: the alert from $ATT" \
	"$(json_get "$LAB_TMP/q.json" "[(a['signature_id'], a['src_ip'], a['dest_ip']) for a in j['alerts'] if a['signature_id'] == $SID]")" \
	"[($SID, '$ATT', '$IP4_RX')]"
"$PKTLENS" query --db "$DB" alerts --until -1h >"$LAB_TMP/q.txt" 2>"$LAB_TMP/q.err"
check_eq "query alerts --until an hour ago: only the header" "$(wc -l <"$LAB_TMP/q.txt")" 1
"$PKTLENS" query --db "$DB" alerts >"$LAB_TMP/q.txt" 2>"$LAB_TMP/q.err"
check_true "query alerts (text): a line with the sid and the attacker" \
	grep -Eq "$SID +[0-9] +tcp +$ATT " "$LAB_TMP/q.txt"
"$PKTLENS" report --db "$DB" -o "$LAB_TMP/report.html" 2>"$LAB_TMP/r.err"
check_rc "report --db" $? 0
check_eq "report: the timeline's bar of the attack from $ATT" \
	"$(grep -c "<rect class=\"alert-bar sev$sev\" [^>]*data-sid=\"$SID\" data-src=\"$ATT\"" "$LAB_TMP/report.html")" 1
check_true "report: the alerts table's row (sid, severity, attacker, target)" \
	grep -q "<td class=\"n\" data-value=\"$SID\">$SID</td><td class=\"n\" data-value=\"$sev\">$sev</td><td>[^<]*</td><td>$ATT:[0-9]*</td><td>$IP4_RX:[0-9]*</td>" "$LAB_TMP/report.html"

if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	if srv_start -i "$IF_RX" --no-detect --no-db; then
		check_grep "--no-detect: serve says detection is off" "$SRV_ERR" "detection off"
		check_http "--no-detect: GET /api/v1/alerts" 200 GET /api/v1/alerts
		check_eq "--no-detect: no alerts, detection false" "$(body '(j["alerts"], j["detection"])')" "([], False)"
		http GET /metrics >/dev/null
		check_eq "--no-detect: no alert series" "$(grep -c '^pktlens_alerts_total' "$LAB_TMP/body")" 0
		srv_stop TERM
	else
		fail "--no-detect start" "$(cat "$SRV_ERR")"
	fi
fi
nothing_attached "after SIGTERM"
finish
