#!/usr/bin/env bash
# test_capture.sh - `pktlens capture` on a live veth: what it writes is exactly what
# arrived, read back by tcpdump and by tshark.
#
#  - a mixed stream from trafgen (N_MATCH UDP frames to port 7000 with distinct source
#    ports, IP ids and random payloads, plus as many TCP/7000, UDP/7001 and ICMP frames)
#    captured with 'udp and dst port 7000', in pcap and pcapng, full and -s 96: packet
#    count exact (tcpdump, tshark, capinfos), bytes identical to what tcpdump captured
#    on the receiver with the same filter at the same time (truncated with editcap for
#    -s 96; caplen 96, original length kept), every sequence number once, timestamps
#    within 50 ms of tcpdump's, no frame that does not match; pcapng names the interface;
#    the file is complete once traffic stops, before capture does (idle flush). Should
#    the reference tcpdump drop frames (a busy machine), the comparison is made on the
#    frames it saw, and its own count must add up (saw + dropped == sent)
#  - -w - (pcap and pcapng) into `tcpdump -r -`: exact count
#  - -c 100 stops at exactly 100 packets with exit 0 while traffic continues
#  - --duration 2 ends it; the closing lines add up
#  - SIGINT in the middle of a stream (native, tc): captured + lost == matched
#  - -w /dev/full (pcap, pcapng): exit 1 naming the file and the error, promptly
#  - a burst larger than a 16 KiB ring buffer: loss reported, captured + lost ==
#    matched == sent
#  - invalid expressions: libpcap's own message, exit 2, nothing attached
#  - generic XDP and tc mode: exact counts and bytes
#  - 'vlan 100 and udp' on 802.1Q frames (id 100, id 200, untagged) in native and
#    generic XDP and tc: exactly the id 100 frames, tag included (tc puts back the
#    tag the kernel moved into skb metadata)
#  - no -w: one text line per packet
#  - MTU 9000, native XDP: 8042-byte frames in several buffers captured whole, and
#    counted whole by monitor
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen tcpdump tshark capinfos editcap tc

N_MATCH=2000
FILTER='udp and dst port 7000'

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# ---- traffic ------------------------------------------------------------------------
# trafgen --cpus 1 sends the templates in turn: -n 4*N_MATCH gives N_MATCH of each.
# 200-byte matching frames (longer than 96); the source port is the sequence number.
cat >"$LAB_TMP/mix.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, id=dinc(1, 60000)), udp(sp=dinc(10000, $((10000 + N_MATCH - 1))), dp=7000), drnd(158) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), tcp(sp=dinc(20000, 29999), dp=7000, syn), drnd(30) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=dinc(30000, 39999), dp=7001), drnd(40) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), icmp4(echorequest, id=77, seq=dinc(1, 60000)), drnd(20) }
EOF
N_MIX=$((4 * N_MATCH))
# Matching frames only, 1000 bytes (the ring buffer test, -c, --duration).
cat >"$LAB_TMP/big.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=dinc(10000, 59999), dp=7000), drnd(958) }
EOF
# 802.1Q: id 100 (to match), id 200 and untagged UDP (not to match), 68/64 bytes.
N_VLAN=500
cat >"$LAB_TMP/vlan.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=100), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=dinc(10000, 10499), dp=9), drnd(22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), vlan(1q, id=200), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40200, dp=9), drnd(22) }
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40000, dp=9), drnd(22) }
EOF

# send N CFG: trafgen_send with a message on failure.
send() {
	trafgen_send "$1" "$2" || echo "  trafgen $2 failed: $(tail -n 3 "$LAB_TMP/trafgen.log")"
}

# ---- pktlens capture and a reference tcpdump on the rx side -------------------------
# cap_start NAME ARGS...: `pktlens capture -i $IF_RX ARGS` in the background, stdout to
# $LAB_TMP/NAME.out, stderr to NAME.err; waits (10 s at most) for "capturing on".
# Sets CAP_PID, CAP_OUT, CAP_ERR. Returns 1 if it did not start capturing.
cap_start() {
	local name=$1
	shift
	CAP_OUT=$LAB_TMP/$name.out CAP_ERR=$LAB_TMP/$name.err
	# nsenter execs pktlens: $! is pktlens itself.
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" "$@" \
		>"$CAP_OUT" 2>"$CAP_ERR" &
	CAP_PID=$!
	LAB_PIDS+=("$CAP_PID")
	wait_grep "$CAP_ERR" "capturing on $IF_RX" "$CAP_PID"
}

# cap_stop: SIGINT, then wait; sets CAP_RC.
cap_stop() {
	kill -INT "$CAP_PID" 2>/dev/null
	pid_wait "$CAP_PID" 15
	CAP_RC=$WAIT_RC
}

# cap_counts ERRFILE: CAPTURED, MATCHED, LOST from the three closing lines ("" if absent).
cap_counts() {
	CAPTURED=$(sed -nE 's/^([0-9]+) packets captured$/\1/p' "$1")
	MATCHED=$(sed -nE 's/^([0-9]+) packets matched in kernel$/\1/p' "$1")
	LOST=$(sed -nE 's/^([0-9]+) lost in ring buffer$/\1/p' "$1")
}

# ref_start FILE: tcpdump on the rx interface with $FILTER, whole frames, into FILE.
# Immediate mode gives each packet a ring slot of the snap length: -s 2048 (the
# frames are 200 bytes) makes 32 MiB hold over 10000 of them, so a reference that is
# not scheduled for the whole burst still drops none (-s 0: about 128 slots, and the
# reference dropped frames on a busy machine).
ref_start() {
	REF_FILE=$1
	# nsenter execs timeout: $! is timeout, which passes SIGTERM on to tcpdump.
	nsenter -t "$RX_HOLD" -m -n -- timeout 60 tcpdump -i "$IF_RX" -n -U --immediate-mode -s 2048 -B 32768 \
		-w "$REF_FILE" "$FILTER" 2>"$LAB_TMP/ref.err" &
	REF_PID=$!
	LAB_PIDS+=("$REF_PID")
	wait_grep "$LAB_TMP/ref.err" "listening on" "$REF_PID"
}

# ref_stop: SIGTERM (background jobs of a script ignore SIGINT); sets REF_DROPPED and
# REF_SAW (the frames in its file).
ref_stop() {
	kill -TERM "$REF_PID" 2>/dev/null
	pid_wait "$REF_PID" 10
	REF_DROPPED=$(sed -nE 's/^([0-9]+) packets? dropped by kernel$/\1/p' "$LAB_TMP/ref.err")
	REF_SAW=$(n_tcpdump "$REF_FILE")
}

# check_ref NAME: the reference's own count adds up (what it wrote + what it says it
# dropped == the matching frames sent), and it saw enough for the comparison to mean
# something. Frames it dropped are left out of the comparison (ref_view), and said.
check_ref() {
	check_eq "$1: reference tcpdump: frames written + dropped == $N_MATCH sent" \
		"$((REF_SAW + ${REF_DROPPED:-0}))" "$N_MATCH"
	check_eq "$1: reference tcpdump saw at least half of them ($REF_SAW)" \
		"$((2 * REF_SAW >= N_MATCH))" 1
	[ "$REF_SAW" -lt "$N_MATCH" ] &&
		echo "  note: the reference tcpdump dropped ${REF_DROPPED:-?} frames (busy machine): bytes and times compared on the $REF_SAW it saw"
	return 0
}

# ref_view FILE OUT: the frames of FILE the reference saw (by sequence number, the
# UDP source port), into OUT; FILE itself when it saw them all.
ref_view() {
	local expr
	if [ "$REF_SAW" -ge "$N_MATCH" ]; then
		cp "$1" "$2"
		return
	fi
	# The source ports it saw, as ranges: 'udp src portrange A-B or ...'.
	expr=$(tcpdump -r "$REF_FILE" -n 2>/dev/null | sed -nE 's/.* IP [0-9.]+\.([0-9]+) > .*/\1/p' | sort -n |
		awk 'NR == 1 { a = b = $1; next } $1 == b + 1 { b = $1; next }
		     { printf "%sudp src portrange %d-%d", sep, a, b; sep = " or "; a = b = $1 }
		     END { if (NR) printf "%sudp src portrange %d-%d", sep, a, b }')
	tcpdump -r "$1" -w "$2" "$expr" 2>/dev/null
}

# ---- readers ---------------------------------------------------------------------------
n_tcpdump() { tcpdump -r "$1" -n 2>/dev/null | wc -l; }
# has_n FILE N: tcpdump reads N frames from FILE (the wait for an idle flush).
has_n() { [ "$(n_tcpdump "$1")" = "$2" ]; }
# lines_n FILE N: FILE has N lines.
lines_n() { [ "$(wc -l <"$1")" = "$2" ]; }
n_tshark() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
n_capinfos() { capinfos -c -M "$1" 2>/dev/null | sed -nE 's/^Number of packets: *([0-9]+).*/\1/p'; }
# Frame bytes as each tool prints them (no timestamps): the same file content gives
# the same text.
hex_tcpdump() { tcpdump -r "$1" -n -t -xx 2>/dev/null | md5sum | cut -c1-32; }
hex_tshark() { tshark -r "$1" -x 2>/dev/null | md5sum | cut -c1-32; }

# check_file NAME FILE REF SNAP: FILE holds exactly the frames sent that match, and the
# ones REF holds, byte for byte (both read by tcpdump and tshark); with SNAP, REF is
# first truncated to SNAP bytes per frame. One tshark pass per file reads the fields.
check_file() {
	local name=$1 f=$2 ref=$3 snap=${4:-} mine=$LAB_TMP/mine.pcap
	check_eq "$name: tcpdump reads $N_MATCH packets" "$(n_tcpdump "$f")" "$N_MATCH"
	check_eq "$name: capinfos counts $N_MATCH packets" "$(n_capinfos "$f")" "$N_MATCH"
	tshark -r "$f" -T fields -e frame.cap_len -e frame.len -e udp.srcport -e ip.id \
		-e frame.time_epoch -e ip.proto -e udp.dstport 2>/dev/null >"$LAB_TMP/f.tsv"
	check_eq "$name: tshark reads $N_MATCH packets" "$(wc -l <"$LAB_TMP/f.tsv")" "$N_MATCH"
	check_eq "$name: every frame ${snap:+cut to $snap bytes, }original length 200" \
		"$(cut -f1,2 "$LAB_TMP/f.tsv" | sort | uniq -c | sed 's/^ *//')" "$N_MATCH ${snap:-200}	200"
	if [ -n "$snap" ]; then
		editcap -F pcap -s "$snap" "$ref" "$LAB_TMP/ref$snap.pcap" 2>/dev/null
		ref=$LAB_TMP/ref$snap.pcap
	fi
	# Sequence numbers (source ports) 10000.. each once, in order; IP ids distinct.
	check_eq "$name: sequence numbers: each once, in order" \
		"$(awk -v n="$N_MATCH" '$3 != 10000 + NR - 1 { bad++ } END { print NR == n && !bad }' "$LAB_TMP/f.tsv")" 1
	check_eq "$name: distinct IP ids" "$(cut -f4 "$LAB_TMP/f.tsv" | sort -u | wc -l)" "$N_MATCH"
	check_eq "$name: no frame that does not match (tshark)" \
		"$(awk -F'\t' '!($6 == 17 && $7 == 7000)' "$LAB_TMP/f.tsv" | wc -l)" 0
	check_eq "$name: no frame that does not match (tcpdump -r FILE 'not ($FILTER)')" \
		"$(tcpdump -r "$f" -n "not ($FILTER)" 2>/dev/null | wc -l)" 0
	# Against the reference: the frames it saw.
	ref_view "$f" "$mine"
	if [ "$(hex_tcpdump "$mine")" = "$(hex_tcpdump "$ref")" ]; then
		ok "$name: bytes (tcpdump -xx) == receiver's tcpdump capture ($REF_SAW frames)"
	else
		fail "$name: bytes (tcpdump -xx) == receiver's tcpdump capture" \
			"$(diff <(tcpdump -r "$mine" -n -t -xx 2>/dev/null) <(tcpdump -r "$ref" -n -t -xx 2>/dev/null) | head -n 6 | tr '\n' '|')"
	fi
	check_eq "$name: bytes (tshark -x) == receiver's tcpdump capture" "$(hex_tshark "$mine")" \
		"$(hex_tshark "$ref")"
	# Timestamps: wall clock, within 50 ms of tcpdump's for the same frame, in order.
	check_eq "$name: timestamps within 50 ms of tcpdump's, non-decreasing" \
		"$(tshark -r "$ref" -T fields -e udp.srcport -e frame.time_epoch 2>/dev/null |
			awk -F'\t' 'NR == FNR { t[$3] = $5; if ($5 < prev) bad++; prev = $5; next }
			     { d = t[$1] - $2; if (d < 0) d = -d; if (!($1 in t) || d > 0.05) bad++; n++ }
			     END { print n, bad + 0 }' "$LAB_TMP/f.tsv" -)" "$REF_SAW 0"
}

# ---- 1. pcap and pcapng, full and -s 96 --------------------------------------------
t_start=$(date +%s)
for variant in pcap pcapng pcap96 pcapng96; do
	args=() snap='' ext=pcap
	case $variant in pcapng*) args+=(--pcapng) ext=pcapng ;; esac
	case $variant in *96) args+=(-s 96) snap=96 ;; esac
	f=$LAB_TMP/$variant.$ext
	echo "--- $variant: ${args[*]:+${args[*]} }-w FILE '$FILTER'"
	lab_quiet
	if ! ref_start "$LAB_TMP/ref_$variant.pcap"; then
		fail "$variant: reference tcpdump starts" "$(cat "$LAB_TMP/ref.err"; gone "$REF_PID" && echo "(it exited)")"
		continue
	fi
	if ! cap_start "$variant" "${args[@]}" -w "$f" "$FILTER"; then
		fail "$variant: capture starts" "$(cat "$CAP_ERR")"
		ref_stop
		continue
	fi
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	# Still running: once the traffic stops, what it buffered reaches the file.
	wait_until 10 has_n "$f" "$N_MATCH"
	check_eq "$variant: the file holds every packet while capture still runs" \
		"$(n_capinfos "$f")" "$N_MATCH"
	cap_stop
	ref_stop
	check_rc "$variant: SIGINT ends the capture" "$CAP_RC" 0
	cap_counts "$CAP_ERR"
	check_eq "$variant: closing lines (captured matched lost)" "$CAPTURED $MATCHED $LOST" \
		"$N_MATCH $N_MATCH 0"
	check_ref "$variant"
	check_eq "$variant: file format (capinfos)" \
		"$(capinfos -t -M "$f" 2>/dev/null | sed -nE 's/^File type: *(.*)/\1/p')" \
		"$([ "$ext" = pcapng ] && echo pcapng || echo nsecpcap)"
	check_file "$variant" "$f" "$REF_FILE" "$snap"
	if [ "$ext" = pcapng ]; then
		check_grep "$variant: capinfos shows the interface name" \
			<(capinfos "$f" 2>/dev/null) "Name = $IF_RX\$"
		check_grep "$variant: capinfos shows the snap length" \
			<(capinfos "$f" 2>/dev/null) "Capture length = ${snap:-1522}\$"
	fi
	nothing_attached "$variant"
done

# ---- 2. -w - into tcpdump -r - ------------------------------------------------------
for fmt in pcap pcapng; do
	name="-w - ($fmt) | tcpdump -r -"
	args=()
	[ "$fmt" = pcapng ] && args=(--pcapng)
	echo "--- $name"
	fifo=$LAB_TMP/pipe_$fmt
	mkfifo "$fifo"
	timeout 60 tcpdump -l -r - -n -t <"$fifo" >"$LAB_TMP/pipe_$fmt.txt" 2>"$LAB_TMP/pipe_$fmt.err" &
	pipe_pid=$!
	LAB_PIDS+=("$pipe_pid")
	# The reader opens the fifo first: pktlens's redirection must not block forever.
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" capture -i "$IF_RX" "${args[@]}" -w - "$FILTER" \
		>"$fifo" 2>"$LAB_TMP/pipe_$fmt.cerr" &
	CAP_PID=$!
	LAB_PIDS+=("$CAP_PID")
	if ! wait_grep "$LAB_TMP/pipe_$fmt.cerr" "capturing on" "$CAP_PID"; then
		fail "$name: capture starts" "$(cat "$LAB_TMP/pipe_$fmt.cerr")"
		kill -KILL "$CAP_PID" "$pipe_pid" 2>/dev/null
		continue
	fi
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	# The reader prints each packet as it comes (-l): stop once it has them all.
	wait_until 10 lines_n "$LAB_TMP/pipe_$fmt.txt" "$N_MATCH"
	cap_stop
	pid_wait "$pipe_pid" 10
	check_rc "$name: pktlens exit" "$CAP_RC" 0
	check_rc "$name: tcpdump -r - exit" "$WAIT_RC" 0
	check_eq "$name: tcpdump reads $N_MATCH packets" "$(wc -l <"$LAB_TMP/pipe_$fmt.txt")" "$N_MATCH"
	check_eq "$name: all of them UDP to port 7000" \
		"$(grep -c "^IP $IP4_TX\.[0-9]* > $IP4_RX\.7000: " "$LAB_TMP/pipe_$fmt.txt")" "$N_MATCH"
	cap_counts "$LAB_TMP/pipe_$fmt.cerr"
	check_eq "$name: closing lines on stderr" "$CAPTURED $MATCHED $LOST" "$N_MATCH $N_MATCH 0"
done

# ---- 3. -c 100 while traffic continues --------------------------------------------------
echo "--- -c 100"
lab_quiet
if cap_start count -c 100 -w "$LAB_TMP/count.pcap" "$FILTER"; then
	# 20000 frames, 200 us apart: about 4 s of traffic (bounded by timeout); ip netns
	# exec execs timeout: $! is timeout, which passes SIGTERM on to trafgen.
	ip netns exec "$NS_TX" timeout 20 trafgen --cpus 1 -q -n 20000 -t 200us -i "$LAB_TMP/big.cfg" \
		-o "$IF_TX" >"$LAB_TMP/trafgen_bg.log" 2>&1 &
	tg_pid=$!
	LAB_PIDS+=("$tg_pid")
	t0=$(date +%s%N)
	pid_wait "$CAP_PID" 15
	CAP_RC=$WAIT_RC
	t1=$(date +%s%N)
	if kill -0 "$tg_pid" 2>/dev/null; then
		ok "-c 100: ended while traffic continued ($(((t1 - t0) / 1000000)) ms)"
	else
		fail "-c 100: ended while traffic continued" "trafgen had finished first"
	fi
	kill -TERM "$tg_pid" 2>/dev/null
	pid_wait "$tg_pid" 5
	check_rc "-c 100: exit status" "$CAP_RC" 0
	check_eq "-c 100: tcpdump reads exactly 100 packets" "$(n_tcpdump "$LAB_TMP/count.pcap")" 100
	check_eq "-c 100: tshark reads exactly 100 packets" "$(n_tshark "$LAB_TMP/count.pcap")" 100
	cap_counts "$CAP_ERR"
	check_eq "-c 100: '100 packets captured'" "$CAPTURED" 100
	if [ "${MATCHED:-0}" -ge 100 ] 2>/dev/null && [ -n "$LOST" ]; then
		ok "-c 100: matched ($MATCHED) >= captured, lost line present ($LOST)"
	else
		fail "-c 100: matched/lost lines" "$(tail -n 3 "$CAP_ERR" | tr '\n' '|')"
	fi
	nothing_attached "-c 100"
else
	fail "-c 100: capture starts" "$(cat "$CAP_ERR")"
fi
# Let the sender's queue drain before the next test counts.
lab_quiet

# ---- 4. --duration 2 -------------------------------------------------------------------
echo "--- --duration 2"
t0=$(now_ms)
if cap_start duration --duration 2 -w "$LAB_TMP/duration.pcap" "$FILTER"; then
	t_up=$(now_ms)
	# 1000 frames at once, well inside the two seconds even on a busy machine.
	send 1000 "$LAB_TMP/big.cfg"
	pid_wait "$CAP_PID" 15
	t1=$(now_ms)
	check_rc "--duration 2: exit status" "$WAIT_RC" 0
	# From before the start (its clock starts then at the latest) and from the moment
	# it said it captures (a loaded machine may take long to load the program).
	if [ $((t1 - t0)) -ge 2000 ] && [ $((t1 - t_up)) -lt 6000 ]; then
		ok "--duration 2: ended by itself after $((t1 - t0)) ms"
	else
		fail "--duration 2: ended by itself after about 2 s" "$((t1 - t0)) ms from the start, $((t1 - t_up)) ms from 'capturing on'"
	fi
	cap_counts "$CAP_ERR"
	if [ -n "$CAPTURED" ] && [ -n "$MATCHED" ] && [ -n "$LOST" ]; then
		ok "--duration 2: the three closing lines ($CAPTURED captured, $MATCHED matched, $LOST lost)"
		check_eq "--duration 2: captured <= matched" "$((CAPTURED <= MATCHED))" 1
		check_eq "--duration 2: captured + lost == matched" "$((CAPTURED + LOST))" "$MATCHED"
		check_eq "--duration 2: all 1000 frames matched" "$MATCHED" 1000
		check_eq "--duration 2: file holds the captured packets" \
			"$(n_tcpdump "$LAB_TMP/duration.pcap")" "$CAPTURED"
	else
		fail "--duration 2: the three closing lines" "$(tail -n 4 "$CAP_ERR" | tr '\n' '|')"
	fi
	nothing_attached "--duration 2"
else
	fail "--duration 2: capture starts" "$(cat "$CAP_ERR")"
fi

# ---- 4a. SIGINT in the middle of a stream ----------------------------------------------
sent_at_least() { [ "$(tx_packets)" -ge "$1" ]; }
# Stopped while frames still arrive, with records waiting in the ring (the reader lets
# a batch accumulate under load): whatever the kernel matched before the detach is
# written or reported lost, nothing vanishes between the last read and the detach.
for mode in native tc; do
	name="SIGINT mid-stream ($mode)"
	echo "--- $name"
	lab_quiet
	if cap_start midstream --mode "$mode" -w "$LAB_TMP/midstream.pcap" "$FILTER"; then
		tx_before=$(tx_packets)
		# More frames than it can send before the stop; ended right after it.
		# ip netns exec execs timeout: $! is timeout, which passes SIGTERM on to trafgen.
		ip netns exec "$NS_TX" timeout 30 trafgen --cpus 1 -q -n 2000000 -i "$LAB_TMP/big.cfg" \
			-o "$IF_TX" >"$LAB_TMP/trafgen_bg.log" 2>&1 &
		tg_pid=$!
		LAB_PIDS+=("$tg_pid")
		# Stopped once 5000 frames were sent, however long that takes.
		wait_until 10 sent_at_least $((tx_before + 5000))
		cap_stop
		sent=$(($(tx_packets) - tx_before))
		kill -TERM "$tg_pid" 2>/dev/null
		pid_wait "$tg_pid" 5
		check_rc "$name: exit status" "$CAP_RC" 0
		cap_counts "$CAP_ERR"
		echo "  $CAPTURED captured, $MATCHED matched, $LOST lost; $sent sent by then"
		if [ -n "$MATCHED" ] && [ "$MATCHED" -gt 0 ] && [ "$sent" -gt "$MATCHED" ]; then
			ok "$name: stopped while the stream went on ($MATCHED matched, $sent sent)"
		else
			fail "$name: stopped while the stream went on" "$MATCHED matched, $sent sent"
		fi
		check_eq "$name: captured + lost == matched" "$((CAPTURED + LOST))" "$MATCHED"
		check_eq "$name: the file holds the captured packets" \
			"$(n_tcpdump "$LAB_TMP/midstream.pcap")" "$CAPTURED"
		nothing_attached "$name"
	else
		fail "$name: capture starts" "$(cat "$CAP_ERR")"
	fi
done

# ---- 4b. a file that cannot be written ------------------------------------------------
for fmt in pcap pcapng; do
	name="-w /dev/full ($fmt)"
	args=()
	[ "$fmt" = pcapng ] && args=(--pcapng)
	echo "--- $name"
	t0=$(date +%s%N)
	if cap_start full "${args[@]}" --duration 20 -w /dev/full "$FILTER"; then
		# 1000 frames of 1000 bytes: more than the write buffer holds.
		in_tx timeout 10 trafgen --cpus 1 -q -n 1000 -i "$LAB_TMP/big.cfg" \
			-o "$IF_TX" >"$LAB_TMP/trafgen_bg.log" 2>&1
		pid_wait "$CAP_PID" 15
		ms=$((($(date +%s%N) - t0) / 1000000))
		check_rc "$name: exit status 1" "$WAIT_RC" 1
		check_grep "$name: says what failed" "$CAP_ERR" \
			"writing '/dev/full' failed: No space left on device"
		check_eq "$name: stops by itself, long before --duration ($ms ms)" \
			"$((ms < 10000))" 1
		check_grep "$name: still prints the closing counts" "$CAP_ERR" \
			'^[0-9]+ packets matched in kernel$'
		nothing_attached "$name"
	else
		fail "$name: capture starts" "$(cat "$CAP_ERR")"
	fi
done

# ---- 5. a burst bigger than the ring buffer -------------------------------------------
received_at_least() { [ "$(rx_packets)" -ge "$1" ]; }
N_BURST=20000
echo "--- -B 16 -s 4096 (3 records: the smallest ring capture takes holds 2), burst of $N_BURST x 1000 bytes"
lab_quiet
if cap_start ring -B 16 -s 4096 -w "$LAB_TMP/ring.pcap" "$FILTER"; then
	rx0=$(rx_packets)
	send "$N_BURST" "$LAB_TMP/big.cfg"
	# In native mode the veth counts a frame received once XDP has run on it.
	wait_until 10 received_at_least $((rx0 + N_BURST))
	cap_stop
	check_rc "ring: exit status" "$CAP_RC" 0
	cap_counts "$CAP_ERR"
	echo "  $CAPTURED captured, $MATCHED matched, $LOST lost"
	if [ "${LOST:-0}" -gt 0 ] 2>/dev/null; then
		ok "ring: loss reported ($LOST lost in ring buffer)"
	else
		fail "ring: loss reported" "$(tail -n 3 "$CAP_ERR" | tr '\n' '|')"
	fi
	check_eq "ring: matched == frames sent" "$MATCHED" "$N_BURST"
	check_eq "ring: captured + lost == matched (no silent loss)" "$((CAPTURED + LOST))" "$MATCHED"
	check_eq "ring: the file holds the captured packets" "$(n_tcpdump "$LAB_TMP/ring.pcap")" "$CAPTURED"
else
	fail "ring: capture starts" "$(cat "$CAP_ERR")"
fi

# ---- 6. invalid expressions ---------------------------------------------------------------
for expr in 'tcp port' 'foo bar' 'port 99999'; do
	for mode in native tc; do
		name="invalid '$expr' ($mode)"
		# libpcap's own text, as tcpdump prints it.
		want=$(tcpdump -d "$expr" 2>&1 >/dev/null | sed -n 's/^tcpdump: //p' | tail -n 1)
		in_rx timeout 20 "$PKTLENS" capture -i "$IF_RX" --mode "$mode" -w "$LAB_TMP/bad.pcap" \
			"$expr" >/dev/null 2>"$LAB_TMP/bad.err"
		check_rc "$name: exit status" $? 2
		if [ -n "$want" ] && grep -qF -- "$want" "$LAB_TMP/bad.err"; then
			ok "$name: libpcap's message ($want)"
		else
			fail "$name: libpcap's message '$want'" "$(head -c 300 "$LAB_TMP/bad.err")"
		fi
		nothing_attached "$name"
	done
done

# ---- 7. generic XDP and tc mode ----------------------------------------------------------
for mode in generic tc; do
	echo "--- --mode $mode"
	lab_quiet
	if ! ref_start "$LAB_TMP/ref_$mode.pcap"; then
		fail "$mode: reference tcpdump starts" "$(cat "$LAB_TMP/ref.err")"
		continue
	fi
	if ! cap_start "$mode" --mode "$mode" -w "$LAB_TMP/$mode.pcap" "$FILTER"; then
		fail "$mode: capture starts" "$(cat "$CAP_ERR")"
		ref_stop
		continue
	fi
	check_grep "$mode: mode reported" "$CAP_ERR" "in $mode mode"
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	wait_until 10 has_n "$LAB_TMP/$mode.pcap" "$N_MATCH"
	cap_stop
	ref_stop
	check_rc "$mode: exit status" "$CAP_RC" 0
	cap_counts "$CAP_ERR"
	check_eq "$mode: closing lines (captured matched lost)" "$CAPTURED $MATCHED $LOST" \
		"$N_MATCH $N_MATCH 0"
	check_eq "$mode: tcpdump reads $N_MATCH packets" "$(n_tcpdump "$LAB_TMP/$mode.pcap")" "$N_MATCH"
	check_eq "$mode: tshark reads $N_MATCH packets" "$(n_tshark "$LAB_TMP/$mode.pcap")" "$N_MATCH"
	check_ref "$mode"
	ref_view "$LAB_TMP/$mode.pcap" "$LAB_TMP/mine.pcap"
	check_eq "$mode: bytes (tshark -x) == receiver's tcpdump capture" \
		"$(hex_tshark "$LAB_TMP/mine.pcap")" "$(hex_tshark "$REF_FILE")"
	nothing_attached "$mode"
done

# ---- 8. 802.1Q -----------------------------------------------------------------------------
# At tc ingress the kernel has already moved the tag into the skb's metadata: the filter
# still sees the wire frame, but the frame written lacks its tag (a known gap of the tc
# program's copy: reported as a skip, not hidden).
for mode in native generic tc; do
	name="vlan ($mode)"
	echo "--- $name: vlan 100 and udp"
	lab_quiet
	if ! cap_start "vlan_$mode" --mode "$mode" -w "$LAB_TMP/vlan_$mode.pcap" vlan 100 and udp; then
		fail "$name: capture starts" "$(cat "$CAP_ERR")"
		continue
	fi
	send $((3 * N_VLAN)) "$LAB_TMP/vlan.cfg"
	wait_until 10 has_n "$LAB_TMP/vlan_$mode.pcap" "$N_VLAN"
	cap_stop
	check_rc "$name: exit status" "$CAP_RC" 0
	check_grep "$name: $mode mode" "$CAP_ERR" "in $mode mode"
	cap_counts "$CAP_ERR"
	check_eq "$name: closing lines (captured matched lost)" "$CAPTURED $MATCHED $LOST" \
		"$N_VLAN $N_VLAN 0"
	got=$(tshark -r "$LAB_TMP/vlan_$mode.pcap" -T fields -e vlan.id -e frame.cap_len -e frame.len \
		-e udp.srcport 2>/dev/null |
		awk '$1 == 100 && $2 == 68 && $3 == 68 && $4 == 10000 + NR - 1 { n++ } END { print n + 0, NR }')
	check_eq "$name: tshark reads $N_VLAN frames, all tagged 100, 68 bytes whole, sequence complete" \
		"$got" "$N_VLAN $N_VLAN"
	check_eq "$name: tcpdump -r FILE 'vlan 100 and udp' keeps all $N_VLAN" \
		"$(tcpdump -r "$LAB_TMP/vlan_$mode.pcap" -n vlan 100 and udp 2>/dev/null | wc -l)" "$N_VLAN"
done

# ---- 9. no -w: one line per packet ----------------------------------------------------------
echo "--- text lines"
lab_quiet
if cap_start text -nn "$FILTER"; then # -nn as a tcpdump user types it
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	wait_until 10 lines_n "$CAP_OUT" "$N_MATCH" # lines are flushed once packets pause
	cap_stop
	check_rc "text: exit status" "$CAP_RC" 0
	check_eq "text: one line per packet" "$(wc -l <"$CAP_OUT")" "$N_MATCH"
	check_eq "text: every line is a UDP packet to port 7000" \
		"$(grep -cE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} IP $IP4_TX\.[0-9]+ > $IP4_RX\.7000: UDP, length 158, frame 200\$" "$CAP_OUT")" \
		"$N_MATCH"
	cap_counts "$CAP_ERR"
	check_eq "text: closing lines on stderr" "$CAPTURED $MATCHED $LOST" "$N_MATCH $N_MATCH 0"
else
	fail "text: capture starts" "$(cat "$CAP_ERR")"
fi

# ---- 9b. the reader goes away: | head ---------------------------------------------------------
# Text lines or a pcap stream into a pipe whose reader quits: capture stops at its next
# write, exit 0 (the reader had enough), closing lines printed, nothing left attached.
echo "--- closed pipe"
for out in text pcap; do
	if [ "$out" = text ]; then wargs=(-nn) reader=(head -n 3); else wargs=(-w -) reader=(head -c 2000); fi
	lab_quiet
	t0=$(date +%s)
	# --duration bounds it should it not stop by itself (the check below then fails).
	nsenter -t "$RX_HOLD" -m -n -- bash -c '"$0" capture -i "$1" --duration 20 "${@:3}" udp 2>"$2"; echo $? >"$2.rc"' \
		"$PKTLENS" "$IF_RX" "$LAB_TMP/pipe-$out.err" "${wargs[@]}" | "${reader[@]}" >"$LAB_TMP/pipe-$out.out" &
	pp=$!
	wait_until 20 grep -q "capturing on" "$LAB_TMP/pipe-$out.err"
	# The reader quits during the first burst; the second one makes capture write again
	# after that, whatever the first write's size was.
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	wait_until 10 gone "$pp"
	send "$N_MIX" "$LAB_TMP/mix.cfg"
	wait_until 25 test -s "$LAB_TMP/pipe-$out.err.rc"
	wait "$pp"
	check_eq "| ${reader[*]} ($out): exit status" "$(cat "$LAB_TMP/pipe-$out.err.rc" 2>/dev/null)" 0
	if [ $(($(date +%s) - t0)) -le 15 ]; then ok "| ${reader[*]} ($out): stopped by itself"; else fail "| ${reader[*]} ($out): stopped by itself" "after $(($(date +%s) - t0)) s"; fi
	check_grep "| ${reader[*]} ($out): closing lines" "$LAB_TMP/pipe-$out.err" '^[0-9]+ packets captured$'
	check_eq "| ${reader[*]} ($out): no write failure reported" "$(grep -c 'failed' "$LAB_TMP/pipe-$out.err")" 0
	check_eq "| ${reader[*]} ($out): nothing left attached" "$(xdp_prog_id "$IF_RX")" ""
done

# ---- 10. jumbo MTU: frames in several XDP buffers, native mode ------------------------------
echo "--- MTU 9000, native XDP"
in_tx ip link set "$IF_TX" mtu 9000
in_rx ip link set "$IF_RX" mtu 9000
lab_quiet
want=$(printf '8042 8042 %s,' 1 2 3 4 5)
if cap_start jumbo --mode native -c 5 -w "$LAB_TMP/jumbo.pcap" 'icmp and greater 8000'; then
	in_tx ping -c 5 -s 8000 -i 0.05 -W 1 "$IP4_RX" >/dev/null 2>&1
	pid_wait "$CAP_PID" 10
	check_rc "jumbo: -c 5 ends the capture" "$WAIT_RC" 0
	check_grep "jumbo: native XDP (loaded for multi-buffer frames)" "$CAP_ERR" \
		"capturing on $IF_RX in native mode"
	check_eq "jumbo: 5 echo requests of 8042 bytes, whole (cap_len len seq)" \
		"$(tshark -r "$LAB_TMP/jumbo.pcap" -T fields -e frame.cap_len -e frame.len -e icmp.seq \
			2>/dev/null | tr '\t\n' ' ,')" "$want"
	nothing_attached "jumbo"
else
	fail "jumbo: capture starts in native mode" "$(cat "$CAP_ERR")"
fi
if mon_start 20 --mode native --interval 0.2 icmp; then
	in_tx ping -c 5 -s 8000 -i 0.05 -W 1 "$IP4_RX" >/dev/null 2>&1
	mon_settle 5
	mon_stop INT
	check_eq "jumbo: monitor counts 5 ICMP packets of 8042 bytes (packets bytes)" \
		"$(json_get "$MON_OUT" '"%d %d" % (j["l4"]["icmp"]["packets"], j["l4"]["icmp"]["bytes"])')" \
		"5 40210"
else
	fail "jumbo: monitor starts in native mode" "$(cat "$MON_ERR")"
fi
in_tx ip link set "$IF_TX" mtu 1500
in_rx ip link set "$IF_RX" mtu 1500

# With a sanitizer build (make SAN=1): no report in anything pktlens printed.
san=$(grep -lE 'runtime error|AddressSanitizer|LeakSanitizer' "$LAB_TMP"/*.err "$LAB_TMP"/*.cerr \
	2>/dev/null | head -n 3)
check_eq "no sanitizer report in pktlens's messages" "$san" ""

echo "  took $(($(date +%s) - t_start)) s"
finish
