#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=dash disable=SC2317 # functions run from traps
# demo-lab.sh - the lab behind `pktlens demo`; embedded into the pktlens binary at build
# time and run with /bin/sh, so an installed pktlens needs no extra files.
#
#   sh demo-lab.sh PKTLENS SECONDS tui|json KEEP(0|1)
#
# Builds two network namespaces (sender, receiver) joined by a veth pair, runs
# `PKTLENS protect` on the receiving interface, sends a bounded mix of real traffic
# through the pair (ping over IPv4 and IPv6, iperf3 TCP and UDP, TCP over IPv6, 802.1Q
# and QinQ frames from trafgen, DNS queries to dnsmasq, HTTP requests to a server that
# answers 200 ms late, a TLS handshake with a server name, a SYN flood from an attacker
# address that detection blocks by itself, a burst after `pktlens block` of another
# address, an nmap SYN scan from a third that detection blocks too), then prints what
# was sent next to what pktlens saw. Only 198.18.0.0/15 and 2001:db8::/32, only
# inside the namespaces it creates; every traffic command is bounded in count and
# time; everything is removed on exit, on SIGINT/SIGTERM/SIGHUP and after any failure.
#
# The monitor pins its maps in the receiver's network namespace but the host's mount
# namespace (nsenter --net, not `ip netns exec`, which would give it a private bpffs), so
# this script can read the same maps through `pktlens monitor --pinned` for the summary.

PKTLENS=${1:-}
DURATION=${2:-20}
VIEW=${3:-json}
KEEP=${4:-0}

ME="pktlens demo"
ID=$$
NS_TX="pktlens-demo-$ID-tx"
NS_RX="pktlens-demo-$ID-rx"
IF_TX="pld${ID}tx"
IF_RX="pld${ID}rx"
IP4_TX=198.18.0.1
IP4_RX=198.18.0.2
IP6_TX=2001:db8::1
IP6_RX=2001:db8::2
# Attackers: more addresses of the sender's veth, so that the automatic blocks of the
# flood and the scan leave the sender's own traffic alone.
IP4_FLOOD=198.18.0.66
IP4_SCAN=198.18.0.67
IP4_BLOCKED=198.18.0.68
DNS_NAMES="www.demo.example api.demo.example cdn.demo.example"
HTTP_HOST=slow.demo.example HTTP_PORT=8080 HTTP_DELAY_MS=200
TLS_SNI=tls.demo.example TLS_PORT=8443
PIN_ROOT=/sys/fs/bpf/pktlens
PIN="$PIN_ROOT/$IF_RX"

T=""            # temporary directory: tool output, trafgen configs, snapshots
NS_MADE=""      # namespaces this run created (only those are deleted)
MON=""          # pid of pktlens monitor
MON_RC=""       # its exit status once it ended
BG=""           # other background pids (pings, iperf3 server, the current step)
STEP=""         # pid of the traffic step running now
TAIL=""         # pid of the tail that shows the JSON records
SRV=""          # pids of the servers (SIGTERM ends them: a background job ignores SIGINT)
PROG_ID=""      # id of the XDP program the monitor attached
MODE=""         # native or generic
IN_TUI=0        # 1 while the monitor owns the terminal: no messages then
PHASE=setup     # setup, traffic, keep, finished
FAIL_MSG=""     # printed once the terminal is back
INTERRUPTED=0
STOPPED_EARLY=0
CLEANED=0

# ---- messages ---------------------------------------------------------------------

log() {
	[ -n "$T" ] && printf '%s\n' "$*" >>"$T/demo.log"
	return 0
}

say() {
	log "$*"
	[ "$IN_TUI" = 1 ] || printf '%s: %s\n' "$ME" "$*" >&2
}

# die MESSAGE: fail; the message is printed after the monitor gave the terminal back.
die() {
	FAIL_MSG="$*"
	exit 1
}

# ---- cleanup ----------------------------------------------------------------------

# running PID: the process exists and has not ended (an unreaped child is a zombie,
# which kill -0 would still find).
running() {
	local st
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

alive() {
	[ -n "$MON" ] && running "$MON"
}

# stop_pid PID SIGNAL SECONDS: signal a child, give it SECONDS to end, then SIGKILL.
stop_pid() {
	local pid=$1 n=$(($3 * 10))
	kill -"$2" "$pid" 2>/dev/null || return 0
	while running "$pid" && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	running "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_monitor: wait until the monitor has ended (a trapped signal cuts `wait` short);
# sets MON_RC.
wait_monitor() {
	local r
	while :; do
		wait "$MON"
		r=$?
		kill -0 "$MON" 2>/dev/null || break
	done
	MON_RC=$r
	MON=""
	IN_TUI=0
}

stop_monitor() {
	local n=100
	[ -n "$MON" ] || return 0
	# SIGINT ends it cleanly: detach, unpin, give the terminal back.
	kill -INT "$MON" 2>/dev/null
	while running "$MON" && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	running "$MON" && kill -KILL "$MON" 2>/dev/null
	wait_monitor
}

# tail_done: the tail showing the JSON records ends with the monitor (its --pid); give
# it a moment to print the last ones.
tail_done() {
	local n=20
	[ -n "$TAIL" ] || return 0
	while running "$TAIL" && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	stop_pid "$TAIL" TERM 1
	TAIL=""
}

cleanup() {
	local rc=$? ns pids left="" n
	[ "$CLEANED" = 1 ] && return
	CLEANED=1
	trap '' INT TERM HUP # cleanup itself must not be cut short
	[ -n "$STEP" ] && stop_pid "$STEP" INT 3
	for p in $BG; do stop_pid "$p" INT 3; done
	for p in $SRV; do stop_pid "$p" TERM 3; done
	stop_monitor
	tail_done
	# Anything still running inside the lab was started by this run.
	for ns in $NS_MADE; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	done
	for ns in $NS_MADE; do
		n=30
		while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ "$n" -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	done
	# Deleting the namespaces deletes the veth pair and with it the XDP program.
	for ns in $NS_MADE; do
		ip netns del "$ns" 2>/dev/null
	done
	# The monitor unpins on exit; a killed one leaves its pins behind.
	if [ -d "$PIN" ]; then
		rm -f "$PIN"/* 2>/dev/null
		rmdir "$PIN" 2>/dev/null
		rmdir "$PIN_ROOT" 2>/dev/null
	fi
	for ns in $NS_MADE; do
		ip netns list 2>/dev/null | grep -q "^$ns\( \|$\)" && left="$left namespace $ns;"
	done
	if [ -n "$PROG_ID" ] && command -v bpftool >/dev/null 2>&1; then
		# The kernel frees a detached program shortly after its last user is gone.
		n=50
		while bpftool prog show id "$PROG_ID" >/dev/null 2>&1 && [ "$n" -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		bpftool prog show id "$PROG_ID" >/dev/null 2>&1 && left="$left XDP program id $PROG_ID;"
	fi
	[ -d "$PIN" ] && left="$left pins in $PIN;"

	if [ -n "$FAIL_MSG" ]; then
		printf '%s: %s\n' "$ME" "$FAIL_MSG" >&2
		[ "$INTERRUPTED" = 0 ] && [ -n "$T" ] && [ -s "$T/demo.log" ] && {
			printf '%s: last lines of the log:\n' "$ME" >&2
			tail -n 15 "$T/demo.log" | sed 's/^/    /' >&2
		}
	fi
	[ -n "$T" ] && [ -z "${PKTLENS_DEMO_DEBUG:-}" ] && rm -rf "$T"
	if [ -n "$left" ]; then
		printf '%s: could not remove:%s remove them by hand\n' "$ME" "$left" >&2
		rc=1
	elif [ -n "$NS_MADE" ]; then
		printf '%s: lab removed (namespaces %s %s, veth %s/%s%s)\n' "$ME" "$NS_TX" "$NS_RX" \
			"$IF_TX" "$IF_RX" "${PROG_ID:+, XDP program id $PROG_ID}" >&2
	fi
	[ "$INTERRUPTED" = 1 ] && rc=1
	exit "$rc"
}

on_signal() {
	if [ "$PHASE" = keep ] || [ "$PHASE" = finished ]; then
		# --keep: a signal is the normal way to end; pass it on to the monitor.
		alive && kill -INT "$MON" 2>/dev/null
		return
	fi
	INTERRUPTED=1
	FAIL_MSG="interrupted ($1) before the traffic finished"
	exit 1
}

trap cleanup EXIT
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGHUP' HUP

# ---- checks -----------------------------------------------------------------------

case $DURATION in '' | *[!0-9]*) die "bad duration '$DURATION'" ;; esac
case $VIEW in tui | json) ;; *) die "bad view '$VIEW'" ;; esac
[ -x "$PKTLENS" ] || die "cannot run pktlens at '$PKTLENS'"
[ "$(id -u)" -eq 0 ] || die "needs root (it creates network namespaces): run it with sudo"

missing="" pkgs=""
for t in ip:iproute2 ethtool:ethtool ping:iputils-ping iperf3:iperf3 trafgen:netsniff-ng \
	hping3:hping3 nmap:nmap nsenter:util-linux timeout:coreutils ss:iproute2 \
	dig:dnsutils dnsmasq:dnsmasq curl:curl openssl:openssl python3:python3; do
	command -v "${t%%:*}" >/dev/null 2>&1 && continue
	missing="$missing${missing:+, }${t%%:*}"
	case " $pkgs " in *" ${t#*:} "*) ;; *) pkgs="$pkgs${pkgs:+ }${t#*:}" ;; esac
done
if [ -n "$missing" ]; then
	die "missing tools: $missing. Install them with 'sudo make deps' (or 'sudo scripts/install-deps.sh') in the pktlens source tree, or with 'sudo apt-get install $pkgs'"
fi

T=$(mktemp -d /tmp/pktlens-demo.XXXXXX) || die "cannot create a temporary directory"
# The terminal, for the monitor's 'q' key (background jobs get /dev/null otherwise).
if { true <&0; } 2>/dev/null; then exec 3<&0; else exec 3</dev/null; fi

# ---- the lab ------------------------------------------------------------------------

# on NS CMD...: run a command inside a lab namespace
on() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

say "building the lab: namespaces $NS_TX and $NS_RX, veth $IF_TX <-> $IF_RX"
for ns in $NS_TX $NS_RX; do
	ip netns add "$ns" 2>>"$T/demo.log" || die "cannot create network namespace $ns (ip netns add)"
	NS_MADE="$NS_MADE $ns"
done
ip link add "$IF_TX" netns "$NS_TX" type veth peer name "$IF_RX" netns "$NS_RX" \
	2>>"$T/demo.log" || die "cannot create the veth pair (is the veth module available?)"
for side in "$NS_TX $IF_TX $IP4_TX $IP6_TX" "$NS_RX $IF_RX $IP4_RX $IP6_RX"; do
	# shellcheck disable=SC2086 # split into namespace, interface, addresses
	set -- $side
	if ! { ip -n "$1" link set lo up && ip -n "$1" addr add "$3/24" dev "$2" &&
		ip -n "$1" addr add "$4/64" dev "$2" nodad && ip -n "$1" link set "$2" up; } \
		2>>"$T/demo.log"; then
		die "cannot configure $2 in $1"
	fi
	# veth would move VLAN tags out of the frame before XDP sees them.
	on "$1" ethtool -K "$2" rxvlan off txvlan off >>"$T/demo.log" 2>&1 ||
		die "cannot turn VLAN offload off on $2 (ethtool -K $2 rxvlan off txvlan off)"
	on "$1" ethtool -K "$2" rx-vlan-stag-hw-parse off tx-vlan-stag-hw-insert off \
		>>"$T/demo.log" 2>&1
done
for a in $IP4_FLOOD $IP4_SCAN $IP4_BLOCKED; do
	ip -n "$NS_TX" addr add "$a/24" dev "$IF_TX" 2>>"$T/demo.log" ||
		die "cannot add the attacker address $a to $IF_TX"
done
MAC_TX=$(on "$NS_TX" cat "/sys/class/net/$IF_TX/address")
MAC_RX=$(on "$NS_RX" cat "/sys/class/net/$IF_RX/address")

NETNS_DIR=/run/netns
[ -e "$NETNS_DIR/$NS_RX" ] || NETNS_DIR=/var/run/netns
[ -e "$NETNS_DIR/$NS_RX" ] || die "cannot find $NS_RX under /run/netns"

# The iperf3 server, bounded like everything else, listening before the monitor starts
# (the monitor's --duration counts from its start: the traffic must start with it).
on "$NS_RX" timeout -s INT -k 2 $((DURATION + 60)) iperf3 -s >"$T/iperf3-server.out" 2>&1 &
SRV="$SRV $!"
# The services the L7 step talks to: dnsmasq, an HTTP server that answers
# HTTP_DELAY_MS late (the slow service), openssl's TLS server.
LIFE=$((DURATION + 60))
on "$NS_RX" timeout -s INT -k 2 "$LIFE" dnsmasq --no-daemon --no-resolv --no-hosts \
	--bind-interfaces --listen-address="$IP4_RX" --port=53 --address="/demo.example/$IP4_RX" \
	--pid-file="$T/dnsmasq.pid" --user=root >"$T/dnsmasq.out" 2>&1 &
SRV="$SRV $!"
on "$NS_RX" timeout -s INT -k 2 "$LIFE" python3 -c "
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep($HTTP_DELAY_MS / 1000)
        self.send_response(200)
        self.send_header('Content-Length', '3')
        self.end_headers()
        self.wfile.write(b'ok\\n')
    def log_message(self, *a):
        pass
http.server.HTTPServer(('$IP4_RX', $HTTP_PORT), H).serve_forever()" >"$T/http.out" 2>&1 &
SRV="$SRV $!"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj "/CN=$TLS_SNI" -keyout "$T/key.pem" -out "$T/cert.pem" >>"$T/demo.log" 2>&1; then
	on "$NS_RX" timeout -s INT -k 2 "$LIFE" openssl s_server -quiet -accept "$IP4_RX:$TLS_PORT" \
		-cert "$T/cert.pem" -key "$T/key.pem" </dev/null >"$T/tls.out" 2>&1 &
	SRV="$SRV $!"
else
	log "openssl req could not make a certificate: no TLS step"
fi
# listening PORT t|u: something listens on it in the receiver
listening() {
	on "$NS_RX" ss -Hln"$2" "sport = :$1" 2>/dev/null | grep -q .
}
n=50
until { listening 5201 t && listening 53 u && listening "$HTTP_PORT" t; } || [ "$n" -le 0 ]; do
	sleep 0.1
	n=$((n - 1))
done

# ---- the monitor --------------------------------------------------------------------

# The monitor runs as long as it says: DURATION seconds of traffic (every step ends by
# then), then SETTLE seconds in which the last packets land and the summary's final
# snapshot is read; it ends by itself.
SETTLE=3
# --drops: the kernel's drops too (the SYN flood and the scan hit closed ports).
# protect: monitor that can also drop; it always pins. Detection alerts on the flood
# and the scan and blocks their sources by itself; a `pktlens block` step adds a rule
# by hand. L7 (off in protect unless asked for) names the applications; --eve: the
# names, alerts and flows, for the summary.
set -- protect -i "$IF_RX" --drops --l7-packets 8 --eve "$T/eve.json"
[ "$VIEW" = json ] && set -- "$@" --json
[ "$KEEP" = 1 ] || set -- "$@" --duration $((DURATION + SETTLE))
if [ "$KEEP" = 1 ]; then
	say "starting: pktlens $* (in $NS_RX): $DURATION s of traffic, then the lab stays up"
else
	say "starting: pktlens $* (in $NS_RX): $DURATION s of traffic, then $SETTLE s for the last packets and the summary"
fi
[ "$KEEP" = 1 ] && say "--keep: after the traffic the lab stays up until you press q or Ctrl-C; try 'ip netns exec $NS_TX ping $IP4_RX'"
if [ "$VIEW" = tui ]; then
	say "press q to stop early"
	sleep 1 # let the messages be read before the view takes the screen
fi
if [ "$VIEW" = json ]; then
	# The records go to a file the summary reads too; tail shows them as they come.
	: >"$T/records.json"
	nsenter --net="$NETNS_DIR/$NS_RX" "$PKTLENS" "$@" <&3 >"$T/records.json" \
		2>"$T/monitor.err" &
	MON=$!
	tail -n +1 -f --pid="$MON" "$T/records.json" &
	TAIL=$!
else
	nsenter --net="$NETNS_DIR/$NS_RX" "$PKTLENS" "$@" <&3 2>"$T/monitor.err" &
	MON=$!
fi
[ "$VIEW" = tui ] && IN_TUI=1

n=150
while [ "$n" -gt 0 ]; do
	alive || break
	line=$(ip -n "$NS_RX" -d link show dev "$IF_RX" 2>/dev/null)
	case $line in *prog/xdp*) [ -e "$PIN/pl_stats" ] && break ;; esac
	sleep 0.1
	n=$((n - 1))
done
if ! alive; then
	wait_monitor
	die "pktlens protect exited ($MON_RC) before it attached: $(cat "$T/monitor.err")"
fi
[ "$n" -gt 0 ] || die "pktlens protect did not attach to $IF_RX within 15 s"
PROG_ID=$(printf '%s\n' "$line" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1)
case $line in *xdpgeneric*) MODE=generic ;; *) MODE=native ;; esac
log "monitor attached: XDP $MODE, program id $PROG_ID"

# ---- traffic ----------------------------------------------------------------------

tx_packets() {
	on "$NS_TX" cat "/sys/class/net/$IF_TX/statistics/tx_packets" 2>/dev/null || echo 0
}

# snapshot: the monitor's maps as one JSON report (kept for the summary)
# and the sender's frame counter at the same moment. Nothing changes once the monitor
# has gone (its pins go with it).
snapshot() {
	local tx
	tx=$(tx_packets)
	if "$PKTLENS" -q monitor --pinned "$PIN" --interval 0.1 --duration 0.1 --json \
		>"$T/snap.tmp" 2>>"$T/demo.log" && [ -s "$T/snap.tmp" ]; then
		mv "$T/snap.tmp" "$T/snap.json"
		TX_END=$tx
		# The kernel's own run-time figures of the program since the monitor turned
		# them on.
		[ -n "$PROG_ID" ] && bpftool prog show id "$PROG_ID" >"$T/prog.txt" 2>/dev/null
	fi
	return 0
}

# left: seconds left of the traffic's DURATION
left() {
	echo $((DURATION - ($(date +%s) - START)))
}

# step NAME SECONDS OUTFILE CMD...: run CMD in the sender namespace, bounded by SECONDS
# and by the end of the traffic (a step with no time left is skipped)
step() {
	local name=$1 secs=$2 out=$3 rc l
	shift 3
	alive || return 1
	l=$(left)
	if [ "$l" -le 0 ]; then
		say "[$(($(date +%s) - START)) s] no time left for: $name"
		return 0
	fi
	[ "$secs" -gt "$l" ] && secs=$l
	say "[$(($(date +%s) - START)) s] $name"
	timeout -s INT -k 2 "$secs" ip netns exec "$NS_TX" "$@" >"$T/$out" 2>&1 &
	STEP=$!
	wait "$STEP"
	rc=$?
	STEP=""
	log "    exit $rc at $(($(date +%s) - START)) s"
	snapshot
	return 0
}

# trafgen_conf FILE HEADERS...: one frame to the receiver, UDP inside
trafgen_conf() {
	local f=$1
	shift
	printf '{ eth(da=%s, sa=%s), %s, udp(sp=40000, dp=9), fill(0x42, 18) }\n' \
		"$MAC_RX" "$MAC_TX" "$*" >"$T/$f"
}

PHASE=traffic
TX_START=$(tx_packets)
TX_END=$TX_START
START=$(date +%s)
NPING=$((DURATION * 5))

say "[0 s] ping and ping -6 every 0.2 s for the whole run"
timeout -s INT -k 2 $((DURATION + 5)) ip netns exec "$NS_TX" \
	ping -q -n -i 0.2 -c "$NPING" -w "$DURATION" "$IP4_RX" >"$T/ping4.out" 2>&1 &
PING4=$!
timeout -s INT -k 2 $((DURATION + 5)) ip netns exec "$NS_TX" \
	ping -6 -q -n -i 0.2 -c "$NPING" -w "$DURATION" "$IP6_RX" >"$T/ping6.out" 2>&1 &
PING6=$!
BG="$BG $PING4 $PING6"

trafgen_conf vlan1q.cfg "vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX)"
trafgen_conf qinq.cfg "vlan(1ad, id=200), vlan(1q, id=300), ipv6(sa=$IP6_TX, da=$IP6_RX)"

# The fixed steps first (about 4 s), then iperf3 shares what they leave.
step "trafgen: 500 802.1Q frames (VLAN 100, IPv4/UDP)" 10 vlan1q.out \
	trafgen --dev "$IF_TX" --conf "$T/vlan1q.cfg" --num 500 --cpus 1 --rate 1000pps --no-sock-mem --no-cpu-stats
step "trafgen: 500 QinQ frames (802.1ad 200 + 802.1Q 300, IPv6/UDP)" 10 qinq.out \
	trafgen --dev "$IF_TX" --conf "$T/qinq.cfg" --num 500 --cpus 1 --rate 1000pps --no-sock-mem --no-cpu-stats
# Application traffic: names for L7, and a service that answers HTTP_DELAY_MS late
# (a script, so that one step runs it in the sender's namespace).
cat >"$T/l7.sh" <<EOF
for name in $DNS_NAMES; do
	dig +tries=1 +time=2 +short @$IP4_RX "\$name" A
done
for i in 1 2 3; do
	curl -s -o /dev/null -w 'curl: %{http_code}, first byte after %{time_starttransfer} s\\n' \\
		--resolve $HTTP_HOST:$HTTP_PORT:$IP4_RX "http://$HTTP_HOST:$HTTP_PORT/item/\$i"
done
[ -s "$T/cert.pem" ] && echo | timeout 5 openssl s_client -connect $IP4_RX:$TLS_PORT \\
	-servername $TLS_SNI 2>&1 | grep -m 1 CONNECTED
exit 0
EOF
step "dig x3 (DNS), curl x3 to a server ${HTTP_DELAY_MS} ms slow (HTTP), openssl s_client (TLS)" 8 \
	l7.out sh "$T/l7.sh"
# A SYN flood from one address at about 4000 a second: detection sees it within a
# second and protect blocks the address; the rest of the flood is dropped in XDP.
step "hping3: SYN flood from $IP4_FLOOD, 4000 SYNs to port 80 at ~4000/s" 15 hping3.out \
	hping3 -S -p 80 -c 4000 -i u250 -a "$IP4_FLOOD" "$IP4_RX"
# A rule added by hand: every SYN of a burst from its address is dropped in XDP, before
# the kernel spends anything on it; the rule's counter shows it.
if nsenter --net="$NETNS_DIR/$NS_RX" "$PKTLENS" -q block "$IP4_BLOCKED" --port 80 --proto tcp \
	-i "$IF_RX" >"$T/block.out" 2>&1; then
	say "[$(($(date +%s) - START)) s] pktlens block $IP4_BLOCKED --port 80 --proto tcp"
	step "hping3: 500 SYNs from $IP4_BLOCKED, dropped in XDP" 10 hping3b.out \
		hping3 -S -p 80 -c 500 --faster -a "$IP4_BLOCKED" "$IP4_RX"
else
	say "pktlens block failed, the blocked burst is left out: $(cat "$T/block.out")"
fi
# A scan from a third address: detected after a few ports, then blocked.
step "nmap: SYN scan of ports 1-300 from $IP4_SCAN" 20 nmap.out \
	nmap -sS -n -Pn -p 1-300 --max-retries 0 --host-timeout 10s --max-rate 300 \
	-e "$IF_TX" -S "$IP4_SCAN" -v "$IP4_RX"
nsenter --net="$NETNS_DIR/$NS_RX" "$PKTLENS" -q blocked --json -i "$IF_RX" \
	>"$T/blocked.json" 2>>"$T/demo.log"
nsenter --net="$NETNS_DIR/$NS_RX" "$PKTLENS" -q unblock "$IP4_BLOCKED" --port 80 --proto tcp \
	-i "$IF_RX" >>"$T/demo.log" 2>&1 &&
	say "[$(($(date +%s) - START)) s] pktlens unblock $IP4_BLOCKED --port 80 --proto tcp"
# Each iperf3 run takes about half a second to set up and sum up.
R=$(($(left) - 2))
T_TCP4=$((R * 2 / 5))
T_UDP=$((R * 3 / 10))
T_TCP6=$((R * 3 / 10))
[ "$T_TCP4" -ge 1 ] || T_TCP4=1
[ "$T_UDP" -ge 1 ] || T_UDP=1
[ "$T_TCP6" -ge 1 ] || T_TCP6=1
step "iperf3: TCP over IPv4, $T_TCP4 s at 200 Mbit/s" $((T_TCP4 + 2)) tcp4.out \
	iperf3 -c "$IP4_RX" -t "$T_TCP4" -b 200M
step "iperf3: UDP over IPv4, $T_UDP s at 50 Mbit/s" $((T_UDP + 2)) udp4.out \
	iperf3 -c "$IP4_RX" -u -t "$T_UDP" -b 50M -l 1200
step "iperf3: TCP over IPv6, $T_TCP6 s at 200 Mbit/s" $((T_TCP6 + 2)) tcp6.out \
	iperf3 -6 -c "$IP6_RX" -t "$T_TCP6" -b 200M
# The pings run on to the end of the duration.
while alive && [ $(($(date +%s) - START)) -lt "$DURATION" ]; do
	sleep 0.5
done
if alive; then
	wait "$PING4" 2>/dev/null
	wait "$PING6" 2>/dev/null
	ELAPSED=$(($(date +%s) - START))
	sleep 1 # the last packets reach the counters
	snapshot
else
	# q in the monitor's view: stop the pings (SIGINT: they print their counts).
	STOPPED_EARLY=1
	stop_pid "$PING4" INT 3
	stop_pid "$PING6" INT 3
fi
[ "$STOPPED_EARLY" = 1 ] && ELAPSED=$(($(date +%s) - START))
say "[$ELAPSED s] traffic done"

# ---- the summary ------------------------------------------------------------------

# tool_num FILE SED-EXPRESSION: a number a tool printed, or '?'
tool_num() {
	local v
	v=$(sed -n "$2" "$T/$1" 2>/dev/null | tail -n 1)
	echo "${v:-?}"
}

# seen PATTERN: the number after PATTERN in the last snapshot, or '?'
seen() {
	local v
	v=$(sed -n "s/.*$1\([0-9][0-9.]*\).*/\1/p" "$T/snap.json" 2>/dev/null | head -n 1)
	echo "${v:-?}"
}

# sum A B: A + B, or '?' when either is unknown
sum() {
	case "$1$2" in *\?*) echo "?" ;; *) echo $(($1 + $2)) ;; esac
}

# app_and_threats: the L7 names, the slow service, the alerts and blocks, from the EVE
# events, the last JSON record (the JSON view's) and `pktlens blocked --json`.
app_and_threats() {
	python3 - "$T/eve.json" "$T/records.json" "$T/blocked.json" "$HTTP_PORT" \
		"$IP4_FLOOD" "$IP4_SCAN" "$IP4_BLOCKED" "$T/l7.out" <<'PY' 2>>"$T/demo.log"
import json, re, sys
eve, rec, blk, port, flood, scan, manual, l7 = sys.argv[1:]
def lines(path):
    try:
        return [json.loads(l) for l in open(path) if l.startswith("{")]
    except (OSError, ValueError):
        return []
ev = lines(eve)
def names(kind, get):
    out = []
    for e in ev:
        v = get(e.get(kind) or {}) if e.get("event_type") == kind else None
        if v and v not in out:
            out.append(v)
    return ", ".join(out) or "-"
print("application layer, from pktlens's EVE events:")
print("  %-10s %s" % ("DNS", names("dns", lambda d: d.get("rrname"))))
print("  %-10s %s" % ("HTTP", names("http", lambda h: h.get("hostname"))))
print("  %-10s SNI %s" % ("TLS", names("tls", lambda t: t.get("sni"))))
curl = re.findall(r"first byte after ([0-9.]+) s", open(l7).read()) if l7 else []
last = lines(rec)[-1:] or [{}]
for sv in last[0].get("service_latency") or []:
    if sv.get("port") == int(port) and sv.get("latency_ms"):
        lat = sv["latency_ms"]
        print("  %-10s HTTP :%s p50 %.1f ms, max %.1f ms over %d answers (curl: first byte"
              " after %s s)" % ("latency", port, lat["p50"], lat["max"], sv["answered"],
                                ", ".join(curl) or "?"))
print("detection and mitigation:")
for e in ev:
    if e.get("event_type") == "alert":
        a = e.get("alert") or {}
        print("  %-10s %s from %s: %s" % ("alert", a.get("signature"), e.get("src_ip"),
                                         a.get("action")))
try:
    rules = json.load(open(blk))["mitigation"]["rules"]
except (OSError, ValueError, KeyError, TypeError):
    rules = []
for r in rules:
    if r.get("action") != "drop" or not r.get("cidr"):
        continue
    who = r["cidr"].split("/")[0]
    how = {flood: "automatic block of the flood's source",
           scan: "automatic block of the scan's source",
           manual: "rule added with pktlens block"}.get(who)
    if how:
        print("  %-10s %d packets from %s dropped in XDP (%s)" % ("dropped", r.get("packets", 0),
                                                              who, how))
PY
}

summary() {
	local p4 p6 tg1 tg2 udp hp hpb nm tcp4 tcp6 total bytes pct ns
	p4=$(tool_num ping4.out 's/^\([0-9]*\) packets transmitted.*/\1/p')
	p6=$(tool_num ping6.out 's/^\([0-9]*\) packets transmitted.*/\1/p')
	tg1=$(tool_num vlan1q.out 's/^[^0-9]*\([0-9]*\) packets outgoing.*/\1/p')
	tg2=$(tool_num qinq.out 's/^[^0-9]*\([0-9]*\) packets outgoing.*/\1/p')
	udp=$(tool_num udp4.out 's/.*[0-9]\/\([0-9]*\) ([0-9.e+-]*%) *sender.*/\1/p')
	tcp4=$(tool_num tcp4.out 's/.*sec *\([0-9.]* [KMGT]*Bytes\) .*sender.*/\1/p')
	tcp6=$(tool_num tcp6.out 's/.*sec *\([0-9.]* [KMGT]*Bytes\) .*sender.*/\1/p')
	hp=$(tool_num hping3.out 's/^\([0-9]*\) packets transmitted.*/\1/p')
	hpb=$(tool_num hping3b.out 's/^\([0-9]*\) packets transmitted.*/\1/p')

	nm=$(tool_num nmap.out 's/.*Raw packets sent: \([0-9]*\).*/\1/p')
	total=$(seen '"total":{"packets":')
	bytes=$(seen '"total":{"packets":[0-9]*,"bytes":')
	pct=$(awk -v s="$((TX_END - TX_START))" -v t="$total" \
		'BEGIN { if (s > 0 && t ~ /^[0-9]+$/) printf "%.1f%%", 100 * t / s; else print "?" }')

	echo "pktlens demo: what was sent and what pktlens saw ($IF_RX, XDP $MODE, $ELAPSED s)"
	[ "$STOPPED_EARLY" = 1 ] &&
		echo "  (stopped early: pktlens's figures are from the end of the last step it saw)"
	echo "sent, as the tools report it:"
	printf '  %-10s %s ICMP echo requests, %s ICMPv6 echo requests\n' ping "$p4" "$p6"
	printf '  %-10s TCP/IPv4 %s, UDP/IPv4 %s datagrams, TCP/IPv6 %s\n' iperf3 "$tcp4" "$udp" "$tcp6"
	printf '  %-10s %s 802.1Q frames + %s QinQ frames (UDP inside)\n' trafgen "$tg1" "$tg2"
	printf '  %-10s %s SYNs to port 80 from %s (flood)\n' "hping3 -S" "$hp" "$IP4_FLOOD"
	[ -s "$T/block.out" ] || [ "$hpb" != "?" ] &&
		printf '  %-10s %s SYNs to port 80 from %s, after pktlens block\n' "hping3 -S" "$hpb" \
			"$IP4_BLOCKED"
	printf '  %-10s %s raw packets from %s (SYN to ports 1-300, ARP)\n' "nmap -sS" "$nm" "$IP4_SCAN"
	printf '  %-10s %s frames in all (sender veth counter)\n' "veth" "$((TX_END - TX_START))"
	echo "seen by pktlens, in XDP on the receiver:"
	printf '  %-10s %s packets (%s of the frames sent), %s bytes\n' all "$total" "$pct" "$bytes"
	printf '  %-10s IPv4 %s, IPv6 %s, ARP %s\n' L3 "$(seen '"ipv4":{"packets":')" \
		"$(seen '"ipv6":{"packets":')" "$(seen '"arp":{"packets":')"
	printf '  %-10s %s packets\n' TCP "$(seen '"tcp":{"packets":')"
	printf '  %-10s %s packets (sent: %s iperf3 + %s trafgen, and iperf3 set-up)\n' UDP \
		"$(seen '"udp":{"packets":')" "$udp" "$(sum "$tg1" "$tg2")"
	printf '  %-10s %s packets (sent: %s echo requests)\n' ICMP "$(seen '"icmp":{"packets":')" "$p4"
	printf '  %-10s %s packets (sent: %s echo requests, and neighbour discovery)\n' ICMPv6 \
		"$(seen '"icmpv6":{"packets":')" "$p6"
	printf '  %-10s %s tagged (sent: %s), %s of them QinQ (sent: %s)\n' VLAN \
		"$(seen '"vlan":{"tagged":')" "$(sum "$tg1" "$tg2")" \
		"$(seen '"vlan":{"tagged":[0-9]*,"qinq":')" "$tg2"
	printf '  %-10s %s SYN without ACK (sent: %s hping3 + %s nmap, and handshakes)\n' "TCP SYN" \
		"$(seen '"tcp_flags":{[^}]*"S":')" "$([ "$hpb" != "?" ] && sum "$hp" "$hpb" || echo "$hp")" \
		"$(sum "$nm" -1)"
	printf '  %-10s %s created\n' flows "$(seen '"created":')"
	ns=$(sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' "$T/prog.txt" 2>/dev/null)
	if [ -n "$ns" ]; then
		echo "$ns" | awk '{
			per = "?"
			if ($2 > 0) per = sprintf("%.0f", $1 / $2)
			printf "  %-10s %s ns per packet in the kernel (run_time_ns %s / run_cnt %s)\n", "cost", per, $1, $2
		}'
	fi
}

if [ -s "$T/snap.json" ]; then
	summary >"$T/summary.txt"
else
	echo "$ME: no figures from pktlens (the monitor stopped before the first step ended)" \
		>"$T/summary.txt"
fi

if [ "$KEEP" = 1 ] && alive; then
	PHASE=keep
	log "keeping the lab until q or Ctrl-C"
	[ "$VIEW" = json ] && say "traffic done; the lab stays up until Ctrl-C (namespaces $NS_TX, $NS_RX)"
	wait_monitor
fi
PHASE=finished
# Without --keep the monitor ends by itself at the --duration it was given.
n=$(((SETTLE + 10) * 10))
while alive && [ "$KEEP" = 0 ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
stop_monitor
tail_done
# The EVE file is whole once the monitor has ended.
[ -s "$T/snap.json" ] && app_and_threats >>"$T/summary.txt"
case $MON_RC in
0 | 130 | "") ;;
*) die "pktlens protect failed (exit $MON_RC): $(cat "$T/monitor.err")" ;;
esac
# The JSON records own standard output; the summary then goes to standard error.
if [ "$VIEW" = json ]; then
	cat "$T/summary.txt" >&2
else
	cat "$T/summary.txt"
fi
exit 0
