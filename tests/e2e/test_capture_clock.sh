#!/usr/bin/env bash
# test_capture_clock.sh - capture timestamps are the kernel's monotonic clock turned
# into wall-clock time, and they follow a step of the wall clock (NTP, date -s) while
# pktlens runs, as tcpdump's do. The step is made for pktlens alone with libfaketime
# (CLOCK_REALTIME moved by 30 days from a file it rereads; CLOCK_MONOTONIC real), so
# the machine's own clock is never touched.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen tcpdump

FT_LIB=$(ls /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$FT_LIB" ]; then
	skip "wall-clock step" "libfaketime not installed (apt-get install faketime)"
	finish
fi
lab_up || { fail "lab" "could not build the namespaces"; finish; }

N=10
STEP=$((30 * 86400))
cat >"$LAB_TMP/udp.cfg" <<EOF2
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX), udp(sp=40001, dp=7000), fill(0x41, 18) }
EOF2
echo "+0" >"$LAB_TMP/faketime"
# A sanitizer build wants its runtime first among preloads; libfaketime takes no
# allocator or symbol it watches, so the order check is turned off for it.
nsenter -t "$RX_HOLD" -m -n -- env LD_PRELOAD="$FT_LIB" FAKETIME_TIMESTAMP_FILE="$LAB_TMP/faketime" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	"$PKTLENS" capture -i "$IF_RX" -c $((2 * N)) --duration 30 -w "$LAB_TMP/clock.pcap" udp \
	2>"$LAB_TMP/cap.err" &
CAP_PID=$!
LAB_PIDS+=("$CAP_PID")
if ! wait_grep "$LAB_TMP/cap.err" "capturing on $IF_RX" "$CAP_PID"; then
	fail "capture under libfaketime: start" "$(cat "$LAB_TMP/cap.err")"
	finish
fi
t0=$(date +%s)
trafgen_send "$N" "$LAB_TMP/udp.cfg"
sleep 0.5
echo "+30d" >"$LAB_TMP/faketime" # the wall clock steps while pktlens runs
sleep 0.5                        # pktlens looks at the clock every 100 ms
trafgen_send "$N" "$LAB_TMP/udp.cfg"
t1=$(date +%s)
pid_wait "$CAP_PID" 20
check_rc "capture: exit status" "$WAIT_RC" 0
check_grep "capture: $((2 * N)) packets captured" "$LAB_TMP/cap.err" "^$((2 * N)) packets captured"

# Seconds of each packet's timestamp, in capture order.
mapfile -t ts < <(tcpdump -tt -nr "$LAB_TMP/clock.pcap" 2>/dev/null | cut -d. -f1)
check_eq "tcpdump reads $((2 * N)) packets" "${#ts[@]}" $((2 * N))
before=0 after=0
for i in "${!ts[@]}"; do
	if [ "$i" -lt "$N" ]; then
		[ "${ts[$i]}" -ge $((t0 - 2)) ] && [ "${ts[$i]}" -le $((t1 + 2)) ] && before=$((before + 1))
	else
		[ "${ts[$i]}" -ge $((t0 + STEP - 2)) ] && [ "${ts[$i]}" -le $((t1 + STEP + 2)) ] &&
			after=$((after + 1))
	fi
done
check_eq "packets before the step carry the wall-clock time" "$before" "$N"
check_eq "packets after the step carry the stepped time (+30 days)" "$after" "$N"
finish
