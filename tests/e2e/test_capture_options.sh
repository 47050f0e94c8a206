#!/usr/bin/env bash
# test_capture_options.sh - capture with tcpdump's options, on live traffic:
#  - -e -XX -tt: the link header, Unix time stamps, and hex dumps equal to what tcpdump
#    (capturing beside pktlens) prints for the same packets;
#  - -A: an HTTP request's text on its own lines;
#  - -l and -U: lines reach a pipe while packets keep coming; -U -w: packets reach
#    the file; without -l, lines reach a pipe once packets pause;
#  - a -w FILE that cannot be created leaves nothing attached;
#  - -G 1 -W 3 -w 'cap-%s.pcap': a burst of packets at the start of each of four
#    seconds: three files a second apart named by strftime, each holding its burst,
#    then the end at the fourth (exit 0, "maximum file limit reached") (-C and -W are
#    held next to tcpdump's files in test_capture_read.sh);
#  - -D: the lab's veth with native XDP, a macvlan with generic XDP only, a tun as
#    not Ethernet, in tcpdump's "N.name [flags]" form, numbered as tcpdump numbers
#    (on Linux 6.3 and later, which tell native from generic, that must be said);
#  - promiscuous mode while it runs (the kernel's count goes up by one and back, also
#    after SIGKILL, and someone else's setting stays), none with -p; -Q in accepted,
#    -Q out refused.
# The formats themselves are held next to tcpdump's on crafted and corpus frames in
# tests/text/.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen tcpdump

lab_up || { fail "lab" "could not build the namespaces"; finish; }

cat >"$LAB_TMP/udp.cfg" <<EOF2
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=47000), fill(0x41, 30) }
EOF2
cat >"$LAB_TMP/http.cfg" <<EOF2
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), tcp(sp=40002, dp=80, psh, ack, seq=1, aseq=1),
  "GET /pktlens-test HTTP/1.1", 0x0d, 0x0a, "Host: www.example.com", 0x0d, 0x0a, 0x0d, 0x0a }
EOF2

# cap_start NAME ARGS...: pktlens capture ARGS on the rx side, stdout to NAME.out.
cap_start() {
	local name=$1
	shift
	CAP_OUT=$LAB_TMP/$name.out CAP_ERR=$LAB_TMP/$name.err
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" "$@" >"$CAP_OUT" 2>"$CAP_ERR" &
	CAP_PID=$!
	LAB_PIDS+=("$CAP_PID")
	wait_grep "$CAP_ERR" "capturing on $IF_RX" "$CAP_PID"
}

# ---- -e -XX -tt, next to tcpdump on the same packets ------------------------------
N=5
in_rx timeout 30 tcpdump -n -i "$IF_RX" -Q in -c "$N" -w "$LAB_TMP/ref.pcap" udp port 47000 \
	2>"$LAB_TMP/ref.err" &
REF_PID=$!
LAB_PIDS+=("$REF_PID")
wait_grep "$LAB_TMP/ref.err" "listening on" "$REF_PID"
if cap_start hex -c "$N" --duration 20 -Q in -e -XX -tt udp port 47000; then
	trafgen_send "$N" "$LAB_TMP/udp.cfg"
	pid_wait "$CAP_PID" 20
	check_rc "-e -XX -tt: exit status" "$WAIT_RC" 0
	pid_wait "$REF_PID" 10
	check_eq "-e -XX -tt: $N lines with Unix time and the link header" \
		"$(grep -cE "^[0-9]{10}\.[0-9]{6} $MAC_TX > $MAC_RX, ethertype IPv4 \(0x0800\), length 72: $IP4_TX\.40001 > $IP4_RX\.47000: UDP, length 30$" "$CAP_OUT")" "$N"
	tcpdump -n -XX -r "$LAB_TMP/ref.pcap" 2>/dev/null | grep -P '^\t0x' >"$LAB_TMP/ref.hex"
	grep -P '^\t0x' "$CAP_OUT" >"$LAB_TMP/hex.hex"
	check_eq "-XX: tcpdump's dump of the same $N packets ($(wc -l <"$LAB_TMP/ref.hex") lines)" \
		"$(cmp -s "$LAB_TMP/ref.hex" "$LAB_TMP/hex.hex" && echo same)" same
else
	fail "-e -XX -tt: start" "$(cat "$CAP_ERR")"
fi

# ---- -A ------------------------------------------------------------------------------
if cap_start ascii -c 1 --duration 20 -A tcp port 80; then
	trafgen_send 1 "$LAB_TMP/http.cfg"
	pid_wait "$CAP_PID" 20
	check_grep "-A: the request line on a line of its own" "$CAP_OUT" '^.*GET /pktlens-test HTTP/1\.1$'
	check_grep "-A: the Host header on the next line, no CR" "$CAP_OUT" '^Host: www\.example\.com$'
else
	fail "-A: start" "$(cat "$CAP_ERR")"
fi

# ---- -l, -U, and the flush when packets pause -------------------------------------
# trafgen sends 60 packets 20 ms apart (1.2 s): no pause of 100 ms, so only -l (or -U)
# gets lines (packets) out while it runs.
N_STREAM=60
stream() { in_tx timeout 30 trafgen --cpus 1 -q -n "$N_STREAM" -t 20ms -i "$LAB_TMP/udp.cfg" -o "$IF_TX" -C \
	>/dev/null 2>&1; }
# stream_mid CMD...: start the stream; once 10 packets were sent, run CMD (it sets
# MID) until MID >= 5 or the stream has ended; then wait for the stream's end. MID_SENT:
# the packets sent when MID was last taken (below N_STREAM: while packets kept coming).
stream_mid() {
	local base sp
	base=$(tx_packets)
	stream &
	sp=$!
	wait_until 10 sent_since "$base" 10
	# shellcheck disable=SC2317 # called through wait_until
	mid_ok() { "$@"; MID_SENT=$(($(tx_packets) - base)); [ "$MID" -ge 5 ] || gone "$sp"; }
	wait_until 10 mid_ok "$@"
	wait "$sp"
}
sent_since() { [ "$(tx_packets)" -ge $(($1 + $2)) ]; }
# piped NAME ARGS...: capture ARGS into a pipe that cat empties into NAME.out, with the
# stream; MID: the lines there while packets keep coming. CAP_PID is pktlens's.
piped() {
	local name=$1
	shift
	CAP_OUT=$LAB_TMP/$name.out CAP_ERR=$LAB_TMP/$name.err
	mkfifo "$LAB_TMP/$name.fifo"
	cat "$LAB_TMP/$name.fifo" >"$CAP_OUT" &
	READER_PID=$!
	LAB_PIDS+=("$READER_PID")
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" --duration 20 "$@" \
		>"$LAB_TMP/$name.fifo" 2>"$CAP_ERR" &
	CAP_PID=$!
	LAB_PIDS+=("$CAP_PID")
	wait_grep "$CAP_ERR" "capturing on $IF_RX" "$CAP_PID" || return 1
	stream_mid eval 'MID=$(grep -c 47000 "$CAP_OUT")'
}
# piped_end: stop the capture (SIGINT) and wait for it and for its reader.
piped_end() {
	kill -INT "$CAP_PID" 2>/dev/null
	pid_wait "$CAP_PID" 10
	pid_wait "$READER_PID" 5
}
lines_n() { [ "$(grep -c 47000 "$1")" = "$2" ]; }
for opt in -l -U; do
	if piped "buf$opt" "$opt" udp port 47000; then
		check_true "$opt: lines reach the pipe while packets keep coming ($MID with $MID_SENT of $N_STREAM sent)" \
			test "$MID" -ge 5 -a "$MID_SENT" -lt "$N_STREAM"
		piped_end
	else
		fail "$opt: start" "$(cat "$CAP_ERR")"
	fi
done
if piped blockbuf udp port 47000; then
	wait_until 5 lines_n "$CAP_OUT" "$N_STREAM"
	check_eq "without -l: all $N_STREAM lines are out once packets pause" "$(grep -c 47000 "$CAP_OUT")" "$N_STREAM"
	piped_end
else
	fail "without -l: start" "$(cat "$CAP_ERR")"
fi
if cap_start ubuf -w "$LAB_TMP/u.pcap" -U --duration 20 udp port 47000; then
	stream_mid eval 'MID=$(tcpdump -nr "$LAB_TMP/u.pcap" 2>/dev/null | grep -c 47000)'
	check_true "-U -w: packets reach the file while they keep coming ($MID with $MID_SENT of $N_STREAM sent)" \
		test "$MID" -ge 5 -a "$MID_SENT" -lt "$N_STREAM"
	kill -INT "$CAP_PID"
	pid_wait "$CAP_PID" 10
	check_eq "-U -w: all $N_STREAM in the file" "$(tcpdump -nr "$LAB_TMP/u.pcap" 2>/dev/null | grep -c 47000)" "$N_STREAM"
else
	fail "-U -w: start" "$(cat "$CAP_ERR")"
fi

# ---- promiscuous mode, -p, -Q --------------------------------------------------------
promisc() {
	ip netns exec "$NS_RX" ip -d link show dev "$IF_RX" | sed -nE 's/.*promiscuity ([0-9]+).*/\1/p'
}
# prom_case NAME SIGNAL WHILE AFTER [ARGS...]: capture ARGS; the interface's promiscuity
# count is WHILE while it runs and AFTER once SIGNAL ended it.
prom_case() {
	local name=$1 sig=$2 during=$3 after=$4
	shift 4
	if cap_start "prom$sig$during" --duration 20 "$@" udp; then
		check_eq "$name: promiscuity while capturing" "$(promisc)" "$during"
		kill "-$sig" "$CAP_PID"
		pid_wait "$CAP_PID" 10
		check_eq "$name: promiscuity after SIG$sig" "$(promisc)" "$after"
	else
		fail "$name: start" "$(cat "$CAP_ERR")"
	fi
}
check_eq "promiscuity before" "$(promisc)" 0
prom_case "promiscuous mode" INT 1 0
prom_case "-p" INT 0 0 -p
prom_case "promiscuous mode, killed" KILL 1 0
ip netns exec "$NS_RX" ip link set "$IF_RX" promisc on
prom_case "someone else's promiscuous mode" INT 2 1
ip netns exec "$NS_RX" ip link set "$IF_RX" promisc off
# A -w FILE that cannot be created, found after the attach: exit 1, nothing left
# attached, promiscuous mode given back.
in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" -w "$LAB_TMP/no/such/dir/x.pcap" --duration 5 \
	>/dev/null 2>"$LAB_TMP/nodir.err"
check_rc "-w into a missing directory: exit status" "$?" 1
check_grep "-w into a missing directory: names the file" "$LAB_TMP/nodir.err" "no/such/dir/x.pcap"
nothing_attached "-w into a missing directory"
check_eq "-w into a missing directory: promiscuous mode given back" "$(promisc)" 0
# With the capabilities pktlens needs but not CAP_NET_RAW: it says it cannot ask for
# promiscuous mode, and captures.
ip netns exec "$NS_RX" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all,+bpf,+net_admin,+perfmon --ambient-caps=+bpf,+net_admin,+perfmon \
	"$PKTLENS" capture -i "$IF_RX" -c 1 --duration 20 udp port 47000 \
	>"$LAB_TMP/caps.out" 2>"$LAB_TMP/caps.err" &
caps_pid=$!
LAB_PIDS+=("$caps_pid")
if wait_grep "$LAB_TMP/caps.err" "capturing on $IF_RX" "$caps_pid"; then
	check_grep "without CAP_NET_RAW: says promiscuous mode needs it" "$LAB_TMP/caps.err" \
		"cannot put $IF_RX in promiscuous mode: .*CAP_NET_RAW"
	check_eq "without CAP_NET_RAW: not promiscuous" "$(promisc)" 0
	trafgen_send 1 "$LAB_TMP/udp.cfg"
	pid_wait "$caps_pid" 20
	check_rc "without CAP_NET_RAW: exit status" "$WAIT_RC" 0
	check_eq "without CAP_NET_RAW: the packet captured" "$(grep -c 47000 "$LAB_TMP/caps.out")" 1
else
	fail "without CAP_NET_RAW: start" "$(cat "$LAB_TMP/caps.err")"
fi
# ---- -G: a new file every second; with -W 3 the end after the third ------------------
# Driven by the clock, not by sleeps: pktlens starts at the start of a second, and each
# burst (5 packets, its own source port) goes out at the start of the next second, so
# a busy machine has most of a second to write it into its own file.
name="-G 1 -W 3"
mkdir -p "$LAB_TMP/g"
for k in 1 2 3 4; do
	cat >"$LAB_TMP/g$k.cfg" <<EOF2
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=4100$k, dp=47000), fill(0x41, 30) }
EOF2
done
# new_second: wait for the wall clock's next second (2 s at most); sets SEC to it.
later() { [ "$(date +%s)" -gt "$1" ]; }
new_second() { wait_until 2 later "$(date +%s)"; SEC=$(date +%s); }
g_count() { local f; for f in "$LAB_TMP"/g/*; do tcpdump -r "$f" -n 2>/dev/null; done | grep -c 47000; }
g_has() { [ "$(g_count)" -ge "$1" ]; }
# The first burst must reach pktlens within the second it started in: should the start
# take longer (a busy machine), it is tried once more, and said.
for attempt in 1 2; do
	new_second
	cap_start g -G 1 -W 3 -w "$LAB_TMP/g/cap-%s.pcap" --duration 30 udp port 47000 || break
	[ "$(date +%s)" = "$SEC" ] && break
	[ "$attempt" = 2 ] && break
	echo "  note: pktlens took over a second to start (busy machine): -G tried once more"
	kill -INT "$CAP_PID"
	pid_wait "$CAP_PID" 10
	rm -f "$LAB_TMP"/g/*
done
if grep -q "capturing on" "$CAP_ERR"; then
	for k in 1 2 3 4; do
		[ "$k" -gt 1 ] && new_second
		trafgen_send 5 "$LAB_TMP/g$k.cfg"
		# Written (files are flushed when packets pause) before the next second begins.
		[ "$k" -lt 4 ] && wait_until 5 g_has $((5 * k))
	done
	pid_wait "$CAP_PID" 10
	check_rc "$name: exit status" "$WAIT_RC" 0
	check_grep "$name: says the file limit was reached" "$CAP_ERR" "maximum file limit reached: 3"
	files=$(cd "$LAB_TMP/g" && ls | sort)
	check_eq "$name: three files" "$(echo "$files" | grep -c .)" 3
	secs=$(echo "$files" | sed -nE 's/^cap-([0-9]+)\.pcap$/\1/p' | tr '\n' ' ')
	check_eq "$name: named by strftime, a second or more apart ($secs)" \
		"$(echo "$secs" | awk '{ ok = NF == 3; for (i = 2; i <= NF; i++) if ($i < $(i - 1) + 1) ok = 0; print ok }')" 1
	# File k: the 5 packets of burst k (source port 4100k), nothing else.
	got=$(k=0; for f in $files; do
		k=$((k + 1))
		tcpdump -r "$LAB_TMP/g/$f" -n 2>/dev/null | sed -nE 's/.* IP [0-9.]+\.([0-9]+) > .*/\1/p' |
			sort | uniq -c | awk -v k=$k '{ printf "%s%d:%d*%d", sep, k, $2, $1; sep = "," }'
		echo
	done | tr '\n' ' ')
	check_eq "$name: file k holds burst k, whole" "$got" "1:41001*5 2:41002*5 3:41003*5 "
	check_eq "$name: together every packet captured, 15" "$(g_count) $(g_count)" \
		"$(sed -nE 's/^([0-9]+) packets captured$/\1/p' "$CAP_ERR") 15"
else
	fail "$name: start" "$(cat "$CAP_ERR")"
fi

# ---- -D ---------------------------------------------------------------------------
rx_ip() { ip netns exec "$NS_RX" "$@"; }
rx_ip ip link add link "$IF_RX" name plmv0 type macvlan && rx_ip ip tuntap add pltun0 mode tun
in_rx "$PKTLENS" capture -D >"$LAB_TMP/D.out" 2>"$LAB_TMP/D.err"
check_rc "-D: exit status" "$?" 0
# Kernels before 6.3 cannot say which drivers have native XDP: then -D says "XDP".
# From 6.3 on the kernel tells, so a plain "XDP" there is a failure (a broken netlink
# query), not a skip.
native=native generic=generic
kv=$(uname -r | sed -nE 's/^([0-9]+)\.([0-9]+).*/\1 \2/p')
if grep -q '^[0-9]*\.lo \[.*\] XDP$' "$LAB_TMP/D.out"; then
	if echo "$kv" | awk '{ exit !($1 > 6 || ($1 == 6 && $2 >= 3)) }'; then
		fail "-D: native or generic XDP" "Linux $(uname -r) tells them apart, but -D says only 'XDP'"
	else
		skip "-D: native or generic XDP" "this kernel does not tell (before 6.3)"
		native= generic=
	fi
fi
check_grep "-D: the veth, up, with native XDP" "$LAB_TMP/D.out" "^[0-9]+\.$IF_RX \[Up, Running\] ${native:+native }XDP \(veth\)$"
check_grep "-D: a macvlan, down, generic XDP only" "$LAB_TMP/D.out" "^[0-9]+\.plmv0 \[none\] ${generic:+generic }XDP \(macvlan\)$"
check_grep "-D: a tun, not Ethernet" "$LAB_TMP/D.out" '^[0-9]+\.pltun0 \[none\] not Ethernet: cannot capture \(tun\)$'
check_grep "-D: loopback" "$LAB_TMP/D.out" "^[0-9]+\.lo \[Up, Running, Loopback\] ${generic:+generic }XDP$"
check_eq "-D: numbered 1..N, as many as the namespace has interfaces" \
	"$(sed -nE 's/^([0-9]+)\..*/\1/p' "$LAB_TMP/D.out" | tr '\n' ' ')" \
	"$(seq -s ' ' "$(rx_ip ls /sys/class/net | wc -l)") "
rx_ip ip link del plmv0
rx_ip ip link del pltun0

in_rx timeout 10 "$PKTLENS" capture -i "$IF_RX" -Q out -c 1 --duration 2 >/dev/null 2>"$LAB_TMP/q.err"
check_rc "-Q out: bad usage" "$?" 2
check_grep "-Q out: says only incoming packets can be captured" "$LAB_TMP/q.err" \
	"invalid -Q 'out': only incoming packets"
finish
