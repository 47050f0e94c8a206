#!/usr/bin/env bash
# test_filter_expr.sh - a tcpdump expression given to `analyze` and `monitor` makes
# them count only the packets that match, decided by the filter running in the kernel.
#
# Live: `monitor EXPR` in native, generic and tc mode counts exactly the frames of
# the stream that matches and none of the others.
# Offline: for a capture of mixed traffic (recorded here with tcpdump from the lab,
# and Ethernet captures of the shared corpus when ../shared/corpus exists),
# `analyze -r F EXPR` counts exactly as many packets as `tcpdump -r F EXPR` prints.
# Like tcpdump, analyze and capture take the expression in several words with options
# after it (-c, -w, --json), and -- ends the options.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen tcpdump

EXPRS=("udp" "tcp" "icmp or icmp6" "udp and dst port 7000" "not udp"
	"src host 198.18.0.1 and udp" "ip6" "vlan" "vlan 100 and udp" "len > 100"
	"tcp[tcpflags] & tcp-syn != 0" "ip[2:2] > 60 and ip")

lab_up || { fail "lab" "could not build the namespaces"; finish; }

cat >"$LAB_TMP/match.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40000, dp=7000), fill(0x41, 22) }
EOF
cat >"$LAB_TMP/other.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40000, dp=7001), fill(0x42, 22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv6(sa=$IP6_TX, da=$IP6_RX), tcp(sp=40000, dp=7000, syn), fill(0x43, 10) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40100, dp=7000), fill(0x44, 200) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), icmp4(echorequest, id=7, seq=1), fill(0x45, 22) }
EOF

# ---- live: only matching frames are counted, in every mode -----------------------
N_MATCH=3000 N_OTHER=2000 # other.cfg cycles through its 4 frames: 500 each
for mode in native generic tc; do
	if ! mon_start 30 --mode "$mode" "udp and dst port 7000 and not vlan"; then
		fail "$mode: monitor with an expression attached" "$(tail -n 3 "$MON_ERR")"
		continue
	fi
	rx0=$(rx_packets)
	trafgen_send "$N_MATCH" "$LAB_TMP/match.cfg"
	trafgen_send "$N_OTHER" "$LAB_TMP/other.cfg"
	sleep 1.2
	mon_stop INT
	# Counting only the matching frames means something only if the others arrived.
	check_eq "$mode: every frame sent reached $IF_RX" "$(($(rx_packets) - rx0))" \
		$((N_MATCH + N_OTHER))
	check_eq "$mode: monitor counts only matching frames" \
		"$(json_get "$MON_OUT" 'j["total"]["packets"]')" "$N_MATCH"
	check_eq "$mode: the matching flow holds them all" \
		"$(json_get "$MON_OUT" 'flow("udp", 40000, 7000)["packets"]')" "$N_MATCH"
done

# Record the mixed traffic with tcpdump for the offline checks.
CAP=$LAB_TMP/mixed.pcap
in_rx timeout 30 tcpdump -i "$IF_RX" -w "$CAP" -c $((N_MATCH + N_OTHER)) >/dev/null 2>"$LAB_TMP/td.err" &
TD=$!
LAB_PIDS+=("$TD")
wait_grep "$LAB_TMP/td.err" "listening on" "$TD" || fail "tcpdump starts" "$(cat "$LAB_TMP/td.err")"
trafgen_send "$N_MATCH" "$LAB_TMP/match.cfg"
trafgen_send "$N_OTHER" "$LAB_TMP/other.cfg"
wait "$TD"
check_rc "tcpdump recorded the mixed traffic" "$?" 0
# A short or empty capture would make the comparisons below agree on nothing.
check_eq "the mixed capture holds every frame sent" "$(tcpdump -nr "$CAP" 2>/dev/null | wc -l)" \
	$((N_MATCH + N_OTHER))

# ---- offline: analyze EXPR == tcpdump -r F EXPR, packet for packet ---------------
analyze_vs_tcpdump() { # FILE LABEL
	local f=$1 label=$2 e want got bad=0
	for e in "${EXPRS[@]}"; do
		want=$(tcpdump -nr "$f" "$e" 2>/dev/null | wc -l)
		"$PKTLENS" analyze -r "$f" --json "$e" >"$LAB_TMP/an.json" 2>/dev/null
		got=$(json_get "$LAB_TMP/an.json" 'j["total"]["packets"]')
		if [ "$got" != "$want" ]; then
			fail "$label: analyze '$e'" "pktlens $got, tcpdump $want"
			bad=1
		fi
	done
	[ $bad -eq 0 ] && ok "$label: analyze matches tcpdump for ${#EXPRS[@]} expressions"
}
analyze_vs_tcpdump "$CAP" "lab capture"

# As tcpdump takes them: the expression in several words, options after it.
want=$(tcpdump -nr "$CAP" udp and dst port 7000 2>/dev/null | wc -l)
"$PKTLENS" analyze -r "$CAP" udp and dst port 7000 --json >"$LAB_TMP/after.json" 2>"$LAB_TMP/after.err"
check_rc "analyze: an option after the expression" $? 0
check_eq "analyze: an option after a several-word expression counts what tcpdump does" \
	"$(json_get "$LAB_TMP/after.json" 'j["total"]["packets"]')" "$want"
"$PKTLENS" analyze -r "$CAP" --json -- udp >"$LAB_TMP/after.json" 2>"$LAB_TMP/after.err"
check_rc "analyze: -- ends the options" $? 0
check_eq "analyze: the expression after -- is applied" \
	"$(json_get "$LAB_TMP/after.json" 'j["total"]["packets"]')" \
	"$(tcpdump -nr "$CAP" udp 2>/dev/null | wc -l)"
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" udp and dst port 7000 -c 5 -w "$LAB_TMP/after.pcap" \
	>/dev/null 2>"$LAB_TMP/after.err" &
CP=$!
LAB_PIDS+=("$CP")
sleep 1.5
trafgen_send 50 "$LAB_TMP/match.cfg"
wait "$CP"
check_rc "capture: -c and -w after the expression" $? 0
check_eq "capture: -c after the expression stops at 5 matching packets" \
	"$(tcpdump -nr "$LAB_TMP/after.pcap" 'udp and dst port 7000' 2>/dev/null | wc -l)" 5

"$PKTLENS" analyze -r "$CAP" --json "tcp port" >"$LAB_TMP/bad.out" 2>"$LAB_TMP/bad.err"
check_rc "analyze with an invalid expression" $? 2
# libpcap's own words, as tcpdump prints them ("invalid filter expression" is pktlens's).
want=$(tcpdump -d "tcp port" 2>&1 >/dev/null | sed -n 's/^tcpdump: //p' | tail -n 1)
if [ -n "$want" ] && grep -qF -- "$want" "$LAB_TMP/bad.err"; then
	ok "libpcap's message is shown ($want)"
else
	fail "libpcap's message is shown" "want '$want' in: $(head -c 300 "$LAB_TMP/bad.err")"
fi

: "${CORPUS:=$E2E_ROOT/../shared/corpus}"
if [ -d "$CORPUS/tcpdump" ]; then
	corpus=()
	for f in "$CORPUS"/tcpdump/{dns,ipv6,tcp,udp,icmp,vlan,arp,frag}*.pcap; do
		[ -f "$f" ] || continue
		tcpdump -r "$f" -c 1 2>&1 >/dev/null | grep -q 'link-type EN10MB' || continue
		corpus+=("$f")
		[ ${#corpus[@]} -ge 25 ] && break
	done
	# One analyze for all of them per expression (-r repeated), each report held
	# against tcpdump -r on its own file.
	bad=0
	for e in "${EXPRS[@]}"; do
		args=()
		for f in "${corpus[@]}"; do args+=(-r "$f"); done
		"$PKTLENS" analyze "${args[@]}" --json "$e" >"$LAB_TMP/an.json" 2>/dev/null
		"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    print(j["source"], j["total"]["packets"])' "$LAB_TMP/an.json" >"$LAB_TMP/an.counts" 2>&1
		for f in "${corpus[@]}"; do
			want=$(tcpdump -nr "$f" "$e" 2>/dev/null | wc -l)
			got=$(awk -v f="$f" '$1 == f { print $2 }' "$LAB_TMP/an.counts")
			if [ "$got" != "$want" ]; then
				fail "corpus $(basename "$f"): analyze '$e'" "pktlens ${got:-no report}, tcpdump $want"
				bad=1
			fi
		done
	done
	[ $bad -eq 0 ] && ok "corpus: analyze matches tcpdump on ${#corpus[@]} Ethernet captures for ${#EXPRS[@]} expressions"
	# A corpus with no Ethernet capture left to compare would otherwise pass silently.
	check_eq "corpus: Ethernet captures compared" "$([ ${#corpus[@]} -gt 0 ] && echo yes)" yes
else
	skip "corpus captures" "$CORPUS not found"
fi
finish
