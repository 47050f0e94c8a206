#!/usr/bin/env bash
# test_serve_drops.sh - `pktlens serve --drops`: GET /api/v1/drops and /metrics carry
# the kernel's drops of the packets received on the watched veth, by reason, held
# against what the kernel itself counted (test_drops.sh's references):
#   NETFILTER_DROP  UDP to port 7001, dropped by an nftables rule  == the rule's counter
#   NO_SOCKET       UDP to closed port 7002                        == nstat UdpNoPorts delta
#   OTHERHOST       frames to another MAC address                  == frames trafgen sent
# the interface filter, promtool, the OpenAPI description; without --drops the
# endpoint is 404 and /metrics has no drops.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen nft nstat curl

N_NFT=200 N_NOSOCK=300 N_OTHER=250
MAC_OTHER=02:00:c6:12:00:99
lab_up || { fail "lab" "could not build the namespaces"; finish; }

in_rx nft -f - <<EOF || fail "nft" "could not add the rule"
table inet pltest {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7001 counter name "dropped" drop
	}
	counter dropped { }
}
EOF
frame() { echo "{ eth(da=$2, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=$3), fill(0x41, 22) }" >"$LAB_TMP/$1.cfg"; }
frame nft "$MAC_RX" 7001
frame nosock "$MAC_RX" 7002
frame other "$MAC_OTHER" 7006
rx_snmp() {
	in_rx nstat -asz "$1" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
nft_count() {
	in_rx nft -j list counter inet pltest dropped 2>/dev/null |
		"$PY" -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
    if "counter" in o: print(o["counter"]["packets"])'
}

# Without --drops.
if srv_start -i "$IF_RX" --no-db; then
	check_grep "start line: drops off" "$SRV_ERR" "drops off;"
	check_http "GET /api/v1/drops without --drops" 404 GET /api/v1/drops
	check_grep "and says how to turn it on" "$LAB_TMP/body" "start pktlens serve with --drops"
	http GET /metrics >/dev/null
	check_eq "no drops in /metrics" "$(grep -c '^pktlens_kernel_drops' "$LAB_TMP/body")" 0
	srv_stop TERM
else
	fail "serve start" "$(cat "$SRV_ERR")"
fi

if ! srv_start -i "$IF_RX" --no-db --drops; then
	fail "serve --drops start" "$(cat "$SRV_ERR")"
	finish
fi
check_grep "start line: drops on" "$SRV_ERR" "drops on;"
lab_quiet
base_nosock=$(rx_snmp UdpNoPorts)
trafgen_send "$N_NFT" "$LAB_TMP/nft.cfg" || echo "  trafgen nft failed"
trafgen_send "$N_NOSOCK" "$LAB_TMP/nosock.cfg" || echo "  trafgen nosock failed"
trafgen_send "$N_OTHER" "$LAB_TMP/other.cfg" || echo "  trafgen other failed"
lab_quiet
ref_nft=$(nft_count)
ref_nosock=$(($(rx_snmp UdpNoPorts) - base_nosock))
check_eq "the kernel counted what was sent (nft, UdpNoPorts)" "$ref_nft $ref_nosock" "$N_NFT $N_NOSOCK"
want=$((ref_nft + ref_nosock + N_OTHER))
api_total() { http GET /api/v1/drops >/dev/null; [ "$(body 'j["drops_total"]')" -ge "$want" ] 2>/dev/null; }
check_true "the API reaches the total (read once a second)" wait_until 10 api_total
check_http "GET /api/v1/drops" 200 GET /api/v1/drops
check_eq "total == nft + UdpNoPorts + frames to another MAC" "$(body 'j["drops_total"]')" "$want"
check_eq "counting the served interface" "$(body 'j["counting"]')" "$IF_RX"
check_eq "by reason, each == the kernel's own count" \
	"$(body 'sorted((e["interface"], e["reason"], e["drops_total"]) for e in j["by_reason"])')" \
	"[('$IF_RX', 'NETFILTER_DROP', $ref_nft), ('$IF_RX', 'NO_SOCKET', $ref_nosock), ('$IF_RX', 'OTHERHOST', $N_OTHER)]"
check_eq "entries: NO_SOCKET udp/7002" \
	"$(body '[e["drops_total"] for e in j["entries"] if e["reason"] == "NO_SOCKET" and e["proto"] == "udp" and e["port"] == 7002 and e["l3"] == "ipv4"]')" "[$ref_nosock]"
check_http "?interface=$IF_RX" 200 GET "/api/v1/drops?interface=$IF_RX"
check_eq "the same total" "$(body 'j["drops_total"]')" "$want"
check_http "?interface=lo" 200 GET "/api/v1/drops?interface=lo"
check_eq "nothing there" "$(body '(j["drops_total"], j["by_reason"], j["entries"])')" "(0, [], [])"
check_http "bad parameter" 400 GET "/api/v1/drops?top=3"
check_http "GET /metrics" 200 GET /metrics
for r in NETFILTER_DROP:$ref_nft NO_SOCKET:$ref_nosock OTHERHOST:$N_OTHER; do
	check_grep "metrics: ${r%%:*}" "$LAB_TMP/body" \
		"^pktlens_kernel_drops_total\{interface=\"$IF_RX\",reason=\"${r%%:*}\"\} ${r#*:}$"
done
check_grep "metrics: the table was never full" "$LAB_TMP/body" "^pktlens_kernel_drops_table_full_total 0$"
if command -v promtool >/dev/null 2>&1; then
	check_true "promtool check metrics" eval "promtool check metrics <$LAB_TMP/body >$LAB_TMP/promtool.out 2>&1"
fi

srv_stop TERM
check_rc "SIGTERM" "$SRV_RC" 0

# Linux allows a quote and a backslash in an interface name: every series of /metrics
# (drops, L7, TCP, alerts, the counters) escapes them, and promtool accepts the whole.
QIF='q"x\' N_Q=30
if in_rx ip link add "$QIF" type veth peer name qpeer && in_rx ip link set "$QIF" up &&
	in_rx ip link set qpeer up; then
	frame q "$MAC_OTHER" 7006
	# Detection and TCP tracking off: their series print the name as the others do
	# (one escaper), and the start is shorter.
	if srv_start -i "$QIF" --no-db --drops --mode tc --no-detect --no-tcp; then
		in_rx timeout 20 trafgen --cpus 1 -q -n "$N_Q" -i "$LAB_TMP/q.cfg" -o qpeer -C \
			>"$LAB_TMP/trafgen.log" 2>&1 || echo "  trafgen on qpeer failed"
		q_drops() {
			http GET /metrics >/dev/null
			grep -Fqx "pktlens_kernel_drops_total{interface=\"q\\\"x\\\\\",reason=\"OTHERHOST\"} $N_Q" \
				"$LAB_TMP/body"
		}
		check_true "metrics: the quote and backslash of the name escaped" wait_until 10 q_drops
		check_eq "no series with the raw name" "$(grep -Fc 'interface="q"x' "$LAB_TMP/body")" 0
		check_true "promtool check metrics (name with \" and \\)" \
			eval "promtool check metrics <$LAB_TMP/body >$LAB_TMP/promtool.out 2>&1"
		srv_stop TERM
	else
		fail "serve -i '$QIF' start" "$(cat "$SRV_ERR")"
	fi
else
	fail "setup" "could not add the interface '$QIF'"
fi
nothing_attached "at the end"
finish
