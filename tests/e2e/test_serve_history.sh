#!/usr/bin/env bash
# test_serve_history.sh - the SQLite history of `pktlens serve` and `pktlens query`.
# Known trafgen traffic (fixed 5-tuples, 64-byte frames, the sender's tx_packets delta)
# must be in the database exactly, read with the sqlite3 CLI: per minute (packets,
# bytes, L3/L4 classes) and per flow (one row per flow, both directions, ended by the
# idle timeout or at stop); `pktlens query` must give the same answers. kill -9 during
# heavy writes (a small flow table evicting all the time) leaves a database that passes
# PRAGMA integrity_check and keeps what was committed; a restart on it adds exactly
# what it counts (no double counting). Retention by age and by size on 40000 made-up
# rows. Bad databases: a text file, a foreign SQLite file, a newer schema, a read-only
# file system, a full disk (tmpfs in the rx mount namespace).
# PL_TEST_FULL=1 adds two bursts in two different minutes, each held to its own row.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl sqlite3

K=50 PER=60 N_UDP6=400 N_SYN=50
N_UDP4=$((K * PER))

lab_up || { fail "lab" "could not build the namespaces"; finish; }
DB=$LAB_TMP/hist/sub/pktlens.db
q() { sqlite3 -batch -noheader "$DB" "$@" 2>&1; }
query() { in_rx "$PKTLENS" query --db "$DB" "$@"; }

cat >"$LAB_TMP/udp4.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=dinc(40000, $((40000 + K - 1))), dp=9), fill(0x41, 22) }
CFG
cat >"$LAB_TMP/udp6.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), udp(sp=40006, dp=9), fill(0x42, 2) }
CFG
cat >"$LAB_TMP/syn.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), tcp(sp=41000, dp=80, syn), fill(0x43, 10) }
CFG
cat >"$LAB_TMP/one.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=42000, dp=9), fill(0x44, 22) }
CFG
# Heavy writes: new source ports all the time into a 256-entry table (evictions).
cat >"$LAB_TMP/many.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=dinc(1024, 65000), dp=7), fill(0x45, 22) }
CFG

# heavy_start / heavy_stop: new source ports at a high rate (bounded: 30 s, 2M frames);
# stopped by signalling what runs in the tx namespace (this test's lab only).
heavy_start() {
	in_tx timeout 30 trafgen --cpus 1 -q -n 2000000 -i "$LAB_TMP/many.cfg" -o "$IF_TX" \
		-t 10us >/dev/null 2>&1 &
	TG=$!
	LAB_PIDS+=("$TG")
}
heavy_stop() {
	local p
	for p in $(ip netns pids "$NS_TX" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	pid_wait "$TG" 10
	lab_quiet
}

minute_now() { echo $(($(date +%s) / 60 * 60)); }
api_packets() {
	[ "$(http GET /api/v1/stats)" = 200 ] && body 'j["interfaces"][0]["total"]["packets"]'
}
api_seen() { [ "$(api_packets)" -ge "$1" ] 2>/dev/null; }
rows_are() { [ "$(q "$1")" = "$2" ]; }

# ---- session A: known traffic ----------------------------------------------------
if ! srv_start -i "$IF_RX" --db "$DB" --idle-timeout 2; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
ok "serve started: $(grep -o 'serving.*' "$SRV_ERR")"
check_eq "directories made with mode 0750" \
	"$(stat -c %a "$LAB_TMP/hist" "$LAB_TMP/hist/sub" | tr '\n' ' ')" "750 750 "
check_eq "WAL mode" "$(q 'PRAGMA journal_mode')" wal
check_eq "schema_version" "$(q 'SELECT version FROM schema_version')" 4
lab_quiet
m0=$(minute_now)
tx0=$(tx_packets)
trafgen_send "$N_UDP4" "$LAB_TMP/udp4.cfg" || echo "  trafgen udp4 failed"
trafgen_send "$N_UDP6" "$LAB_TMP/udp6.cfg" || echo "  trafgen udp6 failed"
trafgen_send "$N_SYN" "$LAB_TMP/syn.cfg" || echo "  trafgen syn failed"
lab_quiet
sent=$(($(tx_packets) - tx0))
check_eq "tx side sent what trafgen was asked" "$sent" $((N_UDP4 + N_UDP6 + N_SYN))
wait_until 15 api_seen "$sent"
m1=$(minute_now)
# Written once a second; the flows end 2 s after their last packet (--idle-timeout 2).
wait_until 15 rows_are "SELECT count(*) FROM flows" $((K + 2))
wait_until 5 rows_are "SELECT sum(packets) FROM minutes" "$sent"

check_eq "minutes: packets == tx_packets delta" "$(q 'SELECT sum(packets) FROM minutes')" "$sent"
check_eq "minutes: bytes (64 a frame)" "$(q 'SELECT sum(bytes) FROM minutes')" $((64 * sent))
# The sampler counts a packet in the minute it reads it: the burst's minute (or the
# two, if a minute began while it was sent and read).
check_eq "minutes: the burst's minute holds it all" \
	"$(q "SELECT sum(packets) || ' ' || sum(bytes) FROM minutes WHERE minute BETWEEN $m0 AND $m1")" \
	"$sent $((64 * sent))"
[ "$m0" = "$m1" ] && check_eq "minutes: one row, that minute" \
	"$(q "SELECT minute || ' ' || packets FROM minutes WHERE packets > 0")" "$m0 $sent"
check_eq "minute classes: l4 udp/tcp" \
	"$(q "SELECT class || '=' || sum(packets) || '/' || sum(bytes) FROM minute_classes WHERE layer='l4' GROUP BY class ORDER BY class" | tr '\n' ' ')" \
	"tcp=$N_SYN/$((64 * N_SYN)) udp=$((N_UDP4 + N_UDP6))/$((64 * (N_UDP4 + N_UDP6))) "
check_eq "minute classes: l3 ipv4/ipv6" \
	"$(q "SELECT class || '=' || sum(packets) FROM minute_classes WHERE layer='l3' GROUP BY class ORDER BY class" | tr '\n' ' ')" \
	"ipv4=$((N_UDP4 + N_SYN)) ipv6=$N_UDP6 "
check_eq "minutes: nothing malformed, no eviction" \
	"$(q 'SELECT sum(malformed), sum(evictions), sum(flows_unseen), sum(flows_new) FROM minutes')" \
	"0|0|0|$((K + 2))"
check_eq "flows: $K UDP flows of $PER packets, $((64 * PER)) bytes, ended idle" \
	"$(q "SELECT count(*), min(packets_fwd), max(packets_fwd), sum(bytes_fwd), sum(packets_rev), min(sport), max(sport), count(DISTINCT sport) FROM flows WHERE proto=17 AND family=4 AND src='$IP4_TX' AND dst='$IP4_RX' AND dport=9 AND ended='idle'")" \
	"$K|$PER|$PER|$((64 * N_UDP4))|0|40000|$((40000 + K - 1))|$K"
check_eq "flows: the IPv6 flow" \
	"$(q "SELECT src, sport, dst, dport, packets_fwd, bytes_fwd, vlan FROM flows WHERE family=6")" \
	"$IP6_TX|40006|$IP6_RX|9|$N_UDP6|$((64 * N_UDP6))|0"
check_eq "flows: the SYN flow (flags S, state)" \
	"$(q "SELECT packets_fwd, bytes_fwd, tcp_flags, state FROM flows WHERE proto=6")" \
	"$N_SYN|$((64 * N_SYN))|2|ingress-only"
now=$(date +%s)
check_true "flows: first/last seen within the test" [ \
	"$(q "SELECT count(*) FROM flows WHERE first_seen >= ($m0 - 1) * 1000 AND last_seen <= $now * 1000 + 999 AND first_seen <= last_seen")" \
	= $((K + 2)) ]

check_http "GET /metrics" 200 GET /metrics
cp "$LAB_TMP/body" "$LAB_TMP/metrics.txt"
check_eq "metrics: history flows written == rows sqlite3 reads" \
	"$(awk '$1 == "pktlens_history_flows_written_total" { print $2 }' "$LAB_TMP/metrics.txt")" \
	"$(q 'SELECT count(*) FROM flows')"
check_eq "metrics: no write error, nothing dropped or queued" \
	"$(awk '$1 ~ /^pktlens_history_(write_errors_total|flows_dropped_total|queued_flows)$/ { printf "%s ", $2 }' "$LAB_TMP/metrics.txt")" \
	"0 0 0 "
if command -v promtool >/dev/null; then
	if promtool check metrics <"$LAB_TMP/metrics.txt" >"$LAB_TMP/promtool" 2>&1; then
		ok "promtool check metrics (history series included)"
	else
		fail "promtool check metrics" "$(head -c 600 "$LAB_TMP/promtool")"
	fi
fi

# ---- pktlens query: the same answers -----------------------------------------------
query flows --top 0 --json >"$LAB_TMP/qf" 2>"$LAB_TMP/e"
check_rc "query flows --json" $? 0
check_eq "query flows: every flow, most bytes first" \
	"$(json_get "$LAB_TMP/qf" '(len(j["flows"]), j["flows"][0]["src"], j["flows"][0]["packets"], sum(f["bytes"] for f in j["flows"]))')" \
	"($((K + 2)), '$IP6_TX', $N_UDP6, $((64 * sent)))"
cp "$LAB_TMP/qf" "$LAB_TMP/qf_all"
check_http "GET /api/v1/history/flows" 200 GET "/api/v1/history/flows?top=10000"
same_as() { [ "$(body "$1")" = "$(json_get "$2" "$1")" ] && echo "same $(body "len($1)") rows"; }
check_eq "API history/flows: pktlens query's flows" "$(same_as 'j["flows"]' "$LAB_TMP/qf_all")" \
	"same $((K + 2)) rows"
query flows --top 3 >"$LAB_TMP/qt" 2>"$LAB_TMP/e"
check_eq "query flows --top 3: header and 3 rows" "$(wc -l <"$LAB_TMP/qt")" 4
check_grep "query flows text: the IPv6 flow" "$LAB_TMP/qt" "$IP6_TX.40006 +$IP6_RX.9 +$N_UDP6 +$((64 * N_UDP6))"
query top-talkers --json >"$LAB_TMP/qt" 2>"$LAB_TMP/e"
check_eq "query top-talkers: bytes each address sent" \
	"$(json_get "$LAB_TMP/qt" '[(t["addr"], t["packets"], t["bytes"], t["flows"]) for t in j["talkers"]]')" \
	"[('$IP4_TX', $((N_UDP4 + N_SYN)), $((64 * (N_UDP4 + N_SYN))), $((K + 1))), ('$IP6_TX', $N_UDP6, $((64 * N_UDP6)), 1)]"
check_http "GET /api/v1/history/top-talkers" 200 GET "/api/v1/history/top-talkers?since=-1h"
check_eq "API history/top-talkers: pktlens query's" "$(same_as 'j["talkers"]' "$LAB_TMP/qt")" \
	"same 2 rows"
query minutes --json >"$LAB_TMP/qm" 2>"$LAB_TMP/e"
check_eq "query minutes: packets, bytes, udp as sqlite3 reads them" \
	"$(json_get "$LAB_TMP/qm" '(sum(m["packets"] for m in j["minutes"]), sum(m["bytes"] for m in j["minutes"]), sum(m["l4"].get("udp", {}).get("packets", 0) for m in j["minutes"]))')" \
	"($sent, $((64 * sent)), $((N_UDP4 + N_UDP6)))"
query minutes --since -1h --until now >"$LAB_TMP/qm" 2>"$LAB_TMP/e"
check_eq "query minutes text: rows" "$(($(wc -l <"$LAB_TMP/qm") - 1))" "$(q 'SELECT count(*) FROM minutes')"
query flows --since "@$((now + 120))" --until "@$((now + 180))" --json >"$LAB_TMP/qf" 2>"$LAB_TMP/e"
check_eq "query flows after the traffic: none" "$(json_get "$LAB_TMP/qf" 'len(j["flows"])')" 0
query flows --until "$(date -u -d "@$((m0 - 120))" +%Y-%m-%dT%H:%M:%SZ)" --json >"$LAB_TMP/qf" 2>"$LAB_TMP/e"
check_eq "query flows --until (ISO 8601) before the traffic: none" "$(json_get "$LAB_TMP/qf" 'len(j["flows"])')" 0
query flows --since "$(date -d "@$((m0 - 60))" +%Y-%m-%dT%H:%M:%S%:z)" --json >"$LAB_TMP/qf" 2>"$LAB_TMP/e"
check_eq "query flows --since (ISO 8601 with offset): the default top 20" \
	"$(json_get "$LAB_TMP/qf" 'len(j["flows"])')" 20
query talkers >/dev/null 2>"$LAB_TMP/e"
check_rc "query: an unknown question: usage" $? 2
check_grep "unknown question: the questions named" "$LAB_TMP/e" "top-talkers, flows, minutes, apps or alerts"
query flows minutes >/dev/null 2>"$LAB_TMP/e"
check_rc "query: two questions: usage" $? 2
query minutes --since now --until -1h >/dev/null 2>"$LAB_TMP/e"
check_rc "query: --since after --until: usage" $? 2
query flows --since yesterday >/dev/null 2>"$LAB_TMP/e"
check_rc "query --since yesterday: usage" $? 2
check_grep "bad time: says the forms" "$LAB_TMP/e" "ISO 8601"
srv_stop TERM
check_eq "serve A: SIGTERM exits 0" "$SRV_RC" 0
cp "$DB" "$LAB_TMP/a.db" # session A's history (closed: no -wal left) for the cases below

# ---- the history's options from pktlens.conf ------------------------------------------
"$PKTLENS" serve --config "$E2E_ROOT/docs/pktlens.conf.example" --help >/dev/null 2>"$LAB_TMP/e"
check_rc "docs/pktlens.conf.example's [serve] keys are serve's options" $? 0
printf '[serve]\ninterface = %s\ndb = %s\nidle-timeout = 1\nretention-days = 9\n' \
	"$IF_RX" "$LAB_TMP/conf/h.db" >"$LAB_TMP/pktlens.conf"
# Started by hand: srv_start would add a --db of its own, which would win over the file.
SRV_ERR=$LAB_TMP/conf.err
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" serve --config "$LAB_TMP/pktlens.conf" 2>"$SRV_ERR" &
SRV_PID=$!
LAB_PIDS+=("$SRV_PID")
if wait_grep "$SRV_ERR" "pktlens: serving" "$SRV_PID"; then
	check_grep "--config: the history where the file says" "$SRV_ERR" "history $LAB_TMP/conf/h.db"
	tx0=$(tx_packets)
	trafgen_send 123 "$LAB_TMP/one.cfg"
	lab_quiet
	conf_flow() { [ "$(sqlite3 "$LAB_TMP/conf/h.db" "SELECT packets_fwd || ' ' || ended FROM flows" 2>/dev/null)" = "$1 idle" ]; }
	wait_until 10 conf_flow $(($(tx_packets) - tx0))
	check_eq "--config: idle-timeout = 1 ended the flow" \
		"$(sqlite3 "$LAB_TMP/conf/h.db" "SELECT packets_fwd || ' ' || ended FROM flows")" "$(($(tx_packets) - tx0)) idle"
	srv_stop TERM
else
	fail "serve --config start" "$(cat "$SRV_ERR")"
fi

# ---- session B: heavy writes, then kill -9 -----------------------------------------
if srv_start -i "$IF_RX" --db "$DB" --flows 4096 --idle-timeout 1; then
	heavy_start
	evicting() { [ "$(q "SELECT count(*) FROM flows WHERE ended='evicted'")" -ge 3000 ] 2>/dev/null; }
	wait_until 20 evicting
	# The HTTP thread reads the history on its own connection while the writer commits
	# thousands of rows a second: in WAL mode it never waits for them.
	in_rx "$PY" - "$IF_RX" >"$LAB_TMP/lat" 2>&1 <<'PYEOF'
import http.client, sys, time
lat = {"stats": [], "history": []}
c = http.client.HTTPConnection("127.0.0.1", 9739, timeout=10)
for i in range(300):
    for k, p in (("stats", "/api/v1/stats"), ("history", "/api/v1/history/minutes?since=-2m")):
        t = time.monotonic()
        c.request("GET", p)
        r = c.getresponse()
        r.read()
        lat[k].append((time.monotonic() - t) * 1000 if r.status == 200 else 1e9)
for k, v in lat.items():
    v.sort()
    print("%s p50 %.1f p99 %.1f max %.1f ms" % (k, v[len(v) // 2], v[int(len(v) * 0.99)], v[-1]))
PYEOF
	echo "  during heavy writes, 300 requests each: $(tr '\n' ';' <"$LAB_TMP/lat")"
	check_true "history reads during heavy writes: p99 under 500 ms" [ \
		"$(awk '/^history/ { print ($5 < 500) }' "$LAB_TMP/lat")" = 1 ]
	f0=$(q 'SELECT count(*) FROM flows')
	growing() { [ "$(q 'SELECT count(*) FROM flows')" -gt "$f0" ] 2>/dev/null; }
	wait_until 5 growing
	before=$(q "SELECT (SELECT count(*) FROM flows) || ' ' || (SELECT sum(packets) FROM minutes)")
	kill -KILL "$SRV_PID"
	pid_wait "$SRV_PID" 5
	kill_rc=$WAIT_RC
	heavy_stop
	read -r f1 p1 <<<"$before"
	check_true "killed while writing (flows $f0 -> $f1 just before)" [ "$f1" -gt "$f0" ]
	check_eq "kill -9 during writes" "$kill_rc" 137
	check_eq "integrity_check after kill -9" "$(q 'PRAGMA integrity_check')" ok
	after=$(q "SELECT (SELECT count(*) FROM flows) || ' ' || (SELECT sum(packets) FROM minutes)")
	read -r f1 p1 <<<"$before"
	read -r f2 p2 <<<"$after"
	check_true "evicted flows were being written ($f1 rows, $(q "SELECT count(*) FROM flows WHERE ended='evicted'") evicted, $(q 'SELECT sum(flows_unseen) FROM minutes') unseen)" [ "$f1" -ge $((K + 2 + 3000)) ]
	check_true "committed flows kept ($f2 >= $f1)" [ "$f2" -ge "$f1" ]
	check_true "committed minutes kept ($p2 >= $p1 packets)" [ "$p2" -ge "$p1" ]
	check_true "evictions counted in the minutes" \
		[ "$(q 'SELECT sum(evictions) FROM minutes')" -gt 0 ]
else
	fail "serve B start" "$(cat "$SRV_ERR")"
fi

# ---- session C: a restart adds exactly what it counts ------------------------------
p_before=$(q 'SELECT sum(packets) FROM minutes')
f_before=$(q 'SELECT count(*) FROM flows')
if srv_start -i "$IF_RX" --db "$DB"; then
	lab_quiet
	tx0=$(tx_packets)
	trafgen_send 777 "$LAB_TMP/one.cfg" || echo "  trafgen one failed"
	lab_quiet
	sent=$(($(tx_packets) - tx0))
	check_eq "restart: tx sent 777" "$sent" 777
	wait_until 15 api_seen "$sent"
	srv_stop TERM
	check_eq "serve C: SIGTERM exits 0" "$SRV_RC" 0
	check_eq "restart: minutes grew by what was sent, no double counting" \
		"$(q 'SELECT sum(packets) FROM minutes')" $((p_before + sent))
	check_eq "restart: one new flow, written at stop with its counts" \
		"$(q "SELECT count(*) FROM flows") $(q "SELECT packets_fwd, bytes_fwd, ended FROM flows WHERE sport=42000 AND dport=9")" \
		"$((f_before + 1)) $sent|$((64 * sent))|stopped"
	check_eq "integrity_check after the restart" "$(q 'PRAGMA integrity_check')" ok
else
	fail "serve C start" "$(cat "$SRV_ERR")"
fi

# ---- retention: by age, by size ------------------------------------------------------
# The test's history plus 40000 made-up flows and minutes over the last 10 days.
RET=$LAB_TMP/ret.db
cp "$LAB_TMP/a.db" "$RET"
now=$(date +%s)
recent=$(sqlite3 "$RET" "SELECT count(*) FROM flows")
sqlite3 "$RET" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40000)
	INSERT INTO flows (interface, family, proto, src, sport, dst, dport, vlan, packets_fwd,
	bytes_fwd, packets_rev, bytes_rev, first_seen, last_seen, tcp_flags, state, ended)
	SELECT 'old0', 4, 17, '198.19.' || (i % 250) || '.' || (i % 199), i % 65536, '198.19.255.1',
	53, 0, i, i * 100, 0, 0, ($now - 864000 + i * 20) * 1000, ($now - 864000 + i * 20) * 1000,
	0, 'ingress-only', 'idle' FROM c WHERE abs(i * 20 - 432000) > 300;
	WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 14000)
	INSERT INTO minutes (interface, minute, packets, bytes) SELECT 'old0',
	($now - 864000) / 60 * 60 + i * 60, i, i * 64 FROM c
	WHERE abs(($now - 864000) / 60 * 60 + i * 60 - ($now - 432000)) > 300;"
check_true "made-up history over 1 MiB" [ "$(sqlite3 "$RET" \
	'SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()')" -gt 1048576 ]
# Kept by a 5-day retention, counted before the daemon opens the file (no made-up row
# lies within 5 minutes of the boundary: the daemon's clock may be a few seconds on).
want_kept="$(sqlite3 "$RET" "SELECT (SELECT count(*) FROM flows WHERE interface = 'old0' AND last_seen >= ($now - 432000) * 1000) || ' ' || (SELECT count(*) FROM minutes WHERE interface = 'old0' AND minute >= $now - 432000)")"
old_gone() {
	[ "$(sqlite3 "$RET" "SELECT count(*) FROM flows WHERE last_seen < ($now - 5 * 86400) * 1000" 2>/dev/null)" = 0 ]
}
if srv_start -i "$IF_RX" --db "$RET" --retention-days 5; then
	wait_until 15 old_gone
	check_eq "retention by age: nothing older than 5 days" \
		"$(sqlite3 "$RET" "SELECT (SELECT count(*) FROM flows WHERE last_seen < ($now - 5 * 86400) * 1000) + (SELECT count(*) FROM minutes WHERE minute < $now - 5 * 86400)")" 0
	check_eq "retention by age: the last 5 days kept (made-up flows, minutes)" \
		"$(sqlite3 "$RET" "SELECT (SELECT count(*) FROM flows WHERE interface = 'old0') || ' ' || (SELECT count(*) FROM minutes WHERE interface = 'old0')")" \
		"$want_kept"
	srv_stop TERM
	query --db "$RET" minutes -i old0 --top 3 --json >"$LAB_TMP/qm" 2>"$LAB_TMP/e"
	check_eq "query minutes -i old0 --top 3: the busiest, busiest first" \
		"$(json_get "$LAB_TMP/qm" '[(m["interface"], m["bytes"]) for m in j["minutes"]]')" \
		"$(sqlite3 "$RET" "SELECT '[' || group_concat('(''old0'', ' || bytes || ')', ', ') || ']' FROM (SELECT bytes FROM minutes WHERE interface = 'old0' ORDER BY bytes DESC LIMIT 3)")"
else
	fail "serve (retention by age) start" "$(cat "$SRV_ERR")"
fi
sz0=$(stat -c %s "$RET")
if srv_start -i "$IF_RX" --db "$RET" --max-db-mb 1; then
	trimmed() {
		[ "$(sqlite3 "$RET" 'SELECT (page_count - freelist_count) * page_size <= 1048576 FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()' 2>/dev/null)" = 1 ]
	}
	wait_until 15 trimmed
	check_true "retention by size: rows within 1 MiB" trimmed
	check_eq "retention by size: the newest kept (this test's flows)" \
		"$(sqlite3 "$RET" "SELECT count(*) FROM flows WHERE interface != 'old0'")" "$recent"
	check_true "retention by size: oldest went first" [ \
		"$(sqlite3 "$RET" "SELECT min(last_seen) > ($now - 5 * 86400) * 1000 + 3600000 FROM flows")" = 1 ]
	srv_stop TERM
	check_true "retention: the file shrank ($sz0 -> $(stat -c %s "$RET") bytes)" \
		[ "$(stat -c %s "$RET")" -lt "$sz0" ]
	check_eq "retention: integrity_check" "$(sqlite3 "$RET" 'PRAGMA integrity_check')" ok
else
	fail "serve (retention) start" "$(cat "$SRV_ERR")"
fi

# ---- bad databases -------------------------------------------------------------------
# A schema newer than this pktlens: refused by both, the file left as it was.
cp "$LAB_TMP/a.db" "$LAB_TMP/new.db"
sqlite3 "$LAB_TMP/new.db" "UPDATE schema_version SET version = 99"
in_rx "$PKTLENS" serve -i "$IF_RX" --db "$LAB_TMP/new.db" >/dev/null 2>"$LAB_TMP/e"
check_rc "serve --db with a newer schema: refused" $? 1
check_grep "newer schema: said" "$LAB_TMP/e" "new.db has schema 99, newer than this pktlens"
query --db "$LAB_TMP/new.db" flows >/dev/null 2>"$LAB_TMP/e"
check_rc "query with a newer schema: refused" $? 1
check_eq "newer schema: file untouched" "$(sqlite3 "$LAB_TMP/new.db" 'SELECT version FROM schema_version')" 99

echo "not a database, just text" >"$LAB_TMP/text.db"
in_rx "$PKTLENS" serve -i "$IF_RX" --db "$LAB_TMP/text.db" >/dev/null 2>"$LAB_TMP/e"
check_rc "serve --db on a text file: refused" $? 1
check_grep "text file: named, not SQLite" "$LAB_TMP/e" "$LAB_TMP/text.db is not an SQLite database"
query --db "$LAB_TMP/text.db" flows >/dev/null 2>"$LAB_TMP/e"
check_rc "query on a text file: refused" $? 1
sqlite3 "$LAB_TMP/other.db" "CREATE TABLE t (a)"
in_rx "$PKTLENS" serve -i "$IF_RX" --db "$LAB_TMP/other.db" >/dev/null 2>"$LAB_TMP/e"
check_rc "serve --db on another program's SQLite file: refused" $? 1
check_grep "foreign SQLite file: said" "$LAB_TMP/e" "not a pktlens history"
check_eq "foreign SQLite file untouched" "$(sqlite3 "$LAB_TMP/other.db" .tables)" t
in_rx "$PKTLENS" query --db "$LAB_TMP/none.db" minutes >/dev/null 2>"$LAB_TMP/e"
check_rc "query on a missing file: refused" $? 1
check_grep "missing file: named" "$LAB_TMP/e" "$LAB_TMP/none.db"
nothing_attached "after the refusals"

# Read-only and full file systems: tmpfs mounts in the rx mount namespace only.
mkdir -p "$LAB_TMP/ro" "$LAB_TMP/full"
if in_rx mount -t tmpfs -o size=4m tmpfs "$LAB_TMP/ro" &&
	in_rx cp "$LAB_TMP/a.db" "$LAB_TMP/ro/h.db" && in_rx mount -o remount,ro "$LAB_TMP/ro"; then
	in_rx "$PKTLENS" serve -i "$IF_RX" --db "$LAB_TMP/ro/h.db" >/dev/null 2>"$LAB_TMP/e"
	check_rc "serve --db on a read-only file system: refused" $? 1
	check_grep "read-only: named, said" "$LAB_TMP/e" "$LAB_TMP/ro/h.db.*(read-only|readonly)"
	in_rx "$PKTLENS" query --db "$LAB_TMP/ro/h.db" top-talkers --json >"$LAB_TMP/qt" 2>"$LAB_TMP/e"
	check_rc "query reads a read-only copy" $? 0
	check_eq "query of the read-only copy: the same talkers" \
		"$(json_get "$LAB_TMP/qt" 'len(j["talkers"]) > 0')" True
else
	fail "read-only tmpfs" "could not mount"
fi
if in_rx mount -t tmpfs -o size=160k tmpfs "$LAB_TMP/full" &&
	srv_start -i "$IF_RX" --db "$LAB_TMP/full/h.db" --flows 4096 --idle-timeout 1; then
	heavy_start
	wait_until 20 grep -q "disk is full" "$SRV_ERR"
	check_grep "full disk: named, said" "$SRV_ERR" "$LAB_TMP/full/h.db: the disk is full"
	check_http "full disk: the API still answers" 200 GET /api/v1/stats
	check_http "full disk: GET /metrics" 200 GET /metrics
	check_true "full disk: metrics count the failed writes" [ \
		"$(awk '$1 == "pktlens_history_write_errors_total" { print $2 }' "$LAB_TMP/body")" -gt 0 ]
	heavy_stop
	srv_stop TERM
	check_eq "full disk: SIGTERM still exits 0" "$SRV_RC" 0
	check_grep "full disk: what could not be written is said" "$SRV_ERR" "could not be written"
	check_eq "full disk: the file passes integrity_check" \
		"$(in_rx sqlite3 "$LAB_TMP/full/h.db" 'PRAGMA integrity_check' 2>&1)" ok
else
	fail "full tmpfs" "$(cat "$SRV_ERR" 2>/dev/null)"
fi

# ---- full tier: two minutes, each row exact ------------------------------------------
if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	DB=$LAB_TMP/two.db
	if srv_start -i "$IF_RX" --db "$DB"; then
		# Sent and read well inside a minute: from its 5th second, read before its 50th.
		minute_is_not() { [ "$(minute_now)" != "$1" ]; }
		at_second() { local s=$(($(date +%s) % 60)); [ "$s" -ge 5 ] && [ "$s" -le 20 ]; }
		declare -A want=()
		for burst in 1111 2222; do
			wait_until 70 at_second
			m=$(minute_now)
			tx0=$(tx_packets)
			trafgen_send "$burst" "$LAB_TMP/one.cfg"
			lab_quiet
			want[$m]=$(($(tx_packets) - tx0))
			wait_until 20 rows_are "SELECT packets FROM minutes WHERE minute=$m" "${want[$m]}"
			check_eq "minute $m holds its burst alone" "$(minute_now)" "$m"
			wait_until 70 minute_is_not "$m"
		done
		for m in "${!want[@]}"; do
			check_eq "minute $m: packets and bytes" \
				"$(q "SELECT packets || ' ' || bytes FROM minutes WHERE minute=$m")" \
				"${want[$m]} $((64 * ${want[$m]}))"
		done
		srv_stop TERM
	else
		fail "serve (two minutes) start" "$(cat "$SRV_ERR")"
	fi
fi

finish
