#!/usr/bin/env bash
# test_protect_auto.sh - issue 15's automatic blocks from signatures and amplification,
# with protect's options from a [protect] section (signatures = FILE). What reaches the
# target is counted by nftables there (after XDP); what was sent is what the test sent.
#  - signatures: a `drop` rule's alert blocks its source (EVE alert.action "blocked"),
#    a later burst from it does not reach the target; an `alert` rule's alert stays
#    "allowed" and its source's burst arrives whole; `blocked` shows the block as origin
#    auto with the sid; SIGHUP reads the signatures file again (a new drop rule blocks;
#    a file that does not load keeps the ones in force);
#  - amplification: large UDP answers from port 123 of random reflectors, never asked
#    for, alerted (sid 9100010, action "blocked"): then large answers from port 123 and
#    53 of another reflector are dropped in XDP, short ones from port 123 arrive, and the
#    target's own DNS query to a dnsmasq on the tx side gets its (short) answer (what
#    the block stops: UDP from the amplifier ports in frames of at least
#    amplification-min-bytes);
#  - the same protect through `pktlens serve` (in tc beside protect's XDP):
#    GET /api/v1/rules lists the automatic blocks; POST /api/v1/rules/block with the
#    token blocks a source (its datagrams no longer reach the target, the rule counts
#    what was sent), /unblock removes it (they arrive again); refusals: no token 401,
#    bad body 400, the host's own address or the same rule again 409, no protect on
#    the interface named 404; every answer held to docs/openapi.yaml (the paths under
#    /api/v1/rules: test_serve.sh holds the others);
#  - IPv6 amplification (after serve): large answers from a 2001:db8:: reflector pass
#    before the alert (the IPv4 blocks do not cover IPv6); 488-byte answers from port
#    123 of random 2001:db8:: reflectors (frames written on the tx link) are alerted
#    "blocked"; then large answers from port 123 and 53 are dropped, short ones arrive;
#  - PL_TEST_FULL=1: a DNS answer of 400 bytes or more from the resolver is dropped
#    while the amplification block lasts (what it costs); --dry-run, the same drop
#    signature alerted "would-block" and its source's burst arriving whole, and the
#    same reflected flood alerted "would-block" with the flood and later large answers
#    from port 123 arriving whole.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools hping3 nft dig dnsmasq curl

lab_up || { fail "lab" "could not build the namespaces"; finish; }
tx_addrs 41 42 43 44 52 53
N=300
DNS=198.18.0.53

# The tx side's resolver: a short A answer and a long TXT one.
BIG=$(printf 'x%.0s' $(seq 240))
in_tx timeout 60 dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address="$DNS" --port=53 --address=/a.pl.test/198.18.9.9 \
	--txt-record=big.pl.test,"$BIG","$BIG" --pid-file="$LAB_TMP/dnsmasq.pid" --user=root \
	>"$LAB_TMP/dnsmasq.log" 2>&1 &
LAB_PIDS+=($!)
udp_listening() { in_tx ss -Hlnu "sport = :53" | grep -q .; }
wait_until 10 udp_listening || fail "setup" "dnsmasq is not listening"
# query NAME TYPE: what the target's resolver query gets (empty: no answer in 1 s)
query() { in_rx dig +short +time=1 +tries=1 @"$DNS" "$1" "$2" 2>/dev/null | grep -v '^;'; }

cat >"$LAB_TMP/sigs.rules" <<'EOF'
drop udp any any -> any 7001 (msg:"pl test drop"; content:"PLDROPME"; sid:7000001; rev:1;)
alert udp any any -> any 7002 (msg:"pl test alert"; content:"PLALERTME"; sid:7000002; rev:1;)
EOF
printf '[protect]\nsignatures = %s\nblock-ttl = 60\n' "$LAB_TMP/sigs.rules" >"$LAB_TMP/pl.conf"

action_of() { # FILE SID [SRC]: EVE alert.action of the first alert SID (from SRC)
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event_type") == "alert" and d["alert"]["signature_id"] == int(sys.argv[2]) \
       and (len(sys.argv) < 4 or d["src_ip"] == sys.argv[3]):
        print(d["alert"]["action"]); break' "$@" 2>/dev/null
}
action_dst() { # FILE SID DST: EVE alert.action of the first alert SID against DST
	"$PY" -c 'import ipaddress, json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("event_type") == "alert" and d["alert"]["signature_id"] == int(sys.argv[2]) \
       and ipaddress.ip_address(d["dest_ip"]) == ipaddress.ip_address(sys.argv[3]):
        print(d["alert"]["action"]); break' "$@" 2>/dev/null
}
# send SRC PORT TEXT: one UDP datagram with TEXT from SRC to the target's PORT
send() {
	in_tx "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))' "$1" "$IP4_RX" "$2" "$3"
}
# protect_run ARGS...: protect in the background, EVE on (L7 on for the signatures)
protect_run() {
	MON_N=$((MON_N + 1))
	MON_OUT=$LAB_TMP/p$MON_N.json MON_ERR=$LAB_TMP/p$MON_N.err EVE=$LAB_TMP/p$MON_N.eve
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect -i "$IF_RX" --json --duration 60 \
		--interval 0.25 --eve "$EVE" "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	wait_grep "$MON_ERR" "protect: " "$MON_PID"
}
# burst COUNTER SRC SPORT DPORT BYTES: N UDP datagrams of BYTES from SRC:SPORT (0: any)
# to the target's DPORT; the nft counter COUNTER's growth
burst() {
	local c=$1 before
	shift
	before=$(nft_count "$c")
	in_tx timeout 20 "$PY" -c 'import socket, sys, time
src, sport, dst, dport, size, n = sys.argv[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, int(sport)))
for i in range(int(n)):
    s.sendto(b"x" * int(size), (dst, int(dport)))
    if i % 50 == 49:
        time.sleep(0.002)' "$1" "$2" "$IP4_RX" "$3" "$4" "$N" 2>/dev/null
	lab_quiet
	echo $(($(nft_count "$c") - before))
}

# burst6 COUNTER SRC SPORT DPORT BYTES [COUNT]: COUNT (N) UDP datagrams of BYTES over IPv6
# from SRC (rand: a random 2001:db8:: reflector each) to the target's DPORT, written as
# frames on the tx link (a spoofed source needs no address there); COUNTER's growth
burst6() {
	local c=$1 before
	shift
	before=$(nft_count "$c")
	in_tx env PYTHONPATH="$E2E_ROOT/tests/lib" timeout 20 "$PY" -c 'import random, socket, struct, sys, time
from pcapgen import csum
src, sport, dst, dport, size, n, ifname, smac, dmac = sys.argv[1:]
d6 = socket.inet_pton(socket.AF_INET6, dst)
eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + b"\x86\xdd"
k = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
k.bind((ifname, 0))
data = b"x" * int(size)
ulen = 8 + len(data)
for i in range(int(n)):
    if src == "rand":
        s6 = socket.inet_pton(socket.AF_INET6, "2001:db8:%x:%x::%x" % (random.randrange(1, 65536),
                              random.randrange(65536), random.randrange(1, 65536)))
    else:
        s6 = socket.inet_pton(socket.AF_INET6, src)
    u = struct.pack("!HHHH", int(sport), int(dport), ulen, 0) + data
    ck = csum(s6 + d6 + struct.pack("!IxxxB", ulen, 17) + u) or 0xffff
    u = u[:6] + struct.pack("!H", ck) + u[8:]
    ip = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s6 + d6
    k.send(eth + ip + u)
    if i % 50 == 49:
        time.sleep(0.002)' "$1" "$2" "$IP6_RX" "$3" "$4" "${5:-$N}" "$IF_TX" "$MAC_TX" "$MAC_RX" 2>/dev/null
	lab_quiet
	echo $(($(nft_count "$c") - before))
}

# monitor takes --signatures as its --rules: the same loading, the same errors
in_rx "$PKTLENS" monitor -i "$IF_RX" --signatures "$LAB_TMP/none.rules" >"$LAB_TMP/o1" 2>&1
check_rc "monitor --signatures MISSING fails" "$?" 1
check_grep "... naming the file" "$LAB_TMP/o1" "none.rules"
in_rx "$PKTLENS" protect -i "$IF_RX" --signatures "$LAB_TMP/sigs.rules" --l7-packets 0 \
	>"$LAB_TMP/o2" 2>&1
check_rc "protect --signatures with L7 off is a usage error" "$?" 2
check_grep "... saying why" "$LAB_TMP/o2" "signatures match L7's samples"
check_eq "the resolver answers before any block" "$(query a.pl.test A)" 198.18.9.9
nft_count_start "ip saddr 198.18.0.41 udp dport 7003" "ip saddr 198.18.0.42 udp dport 7003" \
	"ip saddr 198.18.0.52 udp sport 123 meta length >= 400" \
	"ip saddr 198.18.0.52 udp sport 123 meta length < 400" \
	"ip saddr 198.18.0.52 udp sport 53 meta length >= 400" \
	"ip6 saddr 2001:db8::52 udp sport 123 meta length >= 400" \
	"ip6 saddr 2001:db8::52 udp sport 123 meta length < 400" \
	"ip6 saddr 2001:db8::52 udp sport 53 meta length >= 400" \
	"ip saddr != 198.18.0.52 udp sport 123 udp dport 40000"

# serve (tc) starts meanwhile; its answers are checked below
TOKEN=pl-rules-token-0123456789abcdef
(umask 077 && echo "$TOKEN" >"$LAB_TMP/token")
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
SRV_ERR=$LAB_TMP/serve.err
nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" serve --no-db -i "$IF_RX" --mode tc --l7-packets 0 \
	--token-file "$LAB_TMP/token" 2>"$SRV_ERR" &
SRV_PID=$!
LAB_PIDS+=("$SRV_PID")
protect_run --config "$LAB_TMP/pl.conf" ||
	{ fail "protect starts with [protect] signatures" "$(cat "$MON_ERR")"; finish; }
ok "protect starts with [protect] signatures = FILE"

send 198.18.0.41 7001 "xx PLDROPME xx"
send 198.18.0.42 7002 "xx PLALERTME xx"
wait_until 5 has_alert "$EVE" 7000001 198.18.0.41
wait_until 5 has_alert "$EVE" 7000002 198.18.0.42
check_eq "drop signature: alert blocked" "$(action_of "$EVE" 7000001 198.18.0.41)" blocked
check_eq "alert signature: alert allowed" "$(action_of "$EVE" 7000002 198.18.0.42)" allowed
got=$(burst 1 198.18.0.41 0 7003 32)
[ "$got" -le $((N / 100)) ] && ok "drop signature's source: $got of $N reached the target" ||
	fail "drop signature's source: <= 1 % reached the target" "$got of $N"
check_eq "alert signature's source is not blocked" "$(burst 2 198.18.0.42 0 7003 32)" "$N"
# the automatic block is told from a manual one, with the sid that made it
in_rx "$PKTLENS" blocked --json -i "$IF_RX" >"$LAB_TMP/bl.json" 2>&1
check_eq "blocked --json: the drop signature's block is origin auto, its sid" \
	"$(json_get "$LAB_TMP/bl.json" "[(r['origin'], r.get('sid')) for r in j['mitigation']['rules'] if r.get('cidr', '').startswith('198.18.0.41')]")" \
	"[('auto', 7000001)]"
in_rx "$PKTLENS" blocked -i "$IF_RX" >"$LAB_TMP/bl.txt" 2>&1
check_true "blocked: the same as auto with (sid 7000001)" \
	grep -qE "198\.18\.0\.41(/32)? \(sid 7000001\) +auto " "$LAB_TMP/bl.txt"

# SIGHUP reads the signatures again: a new drop rule blocks; a file that does not load
# keeps the ones in force (and says why).
cp "$LAB_TMP/sigs.rules" "$LAB_TMP/sigs.orig"
echo 'drop udp any any -> any 7001 (msg:"pl test new"; content:"PLNEWDROP"; sid:7000003; rev:1;)' \
	>>"$LAB_TMP/sigs.rules"
sighup() { # WHAT: SIGHUP protect, wait for a line with WHAT on its stderr
	local n
	n=$(wc -l <"$MON_ERR")
	kill -HUP "$MON_PID"
	wait_until 5 sh -c "tail -n +$((n + 1)) '$MON_ERR' | grep -q '$1'"
}
sighup "reloaded the signatures"
check_grep "SIGHUP reloads the signatures" "$MON_ERR" "reloaded the signatures .*sigs.rules: 3 in force"
send 198.18.0.43 7001 "xx PLNEWDROP xx"
wait_until 5 has_alert "$EVE" 7000003 198.18.0.43
check_eq "... its new drop signature: alert blocked" "$(action_of "$EVE" 7000003 198.18.0.43)" blocked
echo 'drop udp any any -> any 7001 (msg:"bad"; content:"X"; sid:oops;)' >"$LAB_TMP/sigs.rules"
sighup "signatures .* failed"
check_grep "a bad signatures file: says so, the ones in force stay" "$MON_ERR" \
	"reloading the signatures .* failed .*in force stay"
send 198.18.0.44 7001 "xx PLNEWDROP xx"
wait_until 5 has_alert "$EVE" 7000003 198.18.0.44
check_eq "... the new drop signature still blocks" "$(action_of "$EVE" 7000003 198.18.0.44)" blocked
cp "$LAB_TMP/sigs.orig" "$LAB_TMP/sigs.rules"

# Reflection: 468-byte NTP answers (monlist's size) from random reflectors.
in_tx timeout 20 hping3 -2 -s 123 -k -p 40000 -d 426 -i u1000 -c "$N" --rand-source \
	"$IP4_RX" >/dev/null 2>&1
wait_until 5 has_alert_dst "$EVE" 9100010 "$IP4_RX"
check_eq "amplification: alert blocked" "$(action_of "$EVE" 9100010)" blocked
lab_quiet
got=$(burst 3 198.18.0.52 123 40001 426)
[ "$got" -le $((N / 100)) ] && ok "large answers from port 123: $got of $N reached the target" ||
	fail "large answers from port 123: <= 1 % reached the target" "$got of $N"
got=$(burst 5 198.18.0.52 53 40002 426)
[ "$got" -le $((N / 100)) ] && ok "large answers from port 53: $got of $N reached the target" ||
	fail "large answers from port 53: <= 1 % reached the target" "$got of $N"
check_eq "short answers from port 123 arrive" "$(burst 4 198.18.0.52 123 40003 20)" "$N"
check_eq "the target's own DNS query still gets its answer" "$(query a.pl.test A)" 198.18.9.9
[ "${PL_TEST_FULL:-0}" = 1 ] &&
	check_eq "a DNS answer of 400 bytes or more is dropped while the block lasts" \
		"$(query big.pl.test TXT | wc -c)" 0
rules=$(in_rx "$PKTLENS" blocked --json -i "$IF_RX" 2>&1)
n=$("$PY" -c 'import json, sys
r = json.loads(sys.argv[1])["mitigation"]["rules"]
print(sorted(x["sport"] for x in r if "sport" in x and x.get("min_len") == 400 and x["expires_in_s"] <= 60
             and x["origin"] == "auto" and x.get("sid") == 9100010))' "$rules")
check_eq "pktlens blocked: the amplifier ports, 400 bytes, ttl 60 s, auto, sid 9100010" "$n" "[53, 123, 161, 389, 1900, 11211]"

# /api/v1/rules of serve: the same maps
wait_grep "$SRV_ERR" "pktlens: serving" "$SRV_PID" || fail "serve starts beside protect" "$(cat "$SRV_ERR")"
rule_of() { body "[r['$2'] for r in j['protect'][0]['mitigation']['rules'] if r['id'] == $1][0]"; }
check_eq "GET /api/v1" "$(http GET /api/v1)" 200
check_eq "GET /api/v1/rules" "$(http GET "/api/v1/rules?interface=$IF_RX")" 200
check_eq "... the automatic blocks of amplification" "$(body "sorted(r['sport'] for r in
	j['protect'][0]['mitigation']['rules'] if r.get('min_len') == 400)")" "[53, 123, 161, 389, 1900, 11211]"
check_eq "GET /api/v1/rules?interface=nosuch0: 404" "$(http GET '/api/v1/rules?interface=nosuch0')" 404
check_eq "GET /api/v1/rules?bogus=1: 400" "$(http GET '/api/v1/rules?bogus=1')" 400
check_eq "block without a token: 401" "$(http POST /api/v1/rules/block -d '{"cidr":"198.18.0.42"}')" 401
check_eq "block of a bad CIDR: 400" "$(http POST /api/v1/rules/block "${AUTH[@]}" -d '{"cidr":"198.18.0.42/8"}')" 400
check_grep "... naming the right prefix" "$LAB_TMP/body" "198\.0\.0\.0/8"
check_eq "block on an interface without protect: 404" "$(http POST /api/v1/rules/block "${AUTH[@]}" \
	-d '{"interface":"nosuch0","cidr":"198.18.0.42"}')" 404
check_eq "block of the host's own address: 409" "$(http POST /api/v1/rules/block "${AUTH[@]}" \
	-d "{\"cidr\":\"$IP4_RX\"}")" 409
B='{"cidr":"198.18.0.42","port":7003,"proto":"udp","ttl_s":60}'
check_eq "block 198.18.0.42 udp port 7003: 201" "$(http POST /api/v1/rules/block "${AUTH[@]}" -d "$B")" 201
id=$(body "j['id']")
check_eq "the same block again: 409" "$(http POST /api/v1/rules/block "${AUTH[@]}" -d "$B")" 409
check_eq "blocked through serve: datagrams that reached the target" "$(burst 2 198.18.0.42 0 7003 32)" 0
http GET /api/v1/rules >/dev/null
check_eq "... the rule counted what was sent" "$(rule_of "$id" packets)" "$N"
check_true "... and expires within 60 s" test "$(rule_of "$id" expires_in_s)" -le 60
check_eq "unblock without a token: 401" "$(http POST /api/v1/rules/unblock -d "{\"id\":$id}")" 401
check_eq "unblock with an id and a cidr: 400" "$(http POST /api/v1/rules/unblock "${AUTH[@]}" \
	-d "{\"id\":$id,\"cidr\":\"198.18.0.42\"}")" 400
check_eq "unblock by id: 200" "$(http POST /api/v1/rules/unblock "${AUTH[@]}" -d "{\"id\":$id}")" 200
check_eq "unblocked: the datagrams arrive again" "$(burst 2 198.18.0.42 0 7003 32)" "$N"
check_eq "unblock it again: 404" "$(http POST /api/v1/rules/unblock "${AUTH[@]}" -d "{\"id\":$id}")" 404
srv_stop
check_eq "serve exits cleanly" "$SRV_RC" 0

# IPv6 reflection: the IPv4 blocks leave it alone; then 488-byte answers from port 123 of
# random 2001:db8:: reflectors, alerted and blocked for IPv6 as above.
check_eq "IPv6: large answers from port 123 arrive before its alert" "$(burst6 6 2001:db8::52 123 40001 426 20)" 20
burst6 6 rand 123 40000 426 >/dev/null
wait_until 5 has_alert_dst "$EVE" 9100010 "$IP6_RX"
check_eq "IPv6 amplification: alert blocked" "$(action_dst "$EVE" 9100010 "$IP6_RX")" blocked
got=$(burst6 6 2001:db8::52 123 40001 426)
[ "$got" -le $((N / 100)) ] && ok "IPv6: large answers from port 123: $got of $N reached the target" ||
	fail "IPv6: large answers from port 123: <= 1 % reached the target" "$got of $N"
got=$(burst6 8 2001:db8::52 53 40002 426)
[ "$got" -le $((N / 100)) ] && ok "IPv6: large answers from port 53: $got of $N reached the target" ||
	fail "IPv6: large answers from port 53: <= 1 % reached the target" "$got of $N"
check_eq "IPv6: short answers from port 123 arrive" "$(burst6 7 2001:db8::52 123 40003 20)" "$N"
mon_stop INT
check_eq "protect exits cleanly" "$MON_RC" 0
openapi_check only:/api/v1/rules

if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	protect_run --dry-run --signatures "$LAB_TMP/sigs.rules" ||
		{ fail "protect --dry-run starts" "$(cat "$MON_ERR")"; finish; }
	send 198.18.0.41 7001 "xx PLDROPME xx"
	wait_until 5 has_alert "$EVE" 7000001 198.18.0.41
	check_eq "dry run: drop signature alert would-block" \
		"$(action_of "$EVE" 7000001 198.18.0.41)" would-block
	check_eq "dry run: its source's burst arrives whole" "$(burst 1 198.18.0.41 0 7003 32)" "$N"
	# amplification: the reflected flood, then an amplifier's large answers, all arrive
	before=$(nft_count 9)
	in_tx timeout 20 hping3 -2 -s 123 -k -p 40000 -d 426 -i u1000 -c "$N" --rand-source \
		"$IP4_RX" >/dev/null 2>&1
	wait_until 5 has_alert_dst "$EVE" 9100010 "$IP4_RX"
	check_eq "dry run: amplification alert would-block" "$(action_dst "$EVE" 9100010 "$IP4_RX")" would-block
	lab_quiet
	check_eq "dry run: the reflected flood arrives whole" "$(($(nft_count 9) - before))" "$N"
	check_eq "dry run: large answers from port 123 arrive whole" "$(burst 3 198.18.0.52 123 40001 426)" "$N"
	mon_stop INT
fi
finish
