# shellcheck shell=bash
# detect.sh - sourced after netns.sh by the detection tests: the reference capture
# (tcpdump on the rx side), reading alerts out of EVE files and JSON reports, and
# attacker addresses on the tx side.

# ref_start: tcpdump on the rx interface, both directions, every packet to $REF_PCAP.
ref_start() {
	REF_PCAP=$LAB_TMP/ref.pcap REF_ERR=$LAB_TMP/ref.err
	: >"$REF_ERR"
	nsenter -t "$RX_HOLD" -m -n -- tcpdump -n -U --immediate-mode -s 256 -B 32768 -i "$IF_RX" \
		-w "$REF_PCAP" >/dev/null 2>"$REF_ERR" &
	REF_PID=$!
	LAB_PIDS+=("$REF_PID")
	wait_grep "$REF_ERR" "listening on" "$REF_PID"
}

ref_stop() {
	kill -INT "$REF_PID" 2>/dev/null
	pid_wait "$REF_PID" 10
}

# tx_addrs A...: more addresses on the tx side (198.18.0.A), known to the rx side.
tx_addrs() {
	local a
	for a in "$@"; do
		in_tx ip addr add "198.18.0.$a/24" dev "$IF_TX"
		ip netns exec "$NS_RX" ip neigh replace "198.18.0.$a" lladdr "$MAC_TX" dev "$IF_RX" \
			nud permanent
	done
}

# alerts_of FILE: "SID SRC DST MS" per EVE alert line of FILE (MS: its time stamp in
# Unix milliseconds), or per alert of the last JSON report's "alerts" list.
alerts_of() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
from datetime import datetime
out = []
try:
    text = open(sys.argv[1], errors="replace").read()
except OSError:
    sys.exit(0)
def ms(ts):
    for f in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            d = datetime.strptime(ts, f)
            if d.tzinfo is None:
                from datetime import timezone
                d = d.replace(tzinfo=timezone.utc)
            return int(d.timestamp() * 1000)
        except ValueError:
            pass
    return 0
docs = []
for line in text.splitlines():
    line = line.strip()
    if line.startswith("{"):
        try:
            docs.append(json.loads(line))
        except ValueError:
            pass
if not docs:
    try:
        docs = [json.loads(text)]
    except ValueError:
        pass
for d in docs:
    if d.get("event_type") == "alert":
        print(d["alert"]["signature_id"], d.get("src_ip", "-"), d.get("dest_ip", "-"),
              ms(d["timestamp"]))
    for a in d.get("alerts", []) or []:
        print(a["signature_id"], a["src_ip"], a["dest_ip"], ms(a["first"]))
PYEOF
}

# alert_ms FILE SID SRC: the time (Unix ms) of the first alert SID from SRC, or nothing.
alert_ms() {
	alerts_of "$1" | awk -v s="$2" -v a="$3" '$1 == s && ($2 == a || a == "") { print $4; exit }'
}
has_alert() { [ -n "$(alert_ms "$@")" ]; }
# alert_dst_ms FILE SID DST: the same, by the victim.
alert_dst_ms() {
	alerts_of "$1" | awk -v s="$2" -v a="$3" '$1 == s && $3 == a { print $4; exit }'
}
has_alert_dst() { [ -n "$(alert_dst_ms "$@")" ]; }

# check_alert NAME FILE SID SRC T0 [MAX_MS]: SID from SRC alerted within MAX_MS (default
# 1000) of T0 (Unix ms before the tool started); waits up to 5 s for it.
check_alert() {
	local name=$1 file=$2 sid=$3 src=$4 t0=$5 max=${6:-1000} t
	wait_until 5 has_alert "$file" "$sid" "$src"
	t=$(alert_ms "$file" "$sid" "$src")
	if [ -z "$t" ]; then
		fail "$name: alert $sid from $src" "none; alerts: $(alerts_of "$file" | tr '\n' ';')"
	elif [ $((t - t0)) -le "$max" ]; then
		ok "$name: alert $sid from $src $((t - t0)) ms after onset"
	else
		fail "$name: alert $sid from $src within $max ms" "after $((t - t0)) ms"
	fi
}

# onset_ms T0 FILTER...: Unix ms of the first packet of the reference capture at or after
# T0 (ms) that matches the tcpdump FILTER (the attack's onset as it reached the target);
# T0 itself when there is none.
onset_ms() {
	local t0=$1
	shift
	tcpdump -tt -n -r "$REF_PCAP" "$@" 2>/dev/null |
		awk -v t0="$t0" '{ split($1, a, "."); ms = a[1] * 1000 + substr(a[2] "000", 1, 3);
			if (ms >= t0) { printf "%.0f\n", ms; found = 1; exit } } END { if (!found) print t0 }'
}
